"""item photos kiosks upload, shown on the public item page

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'item_photos',
        sa.Column('item_key', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=68), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('kiosk_id', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['item_key'], ['items.key'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_key'),
    )
    with op.batch_alter_table('item_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_photos_name'), ['name'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('item_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_photos_name'))
    op.drop_table('item_photos')
