"""incoming updates: each webhook update recorded durably, so replicas handle one chat's updates in order

The replica that receives an update inserts it (update_id unique: a redelivery changes nothing) and
answers 200; whichever replica holds the chat's PostgreSQL advisory lock then handles the chat's
unhandled rows in update_id order and marks each handled. Handled rows are deleted after a short
retention, and a carer's rows at once when they are erased.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('incoming_updates',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('received_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('handled_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('update_id')
    )
    with op.batch_alter_table('incoming_updates', schema=None) as batch_op:
        batch_op.create_index('ix_incoming_updates_chat_update', ['chat_id', 'update_id'], unique=False)
        batch_op.create_index('ix_incoming_updates_received_at', ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incoming_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_incoming_updates_received_at')
        batch_op.drop_index('ix_incoming_updates_chat_update')
    op.drop_table('incoming_updates')
