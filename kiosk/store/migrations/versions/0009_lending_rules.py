"""lending rules: membership fees and exemptions, deposits, qualifications,
maintenance schedules and tasks, demand (new tables only: every row stays)

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
        'fee_plans',
        sa.Column('member_type', sa.String(length=20), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('period_months', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('member_type'),
    )
    op.create_table(
        'member_fees',
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('paid_until', sa.String(length=10), nullable=True),
        sa.Column('exempt_reason', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('member_id'),
    )
    op.create_table(
        'fee_payments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=36), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=False),
        sa.Column('paid_at', sa.String(length=32), nullable=False),
        sa.Column('paid_until', sa.String(length=10), nullable=False),
        sa.Column('staff', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uid'),
    )
    op.create_index('ix_fee_payments_member_id', 'fee_payments', ['member_id'])
    op.create_table(
        'item_rules',
        sa.Column('scope', sa.String(length=60), nullable=False),
        sa.Column('deposit', sa.Integer(), nullable=False),
        sa.Column('qualification', sa.String(length=60), nullable=False),
        sa.Column('adults_only', sa.Boolean(), nullable=False),
        sa.Column('min_membership_months', sa.Integer(), nullable=False),
        sa.Column('every_loans', sa.Integer(), nullable=False),
        sa.Column('every_days', sa.Integer(), nullable=False),
        sa.Column('battery_weeks', sa.Integer(), nullable=False),
        sa.Column('task', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('scope'),
    )
    op.create_table(
        'deposits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=36), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('loan_uid', sa.String(length=36), nullable=True),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('taken_at', sa.String(length=32), nullable=False),
        sa.Column('taken_by', sa.String(length=100), nullable=False),
        sa.Column('settled_at', sa.String(length=32), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('settled_by', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['items.id']),
        sa.ForeignKeyConstraint(['member_id'], ['members.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uid'),
    )
    op.create_index('ix_deposits_item_id', 'deposits', ['item_id'])
    op.create_index('ix_deposits_settled_at', 'deposits', ['settled_at'])
    op.create_table(
        'qualifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('obtained_on', sa.String(length=10), nullable=False),
        sa.Column('expires_on', sa.String(length=10), nullable=True),
        sa.Column('recorded_by', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('member_id', 'name', name='uq_qualifications_member_name'),
    )
    op.create_index('ix_qualifications_member_id', 'qualifications', ['member_id'])
    op.create_table(
        'maintenance_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('task', sa.String(length=200), nullable=False),
        sa.Column('due_at', sa.String(length=32), nullable=False),
        sa.Column('done_at', sa.String(length=32), nullable=True),
        sa.Column('done_by', sa.String(length=100), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['items.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_maintenance_tasks_item_id', 'maintenance_tasks', ['item_id'])
    op.create_table(
        'demand',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('at', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['items.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_demand_item_id', 'demand', ['item_id'])
    op.create_index('ix_demand_category', 'demand', ['category'])
    op.create_index('ix_demand_at', 'demand', ['at'])


def downgrade() -> None:
    for table in ('demand', 'maintenance_tasks', 'qualifications', 'deposits', 'item_rules',
                  'fee_payments', 'member_fees', 'fee_plans'):
        op.drop_table(table)
