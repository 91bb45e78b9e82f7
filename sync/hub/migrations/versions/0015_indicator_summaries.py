"""indicator summaries: monthly loan figures per site, distinct reach per month and stock, loan indexes

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'indicator_loans',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('site', sa.String(length=32), nullable=False),
        sa.Column('loans', sa.Integer(), nullable=False),
        sa.Column('returned', sa.Integer(), nullable=False),
        sa.Column('loan_days', sa.BigInteger(), nullable=False),
        sa.Column('avoided', sa.Integer(), nullable=False),
        sa.Column('avoided_won', sa.BigInteger(), nullable=False),
        sa.Column('waste_g', sa.BigInteger(), nullable=False),
        sa.Column('parts_lost', sa.Integer(), nullable=False),
        sa.Column('damaged', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'site'),
    )
    op.create_table(
        'indicator_reach',
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('member_type', sa.String(length=20), nullable=False),
        sa.Column('prev_month', sa.String(length=7), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'scope', 'month', 'member_type', 'prev_month'),
    )
    # The summaries are rebuilt from the loans: these make the rebuild read them in order.
    op.create_index('ix_loans_member_item', 'loans', ['member_number', 'item_key', 'checked_out_at'])
    op.create_index('ix_loans_checked_out_at', 'loans', ['checked_out_at'])


def downgrade() -> None:
    op.drop_index('ix_loans_checked_out_at', table_name='loans')
    op.drop_index('ix_loans_member_item', table_name='loans')
    op.drop_table('indicator_reach')
    op.drop_table('indicator_loans')
