"""Staged updates on the real platform (PostgreSQL, over HTTP): a version reaches the
canary centres, then the districts, then every kiosk, each ring only when all its
kiosks have run the version for the soak time without a problem, told by their
heartbeats; IT halts, rolls back and resumes; a revoked kiosk is told nothing.

Heartbeats are received on the platform's clock (injected); the soak is counted
from them. The administrator's commands run through ``nanum hub rollout``.
"""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from platformkit import Clock

API = "/api/v1"
CLOCK = Clock()
#: site -> district: GN01 is the canary, 강남구 ring 1, the rest ring 2
CITY = {"GN01": "강남구", "GN02": "강남구", "MP01": "마포구"}
OLD, NEW = "0.1.0", "0.2.0"


def _beat(platform, credential: str, at: dt.datetime, version: str = NEW, **health) -> None:
    CLOCK.now = at
    beat = {"version": version, "uptime_s": 60.0, "camera": "ok", "printer": "none", "outbox_depth": 0,
            "last_sync": at.isoformat()} | health
    answer = httpx.post(platform.url + API + "/heartbeat", json=beat,
                        headers={"Authorization": f"Bearer {credential}"}, timeout=20)
    assert answer.status_code == 200, answer.text


def _advice(platform, credential: str) -> httpx.Response:
    return httpx.get(platform.url + API + "/update", headers={"Authorization": f"Bearer {credential}"},
                     timeout=20)


def _installs(platform, creds: dict[str, str]) -> dict[str, str | None]:
    out = {}
    for kiosk, credential in creds.items():
        answer = _advice(platform, credential)
        assert answer.status_code == 200, answer.text
        out[kiosk] = answer.json()["install"]
    return out


@pytest.fixture
def city(platform):
    from sync.hub import roles

    creds = {}
    for site, district in CITY.items():
        creds[f"{site}-k1"] = platform.credential(f"{site}-k1", site)
        roles.set_district(platform.db, site, district)
    return creds


@pytest.fixture
def hub(platform, capsys):
    from kiosk.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--lang", "en", "hub", "rollout", *args, "--db", platform.db_url()])
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


