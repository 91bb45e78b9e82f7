"""items returned at a centre that is not their home, on their way home

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'transfers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=36), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('from_site', sa.String(length=32), nullable=False),
        sa.Column('to_site', sa.String(length=32), nullable=False),
        sa.Column('loan_uid', sa.String(length=36), nullable=True),
        sa.Column('started_at', sa.String(length=32), nullable=False),
        sa.Column('received_at', sa.String(length=32), nullable=True),
        sa.Column('parts_expected', sa.Integer(), nullable=True),
        sa.Column('parts_counted', sa.Integer(), nullable=True),
        sa.Column('condition', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['items.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uid'),
    )
    op.create_index('ix_transfers_item_id', 'transfers', ['item_id'])
    op.create_index('ix_transfers_received_at', 'transfers', ['received_at'])


def downgrade() -> None:
    op.drop_table('transfers')
