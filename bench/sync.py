"""Sync benchmarks on a real PostgreSQL (prints figures; not a timed test).

    python bench/sync.py [--kiosks 500] [--events 200] [--workers 4] [--clients 16]
                         [--only week|ingest|pull] [--runs N]

1. One kiosk's offline week (2,100 events) pushed end to end over HTTP
   (kiosk outbox -> HTTP -> platform -> PostgreSQL), median of 3 (goal <= 1 s).
2. Ingest through the real API from many simulated kiosks pushing at once
   to a platform with several server processes (goal >= 10,000 events/s).
3. Pull: rows per second for a full download of the city catalogue, fetched
   only and fetched + applied to the kiosk's SQLite.

Uses $NANUM_TEST_PG_URL, or starts a throwaway cluster like the tests do.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sync"))

import httpx  # noqa: E402

# The benchmark's platform listens on plain http://127.0.0.1.
os.environ["NANUM_SYNC_ALLOW_INSECURE_HTTP"] = "1"
from kiosk.store.events import GENESIS, HybridClock, canonical_json, event_hash  # noqa: E402
from sync.hub import admin  # noqa: E402
from sync.hub.db import Database  # noqa: E402
from sync.hub.models import Item, Member  # noqa: E402

from pg import free_port, start_cluster  # noqa: E402


def serve(url: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), NANUM_HUB_DB=url)
    # one client address and a few credentials make all the load: no rate limits
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "hub", "serve", "--port", str(port),
                             "--workers", str(workers), "--rate-per-address", "0",
                             "--rate-per-credential", "0"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/api/v1/info", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("server did not start")
    _settle(proc.pid)
    return proc, base


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and all its descendants (Linux /proc), 0 elsewhere."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += _cpu_seconds(int(child))
    except (OSError, ValueError, IndexError):
        pass
    return total


def _settle(pid: int, timeout: float = 60) -> None:
    """Wait until every server worker has finished starting (the first one to
    answer does not mean the others are not still importing)."""
    deadline = time.monotonic() + timeout
    last = _cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _cpu_seconds(pid)
        if now - last < 0.05:
            return
        last = now


def fresh_platform(cluster, sites: list[str]) -> tuple[Database, str]:
    # The test cluster runs with synchronous_commit off; the platform's sessions
    # turn it back on so a push is answered only once its commit is in the WAL.
    url = cluster.url(cluster.create_database()) + "?options=-c%20synchronous_commit%3Don"
    db = Database.open(url, migrate=True, pool_size=2)
    admin.init(db)
    for site in sites:
        admin.add_site(db, site, f"{site} 나눔센터")
    return db, url


def offline_week(cluster, runs: int = 3) -> list[float]:
    """A kiosk lends and takes back for a week offline, then pushes it all."""
    from kiosk.services import open_kiosk, syncstate
    from sync.client import SyncClient
    from sync.round import RoundReport, push_outbox

    tmp = Path(tempfile.mkdtemp(prefix="nanum-bench-"))
    k = open_kiosk(tmp / "kiosk")
    k.initialise("GN01", "강남", kiosk_id="GN01-bench")
    codes = [k.catalogue.add_item(f"T-{i:05d}", f"물품 {i}", parts=3).code for i in range(1, 61)]
    members = [k.members.add(f"회원{i}")[0].number for i in range(40)]
    n = 0
    while syncstate.outbox_depth(k) < 2100:
        code = codes[n % len(codes)]
        if k.circulation.checkout(members[n % len(members)], [code]).outcomes[0].ok:
            k.circulation.return_item(code)
        n += 1
    total = syncstate.outbox_depth(k)
    times = []
    for _ in range(runs):
        db, url = fresh_platform(cluster, ["GN01"])
        cred = admin.add_kiosk(db, "GN01-bench", "GN01")
        proc, base = serve(url, 1)
        try:
            with k.transaction() as s:
                k.set_setting(s, syncstate.ACKED, 0)
            with SyncClient(base, cred) as client:
                client._call("GET", "/info")  # connect once, as a running kiosk would be
                t0 = time.perf_counter()
                push_outbox(k, client, RoundReport())
                times.append(time.perf_counter() - t0)
            assert syncstate.outbox_depth(k) == 0
        finally:
            proc.terminate()
            proc.wait()
            db.close()
    print(f"offline week: {total} events pushed over HTTP in median {statistics.median(times):.3f} s "
          f"(runs: {', '.join(f'{t:.3f}' for t in times)})")
    k.close()
    return times


def simulated_chain(kiosk_id: str, site: str, items: list[str], count: int) -> list[dict]:
    """A valid hash-chained log: checkouts and returns of the site's items."""
    events, prev, hlc = [], GENESIS, None
    start = dt.datetime(2026, 3, 9, tzinfo=dt.UTC)
    open_loans: dict[str, str] = {}
    for seq in range(1, count + 1):
        at = start + dt.timedelta(seconds=seq * 60)
        hlc = HybridClock.tick(hlc, int(at.timestamp() * 1000))
        item = items[seq % len(items)]
        if item in open_loans:
            type_, payload = "loan.returned", {"loan": open_loans.pop(item), "item": item, "member": "M-000001",
                                               "condition": "ok", "destination": "shelf", "site": site}
        else:
            open_loans[item] = str(uuid.uuid4())
            type_, payload = "loan.checked_out", {"loan": open_loans[item], "item": item,
                                                  "member": "M-000001", "due": "2026-03-20", "site": site}
        body = canonical_json(payload)
        eid = str(uuid.uuid4())
        at_s = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        h = event_hash(prev, seq, eid, kiosk_id, type_, at_s, hlc, None, body)
        events.append({"event_id": eid, "kiosk_id": kiosk_id, "seq": seq, "type": type_, "at": at_s,
                       "hlc": hlc, "actor": None, "payload": body, "prev_hash": prev, "hash": h})
        prev = h
    return events


