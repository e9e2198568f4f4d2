"""Every table, imported here so Alembic sees the whole schema."""

from db.models.applications import OPEN_STAGES, ApplicationStage, ApplicationStageChange, HtstApplication
from db.models.broadcasts import Broadcast, BroadcastStatus
from db.models.carers import (
    UPDATE_KINDS,
    Carer,
    CarerChildLink,
    ConsentEvent,
    ConsentEventKind,
    LinkingCode,
    LinkingCodeUse,
    LinkingFailure,
)
from db.models.changes import ChangeChild, ChangeKind, ChangeNotice, TransportChange
from db.models.casework import (
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    DriverChange,
    DutyAlertRecord,
    FeedbackItem,
    ProblemReport,
    ReferenceCounter,
)
from db.models.contacts import ContactChannel, FamilyContact, NotifyInboundText, NotifyReceipt
from db.models.conversations import ChatThrottle, ConversationState
from db.models.message_log import MessageDirection, MessageRecord
from db.models.outbox import ChatDeliveryState, DeliveryRateBucket, OutboxChannel, OutboxMessage, OutboxState
from db.models.parental_views import PactCommentary, YouSaidWeDid
from db.models.scheduler import ScheduledJobRun
from db.models.surveys import Survey, SurveyResponse, SurveyStatus
from db.models.staff import ActorKind, ApiToken, AuditEvent, SignInFailure, StaffRole, StaffSession, StaffUser
from db.models.transport import (
    Child,
    DisruptionNotice,
    Operator,
    OperatorDisruption,
    Phase,
    Route,
    RouteStop,
    School,
    TransportChangeDraft,
)

__all__ = [
    "ContactChannel",
    "FamilyContact",
    "NotifyInboundText",
    "NotifyReceipt",
    "Broadcast",
    "BroadcastStatus",
    "UPDATE_KINDS",
    "Carer",
    "CarerChildLink",
    "Child",
    "MessageDirection",
    "MessageRecord",
    "Operator",
    "OperatorDisruption",
    "DisruptionNotice",
    "TransportChangeDraft",
    "Phase",
    "Route",
    "RouteStop",
    "School",
    "ScheduledJobRun",
    "ChatThrottle",
    "ConsentEvent",
    "ConsentEventKind",
    "ConversationState",
    "LinkingCode",
    "LinkingCodeUse",
    "LinkingFailure",
    "ActorKind",
    "ApiToken",
    "AuditEvent",
    "SignInFailure",
    "StaffRole",
    "StaffSession",
    "StaffUser",
    "Complaint",
    "ComplaintAttachment",
    "ComplaintEvent",
    "DriverChange",
    "DutyAlertRecord",
    "FeedbackItem",
    "ProblemReport",
    "ReferenceCounter",
    "OPEN_STAGES",
    "ApplicationStage",
    "ApplicationStageChange",
    "HtstApplication",
    "ChangeChild",
    "ChangeKind",
    "ChangeNotice",
    "TransportChange",
    "ChatDeliveryState",
    "DeliveryRateBucket",
    "OutboxMessage",
    "OutboxChannel",
    "OutboxState",
    "PactCommentary",
    "YouSaidWeDid",
    "Survey",
    "SurveyResponse",
    "SurveyStatus",
]
