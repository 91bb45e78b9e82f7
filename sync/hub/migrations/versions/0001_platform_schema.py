"""platform schema: sites, kiosks, events, catalogue, members, loans,
reservations, closed days, the change feed, conflicts and notices

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


def _txid_default() -> sa.TextClause:
    # On PostgreSQL each change row records the id of the transaction that wrote
    # it; pullers compare it with pg_snapshot_xmin() so late commits are never
    # skipped. SQLite has one writer, so commit order is id order there.
    if op.get_bind().dialect.name == "postgresql":
        return sa.text("(pg_current_xact_id()::text::bigint)")
    return sa.text("0")


def upgrade() -> None:
    op.create_table('changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('txid', sa.BigInteger(), server_default=_txid_default(), nullable=False),
    sa.Column('site', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index('ix_changes_key', ['kind', 'key', 'site'], unique=False)
        batch_op.create_index('ix_changes_position', ['site', 'txid', 'id'], unique=False)

    op.create_table('closed_days',
    sa.Column('site', sa.String(length=32), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('site', 'day')
    )
    op.create_table('conflicts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=True),
    sa.Column('event_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflicts_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflicts_kiosk_id'), ['kiosk_id'], unique=False)

    op.create_table('items',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name_ko', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('home_site', sa.String(length=32), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('replacement_value', sa.Integer(), nullable=False),
    sa.Column('age_min_months', sa.Integer(), nullable=True),
    sa.Column('age_max_months', sa.Integer(), nullable=True),
    sa.Column('safe_use_ko', sa.Text(), nullable=False),
    sa.Column('safe_use_en', sa.Text(), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('location', sa.String(length=32), nullable=False),
    sa.Column('origin', sa.String(length=80), nullable=False),
    sa.Column('updated_hlc', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_home_site'), ['home_site'], unique=False)

    op.create_table('loans',
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('member_number', sa.String(length=16), nullable=True),
    sa.Column('member_type', sa.String(length=20), nullable=True),
    sa.Column('site', sa.String(length=32), nullable=True),
    sa.Column('kiosk_id', sa.String(length=64), nullable=True),
    sa.Column('checked_out_at', sa.String(length=32), nullable=True),
    sa.Column('checkout_hlc', sa.String(length=32), nullable=True),
    sa.Column('due_on', sa.String(length=10), nullable=True),
    sa.Column('renewals', sa.Integer(), nullable=False),
    sa.Column('returned_at', sa.String(length=32), nullable=True),
    sa.Column('return_site', sa.String(length=32), nullable=True),
    sa.Column('condition', sa.String(length=16), nullable=True),
    sa.Column('transfer', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('uid')
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loans_item_code'), ['item_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_member_number'), ['member_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_site'), ['site'], unique=False)

    op.create_table('members',
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('home_site', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=True),
    sa.Column('card_hash', sa.String(length=64), nullable=True),
    sa.Column('pin_hash', sa.String(length=200), nullable=True),
    sa.Column('member_type', sa.String(length=20), nullable=False),
    sa.Column('expires_on', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('origin', sa.String(length=80), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('updated_hlc', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('number'),
    sa.UniqueConstraint('card_hash')
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_home_site'), ['home_site'], unique=False)

    op.create_table('meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('notices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('member_number', sa.String(length=16), nullable=False),
    sa.Column('reservation_uid', sa.String(length=36), nullable=True),
    sa.Column('msgid', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_member_number'), ['member_number'], unique=False)

    op.create_table('reservations',
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('member_number', sa.String(length=16), nullable=False),
    sa.Column('site', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('hold_until', sa.String(length=10), nullable=True),
    sa.Column('accepted_at', sa.String(length=32), nullable=True),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.Column('moved_from', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('uid')
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reservations_item_code'), ['item_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_member_number'), ['member_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_site'), ['site'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_status'), ['status'], unique=False)

    op.create_table('sites',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('kiosks',
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('site', sa.String(length=32), nullable=False),
    sa.Column('credential_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('revoked_at', sa.String(length=32), nullable=True),
    sa.Column('held_seq', sa.BigInteger(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('last_push_at', sa.String(length=32), nullable=True),
    sa.Column('last_seen_at', sa.String(length=32), nullable=True),
    sa.Column('heartbeat', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['site'], ['sites.code'], ),
    sa.PrimaryKeyConstraint('kiosk_id'),
    sa.UniqueConstraint('credential_hash')
    )
    with op.batch_alter_table('kiosks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosks_site'), ['site'], unique=False)

    op.create_table('events',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('kiosk_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('hlc', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.kiosk_id'], ),
    sa.PrimaryKeyConstraint('event_id'),
    sa.UniqueConstraint('kiosk_id', 'seq', name='uq_events_kiosk_seq')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_type'), ['type'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_type'))

    op.drop_table('events')
    with op.batch_alter_table('kiosks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosks_site'))

    op.drop_table('kiosks')
    op.drop_table('sites')
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reservations_status'))
        batch_op.drop_index(batch_op.f('ix_reservations_site'))
        batch_op.drop_index(batch_op.f('ix_reservations_member_number'))
        batch_op.drop_index(batch_op.f('ix_reservations_item_code'))

    op.drop_table('reservations')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_member_number'))

    op.drop_table('notices')
    op.drop_table('meta')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_home_site'))

    op.drop_table('members')
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loans_site'))
        batch_op.drop_index(batch_op.f('ix_loans_member_number'))
        batch_op.drop_index(batch_op.f('ix_loans_item_code'))

    op.drop_table('loans')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_home_site'))

    op.drop_table('items')
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conflicts_kiosk_id'))
        batch_op.drop_index(batch_op.f('ix_conflicts_kind'))

    op.drop_table('conflicts')
    op.drop_table('closed_days')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index('ix_changes_position')
        batch_op.drop_index('ix_changes_key')

    op.drop_table('changes')
