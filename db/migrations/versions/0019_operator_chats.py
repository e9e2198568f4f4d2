"""operator chats: one-time codes that link an operator's Telegram chat, and the linked chats (issue 14)

operator_chat_codes keeps the hash of each one-time code an officer or the operator's own account
made, who made it and when it was used; operator_chats names each linked chat, its operator and the
report being built with the bot's buttons.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('operator_chat_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    op.create_index(op.f('ix_operator_chat_codes_operator_id'), 'operator_chat_codes', ['operator_id'], unique=False)
    op.create_table('operator_chats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=True),
    sa.Column('linked_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['operator_chat_codes.id'], ),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id')
    )
    op.create_index(op.f('ix_operator_chats_operator_id'), 'operator_chats', ['operator_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_operator_chats_operator_id'), table_name='operator_chats')
    op.drop_table('operator_chats')
    op.drop_index(op.f('ix_operator_chat_codes_operator_id'), table_name='operator_chat_codes')
    op.drop_table('operator_chat_codes')
