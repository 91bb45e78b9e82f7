"""A member's personal data through its life on one kiosk: consent (a guardian's for a
child), contacts encrypted at rest, staff views logged, the member's export, erasure.

Every test runs on a real kiosk database with a clock the test moves by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from kiosk.errors import BadInput, NotFound, Refused
from kiosk.services.lifecycle import CONSENT_VERSION, Guardian, Lifecycle
from kiosk.services.staff import MANAGER, VOLUNTEER, StaffView
from kiosk.store.events import event_count, verify_chain

BOSS = StaffView(name="김관리", role=MANAGER)
PHONE = "010-2345-6789"


def _cli(data_dir, *args):
    from kiosk.cli import main

    return main(["--data-dir", str(data_dir), "--lang", "en", *args])


def _raw(k, sql, *params):
    con = sqlite3.connect(k.data_dir / "nanum.sqlite3")
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _lend_and_return(k, card, code):
    assert k.circulation.checkout(card, [code]).outcomes[0].ok
    k.circulation.return_item(code, parts_counted=2)


@pytest.fixture
def kiosk(make_kiosk):
    return make_kiosk()


def test_an_erased_member_is_forgotten_and_the_log_still_verifies(kiosk, capsys):
    k, clock = kiosk
    life = Lifecycle(k)
    code = k.catalogue.add_item("T-00001", "전동 드릴", parts=2).code
    member, card = life.register("김하늘", contact=PHONE, actor=BOSS.name)
    other, other_card = life.register("이바다", contact="010-9999-0000", actor=BOSS.name)
    _lend_and_return(k, card, code)
    clock.advance(days=3)
    loans_before = _raw(k, "SELECT uid, member_type, checked_out_at, returned_at FROM loans")

    life.erase(member.number, by=BOSS, why="asked at the desk")

    row = _raw(k, "SELECT display_name, contact, card_hash, pin_hash, status FROM members WHERE number = ?",
               member.number)
    assert row == [("", None, None, None, "suspended")]
    assert _raw(k, "SELECT count(*) FROM member_consents m JOIN members x ON x.id = m.member_id "
                   "WHERE x.number = ?", member.number) == [(0,)]
    with pytest.raises(NotFound):
        k.members.identify(card)  # the card no longer names anyone
    # the loan stays for the statistics, with the member's type only
    assert _raw(k, "SELECT uid, member_type, checked_out_at, returned_at FROM loans") == loans_before
    # nor is the name left in the database file's free space or its write-ahead log
    assert "김하늘".encode() not in b"".join(p.read_bytes() for p in k.data_dir.glob("nanum.sqlite3*"))
    # the other member is untouched
    assert k.members.identify(other_card).display_name == "이바다"
    assert life.consent(other.number) is not None
    # the log was never edited: the chain, the seal and the kiosk's checks pass
    with k.reading() as s:
        assert verify_chain(s).ok
        assert event_count(s, "member.erased") == 1
    erased = [json.loads(p) for (p,) in _raw(k, "SELECT payload FROM events WHERE type = 'member.erased'")]
    assert erased == [{"member": member.number, "why": "asked at the desk"}]
    capsys.readouterr()
    assert _cli(k.data_dir, "--json", "verify-log") == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert _cli(k.data_dir, "--json", "check") == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    # nothing left to erase, and nothing in any event that names the person
    with pytest.raises(NotFound):
        life.erase(member.number, by=BOSS)
    assert not [p for (p,) in _raw(k, "SELECT payload FROM events") if "김하늘" in p or PHONE in p]


def test_erasure_waits_for_the_items_on_loan_and_cancels_reservations(kiosk):
    k, _clock = kiosk
    life = Lifecycle(k)
    drill = k.catalogue.add_item("T-00001", "전동 드릴", parts=2).code
    saw = k.catalogue.add_item("T-00002", "톱", parts=1).code
    member, card = life.register("김하늘", actor=BOSS.name)
    _, other_card = life.register("이바다", actor=BOSS.name)
    assert k.circulation.checkout(card, [drill]).outcomes[0].ok
    assert k.circulation.checkout(other_card, [saw]).outcomes[0].ok
    k.circulation.reserve(card, saw)
    events = _raw(k, "SELECT count(*) FROM events")

    with pytest.raises(Refused) as refused:
        life.erase(member.number, by=BOSS)
    assert refused.value.reason == "on_loan"
    assert _raw(k, "SELECT count(*) FROM events") == events  # nothing changed
    assert k.members.identify(card).display_name == "김하늘"

    k.circulation.return_item(drill, parts_counted=2)
    life.erase(member.number, by=BOSS)
    assert _raw(k, "SELECT status FROM reservations") == [("cancelled",)]
    with pytest.raises(Refused):  # a volunteer may not erase members
        life.erase("M-000002", by=StaffView(name="박봉사", role=VOLUNTEER))


def test_a_child_member_needs_their_guardians_consent(kiosk):
    k, clock = kiosk
    life = Lifecycle(k)
    before = _raw(k, "SELECT count(*) FROM members"), _raw(k, "SELECT count(*) FROM events")
    with pytest.raises(BadInput):
        life.register("김어린", child=True, actor=BOSS.name)
    with pytest.raises(BadInput):  # a relationship nobody can consent as
        life.register("김어린", child=True, guardian=Guardian("김부모", "neighbour", k.today()))
    with pytest.raises(BadInput):  # a consent dated tomorrow
        life.register("김어린", child=True, guardian=Guardian("김부모", "parent",
                                                               k.today() + dt.timedelta(days=1)))
    assert (_raw(k, "SELECT count(*) FROM members"), _raw(k, "SELECT count(*) FROM events")) == before

    child, _ = life.register("김어린", child=True, guardian=Guardian("김부모", "parent", k.today()),
                             actor=BOSS.name)
    consent = life.consent(child.number)
    assert consent is not None and consent.child and consent.version == CONSENT_VERSION
    assert (consent.guardian_name, consent.guardian_relation) == ("김부모", "parent")
    assert consent.agreed_at.startswith(clock.now.strftime("%Y-%m-%dT%H:%M"))
    # the event says a guardian agreed, never who
    (payload,), = _raw(k, "SELECT payload FROM events WHERE type = 'member.consent_recorded'")
    assert json.loads(payload) == {"member": child.number, "version": CONSENT_VERSION, "child": True,
                                   "staff": BOSS.name}
    adult, _ = life.register("김어른", actor=BOSS.name)
    assert life.consent(adult.number).guardian_name is None


def test_contacts_are_encrypted_at_rest_with_a_key_outside_the_database(make_kiosk):
    k, _clock = make_kiosk()
    member, _ = Lifecycle(k).register("김하늘", contact=PHONE, actor=BOSS.name)
    (stored,), = _raw(k, "SELECT contact FROM members WHERE number = ?", member.number)
    assert stored.startswith("enc1:") and PHONE not in stored
    key = k.data_dir / "contact.key"
    assert key.exists() and key.stat().st_mode & 0o777 == 0o600
    assert key.read_text().strip() not in json.dumps(_raw(k, "SELECT * FROM settings"))
    assert Lifecycle(k).personal_data(member.number, by=BOSS, why="overdue call").contact == PHONE

    # a contact an older version kept in clear is encrypted when the kiosk next starts
    _raw_write = sqlite3.connect(k.data_dir / "nanum.sqlite3")
    _raw_write.execute("UPDATE members SET contact = '010-1111-2222' WHERE number = ?", (member.number,))
    _raw_write.commit()
    _raw_write.close()
    k.close()
    from kiosk.services import open_kiosk

    again = open_kiosk(k.data_dir, clock=_clock)
    try:
        (stored,), = _raw(again, "SELECT contact FROM members WHERE number = ?", member.number)
        assert stored.startswith("enc1:")
        assert Lifecycle(again).personal_data(member.number, by=BOSS, why="call").contact == "010-1111-2222"
    finally:
        again.close()


def test_a_staff_view_is_logged_and_the_export_holds_it_and_nobody_else(kiosk):
    k, clock = kiosk
    life = Lifecycle(k)
    drill = k.catalogue.add_item("T-00001", "전동 드릴", parts=2).code
    member, card = life.register("김하늘", contact=PHONE, actor=BOSS.name)
    other, other_card = life.register("이바다", contact="010-9999-0000", actor=BOSS.name)
    assert k.circulation.checkout(card, [drill]).outcomes[0].ok
    k.circulation.reserve(other_card, drill)
    k.circulation.return_item(drill, parts_counted=2)  # held for the other member: the event names both

    with pytest.raises(BadInput):  # a view needs a reason
        life.personal_data(member.number, by=BOSS, why="  ")
    clock.advance(hours=1)
    seen = life.personal_data(member.number, by=BOSS, why="overdue call")
    assert (seen.name, seen.contact) == ("김하늘", PHONE)
    (actor, at, payload), = _raw(k, "SELECT actor, at, payload FROM events WHERE type = 'member.contact_viewed'")
    assert actor == BOSS.name and json.loads(payload) == {"member": member.number, "why": "overdue call"}

    exported = life.export(member.number, by=BOSS)
    text = json.dumps(exported, ensure_ascii=False)
    assert exported["member"]["name"] == "김하늘" and exported["member"]["contact"] == PHONE
    assert exported["consent"]["version"] == CONSENT_VERSION
    assert [ln["item"] for ln in exported["loans"]] == ["T-00001"]
    assert exported["staff_views"][0] == {"at": at, "by": BOSS.name, "why": "overdue call", "what": "contact"}
    assert {e["type"] for e in exported["events"]} >= {"member.registered", "member.consent_recorded",
                                                      "loan.checked_out", "loan.returned",
                                                      "member.contact_viewed"}
    # nothing about the other member: not their number, name or contact
    for theirs in (other.number, "이바다", "010-9999-0000"):
        assert theirs not in text
    # the export is itself logged, and listed in it
    assert [v["what"] for v in exported["staff_views"]] == ["contact", "export"]
    assert [v["what"] for v in life.export(member.number, by=BOSS)["staff_views"]] == ["contact", "export",
                                                                                       "export"]
    with pytest.raises(Refused):
        life.export(member.number, by=StaffView(name="박봉사", role=VOLUNTEER))


def test_the_contact_key_file_is_where_the_configuration_file_says(tmp_path):
    from kiosk.config import load_config
    from kiosk.services import open_kiosk

    keys = tmp_path / "keys"
    cfg = tmp_path / "nanum.toml"
    cfg.write_text(f'[privacy]\nkey_file = "{keys / "contact.key"}"\n', encoding="utf-8")
    k = open_kiosk(tmp_path / "data", clock=lambda: dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC),
                   defaults=load_config(cfg).defaults)
    try:
        k.initialise("GN01", "강남 나눔센터", kiosk_id="GN01-test")
        member, _ = Lifecycle(k).register("김하늘", contact=PHONE, actor=BOSS.name)
        assert (keys / "contact.key").exists() and not (tmp_path / "data" / "contact.key").exists()
        assert Lifecycle(k).personal_data(member.number, by=BOSS, why="call").contact == PHONE
    finally:
        k.close()
