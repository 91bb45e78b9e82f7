"""roles of platform accounts, sites' districts, administrators' sign-in sessions, fleet incidents

Administrators get a role: ``city`` (every site), ``district`` (the sites of one
of Seoul's 25 districts) or ``centre`` (one site). Every administrator who
existed before is a city administrator, as they could read everything then.
Sites get their district (NULL until set with ``nanum hub set-district``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    # Plain columns (a server default fills the rows there are): no table rebuild.
    op.add_column('sites', sa.Column('district', sa.String(length=16), nullable=True))
    op.create_index('ix_sites_district', 'sites', ['district'])
    op.add_column('administrators', sa.Column('role', sa.String(length=16), nullable=False,
                                              server_default='city'))
    op.add_column('administrators', sa.Column('district', sa.String(length=16), nullable=True))
    op.add_column('administrators', sa.Column('site', sa.String(length=32), nullable=True))
    op.create_table(
        'admin_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_admin_sessions_name', 'admin_sessions', ['name'])
    op.create_index('ix_admin_sessions_expires_at', 'admin_sessions', ['expires_at'])
    op.create_table(
        'fleet_incidents',
        sa.Column('id', BIG_ID, autoincrement=True, nullable=False),
        sa.Column('kiosk_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('opened_at', sa.String(length=32), nullable=False),
        sa.Column('closed_at', sa.String(length=32), nullable=True),
        sa.Column('queued_at', sa.String(length=32), nullable=True),
        sa.Column('notified_at', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_fleet_incidents_kiosk_id', 'fleet_incidents', ['kiosk_id'])
    op.create_index('ix_fleet_incidents_closed_at', 'fleet_incidents', ['closed_at'])
    op.create_index('ix_fleet_incidents_queued_at', 'fleet_incidents', ['queued_at'])


def downgrade() -> None:
    op.drop_table('fleet_incidents')
    op.drop_table('admin_sessions')
    with op.batch_alter_table('administrators', schema=None) as batch_op:
        batch_op.drop_column('site')
        batch_op.drop_column('district')
        batch_op.drop_column('role')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index('ix_sites_district')
        batch_op.drop_column('district')
