"""Platform accounts with roles and what each sees, on PostgreSQL over HTTP.

A city administrator sees every site, a district officer the sites of their
자치구, a centre manager their centre; asking for more is refused with 403.
"""

from __future__ import annotations

import httpx
import pytest
from alembic import command
from sqlalchemy import text

from sync.hub.db import alembic_config, make_engine

API = "/api/v1"
#: site -> district of the test city
CITY = {"GN01": "강남구", "GN02": "강남구", "MP01": "마포구"}


def _get(platform, path: str, token: str | None = None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(platform.url + API + path, headers=headers, params=params, timeout=20)


@pytest.fixture
def city(platform):
    """Three centres in two districts, a kiosk at each, and one account of each role."""
    from sync.hub import admin, roles

    for site, district in CITY.items():
        platform.site(site)
        roles.set_district(platform.db, site, district)
        platform.credential(f"{site}-k1", site)
    tokens = {"city": admin.add_admin(platform.db, "seoul-it"),
              "gangnam": admin.add_admin(platform.db, "gangnam", role="district", district="강남구"),
              "mapo": admin.add_admin(platform.db, "mapo-centre", role="centre", site="MP01")}
    return tokens


def test_statistics_cover_only_the_sites_of_the_account(platform, city):
    def kiosks(token: str) -> set[str]:
        answer = _get(platform, "/stats", token)
        assert answer.status_code == 200, answer.text
        return {k["kiosk_id"] for k in answer.json()["kiosks"]}

    assert kiosks(city["city"]) == {"GN01-k1", "GN02-k1", "MP01-k1"}
    assert kiosks(city["gangnam"]) == {"GN01-k1", "GN02-k1"}
    assert kiosks(city["mapo"]) == {"MP01-k1"}
    assert _get(platform, "/stats", city["gangnam"]).json()["sites"] == 2
    refused = _get(platform, "/stats")
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorised"


def test_accounts_are_checked_when_made(platform):
    from kiosk.errors import BadInput, NotFound
    from sync.hub import admin, roles

    platform.site("GN01")
    with pytest.raises(BadInput):
        admin.add_admin(platform.db, "nowhere", role="district", district="부산진구")
    with pytest.raises(BadInput):
        admin.add_admin(platform.db, "no-district", role="district")
    with pytest.raises(NotFound):
        admin.add_admin(platform.db, "no-site", role="centre", site="XX99")
    assert roles.normalise_district("서울특별시 강남") == "강남구"
    with pytest.raises(NotFound):
        roles.set_district(platform.db, "XX99", "강남구")
    # a new token for a district officer keeps their district
    admin.add_admin(platform.db, "officer", role="district", district="송파구")
    token = admin.add_admin(platform.db, "officer", rotate=True)
    with platform.session() as s:
        who = roles.principal_of_token(s, token)
    assert who == roles.Principal("officer", "district", "송파구", None)


def test_the_commands_make_accounts_with_roles(platform, tmp_path, capsys):
    from kiosk.cli import main

    url = platform.db_url()
    platform.site("GN01")
    assert main(["hub", "set-district", "GN01", "강남구", "--db", url]) == 0
    assert main(["hub", "add-admin", "gangnam", "--role", "district", "--district", "강남구",
                 "--db", url, "--json"]) == 0
    capsys.readouterr()
    assert main(["hub", "set-district", "GN01", "뉴욕구", "--db", url]) != 0
    assert "뉴욕구" in capsys.readouterr().err
    from sync.hub.models import Administrator, Site

    with platform.session() as s:
        assert s.get(Site, "GN01").district == "강남구"
        a = s.get(Administrator, "gangnam")
        assert (a.role, a.district, a.site) == ("district", "강남구", None)


@pytest.fixture(params=["sqlite", "postgresql"])
def old_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old-platform.sqlite3'}"
        return
    pg = request.getfixturevalue("pg")
    name = pg.create_database()
    yield pg.url(name)
    pg.drop_database(name)


def test_administrators_made_before_roles_are_city_administrators(old_url):
    from sync.hub.db import Database
    from sync.hub.models import Administrator, Site

    engine = make_engine(old_url)
    command.upgrade(alembic_config(engine), "0013")
    with engine.begin() as c:
        c.execute(text("INSERT INTO sites (code, name, created_at) VALUES ('GN01', '강남', 'x')"))
        c.execute(text("INSERT INTO administrators (name, token_hash, created_at) VALUES ('ops', :h, 'x')"),
                  {"h": "a" * 64})
    engine.dispose()
    db = Database.open(old_url, migrate=True)
    try:
        with db.transaction() as s:
            a = s.get(Administrator, "ops")
            assert (a.role, a.district, a.site, a.token_hash) == ("city", None, None, "a" * 64)
            assert s.get(Site, "GN01").district is None
    finally:
        db.close()
