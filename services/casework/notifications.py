"""Every casework message to a parent goes through `notify_carer`: rendered in the carer's language
from templates/locale/*/LC_MESSAGES/casework.po and queued in the delivery engine's outbox
(messaging/outbox.py) in the same transaction as the step that caused it, so a rolled-back step
never messages anyone and a retried step is queued once (idempotency key per case and step).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date
from sqlmodel.ext.asyncio.session import AsyncSession

from core.i18n import plain_text, text
from db.dao.carers.accounts import fetch_carer
from db.dao.transport.contacts import fetch_contacts_for_carer
from messaging.outbox import OutgoingMessage, enqueue_messages, seen_button_markup
from services.carers.channel_plans import CouncilContact, carer_contact, kind_renderer, with_held_fallbacks

# Babel locales for dates: "en" alone would give American dates.
_DATE_LOCALES = {"en": "en_GB", "pl": "pl_PL"}
_DATE_PATTERN = "EEEE d MMMM y"
# The text and email forms of a case's news, by the case's kind (feedback has none: Telegram only).
PLAIN_KINDS = {"complaint": "complaint_update", "problem_report": "problem_update"}


@dataclass(frozen=True, slots=True)
class TextKey:
    """A value that is itself a catalog text (a category or an outcome), shown in the carer's language."""

    key: str


@dataclass(frozen=True, slots=True)
class CarerNotice:
    """One message to a carer about a case: what to say, and which case and step it belongs to."""

    key: str
    source_type: str  # "complaint", "problem_report", "feedback"
    source_id: int
    step: str  # unique per case, so a retried step is queued once (e.g. "stage1-answered")
    values: dict[str, object]
    lead_key: str | None = None  # an optional first paragraph, e.g. an apology for a late answer
    # A reply to something the family just did goes at once; other news waits for their quiet hours to end.
    is_urgent: bool = False


def format_day(day: date, *, language: str) -> str:
    """A date as parents read it: "Friday 2 January 2026", "piątek 2 stycznia 2026"."""
    return format_date(day, _DATE_PATTERN, locale=_DATE_LOCALES.get(language, "en_GB"))


def render_value(value: object, *, language: str) -> str:
    """Dates and catalog keys in the carer's language; anything else as it is."""
    if isinstance(value, TextKey):
        return plain_text(value.key, language=language)
    if isinstance(value, datetime):
        return format_day(value.date(), language=language)
    if isinstance(value, date):
        return format_day(value, language=language)
    return str(value)


def render_notice(notice: CarerNotice, *, language: str) -> str:
    """The message text with every value escaped for parse_mode HTML."""
    values = {name: render_value(value, language=language) for name, value in notice.values.items()}
    body = text(notice.key, language=language, **values)
    if notice.lead_key is not None:
        body = text(notice.lead_key, language=language, **values) + "\n\n" + body
    return body


def idempotency_key(notice: CarerNotice) -> str:
    """One message per case and step, however often the step is retried."""
    return f"casework:{notice.source_type}:{notice.source_id}:{notice.step}"


async def notify_carer(
    session: AsyncSession, *, carer_id: int | None, notice: CarerNotice, now: datetime, council: CouncilContact | None
) -> bool:
    """Queue one message to the carer in their language (their held mobile and email as fallbacks); False if erased.

    `council`: the phone and hours the texts and emails give (the council's settings, from the entry point);
    None only for a kind with no text or email form (feedback).
    """
    if carer_id is None:
        return False
    carer = await fetch_carer(session, carer_id=carer_id)
    if carer is None or carer.erased_at is not None or carer.chat_id is None:
        return False
    language = carer.language
    message = OutgoingMessage(
        carer=carer,
        idempotency_key=idempotency_key(notice),
        purpose="casework",
        source_type=notice.source_type,
        source_id=notice.source_id,
        text=render_notice(notice, language=language),
        reply_markup=seen_button_markup(plain_text("casework.button.seen", language=language)),
        is_urgent=notice.is_urgent,
        # About the family's own case: not an "update" they can mute, and sent even after consent is withdrawn.
        must_send=True,
    )
    kind = PLAIN_KINDS.get(notice.source_type)
    if kind is not None and council is None:
        raise ValueError(f"a {notice.source_type} notice has text and email forms: give the council's phone and hours")
    if kind is not None and council is not None and carer.id is not None:
        contact = carer_contact(await fetch_contacts_for_carer(session, carer_id=carer.id), carer_id=carer.id)
        values = {name: render_value(value, language=language) for name, value in notice.values.items()}
        contact_values = {name: str(notice.values.get(name, default)) for name, default in council.values().items()}
        render = kind_renderer(kind, language=language, key=notice.key, lead_key=notice.lead_key,
                               values={**contact_values, **values}, **contact_values)
        message = with_held_fallbacks(message, contact=contact, render=render)
    await enqueue_messages(session, messages=[message], now=now)
    return True
