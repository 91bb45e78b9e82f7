"""member cards on residents' phones: the hash the platform shares

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
    # A column and a unique index, no table rebuild: a member with no phone card has NULL.
    op.add_column('members', sa.Column('phone_card_hash', sa.String(length=64), nullable=True))
    op.create_index('ix_members_phone_card_hash', 'members', ['phone_card_hash'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_members_phone_card_hash', table_name='members')
    with op.batch_alter_table('members') as batch:
        batch.drop_column('phone_card_hash')
