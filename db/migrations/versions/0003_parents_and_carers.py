"""parents and carers: linking, consent, conversations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:25:44
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('chat_throttles',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('window_started_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updates_in_window', sa.Integer(), nullable=False),
    sa.Column('has_warned', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('chat_id')
    )
    op.create_table('conversation_states',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id')
    )
    op.create_table('linking_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('failed_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locks_until', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('linking_failures', schema=None) as batch_op:
        batch_op.create_index('ix_linking_failures_chat_failed', ['chat_id', 'failed_at'], unique=False)

    op.create_table('consent_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('notice_version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('occurred_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['carer_id'], ['carers.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_events_carer_id'), ['carer_id'], unique=False)

    op.create_table('linking_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('max_carers', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('linking_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linking_codes_child_id'), ['child_id'], unique=False)

    op.create_table('linking_code_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('carer_id', sa.Integer(), nullable=False),
    sa.Column('used_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['carer_id'], ['carers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['code_id'], ['linking_codes.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_id', 'carer_id')
    )
    with op.batch_alter_table('linking_code_uses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linking_code_uses_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_linking_code_uses_code_id'), ['code_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('linking_code_uses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linking_code_uses_code_id'))
        batch_op.drop_index(batch_op.f('ix_linking_code_uses_carer_id'))

    op.drop_table('linking_code_uses')
    with op.batch_alter_table('linking_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linking_codes_child_id'))

    op.drop_table('linking_codes')
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_events_carer_id'))

    op.drop_table('consent_events')
    with op.batch_alter_table('linking_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_linking_failures_chat_failed')

    op.drop_table('linking_failures')
    op.drop_table('conversation_states')
    op.drop_table('chat_throttles')
