"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('closed_days',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('events',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('hlc', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('event_id'),
    sa.UniqueConstraint('kiosk_id', 'seq')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_type'), ['type'], unique=False)

    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=True),
    sa.Column('card_hash', sa.String(length=64), nullable=True),
    sa.Column('pin_hash', sa.String(length=200), nullable=True),
    sa.Column('member_type', sa.String(length=20), nullable=False),
    sa.Column('expires_on', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('large_text', sa.Boolean(), nullable=False),
    sa.Column('high_contrast', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('card_hash'),
    sa.UniqueConstraint('number')
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('sites',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name_ko', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('home_site', sa.String(length=32), nullable=False),
    sa.Column('age_min_months', sa.Integer(), nullable=True),
    sa.Column('age_max_months', sa.Integer(), nullable=True),
    sa.Column('safe_use_ko', sa.Text(), nullable=False),
    sa.Column('safe_use_en', sa.Text(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('replacement_value', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('held_for_member_id', sa.Integer(), nullable=True),
    sa.Column('hold_until', sa.String(length=10), nullable=True),
    sa.Column('photo', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['held_for_member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_status'), ['status'], unique=False)

    op.create_table('item_aliases',
    sa.Column('alias', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alias')
    )
    with op.batch_alter_table('item_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_aliases_item_id'), ['item_id'], unique=False)

    op.create_table('loans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('member_pseudonym', sa.String(length=32), nullable=True),
    sa.Column('member_type', sa.String(length=20), nullable=False),
    sa.Column('site', sa.String(length=32), nullable=False),
    sa.Column('checked_out_at', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.String(length=10), nullable=False),
    sa.Column('renewals', sa.Integer(), nullable=False),
    sa.Column('returned_at', sa.String(length=32), nullable=True),
    sa.Column('return_site', sa.String(length=32), nullable=True),
    sa.Column('parts_expected', sa.Integer(), nullable=True),
    sa.Column('parts_counted', sa.Integer(), nullable=True),
    sa.Column('condition', sa.String(length=16), nullable=True),
    sa.Column('return_note', sa.Text(), nullable=True),
    sa.Column('override_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uid')
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loans_checked_out_at'), ['checked_out_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_loans_open_due', ['due_on'], unique=False, sqlite_where=sa.text('returned_at IS NULL'))
        batch_op.create_index('uq_loans_open_item', ['item_id'], unique=True, sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))

    op.create_table('reservations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('hold_until', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uid')
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reservations_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_status'), ['status'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reservations_status'))
        batch_op.drop_index(batch_op.f('ix_reservations_member_id'))
        batch_op.drop_index(batch_op.f('ix_reservations_item_id'))

    op.drop_table('reservations')
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index('uq_loans_open_item', sqlite_where=sa.text('returned_at IS NULL'), postgresql_where=sa.text('returned_at IS NULL'))
        batch_op.drop_index('ix_loans_open_due', sqlite_where=sa.text('returned_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_loans_member_id'))
        batch_op.drop_index(batch_op.f('ix_loans_item_id'))
        batch_op.drop_index(batch_op.f('ix_loans_checked_out_at'))

    op.drop_table('loans')
    with op.batch_alter_table('item_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_aliases_item_id'))

    op.drop_table('item_aliases')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_status'))
        batch_op.drop_index(batch_op.f('ix_items_category'))

    op.drop_table('items')
    op.drop_table('sites')
    op.drop_table('settings')
    op.drop_table('members')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_type'))

    op.drop_table('events')
    op.drop_table('closed_days')

