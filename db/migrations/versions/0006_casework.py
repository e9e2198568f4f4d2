"""casework: problems, feedback, complaints, attachments, driver changes, duty alerts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:41:41.090029
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('casework_reference_counters',
    sa.Column('series', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('series', 'year')
    )
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('carer_id', sa.Integer(), nullable=True),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('route_code', sa.String(length=32), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('stage1_received_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stage1_acknowledged_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stage1_handled_by', sa.Integer(), nullable=True),
    sa.Column('stage1_extension_working_days', sa.Integer(), nullable=True),
    sa.Column('stage1_extension_reason', sa.Text(), nullable=True),
    sa.Column('stage1_responded_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stage1_response', sa.Text(), nullable=True),
    sa.Column('stage1_outcome', sa.String(length=16), nullable=True),
    sa.Column('escalation_reason', sa.Text(), nullable=True),
    sa.Column('stage2_received_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stage2_acknowledged_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stage2_handled_by', sa.Integer(), nullable=True),
    sa.Column('stage2_responded_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stage2_response', sa.Text(), nullable=True),
    sa.Column('stage2_outcome', sa.String(length=16), nullable=True),
    sa.Column('closed_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_staff_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('stage IN (1, 2)', name='ck_complaints_stage'),
    sa.ForeignKeyConstraint(['carer_id'], ['carers.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index('ix_complaints_status_stage', ['status', 'stage'], unique=False)

    op.create_table('feedback_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carer_id', sa.Integer(), nullable=True),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('survey_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('sentiment', sa.Float(), nullable=True),
    sa.Column('consent_to_quote', sa.Boolean(), nullable=False),
    sa.Column('quote_status', sa.String(length=16), nullable=True),
    sa.Column('quote_curated_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('quote_curated_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating IS NULL OR (rating BETWEEN 1 AND 5)', name='ck_feedback_items_rating'),
    sa.ForeignKeyConstraint(['carer_id'], ['carers.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feedback_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_items_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index('ix_feedback_items_created', ['created_at'], unique=False)

    op.create_table('problem_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('carer_id', sa.Integer(), nullable=True),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('route_id', sa.Integer(), nullable=True),
    sa.Column('route_code', sa.String(length=32), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('is_urgent', sa.Boolean(), nullable=False),
    sa.Column('reported_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('parent_told_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['carer_id'], ['carers.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['route_id'], ['routes.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('problem_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_reports_carer_id'), ['carer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_reports_child_id'), ['child_id'], unique=False)
        batch_op.create_index('ix_problem_reports_open', ['resolved_at', 'reported_at'], unique=False)

    op.create_table('complaint_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('stored_name')
    )
    with op.batch_alter_table('complaint_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_attachments_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('complaint_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('actor', sa.String(length=16), nullable=False),
    sa.Column('actor_staff_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_events_complaint', ['complaint_id', 'occurred_at'], unique=False)

    op.create_table('driver_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('problem_report_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['children.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['problem_report_id'], ['problem_reports.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('driver_changes', schema=None) as batch_op:
        batch_op.create_index('ix_driver_changes_child_day', ['child_id', 'changed_on'], unique=False)

    op.create_table('duty_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('problem_report_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['problem_report_id'], ['problem_reports.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('duty_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_duty_alerts_status', ['status', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('duty_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_duty_alerts_status')

    op.drop_table('duty_alerts')
    with op.batch_alter_table('driver_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_driver_changes_child_day')

    op.drop_table('driver_changes')
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_events_complaint')

    op.drop_table('complaint_events')
    with op.batch_alter_table('complaint_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_attachments_complaint_id'))

    op.drop_table('complaint_attachments')
    with op.batch_alter_table('problem_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_problem_reports_open')
        batch_op.drop_index(batch_op.f('ix_problem_reports_child_id'))
        batch_op.drop_index(batch_op.f('ix_problem_reports_carer_id'))

    op.drop_table('problem_reports')
    with op.batch_alter_table('feedback_items', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_items_created')
        batch_op.drop_index(batch_op.f('ix_feedback_items_carer_id'))

    op.drop_table('feedback_items')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_status_stage')
        batch_op.drop_index(batch_op.f('ix_complaints_carer_id'))

    op.drop_table('complaints')
    op.drop_table('casework_reference_counters')
