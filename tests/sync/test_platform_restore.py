"""The platform restored to an earlier point (its database put back from a backup):
the kiosks send again what it lost, so nothing is lost overall."""

from __future__ import annotations

import httpx
import psycopg
from sqlalchemy import make_url, select

from sync.hub.models import Loan as HubLoan

from platformkit import drain, stock
from test_restore_recovery import assert_logs_agree, open_loans, platform_log


def _number(k, card):
    return k.members.identify(card).number


def _copy(pg, source: str, target: str) -> None:
    """``target`` becomes a copy of database ``source`` (the platform's connections are cut)."""
    with psycopg.connect(pg.admin_url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = %s AND pid <> pg_backend_pid()", (source,))
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def test_kiosks_send_again_what_a_restored_platform_lost(platform, pg, nanum):
    k, client, clock = platform.kiosk("GN01", "GN01-a")
    other, other_client, _ = platform.kiosk("GN01", "GN01-b")
    codes, cards = stock(k, items=6, members=2)
    drain(k, client)
    assert k.circulation.checkout(cards[0], codes[:2]).outcomes[0].ok
    drain(k, client)
    name = make_url(platform.db_url()).database
    _copy(pg, name, name + "_backup")  # last night's backup
    try:
        clock.advance(hours=3)
        assert k.circulation.checkout(cards[1], codes[2:4]).outcomes[0].ok
        assert k.circulation.return_item(codes[0]).destination == "shelf"
        drain(k, client)
        before = platform_log(platform, k.kiosk_id)

        _copy(pg, name + "_backup", name)  # the platform is restored from it
        assert len(platform_log(platform, k.kiosk_id)) < len(before)
        code, out, _ = nanum("hub", "restored", "--db", platform.db_url())
        assert code == 0 and "downloads it whole" in out
        # written on the restored platform before any kiosk syncs: no kiosk may miss it
        made = httpx.post(platform.url + "/api/v1/reservations",
                          json={"member": _number(k, cards[0]), "secret": cards[0], "item": codes[5]})
        assert made.status_code == 201, made.text

        # The kiosk has nothing new to send; its next round notices and sends again.
        drain(k, client)
        assert set(before) <= set(platform_log(platform, k.kiosk_id))  # nothing lost
        assert_logs_agree(platform, k)
        with platform.session() as s:
            hub_open = sorted(s.execute(select(HubLoan.uid).where(HubLoan.returned_at.is_(None))).scalars())
        assert hub_open == sorted(uid for uid, _code in open_loans(k)) and len(hub_open) == 3
        drain(other, other_client)  # the centre's other kiosk sees the same loans again
        assert sorted(open_loans(other)) == sorted(open_loans(k))
        for kiosk in (k, other):
            assert kiosk.catalogue.get(codes[5]).status == "held"  # the new reservation reached both
        for kiosk in (k, other):
            assert kiosk.maintenance.verify_log().ok
            check = kiosk.maintenance.check()
            assert check.ok, check.problems
    finally:
        pg.drop_database(name + "_backup")
