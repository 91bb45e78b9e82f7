"""items are unique per (home site, code): two centres may number an item alike

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# 0001 left the unique constraint on items.code unnamed; SQLite can only drop it
# by rebuilding the table, and batch mode finds it by this conventional name.
_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    with op.batch_alter_table('items', naming_convention=_NAMES, recreate='always') as batch_op:
        batch_op.drop_constraint('uq_items_code', type_='unique')
        batch_op.create_unique_constraint('uq_items_site_code', ['home_site', 'code'])


def downgrade() -> None:
    with op.batch_alter_table('items', naming_convention=_NAMES, recreate='always') as batch_op:
        batch_op.drop_constraint('uq_items_site_code', type_='unique')
        batch_op.create_unique_constraint('uq_items_code', ['code'])
