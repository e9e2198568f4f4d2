"""contact language: the language a family contact who never linked is written to (en or pl; null: English)

The route-planning import's optional carer1_language/carer2_language columns, an officer on the child's page,
or the carer's own choice once they link in Telegram.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('family_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('family_contacts', schema=None) as batch_op:
        batch_op.drop_column('language')
