"""A carer's data rights: what we hold, a copy of it all, and erasure after a confirmation step."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import fetch_carer, fetch_linked_children
from db.dao.carers.consent import fetch_consent_events
from db.dao.delivery.message_log import fetch_messages_for_chat
from db.dao.transport.contacts import fetch_contact_changes_for_carer, fetch_contacts_for_carer
from db.models import Carer, FamilyContact, MessageDirection
from services.carers.contacts import HeldContact, read_held_contact
from services.privacy.my_data_records import carer_records
from services.carers.conversations import Step, move_to, require_step_with_carer
from services.privacy.erasure import erase_carer

EXPORT_FILE_NAME = "carerline-my-data.zip"
EXPORT_JSON_NAME = "my-data.json"


@dataclass(frozen=True)
class HeldData:
    """What we hold about a carer, in the terms we show them."""

    first_name: str | None
    language: str
    quiet_hours: tuple[time, time] | None
    muted_update_kinds: list[str]
    children: list[tuple[str, str]]
    consent_given_at: datetime | None
    consent_notice_version: str | None
    has_withdrawn: bool
    message_count: int
    contact: HeldContact | None = None  # None when the council holds nothing for the carer yet


async def _require_carer(session: AsyncSession, carer_id: int) -> Carer:
    carer = await fetch_carer(session, carer_id=carer_id)
    if carer is None or carer.chat_id is None:
        raise LookupError("no such carer")
    return carer


async def describe_held_data(session: AsyncSession, *, carer_id: int) -> HeldData:
    """Everything we hold about the carer, summarised."""
    carer = await _require_carer(session, carer_id)
    children = await fetch_linked_children(session, carer_id=carer_id)
    messages = await fetch_messages_for_chat(session, chat_id=carer.chat_id)  # type: ignore[arg-type]
    quiet = (carer.quiet_hours_start, carer.quiet_hours_end)
    return HeldData(
        first_name=carer.first_name,
        language=carer.language,
        quiet_hours=quiet if quiet[0] is not None and quiet[1] is not None else None,  # type: ignore[arg-type]
        muted_update_kinds=list(carer.muted_update_kinds),
        children=[(child.display_name, school.name) for _, child, school in children],
        consent_given_at=carer.consent_given_at,
        consent_notice_version=carer.consent_notice_version,
        has_withdrawn=carer.consent_withdrawn_at is not None,
        message_count=len(messages),
        contact=await read_held_contact(session, carer_id=carer_id) if await _contacts(session, carer_id) else None,
    )


async def _contacts(session: AsyncSession, carer_id: int) -> list[FamilyContact]:
    return [contact for contact in await fetch_contacts_for_carer(session, carer_id=carer_id) if contact.erased_at is None]


async def export_carer_data(session: AsyncSession, *, carer_id: int, now: datetime) -> bytes:
    """All the carer's data as readable JSON inside a ZIP file."""
    carer = await _require_carer(session, carer_id)
    children = await fetch_linked_children(session, carer_id=carer_id)
    consent_events = await fetch_consent_events(session, carer_id=carer_id)
    names = {child.id: child.display_name for _link, child, _school in children}
    messages = await fetch_messages_for_chat(session, chat_id=carer.chat_id)  # type: ignore[arg-type]
    document: dict[str, Any] = {
        "about": "Everything Carerline (Kent County Council) holds about you, as of the time below.",
        "created_at": now.isoformat(),
        "you": {
            "reference": carer.pseudonym,
            "telegram_chat_id": carer.chat_id,
            "first_name": carer.first_name,
            "language": carer.language,
            "joined_at": carer.created_at.isoformat(),
        },
        "settings": {
            "quiet_hours": _quiet_hours(carer),
            "updates_switched_off": list(carer.muted_update_kinds),
        },
        "children_linked": [
            {
                "name": child.display_name,
                "council_reference": child.council_reference,
                "school": school.name,
                "linked_at": link.linked_at.isoformat(),
            }
            for link, child, school in children
        ],
        "how_we_contact_you": [
            {
                "child": names.get(contact.child_id, ""),
                "name_the_council_holds": contact.name,
                "mobile_number": contact.mobile_e164,
                "email": contact.email,
                "postal_address": contact.postal_address.split("\n") if contact.postal_address else None,
                "contact_you_first_by": contact.preferred_channel or "telegram",
            }
            for contact in await _contacts(session, carer_id)
        ],
        "contact_changes": [
            {
                "what": change.action,
                "channel": change.channel,
                "by": "you" if change.actor == "carer" else "the council",
                "privacy_notice_version": change.notice_version,
                "when": change.occurred_at.isoformat(),
            }
            for change in await fetch_contact_changes_for_carer(session, carer_id=carer_id)
        ],
        "consent_history": [
            {
                "what": event.kind,
                "privacy_notice_version": event.notice_version,
                "when": event.occurred_at.isoformat(),
            }
            for event in consent_events
        ],
        "messages": [
            {
                "from": "you" if message.direction == MessageDirection.INBOUND else "Carerline",
                "kind": message.kind,
                "text": message.text,
                "when": message.created_at.isoformat(),
            }
            for message in messages
        ],
        **await carer_records(session, carer_id=carer_id),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(EXPORT_JSON_NAME, json.dumps(document, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def _quiet_hours(carer: Carer) -> dict[str, str] | None:
    if carer.quiet_hours_start is None or carer.quiet_hours_end is None:
        return None
    return {
        "from": carer.quiet_hours_start.strftime("%H:%M"),
        "until": carer.quiet_hours_end.strftime("%H:%M"),
    }


async def ask_to_erase(session: AsyncSession, *, chat_id: int, now: datetime) -> int:
    """The confirmation step before erasure; return the version for the buttons."""
    return await move_to(session, chat_id=chat_id, step=Step.CONFIRM_ERASE, now=now)


async def erase_my_data(
    session: AsyncSession, *, chat_id: int, expected_version: int, now: datetime
) -> None:
    """Erase the carer confirmed in this chat (their conversation state goes with everything else)."""
    context = await require_step_with_carer(
        session, chat_id=chat_id, step=Step.CONFIRM_ERASE, version=expected_version
    )
    assert context.carer is not None and context.carer.id is not None
    await erase_carer(session, carer_id=context.carer.id, now=now)
