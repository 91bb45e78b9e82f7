"""A kiosk whose disk died is replaced: the new computer takes the old kiosk's identity,
rebuilds its state from the platform and lends on, and the platform sees no fork."""

from __future__ import annotations

from kiosk.services import open_kiosk, recovery
from sync.client import SyncClient

from platformkit import drain, stock
from test_restore_recovery import assert_logs_agree, flags, open_loans


def test_a_replaced_kiosk_rebuilds_from_the_platform_and_lends_on(platform, tmp_path, nanum):
    k, client, clock = platform.kiosk("GN01", "GN01-a")
    codes, cards = stock(k, items=5, members=2)
    drain(k, client)
    assert k.circulation.checkout(cards[0], codes[:2]).outcomes[0].ok
    assert k.circulation.return_item(codes[0]).destination == "shelf"
    drain(k, client)
    before = open_loans(k)
    names = {c: k.catalogue.get(c).name_ko for c in codes}
    credential = client._http.headers["Authorization"].split()[1]
    k.close()  # the disk dies

    code, out, _ = nanum("init", "--site", "GN01", "--kiosk-id", "GN01-a", "--replacing")
    assert code == 0, out
    new = open_kiosk(nanum.data, clock=clock)
    assert recovery.status(new)["state"] == "pending"
    new_client = SyncClient(platform.url, credential)
    drain(new, new_client)
    rec = recovery.status(new)
    assert rec["state"] == "done" and rec["fork_seq"] is None and rec["renumbered"] == 0
    assert open_loans(new) == before
    assert new.members.identify(cards[1]).number  # the members' cards work again
    assert {c: new.catalogue.get(c).name_ko for c in codes} == names  # the catalogue, pulled again

    # lending goes on, and the platform's copy of the log continues without a fork
    assert new.circulation.checkout(cards[1], [codes[2]]).outcomes[0].ok
    assert new.circulation.return_item(codes[1]).destination == "shelf"
    drain(new, new_client)
    assert_logs_agree(platform, new)
    assert not flags(platform, "log_forked") and len(flags(platform, "log_recovered")) == 1
    assert new.maintenance.verify_log().ok
    check = new.maintenance.check()
    assert check.ok, check.problems


def test_replacing_needs_the_old_kiosks_id(nanum):
    code, out, err = nanum("init", "--site", "GN01", "--replacing")
    assert code == 2 and "--kiosk-id" in out + err
