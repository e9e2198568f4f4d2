"""outbox changes and applications

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:17:13.474879
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('chat_delivery_states',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('next_send_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id')
    )
    op.create_table('delivery_rate_buckets',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('next_slot_at_s', sa.Float(), nullable=False),
    sa.Column('paused_until_s', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=160), nullable=False),
    sa.Column('carer_id', sa.Integer(), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('update_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('source_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('reply_markup', sa.Text(), nullable=True),
    sa.Column('is_urgent', sa.Boolean(), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('must_send', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('queued_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('not_before', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sending_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failed_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('skipped_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('is_in_doubt', sa.Boolean(), nullable=False),
    sa.Column('probe_from_message_id', sa.BigInteger(), nullable=True),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('lease_expires_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('telegram_message_id', sa.BigInteger(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.ForeignKeyConstraint(['carer_id'], ['carers.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_messages_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index('ix_outbox_messages_claim_order', ['state', 'priority', 'not_before', 'id'], unique=False)
        batch_op.create_index('ix_outbox_messages_source', ['source_type', 'source_id'], unique=False)

    op.create_table('transport_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('stop_id', sa.Integer(), nullable=True),
    sa.Column('old_value', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('new_value', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_until', sa.Date(), nullable=True),
    sa.Column('effective_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_urgent', sa.Boolean(), nullable=False),
    sa.Column('must_send', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('recorded_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notices_queued_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.ForeignKeyConstraint(['route_id'], ['routes.id'], ),
    sa.ForeignKeyConstraint(['stop_id'], ['route_stops.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('transport_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_changes_effective_at'), ['effective_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_changes_route_id'), ['route_id'], unique=False)

    op.create_table('change_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('carer_id', sa.Integer(), nullable=False),
    sa.Column('child_ids', sa.JSON(), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('reminder_outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('queued_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['carer_id'], ['carers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['change_id'], ['transport_changes.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_messages.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reminder_outbox_message_id'], ['outbox_messages.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('change_id', 'carer_id')
    )
    with op.batch_alter_table('change_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_notices_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_notices_change_id'), ['change_id'], unique=False)

    op.create_table('htst_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('stage_changed_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('htst_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_htst_applications_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_htst_applications_stage'), ['stage'], unique=False)

    op.create_table('transport_change_children',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['transport_changes.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('change_id', 'child_id')
    )
    with op.batch_alter_table('transport_change_children', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_change_children_change_id'), ['change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_change_children_child_id'), ['child_id'], unique=False)

    op.create_table('htst_application_stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('changed_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note_for_family', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['htst_applications.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('htst_application_stage_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_htst_application_stage_changes_application_id'), ['application_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('htst_application_stage_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_htst_application_stage_changes_application_id'))

    op.drop_table('htst_application_stage_changes')
    with op.batch_alter_table('transport_change_children', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transport_change_children_child_id'))
        batch_op.drop_index(batch_op.f('ix_transport_change_children_change_id'))

    op.drop_table('transport_change_children')
    with op.batch_alter_table('htst_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_htst_applications_stage'))
        batch_op.drop_index(batch_op.f('ix_htst_applications_child_id'))

    op.drop_table('htst_applications')
    with op.batch_alter_table('change_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_notices_change_id'))
        batch_op.drop_index(batch_op.f('ix_change_notices_carer_id'))

    op.drop_table('change_notices')
    with op.batch_alter_table('transport_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transport_changes_route_id'))
        batch_op.drop_index(batch_op.f('ix_transport_changes_effective_at'))

    op.drop_table('transport_changes')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_source')
        batch_op.drop_index('ix_outbox_messages_claim_order')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_chat_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_carer_id'))

    op.drop_table('outbox_messages')
    op.drop_table('delivery_rate_buckets')
    op.drop_table('chat_delivery_states')
