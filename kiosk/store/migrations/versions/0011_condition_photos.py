"""condition photos: which stored photo shows which loan, at its checkout or its return
(a new table: every row stays)

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
        'condition_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('loan_uid', sa.String(length=36), nullable=True),
        sa.Column('photo', sa.String(length=80), nullable=False),
        sa.Column('taken_at', sa.String(length=32), nullable=False),
        sa.Column('faces_blurred', sa.Integer(), nullable=False),
        sa.Column('moment', sa.String(length=8), server_default='return', nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['items.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_condition_photos_item_id', 'condition_photos', ['item_id'])
    op.create_index('ix_condition_photos_loan_uid', 'condition_photos', ['loan_uid'])
    op.create_index('ix_condition_photos_taken_at', 'condition_photos', ['taken_at'])


def downgrade() -> None:
    op.drop_table('condition_photos')
