"""residents signed in on the platform's pages

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'resident_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('member_number', sa.String(length=16), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_resident_sessions_member_number', 'resident_sessions', ['member_number'])
    op.create_index('ix_resident_sessions_expires_at', 'resident_sessions', ['expires_at'])


def downgrade() -> None:
    op.drop_table('resident_sessions')
