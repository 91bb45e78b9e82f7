"""Fixtures for the sync tests: a real PostgreSQL, the platform server on loopback,
and kiosks registered on it (building blocks in platformkit.py).

``pg``        the PostgreSQL cluster of the session (pg.py): a private throwaway
              cluster, or the server named by NANUM_TEST_PG_URL
``platform``  a fresh platform database on PostgreSQL, served by uvicorn in a
              thread on a free port; ``platform.url``, ``platform.db``,
              ``platform.kiosk(site, ...)`` registers a kiosk and returns it set up
``any_platform``  the same, once on PostgreSQL and once on SQLite
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pg import Cluster, start_cluster
from platformkit import Platform


@pytest.fixture(scope="session")
def pg():
    cluster = start_cluster()
    from sync.hub.db import Database

    template = cluster.create_database()
    db = Database.open(cluster.url(template), migrate=True)
    db.close()
    cluster.template = template
    yield cluster
    cluster.stop()


def _pg_db(pg: Cluster):
    from sync.hub.db import Database

    name = pg.create_database(template=pg.template)
    return Database.open(pg.url(name)), name


def _make(kind: str, pg: Cluster | None, tmp: Path, **app_kw):
    from sync.hub import admin
    from sync.hub.db import Database

    if kind == "postgresql":
        db, name = _pg_db(pg)
    else:
        db, name = Database.open(f"sqlite:///{tmp / 'platform.sqlite3'}", migrate=True), None
    admin.init(db)
    p = Platform(db, tmp, **app_kw)
    return p, name


@pytest.fixture
def platform(request, tmp_path):
    """The platform; a test marked ``@pytest.mark.platform_options(guard=...)`` passes
    those options to ``create_app`` (e.g. request rates for a test that floods it on purpose)."""
    marker = request.node.get_closest_marker("platform_options")
    p, name = _make("postgresql", request.getfixturevalue("pg"), tmp_path,
                    **(marker.kwargs if marker else {}))
    yield p
    p.close()
    request.getfixturevalue("pg").drop_database(name)


@pytest.fixture(params=["postgresql", "sqlite"])
def any_platform(request, tmp_path):
    pg = request.getfixturevalue("pg") if request.param == "postgresql" else None
    p, name = _make(request.param, pg, tmp_path)
    p.kind = request.param
    yield p
    p.close()
    if name:
        pg.drop_database(name)


def nanum_in_env(tmp_path: Path, monkeypatch, capsys, *, allow_http: bool = True):
    """``nanum`` in this process, configured the way an installed kiosk is: by
    NANUM_CONFIG and NANUM_DATA_DIR (no --data-dir). ``run(*argv)`` returns (exit
    code, stdout, stderr). ``allow_http=False`` takes away the tests' allowance of
    http:// to this computer (tests/sync/platformkit.py), as on a real kiosk."""
    from kiosk.cli import main
    from kiosk.platform_url import INSECURE_HTTP_ENV

    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    monkeypatch.setenv("NANUM_CONFIG", str(cfg))
    monkeypatch.setenv("NANUM_DATA_DIR", str(tmp_path / "kiosk"))
    monkeypatch.delenv("NANUM_HUB_DB", raising=False)
    if not allow_http:
        monkeypatch.delenv(INSECURE_HTTP_ENV, raising=False)

    def run(*argv: str):
        capsys.readouterr()
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
