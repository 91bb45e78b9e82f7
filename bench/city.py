"""City indicators over five years of a whole city's data (prints figures; not a timed test).

    python bench/city.py [--url postgresql://...] [--centres 530] [--loans 2000] [--years 5]
                         [--runs 5]

Generates 530 centres in Seoul's 25 districts, their items and members, and
~2,000 loans per centre per year for five years into PostgreSQL (COPY), rebuilds
the indicator summaries, then times over HTTP (median of ``--runs`` warm runs):

- the indicator page for the whole city and for one district, for the last quarter
  and for all five years (goal <= 1 s each);
- the public-data export, CSV and JSON (goal <= 10 s).

``--url`` names a database to fill (an already filled one is reused as it is);
without it a throwaway cluster is started like the tests do ($NANUM_TEST_PG_URL
is used when set).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sync"))

CATEGORIES = ["tool", "toy", "kitchen", "camping", "appliance", "electronics", "sports", "baby", "event",
              "book"]
MEMBER_TYPES = ["standard"] * 8 + ["senior", "family"]
ITEMS_PER_CENTRE = 300
MEMBERS_PER_CENTRE = 400
SEOUL = dt.timezone(dt.timedelta(hours=9))


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def _copy(conn, table: str, columns: str, rows: io.StringIO) -> None:
    rows.seek(0)
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        while chunk := rows.read(1 << 20):
            copy.write(chunk)


def generate(url: str, centres: int, loans_per_year: int, years: int, end: dt.date) -> int:
    """Fill the platform database at ``url`` (migrated); returns the loans written."""
    import psycopg

    from sync.hub.jobs import conninfo
    from sync.hub.roles import DISTRICTS

    rng = random.Random(20261206)
    start = dt.datetime(end.year - years, end.month, 1, tzinfo=SEOUL).timestamp()
    stop = dt.datetime(end.year, end.month, 1, tzinfo=SEOUL).timestamp()
    span = stop - start
    created = _iso(start)
    written = 0
    with psycopg.connect(conninfo(url)) as conn:
        sites, kiosks, items, members = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
        values: dict[str, int] = {}
        for c in range(centres):
            site = f"S{c:03d}"
            sites.write(f"{site}\t나눔센터 {c:03d}\t{created}\t{DISTRICTS[c % len(DISTRICTS)]}\n")
            kiosks.write(f"{site}-k1\t{site}\t{c:064x}\t{created}\t0\t{'0' * 64}\n")
            for i in range(ITEMS_PER_CENTRE):
                cat = CATEGORIES[i % len(CATEGORIES)]
                value = rng.choice((15000, 30000, 50000, 80000, 120000, 250000))
                values[f"{site}/T-{i:05d}"] = value
                items.write(f"{site}/T-{i:05d}\tT-{i:05d}\t물품 {i}\t\t{cat}\t{site}\t[]\t{value}\t"
                            f"\\N\t\\N\t\t\t[]\tf\tavailable\t{site}\tbench\t\t\\N\n")
            for m in range(MEMBERS_PER_CENTRE):
                members.write(f"M-{c:03d}{m:05d}\t{site}\t\\N\t\\N\t\\N\t\\N\t{MEMBER_TYPES[m % 10]}\t"
                              f"2099-12-31\tactive\tko\tbench\tf\t\n")
        _copy(conn, "sites", "code, name, created_at, district", sites)
        _copy(conn, "kiosks", "kiosk_id, site, credential_hash, created_at, held_seq, head_hash", kiosks)
        _copy(conn, "items", "key, code, name_ko, name_en, category, home_site, parts, replacement_value, "
                             "age_min_months, age_max_months, safe_use_ko, safe_use_en, aliases, retired, "
                             "status, location, origin, updated_hlc, moved_from", items)
        _copy(conn, "members", "number, home_site, display_name, card_hash, phone_card_hash, pin_hash, "
                               "member_type, expires_on, status, language, origin, deleted, updated_hlc",
              members)
        conn.commit()
        cols = ("uid, item_key, member_number, member_type, site, kiosk_id, checked_out_at, due_on, "
                "renewals, returned_at, return_site, condition, transfer")
        n_loans = loans_per_year * years
        for c in range(centres):
            site, buf = f"S{c:03d}", io.StringIO()
            # a few regulars borrow most: members drawn with a skew
            for n in range(n_loans):
                m = int(MEMBERS_PER_CENTRE * rng.random() ** 2)
                item = f"{site}/T-{rng.randrange(ITEMS_PER_CENTRE):05d}"
                out = start + span * (n + rng.random()) / n_loans
                days = rng.randint(1, 14)
                back = out + days * 86400
                returned = _iso(back) if back < stop else "\\N"
                r = rng.random()
                cond = "\\N" if returned == "\\N" else ("missing_parts" if r < 0.01 else
                                                        "damaged" if r < 0.03 else "ok")
                buf.write(f"{site}-{n:07d}\t{item}\tM-{c:03d}{m:05d}\t{MEMBER_TYPES[m % 10]}\t{site}\t"
                          f"{site}-k1\t{_iso(out)}\t{dt.date.fromtimestamp(back).isoformat()}\t0\t"
                          f"{returned}\t{site if back < stop else chr(92) + 'N'}\t{cond}\tf\n")
            _copy(conn, "loans", cols, buf)
            written += n_loans
            if c % 50 == 49:
                conn.commit()
                print(f"  {c + 1} centres, {written:,} loans", flush=True)
        conn.commit()
        conn.execute("ANALYZE")
    return written


def timed(fn, runs: int) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a platform database to fill (SQLAlchemy or libpq URL)")
    parser.add_argument("--centres", type=int, default=530)
    parser.add_argument("--loans", type=int, default=2000, help="loans per centre per year")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    import httpx
    from sqlalchemy import delete

    from sync.hub import indicators
    from sync.hub.admin import add_admin
    from sync.hub.app import create_app
    from sync.hub.db import Database
    from sync.hub.models import Administrator

    from platformkit import Server

    cluster = None
    url = args.url
    if url is None:
        from pg import start_cluster

        cluster = start_cluster()
        url = cluster.url(cluster.create_database())
    try:
        db = Database.open(url, migrate=True)
        today = dt.datetime.now(SEOUL).date()
        with db.transaction() as s:
            from sqlalchemy import func, select

            from sync.hub.models import Loan
            have = s.execute(select(func.count()).select_from(Loan)).scalar_one()
        if have == 0:
            t0 = time.perf_counter()
            print(f"generating {args.centres} centres x {args.loans} loans x {args.years} years ...", flush=True)
            have = generate(url, args.centres, args.loans, args.years, today)
            print(f"generated {have:,} loans in {time.perf_counter() - t0:.0f} s", flush=True)
        t0 = time.perf_counter()
        rows = indicators.refresh(db, dt.datetime.now(dt.UTC))
        refresh_s = time.perf_counter() - t0
        print(f"summaries rebuilt in {refresh_s:.1f} s ({rows['loans']:,} + {rows['reach']:,} rows)", flush=True)

        tokens = {}
        for name, role, district in (("bench-city", "city", None), ("bench-district", "district", "강남구")):
            with db.transaction() as s:  # a new token on each run: drop an earlier run's account
                s.execute(delete(Administrator).where(Administrator.name == name))
            tokens[name] = add_admin(db, name, role=role, district=district)
        with db.transaction() as s:
            span = indicators.city_months(s)
        assert span is not None
        last = span[1]
        q_first = f"{last[:4]}-{(int(last[5:]) - 1) // 3 * 3 + 1:02d}"
        quarter = {"from": q_first, "to": f"{last[:4]}-{int(q_first[5:]) + 2:02d}"}
        five = {"from": span[0], "to": last}
        server = Server(create_app(db))
        results = []
        with httpx.Client(base_url=server.url, timeout=120) as http:
            def page(who: str, params: dict[str, str]) -> float:
                def get() -> None:
                    r = http.get("/indicators", params=params,
                                 headers={"Authorization": f"Bearer {tokens[who]}"})
                    r.raise_for_status()
                return timed(get, args.runs)

            for label, who, params in (
                    ("page, city, one quarter", "bench-city", quarter),
                    ("page, city, five years", "bench-city", five),
                    ("page, 강남구, one quarter", "bench-district", quarter | {"district": "강남구"}),
                    ("page, 강남구, five years", "bench-district", five | {"district": "강남구"})):
                results.append((label, page(who, params), 1.0))
            for fmt in ("csv", "json"):
                def export(fmt: str = fmt) -> None:
                    r = http.get(f"/api/v1/open-data/indicators.{fmt}")
                    r.raise_for_status()
                results.append((f"public-data export ({fmt})", timed(export, min(args.runs, 3)), 10.0))
        server.stop()
        print()
        print(f"{'what':32} {'median s':>9} {'goal s':>7}  ok")
        for label, seconds, goal in results:
            print(f"{label:32} {seconds:9.3f} {goal:7.1f}  {'yes' if seconds <= goal else 'NO'}")
        print(f"{'summaries rebuilt (once)':32} {refresh_s:9.1f}")
        db.close()
    finally:
        if cluster is not None:
            cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
