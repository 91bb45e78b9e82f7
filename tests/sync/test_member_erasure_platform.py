"""A member erased at one kiosk (or on the resident page) disappears from every kiosk and
the platform after sync; the city's figures keep their loans; every log still verifies.

PostgreSQL over HTTP with two kiosks of one centre (tests/sync/platformkit.py).
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from sqlalchemy import select, text

from kiosk.errors import NotFound
from kiosk.services.lifecycle import Lifecycle
from kiosk.services.staff import MANAGER, StaffView
from kiosk.store.events import GENESIS
from sync.hub.models import Event, Member, NoticeContact

from platformkit import drain

BOSS = StaffView(name="김관리", role=MANAGER)


@pytest.fixture(autouse=True)
def _contact_key(tmp_path, monkeypatch):
    """The platform's contact key in this test's folder (outside the database)."""
    monkeypatch.setenv("NANUM_HUB_CONTACT_KEY", str(tmp_path / "hub-contact.key"))


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def _figures(platform):
    """The city's summaries: loan figures and the reach of members and items."""
    from sync.hub import indicators

    indicators.refresh(platform.db, platform.app.state.clock())
    with platform.session() as s:
        loans = s.execute(text("SELECT * FROM indicator_loans ORDER BY month, site")).all()
        reach = s.execute(text("SELECT kind, scope, month, member_type, prev_month, n FROM indicator_reach "
                               "WHERE kind IN ('member', 'item') ORDER BY 1, 2, 3, 4, 5")).all()
        members = s.execute(text("SELECT n FROM indicator_reach WHERE kind = 'members' AND scope = 'city'")).all()
    return [tuple(r) for r in loans], [tuple(r) for r in reach], sum(n for (n,) in members)


def _chains_verify(platform) -> None:
    """The platform's copy of every kiosk's log chains from the start, hash by hash."""
    from sync.hub.push import chain_hash

    with platform.session() as s:
        kiosks = s.execute(select(Event.kiosk_id).distinct()).scalars().all()
        for kiosk_id in kiosks:
            prev = GENESIS
            for e in s.execute(select(Event).where(Event.kiosk_id == kiosk_id).order_by(Event.seq)).scalars():
                assert e.prev_hash == prev and e.hash == chain_hash(prev, e), (kiosk_id, e.seq)
                prev = e.hash


def _kiosk_checks(k) -> None:
    assert k.maintenance.verify_log().ok
    report = k.maintenance.check()
    assert report.ok, report


