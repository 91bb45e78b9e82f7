"""A throwaway PostgreSQL cluster for the sync tests.

Started with initdb/pg_ctl from /usr/lib/postgresql/*/bin in a temporary
folder (as the ``postgres`` user when the tests run as root), listening on a
free loopback port; or the server named by ``NANUM_TEST_PG_URL``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("initdb")
    return Path(exe).parent if exe else None


class Cluster:
    """A running PostgreSQL server and a way to make fresh databases on it."""

    def __init__(self, admin_url: str, stop=None) -> None:
        self.admin_url = admin_url  # libpq URL of the maintenance database
        self._stop = stop

    def url(self, dbname: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{dbname}"

    def create_database(self, template: str | None = None) -> str:
        name = "nanum_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            tmpl = f" TEMPLATE {template}" if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{tmpl}')
        return name

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self._stop:
            self._stop()


def start_cluster() -> Cluster:
    """Use NANUM_TEST_PG_URL, or start a private cluster; raise when neither works."""
    env_url = os.environ.get("NANUM_TEST_PG_URL")
    if env_url:
        return Cluster(env_url)
    bindir = _pg_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb); "
                           "install it or set NANUM_TEST_PG_URL")
    tmp = Path(tempfile.mkdtemp(prefix="nanum-pg-"))
    data = tmp / "data"
    port = free_port()
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:
        pw = pwd.getpwnam("postgres")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]

    def run(*args: str) -> None:
        subprocess.run(prefix + list(args), check=True, capture_output=True, timeout=120)

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
    opts = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={tmp} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=300 -c shared_buffers=128MB")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-o", opts,
        "-w", "-t", "60", "start")

    def stop() -> None:
        with contextlib.suppress(Exception):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(tmp, ignore_errors=True)

    return Cluster(f"postgresql://postgres@127.0.0.1:{port}/postgres", stop)
