"""member lifecycle: administrators' views of personal data logged, notice contacts
encrypted at rest (the columns widen to hold ciphertext; existing addresses are
encrypted here with the key file outside the database). Every row stays.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'personal_data_views',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('member_number', sa.String(length=16), nullable=False),
        sa.Column('viewer', sa.String(length=100), nullable=False),
        sa.Column('at', sa.String(length=32), nullable=False),
        sa.Column('why', sa.String(length=200), nullable=False),
        sa.Column('what', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_personal_data_views_member_number', 'personal_data_views', ['member_number'])
    with op.batch_alter_table('notice_contacts') as batch:
        batch.alter_column('email', type_=sa.Text(), existing_nullable=True)
        batch.alter_column('phone', type_=sa.Text(), existing_nullable=True)
    from sync.hub.lifecycle import contact_key

    key = contact_key()
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT member_number, email, phone FROM notice_contacts")).all()
    for number, email, phone in rows:
        conn.execute(sa.text("UPDATE notice_contacts SET email = :e, phone = :p WHERE member_number = :n"),
                     {"e": key.seal(email), "p": key.seal(phone), "n": number})


def downgrade() -> None:
    from sync.hub.lifecycle import contact_key

    key = contact_key()
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT member_number, email, phone FROM notice_contacts")).all()
    for number, email, phone in rows:
        conn.execute(sa.text("UPDATE notice_contacts SET email = :e, phone = :p WHERE member_number = :n"),
                     {"e": key.open(email), "p": key.open(phone), "n": number})
    with op.batch_alter_table('notice_contacts') as batch:
        batch.alter_column('email', type_=sa.String(length=254), existing_nullable=True)
        batch.alter_column('phone', type_=sa.String(length=11), existing_nullable=True)
    op.drop_index('ix_personal_data_views_member_number', table_name='personal_data_views')
    op.drop_table('personal_data_views')
