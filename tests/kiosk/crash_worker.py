"""Lends and returns in a loop until killed; reports each commit on stdout.

Run by test_crash.py, which kills it with SIGKILL at random moments. A line is
printed only after the service returned, i.e. after the transaction committed,
so every reported line is a promise the database must keep.
"""

from __future__ import annotations

import random
import sys

from kiosk.services import open_kiosk


def main(data_dir: str, seed: int) -> None:
    k = open_kiosk(data_dir)
    rng = random.Random(seed)
    with k.reading() as s:
        from kiosk.store.models import Item, Member
        codes = [c for (c,) in s.query(Item.code).order_by(Item.code)]
        numbers = [n for (n,) in s.query(Member.number).order_by(Member.number)]
    print("READY", flush=True)
    while True:
        code = rng.choice(codes)
        item = k.catalogue.get(code)
        if item.status == "on_loan":
            missing = 1 if rng.random() < 0.1 else 0
            out = k.circulation.return_item(code, parts_counted=item.parts_total - missing)
            print(f"IN {out.item.code}", flush=True)
        elif item.status == "inspection":  # staff put it back so the loop goes on
            k.catalogue.set_status(code, "available", actor="crash-test")
        else:
            result = k.circulation.checkout(rng.choice(numbers), [code])
            outcome = result.outcomes[0]
            if outcome.ok:
                print(f"OUT {outcome.item}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
