"""which other centres' member cards each centre honours

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'card_policies',
        sa.Column('site', sa.String(length=32), nullable=False),
        sa.Column('honour', sa.String(length=8), nullable=False),
        sa.Column('sites', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['site'], ['sites.code']),
        sa.PrimaryKeyConstraint('site'),
    )


def downgrade() -> None:
    op.drop_table('card_policies')
