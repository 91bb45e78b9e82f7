"""A kiosk process for the crash test: lends, returns and syncs in a loop until killed.

    python kiosk_proc.py DATA_DIR PLATFORM_URL CREDENTIAL SEED

It prints "ready", then "lent" or "returned" after each committed loan or
return and "synced" after each sync round, so the test kills it after a
number of steps, not after a time.
"""

import random
import sys

from kiosk.errors import KioskError
from kiosk.services import open_kiosk
from sync.client import SyncClient, SyncError
from sync.round import sync_round


def main() -> None:
    data_dir, url, credential, seed = sys.argv[1:5]
    rng = random.Random(int(seed))
    k = open_kiosk(data_dir)
    members = [m.number for m in k.members.list()]
    with SyncClient(url, credential, timeout=5) as client:
        print("ready", flush=True)
        while True:
            on_loan = [loan.item_code for loan in k.circulation.loans(open_only=True)]
            free = [i.code for i in k.catalogue.list(status="available")]
            try:
                if on_loan and (not free or rng.random() < 0.5):
                    k.circulation.return_item(rng.choice(on_loan))
                    print("returned", flush=True)
                elif free:
                    k.circulation.checkout(rng.choice(members), [rng.choice(free)])
                    print("lent", flush=True)
            except KioskError as exc:  # e.g. the database busy for a moment: carry on
                print(exc, file=sys.stderr, flush=True)
            try:
                sync_round(k, client)
            except SyncError:
                pass
            print("synced", flush=True)


if __name__ == "__main__":
    main()
