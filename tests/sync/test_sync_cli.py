"""``nanum hub ...`` and ``nanum sync ...`` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pg import free_port
from platform_fixtures import nanum_in_env
from platformkit import Server


@pytest.fixture
def nanum(tmp_path, monkeypatch, capsys):
    return nanum_in_env(tmp_path, monkeypatch, capsys)


def test_hub_admin_commands_and_a_sync_round_from_the_command_line(nanum, tmp_path):
    db = f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    assert nanum("hub", "init", "--db", db)[0] == 0
    assert nanum("hub", "add-site", "GN01", "강남 나눔센터", "--db", db)[0] == 0
    code, out, _ = nanum("--json", "hub", "add-kiosk", "GN01-a", "--site", "GN01", "--db", db)
    credential = json.loads(out)["credential"]
    assert code == 0 and credential.startswith("nkc1_")
    code, _, err = nanum("hub", "add-kiosk", "GN01-a", "--site", "GN01", "--db", db)
    assert code == 2 and "--rotate" in err
    assert nanum("init", "--site", "GN01", "--kiosk-id", "GN01-a")[0] == 0
    assert nanum("item", "add", "T-00001", "전동드릴", "--parts", "3")[0] == 0
    code, _, err = nanum("--lang", "en", "sync")
    assert code == 2 and "nanum sync configure" in err
    from sync.hub.app import create_app
    from sync.hub.db import Database

    server = Server(create_app(Database.open(db)))
    given = tmp_path / "credential.txt"
    given.write_text(credential + "\n")
    try:
        code, _, err = nanum("--lang", "en", "sync", "configure", "--url", server.url, "--kiosk-id", "GN01-b",
                             "--credential-file", str(given), "--allow-insecure-http")
        assert code == 2 and "GN01-a" in err
        assert nanum("sync", "configure", "--url", server.url, "--kiosk-id", "GN01-a",
                     "--credential-file", str(given), "--allow-insecure-http")[0] == 0
        cred_file = tmp_path / "kiosk" / "sync-credential"
        assert oct(cred_file.stat().st_mode & 0o777) == "0o600"
        code, out, _ = nanum("sync", "--json")
        report = json.loads(out)
        assert code == 0 and report["ok"] and report["pushed"] == 3 and report["outbox"] == 0
        code, out, _ = nanum("--json", "sync", "status")
        assert json.loads(out)["outbox"] == 0 and json.loads(out)["url"] == server.url
        code, out, _ = nanum("--json", "hub", "stats", "--db", db)
        stats = json.loads(out)
        assert [(k["kiosk_id"], k["events"]) for k in stats["kiosks"]] == [("GN01-a", 3)]
        assert nanum("hub", "revoke-kiosk", "GN01-a", "--db", db)[0] == 0
        code, out, _ = nanum("--lang", "en", "sync")
        assert code == 1 and "refused this kiosk's credential" in out
    finally:
        server.stop()


def test_hub_serve_runs_the_platform(tmp_path):
    db = f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    port = free_port()
    env = dict(os.environ, NANUM_HUB_DB=db, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--lang", "en", "hub", "serve",
                             "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert b"Serving the platform on http://127.0.0.1:" in proc.stdout.readline()
        deadline = time.monotonic() + 20
        while True:
            try:
                info = httpx.get(f"http://127.0.0.1:{port}/api/v1/info").json()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
                time.sleep(0.1)
        assert info["protocol"] == 1
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_running_kiosk_syncs_in_the_background_once_sync_is_set_up(nanum, tmp_path):
    """What `nanum run` starts beside the window: its own worker, pushing and reporting."""
    from kiosk.cli import _start_sync, build_parser
    from kiosk.config import load_config
    from kiosk.services import open_kiosk
    from sync.hub.app import create_app
    from sync.hub.db import Database

    db = f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    assert nanum("hub", "init", "--db", db)[0] == 0
    assert nanum("hub", "add-site", "GN01", "강남 나눔센터", "--db", db)[0] == 0
    code, out, _ = nanum("--json", "hub", "add-kiosk", "GN01-a", "--site", "GN01", "--db", db)
    credential = json.loads(out)["credential"]
    assert nanum("init", "--site", "GN01", "--kiosk-id", "GN01-a")[0] == 0

    args = build_parser().parse_args(["run"])
    args.config = load_config(None)
    args.data_dir = str(tmp_path / "kiosk")
    kiosk = open_kiosk(args.data_dir)
    assert _start_sync(args, kiosk) is None  # not set up: the kiosk runs offline, no worker

    server = Server(create_app(Database.open(db)))
    worker = None
    try:
        given = tmp_path / "credential.txt"
        given.write_text(credential + "\n")
        assert nanum("sync", "configure", "--url", server.url, "--kiosk-id", "GN01-a",
                     "--credential-file", str(given), "--allow-insecure-http")[0] == 0
        kiosk.catalogue.add_item("T-00001", "전동드릴", parts=3)
        worker = _start_sync(args, kiosk)
        assert worker is not None
        deadline = time.monotonic() + 30
        while worker.status().last_success is None and time.monotonic() < deadline:
            time.sleep(0.1)
        status = worker.status().to_json("en")
        assert status["last_success"] is not None and status["queue_depth"] == 0
    finally:
        if worker is not None:
            worker.stop()
        server.stop()
        kiosk.close()
