"""A PostgreSQL cluster with continuous WAL archiving by pgBackRest, and restores of it.

Configured as docs/backups.md sets up the platform's server, with everything in
one temporary folder (the repository, the spool, the logs) and the commands run
as the ``postgres`` user when the tests run as root. Used by the restore drill
(tests/sync/test_backup_drill.py, ``scripts/restore-drill``).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from pg import _pg_bin, free_port

STANZA = "nanum"

#: the archiving settings docs/backups.md gives for postgresql.conf
ARCHIVE_SETTINGS = {
    "wal_level": "replica",
    "archive_mode": "on",
    "archive_timeout": "60s",  # a quiet platform's last changes reach the repository within a minute
    "max_wal_senders": "3",
}


def pgbackrest_missing() -> str | None:
    """Why the drill cannot run here (None when it can)."""
    if shutil.which("pgbackrest") is None:
        return "pgBackRest is not installed (apt-get install pgbackrest; scripts/setup installs it)"
    if _pg_bin() is None:
        return "PostgreSQL is not installed (no initdb)"
    return None


class Archived:
    """One folder holding a pgBackRest repository and the clusters archived into it or restored from it."""

    def __init__(self) -> None:
        self.bindir = _pg_bin()
        assert self.bindir is not None
        self.root = Path(tempfile.mkdtemp(prefix="nanum-pitr-"))
        self.repo = self.root / "repo"
        self.conf = self.root / "pgbackrest.conf"
        self._prefix: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._prefix = ["runuser", "-u", "postgres", "--"]
        self.running: list[Path] = []

    # -- commands ------------------------------------------------------------------------------
    def run(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(self._prefix + list(args), capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def pgbackrest(self, *args: str, timeout: float = 180) -> str:
        return self.run("pgbackrest", f"--config={self.conf}", f"--stanza={STANZA}", *args, timeout=timeout)

    def _write(self, path: Path, text: str) -> None:
        path.write_text(text)
        if self._prefix:
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    # -- the archived cluster ---------------------------------------------------------------------
    def create_cluster(self) -> str:
        """initdb, pgBackRest's stanza, start with archiving on; the maintenance database's URL."""
        data, port = self.root / "primary", free_port()
        for sub in ("log", "lock", "spool"):
            (self.root / sub).mkdir()
            if self._prefix:
                pw = pwd.getpwnam("postgres")
                os.chown(self.root / sub, pw.pw_uid, pw.pw_gid)
        self.run(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                 "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
                 "--wal-segsize=1")  # 1 MB segments (16 by default): less to write and delete here
        self._write(self.conf, "\n".join([
            "[global]",
            f"repo1-path={self.repo}",
            "repo1-retention-full=2",
            "start-fast=y",          # the base backup starts at once (an immediate checkpoint)
            "archive-async=y",       # WAL goes to the repository in the background, in batches
            f"spool-path={self.root / 'spool'}",
            "process-max=2",
            "compress-type=lz4",
            f"log-path={self.root / 'log'}",
            f"lock-path={self.root / 'lock'}",
            "log-level-console=warn",
            "log-level-file=info",
            "",
            f"[{STANZA}]",
            f"pg1-path={data}",
            f"pg1-port={port}",
            f"pg1-socket-path={self.root}",
            "",
        ]))
        archive = (f"pgbackrest --config={self.conf} --stanza={STANZA} archive-push %p")
        self._start(data, port, {**ARCHIVE_SETTINGS, "archive_command": archive})
        self.pgbackrest("stanza-create")
        self.pgbackrest("check")  # archiving works: a WAL segment reached the repository
        self.primary, self.port = data, port
        return self.url(port)

    def url(self, port: int, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{dbname}"

    def _start(self, data: Path, port: int, settings: dict[str, str]) -> None:
        lines = ["listen_addresses = '127.0.0.1'", f"port = {port}", f"unix_socket_directories = '{self.root}'",
                 "max_connections = 200", "shared_buffers = 64MB", "min_wal_size = 8MB", "max_wal_size = 64MB",
                 "fsync = off", "synchronous_commit = off"]
        lines += [f"{k} = '{v}'" for k, v in settings.items()]
        with (data / "postgresql.auto.conf").open("a") as f:
            f.write("\n".join(lines) + "\n")
        self.run(str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.root / f"{data.name}.log"),
                 "-w", "-t", "120", "start")
        self.running.append(data)

    def backup(self) -> str:
        """A full base backup into the repository (the nightly job of docs/backups.md); its label."""
        self.pgbackrest("--type=full", "backup")
        info = json.loads(self.pgbackrest("--output=json", "info"))
        return str(info[0]["backup"][-1]["label"])

    def archived(self, url: str) -> None:
        """Wait until every change committed so far is in the repository (a WAL switch, then
        pgBackRest's check waits for that segment to be archived)."""
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_switch_wal()")
        self.pgbackrest("check")

    def lose(self, data: Path) -> None:
        """The server dies and its disk with it."""
        self.run(str(self.bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        self.running.remove(data)
        shutil.rmtree(data)

    # -- a restore ----------------------------------------------------------------------------------
    def restore(self, target_time: str, backup: str) -> str:
        """Restore base backup ``backup`` plus the archived WAL up to ``target_time`` into a new
        data folder, start it (recovery runs, then the server opens for writes); its URL.

        pgBackRest picks the newest backup that ended before the target when no set is named
        (as docs/backups.md does it); the drill names it, because its backup and its target
        lie within the same second, and pgBackRest keeps a backup's end in whole seconds.
        """
        data, port = self.root / "restored", free_port()
        self.pgbackrest(f"--pg1-path={data}", f"--set={backup}", "--type=time", f"--target={target_time}",
                        "--target-action=promote", "restore")
        # the restored server takes the lost one's place: it archives into the same repository
        # (on a new timeline) and the nightly backups back it up
        conf = self.conf.read_text()
        conf = conf.replace(f"pg1-path={self.primary}\n", f"pg1-path={data}\n")
        conf = conf.replace(f"pg1-port={self.port}\n", f"pg1-port={port}\n")
        self._write(self.conf, conf)
        self.primary, self.port = data, port
        archive = f"pgbackrest --config={self.conf} --stanza={STANZA} archive-push %p"
        self._start(data, port, {**ARCHIVE_SETTINGS, "archive_command": archive})
        # pg_ctl returns once the server takes (read-only) connections; it opens for
        # writes when recovery reached the target and promoted it
        deadline = time.monotonic() + 120
        with psycopg.connect(self.url(port), autocommit=True) as conn:
            while conn.execute("SELECT pg_is_in_recovery()").fetchone() != (False,):
                if time.monotonic() > deadline:
                    raise RuntimeError("the restored server did not finish recovery:\n"
                                       + (self.root / "restored.log").read_text()[-3000:])
                time.sleep(0.1)
        return self.url(port)

    def close(self) -> None:
        for data in list(self.running):
            with contextlib.suppress(Exception):
                self.run(str(self.bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
