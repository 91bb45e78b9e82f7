"""Platform accounts with roles, and the kiosk fleet they see, on PostgreSQL over HTTP.

A city administrator sees every site, a district officer the sites of their
자치구, a centre manager their centre; asking for more is refused with 403.
The fleet shows each kiosk's heartbeat, flags kiosks that went silent and
failing devices, and a real job worker e-mails each incident once.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import text

from sync.hub.db import alembic_config, make_engine

from platformkit import Clock

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
        platform.kiosk(site, f"{site}-k1")
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


# -- the fleet ---------------------------------------------------------------------------
#: the platform's clock in the fleet tests: heartbeats are received at its time
PLATFORM_CLOCK = Clock()


def _beat(platform, kiosk_id: str, at: dt.datetime, **health):
    """Kiosk ``kiosk_id`` syncs (pushing, pulling and sending its heartbeat) with the
    platform's clock at ``at``; ``health`` is what its devices and last error say."""
    from sync.round import sync_round

    PLATFORM_CLOCK.now = at
    [(k, client)] = [(k, c) for k, c in platform._opened if k.kiosk_id == kiosk_id]
    sync_round(k, client, health=lambda: {"camera": "ok", "printer": "none", **health})


def _fleet(platform, token: str | None, **params) -> httpx.Response:
    return _get(platform, "/fleet", token, **params)


