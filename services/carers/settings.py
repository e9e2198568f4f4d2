"""A carer's settings: language, quiet hours, kinds of update, and unlinking a child."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel.ext.asyncio.session import AsyncSession

from core.i18n import SUPPORTED_LANGUAGES
from db.dao.carers.accounts import delete_link, fetch_carer, fetch_link, fetch_linked_children, save_carer
from db.dao.carers.linking import fetch_child
from db.dao.transport.contacts import fetch_contacts_for_carer, save_contacts
from db.models import UPDATE_KINDS, Carer
from services.carers.conversations import Step, move_to, require_step

# Quiet hours a carer can pick (UK time); non-urgent messages wait until they end.
QUIET_HOURS_PRESETS: dict[str, tuple[time, time]] = {
    "20-07": (time(20, 0), time(7, 0)),
    "21-07": (time(21, 0), time(7, 0)),
    "22-07": (time(22, 0), time(7, 0)),
    "22-08": (time(22, 0), time(8, 0)),
}


class SettingRefused(ValueError):
    """A setting value we do not offer (an old or forged button)."""


@dataclass(frozen=True)
class LinkedChild:
    """A child the carer is linked to, as shown in Settings."""

    child_id: int
    name: str
    school: str


async def _carer(session: AsyncSession, carer_id: int) -> Carer:
    carer = await fetch_carer(session, carer_id=carer_id)
    if carer is None:
        raise SettingRefused("no such carer")
    return carer


async def set_language(session: AsyncSession, *, carer_id: int, language: str) -> Carer:
    """Change the language of every message to this carer, their texts and emails too (their family contacts)."""
    if language not in SUPPORTED_LANGUAGES:
        raise SettingRefused(language)
    carer = await _carer(session, carer_id)
    carer.language = language
    contacts = [contact for contact in await fetch_contacts_for_carer(session, carer_id=carer_id) if contact.erased_at is None]
    for contact in contacts:
        contact.language = language
    await save_contacts(session, contacts=contacts)
    return await save_carer(session, carer=carer)


async def set_quiet_hours(session: AsyncSession, *, carer_id: int, preset: str | None) -> Carer:
    """Set quiet hours to one of the presets, or switch them off with None."""
    if preset is not None and preset not in QUIET_HOURS_PRESETS:
        raise SettingRefused(preset)
    carer = await _carer(session, carer_id)
    carer.quiet_hours_start, carer.quiet_hours_end = QUIET_HOURS_PRESETS[preset] if preset else (None, None)
    return await save_carer(session, carer=carer)


async def set_update_kind(session: AsyncSession, *, carer_id: int, kind: str, is_wanted: bool) -> Carer:
    """Switch one kind of update on or off (messages the council must send are never switched off)."""
    if kind not in UPDATE_KINDS:
        raise SettingRefused(kind)
    carer = await _carer(session, carer_id)
    muted = [item for item in carer.muted_update_kinds if item != kind]
    if not is_wanted:
        muted.append(kind)
    carer.muted_update_kinds = sorted(muted)
    return await save_carer(session, carer=carer)


async def list_linked_children(session: AsyncSession, *, carer_id: int) -> list[LinkedChild]:
    """The children this carer is linked to."""
    rows = await fetch_linked_children(session, carer_id=carer_id)
    return [LinkedChild(child_id=child.id, name=child.display_name, school=school.name) for _, child, school in rows]  # type: ignore[arg-type]


async def ask_to_unlink(session: AsyncSession, *, chat_id: int, carer_id: int, child_id: int, now: datetime) -> tuple[str, int]:
    """The confirmation step before unlinking; the child's name and the version for the buttons."""
    if await fetch_link(session, carer_id=carer_id, child_id=child_id) is None:
        raise SettingRefused("not linked")
    child = await fetch_child(session, child_id=child_id)
    assert child is not None
    version = await move_to(session, chat_id=chat_id, step=Step.CONFIRM_UNLINK, data={"child_id": child_id}, now=now)
    return child.display_name, version


async def unlink_child(session: AsyncSession, *, chat_id: int, carer_id: int, expected_version: int, now: datetime) -> str:
    """Unlink the child named in the confirmation step; return the child's name."""
    context = await require_step(session, chat_id=chat_id, step=Step.CONFIRM_UNLINK, version=expected_version)
    child_id = int(context.data["child_id"])
    child = await fetch_child(session, child_id=child_id)
    await delete_link(session, carer_id=carer_id, child_id=child_id)
    await move_to(session, chat_id=chat_id, step=Step.IDLE, now=now)
    return child.display_name if child else ""
