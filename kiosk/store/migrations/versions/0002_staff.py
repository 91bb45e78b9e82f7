"""staff accounts, the PIN keypad guard and inspection records

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('pin_hash', sa.String(length=200), nullable=False),
    sa.Column('card_hash', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('card_hash')
    )
    op.create_table('staff_pin_guard',
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('scope')
    )
    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=True),
    sa.Column('staff', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('parts_before', sa.Integer(), nullable=False),
    sa.Column('parts_after', sa.Integer(), nullable=False),
    sa.Column('parts_found', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_item_id'), ['item_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_item_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_at'))
    op.drop_table('inspections')
    op.drop_table('staff_pin_guard')
    op.drop_table('staff_accounts')
