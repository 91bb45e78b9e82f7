"""Add a harmless extra migration to a copy of the kiosk's migrations, so that a
test build of version N+1 has a newer database schema than version N and a
rollback from N+1 to N really has to migrate the database down.

packaging/ci.sh adds it to the bundle of the N+1 .deb only (the clean-root test
then upgrades N -> N+1 and rolls back); tests/packaging/test_rollback.py adds it
to a copy of kiosk/store/migrations.

    python packaging/rollback_probe.py MIGRATIONS_DIR   # prints the new revision

The migration adds a table with one row and a nullable column on ``members``
(SQLite rebuilds the table to drop it again: the rollback keeps every member,
and the loans that refer to them).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

#: far above any real revision, so it is the newest file (kiosk.store.migrate)
PROBE_REVISION = "9001"

TEMPLATE = '''"""rollback probe: a test build's extra schema change (packaging/rollback_probe.py)

Revision ID: {revision}
Revises: {down}
"""
from alembic import op
import sqlalchemy as sa


revision = '{revision}'
down_revision = '{down}'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rollback_probe',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('note', sa.String(length=40), nullable=False),
    )
    op.execute("INSERT INTO rollback_probe (note) VALUES ('made by the newer version')")
    with op.batch_alter_table('members') as batch:
        batch.add_column(sa.Column('rollback_probe', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('members') as batch:
        batch.drop_column('rollback_probe')
    op.drop_table('rollback_probe')
'''


def add_probe(migrations: Path) -> str:
    """Write the probe into ``migrations``/versions on top of its newest revision."""
    versions = Path(migrations) / "versions"
    revs = sorted(m.group(1) for p in versions.iterdir()
                  if (m := re.match(r"^(\d{4})_\w+\.py$", p.name)) and m.group(1) != PROBE_REVISION)
    if not revs or revs[-1] >= PROBE_REVISION:
        raise SystemExit(f"no migrations below {PROBE_REVISION} in {versions}")
    (versions / f"{PROBE_REVISION}_rollback_probe.py").write_text(
        TEMPLATE.format(revision=PROBE_REVISION, down=revs[-1]), encoding="utf-8")
    return PROBE_REVISION


if __name__ == "__main__":
    print(add_probe(Path(sys.argv[1])))
