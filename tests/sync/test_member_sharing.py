"""Members known to the platform: a member registered at a kiosk reserves
online, and the platform's card policy decides which centres lend to them.

PostgreSQL behind the platform served over HTTP; kiosks sync through the
real client.
"""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select, text

from kiosk.codes import hash_card_token, parse_payload
from kiosk.errors import NotFound, Refused
from kiosk.store.models import Item, Member
from sync.hub import admin
from sync.hub.models import Member as HubMember
from sync.hub.models import Reservation as HubReservation

from platformkit import drain, stock


def local(k, model, **where):
    with k.reading() as s:
        q = select(model)
        for key, value in where.items():
            q = q.where(getattr(model, key) == value)
        return s.execute(q).scalars().first()


def api(platform, path, **body):
    return httpx.post(platform.url + "/api/v1" + path, json=body)


def test_a_member_registered_at_a_kiosk_sets_a_pin_reserves_online_and_borrows_by_card(platform):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    codes, _ = stock(k, items=2, members=0)
    member, card = k.members.add("김나눔", contact="010-1234-5678")
    drain(k, client)
    with platform.session() as s:
        hub = s.get(HubMember, member.number)
        assert hub.card_hash == hash_card_token(parse_payload(card, k.base_url).token)
        assert hub.pin_hash is None and hub.display_name is None
    # No PIN yet: the platform cannot let them in by number.
    assert api(platform, "/members/reservations", member=member.number, secret="2468").status_code == 401
    k.members.set_pin(member.number, "2468")
    drain(k, client)
    made = api(platform, "/reservations", member=member.number, secret="2468", item=codes[0])
    assert made.status_code == 201, made.text
    page = httpx.post(platform.url + f"/i/{codes[1]}/reserve?lang=en",
                      data={"member": member.number, "secret": "2468"})
    assert page.status_code == 201 and f"Reserved: {codes[1]}" in page.text
    mine = api(platform, "/members/reservations", member=member.number, secret="2468")
    assert mine.status_code == 200
    assert sorted(r["item"] for r in mine.json()) == sorted(codes)
    drain(k, client)  # the kiosk takes both requests and holds the items
    assert local(k, Item, code=codes[0]).status == "held"
    done = k.circulation.checkout(card, [codes[0]]).outcomes[0]
    assert done.ok, done
    drain(k, client)
    with platform.session() as s:
        assert s.get(HubReservation, made.json()["uid"]).status == "fulfilled"
    # Nothing personal reached the platform: not the name, the contact nor the card's token.
    token = parse_payload(card, k.base_url).token
    with platform.session() as s:
        dump = "\n".join(str(row) for table in ("members", "events", "changes", "conflicts")
                         for row in s.execute(text(f"SELECT * FROM {table}")).all())
    # Whole words only: a four-digit PIN can turn up by chance inside a hash's hex digits.
    for secret in ("김나눔", "010-1234-5678", token, "2468"):
        assert not re.search(rf"(?<!\w){re.escape(secret)}(?!\w)", dump), secret


def test_a_new_card_and_a_new_pin_at_the_kiosk_replace_the_old_ones_online(platform):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    member, old_card = k.members.add("회원", pin="1357")
    drain(k, client)
    assert api(platform, "/members/reservations", member=member.number, secret="1357").status_code == 200
    new_card = k.members.reissue_card(member.number)
    k.members.set_pin(member.number, "8642")
    drain(k, client)
    assert api(platform, "/members/reservations", member=member.number, secret="1357").status_code == 401
    assert api(platform, "/members/reservations", member=member.number, secret="8642").status_code == 200
    with platform.session() as s:
        assert s.get(HubMember, member.number).card_hash == hash_card_token(
            parse_payload(new_card, k.base_url).token)
    with pytest.raises(NotFound):
        k.members.identify(old_card)


