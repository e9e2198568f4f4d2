"""feedback place: the school, route and district of the carer's linked child when the feedback was given

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feedback_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('route_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('district', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('feedback_items', schema=None) as batch_op:
        batch_op.drop_column('district')
        batch_op.drop_column('route_code')
        batch_op.drop_column('school_code')