def test_a_member_erased_at_one_kiosk_is_gone_everywhere_and_the_figures_stay(platform):
    a, client_a, clock = platform.kiosk("GN01", "GN01-a")
    b, client_b, _ = platform.kiosk("GN01", "GN01-b", clock=clock)
    drill = a.catalogue.add_item("T-00001", "전동 드릴", parts=2).code
    life = Lifecycle(a)
    member, card = life.register("김하늘", contact="010-2345-6789", actor=BOSS.name)
    other, other_card = life.register("이바다", actor=BOSS.name)
    a.members.set_pin(member.number, "2468")
    a.members.set_pin(other.number, "1357")
    assert a.circulation.checkout(card, [drill]).outcomes[0].ok
    clock.advance(days=2)
    a.circulation.return_item(drill, parts_counted=2)
    assert a.circulation.checkout(other_card, [drill]).outcomes[0].ok
    clock.advance(days=1)
    a.circulation.return_item(drill, parts_counted=2)
    drain(a, client_a)
    drain(b, client_b)
    assert b.members.identify(card).number == member.number  # the centre's other kiosk knows the card

    with httpx.Client(base_url=platform.url) as web:
        assert web.post("/me/signin?lang=en", data={"member": member.number, "secret": "2468"}).status_code == 303
        page = web.get("/me", params={"lang": "en"}).text
        saved = web.post("/me/notices?lang=en", data={"csrf": _csrf(page), "email": "haneul@example.org",
                                                      "email_ok": "1"})
        assert saved.status_code == 200 and "haneul@example.org" in saved.text
        mine = web.get("/me/export", params={"lang": "en"})
    assert mine.status_code == 200 and mine.headers["content-type"].startswith("application/json")
    data = mine.json()
    assert data["member"]["number"] == member.number
    assert data["notice_contact"]["email"] == "haneul@example.org"
    assert [ln["item"] for ln in data["loans"]] == ["T-00001"]
    assert {"member.registered", "member.consent_recorded", "loan.checked_out"} <= {e["type"] for e in data["events"]}
    assert other.number not in mine.text  # nothing about the other member
    with platform.session() as s:  # the address is encrypted at rest
        stored = s.get(NoticeContact, member.number).email
    assert stored.startswith("enc1:") and "haneul" not in stored

    figures = _figures(platform)
    life.erase(member.number, by=BOSS, why="asked at the desk")
    drain(a, client_a)
    drain(b, client_b)
    drain(a, client_a)

    with platform.session() as s:
        m = s.get(Member, member.number)
        assert m.deleted and (m.display_name, m.card_hash, m.pin_hash, m.phone_card_hash) == (None,) * 4
        assert s.get(NoticeContact, member.number) is None
        assert s.execute(text("SELECT count(*) FROM resident_sessions WHERE member_number = :n"),
                         {"n": member.number}).scalar_one() == 0
        assert s.execute(text("SELECT count(*) FROM quarantined_events")).scalar_one() == 0
    for k in (a, b):
        with pytest.raises(NotFound):
            k.members.identify(card)
        assert k.members.identify(other_card).number == other.number
        _kiosk_checks(k)
    _chains_verify(platform)
    loans, reach, members = _figures(platform)
    assert (loans, reach) == figures[:2]  # the city's figures keep the erased member's loans
    assert members == figures[2] - 1  # and count one member fewer
    # the number no longer signs in, and lending goes on for everyone else
    with httpx.Client(base_url=platform.url) as web:
        assert web.post("/me/signin?lang=en", data={"member": member.number, "secret": "2468"}).status_code == 401
    assert b.circulation.checkout(other_card, [drill]).outcomes[0].ok
    drain(b, client_b)
    _chains_verify(platform)


def test_a_resident_erases_themselves_on_their_page_and_the_kiosks_forget_them(platform):
    a, client_a, clock = platform.kiosk("GN01", "GN01-a")
    b, client_b, _ = platform.kiosk("GN01", "GN01-b", clock=clock)
    drill = a.catalogue.add_item("T-00001", "전동 드릴", parts=2).code
    member, card = Lifecycle(a).register("김하늘", contact="010-2345-6789", actor=BOSS.name)
    a.members.set_pin(member.number, "2468")
    assert a.circulation.checkout(card, [drill]).outcomes[0].ok
    drain(a, client_a)
    drain(b, client_b)

    with httpx.Client(base_url=platform.url) as web:
        assert web.post("/me/signin?lang=en", data={"member": member.number, "secret": "2468"}).status_code == 303
        page = web.get("/me", params={"lang": "en"}).text
        unconfirmed = web.post("/me/erase?lang=en", data={"csrf": _csrf(page)})
        assert unconfirmed.status_code == 400 and "tick the box" in unconfirmed.text
        on_loan = web.post("/me/erase?lang=en", data={"csrf": _csrf(page), "confirm": "1"})
        assert on_loan.status_code == 409 and "return the 1 items" in on_loan.text
        assert web.post("/me/erase?lang=en", data={"csrf": "forged", "confirm": "1"}).status_code == 403
        a.circulation.return_item(drill, parts_counted=2)
        drain(a, client_a)
        figures = _figures(platform)
        done = web.post("/me/erase?lang=en", data={"csrf": _csrf(page), "confirm": "1"})
        assert done.status_code == 200 and "Your membership is erased" in done.text
        assert web.get("/me/export").status_code == 403  # signed out with the erasure

    drain(a, client_a)
    drain(b, client_b)
    for k in (a, b):
        with pytest.raises(NotFound):
            k.members.identify(card)
        _kiosk_checks(k)
    raw = json.dumps([list(r) for r in _raw_member(a, member.number)], ensure_ascii=False)
    assert "김하늘" not in raw and "010-2345-6789" not in raw and "enc1:" not in raw
    _chains_verify(platform)
    assert _figures(platform)[:2] == figures[:2]