def city_ingest(cluster, kiosks: int, per_kiosk: int, workers: int, clients: int) -> float:
    sites = [f"S{i:03d}" for i in range(kiosks)]
    db, url = fresh_platform(cluster, sites)
    creds = {}
    with db.transaction() as s:
        s.add(Member(number="M-000001", home_site=sites[0], member_type="standard",
                     expires_on="2099-12-31", status="active", language="ko", origin="platform",
                     deleted=False))
        for site in sites:
            for j in range(10):
                s.add(Item(code=f"X-{int(site[1:]) * 10 + j:06d}", name_ko="물품", home_site=site,
                           location=site, parts=[], aliases=[], retired=False, status="available",
                           origin="platform"))
    for site in sites:
        creds[site] = admin.add_kiosk(db, f"{site}-k", site)
    chains = {site: simulated_chain(f"{site}-k", site, [f"X-{int(site[1:]) * 10 + j:06d}" for j in range(10)],
                                    per_kiosk) for site in sites}
    # Request bodies are encoded before the clock starts: the pushers share these
    # cores with the server, and their JSON encoding is not the platform's work.
    bodies = {site: [json.dumps({"kiosk_id": f"{site}-k", "events": chains[site][i:i + 500]}).encode()
                     for i in range(0, len(chains[site]), 500)] for site in sites}
    proc, base = serve(url, workers)
    # httpx loads the CA bundle for every client it makes (~60 ms of CPU each):
    # build it once, as a kiosk does when it starts, not once per push.
    tls = ssl.create_default_context()

    def push_all(site: str) -> int:
        with httpx.Client(base_url=base + "/api/v1", timeout=60, verify=tls,
                          headers={"Authorization": f"Bearer {creds[site]}",
                                   "Content-Type": "application/json"}) as c:
            for body in bodies[site]:
                r = c.post("/push", content=body)
                r.raise_for_status()
                assert r.json()["status"] == "ok", r.text
        return len(chains[site])

    try:
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            total = sum(pool.map(push_all, sites))
        elapsed = time.perf_counter() - t0
        token = admin.add_admin(db, "bench")
        stats = json.loads(httpx.get(base + "/api/v1/stats", timeout=60,
                                     headers={"Authorization": f"Bearer {token}"}).text)
        assert stats["events"] == total, (stats["events"], total)
    finally:
        proc.terminate()
        proc.wait()
        db.close()
    rate = total / elapsed
    print(f"city ingest: {total} events from {kiosks} kiosks, {workers} server workers, {clients} "
          f"concurrent pushers: {elapsed:.2f} s = {rate:,.0f} events/s")
    return rate


def pull_rate(cluster, items: int = 20000) -> None:
    from kiosk.services import open_kiosk
    from sync.client import SyncClient
    from sync.round import RoundReport, pull_changes

    db, url = fresh_platform(cluster, ["GN01"])
    from sync.hub.feed import Notifier

    with db.transaction() as s:
        notify = Notifier(s)
        for i in range(items):
            s.add(Item(code=f"P-{i:06d}", name_ko=f"물품 {i}", home_site="GN01", location="GN01",
                       parts=[{"name_ko": "구성품", "name_en": "pieces", "count": 2}], aliases=[],
                       retired=False, status="available", origin="platform"))
            notify("item", f"P-{i:06d}", None)
    cred = admin.add_kiosk(db, "GN01-pull", "GN01")
    proc, base = serve(url, 1)
    try:
        with SyncClient(base, cred) as client:
            t0 = time.perf_counter()
            cursor, n = None, 0
            while True:
                page = client.pull(cursor, 2000)
                n += len(page["rows"])
                cursor = page["cursor"]
                if not page["more"]:
                    break
            fetch = time.perf_counter() - t0
            k = open_kiosk(Path(tempfile.mkdtemp(prefix="nanum-bench-")) / "kiosk")
            k.initialise("GN01", "강남", kiosk_id="GN01-pull")
            t0 = time.perf_counter()
            pull_changes(k, client, RoundReport(), page=2000)
            both = time.perf_counter() - t0
            k.close()
    finally:
        proc.terminate()
        proc.wait()
        db.close()
    print(f"pull: {n} rows fetched at {n / fetch:,.0f} rows/s; fetched and applied to SQLite at "
          f"{n / both:,.0f} rows/s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kiosks", type=int, default=500)
    ap.add_argument("--events", type=int, default=200, help="events per simulated kiosk")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--only", choices=("week", "ingest", "pull"), help="run one part only")
    ap.add_argument("--runs", type=int, default=1, help="repeat the chosen parts (medians printed)")
    args = ap.parse_args()
    cluster = start_cluster()
    try:
        rates = []
        for _ in range(args.runs):
            if args.only in (None, "week"):
                offline_week(cluster)
            if args.only in (None, "ingest"):
                rates.append(city_ingest(cluster, args.kiosks, args.events, args.workers, args.clients))
            if args.only in (None, "pull"):
                pull_rate(cluster)
        if len(rates) > 1:
            print(f"city ingest: median {statistics.median(rates):,.0f} events/s over {len(rates)} runs "
                  f"({', '.join(f'{r:,.0f}' for r in rates)})")
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
