"""HTST applications: stages, telling the family at every step, and the four-week promise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.applications import (
    fetch_application_by_reference,
    fetch_applications_for_carer,
    fetch_history,
    fetch_open_applications,
    save_application,
    save_stage_change,
)
from db.dao.transport.contacts import fetch_contacts_for_children
from db.dao.transport.data import fetch_carers_of_children, fetch_children_by_ids, fetch_children_by_reference
from db.models import OPEN_STAGES, ApplicationStage, ApplicationStageChange, Child, HtstApplication
from messaging.outbox import EnqueueResult, OutgoingMessage, enqueue_messages, seen_button_markup
from messaging.rendering import button_label, render_message
from services.calendar.working_days import add_working_days, working_days_between
from services.carers.channel_plans import CouncilContact, kind_renderer, plan_recipients, planned

# Kent: every HTST application is fulfilled within 4 weeks of receipt, which we hold as 20 working days.
PROMISED_WORKING_DAYS = 20


class ApplicationError(ValueError):
    """The application or stage change cannot be recorded; the message says why."""


@dataclass
class StageChangeResult:
    """The application after the change, and what was queued for the family."""

    application: HtstApplication
    is_changed: bool
    notices: EnqueueResult = field(default_factory=EnqueueResult)


async def record_application(
    session: AsyncSession, *, reference: str, council_reference: str, received_on: date, recorded_by: str,
    now: datetime, contact: CouncilContact,
) -> StageChangeResult:
    """A new application in stage "received" (idempotent on the reference); the family is told."""
    existing = await fetch_application_by_reference(session, reference=reference)
    if existing is not None:
        return StageChangeResult(application=existing, is_changed=False)
    child = (await fetch_children_by_reference(session, references=[council_reference])).get(council_reference)
    if child is None:
        raise ApplicationError(f"no child with council reference {council_reference}")
    application = HtstApplication(
        reference=reference, child_id=child.id, stage=ApplicationStage.RECEIVED.value,  # type: ignore[arg-type]
        received_on=received_on, stage_changed_at=now,
    )
    await save_application(session, application=application)
    return await _add_step(session, application=application, child=child, stage=ApplicationStage.RECEIVED,
                           note=None, recorded_by=recorded_by, now=now, contact=contact)


async def change_stage(
    session: AsyncSession, *, reference: str, stage: ApplicationStage, recorded_by: str, now: datetime,
    contact: CouncilContact, note_for_family: str | None = None,
) -> StageChangeResult:
    """Move an application to a new stage and tell the family; the same stage again changes nothing."""
    application = await fetch_application_by_reference(session, reference=reference)
    if application is None:
        raise ApplicationError(f"no application {reference}")
    if application.stage == stage.value:
        return StageChangeResult(application=application, is_changed=False)
    [child] = await fetch_children_by_ids(session, child_ids=[application.child_id])
    application.stage = stage.value
    application.stage_changed_at = now
    await save_application(session, application=application)
    return await _add_step(session, application=application, child=child, stage=stage, note=note_for_family,
                           recorded_by=recorded_by, now=now, contact=contact)


async def _add_step(
    session: AsyncSession, *, application: HtstApplication, child: Child, stage: ApplicationStage, note: str | None,
    recorded_by: str, now: datetime, contact: CouncilContact,
) -> StageChangeResult:
    step = await save_stage_change(
        session,
        step=ApplicationStageChange(
            application_id=application.id, stage=stage.value, changed_at=now,  # type: ignore[arg-type]
            note_for_family=(note or "").strip() or None, recorded_by=recorded_by,
        ),
    )
    carers = await fetch_carers_of_children(session, child_ids=[child.id])  # type: ignore[list-item]
    contacts = list((await fetch_contacts_for_children(session, child_ids=[child.id])).values())  # type: ignore[list-item]
    messages = []
    # Linked carers in Telegram with their held mobile and email behind; families who never linked by text or email.
    for recipient in plan_recipients(carers=carers, contacts=contacts, allow_letter=False):
        if recipient.carer is None and not recipient.channels:
            continue
        language = recipient.language
        values = {"stage": stage.value, "child": child.display_name, "reference": application.reference,
                  "note": step.note_for_family, "phone": contact.phone, "hours": contact.hours}
        who = f"carer:{recipient.carer.id}" if recipient.carer is not None else f"contact:{recipient.contact.id}"  # type: ignore[union-attr]
        telegram = OutgoingMessage(
            carer=recipient.carer,
            idempotency_key=f"application:{application.id}:step:{step.id}:{who}",
            purpose="application_status",
            source_type="application",
            source_id=application.id,
            update_kind="application_status",
            text=render_message("application_status", language=language, **values) if recipient.carer else "",
            reply_markup=seen_button_markup(
                button_label("updates.button.seen", language=language),
                menu_label=button_label("menu.button.back", language=language),
            ),
        )
        messages.append(planned(telegram, channels=recipient.channels, contact=recipient.contact,
                                render=kind_renderer("application_status", language=language, **values)))
    notices = await enqueue_messages(session, messages=messages, now=now)
    return StageChangeResult(application=application, is_changed=True, notices=notices)


@dataclass(frozen=True)
class OverdueApplication:
    """An application past the promise without transport arranged."""

    reference: str
    council_reference: str
    child_name: str
    stage: str
    received_on: date
    working_days_open: int
    promised_by: date


def promised_by(received_on: date) -> date:
    """The day transport is promised by: 20 working days (four weeks) after the day the application was received."""
    return add_working_days(received_on, PROMISED_WORKING_DAYS)


async def fetch_overdue_applications(session: AsyncSession, *, today: date) -> list[OverdueApplication]:
    """Open applications received more than 20 working days ago (flagged for officers)."""
    overdue = []
    for application, child in await fetch_open_applications(session, stages=OPEN_STAGES):
        days_open = working_days_between(application.received_on, today)
        if days_open > PROMISED_WORKING_DAYS:
            overdue.append(
                OverdueApplication(
                    reference=application.reference, council_reference=child.council_reference,
                    child_name=child.display_name, stage=application.stage, received_on=application.received_on,
                    working_days_open=days_open,
                    promised_by=promised_by(application.received_on),
                )
            )
    return overdue


@dataclass(frozen=True)
class ApplicationHistory:
    """What a carer sees under My application for one child: received, promised by, every step."""

    child_name: str
    reference: str
    received_on: date
    stage: str
    promised_by: date
    steps: list[tuple[datetime, str]]

    @property
    def is_open(self) -> bool:
        """True while transport is neither arranged nor refused (the promise still applies)."""
        return self.stage in OPEN_STAGES

    def is_late(self, *, today: date) -> bool:
        """True when the promised-by date has passed and the application is still open."""
        return self.is_open and today > self.promised_by


async def applications_for_carer(session: AsyncSession, *, carer_id: int) -> list[ApplicationHistory]:
    """The carer's children's applications with every step so far."""
    pairs = await fetch_applications_for_carer(session, carer_id=carer_id)
    history = await fetch_history(session, application_ids=[application.id for application, _ in pairs if application.id])
    steps: dict[int, list[tuple[datetime, str]]] = {}
    for step in history:
        steps.setdefault(step.application_id, []).append((step.changed_at, step.stage))
    return [
        ApplicationHistory(
            child_name=child.display_name, reference=application.reference, received_on=application.received_on,
            stage=application.stage, promised_by=promised_by(application.received_on),
            steps=steps.get(application.id or 0, []),
        )
        for application, child in pairs
    ]
