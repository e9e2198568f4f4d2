"""A family member's channel plan: which ways of reaching them we hold, and in what order to try them.

Lives with the carers because it is about one family member (a carer linked in Telegram, a contact the
council's import brought, or both) and every domain that tells families something uses it. It imports no
other service domain except the calendar, so complaints and broadcasts can use it and stay independent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from core.i18n import SUPPORTED_LANGUAGES
from core.settings import Settings
from db.models import Carer, ContactChannel, FamilyContact, OutboxChannel
from messaging.outbox import ChannelText, OutgoingMessage
from messaging.rendering import render_message
from services.calendar.working_days import working_days_between

UK = ZoneInfo("Europe/London")
# The order the held channels are tried in, after the preferred one.
HELD_ORDER: tuple[OutboxChannel, ...] = (OutboxChannel.TELEGRAM, OutboxChannel.SMS, OutboxChannel.EMAIL)
# A letter takes days: only for a change at least this many working days away (and only when nothing else is held).
LETTER_MIN_WORKING_DAYS = 5
# Texts and emails Notify sends carry this; the Notify worker puts the signed "I have seen this" link there.
ACK_LINK_PLACEHOLDER = "{ack_link}"
# The language of a family member who never linked and whose language neither the import nor an officer gave.
CONTACT_LANGUAGE = "en"
# An email subject longer than this is cut at a word (the outbox column holds 200).
MAX_SUBJECT_CHARACTERS = 120
Render = Callable[[OutboxChannel], ChannelText]


@dataclass(frozen=True)
class CouncilContact:
    """The phone number and hours families are given (the council's settings, passed in by each entry point)."""

    phone: str
    hours: str

    @classmethod
    def from_settings(cls, settings: Settings) -> CouncilContact:
        """The transport team's phone and hours as the council configured them."""
        return cls(phone=settings.council_transport_phone, hours=settings.council_transport_hours)

    def values(self) -> dict[str, str]:
        """{"phone": ..., "hours": ...}, the placeholders messages use."""
        return {"phone": self.phone, "hours": self.hours}


def letter_allowed(*, effective_at: datetime | None, now: datetime) -> bool:
    """True when something takes effect at least 5 working days after today (UK), so a letter can arrive in time."""
    if effective_at is None:
        return False
    today = now.astimezone(UK).date()
    return working_days_between(today, effective_at.astimezone(UK).date()) >= LETTER_MIN_WORKING_DAYS


def live_contact(contact: FamilyContact | None) -> FamilyContact | None:
    """The contact unless it was erased."""
    return contact if contact is not None and contact.erased_at is None else None


def held_channels(
    *, carer: Carer | None, contact: FamilyContact | None, allow_letter: bool = False,
    allow_telegram: bool = True,
) -> tuple[OutboxChannel, ...]:
    """The channels to try, in order: the preferred one first, then the others held (telegram, sms, email).

    A letter only when nothing else is held and `allow_letter` (a change at least 5 working days away).
    An empty plan means nobody can be reached: straight to the call list.
    """
    contact = live_contact(contact)
    held: list[OutboxChannel] = []
    if allow_telegram and is_on_telegram(carer):
        held.append(OutboxChannel.TELEGRAM)
    if contact is not None and contact.mobile_e164:
        held.append(OutboxChannel.SMS)
    if contact is not None and contact.email:
        held.append(OutboxChannel.EMAIL)
    if not held:
        return (OutboxChannel.LETTER,) if allow_letter and contact is not None and contact.postal_address else ()
    preferred = _preferred(contact)
    if preferred in held:
        held.remove(preferred)
        held.insert(0, preferred)
    return tuple(held)


def is_on_telegram(carer: Carer | None) -> bool:
    """A carer we can message in Telegram: linked chat, not erased, not known to have blocked us."""
    return carer is not None and carer.chat_id is not None and carer.erased_at is None and carer.unreachable_since is None


def _preferred(contact: FamilyContact | None) -> OutboxChannel | None:
    if contact is None or contact.preferred_channel is None:
        return None
    value = contact.preferred_channel.value if isinstance(contact.preferred_channel, ContactChannel) else contact.preferred_channel
    return OutboxChannel(value)


def contact_language(contact: FamilyContact | None) -> str:
    """The language to write to a contact in: the one held for them ("en" or "pl"), else English."""
    language = contact.language if contact is not None else None
    return language if language in SUPPORTED_LANGUAGES else CONTACT_LANGUAGE


def carer_contact(contacts: Sequence[FamilyContact], *, carer_id: int) -> FamilyContact | None:
    """The contact a linked carer was attached to: the one they or an officer changed last, else carer 1 first."""
    own = [contact for contact in contacts if contact.carer_id == carer_id and contact.erased_at is None]
    if not own:
        return None
    changed = sorted((c for c in own if c.changed_at is not None), key=lambda c: c.changed_at, reverse=True)  # type: ignore[arg-type,return-value]
    return changed[0] if changed else min(own, key=lambda c: c.position)


def channel_text(rendered: str, *, channel: OutboxChannel) -> ChannelText:
    """A plain-text rendering for one Notify channel: an email's (and a letter's) first line is its subject.

    The first line is a heading only when a blank line follows it; otherwise (a broadcast) the whole text is the
    body and its first line, shortened, the subject.
    """
    if channel not in (OutboxChannel.EMAIL, OutboxChannel.LETTER):
        return ChannelText(text=rendered)
    first, _, rest = rendered.partition("\n")
    is_heading = rest.startswith("\n") and rest.strip()
    return ChannelText(text=rest.strip() if is_heading else rendered, subject=_short(first.strip()))


def _short(line: str) -> str:
    if len(line) <= MAX_SUBJECT_CHARACTERS:
        return line
    return line[: MAX_SUBJECT_CHARACTERS - 1].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def kind_renderer(kind: str, *, language: str, **context: object) -> Render:
    """Render `kind` for any Notify channel; a letter is printed from the email form (its heading is the subject)."""

    def render(channel: OutboxChannel) -> ChannelText:
        form = "email" if channel == OutboxChannel.LETTER else channel.value
        return channel_text(render_message(kind, channel=form, language=language, **context), channel=channel)

    return render


def planned(
    message: OutgoingMessage, *, channels: Sequence[OutboxChannel], render: Render, contact: FamilyContact | None
) -> OutgoingMessage:
    """The message on the plan's first channel, the rest held as fallbacks with their texts rendered already.

    `message` is the Telegram form (HTML, with its keyboard); an empty plan leaves it on Telegram, where it is
    recorded as skipped (no chat) and the family goes on the call list.
    """
    contact = live_contact(contact)
    if not channels:
        return replace(message, contact=contact)
    first, rest = channels[0], tuple(channels[1:])
    texts = {channel: render(channel) for channel in rest if channel != OutboxChannel.TELEGRAM}
    if first == OutboxChannel.TELEGRAM:
        return replace(message, contact=contact, channel_plan=rest, fallback_texts=texts)
    opening = render(first)
    return replace(
        message, channel=first, text=opening.text, subject=opening.subject, contact=contact,
        channel_plan=tuple(channel for channel in rest if channel != OutboxChannel.TELEGRAM), fallback_texts=texts,
    )


def with_held_fallbacks(
    message: OutgoingMessage, *, contact: FamilyContact | None, render: Render
) -> OutgoingMessage:
    """A Telegram message to a linked carer, with their held mobile and email as fallbacks (never a letter)."""
    channels = held_channels(carer=message.carer, contact=contact)
    rest = tuple(channel for channel in channels if channel != OutboxChannel.TELEGRAM)
    contact = live_contact(contact)
    if not rest:
        return replace(message, contact=contact) if contact is not None else message
    return replace(
        message, contact=contact, channel_plan=rest, fallback_texts={channel: render(channel) for channel in rest}
    )


@dataclass(frozen=True)
class PlannedRecipient:
    """One family member to tell: a linked carer (with their held contact) or a contact who never linked."""

    carer: Carer | None
    contact: FamilyContact | None
    child_ids: tuple[int, ...]
    channels: tuple[OutboxChannel, ...]

    @property
    def language(self) -> str:
        """The carer's language; for a contact who never linked, the one the council holds (else English)."""
        if self.carer is not None:
            return self.carer.language
        return contact_language(self.contact)

    @property
    def is_reachable(self) -> bool:
        """False when no channel is held at all."""
        return bool(self.channels) or (self.carer is not None and self.carer.chat_id is not None)


def plan_recipients(
    *, carers: Sequence[tuple[Carer, int]], contacts: Sequence[FamilyContact], allow_letter: bool,
    contact_only_channels: Sequence[OutboxChannel] | None = None,
) -> list[PlannedRecipient]:
    """Recipients for these children: every linked carer, then every contact no linked carer holds.

    `carers` are (carer, child id) links; `contacts` the children's family contacts. Contacts holding the same
    mobile, email or address (one parent, several children) are told once, naming every child.
    `contact_only_channels` limits what contacts who never linked may receive (None: any they hold).
    """
    recipients: list[PlannedRecipient] = []
    children_of: dict[int, list[int]] = {}
    by_id: dict[int, Carer] = {}
    for carer, child_id in carers:
        assert carer.id is not None
        by_id[carer.id] = carer
        children_of.setdefault(carer.id, []).append(child_id)
    attached: dict[int, list[FamilyContact]] = {}
    for contact in contacts:
        if contact.carer_id is not None:
            attached.setdefault(contact.carer_id, []).append(contact)
    for carer_id, carer in by_id.items():
        contact = carer_contact(attached.get(carer_id, []), carer_id=carer_id)
        channels = held_channels(carer=carer, contact=contact, allow_letter=False)
        recipients.append(PlannedRecipient(carer, contact, tuple(children_of[carer_id]), channels))
    groups: dict[tuple[str, ...], list[FamilyContact]] = {}
    for contact in sorted(contacts, key=lambda c: (c.id or 0)):
        # A contact whose carer is linked is reached through the carer; one whose carer has since unlinked is
        # still a family contact of the child, told as one who never linked.
        if (contact.carer_id is not None and contact.carer_id in by_id) or contact.erased_at is not None:
            continue
        groups.setdefault(_identity(contact), []).append(contact)
    for group in groups.values():
        contact = group[0]
        channels = held_channels(carer=None, contact=contact, allow_letter=allow_letter)
        if contact_only_channels is not None:
            channels = tuple(channel for channel in channels if channel in contact_only_channels)
        child_ids = tuple(sorted({member.child_id for member in group}))
        recipients.append(PlannedRecipient(None, contact, child_ids, channels))
    return recipients


def _identity(contact: FamilyContact) -> tuple[str, ...]:
    details = (contact.mobile_e164 or "", (contact.email or "").lower(), contact.postal_address or "")
    return details if any(details) else (f"contact:{contact.id}",)

