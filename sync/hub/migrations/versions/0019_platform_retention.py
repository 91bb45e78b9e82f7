"""platform retention: returned loans past the retention period keep a keyed pseudonym
of their member and the member's home centre instead of the number; each centre's
policy for inactive members; when members last signed in and were asked to re-consent
(sync.hub.retention). Every row stays.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('loans') as batch:
        batch.add_column(sa.Column('member_pseudonym', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('member_site', sa.String(length=32), nullable=True))
    op.create_table(
        'retention_policies',
        sa.Column('site', sa.String(length=32), sa.ForeignKey('sites.code'), nullable=False),
        sa.Column('inactive', sa.String(length=16), nullable=False),
        sa.Column('months', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('site'),
    )
    op.create_table(
        'member_activity',
        sa.Column('member_number', sa.String(length=16), nullable=False),
        sa.Column('signed_in_at', sa.String(length=32), nullable=True),
        sa.Column('asked_at', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('member_number'),
    )


def downgrade() -> None:
    op.drop_table('member_activity')
    op.drop_table('retention_policies')
    with op.batch_alter_table('loans') as batch:
        batch.drop_column('member_site')
        batch.drop_column('member_pseudonym')
