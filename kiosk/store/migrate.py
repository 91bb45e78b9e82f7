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
    if not is_known(current):
        # A newer version's schema (this version was installed over it without
        # the newer one migrating the database down first): refuse rather than
        # let Alembic fail on a revision it cannot find.
        from kiosk.errors import StorageError

        raise StorageError("The database's schema ({revision}) is from a newer version of the kiosk "
                           "software. Install that version again, or restore the backup made before "
                           "the upgrade (docs/updates.md).", revision=current)
    from alembic import command

    if current != head_revision(engine):
        command.upgrade(alembic_config(engine), "head")


# -- rolling a package back -----------------------------------------------------
# A kiosk that was upgraded from version N to N+1 and is rolled back to N needs
# its database at the schema N knows: N+1's migrations may have added tables or
# columns N's code does not expect, and N cannot undo them (it has not got
# N+1's migration scripts). So each package version records, next to the
# database, the schema revision it ran with (the Debian postinst does, for the
# version it replaces and for itself), and the outgoing package migrates the
# database down to the recorded revision before its files are replaced (the
# Debian prerm on a downgrade). docs/updates.md says how IT rolls back.

#: next to the database: one line per package version, "<version> <revision>"
SCHEMA_VERSIONS = "schema-versions"


def known_revisions() -> set[str]:
    """Every revision this version has a migration script for."""
    return {m.group(1) for p in (MIGRATIONS / "versions").iterdir()
            if (m := _REVISION_FILE.match(p.name))}


def is_known(revision: str | None) -> bool:
    """Whether this version can work with a database at ``revision`` (None: a new one)."""
    return revision is None or revision in known_revisions()


def recorded_revisions(data_dir: Path) -> dict[str, str]:
    """Package version -> the schema revision it ran with, as recorded on this kiosk."""
    path = Path(data_dir) / SCHEMA_VERSIONS
    found: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            version, _, revision = line.strip().partition(" ")
            if version and revision and not version.startswith("#"):
                found[version] = revision.strip()
    return found


def remember_revision(data_dir: Path, version: str, revision: str) -> None:
    """Record that package ``version`` ran with the schema at ``revision`` (the newest record wins)."""
    if not version or any(c.isspace() for c in version) or not _REVISION_FILE.match(revision + "_x.py"):
        raise ValueError(f"bad version or revision: {version!r} {revision!r}")
    records = recorded_revisions(data_dir)
    records[version] = revision
    path = Path(data_dir) / SCHEMA_VERSIONS
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("# package version, schema revision (nanum migrate)\n"
                   + "".join(f"{v} {r}\n" for v, r in sorted(records.items())), encoding="utf-8")
    tmp.replace(path)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the schema down to ``revision`` (an older revision this version knows).

    Each migration's ``downgrade()`` runs, newest first: what the newer ones added
    is dropped, every row the older schema has a place for stays."""
    current = current_revision(engine)
    if current == revision:
        return
    if revision not in known_revisions() or (current is not None and revision > current):
        raise ValueError(f"{revision} is not an older revision of this version's schema")
    from alembic import command

    command.downgrade(alembic_config(engine), revision)
