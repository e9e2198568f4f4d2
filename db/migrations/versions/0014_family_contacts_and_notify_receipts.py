"""family contacts and notify receipts: carers' contact details from the import; Notify's receipts and received texts

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('family_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('mobile_e164', sa.String(length=16), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('preferred_channel', sa.String(length=16), nullable=True),
    sa.Column('postal_address', sa.Text(), nullable=True),
    sa.Column('carer_id', sa.Integer(), nullable=True),
    sa.Column('erased_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['carer_id'], ['carers.id'], ),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('child_id', 'position')
    )
    with op.batch_alter_table('family_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_contacts_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_contacts_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_contacts_mobile_e164'), ['mobile_e164'], unique=False)

    op.create_table('notify_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notify_id', sa.String(length=36), nullable=False),
    sa.Column('reference', sa.String(length=255), nullable=True),
    sa.Column('notification_type', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('template_id', sa.String(length=36), nullable=True),
    sa.Column('template_version', sa.Integer(), nullable=True),
    sa.Column('notify_created_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('notify_id')
    )
    with op.batch_alter_table('notify_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_receipts_reference'), ['reference'], unique=False)

    op.create_table('notify_inbound_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notify_id', sa.String(length=36), nullable=False),
    sa.Column('source_number', sa.String(length=20), nullable=False),
    sa.Column('destination_number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('date_received', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('notify_id')
    )
    with op.batch_alter_table('notify_inbound_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_inbound_texts_source_number'), ['source_number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notify_inbound_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_inbound_texts_source_number'))
    op.drop_table('notify_inbound_texts')
    with op.batch_alter_table('notify_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_receipts_reference'))
    op.drop_table('notify_receipts')
    with op.batch_alter_table('family_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_contacts_mobile_e164'))
        batch_op.drop_index(batch_op.f('ix_family_contacts_child_id'))
        batch_op.drop_index(batch_op.f('ix_family_contacts_carer_id'))
    op.drop_table('family_contacts')
