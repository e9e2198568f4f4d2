"""broadcasts (staff ids kept as plain integers without a foreign key, like the audit trail)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 15:20:13.811496
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('template_text', sa.Text(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('audience_size_at_request', sa.Integer(), nullable=True),
    sa.Column('created_by_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('sent_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approval_requested_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('scheduled_for', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.create_index('ix_broadcasts_status', ['status', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_index('ix_broadcasts_status')

    op.drop_table('broadcasts')