def test_an_old_kiosks_member_events_without_hashes_stay_valid(platform):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    with k.transaction() as s:  # what kiosks before member sharing recorded
        s.add(Member(number="M-000077", display_name="옛 회원", member_type="standard",
                     expires_on="2027-01-01", status="active", language="ko", created_at="2026-03-10T01:00:00Z"))
        k.record(s, "member.registered", {"member": "M-000077", "type": "standard",
                                          "expires_on": "2027-01-01"}, None)
        k.record(s, "member.pin_set", {"member": "M-000077"}, None)
    drain(k, client)
    with platform.session() as s:
        hub = s.get(HubMember, "M-000077")
        assert hub is not None and hub.card_hash is None and hub.pin_hash is None
        assert s.execute(text("SELECT count(*) FROM quarantined_events")).scalar_one() == 0


@pytest.mark.parametrize("field,value", [("card_hash", "A" * 64), ("card_hash", "ab" * 31),
                                         ("pin_hash", "scrypt$1048576$8$1$AAAAAAAAAAAAAAAAAAAAAA==$"
                                                      + "A" * 43 + "="),
                                         ("pin_hash", "plain-2468")])
def test_a_malformed_card_or_pin_hash_is_quarantined(platform, field, value):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    member, _ = k.members.add("회원")
    drain(k, client)
    with k.transaction() as s:
        kind = "member.card_reissued" if field == "card_hash" else "member.pin_set"
        k.record(s, kind, {"member": member.number, field: value}, None)
    drain(k, client)
    with platform.session() as s:
        assert s.execute(text("SELECT count(*) FROM quarantined_events")).scalar_one() == 1
        hub = s.get(HubMember, member.number)
        assert value not in (hub.card_hash, hub.pin_hash)


def _two_centres(platform):
    gn, gn_client, _ = platform.kiosk("GN01", "GN01-a")
    mp, mp_client, _ = platform.kiosk("MP01", "MP01-a")
    member, card = gn.members.add("강남 회원", pin="2468")
    codes, _ = stock(mp, items=1, members=0, prefix="T")
    drain(gn, gn_client)
    return gn, gn_client, mp, mp_client, member, card, codes


def test_a_card_of_a_centre_this_centre_honours_borrows_here(platform):
    gn, gn_client, mp, mp_client, member, card, codes = _two_centres(platform)
    admin.set_card_policy(platform.db, "MP01", "GN01")
    drain(mp, mp_client)
    guest = local(mp, Member, number=member.number)
    assert (guest.home_site, guest.display_name, guest.contact) == ("GN01", "", None)
    mp_client.close()  # offline: the kiosk already knows the member
    done = mp.circulation.checkout(card, [codes[0]]).outcomes[0]
    assert done.ok, done
    # Number + PIN works there too (the PIN hash came with the pull).
    assert mp.members.identify_by_pin(member.number, "2468").number == member.number
    # Their record stays their centre's: MP01 cannot change their PIN or card.
    with pytest.raises(Refused) as refused:
        mp.members.set_pin(member.number, "1111")
    assert refused.value.reason == "other_centre"
    with pytest.raises(Refused):
        mp.members.reissue_card(member.number)


@pytest.mark.parametrize("policy", [None, "none", "SE01"])
def test_a_card_of_a_centre_this_centre_does_not_honour_gets_the_policys_message(platform, policy):
    gn, gn_client, mp, mp_client, member, card, codes = _two_centres(platform)
    platform.site("SE01")
    if policy is not None:
        admin.set_card_policy(platform.db, "MP01", policy)
    drain(mp, mp_client)
    guest = local(mp, Member, number=member.number)
    assert guest.pin_hash is None and guest.display_name == ""
    with pytest.raises(Refused) as refused:
        mp.members.identify(card)
    assert refused.value.reason == "card_policy"
    assert "from another centre (GN01)" in refused.value.render("en")
    with pytest.raises(Refused):
        mp.circulation.checkout(card, [codes[0]])
    assert local(mp, Item, code=codes[0]).status == "available"
    # A card nobody knows keeps the message it had.
    _, stranger = gn.members.add("아직 동기화 안 된 회원")
    with pytest.raises(NotFound):
        mp.members.identify(stranger)


