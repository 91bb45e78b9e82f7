"""each kiosk numbers its members in its own block

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kiosks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_block', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_kiosks_member_block', ['member_block'])
    # Kiosks registered before: blocks in the order they were registered (10, 11, ...; none starting with 9).
    bind = op.get_bind()
    kiosks = bind.execute(sa.text("SELECT kiosk_id FROM kiosks ORDER BY created_at, kiosk_id")).scalars().all()
    block = 10
    for kiosk_id in kiosks:
        while str(block).startswith("9"):
            block += 1
        bind.execute(sa.text("UPDATE kiosks SET member_block = :b WHERE kiosk_id = :k"),
                     {"b": block, "k": kiosk_id})
        block += 1


def downgrade() -> None:
    with op.batch_alter_table('kiosks', schema=None) as batch_op:
        batch_op.drop_constraint('uq_kiosks_member_block', type_='unique')
        batch_op.drop_column('member_block')
