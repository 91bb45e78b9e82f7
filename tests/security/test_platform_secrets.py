"""Secrets and files: no plain-HTTP sync to another machine, no credential on the
command line, and the kiosk's and platform's files private whatever the umask."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from platform_fixtures import nanum_in_env

REPO = Path(__file__).resolve().parents[2]
ALLOW_ENV = "NANUM_SYNC_ALLOW_INSECURE_HTTP"


@pytest.fixture
def nanum(tmp_path, monkeypatch, capsys):
    """``nanum`` in this process, with a set-up kiosk and no allowance for http:// from the environment."""
    run = nanum_in_env(tmp_path, monkeypatch, capsys, allow_http=False)
    assert run("init", "--site", "GN01", "--kiosk-id", "GN01-a")[0] == 0
    return run


def _configure(nanum, tmp_path, url: str, *extra: str):
    given = tmp_path / "given-credential"
    given.write_text("nkc1_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n")
    return nanum("--lang", "en", "sync", "configure", "--url", url, "--kiosk-id", "GN01-a",
                 "--credential-file", str(given), *extra)


@pytest.mark.parametrize("url, extra", [
    ("http://platform.example/", ()),
    ("http://127.0.0.1:8700/", ()),
    ("http://platform.example/", ("--allow-insecure-http",)),  # the allowance is for this computer only
    ("http://10.0.0.5:8700/", ("--allow-insecure-http",)),
    ("ftp://platform.example/", ()),
])
def test_sync_configure_refuses_plain_http(nanum, tmp_path, url, extra):
    code, _, err = _configure(nanum, tmp_path, url, *extra)
    assert code == 2 and "https://" in err and "--allow-insecure-http" in err
    assert not (tmp_path / "kiosk" / "sync-credential").exists()


@pytest.mark.parametrize("url, extra", [("https://platform.example/", ()),
                                        ("http://127.0.0.1:8700/", ("--allow-insecure-http",)),
                                        ("http://localhost:8700/", ("--allow-insecure-http",))])
def test_sync_configure_takes_https_or_an_allowed_test_platform_on_this_computer(nanum, tmp_path, url, extra):
    code, out, err = _configure(nanum, tmp_path, url, *extra)
    assert code == 0, err


def test_the_sync_client_refuses_plain_http_to_another_machine(monkeypatch):
    from sync.client import SyncClient, SyncRefused

    monkeypatch.delenv(ALLOW_ENV, raising=False)
    for url, allowed in (("http://platform.example", None), ("http://platform.example", True),
                         ("http://127.0.0.1:1", None), ("http://127.0.0.1:1", False)):
        with pytest.raises(SyncRefused):
            SyncClient(url, "nkc1_x", allow_insecure_http=allowed)
    SyncClient("http://127.0.0.1:1", "nkc1_x", allow_insecure_http=True).close()
    SyncClient("https://platform.example", "nkc1_x").close()


def test_the_credential_is_not_taken_on_the_command_line(nanum, tmp_path):
    code, _, err = nanum("--lang", "en", "sync", "configure", "--url", "https://platform.example/",
                         "--kiosk-id", "GN01-a", "--credential", "nkc1_visible-in-ps")
    assert code == 2 and "--credential-file" in err
    assert not (tmp_path / "kiosk" / "sync-credential").exists()
    code, _, err = nanum("--lang", "en", "sync", "--credential", "nkc1_visible-in-ps")
    assert code == 2 and "--credential-file" in err


@pytest.mark.parametrize("content", ["", "two words\n", "x" * 5000, "\x1b[31mred\n"])
def test_a_credential_file_that_holds_no_credential_is_refused(nanum, tmp_path, content):
    bad = tmp_path / "bad"
    bad.write_text(content)
    code, _, err = nanum("--lang", "en", "sync", "configure", "--url", "https://platform.example/",
                         "--kiosk-id", "GN01-a", "--credential-file", str(bad))
    assert code == 2 and "does not hold a credential" in err and "Traceback" not in err


def test_the_credential_from_standard_input(nanum, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("nkc1_from-stdin-0123456789\n"))
    code, _, err = nanum("sync", "configure", "--url", "https://platform.example/", "--kiosk-id", "GN01-a",
                         "--credential-file", "-")
    assert code == 0, err
    assert (tmp_path / "kiosk" / "sync-credential").read_text() == "nkc1_from-stdin-0123456789\n"


def _nanum_process(tmp_path: Path, umask: int, *argv: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, NANUM_CONFIG=str(tmp_path / "config.toml"), NANUM_DATA_DIR=str(tmp_path / "kiosk"),
               PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    env.pop(ALLOW_ENV, None)
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "--lang", "en", *argv], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(umask))


