"""Retention on the platform (sync.hub.retention): returned loans past the period lose their
member and the indicators do not change; inactive members expire, or are asked to re-consent
and expire when they do not answer, per their centre's policy; kiosks forget an expired member."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import select, text

from kiosk.clock import to_iso
from kiosk.errors import KioskError
from sync.hub import indicators, retention
from sync.hub.models import Loan, Member, Notice

from platformkit import NOW, Clock, drain, stock

CLOCK = Clock()  # the platform's clock (resident sign-ins); kiosks keep their own


@pytest.fixture(autouse=True)
def _keys(tmp_path, monkeypatch):
    monkeypatch.setenv(retention.KEY_ENV, str(tmp_path / "hub-pseudonym.key"))
    monkeypatch.setenv("NANUM_HUB_CONTACT_KEY", str(tmp_path / "hub-contact.key"))
    CLOCK.now = NOW


def _figures(platform, now):
    indicators.refresh(platform.db, now)
    with platform.session() as s:
        loans = s.execute(text("SELECT * FROM indicator_loans ORDER BY month, site")).all()
        reach = s.execute(text("SELECT kind, scope, month, member_type, prev_month, n FROM indicator_reach "
                               "WHERE kind IN ('member', 'item') ORDER BY 1, 2, 3, 4, 5")).all()
    return [tuple(r) for r in loans], [tuple(r) for r in reach]


def _loans(platform):
    with platform.session() as s:
        return {ln.uid: (ln.member_number, ln.member_pseudonym, ln.member_site)
                for ln in s.execute(select(Loan)).scalars()}


def _kiosk_sound(k):
    assert k.maintenance.verify_log().ok
    report = k.maintenance.check()
    assert report.ok, report.problems


def test_returned_loans_past_the_period_lose_their_member_and_the_figures_stay(any_platform, nanum):
    platform = any_platform  # PostgreSQL, and SQLite (a laptop's platform)
    k, client, clock = platform.kiosk("GN01", "GN01-a")
    drain(k, client)
    codes, cards = stock(k, items=4, members=2)
    number = k.members.identify(cards[0]).number
    assert k.circulation.checkout(cards[0], codes[:1]).outcomes[0].ok  # March
    clock.advance(days=2)
    assert k.circulation.return_item(codes[0]).destination == "shelf"
    clock.advance(days=60)  # May: the same member borrows the same item again, and another
    assert k.circulation.checkout(cards[0], codes[:2]).outcomes[0].ok
    assert k.circulation.checkout(cards[1], codes[2:3]).outcomes[0].ok
    clock.advance(days=3)
    assert k.circulation.return_item(codes[1]).destination == "shelf"
    drain(k, client)
    before_loans = _loans(platform)
    before = _figures(platform, clock())
    old = [uid for uid, (member, _, _) in before_loans.items() if member == number]

    report = retention.run(platform.db, clock(), days=30)

    assert report.loans == 1  # only the March loan was returned more than 30 days ago
    after_loans = _loans(platform)
    gone = [uid for uid in after_loans if after_loans[uid][0] is None]
    assert len(gone) == 1 and gone[0] in old
    member, pseudonym, site = after_loans[gone[0]]
    assert pseudonym == retention.pseudonym(number) and pseudonym != number and site == "GN01"
    assert all(after_loans[u] == before_loans[u] for u in after_loans if u not in gone)  # recent ones keep theirs
    assert _figures(platform, clock()) == before  # every indicator the same
    with platform.session() as s:  # the member's own export no longer lists the old loan
        from sync.hub import lifecycle

        assert gone[0] not in {ln["loan"] for ln in lifecycle.export(s, number)["loans"]}
    assert retention.run(platform.db, clock(), days=30).loans == 0  # done once
    code, out, _ = nanum("hub", "retention", "--days", "3650", "--json", "--db", platform.db_url())
    assert code == 0 and '"loans_pseudonymised": 0' in out  # by hand, as the workers run it daily
    drain(k, client)
    _kiosk_sound(k)


def test_an_inactive_member_expires_where_the_centre_says_so_and_every_kiosk_forgets_them(platform, nanum):
    k, client, clock = platform.kiosk("GN01", "GN01-a")
    other, other_client, _ = platform.kiosk("MP01", "MP01-a")
    drain(k, client)
    codes, cards = stock(k, items=3, members=3)
    active, idle, borrowing = (k.members.identify(c).number for c in cards)
    assert k.circulation.checkout(cards[2], codes[2:3]).outcomes[0].ok  # still out when the run comes
    drain(k, client)
    code, out, _ = nanum("hub", "retention-policy", "GN01", "--inactive", "expire", "--months", "3",
                         "--db", platform.db_url())
    assert code == 0 and "GN01\texpire\t3" in out
    clock.advance(days=120)  # four months on, one member borrows again
    assert k.circulation.checkout(cards[0], codes[:1]).outcomes[0].ok
    drain(k, client)
    before = _figures(platform, clock())

    report = retention.run(platform.db, clock())
    assert report.expired == [idle] and report.kept_on_loan == [borrowing] and report.asked == []
    with platform.session() as s:
        gone = s.get(Member, idle)
        assert gone is not None and gone.deleted and gone.display_name is None and gone.card_hash is None
        assert not s.get(Member, active).deleted and not s.get(Member, borrowing).deleted
    assert _figures(platform, clock()) == before
    drain(k, client), drain(other, other_client)
    with pytest.raises(KioskError):
        k.members.identify(cards[1])  # the kiosk forgot them at its next sync
    assert k.members.identify(cards[0]).number == active
    _kiosk_sound(k)
    # MP01 keeps its members: its policy is the default, keep
    code, out, _ = nanum("hub", "retention-policy", "--db", platform.db_url())
    assert "GN01\texpire\t3" in out and "MP01\tkeep\t12" in out


@pytest.mark.platform_options(clock=CLOCK)
def test_an_inactive_member_is_asked_to_re_consent_and_a_sign_in_answers(platform):
    k, client, clock = platform.kiosk("GN01", "GN01-a")
    drain(k, client)
    a, card_a = k.members.add("답하는 회원")
    k.members.set_pin(a.number, "2468")
    b, card_b = k.members.add("답 없는 회원")
    drain(k, client)
    retention.set_policy(platform.db, "GN01", "re-consent", 6, NOW)
    clock.advance(days=200)
    CLOCK.now = clock()

    assert sorted(retention.run(platform.db, clock()).asked) == sorted([a.number, b.number])
    report = retention.run(platform.db, clock() + dt.timedelta(days=1))
    assert report.asked == [] and report.expired == []  # asked once already, still time to answer
    with platform.session() as s:
        asked = s.execute(select(Notice.member_number).where(Notice.msgid == retention.ASK)).scalars().all()
    assert sorted(asked) == sorted([a.number, b.number])

    CLOCK.advance(days=10)  # member a signs in on their page and sees the question there
    with httpx.Client(base_url=platform.url) as web:
        assert web.post("/me/signin?lang=ko", data={"member": a.number, "secret": "2468"}).status_code == 303
        page = web.get("/me", params={"lang": "en"}).text
    assert "To keep it, sign in on your page" in page

    with platform.session() as s:  # the member's export shows what retention keeps about them
        from sync.hub import lifecycle

        seen = lifecycle.export(s, a.number)["activity"]
        assert seen == {"signed_in_at": to_iso(CLOCK()), "asked_to_reconsent_at": None}
        assert lifecycle.export(s, b.number)["activity"]["asked_to_reconsent_at"] == to_iso(clock())

    later = clock() + dt.timedelta(days=retention.REPLY_DAYS + 1)
    report = retention.run(platform.db, later)
    assert report.expired == [b.number] and report.asked == []
    with platform.session() as s:
        assert not s.get(Member, a.number).deleted and s.get(Member, b.number).deleted
        assert not s.execute(select(Notice).where(Notice.member_number == b.number)).first()
        assert s.get(retention.MemberActivity, b.number) is None
    drain(k, client)
    assert k.members.identify(card_a).number == a.number
    with pytest.raises(KioskError):
        k.members.identify(card_b)
    _kiosk_sound(k)


def test_the_platform_workers_run_it_on_their_schedule(platform):
    """A real worker process (``nanum hub worker``) runs ``retention.run`` periodically: every
    second here instead of daily. It reads the real clock, which is well past the kiosk's March."""
    k, client, clock = platform.kiosk("GN01", "GN01-a")
    drain(k, client)
    codes, cards = stock(k, items=2, members=1)
    number = k.members.identify(cards[0]).number
    assert k.circulation.checkout(cards[0], codes[:1]).outcomes[0].ok
    clock.advance(days=1)
    assert k.circulation.return_item(codes[0]).destination == "shelf"
    drain(k, client)
    retention.set_policy(platform.db, "GN01", "expire", 3, NOW)
    env = {**os.environ, "NANUM_RETENTION_CRON": "* * * * * */1", retention.DAYS_ENV: "30",
           "NANUM_WORKER_HEARTBEAT_S": "0.5"}
    worker = subprocess.Popen([sys.executable, "-m", "sync.hub.jobs", "--db", platform.db_url()], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def done() -> bool:
        with platform.session() as s:
            member = s.get(Member, number)
            return member is not None and member.deleted and all(
                ln.member_number is None for ln in s.execute(select(Loan)).scalars())

    try:
        deadline = time.monotonic() + 60
        while not done():
            if worker.poll() is not None:
                raise AssertionError(worker.stderr.read().decode()[-2000:])
            assert time.monotonic() < deadline, "the worker did not run the retention job"
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(10)
    assert set(_loans(platform).values()) == {(None, retention.pseudonym(number), "GN01")}
    drain(k, client)
    with pytest.raises(KioskError):
        k.members.identify(cards[0])
    _kiosk_sound(k)
