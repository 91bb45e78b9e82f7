"""``nanum member add`` records the sign-up consent (its version and date) and, like
staff mode, refuses a member under 14 without their guardian's consent."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from kiosk.services.lifecycle import CONSENT_VERSION, GUARDIAN_RELATIONS


def _rows(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_an_adult_is_registered_with_the_current_consent_and_its_date(nanum):
    assert nanum("init", "--site", "GN01")[0] == 0
    code, out, err = nanum("--json", "member", "add", "김하늘")
    assert code == 0, err
    member = json.loads(out)
    consent = member["consent"]
    assert consent["version"] == CONSENT_VERSION and consent["under_14"] is False
    assert consent["guardian"] is None
    agreed = dt.datetime.fromisoformat(consent["agreed_at"])
    assert abs(agreed - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert _rows(nanum.db, "SELECT version, child, guardian_name FROM member_consents") == \
        [(CONSENT_VERSION, 0, None)]
    # the event says which version, never who agreed
    events = _rows(nanum.db, "SELECT payload FROM events WHERE type = 'member.consent_recorded'")
    assert len(events) == 1 and json.loads(events[0][0])["version"] == CONSENT_VERSION
    code, out, _ = nanum("member", "add", "이바다", "--consent-version", "2025-01")
    assert code == 0 and "Consent 2025-01 recorded on" in out
    assert ("2025-01",) in _rows(nanum.db, "SELECT version FROM member_consents")


def test_a_child_without_guardian_details_is_refused_and_nothing_is_kept(nanum):
    nanum("init", "--site", "GN01")
    for extra in ([], ["--guardian-name", "김엄마"], ["--guardian-relation", "parent"],
                  ["--guardian-name", "  ", "--guardian-relation", "parent"],
                  ["--guardian-name", "김엄마", "--guardian-relation", "parent",
                   "--guardian-agreed-on", "2999-01-01"]):
        code, _, err = nanum("member", "add", "김어린", "--child", *extra)
        assert code == 2, extra
        assert "guardian" in err.lower(), err
    # guardian details for an adult are a mistake, not silently dropped
    code, _, err = nanum("member", "add", "김어른", "--guardian-name", "김엄마", "--guardian-relation", "parent")
    assert code == 2 and "--child" in err
    assert _rows(nanum.db, "SELECT count(*) FROM members") == [(0,)]
    assert _rows(nanum.db, "SELECT count(*) FROM member_consents") == [(0,)]


def test_a_child_with_a_guardians_consent_is_registered(nanum):
    nanum("init", "--site", "GN01")
    code, out, err = nanum("--json", "member", "add", "김어린", "--type", "family", "--child",
                           "--guardian-name", "김엄마", "--guardian-relation", "parent",
                           "--guardian-agreed-on", "2026-01-05")
    assert code == 0, err
    consent = json.loads(out)["consent"]
    assert consent["under_14"] is True
    assert consent["guardian"] == {"name": "김엄마", "relationship": "parent", "agreed_on": "2026-01-05"}
    assert _rows(nanum.db, "SELECT child, guardian_name, guardian_relation, guardian_agreed_on "
                           "FROM member_consents") == [(1, "김엄마", "parent", "2026-01-05")]
    code, out, _ = nanum("--json", "member", "add", "이어린", "--child", "--guardian-name", "이아빠",
                         "--guardian-relation", "legal_guardian")
    # without --guardian-agreed-on the guardian agreed today (the kiosk's calendar day, Seoul's)
    agreed_on = dt.date.fromisoformat(json.loads(out)["consent"]["guardian"]["agreed_on"])
    assert abs(agreed_on - dt.datetime.now(dt.UTC).date()) <= dt.timedelta(days=1)


def test_the_cli_offers_every_relation_the_lifecycle_accepts(nanum):
    nanum("init", "--site", "GN01")
    for relation in GUARDIAN_RELATIONS:
        code, _, err = nanum("member", "add", f"아이 {relation}", "--child", "--guardian-name", "보호자",
                             "--guardian-relation", relation)
        assert code == 0, (relation, err)
