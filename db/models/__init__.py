"""Every table, imported here so Alembic sees the whole schema."""

from db.models.message_log import MessageDirection, MessageRecord
from db.models.scheduler import scheduler_jobs_table

__all__ = ["MessageDirection", "MessageRecord", "scheduler_jobs_table"]
