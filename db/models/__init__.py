"""Every table, imported here so Alembic sees the whole schema."""

from db.models.carers import UPDATE_KINDS, Carer, CarerChildLink
from db.models.message_log import MessageDirection, MessageRecord
from db.models.scheduler import scheduler_jobs_table
from db.models.transport import Child, Operator, Phase, Route, RouteStop, School

__all__ = [
    "UPDATE_KINDS",
    "Carer",
    "CarerChildLink",
    "Child",
    "MessageDirection",
    "MessageRecord",
    "Operator",
    "Phase",
    "Route",
    "RouteStop",
    "School",
    "scheduler_jobs_table",
]
