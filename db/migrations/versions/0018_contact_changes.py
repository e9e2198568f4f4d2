"""contact changes: who changed a family's contact details, per channel, under which privacy notice

family_contacts gains changed_by/changed_at (details a carer or officer changed in Carerline, which the import
then leaves alone); contact_changes is the consent record per channel (no number, email or address in it).

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('family_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_by', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('changed_at', db.types.UTCDateTime(timezone=True), nullable=True))

    op.create_table('contact_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('carer_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('notice_version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('occurred_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['carer_id'], ['carers.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['family_contacts.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contact_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_changes_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_changes_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_changes_contact_id'), ['contact_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contact_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_changes_contact_id'))
        batch_op.drop_index(batch_op.f('ix_contact_changes_child_id'))
        batch_op.drop_index(batch_op.f('ix_contact_changes_carer_id'))
    op.drop_table('contact_changes')
    with op.batch_alter_table('family_contacts', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
        batch_op.drop_column('changed_by')
