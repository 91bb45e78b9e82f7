"""Fault injection: a network that drops, cuts and delays requests and answers,
a platform answering 500, timeouts, a kiosk killed mid-sync, concurrent pushers.
After draining: nothing lost, nothing duplicated, the same state on both sides."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.errors import KioskError
from kiosk.services import open_kiosk, syncstate
from kiosk.store.models import Event as KioskEvent
from kiosk.store.models import Item
from sync.client import SyncClient, SyncError
from sync.hub import admin, feed
from sync.hub import reservations as resv
from sync.hub.guard import GuardSettings
from sync.hub.models import Event
from sync.hub.models import Item as HubItem
from sync.hub.models import Member as HubMember
from sync.round import RoundReport, pull_changes, push_outbox, sync_round
from sync.worker import SyncWorker, backoff_delay

from faultproxy import MODES, FaultProxy
from platformkit import ServerProcess, digests_agree, drain, stock

CYCLES = int(os.environ.get("NANUM_SYNC_FAULT_CYCLES", "1000"))


def credential(client: SyncClient) -> str:
    return client._http.headers["Authorization"].split()[1]


def assert_nothing_lost(platform, k):
    """Every event of the kiosk is on the platform exactly once, and the states agree."""
    with platform.session() as s:
        rows = s.execute(select(func.count(), func.count(func.distinct(Event.event_id)), func.max(Event.seq))
                         .where(Event.kiosk_id == k.kiosk_id)).one()
    local, server = digests_agree(platform, k)
    assert rows[0] == rows[1] == rows[2] == local["events"]["count"], "lost or duplicated events"
    assert syncstate.outbox_depth(k) == 0
    assert local == server


def kiosk_action(k, rng, members):
    on_loan = [loan.item_code for loan in k.circulation.loans(open_only=True)]
    free = [i.code for i in k.catalogue.list(status="available")]
    held = [i.code for i in k.catalogue.list(status="held")]
    try:
        if on_loan and rng.random() < 0.45:
            k.circulation.return_item(rng.choice(on_loan), damaged_note="흠집" if rng.random() < 0.05 else None)
        elif free or held:
            k.circulation.checkout(rng.choice(members), [rng.choice(free + held)])
    except KioskError:
        pass


def platform_action(platform, rng, site, online):
    """What residents and the platform do meanwhile: reservations, cancellations, edits."""
    with platform.session() as s:
        roll = rng.random()
        if roll < 0.6:
            items = list(s.execute(select(HubItem).where(HubItem.home_site == site)).scalars())
            try:
                resv.create(s, s.get(HubMember, rng.choice(online)), rng.choice(items),
                            "2026-03-10T00:00:00.000000Z", feed.Notifier(s))
            except KioskError:
                pass
        elif roll < 0.85:
            active = list(s.execute(select(resv.Reservation).where(
                resv.Reservation.site == site, resv.Reservation.status.in_(feed.ACTIVE_RESERVATION))).scalars())
            if active:
                r = rng.choice(active)
                resv.cancel(s, s.get(HubMember, r.member_number), r.uid, "2026-03-10T00:00:00.000000Z",
                            feed.Notifier(s))
        else:
            m = s.get(HubMember, rng.choice(online))
            m.expires_on = f"202{rng.randint(7, 9)}-12-31"
            m.updated_hlc = "999999999999999.00000"
            notify = feed.Notifier(s)
            notify("member", m.number, site)
            notify("member", m.number, None)  # other centres hold a guest row (as admin.update_member)


def test_a_thousand_cycles_through_a_faulty_network_lose_and_duplicate_nothing(platform):
    server = ServerProcess(platform.db_url())
    proxy = FaultProxy(server.port, rate=0.2, seed=11, delay_s=(0.01, 0.4))
    rng = random.Random(5)
    setups = []
    for site in ("GN01", "MP02"):
        k, direct, _ = platform.kiosk(site)
        stock(k, items=12, members=0, prefix="T" if site == "GN01" else "M")
        online = [admin.add_member(platform.db, site, f"온라인{i}")[0] for i in range(4)]
        # Members registered at a kiosk are numbered by that kiosk, so only one
        # centre registers its own; the other lends to platform members only.
        members = [k.members.add(f"회원{i}")[0].number for i in range(8)] if site == "GN01" else []
        drain(k, direct)
        members += online
        faulty = SyncClient(proxy.url, credential(direct), timeout=0.25, keepalive=False)
        setups.append((site, k, direct, faulty, members, online))
    failed = 0
    for _ in range(CYCLES):
        site, k, direct, faulty, members, online = rng.choice(setups)
        kiosk_action(k, rng, members)
        if rng.random() < 0.15:
            platform_action(platform, rng, site, online)
        try:
            sync_round(k, faulty, heartbeat=rng.random() < 0.1)
        except SyncError:
            failed += 1
    proxy.close()
    server.stop()
    assert all(proxy.counts[m] > 0 for m in MODES), proxy.counts
    assert failed > CYCLES // 10
    for _site, k, direct, faulty, _members, _online in setups:
        faulty.close()
        drain(k, direct)
        assert_nothing_lost(platform, k)
        assert k.maintenance.check().ok


def test_the_worker_retries_with_backoff_until_the_platform_is_back(platform):
    k, direct, _ = platform.kiosk()
    codes, cards = stock(k, items=6, members=3)
    admin.add_member(platform.db, "GN01", "플랫폼 회원")
    proxy = FaultProxy(platform.server.port, rate=1.0, modes=("drop",))
    changes = []
    # The worker has its own Kiosk on the same data folder: nothing shared with
    # the "GUI thread" (this test) but the SQLite file.
    own = open_kiosk(Path(k.engine.url.database).parent, clock=k.clock)
    worker = SyncWorker(own, lambda: SyncClient(proxy.url, credential(direct), timeout=0.5, keepalive=False),
                        interval_s=0.05, backoff_base_s=0.02, backoff_cap_s=0.2, rng=random.Random(3),
                        on_change=changes.append)
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while worker.status().failures < 3:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        status = worker.status()
        assert status.state == "retrying" and "cannot be reached" in status.last_error.render("en")
        assert status.queue_depth == syncstate.outbox_depth(k) > 0
        # Lending goes on in the GUI thread while the worker thread uses its own sessions.
        for card, code in zip(cards, codes):
            assert k.circulation.checkout(card, [code]).outcomes[0].ok
        proxy.rate = 0.3  # the network comes back, still flaky
        proxy.modes = MODES
        proxy.delay_s = (0.01, 0.6)
        deadline = time.monotonic() + 90
        while not (worker.status().state == "idle" and worker.status().queue_depth == 0):
            assert time.monotonic() < deadline, worker.status()
            time.sleep(0.02)
        # Once in sync, the worker waits for its interval, or for a nudge. A round
        # that ends after the interval changed leaves it waiting the new one.
        worker.interval_s = 3600
        rounds = worker.rounds
        while worker.rounds == rounds:
            assert time.monotonic() < deadline, worker.status()
            time.sleep(0.02)
        rounds = worker.rounds
        k.catalogue.add_item("T-00100", "새 물품")
        worker.trigger()
        while worker.rounds == rounds or worker.status().queue_depth:
            assert time.monotonic() < deadline, worker.status()
            time.sleep(0.02)
            if worker.status().state == "retrying":
                worker.trigger()
    finally:
        worker.stop()
        proxy.close()
        own.close()
    assert worker.status().last_success is not None
    assert changes and changes[0].changed.get("member") == 1
    assert worker.status().to_json("en")["state"] == "stopped"
    drain(k, direct)
    assert_nothing_lost(platform, k)


def test_backoff_grows_exponentially_with_jitter_up_to_a_cap():
    rng = random.Random(1)
    delays = [[backoff_delay(n, 2.0, 60.0, rng) for _ in range(200)] for n in range(1, 8)]
    for n, ds in enumerate(delays, start=1):
        ceiling = min(60.0, 2.0 * 2 ** (n - 1))
        assert ceiling / 2 <= min(ds) and max(ds) <= ceiling
        assert max(ds) - min(ds) > ceiling / 4  # jitter spreads kiosks apart
    assert max(delays[-1]) <= 60.0


def test_500_answers_and_timeouts_after_the_platform_stored_a_push(platform):
    k, direct, _ = platform.kiosk()
    stock(k, items=5, members=2)
    for modes, delay in ((("error500",), (0, 0)), (("cut_response",), (0, 0)), (("delay",), (0.6, 0.7))):
        proxy = FaultProxy(platform.server.port, rate=1.0, modes=modes, delay_s=delay, only="/push")
        with SyncClient(proxy.url, credential(direct), timeout=0.3, keepalive=False) as c:
            with pytest.raises(SyncError):
                push_outbox(k, c, RoundReport())
        # The delayed request reaches the platform after the kiosk gave up: wait for it.
        assert proxy.wait_finished(1, timeout=10)
        proxy.close()
        k.catalogue.add_item(f"T-{900 + len(modes[0]):05d}", "추가 물품")
    drain(k, direct)
    assert_nothing_lost(platform, k)


# The kiosk processes sync in a tight loop, far faster than a kiosk's worker does.
@pytest.mark.platform_options(guard=GuardSettings(per_credential=0, per_address=0))
def test_a_kiosk_killed_in_the_middle_of_syncing_loses_nothing(platform, tmp_path):
    k, direct, _ = platform.kiosk()
    stock(k, items=10, members=0)
    for i in range(5):
        k.members.add(f"회원{i}")
    drain(k, direct)
    data_dir = Path(k.engine.url.database).parent
    k.engine.dispose()
    script = Path(__file__).with_name("kiosk_proc.py")
    rng = random.Random(9)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    for run in range(8):
        proc = subprocess.Popen([sys.executable, str(script), str(data_dir), platform.url,
                                 credential(direct), str(run)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout.readline() == b"ready\n", proc.stderr.read().decode()
        # Killed after a number of steps: right after a loan (so in the sync
        # round that follows it) or right after a round (so in the next loan).
        for _ in range(rng.randint(6, 16)):
            assert proc.stdout.readline() in (b"lent\n", b"returned\n", b"synced\n"), \
                proc.stderr.read().decode()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    again = open_kiosk(data_dir)
    try:
        assert again.maintenance.check().ok
        with again.reading() as s:
            assert s.execute(select(func.max(KioskEvent.seq))).scalar() > 30  # the runs did lend
        drain(again, direct)
        assert_nothing_lost(platform, again)
    finally:
        again.close()


def test_concurrent_pushers_while_a_puller_follows_the_cursor_deliver_every_row(platform):
    pushers = [platform.kiosk(f"S{i:02d}")[:2] for i in range(6)]
    puller, pull_client, _ = platform.kiosk("P00")
    drain(puller, pull_client)
    per_kiosk, batch = 60, 10
    stop = threading.Event()
    errors = []

    def push(i, k, client):
        try:
            for start in range(0, per_kiosk, batch):
                for n in range(start, start + batch):
                    k.catalogue.add_item(f"C-{i * 1000 + n:06d}", f"물품 {i}-{n}")
                push_outbox(k, client, RoundReport())
        except Exception as exc:  # report in the main thread
            errors.append(exc)

    def follow():
        while not stop.is_set():
            pull_changes(puller, pull_client, RoundReport(), page=25)

    threads = [threading.Thread(target=push, args=(i, k, c)) for i, (k, c) in enumerate(pushers)]
    follower = threading.Thread(target=follow)
    follower.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    follower.join()
    assert not errors
    pull_changes(puller, pull_client, RoundReport(), page=25)
    with puller.reading() as s:
        got = s.execute(select(func.count()).select_from(Item).where(Item.code.like("C-%"))).scalar_one()
    assert got == len(pushers) * per_kiosk