def _raw_member(k, number):
    import sqlite3

    con = sqlite3.connect(k.data_dir / "nanum.sqlite3")
    try:
        return con.execute("SELECT * FROM members WHERE number = ?", (number,)).fetchall()
    finally:
        con.close()


def test_an_administrators_look_is_logged_for_the_member_and_the_city_can_erase(platform, tmp_path, monkeypatch,
                                                                                capsys):
    import datetime as dt

    from kiosk.errors import BadInput
    from sync.hub import lifecycle

    from platform_fixtures import nanum_in_env

    a, client_a, _clock = platform.kiosk("GN01", "GN01-a")
    member, card = Lifecycle(a).register("김하늘", actor=BOSS.name)
    a.members.set_pin(member.number, "2468")
    drain(a, client_a)
    now = dt.datetime(2026, 3, 11, 2, 0, tzinfo=dt.UTC)

    with pytest.raises(BadInput):  # a look needs a reason, and an unexplained one is not logged
        lifecycle.export_for_admin(platform.db, member.number, by="서울시 담당자", why=" ", now=now)
    seen = lifecycle.export_for_admin(platform.db, member.number, by="서울시 담당자", why="민원 2026-123", now=now)
    assert seen["member"]["number"] == member.number
    with httpx.Client(base_url=platform.url) as web:
        assert web.post("/me/signin?lang=en", data={"member": member.number, "secret": "2468"}).status_code == 303
        views = web.get("/me/export").json()["personal_data_views"]
    assert views == [{"at": "2026-03-11T02:00:00.000000Z", "by": "서울시 담당자", "why": "민원 2026-123",
                      "what": "export"}]

    nanum = nanum_in_env(tmp_path, monkeypatch, capsys)
    db = platform.db_url()
    code, _, err = nanum("hub", "export-member", member.number, "--db", db, "--by", "담당자", "--why", "요청",
                         "--file", str(tmp_path / "out.json"))
    assert code == 0, err
    assert json.loads((tmp_path / "out.json").read_text())["member"]["number"] == member.number
    assert (tmp_path / "out.json").stat().st_mode & 0o777 == 0o600
    code, _, err = nanum("hub", "erase-member", member.number, "--db", db, "--by", "담당자", "--why", "탈퇴 요청")
    assert code == 0, err
    drain(a, client_a)
    with pytest.raises(NotFound):
        a.members.identify(card)
    _kiosk_checks(a)
    code, _, err = nanum("hub", "erase-member", member.number, "--db", db, "--by", "담당자", "--why", "다시")
    assert code != 0 and member.number in err


def test_the_migration_encrypts_the_notice_addresses_already_kept(pg):
    """On PostgreSQL: a platform at the schema before encryption, with an address kept in clear,
    upgraded; every row stays and the address is ciphertext that opens to the same address."""
    from alembic import command
    from sqlalchemy import create_engine

    from sync.hub import lifecycle
    from sync.hub.db import alembic_config

    engine = create_engine(pg.url(pg.create_database()))
    try:
        command.upgrade(alembic_config(engine), "0016")
        with engine.begin() as c:
            c.execute(text("INSERT INTO notice_contacts (member_number, email, email_consent_at, phone, "
                           "sms_consent_at, consent_version, updated_at) VALUES ('M-1', 'a@example.org', "
                           "'2026-12-01', '01012345678', NULL, 'v1', '2026-12-01')"))
        command.upgrade(alembic_config(engine), "head")
        with engine.connect() as c:
            rows = c.execute(text("SELECT member_number, email, phone, email_consent_at FROM notice_contacts")).all()
    finally:
        engine.dispose()
    [(number, email, phone, consent)] = rows
    assert (number, consent) == ("M-1", "2026-12-01")
    assert email.startswith("enc1:") and phone.startswith("enc1:")
    key = lifecycle.contact_key()
    assert (key.open(email), key.open(phone)) == ("a@example.org", "01012345678")
