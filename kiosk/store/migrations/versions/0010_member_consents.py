"""member consents: the sign-up consent's version and date, a guardian's consent
for a member under 14 (a new table: every row stays; contacts are encrypted on
the first start, when the key file outside the database is at hand)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'member_consents',
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=16), nullable=False),
        sa.Column('agreed_at', sa.String(length=32), nullable=False),
        sa.Column('child', sa.Boolean(), nullable=False),
        sa.Column('guardian_name', sa.String(length=100), nullable=True),
        sa.Column('guardian_relation', sa.String(length=20), nullable=True),
        sa.Column('guardian_agreed_on', sa.String(length=10), nullable=True),
        sa.Column('recorded_by', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('member_id'),
    )


def downgrade() -> None:
    op.drop_table('member_consents')
