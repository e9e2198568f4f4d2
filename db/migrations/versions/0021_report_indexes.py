"""report indexes: the year's feedback figures read from one index, quotes and casework by date

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The parental-views figures count a year of feedback by carer, rating, child and district: all in the index,
    # so the year is one stretch of it (PostgreSQL also carries the themes, which a btree cannot key on).
    op.create_index("ix_feedback_items_report", "feedback_items", ["created_at", "carer_id", "rating", "child_id", "district"],
                    postgresql_include=["themes"])
    op.create_index("ix_feedback_items_quotes", "feedback_items", ["quote_status", "created_at"])
    op.create_index("ix_complaints_received", "complaints", ["stage1_received_at"])
    op.create_index("ix_problem_reports_reported", "problem_reports", ["reported_at"])


def downgrade() -> None:
    op.drop_index("ix_problem_reports_reported", table_name="problem_reports")
    op.drop_index("ix_complaints_received", table_name="complaints")
    op.drop_index("ix_feedback_items_quotes", table_name="feedback_items")
    op.drop_index("ix_feedback_items_report", table_name="feedback_items")
