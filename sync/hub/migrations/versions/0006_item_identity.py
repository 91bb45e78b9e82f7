"""items are named by <home site>/<code>: two centres may number an item alike

Items get a key ``SITE/CODE`` as primary key (the code alone is unique per
site); loans and reservations refer to items by that key, and so do the change
feed's item rows. Every existing row keeps its item: codes were unique in the
whole city before, so each maps to its one item's home site.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
from typing import Any

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_KEY_OF_CODE = "(SELECT i.home_site || '/' || i.code FROM items i WHERE i.code = {table}.{column})"


def _item_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('name_ko', sa.String(length=200), nullable=False),
        sa.Column('name_en', sa.String(length=200), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('home_site', sa.String(length=32), nullable=False),
        sa.Column('parts', sa.JSON(), nullable=False),
        sa.Column('replacement_value', sa.Integer(), nullable=False),
        sa.Column('age_min_months', sa.Integer(), nullable=True),
        sa.Column('age_max_months', sa.Integer(), nullable=True),
        sa.Column('safe_use_ko', sa.Text(), nullable=False),
        sa.Column('safe_use_en', sa.Text(), nullable=False),
        sa.Column('aliases', sa.JSON(), nullable=False),
        sa.Column('retired', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('location', sa.String(length=32), nullable=False),
        sa.Column('origin', sa.String(length=80), nullable=False),
        sa.Column('updated_hlc', sa.String(length=32), nullable=False),
        sa.Column('moved_from', sa.String(length=32), nullable=True),
    ]


_COPIED = ("code, name_ko, name_en, category, home_site, parts, replacement_value, age_min_months, "
           "age_max_months, safe_use_ko, safe_use_en, aliases, retired, status, location, origin, "
           "updated_hlc")


def upgrade() -> None:
    # Referring rows first, while items.code is still unique city-wide.
    for table, column in (('loans', 'item_code'), ('reservations', 'item_code'),
                          ('reservations', 'moved_from')):
        # an item the platform never had: the site where the loan or reservation is
        fallback = "COALESCE({table}.site, '') || '/' || {table}.{column}"
        op.execute(f"UPDATE {table} SET {column} = COALESCE("
                   + _KEY_OF_CODE.format(table=table, column=column) + ", "
                   + fallback.format(table=table, column=column) + f") WHERE {column} IS NOT NULL")
    op.execute("UPDATE changes SET key = " + _KEY_OF_CODE.format(table='changes', column='key')
               + " WHERE kind = 'item' AND EXISTS (SELECT 1 FROM items i WHERE i.code = changes.key)")

    op.create_table('items_keyed', *_item_columns(),
                    sa.PrimaryKeyConstraint('key', name='pk_items'),
                    sa.UniqueConstraint('home_site', 'code', name='uq_items_site_code'))
    op.execute(f"INSERT INTO items_keyed (key, {_COPIED}) "
               f"SELECT home_site || '/' || code, {_COPIED} FROM items")
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_home_site')
    op.drop_table('items')
    op.rename_table('items_keyed', 'items')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_home_site', ['home_site'], unique=False)

    for table in ('loans', 'reservations'):
        op.drop_index(f'ix_{table}_item_code', table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('item_code', new_column_name='item_key',
                                  existing_type=sa.String(length=16), type_=sa.String(length=64),
                                  existing_nullable=False)
            if table == 'reservations':
                batch_op.alter_column('moved_from', existing_type=sa.String(length=16),
                                      type_=sa.String(length=64), existing_nullable=True)
        op.create_index(f'ix_{table}_item_key', table, ['item_key'], unique=False)
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=40), type_=sa.String(length=64),
                              existing_nullable=False)


def downgrade() -> None:
    raise NotImplementedError("items of two centres may share a code now: there is no way back")
