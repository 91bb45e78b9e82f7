"""Does the time a wrong PIN takes tell whether a membership number exists? (prints figures)

    python bench/pin_timing.py [--rounds 200] [--db postgresql|sqlite] [--only platform|kiosk]

1. The platform over HTTP (the real app served by uvicorn on loopback, on a
   real PostgreSQL, or SQLite): ``POST /api/v1/members/reservations`` with a
   wrong PIN, for numbers that exist and numbers that do not, interleaved.
2. The kiosk service: ``Members.identify_by_pin`` with a wrong PIN, the same way.

Prints the median time of each and the difference (goal: within 5 ms). The
clock given to the platform and the kiosk jumps two days between tries, so
every try is a first wrong PIN (a real wait would answer 429 at once and
measure nothing); each try still counts, checks and records like any other.

Uses $NANUM_TEST_PG_URL, or starts a throwaway cluster like the tests do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sync"))

GOAL_MS = 5.0
WRONG = "9090"


class JumpingClock:
    """A clock two days further on at each call: every try is a first wrong PIN."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(days=2)
        return self.now


def _report(name: str, known: list[float], unknown: list[float]) -> float:
    k, u = statistics.median(known) * 1000, statistics.median(unknown) * 1000
    diff = abs(k - u)
    verdict = "ok" if diff <= GOAL_MS else "OVER GOAL"
    print(f"{name}: known numbers median {k:.2f} ms, unknown numbers median {u:.2f} ms, "
          f"difference {diff:.2f} ms (goal <= {GOAL_MS:.0f} ms: {verdict}); {len(known)} + {len(unknown)} tries")
    return diff


def bench_platform(rounds: int, kind: str) -> float:
    import httpx

    from sync.hub import admin
    from sync.hub.app import create_app
    from sync.hub.db import Database

    from platformkit import Server

    cluster = None
    tmp = Path(tempfile.mkdtemp(prefix="nanum-pin-bench-"))
    if kind == "postgresql":
        from pg import start_cluster

        cluster = start_cluster()
        url = cluster.url(cluster.create_database())
    else:
        url = f"sqlite:///{tmp / 'platform.sqlite3'}"
    db = Database.open(url, migrate=True)
    admin.init(db)
    admin.add_site(db, "GN01", "강남 나눔센터")
    known = [admin.add_member(db, "GN01", f"회원 {i}", pin="2468")[0] for i in range(20)]
    unknown = [f"M-{800000 + i:06d}" for i in range(20)]
    server = Server(create_app(db, clock=JumpingClock()))
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    try:
        with httpx.Client(timeout=30) as client:
            def ask(number: str) -> float:
                t0 = time.perf_counter()
                r = client.post(server.url + "/api/v1/members/reservations",
                                json={"member": number, "secret": WRONG})
                spent = time.perf_counter() - t0
                if r.status_code != 400:
                    raise RuntimeError(f"expected 400 for a wrong PIN, got {r.status_code}: {r.text[:200]}")
                return spent
            for i in range(10):  # warm up connections and caches
                ask(known[i % 20])
                ask(unknown[i % 20])
            for i in range(rounds):
                # Interleaved, alternating which goes first: drift hits both alike.
                pair = [("known", known[i % 20]), ("unknown", unknown[i % 20])]
                for label, number in (pair if i % 2 else pair[::-1]):
                    times[label].append(ask(number))
    finally:
        server.stop()
        db.engine.dispose()
        if cluster is not None:
            cluster.stop()
    return _report(f"platform over HTTP ({kind})", times["known"], times["unknown"])


def bench_kiosk(rounds: int) -> float:
    from kiosk.errors import BadInput
    from kiosk.services import open_kiosk

    k = open_kiosk(Path(tempfile.mkdtemp(prefix="nanum-pin-kiosk-")), clock=JumpingClock())
    k.initialise("GN01", "강남 나눔센터", kiosk_id="GN01-bench")
    known = [k.members.add(f"회원 {i}", pin="2468")[0].number for i in range(20)]
    unknown = [f"M-{800000 + i:06d}" for i in range(20)]
    times: dict[str, list[float]] = {"known": [], "unknown": []}

    def ask(number: str) -> float:
        t0 = time.perf_counter()
        try:
            k.members.identify_by_pin(number, WRONG)
        except BadInput:
            return time.perf_counter() - t0
        raise RuntimeError("a wrong PIN signed in")
    try:
        for i in range(10):
            ask(known[i % 20])
            ask(unknown[i % 20])
        for i in range(rounds):
            pair = [("known", known[i % 20]), ("unknown", unknown[i % 20])]
            for label, number in (pair if i % 2 else pair[::-1]):
                times[label].append(ask(number))
    finally:
        k.close()
    return _report("kiosk service", times["known"], times["unknown"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--only", choices=("platform", "kiosk"))
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # one "wrong PIN" line per try would drown the figures
    diffs = []
    if args.only in (None, "platform"):
        diffs.append(bench_platform(args.rounds, args.db))
    if args.only in (None, "kiosk"):
        diffs.append(bench_kiosk(args.rounds))
    return 0 if all(d <= GOAL_MS for d in diffs) else 1


if __name__ == "__main__":
    sys.exit(main())