@pytest.mark.platform_options(clock=CLOCK)
def test_a_version_goes_ring_by_ring_only_when_the_open_ring_is_healthy(platform, city, hub):
    from kiosk.errors import Refused
    from sync.hub import rollout

    # The platform's clock runs 34 h behind the real one, so the canary's soak ends about
    # now and the command (which reads the real clock) sees the latest heartbeat as recent.
    real = dt.datetime.now(dt.UTC).replace(microsecond=0)
    t0 = real - dt.timedelta(hours=34, minutes=2)
    assert _installs(platform, city) == dict.fromkeys(city)  # nothing rolling out yet

    code, out, err = hub("start", NEW, "--canary", "GN01", "--districts", "강남", "--previous", OLD,
                         "--soak-hours", "24", "--by", "it-kim")
    assert code == 0, err
    assert _installs(platform, city) == {"GN01-k1": NEW, "GN02-k1": None, "MP01-k1": None}
    told = _advice(platform, city["GN02-k1"]).json()
    assert (told["version"], told["ring"], told["open_ring"], told["status"]) == (NEW, 1, 0, "rolling")

    # the canary has not taken the version: no advance
    code, _, err = hub("advance", "--by", "it-kim")
    assert code == 1 and "GN01-k1 (runs nothing yet)" in err

    _beat(platform, city["GN01-k1"], t0)
    with pytest.raises(Refused, match="less than the soak time"):
        rollout.advance(platform.db, t0 + dt.timedelta(minutes=10), by="it-kim")
    _beat(platform, city["GN01-k1"], t0 + dt.timedelta(hours=10), printer="error")  # a problem ...
    _beat(platform, city["GN01-k1"], t0 + dt.timedelta(hours=11))  # ... over, but the soak starts again
    _beat(platform, city["GN01-k1"], t0 + dt.timedelta(hours=33))
    with pytest.raises(Refused, match="printer: error"):
        rollout.advance(platform.db, t0 + dt.timedelta(hours=33), by="it-kim")

    # the administrators' view, on the platform's clock
    admin_token = platform.admin_token()
    seen = httpx.get(platform.url + API + "/rollout", headers={"Authorization": f"Bearer {admin_token}"},
                     timeout=20)
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert (body["version"], body["ring"], body["can_advance"]) == (NEW, 0, False)
    [canary] = body["kiosks"]
    assert canary["kiosk_id"] == "GN01-k1" and not canary["healthy"]
    assert canary["healthy_from"].startswith((t0 + dt.timedelta(hours=34)).strftime("%Y-%m-%dT%H:%M"))

    _beat(platform, city["GN01-k1"], t0 + dt.timedelta(hours=34, minutes=1))
    assert httpx.get(platform.url + API + "/rollout", headers={"Authorization": f"Bearer {admin_token}"},
                     timeout=20).json()["can_advance"] is True
    code, out, err = hub("advance", "--by", "it-kim")
    assert code == 0, err
    assert _installs(platform, city) == {"GN01-k1": NEW, "GN02-k1": NEW, "MP01-k1": None}

    # ring 1 waits for 강남구's other kiosk
    code, _, err = hub("advance", "--by", "it-kim")
    assert code == 1 and "GN02-k1" in err and "GN01-k1" not in err

    # halt: nobody installs; rollback: those that were told go back; resume
    assert hub("halt", "--by", "it-kim", "--why", "receipts misprinted")[0] == 0
    assert _installs(platform, city) == dict.fromkeys(city)
    assert hub("rollback", "--by", "it-kim")[0] == 0
    assert _installs(platform, city) == {"GN01-k1": OLD, "GN02-k1": OLD, "MP01-k1": None}
    code, _, err = hub("advance", "--by", "it-kim")
    assert code == 1 and "rolled_back" in err
    assert hub("resume", "--by", "it-kim")[0] == 0
    assert _installs(platform, city) == {"GN01-k1": NEW, "GN02-k1": NEW, "MP01-k1": None}
    code, out, _ = hub("status", "--json")
    history = json.loads(out)["history"]
    assert [h["action"] for h in history] == ["started", "advanced", "halted", "rolled back", "resumed"]
    assert history[2]["why"] == "receipts misprinted" and {h["by"] for h in history} == {"it-kim"}

    # a kiosk that goes back to the old version starts its soak again
    _beat(platform, city["GN01-k1"], real, version=OLD)
    with pytest.raises(Refused, match="GN01-k1"):
        rollout.advance(platform.db, real, by="it-kim", force=False)

    # forced past the blockers: every kiosk, and the history says what was skipped
    assert rollout.advance(platform.db, real, by="it-kim", force=True) == rollout.ALL
    assert _installs(platform, city) == dict.fromkeys(city, NEW)
    code, _, err = hub("advance", "--by", "it-kim")
    assert code == 1 and "every kiosk already" in err
    forced = json.loads(hub("status", "--json")[1])["history"][-1]
    assert forced["action"] == "advanced" and "GN01-k1 (runs 0.1.0)" in forced["forced_past"]


@pytest.mark.platform_options(clock=CLOCK)
def test_a_revoked_kiosk_is_told_nothing_and_does_not_hold_a_ring_back(platform, city, hub):
    from kiosk.errors import Refused
    from sync.hub import admin, rollout

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    extra = platform.credential("GN01-k2", "GN01")
    assert hub("start", NEW, "--canary", "GN01", "--soak-hours", "1")[0] == 0
    _beat(platform, city["GN01-k1"], now - dt.timedelta(hours=2))
    _beat(platform, city["GN01-k1"], now)
    with pytest.raises(Refused, match="GN01-k2"):
        rollout.advance(platform.db, now, by="it")

    admin.revoke_kiosk(platform.db, "GN01-k2")  # stolen
    refused = _advice(platform, extra)
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorised"
    beat = httpx.post(platform.url + API + "/heartbeat", headers={"Authorization": f"Bearer {extra}"},
                      json={"version": NEW, "uptime_s": 1, "outbox_depth": 0}, timeout=20)
    assert beat.status_code == 401
    assert rollout.advance(platform.db, now, by="it") == rollout.DISTRICTS


