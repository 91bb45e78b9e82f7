"""items returned at a centre that is not their home, travelling home

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'transfers',
        sa.Column('uid', sa.String(length=36), nullable=False),
        sa.Column('item_key', sa.String(length=64), nullable=False),
        sa.Column('from_site', sa.String(length=32), nullable=False),
        sa.Column('to_site', sa.String(length=32), nullable=False),
        sa.Column('loan_uid', sa.String(length=36), nullable=True),
        sa.Column('kiosk_id', sa.String(length=64), nullable=True),
        sa.Column('started_at', sa.String(length=32), nullable=True),
        sa.Column('received_at', sa.String(length=32), nullable=True),
        sa.Column('parts_expected', sa.Integer(), nullable=True),
        sa.Column('parts_counted', sa.Integer(), nullable=True),
        sa.Column('condition', sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint('uid'),
    )
    op.create_index('ix_transfers_item_key', 'transfers', ['item_key'])
    op.create_index('ix_transfers_from_site', 'transfers', ['from_site'])
    op.create_index('ix_transfers_to_site', 'transfers', ['to_site'])


def downgrade() -> None:
    op.drop_table('transfers')
