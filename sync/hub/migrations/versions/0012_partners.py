"""partner API: partners (OAuth2 clients), consents, codes, tokens, webhooks, audit

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'partners',
        sa.Column('client_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('redirect_uris', sa.JSON(), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('quota_per_minute', sa.Integer(), nullable=False),
        sa.Column('webhook_url', sa.String(length=500), nullable=True),
        sa.Column('webhook_secret', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('revoked_at', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('client_id'),
    )
    op.create_table(
        'partner_grants',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('partner_id', sa.String(length=64), nullable=False),
        sa.Column('member_number', sa.String(length=16), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('granted_at', sa.String(length=32), nullable=False),
        sa.Column('revoked_at', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_partner_grants_partner_id', 'partner_grants', ['partner_id'])
    op.create_index('ix_partner_grants_member_number', 'partner_grants', ['member_number'])
    op.create_table(
        'oauth_codes',
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('partner_id', sa.String(length=64), nullable=False),
        sa.Column('member_number', sa.String(length=16), nullable=False),
        sa.Column('grant_id', sa.BigInteger(), nullable=False),
        sa.Column('redirect_uri', sa.String(length=500), nullable=False),
        sa.Column('scope', sa.String(length=200), nullable=False),
        sa.Column('code_challenge', sa.String(length=128), nullable=False),
        sa.Column('code_challenge_method', sa.String(length=8), nullable=False),
        sa.Column('expires_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('code_hash'),
    )
    op.create_table(
        'oauth_tokens',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('partner_id', sa.String(length=64), nullable=False),
        sa.Column('member_number', sa.String(length=16), nullable=True),
        sa.Column('grant_id', sa.BigInteger(), nullable=True),
        sa.Column('scope', sa.String(length=200), nullable=False),
        sa.Column('issued_at', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.String(length=32), nullable=False),
        sa.Column('revoked_at', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_oauth_tokens_partner_id', 'oauth_tokens', ['partner_id'])
    op.create_index('ix_oauth_tokens_grant_id', 'oauth_tokens', ['grant_id'])
    op.create_index('ix_oauth_tokens_expires_at', 'oauth_tokens', ['expires_at'])
    op.create_table(
        'partner_reservations',
        sa.Column('reservation_uid', sa.String(length=36), nullable=False),
        sa.Column('partner_id', sa.String(length=64), nullable=False),
        sa.Column('member_number', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('told_status', sa.String(length=16), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('reservation_uid'),
    )
    op.create_index('ix_partner_reservations_partner_id', 'partner_reservations', ['partner_id'])
    op.create_index('ix_partner_reservations_told_status', 'partner_reservations', ['told_status'])
    op.create_table(
        'partner_availability',
        sa.Column('item_key', sa.String(length=64), nullable=False),
        sa.Column('available', sa.Boolean(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('item_key'),
    )
    op.create_table(
        'webhook_events',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('partner_id', sa.String(length=64), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('delivered_at', sa.String(length=32), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id'),
        sa.UniqueConstraint('partner_id', 'subject', 'seq', name='uq_webhook_events_seq'),
    )
    op.create_index('ix_webhook_events_pending', 'webhook_events', ['partner_id', 'subject', 'delivered_at'])
    op.create_table(
        'partner_audit',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('at', sa.String(length=32), nullable=False),
        sa.Column('partner_id', sa.String(length=64), nullable=False),
        sa.Column('member_number', sa.String(length=16), nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=True),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_partner_audit_partner_id', 'partner_audit', ['partner_id'])


def downgrade() -> None:
    for table in ('partner_audit', 'webhook_events', 'partner_availability', 'partner_reservations',
                  'oauth_tokens', 'oauth_codes', 'partner_grants', 'partners'):
        op.drop_table(table)
