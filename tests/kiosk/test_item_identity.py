"""Items are named city-wide by (home site, code): two centres may both have T-00001."""

import pytest
from alembic import command
from sqlalchemy import text

from kiosk.codes import item_label_payload
from kiosk.errors import BadInput, NotFound
from kiosk.services import open_kiosk
from kiosk.store import migrate

TABLES = ("items", "item_aliases", "members", "loans", "reservations", "events")


def test_two_centres_items_of_one_code_live_side_by_side(make_kiosk):
    k, _ = make_kiosk()  # GN01
    k.catalogue.add_item("T-1", "망치")
    k.catalogue.add_item("T-1", "원목 기차 세트", home_site="MP01")  # e.g. returned here
    with pytest.raises(BadInput):
        k.catalogue.add_item("T-00001", "또 망치")
    # a typed code and an old label mean this centre's item; a new label names its centre
    assert k.catalogue.get("T-1").name_ko == "망치"
    assert k.catalogue.get(k.base_url + "/i/T-00001").name_ko == "망치"
    assert k.catalogue.get(item_label_payload("T-1", k.base_url, "GN01")).name_ko == "망치"
    assert k.catalogue.get(item_label_payload("T-1", k.base_url, "MP01")).name_ko == "원목 기차 세트"
    with pytest.raises(NotFound):
        k.catalogue.get(item_label_payload("T-1", k.base_url, "SD01"))
    _, card = k.members.add("김하나")
    assert k.circulation.checkout(card, ["T-1"]).outcomes[0].ok
    loans = k.circulation.loans(open_only=True)
    assert [(v.item_code, v.item_name) for v in loans] == [("T-00001", "망치")]
    with k.reading() as s:
        payload = s.execute(text("SELECT payload FROM events WHERE type = 'loan.checked_out'")).scalar()
    assert '"item_site":"GN01"' in payload
    assert k.maintenance.check().ok


def _dump(k):
    with k.reading() as s:
        return {t: sorted(tuple(r) for r in s.execute(text(f"SELECT * FROM {t}")).all())
                for t in TABLES}


def test_a_kiosk_database_of_the_previous_schema_keeps_every_row(make_kiosk, tmp_path):
    k, clock = make_kiosk(name="old")
    k.catalogue.add_item("T-1", "전동드릴", parts=2, aliases=("8801234567893",))
    k.catalogue.add_item("T-2", "사다리", aliases=("OLD-LADDER-7",))
    k.catalogue.add_item("T-3", "텐트")
    _, card = k.members.add("김하나")
    _, other = k.members.add("이둘")
    assert k.circulation.checkout(card, ["T-1", "T-2"]).outcomes[0].ok
    k.circulation.return_item("T-2")  # a closed loan
    k.circulation.reserve(other, "T-1")  # waiting behind the open loan
    before = _dump(k)
    assert len(before["item_aliases"]) == 2 and len(before["loans"]) == 2
    engine = k.engine
    command.downgrade(migrate.alembic_config(engine), "0003")
    k.close()

    again = open_kiosk(tmp_path / "old", clock=clock)  # migrates on start
    try:
        assert migrate.current_revision(again.engine) == migrate.head_revision(again.engine)
        assert _dump(again) == before  # every item, alias, loan, reservation and event
        with again.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert again.catalogue.get("8801234567893").code == "T-00001"
        assert again.maintenance.check().ok
        again.catalogue.add_item("T-1", "망치", home_site="MP01")  # the new key holds
    finally:
        again.close()
