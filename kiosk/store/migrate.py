"""Alembic, driven from code: a new database is created by upgrading to head,
an old one is migrated on start.

Alembic itself (with Mako and Pygments) costs about a third of a second to
import, so a kiosk whose database is already at head never loads it: the
revision in ``alembic_version`` is compared with the newest revision file.
Revision ids are the four-digit prefixes of the files in
``migrations/versions`` and the chain is linear, so the newest file is head
(a test checks this against Alembic's own answer).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for a new database)."""
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except OperationalError:  # no alembic_version table yet
        return None


def newest_revision_file() -> str | None:
    revs = [m.group(1) for p in (MIGRATIONS / "versions").iterdir()
            if (m := _REVISION_FILE.match(p.name))]
    return max(revs) if revs else None


def head_revision(engine: Engine) -> str | None:
    """Head as Alembic computes it from the revision chain."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is there)."""
    current = current_revision(engine)
    if current is not None and current == newest_revision_file():
        return
    from alembic import command

    if current != head_revision(engine):
        command.upgrade(alembic_config(engine), "head")
