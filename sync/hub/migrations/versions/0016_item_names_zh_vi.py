"""item names in Chinese and Vietnamese, optional (empty: the Korean name is shown)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Two columns with a default, no table rebuild, on PostgreSQL and SQLite alike.
    op.add_column('items', sa.Column('name_zh', sa.String(length=200), nullable=False, server_default=''))
    op.add_column('items', sa.Column('name_vi', sa.String(length=200), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('items') as batch:
        batch.drop_column('name_vi')
        batch.drop_column('name_zh')
