"""events the platform refused one by one, kept aside with their reason

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'quarantined_events',
        sa.Column('kiosk_id', sa.String(length=64), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('event_id', sa.String(length=80), nullable=False),
        sa.Column('type', sa.String(length=80), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('raw', sa.Text(), nullable=False),
        sa.Column('received_at', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.kiosk_id']),
        sa.PrimaryKeyConstraint('kiosk_id', 'seq'),
    )


def downgrade() -> None:
    op.drop_table('quarantined_events')