@pytest.mark.platform_options(clock=PLATFORM_CLOCK)
def test_the_fleet_shows_heartbeats_and_flags_silent_kiosks_and_failing_devices(platform, city):
    from kiosk import __version__
    from sync.hub import fleet

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    _beat(platform, "GN01-k1", now - dt.timedelta(hours=2))
    _beat(platform, "GN02-k1", now, camera="missing", last_error="플랫폼에 연결할 수 없습니다.",
          last_error_at="2026-12-06T00:10:00Z", crashes_24h=1, disk_free_mb=5120)
    _beat(platform, "MP01-k1", now)

    seen = _fleet(platform, city["city"])
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert body["silent_minutes"] == fleet.SILENT_MINUTES
    kiosks = {k["kiosk_id"]: k for k in body["kiosks"]}
    assert {k: v["problems"] for k, v in kiosks.items()} == {
        "GN01-k1": ["silent"], "GN02-k1": ["camera"], "MP01-k1": []}
    assert [k["kiosk_id"] for k in body["kiosks"]][-1] == "MP01-k1"  # flagged ones first
    gn02 = kiosks["GN02-k1"]
    assert (gn02["version"], gn02["camera"], gn02["printer"], gn02["outbox_depth"]) == \
        (__version__, "missing", "none", 0)
    assert (gn02["last_error"], gn02["last_error_at"]) == ("플랫폼에 연결할 수 없습니다.", "2026-12-06T00:10:00Z")
    assert (gn02["crashes_24h"], gn02["disk_free_mb"], gn02["district"]) == (1, 5120, "강남구")
    assert kiosks["GN01-k1"]["silent"] and kiosks["GN01-k1"]["last_heartbeat"].startswith(
        (now - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H"))

    # the last sync error stays until the kiosk tells another
    _beat(platform, "GN02-k1", now + dt.timedelta(minutes=1))
    again = {k["kiosk_id"]: k for k in _fleet(platform, city["city"]).json()["kiosks"]}
    assert again["GN02-k1"]["last_error"] == "플랫폼에 연결할 수 없습니다." and again["GN02-k1"]["problems"] == []

    # each account sees its own sites; asking for another district or site is refused
    assert {k["kiosk_id"] for k in _fleet(platform, city["gangnam"]).json()["kiosks"]} == {"GN01-k1", "GN02-k1"}
    assert {k["kiosk_id"] for k in _fleet(platform, city["mapo"]).json()["kiosks"]} == {"MP01-k1"}
    assert {k["kiosk_id"] for k in _fleet(platform, city["gangnam"], district="강남구").json()["kiosks"]} == \
        {"GN01-k1", "GN02-k1"}
    assert {k["kiosk_id"] for k in _fleet(platform, city["city"], district="마포").json()["kiosks"]} == {"MP01-k1"}
    for token, params in ((city["gangnam"], {"district": "마포구"}), (city["gangnam"], {"site": "MP01"}),
                          (city["mapo"], {"district": "강남구"}), (city["mapo"], {"site": "GN01"})):
        refused = _fleet(platform, token, **params)
        assert refused.status_code == 403, (params, refused.text)
        assert refused.json()["error"] == "forbidden" and refused.json()["message"]
    assert _fleet(platform, None).status_code == 401
    assert _fleet(platform, city["city"], district="뉴욕구").status_code == 400


@pytest.mark.platform_options(clock=PLATFORM_CLOCK)
def test_an_incident_opens_once_and_closes_when_the_kiosk_is_back(platform, city):
    from sync.hub import fleet

    now = dt.datetime.now(dt.UTC)
    _beat(platform, "GN01-k1", now - dt.timedelta(hours=2))
    _beat(platform, "MP01-k1", now, printer="missing")
    _beat(platform, "GN02-k1", now)
    first = fleet.check(platform.db, now, 30)
    assert len(first) == 2
    for incident in first:
        fleet.mark_queued(platform.db, incident, now)
    assert fleet.check(platform.db, now + dt.timedelta(minutes=5), 30) == []  # the same incidents
    _beat(platform, "GN01-k1", now + dt.timedelta(minutes=6))
    _beat(platform, "MP01-k1", now + dt.timedelta(minutes=6))
    assert fleet.check(platform.db, now + dt.timedelta(minutes=7), 30) == []
    with platform.session() as s:
        rows = s.query(fleet.FleetIncident).order_by(fleet.FleetIncident.id).all()
        assert [(r.kiosk_id, r.kind, r.state, r.closed_at is not None) for r in rows] == [
            ("GN01-k1", "silent", "silent", True), ("MP01-k1", "printer", "missing", True)]
    # silent again: a new incident
    assert len(fleet.check(platform.db, now + dt.timedelta(hours=1), 30)) == 3


def _worker(platform, smtp_port: int) -> subprocess.Popen:
    env = {**os.environ, "NANUM_SMTP_HOST": "127.0.0.1", "NANUM_SMTP_PORT": str(smtp_port),
           "NANUM_SMTP_FROM": "nanum@example.org", "NANUM_FLEET_EMAIL": "it@seoul.example",
           "NANUM_FLEET_CHECK_CRON": "* * * * * */1", "NANUM_FLEET_SILENT_MINUTES": "30",
           "NANUM_NOTICE_SWEEP_CRON": "* * * * * */1", "NANUM_WORKER_HEARTBEAT_S": "0.5"}
    return subprocess.Popen([sys.executable, "-m", "sync.hub.jobs", "--db", platform.db_url()], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _checks_done(platform) -> int:
    with platform.session() as s:
        return s.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'fleet.check' "
                              "AND status = 'succeeded'")).scalar_one()


def _until(what, proc, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode()[-2000:])
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.platform_options(clock=PLATFORM_CLOCK)
def test_a_silent_kiosk_is_e_mailed_to_the_citys_it_once(platform, city):
    from test_notices import FakeSmtp

    now = dt.datetime.now(dt.UTC)
    _beat(platform, "GN01-k1", now - dt.timedelta(hours=2))
    _beat(platform, "GN02-k1", now)
    _beat(platform, "MP01-k1", now)
    smtp = FakeSmtp()
    worker = _worker(platform, smtp.port)
    try:
        _until(lambda: len(smtp.messages) >= 1, worker)
        done = _checks_done(platform)
        _until(lambda: _checks_done(platform) >= done + 3, worker)  # three more checks: nothing new
    finally:
        worker.terminate()
        worker.wait(10)
        smtp.stop()
    assert len(smtp.attempts) == 1 and len(smtp.messages) == 1
    mail = message_from_bytes(next(iter(smtp.messages.values())))
    assert mail["To"] == "it@seoul.example"
    assert "GN01-k1" in str(make_header(decode_header(mail["Subject"])))
    body = mail.get_payload(decode=True).decode()
    assert "GN01-k1" in body and "강남구" in body


def test_a_kiosk_tells_the_fleet_why_its_sync_failed_once_it_is_back(platform, city):
    """The heartbeat goes only with a round that worked: the first one after a failure
    carries the failure, and the fleet keeps showing it."""
    from kiosk.i18n import translate
    from kiosk.services import open_kiosk
    from sync.client import NETWORK, SyncClient
    from sync.hub.models import Kiosk
    from sync.worker import SyncWorker

    from pg import free_port

    [(k, direct)] = [(k, c) for k, c in platform._opened if k.kiosk_id == "GN01-k1"]
    credential = direct._http.headers["Authorization"].split()[1]
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there: the first round fails
    urls = iter([nowhere])

    def client() -> SyncClient:
        return SyncClient(next(urls, platform.url), credential, timeout=2, keepalive=False)
    own = open_kiosk(Path(k.engine.url.database).parent, clock=k.clock)
    worker = SyncWorker(own, client, interval_s=60, backoff_base_s=0.02, backoff_cap_s=0.1,
                        health=lambda: {"camera": "ok", "printer": "none"})
    worker.start()
    try:
        def told() -> dict | None:
            with platform.session() as s:
                beat = s.get(Kiosk, "GN01-k1").heartbeat
            return beat if beat and beat.get("last_error") else None
        deadline = time.monotonic() + 30
        while told() is None:
            assert time.monotonic() < deadline, worker.status()
            time.sleep(0.05)
    finally:
        worker.stop()
        own.close()
    beat = told()
    assert beat["last_error"] == translate(NETWORK, "ko") and dt.datetime.fromisoformat(beat["last_error_at"])
    shown = {r["kiosk_id"]: r for r in _fleet(platform, city["city"]).json()["kiosks"]}["GN01-k1"]
    assert shown["last_error"] == beat["last_error"] and shown["last_error_at"] == beat["last_error_at"]


def test_a_page_session_ends_with_its_account_and_never_sends_a_visitor_elsewhere(platform, city):
    from sync.hub import admin

    with httpx.Client(base_url=platform.url, timeout=20) as web:
        wrong = web.post("/admin/signin", data={"name": "gangnam", "token": city["city"]})
        assert wrong.status_code == 401 and "nanum_admin" not in web.cookies  # a colleague's token
        sent = web.post("/admin/signin", data={"name": "gangnam", "token": city["gangnam"],
                                               "next": "//elsewhere.example/admin/fleet"})
        assert sent.status_code == 303 and sent.headers["location"] == "/admin/fleet"
        assert "HttpOnly" in sent.headers["set-cookie"] and "SameSite=strict" in sent.headers["set-cookie"]
        page = web.get("/admin/fleet")
        assert page.status_code == 200 and 'data-kiosk="GN01-k1"' in page.text and "MP01-k1" not in page.text
        assert web.get(API + "/fleet").status_code == 200  # the API in the same browser, reading
        admin.revoke_admin(platform.db, "gangnam")
        assert web.get(API + "/fleet").status_code == 401
        gone = web.get("/admin/fleet")
        assert gone.status_code == 303 and gone.headers["location"].startswith("/admin/signin?next=")
