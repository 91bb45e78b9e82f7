"""Pull: a snapshot-safe cursor, pages, tombstones, one transaction per page, expired cursors."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.services import syncstate
from kiosk.store.models import ClosedDay, Item, Loan, Member, Reservation, Setting
from sync.hub import admin, feed
from sync.hub import reservations as resv
from sync.hub.models import Change
from sync.hub.models import Item as HubItem
from sync.round import RoundReport, pull_changes

from platformkit import digests_agree, drain, stock


def local_items(k) -> set[str]:
    with k.reading() as s:
        return set(s.execute(select(Item.code)).scalars())


def test_a_row_whose_transaction_commits_late_is_not_skipped(platform):
    k, client, _ = platform.kiosk()
    drain(k, client)
    with Session(platform.db.engine) as slow:
        # T1 writes first (so it holds the older transaction id and the smaller
        # row id) but commits last.
        slow.add(HubItem(code="T-00901", name_ko="늦게 오는 물품", home_site="GN01", location="GN01",
                         parts=[], aliases=[], retired=False, status="available", origin="platform"))
        feed.Notifier(slow)("item", "GN01/T-00901", None)
        slow.flush()
        late_id = slow.execute(select(func.max(Change.id))).scalar_one()
        admin.add_item(platform.db, "T-00902", "먼저 오는 물품", "GN01")  # T2 commits now
        with platform.session() as s:
            visible = s.execute(select(func.max(Change.id))).scalar_one()
        assert visible > late_id  # a serial-id cursor would now stand past T1's row for good
        pull_changes(k, client, RoundReport())
        assert "T-00902" not in local_items(k)  # held back while T1 is open, not skipped
        slow.commit()
    pull_changes(k, client, RoundReport())
    assert {"T-00901", "T-00902"} <= local_items(k)


def test_changes_come_in_pages_and_a_crash_between_pages_loses_nothing(any_platform):
    k, client, _ = any_platform.kiosk()
    drain(k, client)
    with any_platform.session() as s:
        notify = feed.Notifier(s)
        for i in range(1, 251):
            s.add(HubItem(code=f"G-{i:05d}", name_ko=f"물품 {i}", home_site="GN01", location="GN01",
                          parts=[], aliases=[], retired=False, status="available", origin="platform"))
            notify("item", f"GN01/G-{i:05d}", None)
    first = client.pull(syncstate.cursor(k), 40)
    assert len(first["rows"]) == 40 and first["more"]
    syncstate.apply_page(k, first["rows"], first["cursor"], first["server_hlc"])
    assert len(local_items(k)) == 40
    # The kiosk stops here (power cut); the next round resumes at the stored cursor.
    report = RoundReport()
    pull_changes(k, client, report, page=40)
    assert report.pages == 6 and report.pulled == 210 and not report.full_download
    assert len(local_items(k)) == 250


def test_a_page_and_its_cursor_are_one_transaction(any_platform):
    k, client, _ = any_platform.kiosk()
    drain(k, client)
    before = syncstate.cursor(k)
    rows = [{"kind": "item", "key": "Z-00001", "deleted": False,
             "body": {"code": "Z-00001", "name_ko": "드릴", "name_en": "", "category": "tool",
                      "home_site": "GN01", "parts": [], "replacement_value": 0, "aliases": [],
                      "retired": False}},
            {"kind": "item", "key": "Z-00002", "deleted": False, "body": {"code": "Z-00002"}}]
    with pytest.raises(syncstate.BadPage):
        syncstate.apply_page(k, rows, "v1.x.9.9")
    assert syncstate.cursor(k) == before and "Z-00001" not in local_items(k)


def test_tombstones_remove_members_closed_days_and_reservations(platform):
    k, client, _ = platform.kiosk()
    codes, cards = stock(k, items=2, members=0)
    gone, _ = admin.add_member(platform.db, "GN01", "떠난 회원")
    borrower, card = admin.add_member(platform.db, "GN01", "빌린 회원")
    reserver, rcard = admin.add_member(platform.db, "GN01", "예약 회원")
    admin.set_closed_day(platform.db, "GN01", dt.date(2026, 5, 1), reason="행사")
    drain(k, client)
    assert k.circulation.checkout(card, [codes[0]]).outcomes[0].ok
    with platform.session() as s:
        res = resv.create(s, s.get(resv.Member, reserver), s.get(HubItem, "GN01/" + codes[1]), "2026-03-10T02:00:00.000000Z",
                          feed.Notifier(s))
        uid = res.uid
    drain(k, client)
    with k.reading() as s:
        assert s.execute(select(Reservation.status).where(Reservation.uid == uid)).scalar() == "held"
        assert s.get(ClosedDay, "2026-05-01") is not None
    admin.remove_member(platform.db, gone)
    admin.remove_member(platform.db, borrower)
    admin.set_closed_day(platform.db, "GN01", dt.date(2026, 5, 1), closed=False)
    with platform.session() as s:
        resv.cancel(s, s.get(resv.Member, reserver), uid, "2026-03-10T03:00:00.000000Z", feed.Notifier(s))
    drain(k, client)
    with k.reading() as s:
        numbers = {m.number: m for m in s.execute(select(Member)).scalars()}
        assert gone not in numbers  # nothing refers to them: deleted
        kept = numbers[borrower]  # their loan stays, their identity goes
        assert (kept.display_name, kept.card_hash, kept.status) == ("", None, "suspended")
        assert s.execute(select(func.count()).select_from(Loan).where(Loan.member_id == kept.id)).scalar() == 1
        assert s.get(ClosedDay, "2026-05-01") is None
        assert s.execute(select(Reservation.status).where(Reservation.uid == uid)).scalar() == "cancelled"
        assert s.execute(select(Item.status).where(Item.code == codes[1])).scalar() == "available"
    local, server = digests_agree(platform, k)
    assert local == server


def test_an_expired_cursor_is_answered_clearly_and_a_full_download_ends_in_the_same_state(platform):
    a, client_a, _ = platform.kiosk("GN01", "GN01-a")
    codes, _ = stock(a, items=3, members=0)
    members = [admin.add_member(platform.db, "GN01", f"회원 {i}")[0] for i in range(3)]
    drain(a, client_a)
    stale_cursor = syncstate.cursor(a)
    # Changes the kiosk will only see after its cursor expired:
    with platform.session() as s:
        m = s.get(resv.Member, members[0])
        gone = resv.create(s, m, s.get(HubItem, "GN01/" + codes[0]), "2026-03-10T02:00:00.000000Z", feed.Notifier(s)).uid
    drain(a, client_a)  # the kiosk takes the reservation: held for the member
    stale_cursor = syncstate.cursor(a)
    with platform.session() as s:
        resv.cancel(s, s.get(resv.Member, members[0]), gone, "2026-03-01T00:00:00.000000Z", feed.Notifier(s))
        s.get(resv.Reservation, gone).updated_at = "2026-03-01T00:00:00.000000Z"
    admin.remove_member(platform.db, members[1])
    admin.add_item(platform.db, "T-00777", "새 물품", "GN01")
    admin.set_closed_day(platform.db, "GN01", dt.date(2026, 6, 6), reason="현충일")
    purged = admin.compact(platform.db, purge_days=0)
    assert purged["purged_reservations"] == 1
    with pytest.raises(Exception) as info:
        client_a.pull(stale_cursor)
    assert "410" in str(info.value.detail) and "cursor_expired" in str(info.value.detail)
    import httpx

    raw = httpx.get(platform.url + "/api/v1/changes", params={"cursor": stale_cursor},
                    headers={"Authorization": client_a._http.headers["Authorization"], "Accept-Language": "en"})
    assert raw.status_code == 410 and raw.json()["error"] == "cursor_expired"
    assert "download everything again" in raw.json()["message"]
    report = RoundReport()
    pull_changes(a, client_a, report)
    assert report.full_download
    drain(a, client_a)
    # A second kiosk of the same centre starting from nothing ends in the same state.
    b, client_b, _ = platform.kiosk("GN01", "GN01-b")
    stock(b, items=0, members=0)
    drain(b, client_b)
    da, sa = digests_agree(platform, a)
    db_, sb = digests_agree(platform, b)
    for key in ("items", "members", "reservations", "closed_days"):
        assert da[key] == sa[key] == db_[key] == sb[key], key
    with a.reading() as s:
        assert s.execute(select(Reservation.status).where(Reservation.uid == gone)).scalar() == "cancelled"
        assert s.execute(select(Item.status).where(Item.code == codes[0])).scalar() == "available"
        assert s.execute(select(Member).where(Member.number == members[1])).first() is None
        assert s.get(Setting, syncstate.CURSOR).value != stale_cursor
