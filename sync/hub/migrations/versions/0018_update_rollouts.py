"""update rollouts: staged updates of the kiosks in rings (sync.hub.rollout), and what
each kiosk's heartbeats told during one (new tables: nothing else changes)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'rollouts',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('previous_version', sa.String(length=40), nullable=True),
        sa.Column('canary_sites', sa.JSON(), nullable=False),
        sa.Column('districts', sa.JSON(), nullable=False),
        sa.Column('soak_hours', sa.Integer(), nullable=False),
        sa.Column('ring', sa.Integer(), nullable=False),
        sa.Column('ring_opened_at', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('history', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_rollouts_status', 'rollouts', ['status'])
    op.create_table(
        'rollout_kiosks',
        sa.Column('rollout_id', BIG_ID, nullable=False),
        sa.Column('kiosk_id', sa.String(length=64), nullable=False),
        sa.Column('on_since', sa.String(length=32), nullable=True),
        sa.Column('last_problem_at', sa.String(length=32), nullable=True),
        sa.Column('last_problem', sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint('rollout_id', 'kiosk_id'),
    )


def downgrade() -> None:
    op.drop_table('rollout_kiosks')
    op.drop_index('ix_rollouts_status', table_name='rollouts')
    op.drop_table('rollouts')
