"""wrong member PINs counted per membership number and place

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
    op.create_table('pin_throttle',
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('subject', 'address')
    )


def downgrade() -> None:
    op.drop_table('pin_throttle')