def test_a_policy_that_stops_honouring_a_centre_reaches_its_kiosks(platform):
    gn, gn_client, mp, mp_client, member, card, codes = _two_centres(platform)
    admin.set_card_policy(platform.db, "MP01", "all")
    drain(mp, mp_client)
    assert mp.members.identify(card).number == member.number
    admin.set_card_policy(platform.db, "MP01", "none")
    drain(mp, mp_client)
    with pytest.raises(Refused):
        mp.members.identify(card)
    assert local(mp, Member, number=member.number).pin_hash is None


def test_hub_commands_register_members_import_a_file_and_set_the_card_policy(tmp_path, monkeypatch, capsys):
    import json

    from platform_fixtures import nanum_in_env

    nanum = nanum_in_env(tmp_path, monkeypatch, capsys)
    db = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    assert nanum("hub", "init", "--db", db)[0] == 0
    for site in ("GN01", "MP01"):
        assert nanum("hub", "add-site", site, f"{site} 센터", "--db", db)[0] == 0
    code, out, _ = nanum("--json", "hub", "add-member", "박나눔", "--site", "GN01", "--db", db)
    made = json.loads(out)
    assert code == 0 and made["number"].startswith("M-9") and made["card"]
    code, _, err = nanum("--lang", "en", "hub", "add-member", "", "--site", "GN01", "--db", db)
    assert code == 2 and "A member needs a name." in err and "Traceback" not in err
    good = tmp_path / "members.csv"
    good.write_text("이름,유형,연락처\n이하나,일반,010-1111-2222\n김둘,가족,\n", encoding="utf-8")
    code, out, _ = nanum("--json", "hub", "import", "members", str(good), "--site", "MP01", "--db", db)
    assert code == 0 and [m["row"] for m in json.loads(out)["members"]] == [2, 3]
    bad = tmp_path / "bad.csv"
    bad.write_text("이름,유형\n셋,외계인\n", encoding="utf-8")
    code, out, _ = nanum("--lang", "en", "hub", "import", "members", str(bad), "--site", "MP01", "--db", db)
    assert code == 2 and "Unknown membership type" in out
    code, out, _ = nanum("--lang", "en", "hub", "card-policy", "MP01", "--honour", "GN01", "--db", db)
    assert code == 0 and "MP01 lends to members of GN01." in out
    code, _, err = nanum("--lang", "en", "hub", "card-policy", "MP01", "--honour", "XX99", "--db", db)
    assert code == 2 and "No site XX99" in err
    code, out, _ = nanum("--json", "hub", "card-policy", "MP01", "--db", db)
    assert json.loads(out) == {"site": "MP01", "honour": "list", "sites": ["GN01"]}
    from sync.hub.db import Database

    hub = Database.open(db)
    with hub.transaction() as s:
        rows = s.execute(text("SELECT display_name, home_site FROM members ORDER BY number")).all()
        assert [tuple(r) for r in rows] == [("박나눔", "GN01"), ("이하나", "MP01"), ("김둘", "MP01")]
        assert "010-1111-2222" not in str(s.execute(text("SELECT * FROM members")).all())
    hub.close()


def test_reserving_at_another_centre_follows_its_card_policy(platform):
    gn, gn_client, mp, mp_client, member, card, codes = _two_centres(platform)
    drain(mp, mp_client)
    refused = httpx.post(platform.url + "/api/v1/reservations", headers={"Accept-Language": "en"},
                         json={"member": member.number, "secret": "2468", "item": codes[0]})
    assert refused.status_code == 409 and "does not lend to members of your centre" in refused.text
    admin.set_card_policy(platform.db, "MP01", "GN01")
    made = api(platform, "/reservations", member=member.number, secret="2468", item=codes[0])
    assert made.status_code == 201, made.text
