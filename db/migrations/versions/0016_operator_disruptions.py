"""operator disruptions: operators as users, their reports, who was told, and change drafts (issue 14)

staff_users and api_tokens gain operator_id (set only for the operator role); operator_disruptions
keeps every report with its timings; operator_disruption_notices names each carer told and how;
transport_change_drafts holds the change an officer confirms, edits or rejects before families hear;
problem_reports gains operator_disruption_id, the operator's report a family's problem was linked to.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('operator_disruptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('run', sa.String(length=16), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('minutes_late', sa.Integer(), nullable=True),
    sa.Column('staff_changed', sa.String(length=32), nullable=True),
    sa.Column('new_staff_first_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('from_date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('collapsed_into_id', sa.Integer(), nullable=True),
    sa.Column('reported_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('reported_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('families_told_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('carers_told', sa.Integer(), nullable=False),
    sa.Column('duty_paged_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('corrected_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.ForeignKeyConstraint(['collapsed_into_id'], ['operator_disruptions.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.ForeignKeyConstraint(['route_id'], ['routes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('operator_disruptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operator_disruptions_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operator_disruptions_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index('ix_operator_disruptions_route_run', ['route_id', 'run_date', 'run'], unique=False)

    op.create_table('operator_disruption_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disruption_id', sa.Integer(), nullable=False),
    sa.Column('carer_id', sa.Integer(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('child_ids', sa.JSON(), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('queued_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['carer_id'], ['carers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['disruption_id'], ['operator_disruptions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('disruption_id', 'carer_id', 'step')
    )
    with op.batch_alter_table('operator_disruption_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operator_disruption_notices_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operator_disruption_notices_disruption_id'), ['disruption_id'], unique=False)

    op.create_table('transport_change_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disruption_id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_until', sa.Date(), nullable=True),
    sa.Column('new_value', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['change_id'], ['transport_changes.id'], ),
    sa.ForeignKeyConstraint(['disruption_id'], ['operator_disruptions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['route_id'], ['routes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('disruption_id')
    )
    with op.batch_alter_table('transport_change_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_change_drafts_status'), ['status'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_tokens_operator_id'), ['operator_id'], unique=False)
        batch_op.create_foreign_key('fk_api_tokens_operator_id_operators', 'operators', ['operator_id'], ['id'])

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_staff_users_operator_id'), ['operator_id'], unique=False)
        batch_op.create_foreign_key('fk_staff_users_operator_id_operators', 'operators', ['operator_id'], ['id'])



    with op.batch_alter_table('problem_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator_disruption_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_problem_reports_operator_disruption_id_operator_disruptions', 'operator_disruptions',
            ['operator_disruption_id'], ['id'], ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('problem_reports', schema=None) as batch_op:
        batch_op.drop_constraint('fk_problem_reports_operator_disruption_id_operator_disruptions', type_='foreignkey')
        batch_op.drop_column('operator_disruption_id')

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_constraint('fk_staff_users_operator_id_operators', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_staff_users_operator_id'))
        batch_op.drop_column('operator_id')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint('fk_api_tokens_operator_id_operators', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_tokens_operator_id'))
        batch_op.drop_column('operator_id')

    with op.batch_alter_table('transport_change_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transport_change_drafts_status'))

    op.drop_table('transport_change_drafts')
    with op.batch_alter_table('operator_disruption_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operator_disruption_notices_disruption_id'))
        batch_op.drop_index(batch_op.f('ix_operator_disruption_notices_carer_id'))

    op.drop_table('operator_disruption_notices')
    with op.batch_alter_table('operator_disruptions', schema=None) as batch_op:
        batch_op.drop_index('ix_operator_disruptions_route_run')
        batch_op.drop_index(batch_op.f('ix_operator_disruptions_reported_at'))
        batch_op.drop_index(batch_op.f('ix_operator_disruptions_operator_id'))

    op.drop_table('operator_disruptions')
