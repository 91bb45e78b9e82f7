"""administrators: tokens (stored hashed) for the platform's administrative API

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('administrators',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('revoked_at', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('name'),
    sa.UniqueConstraint('token_hash')
    )


def downgrade() -> None:
    op.drop_table('administrators')
