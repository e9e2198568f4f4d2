"""Every stored column that could identify a person, and what erasing a carer does to it (or why it is safe).

One place, as data: tests/services/privacy/test_erasure_coverage.py lists every column of the live
migrated schema (SQLite and PostgreSQL) and fails when a column that could identify someone (text,
JSON, a 64-bit id such as a Telegram chat id, or a name like *phone*, *email*, *address*, *birth*) is
missing here. A new table or column therefore needs a decision: erased, redacted, or safe and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

# The carer's own row is emptied by services.privacy.erasure.erase_carer itself, after every area.
CARER_ROW = "carer_row"


class Handling(StrEnum):
    """What erasing a carer does to a column."""

    ERASED = "erased"  # emptied, or the row deleted, by the named eraser
    REDACTED = "redacted"  # kept for the council's record, with the family's identity redacted by the named eraser
    SAFE = "safe"  # holds no family's identity, or is not the carer's data: the reason says which


@dataclass(frozen=True)
class ColumnRule:
    """How one column is handled; `eraser` names the registered eraser (or CARER_ROW) that does it."""

    handling: Handling
    why: str
    eraser: str | None = None


def _erased(eraser: str, why: str, *columns: str) -> dict[str, ColumnRule]:
    return {column: ColumnRule(Handling.ERASED, why, eraser) for column in columns}


def _redacted(eraser: str, why: str, *columns: str) -> dict[str, ColumnRule]:
    return {column: ColumnRule(Handling.REDACTED, why, eraser) for column in columns}


def _safe(why: str, *columns: str) -> dict[str, ColumnRule]:
    return {column: ColumnRule(Handling.SAFE, why) for column in columns}


CODE = "a fixed code or label chosen by the service, never typed about a person"
STAFF = "staff accounts and their sign-ins: council and PACT staff, not families; managed by admins"
COUNCIL_TRANSPORT = (
    "the council's route-planning record (schools, operators, routes, stops, children), imported and replaced "
    "by each import; a carer's erasure cuts every link from their Carerline data to it, the child's transport goes on"
)
WRITTEN_TO_MANY = "written by staff for an audience or for publication, never about one family"
PLACE = "school, route or district: kept for the figures and filters, like a complaint's route"

COLUMNS: Mapping[str, ColumnRule] = {
    "alembic_version.version_num": ColumnRule(Handling.SAFE, "the schema revision"),
    # The carer's own row: only the pseudonym, language and dates stay.
    **_erased(
        CARER_ROW,
        "the Telegram chat id, the first name Telegram gave, settings and reachability",
        "carers.chat_id",
        "carers.first_name",
        "carers.muted_update_kinds",
        "carers.unreachable_reason",
    ),
    **_safe(
        "a random label (C-XXXXXXXXXXXX) unrelated to any identity, kept for statistics",
        "carers.pseudonym",
    ),
    **_safe(CODE, "carers.language", "carers.consent_notice_version"),
    # Chat-keyed state: deleted with the chat.
    **_erased(
        "conversation",
        "conversation state, flood counter and wrong-code attempts of the chat: rows deleted",
        "conversation_states.chat_id",
        "conversation_states.state",
        "conversation_states.data",
        "chat_throttles.chat_id",
        "linking_failures.chat_id",
    ),
    # The message log: kept as a record that messages went, without whose or what.
    **_erased(
        "message_log",
        "the chat, the words and Telegram's message number go; kind, direction and time stay",
        "message_log.chat_id",
        "message_log.text",
        "message_log.telegram_message_id",
    ),
    **_safe("Telegram's update number, no person's", "message_log.update_id", "incoming_updates.update_id"),
    # Webhook updates as they arrived (words and chat): the rows go, handled or not (handled ones go soon anyway).
    **_erased("message_log", "the whole update goes", "incoming_updates.chat_id", "incoming_updates.payload"),
    **_safe(CODE, "message_log.direction", "message_log.kind"),
    # The outbox, chat pacing and change notices.
    **_erased(
        "delivery",
        "the chat, the words, the buttons, errors and Telegram's message numbers go; states and times stay",
        "outbox_messages.chat_id",
        "outbox_messages.text",
        "outbox_messages.reply_markup",
        "outbox_messages.last_error",
        "outbox_messages.lease_owner",
        "outbox_messages.telegram_message_id",
        "outbox_messages.probe_from_message_id",
        "outbox_messages.subject",
        "outbox_messages.fallback_texts",
        "outbox_messages.notify_id",
    ),
    **_erased("delivery", "the chat's pacing row: deleted", "chat_delivery_states.chat_id"),
    **_erased(
        "delivery",
        "which children a notice was about: emptied (the change's own children stay)",
        "change_notices.child_ids",
    ),
    **_erased(
        "delivery",
        "which children an operator's disruption message was about: emptied (who was told when stays, pseudonymous)",
        "operator_disruption_notices.child_ids",
    ),
    "outbox_messages.idempotency_key": ColumnRule(
        Handling.SAFE, "kinds and record ids (broadcast:3:carer:17), never a chat id, name or words"
    ),
    "outbox_messages.notice_key": ColumnRule(
        Handling.SAFE, "the first row's key: kinds and record ids (change:3:contact:17), never a number or words"
    ),
    **_safe(
        CODE,
        "outbox_messages.channel",
        "outbox_messages.channel_plan",
        "outbox_messages.notify_status",
        "outbox_messages.purpose",
        "outbox_messages.update_kind",
        "outbox_messages.source_type",
        "outbox_messages.state",
    ),
    **_safe("the shared send schedule of the bot token", "delivery_rate_buckets.name"),
    # Casework: the family's words go; officers' words stay, redacted; categories, dates and outcomes stay.
    **_erased(
        "casework",
        "the family's own words",
        "complaints.description",
        "complaints.escalation_reason",
        "problem_reports.details",
        "feedback_items.text",
    ),
    **_erased(
        "casework",
        "an officer's note to the family about a problem on the day (not part of complaint figures)",
        "problem_reports.resolution_note",
    ),
    **_redacted(
        "casework",
        "officers' answers and reasons are the council's complaint record: kept, redacted of the "
        "carer's and children's names, never blanked",
        "complaints.stage1_response",
        "complaints.stage2_response",
        "complaints.stage1_extension_reason",
    ),
    **_redacted(
        "casework",
        "officers' notes on the timeline are kept redacted; the family's and the system's notes go",
        "complaint_events.note",
    ),
    **_erased(
        "casework",
        "emptied on the family's steps; officers' and the system's hold only dates, outcomes and message keys",
        "complaint_events.data",
    ),
    **_erased(
        "casework",
        "attachment records: rows deleted (their files go at the next sweep)",
        "complaint_attachments.stored_name",
        "complaint_attachments.original_name",
        "complaint_attachments.content_type",
        "complaint_attachments.sha256",
    ),
    **_safe(
        "the case reference (HTST-2026-00042, PR-2026-00007): after erasure it leads to no person in our records; "
        "pseudonymised exports carry a keyed case key instead",
        "complaints.reference",
        "problem_reports.reference",
    ),
    **_safe(
        PLACE,
        "complaints.route_code",
        "problem_reports.route_code",
        "feedback_items.school_code",
        "feedback_items.route_code",
        "feedback_items.district",
    ),
    **_safe(
        CODE,
        "complaints.category",
        "complaints.status",
        "complaints.stage1_outcome",
        "complaints.stage2_outcome",
        "complaint_events.kind",
        "complaint_events.actor",
        "problem_reports.category",
        "problem_reports.themes",
        "feedback_items.source",
        "feedback_items.survey_key",
        "feedback_items.topic",
        "feedback_items.themes",
        "feedback_items.quote_status",
        "driver_changes.source",
        "casework_reference_counters.series",
        "consent_events.kind",
        "consent_events.notice_version",
        "survey_responses.choices",
    ),
    **_safe(
        "alerts to the duty officers: the problem's reference and the channel's own error text, never the family's words",
        "duty_alerts.subject",
        "duty_alerts.reference",
        "duty_alerts.channel",
        "duty_alerts.status",
        "duty_alerts.error",
    ),
    # Applications: the council's record of a child's application, not the carer's Carerline data.
    **_safe(
        "the council's record of the child's transport application (the officer's note is part of that statutory "
        "record; the copy sent to the family is in the outbox, which is erased)",
        "htst_applications.reference",
        "htst_applications.stage",
        "htst_application_stage_changes.stage",
        "htst_application_stage_changes.note_for_family",
        "htst_application_stage_changes.recorded_by",
    ),
    # Council transport data.
    **_safe(
        COUNCIL_TRANSPORT,
        "children.council_reference",
        "children.display_name",
        "children.district",
        "children.phase",
        "schools.code",
        "schools.name",
        "schools.district",
        "operators.code",
        "operators.name",
        "operators.public_phone",
        "routes.code",
        "routes.vehicle_type",
        "routes.district",
        "route_stops.name",
        "linking_codes.code_hash",
    ),
    **_safe(
        "an officer's record of a change to a route, for every family on it; the phone is the council's",
        "transport_changes.reference",
        "transport_changes.kind",
        "transport_changes.old_value",
        "transport_changes.new_value",
        "transport_changes.reason",
        "transport_changes.contact_phone",
        "transport_changes.recorded_by",
    ),
    **_safe(
        "an operator's report about a run of a route and the officer's draft change from it, for every family on "
        "the route; the first name is of the operator's new driver or escort, given by the operator, not a family's",
        "operator_disruptions.reference",
        "operator_disruptions.run",
        "operator_disruptions.kind",
        "operator_disruptions.staff_changed",
        "operator_disruptions.new_staff_first_name",
        "operator_disruptions.note",
        "operator_disruptions.status",
        "operator_disruptions.reported_by",
        "operator_disruptions.resolution",
        "operator_disruption_notices.step",
        "transport_change_drafts.kind",
        "transport_change_drafts.new_value",
        "transport_change_drafts.reason",
        "transport_change_drafts.status",
        "transport_change_drafts.decided_by",
    ),
    **_safe(
        "an operator's own Telegram chat and the one-time codes that link it: the transport company's staff, "
        "never a family (a family's chat cannot be linked); unlinked by the operator, not by a family's erasure",
        "operator_chats.chat_id",
        "operator_chats.step",
        "operator_chats.draft",
        "operator_chat_codes.code_hash",
        "operator_chat_codes.created_by",
    ),
    # Families' contact details from the import, and GOV.UK Notify's receipts and received texts.
    **_erased(
        "family_contacts",
        "the carer's name, UK mobile, email and postal address: emptied, the row kept as erased "
        "so the next import cannot bring them back",
        "family_contacts.name",
        "family_contacts.mobile_e164",
        "family_contacts.email",
        "family_contacts.postal_address",
    ),
    **_erased(
        "family_contacts",
        "texts the carer sent to the council's Notify number: rows deleted",
        "notify_inbound_texts.source_number",
        "notify_inbound_texts.message",
    ),
    **_safe(
        "the consent record per channel: what changed (attached, preferred, added, removed), by the carer or an "
        "officer, on which channel, under which privacy notice version; never the number, email or address, and "
        "cut loose from the carer by the family_contacts eraser",
        "contact_changes.actor",
        "contact_changes.action",
        "contact_changes.channel",
        "contact_changes.notice_version",
    ),
    **_safe(
        "the language texts, emails and letters are written in (en or pl): a code shared by thousands of families, "
        "like carers.language, that identifies nobody",
        "family_contacts.language",
    ),
    **_safe(
        CODE,
        "family_contacts.changed_by",
        "family_contacts.preferred_channel",
        "notify_receipts.notification_type",
        "notify_receipts.status",
    ),
    **_safe(
        "Notify's ids, its template id and our reference (kinds and record ids, never a number, address or words); "
        "no recipient is kept",
        "notify_receipts.notify_id",
        "notify_receipts.reference",
        "notify_receipts.template_id",
        "notify_inbound_texts.notify_id",
    ),
    **_safe("the council's own Notify inbound number", "notify_inbound_texts.destination_number"),
    # Written by staff to many, or for publication.
    **_safe(
        WRITTEN_TO_MANY,
        "broadcasts.title",
        "broadcasts.template_text",
        "broadcasts.audience",
        "broadcasts.status",
        "broadcasts.created_by_kind",
        "surveys.title",
        "surveys.intro",
        "surveys.rating_question",
        "surveys.questions",
        "surveys.audience",
        "surveys.status",
        "surveys.created_by_kind",
        "you_said_we_did.academic_year",
        "you_said_we_did.you_said",
        "you_said_we_did.we_did",
        "you_said_we_did.written_by_label",
        "pact_commentaries.academic_year",
        "pact_commentaries.text",
        "pact_commentaries.written_by_label",
    ),
    # Staff and the audit trail.
    **_safe(
        STAFF,
        "staff_users.email",
        "staff_users.display_name",
        "staff_users.role",
        "staff_users.password_hash",
        "staff_sessions.session_hash",
        "staff_sessions.csrf_token",
        "staff_sessions.client_ip",
        "staff_sign_in_failures.email_key",
        "staff_sign_in_failures.client_ip",
        "api_tokens.name",
        "api_tokens.role",
        "api_tokens.token_hash",
        "api_tokens.prefix",
    ),
    **_safe(
        "the audit trail of staff actions: the staff actor, record ids, counts and references, never a family's "
        "name, chat id or words",
        "audit_events.actor_kind",
        "audit_events.actor_label",
        "audit_events.actor_role",
        "audit_events.action",
        "audit_events.object_type",
        "audit_events.object_ids",
        "audit_events.detail",
        "audit_events.request_id",
        "audit_events.client_ip",
    ),
    **_safe(
        "the scheduler's record of which standing job ran when, and which process ran it",
        "scheduled_job_runs.job_id",
        "scheduled_job_runs.claimed_by",
    ),
}


def rule_for(table: str, column: str) -> ColumnRule | None:
    """The declared handling of table.column, if any."""
    return COLUMNS.get(f"{table}.{column}")
