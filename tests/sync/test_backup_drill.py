"""The restore drill (docs/backups.md): the platform's PostgreSQL archived continuously by
pgBackRest, lost, and restored to a point in time; the kiosks send again what the
platform lost, so every kiosk event is on the platform once more and every chain verifies.

Run on its own with ``scripts/restore-drill``; it runs in CI with the rest of tests/sync.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import func, select

from kiosk.store.events import GENESIS
from sync.hub import admin
from sync.hub.app import create_app
from sync.hub.db import Database
from sync.hub.models import Event, Loan

from archiving import Archived, pgbackrest_missing
from platformkit import Platform, Server, drain, stock
from test_restore_recovery import kiosk_log, open_loans

pytestmark = pytest.mark.backup_drill


class Restored:
    """What the tests' helpers need of a platform: its sessions (the restored database)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def session(self):
        return self.db.transaction()


def _platform_log(p, kiosk_id: str) -> list[tuple[int, str]]:
    with p.session() as s:
        return sorted(tuple(r) for r in s.execute(select(Event.seq, Event.event_id)
                                                  .where(Event.kiosk_id == kiosk_id)).all())


def _chains_verify(p) -> None:
    from sync.hub.push import chain_hash

    with p.session() as s:
        for kiosk_id in s.execute(select(Event.kiosk_id).distinct()).scalars().all():
            prev = GENESIS
            for e in s.execute(select(Event).where(Event.kiosk_id == kiosk_id).order_by(Event.seq)).scalars():
                assert e.prev_hash == prev and e.hash == chain_hash(prev, e), (kiosk_id, e.seq)
                prev = e.hash


def _server_now(url: str) -> str:
    """The database server's clock, as pgBackRest's ``--target`` takes it."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                           "'YYYY-MM-DD HH24:MI:SS.US') || '+00'").fetchone()
    assert row is not None
    return str(row[0])


def _db_url(cluster_url: str, name: str) -> str:
    return cluster_url.rpartition("/")[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name


def test_the_platform_restored_to_a_point_in_time_loses_no_kiosk_event(tmp_path):
    missing = pgbackrest_missing()
    assert missing is None, missing
    started = time.monotonic()
    arch = Archived()
    p = server = db = None
    try:
        admin_url = arch.create_cluster()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "nanum"')
        db = Database.open(_db_url(admin_url, "nanum"), migrate=True)
        admin.init(db)
        p = Platform(db, tmp_path)
        gn, gn_client, clock = p.kiosk("GN01", "GN01-a")
        sd, sd_client, sd_clock = p.kiosk("SD01", "SD01-a")
        drain(gn, gn_client), drain(sd, sd_client)  # each takes its block of membership numbers
        gn_codes, gn_cards = stock(gn, items=8, members=3, prefix="G")
        sd_codes, sd_cards = stock(sd, items=6, members=2, prefix="S")
        assert gn.circulation.checkout(gn_cards[0], gn_codes[:2]).outcomes[0].ok
        assert sd.circulation.checkout(sd_cards[0], sd_codes[:1]).outcomes[0].ok
        drain(gn, gn_client), drain(sd, sd_client)

        base = arch.backup()  # last night's base backup
        clock.advance(hours=2)
        assert gn.circulation.checkout(gn_cards[1], gn_codes[2:4]).outcomes[0].ok
        assert gn.circulation.return_item(gn_codes[0]).destination == "shelf"
        assert sd.circulation.checkout(sd_cards[1], sd_codes[1:3]).outcomes[0].ok
        drain(gn, gn_client), drain(sd, sd_client)
        target = _server_now(admin_url)  # the point in time the drill restores to
        kept = {k.kiosk_id: _platform_log(p, k.kiosk_id) for k in (gn, sd)}

        clock.advance(hours=1)  # what the platform receives after that point: lost by the restore
        assert gn.circulation.checkout(gn_cards[2], gn_codes[4:6]).outcomes[0].ok
        assert gn.circulation.return_item(gn_codes[2]).destination == "shelf"
        assert sd.circulation.return_item(sd_codes[0]).destination == "shelf"
        drain(gn, gn_client), drain(sd, sd_client)
        held = {k.kiosk_id: _platform_log(p, k.kiosk_id) for k in (gn, sd)}
        assert all(len(held[kid]) > len(kept[kid]) for kid in held)
        arch.archived(admin_url)  # the WAL past the target is in the repository too

        port = p.server.port
        p.server.stop()
        db.close()
        arch.lose(arch.primary)  # the platform's server and its disk are gone
        lost_at = time.monotonic()

        restored_url = arch.restore(target, base)
        db = Database.open(_db_url(restored_url, "nanum"), migrate=True)
        admin.restored(db)  # a new feed epoch: kiosks download it whole and send again
        back = Restored(db)
        for kid in held:  # the restore stopped at the point in time: what came later is missing
            assert _platform_log(back, kid) == kept[kid]
        server = Server(create_app(db), port=port)  # the platform serves again at its address
        recovered_at = time.monotonic()

        drain(gn, gn_client), drain(sd, sd_client)  # the kiosks' next rounds
        for k in (gn, sd):
            assert kiosk_log(k) == _platform_log(back, k.kiosk_id)  # every kiosk event, once
            assert set(held[k.kiosk_id]) <= set(_platform_log(back, k.kiosk_id))
            assert k.maintenance.verify_log().ok
            check = k.maintenance.check()
            assert check.ok, check.problems
        _chains_verify(back)
        with db.transaction() as s:
            hub_open = sorted(s.execute(select(Loan.uid).where(Loan.returned_at.is_(None))).scalars())
            loans = s.execute(select(func.count()).select_from(Loan)).scalar_one()
        assert hub_open == sorted(uid for k in (gn, sd) for uid, _ in open_loans(k))
        assert loans == 2 + 1 + 2 + 2 + 2  # every checkout of the day, once

        # the restored server archives on: a new base backup of it works
        arch.backup()
        elapsed = time.monotonic() - started
        print(f"\nrestore drill: {elapsed:.1f} s in all; platform back {recovered_at - lost_at:.1f} s "
              f"after its server was lost")
    finally:
        if p is not None:
            for k, client in p._opened:
                client.close()
                k.close()
            if server is None:
                p.server.stop()
        if server is not None:
            server.stop()
        if db is not None:
            db.close()
        arch.close()
