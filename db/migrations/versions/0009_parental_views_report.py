"""parental views report: "You said, we did" rows and PACT commentary per academic year

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pact_commentaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('academic_year', sa.String(length=7), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('written_by_label', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('written_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('academic_year')
    )
    op.create_table('you_said_we_did',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('academic_year', sa.String(length=7), nullable=False),
    sa.Column('you_said', sa.Text(), nullable=False),
    sa.Column('we_did', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('written_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('written_by_label', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('written_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('you_said_we_did', schema=None) as batch_op:
        batch_op.create_index('ix_you_said_we_did_year', ['academic_year', 'position'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('you_said_we_did', schema=None) as batch_op:
        batch_op.drop_index('ix_you_said_we_did_year')

    op.drop_table('you_said_we_did')
    op.drop_table('pact_commentaries')
