"""notify delivery: outbox rows on a channel with a fallback plan; notices for families who never linked

outbox_messages gains the channel (telegram, sms, email, letter), the family contact a Notify row goes to,
the notice key its fallback rows share, the channels still held and the notice rendered for them, the
email subject, the acknowledgement link's expiry and Notify's id and latest receipt; the claim index leads
with the channel. change_notices and operator_disruption_notices may name a family contact instead of a carer.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=8), server_default='telegram', nullable=False))
        batch_op.add_column(sa.Column('family_contact_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notice_key', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('fallback_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('channel_plan', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('fallback_texts', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('fallback_queued_at', db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('subject', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('ack_expires_at', db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('notify_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('notify_status', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('notify_status_at', db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_outbox_messages_family_contact_id', 'family_contacts', ['family_contact_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key('fk_outbox_messages_fallback_of_id', 'outbox_messages', ['fallback_of_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_outbox_messages_family_contact_id'), ['family_contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_notice_key'), ['notice_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_fallback_of_id'), ['fallback_of_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_notify_id'), ['notify_id'], unique=False)
        batch_op.drop_index('ix_outbox_messages_claim_order')
        batch_op.create_index('ix_outbox_messages_claim_order', ['channel', 'state', 'priority', 'not_before', 'id'],
                              unique=False)

    with op.batch_alter_table('change_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('family_contact_id', sa.Integer(), nullable=True))
        batch_op.alter_column('carer_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key('fk_change_notices_family_contact_id', 'family_contacts', ['family_contact_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_change_notices_family_contact_id'), ['family_contact_id'], unique=False)
        batch_op.create_unique_constraint('uq_change_notices_change_id_family_contact_id', ['change_id', 'family_contact_id'])

    with op.batch_alter_table('operator_disruption_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('family_contact_id', sa.Integer(), nullable=True))
        batch_op.alter_column('carer_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key('fk_operator_disruption_notices_family_contact_id', 'family_contacts',
                                    ['family_contact_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_operator_disruption_notices_family_contact_id'), ['family_contact_id'],
                              unique=False)
        batch_op.create_unique_constraint('uq_operator_disruption_notices_disruption_contact_step',
                                          ['disruption_id', 'family_contact_id', 'step'])


def downgrade() -> None:
    with op.batch_alter_table('operator_disruption_notices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_operator_disruption_notices_disruption_contact_step', type_='unique')
        batch_op.drop_index(batch_op.f('ix_operator_disruption_notices_family_contact_id'))
        batch_op.drop_constraint('fk_operator_disruption_notices_family_contact_id', type_='foreignkey')
        batch_op.alter_column('carer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('family_contact_id')

    with op.batch_alter_table('change_notices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_change_notices_change_id_family_contact_id', type_='unique')
        batch_op.drop_index(batch_op.f('ix_change_notices_family_contact_id'))
        batch_op.drop_constraint('fk_change_notices_family_contact_id', type_='foreignkey')
        batch_op.alter_column('carer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('family_contact_id')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_claim_order')
        batch_op.create_index('ix_outbox_messages_claim_order', ['state', 'priority', 'not_before', 'id'], unique=False)
        for name in ('notify_id', 'fallback_of_id', 'notice_key', 'family_contact_id'):
            batch_op.drop_index(batch_op.f(f'ix_outbox_messages_{name}'))
        batch_op.drop_constraint('fk_outbox_messages_fallback_of_id', type_='foreignkey')
        batch_op.drop_constraint('fk_outbox_messages_family_contact_id', type_='foreignkey')
        for name in ('notify_status_at', 'notify_status', 'notify_id', 'ack_expires_at', 'subject', 'fallback_queued_at',
                     'fallback_texts', 'channel_plan', 'fallback_of_id', 'notice_key', 'family_contact_id', 'channel'):
            batch_op.drop_column(name)
