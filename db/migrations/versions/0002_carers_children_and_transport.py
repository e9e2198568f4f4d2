"""carers, children and transport

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:19:07.473550
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('carers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('pseudonym', sa.String(length=16), nullable=False),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('consent_notice_version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('consent_given_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('consent_withdrawn_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('quiet_hours_start', sa.Time(), nullable=True),
    sa.Column('quiet_hours_end', sa.Time(), nullable=True),
    sa.Column('muted_update_kinds', sa.JSON(), nullable=False),
    sa.Column('unreachable_since', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('unreachable_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('erased_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id'),
    sa.UniqueConstraint('pseudonym')
    )
    op.create_table('operators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('public_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('schools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schools_district'), ['district'], unique=False)

    op.create_table('routes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('is_suspended', sa.Boolean(), nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('routes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routes_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_routes_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_routes_school_id'), ['school_id'], unique=False)

    op.create_table('route_stops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('pickup_from', sa.Time(), nullable=False),
    sa.Column('pickup_to', sa.Time(), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['routes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('route_id', 'sequence')
    )
    with op.batch_alter_table('route_stops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_route_stops_route_id'), ['route_id'], unique=False)

    op.create_table('children',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_reference', sa.String(length=32), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=True),
    sa.Column('stop_id', sa.Integer(), nullable=True),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['routes.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], ),
    sa.ForeignKeyConstraint(['stop_id'], ['route_stops.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('council_reference')
    )
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_children_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_children_route_id'), ['route_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_children_school_id'), ['school_id'], unique=False)

    op.create_table('carer_child_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carer_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['carer_id'], ['carers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('carer_id', 'child_id')
    )
    with op.batch_alter_table('carer_child_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carer_child_links_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_carer_child_links_child_id'), ['child_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('carer_child_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carer_child_links_child_id'))
        batch_op.drop_index(batch_op.f('ix_carer_child_links_carer_id'))

    op.drop_table('carer_child_links')
    with op.batch_alter_table('children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_children_school_id'))
        batch_op.drop_index(batch_op.f('ix_children_route_id'))
        batch_op.drop_index(batch_op.f('ix_children_district'))

    op.drop_table('children')
    with op.batch_alter_table('route_stops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_route_stops_route_id'))

    op.drop_table('route_stops')
    with op.batch_alter_table('routes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routes_school_id'))
        batch_op.drop_index(batch_op.f('ix_routes_operator_id'))
        batch_op.drop_index(batch_op.f('ix_routes_district'))

    op.drop_table('routes')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schools_district'))

    op.drop_table('schools')
    op.drop_table('operators')
    op.drop_table('carers')