@pytest.mark.platform_options(clock=CLOCK)
def test_the_rollout_view_is_for_city_administrators_and_rollouts_supersede(platform, city, hub):
    from sync.hub import admin

    admin.add_admin(platform.db, "gangnam", role="district", district="강남구")
    district = admin.add_admin(platform.db, "gangnam", rotate=True)
    city_admin = platform.admin_token()
    url = platform.url + API + "/rollout"
    assert httpx.get(url, headers={"Authorization": f"Bearer {city_admin}"}, timeout=20).status_code == 404
    assert hub("start", NEW, "--canary", "GN01")[0] == 0
    assert httpx.get(url, timeout=20).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {district}"}, timeout=20).status_code == 403
    assert httpx.get(url, headers={"Authorization": f"Bearer {city['GN01-k1']}"}, timeout=20).status_code == 401

    # a canary centre without a kiosk, or a version that is no package version, is refused
    platform.site("SP01")
    assert hub("start", "0.3.0", "--canary", "SP01")[0] == 1
    assert hub("start", "0.3.0; rm -rf /", "--canary", "GN01")[0] == 2
    # the next rollout replaces this one; its previous version is this one's
    assert hub("start", "0.3.0", "--canary", "MP01")[0] == 0
    body = httpx.get(url, headers={"Authorization": f"Bearer {city_admin}"}, timeout=20).json()
    assert (body["version"], body["previous_version"], body["canary_sites"]) == ("0.3.0", NEW, ["MP01"])
    assert _installs(platform, city) == {"GN01-k1": None, "GN02-k1": None, "MP01-k1": "0.3.0"}


def test_a_kiosk_asks_what_to_install_from_the_command_line(platform, tmp_path, monkeypatch, capsys):
    """``nanum sync update-check`` (what packaging/debian/nanum-update runs) on a kiosk set up
    the way an installed one is."""
    from kiosk import __version__
    from sync.hub import admin, rollout

    from platform_fixtures import nanum_in_env

    nanum = nanum_in_env(tmp_path, monkeypatch, capsys)
    credential = tmp_path / "credential.txt"
    credential.write_text(platform.credential("GN01-k1", "GN01") + "\n")
    platform.credential("MP01-k1", "MP01")
    assert nanum("init", "--site", "GN01", "--kiosk-id", "GN01-k1")[0] == 0
    assert nanum("sync", "configure", "--url", platform.url, "--kiosk-id", "GN01-k1",
                 "--credential-file", str(credential), "--allow-insecure-http")[0] == 0

    code, out, err = nanum("--json", "sync", "update-check")
    assert code == 0, err
    assert json.loads(out) | {"running": None} == {"install": None, "due": False, "running": None, "rollout": None,
                                                   "version": None, "status": None, "ring": None, "open_ring": None}
    assert nanum("sync", "update-check", "--version-only")[1] == ""

    now = dt.datetime.now(dt.UTC)
    rollout.start(platform.db, NEW, canary=["GN01"], districts=[], now=now, by="it", previous=__version__)
    code, out, _ = nanum("--json", "sync", "update-check")
    told = json.loads(out)
    assert (told["install"], told["due"], told["running"], told["ring"]) == (NEW, True, __version__, 0)
    assert nanum("sync", "update-check", "--version-only")[1] == NEW + "\n"
    assert f"Install {NEW}" in nanum("--lang", "en", "sync", "update-check")[1]

    # rolled back to the version this kiosk runs: nothing is due
    rollout.set_status(platform.db, now, rollout.ROLLED_BACK, by="it")
    code, out, _ = nanum("--json", "sync", "update-check")
    assert (json.loads(out)["install"], json.loads(out)["due"]) == (__version__, False)
    assert nanum("sync", "update-check", "--version-only")[1] == ""

    admin.revoke_kiosk(platform.db, "GN01-k1")
    code, _, err = nanum("--lang", "en", "sync", "update-check", "--version-only")
    assert code == 1 and "refused" in err
