"""Tamper evidence: a log shortened or rewritten, or data changed behind the log's back,
makes `nanum verify-log` or `nanum check` fail and say what is wrong.

Every change here is made the way an intruder with the database file would
make it: with sqlite3 on the file, recomputing the hash chain with the
kiosk's own event_hash where that hides an edit.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest

from kiosk.services import open_kiosk, syncstate
from kiosk.store.events import GENESIS, event_hash

KEY_FILENAME = "kiosk.key"  # kiosk.store.seal.KEY_FILENAME


def seal_value(*args):
    from kiosk.store.seal import seal_value

    return seal_value(*args)


@pytest.fixture
def lending(nanum):
    """A kiosk with two items lent to two members and one returned."""
    assert nanum("init", "--site", "GN01", "--kiosk-id", "GN01-k1")[0] == 0
    for code, name in (("T-1", "사다리"), ("T-2", "텐트"), ("T-3", "드릴")):
        assert nanum("item", "add", code, name)[0] == 0
    cards = []
    for name in ("김하늘", "이바다"):
        code, out, err = nanum("--json", "member", "add", name)
        assert code == 0, err
        cards.append(json.loads(out)["card"])
    assert nanum("checkout", cards[0], "T-1")[0] == 0
    assert nanum("checkout", cards[1], "T-2")[0] == 0
    assert nanum("checkout", cards[1], "T-3")[0] == 0
    assert nanum("return", "T-3")[0] == 0
    assert nanum("verify-log")[0] == 0 and nanum("check")[0] == 0
    return nanum


def _sql(nanum, *statements):
    con = sqlite3.connect(nanum.db)
    for st in statements:
        con.execute(st)
    con.commit()
    con.close()


def _recompute_chain(db, from_seq=1):
    """Rewrite every hash from ``from_seq`` on, as someone hiding an edit would."""
    con = sqlite3.connect(db)
    rows = con.execute("SELECT seq, event_id, kiosk_id, type, at, hlc, actor, payload FROM events "
                       "ORDER BY seq").fetchall()
    prev = GENESIS
    for seq, event_id, kiosk_id, type_, at, hlc, actor, payload in rows:
        h = event_hash(prev, seq, event_id, kiosk_id, type_, at, hlc, actor, payload)
        if seq >= from_seq:
            con.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
        prev = h
    con.commit()
    con.close()
    return prev


def test_the_key_file_is_made_at_set_up_for_the_kiosk_user_only(lending):
    key = lending.data / KEY_FILENAME
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key.read_text().strip())) == 32
    con = sqlite3.connect(lending.db)
    (seal,) = con.execute("SELECT value FROM settings WHERE key = 'log_seal'").fetchone()
    (count,) = con.execute("SELECT count(*) FROM events").fetchone()
    con.close()
    assert json.loads(seal)["seq"] == count  # the seal follows the head
    assert key.read_text().strip() not in open(lending.db, "rb").read().decode("latin-1")


def test_deleting_the_last_events_is_detected(lending):
    _sql(lending, "DELETE FROM events WHERE seq > (SELECT max(seq) - 3 FROM events)")
    code, _, err = lending("verify-log")
    assert code == 1 and "the last events were removed" in err
    code, out, _ = lending("check")
    assert code == 1 and "the last events were removed" in out


def test_an_edited_event_with_its_chain_recomputed_is_detected(lending):
    con = sqlite3.connect(lending.db)
    seq, payload = con.execute("SELECT seq, payload FROM events WHERE type = 'loan.checked_out' "
                               "ORDER BY seq LIMIT 1").fetchone()
    con.execute("UPDATE events SET payload = ? WHERE seq = ?",
                (payload.replace('"M-000001"', '"M-000002"'), seq))
    con.commit()
    con.close()
    _recompute_chain(lending.db)
    code, _, err = lending("verify-log")
    assert code == 1 and "The seal does not match the log" in err


def test_an_event_appended_without_the_key_is_detected(lending):
    con = sqlite3.connect(lending.db)
    last = con.execute("SELECT seq, event_id, kiosk_id, type, at, hlc, actor, payload, hash FROM events "
                       "ORDER BY seq DESC LIMIT 1").fetchone()
    seq, _eid, kid, _t, at, hlc, _a, _p, prev = last
    row = (seq + 1, "00000000-0000-4000-8000-000000000001", kid, "member.status_changed", at, hlc, None,
           '{"member":"M-000001","status":"active"}')
    con.execute("INSERT INTO events (seq, event_id, kiosk_id, type, at, hlc, actor, payload, prev_hash, hash) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)", (*row, prev, event_hash(prev, *row)))
    con.commit()
    con.close()
    code, _, err = lending("verify-log")
    assert code == 1 and "events were added without the kiosk key" in err


def test_an_open_loans_due_date_changed_behind_the_log_is_named(lending):
    _sql(lending, "UPDATE loans SET due_on = '2099-12-31' WHERE returned_at IS NULL AND item_id = "
                  "(SELECT id FROM items WHERE code = 'T-00001')")
    assert lending("verify-log")[0] == 0  # the log itself is intact
    code, out, _ = lending("check")
    assert code == 1
    assert "The loan of T-00001 is due 2099-12-31, but the event log says" in out


def test_an_open_loans_member_changed_behind_the_log_is_named(lending):
    _sql(lending, "UPDATE loans SET member_id = (SELECT id FROM members WHERE number = 'M-000001') "
                  "WHERE item_id = (SELECT id FROM items WHERE code = 'T-00002')")
    code, out, _ = lending("check")
    assert code == 1
    assert "The loan of T-00002 is to member M-000001, but the event log lent it to M-000002" in out


def test_a_members_status_changed_behind_the_log_is_named(lending):
    k = open_kiosk(lending.data)  # a change through the kiosk is in the log: no finding
    k.members.set_status("M-000001", "suspended")
    k.close()
    assert lending("verify-log")[0] == 0
    code, out, _ = lending("check")
    assert code == 0, out
    _sql(lending, "UPDATE members SET status = 'suspended' WHERE number = 'M-000002'")
    code, out, _ = lending("check")
    assert code == 1 and "Member M-000002 is suspended, but the event log says active" in out
    _sql(lending, "UPDATE members SET status = 'active', expires_on = '2099-01-01' WHERE number = 'M-000002'")
    code, out, _ = lending("check")
    assert code == 1 and "Member M-000002's membership ends 2099-01-01" in out


def test_a_loan_closed_behind_the_log_is_named(lending):
    _sql(lending, "UPDATE loans SET returned_at = '2026-01-01T00:00:00Z' WHERE item_id = "
                  "(SELECT id FROM items WHERE code = 'T-00001')",
         "UPDATE items SET status = 'available' WHERE code = 'T-00001'")
    code, out, _ = lending("check")
    assert code == 1 and "The event log has T-00001 on loan to M-000001" in out


def test_without_the_key_file_the_seal_cannot_be_checked(lending):
    os.unlink(lending.data / KEY_FILENAME)
    code, _, err = lending("verify-log")
    assert code == 1 and KEY_FILENAME in err and "cannot be checked" in err


def test_the_platform_anchor_catches_a_rewrite_even_with_the_key(lending):
    # The platform acknowledged the log up to here (what a push answer's "held" does).
    k = open_kiosk(lending.data)
    held = k.maintenance.verify_log().count
    syncstate.acknowledge(k, held)
    k.close()
    assert lending("verify-log")[0] == 0
    # Someone holding the database AND the key file rewrites an acknowledged event and reseals.
    con = sqlite3.connect(lending.db)
    seq, payload = con.execute("SELECT seq, payload FROM events WHERE type = 'loan.checked_out' "
                               "ORDER BY seq LIMIT 1").fetchone()
    con.execute("UPDATE events SET payload = ? WHERE seq = ?", (payload.replace("T-00001", "T-00003"), seq))
    con.commit()
    head = _recompute_chain(lending.db)
    key = bytes.fromhex((lending.data / KEY_FILENAME).read_text().strip())
    con.execute("UPDATE settings SET value = ? WHERE key = 'log_seal'",
                (json.dumps(seal_value(key, "GN01-k1", held, head)),))
    con.commit()
    con.close()
    code, _, err = lending("verify-log")
    assert code == 1 and f"Event {held} is not the one the platform acknowledged" in err


def test_the_platform_anchor_catches_truncation_even_with_the_key(lending):
    k = open_kiosk(lending.data)
    held = k.maintenance.verify_log().count
    syncstate.acknowledge(k, held)
    k.close()
    con = sqlite3.connect(lending.db)
    con.execute("DELETE FROM events WHERE seq > ?", (held - 2,))
    seq, head = con.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    key = bytes.fromhex((lending.data / KEY_FILENAME).read_text().strip())
    con.execute("UPDATE settings SET value = ? WHERE key = 'log_seal'",
                (json.dumps(seal_value(key, "GN01-k1", seq, head)),))
    con.commit()
    con.close()
    code, _, err = lending("verify-log")
    assert code == 1 and f"The platform acknowledged {held} events but the log has only {held - 2}" in err


def test_synced_kiosks_keep_the_platforms_head_and_check_clean(platform):
    """Two kiosks of one centre lend, reserve and sync both ways: nothing is flagged, and
    each keeps the hash of the last event the platform acknowledged (the platform anchor)."""
    from sqlalchemy import select

    from sync.hub.models import Kiosk as HubKiosk

    from platformkit import drain, stock

    k1, c1, _ = platform.kiosk("GN01")
    k2, c2, _ = platform.kiosk("GN01")
    codes, cards = stock(k1, items=3, members=2)
    assert k1.circulation.checkout(cards[0], [codes[0]]).outcomes[0].ok
    drain(k1, c1)
    drain(k2, c2)  # k2 learns k1's items and members from the platform
    _member, card2 = k2.members.add("회원k2")
    assert k2.circulation.checkout(card2, [codes[1]]).outcomes[0].ok
    k2.members.set_status(k2.members.list()[0].number, "suspended")
    drain(k2, c2)
    drain(k1, c1)  # and k1 learns k2's changes
    for k in (k1, k2):
        report = k.maintenance.check()
        assert report.ok, report.problems
        with platform.session() as s:
            hub = s.execute(select(HubKiosk).where(HubKiosk.kiosk_id == k.kiosk_id)).scalar_one()
            held, head = hub.held_seq, hub.head_hash
        assert syncstate.acked_seq(k) == held and k.setting("sync_acked_hash") == head