def _mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def test_secrets_are_written_0600_from_the_start_under_umask_000(tmp_path):
    (tmp_path / "config.toml").write_text("")
    db = f"sqlite:///{tmp_path / 'platform.sqlite3'}"
    for argv in (("init", "--site", "GN01", "--kiosk-id", "GN01-a"), ("hub", "init", "--db", db),
                 ("hub", "add-site", "GN01", "Gangnam", "--db", db)):
        done = _nanum_process(tmp_path, 0o000, *argv)
        assert done.returncode == 0, done.stderr
    done = _nanum_process(tmp_path, 0o000, "hub", "add-kiosk", "GN01-a", "--site", "GN01", "--db", db,
                          "--credential-file", str(tmp_path / "issued"))
    assert done.returncode == 0, done.stderr
    assert "nkc1_" not in done.stdout and _mode(tmp_path / "issued") == "0o600"
    done = _nanum_process(tmp_path, 0o000, "hub", "add-admin", "ops", "--db", db,
                          "--token-file", str(tmp_path / "admin-token"))
    assert done.returncode == 0, done.stderr
    assert _mode(tmp_path / "admin-token") == "0o600"
    assert (tmp_path / "admin-token").read_text().startswith("nka1_")
    done = _nanum_process(tmp_path, 0o000, "hub", "add-kiosk", "GN01-b", "--site", "GN01", "--db", db,
                          "--credential-file", str(tmp_path / "issued"))
    assert done.returncode == 2 and "exists already" in done.stderr  # never over another file
    done = _nanum_process(tmp_path, 0o000, "sync", "configure", "--url", "https://platform.example/",
                          "--kiosk-id", "GN01-a", "--credential-file", "-",
                          stdin=(tmp_path / "issued").read_text())
    assert done.returncode == 0, done.stderr
    stored = tmp_path / "kiosk" / "sync-credential"
    assert _mode(stored) == "0o600" and stored.read_text() == (tmp_path / "issued").read_text()
    assert _mode(tmp_path / "platform.sqlite3") == "0o600"


_KIOSK_FILES = r"""
import json, logging, os, stat, sys
from pathlib import Path
from kiosk.runtime import CrashReporter, InstanceLock, setup_logging
from kiosk.services import open_kiosk
from sync.hub.db import Database

data = Path(sys.argv[1])
k = open_kiosk(data)
k.initialise("GN01", "Gangnam", kiosk_id="GN01-a")
k.catalogue.add_item("T-00001", "drill")
lock = InstanceLock(data).acquire()
setup_logging(data / "logs", max_bytes=300, backups=2)
for n in range(20):
    logging.getLogger("probe").warning("line %d of the log, long enough to rotate it soon", n)
reporter = CrashReporter(data).install()
reporter.write(ValueError, ValueError("probe"), None)
k.maintenance.backup(data.parent / "backup.sqlite3")
hub = Database.open(f"sqlite:///{data.parent / 'platform.sqlite3'}", migrate=True)
modes = {}
for base in (data, data.parent):
    for path in [base, *base.rglob("*")] if base == data else base.glob("*.sqlite3*"):
        modes[str(path)] = [stat.S_IMODE(path.stat().st_mode), path.is_dir()]
print(json.dumps(modes))
"""


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_data_files_are_0600_and_folders_0700_whatever_the_umask(tmp_path, umask):
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run([sys.executable, "-c", _KIOSK_FILES, str(work / "kiosk")], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(REPO)),
                          preexec_fn=lambda: os.umask(umask))
    assert done.returncode == 0, done.stderr
    modes = json.loads(done.stdout.splitlines()[-1])
    names = {Path(p).name for p in modes}
    # what must be there: the database and its WAL files, lock, logs (rotated too), crash
    # files, the backup, the platform's laptop database and its WAL files
    assert {"nanum.sqlite3", "nanum.sqlite3-wal", "nanum.sqlite3-shm", "kiosk.lock", "nanum.log",
            "nanum.log.1", "native-faults.txt", "backup.sqlite3", "platform.sqlite3",
            "platform.sqlite3-wal", "platform.sqlite3-shm"} <= names, names
    assert any(n.startswith("crash-") for n in names)
    loose = {p: oct(mode) for p, (mode, is_dir) in modes.items() if mode != (0o700 if is_dir else 0o600)}
    assert not loose, loose


def test_a_data_folder_left_readable_by_an_older_version_is_tightened_when_opened(tmp_path):
    from kiosk.services import open_kiosk

    data = tmp_path / "kiosk"
    k = open_kiosk(data)
    k.initialise("GN01", "Gangnam", kiosk_id="GN01-a")
    k.close()
    os.chmod(data, 0o755)
    for name in ("nanum.sqlite3", "nanum.sqlite3-wal", "nanum.sqlite3-shm"):
        (data / name).touch()
        os.chmod(data / name, 0o644)
    k = open_kiosk(data)
    try:
        assert _mode(data) == "0o700"
        assert {_mode(data / n) for n in ("nanum.sqlite3", "nanum.sqlite3-wal", "nanum.sqlite3-shm")} == {"0o600"}
    finally:
        k.close()
