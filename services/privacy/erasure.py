"""Erasing a carer: each data area registers an eraser; afterwards only de-identified records remain."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import (
    delete_links_for_carer,
    fetch_carer,
    fetch_linked_children,
    save_carer,
)
from db.dao.carers.consent import deidentify_consent_events
from db.dao.carers.conversations import delete_conversation
from db.dao.carers.linking import delete_code_uses_for_carer, delete_linking_failures
from db.dao.delivery.message_log import deidentify_messages_for_chat
from db.dao.incoming_updates import delete_incoming_updates_for_chat
from db.dao.transport.contacts import fetch_contacts_for_carer
from services.casework.erasure import erase_casework_for
from services.privacy.contact_erasure import erase_contacts_for
from services.privacy.delivery_erasure import erase_delivery_for
from services.privacy.targets import Eraser, ErasureTarget

_erasers: dict[str, Eraser] = {}


def register_eraser(name: str, eraser: Eraser) -> None:
    """Add (or replace) the eraser of one data area; all run in one transaction, in registration order."""
    _erasers[name] = eraser


def registered_erasers() -> list[str]:
    """The names of the data areas that erase, in the order they run."""
    return list(_erasers)


async def erase_carer(session: AsyncSession, *, carer_id: int, now: datetime) -> bool:
    """Remove every trace of the carer's identity; False if they were already erased."""
    carer = await fetch_carer(session, carer_id=carer_id)
    if carer is None or carer.erased_at is not None:
        return False
    children = await fetch_linked_children(session, carer_id=carer_id)
    # Read before any area erases: the links go with the "links" area, the name with the carer row.
    contacts = await fetch_contacts_for_carer(
        session, carer_id=carer_id
    )  # the full names the council holds
    names = [
        carer.first_name or "",
        *(contact.name or "" for contact in contacts),
        *(child.display_name for _link, child, _school in children),
    ]
    target = ErasureTarget(
        carer_id=carer_id,
        chat_id=carer.chat_id,
        known_names=tuple(dict.fromkeys(name for name in names if name.strip())),
    )
    for eraser in list(_erasers.values()):
        await eraser(session, target)
    # Last, because other areas may look the carer up by chat id. The pseudonym stays for statistics.
    carer.chat_id = None
    carer.first_name = None
    carer.quiet_hours_start = None
    carer.quiet_hours_end = None
    carer.muted_update_kinds = []
    carer.unreachable_since = None
    carer.unreachable_reason = None
    carer.erased_at = now
    await save_carer(session, carer=carer)
    return True


async def _erase_message_log(session: AsyncSession, target: ErasureTarget) -> None:
    if target.chat_id is not None:
        await deidentify_messages_for_chat(session, chat_id=target.chat_id)
        await delete_incoming_updates_for_chat(session, chat_id=target.chat_id)


async def _erase_conversation(session: AsyncSession, target: ErasureTarget) -> None:
    if target.chat_id is not None:
        await delete_conversation(session, chat_id=target.chat_id)
        await delete_linking_failures(session, chat_id=target.chat_id)


async def _erase_links(session: AsyncSession, target: ErasureTarget) -> None:
    await delete_code_uses_for_carer(session, carer_id=target.carer_id)
    await delete_links_for_carer(session, carer_id=target.carer_id)


async def _erase_consent(session: AsyncSession, target: ErasureTarget) -> None:
    await deidentify_consent_events(session, carer_id=target.carer_id)


register_eraser("message_log", _erase_message_log)
register_eraser("conversation", _erase_conversation)
register_eraser("links", _erase_links)
register_eraser("consent", _erase_consent)
register_eraser("casework", erase_casework_for)
register_eraser("delivery", erase_delivery_for)
register_eraser("family_contacts", erase_contacts_for)
