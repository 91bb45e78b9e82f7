"""notices that reach residents: contacts with consent, deliveries, the job queue

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notice_contacts',
        sa.Column('member_number', sa.String(length=16), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('email_consent_at', sa.String(length=32), nullable=True),
        sa.Column('phone', sa.String(length=11), nullable=True),
        sa.Column('sms_consent_at', sa.String(length=32), nullable=True),
        sa.Column('consent_version', sa.String(length=16), nullable=False),
        sa.Column('updated_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('member_number'),
    )
    op.create_table(
        'notice_deliveries',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True,
                  nullable=False),
        sa.Column('notice_id', sa.BigInteger(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('sent_at', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index('ix_notice_deliveries_notice_id', 'notice_deliveries', ['notice_id'])
    op.create_index('ix_notice_deliveries_status', 'notice_deliveries', ['status'])
    op.add_column('notices', sa.Column('queued_at', sa.String(length=32), nullable=True))
    # Notices written before delivery existed are history: never sent now, months late.
    op.execute("UPDATE notices SET queued_at = created_at")
    op.create_index('ix_notices_queued_at', 'notices', ['queued_at'])
    if op.get_bind().dialect.name == 'postgresql':
        # The job queue's own tables and functions (procrastinate), beside ours.
        from procrastinate.schema import SchemaManager

        # Through the driver's own cursor: the schema's functions contain '%', which a
        # statement with parameters would take for placeholders.
        cursor = op.get_bind().connection.cursor()
        cursor.execute(SchemaManager.get_schema())


def downgrade() -> None:
    op.drop_index('ix_notices_queued_at', table_name='notices')
    with op.batch_alter_table('notices') as batch:
        batch.drop_column('queued_at')
    op.drop_table('notice_deliveries')
    op.drop_table('notice_contacts')
