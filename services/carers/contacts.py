"""A linked carer and the family contact the council holds: matching them at linking, and the carer's own changes.

One family per child: a carer who links is attached to a contact the import brought (by elimination, or by the
first word of the name, or by asking them); only when the council holds nothing for them is a contact added, at a
position the import never uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.carers.accounts import fetch_carer, fetch_link, fetch_linked_children
from db.dao.carers.linking import fetch_child
from db.dao.transport.contacts import (
    fetch_contact,
    fetch_contacts_for_carer,
    fetch_contacts_of_child,
    next_free_position,
    save_contact_change,
    save_contacts,
)
from db.models import Carer, ContactChange, ContactChangeAction, ContactChangeActor, ContactChannel, FamilyContact
from services.carers.contact_details import (
    ChangeRecorder,
    apply_channel,
    apply_email,
    apply_mobile,
    checked_email,
    checked_mobile,
    has_detail,
    name_key,
    needed_detail,
)
from services.carers.conversations import CONTACT_STEPS, Step, move_to


class ContactRefused(ValueError):
    """A contact choice we cannot take (an old or forged button, or a channel with nothing held for it)."""


@dataclass(frozen=True)
class ContactChoice:
    """Two contacts the council holds for a child, and the carer may be either: we ask which (or neither)."""

    child_id: int
    child_name: str
    options: tuple[tuple[int, str], ...]  # (contact id, first word of the name)


@dataclass(frozen=True)
class HeldContact:
    """What we hold to reach the carer, as Settings shows it."""

    channel: ContactChannel
    mobile_e164: str | None
    email: str | None
    has_postal_address: bool

    def may_use(self, channel: ContactChannel) -> bool:
        """True when what the channel needs is held."""
        held = {"mobile": self.mobile_e164, "email": self.email, "address": self.has_postal_address}
        detail = needed_detail(channel)
        return detail is None or bool(held[detail])


def _live(contacts: list[FamilyContact]) -> list[FamilyContact]:
    return [contact for contact in contacts if contact.erased_at is None]


async def _carer(session: AsyncSession, carer_id: int) -> Carer:
    carer = await fetch_carer(session, carer_id=carer_id)
    if carer is None or carer.erased_at is not None:
        raise ContactRefused("no such carer")
    return carer


def _recorder(carer: Carer, now: datetime) -> ChangeRecorder:
    return ChangeRecorder(
        actor=ContactChangeActor.CARER, notice_version=carer.consent_notice_version or "", now=now, carer_id=carer.id
    )


async def _record(session: AsyncSession, changes: list[ContactChange]) -> None:
    for change in changes:
        await save_contact_change(session, change=change)


async def match_contact(session: AsyncSession, *, carer_id: int, child_id: int, now: datetime) -> ContactChoice | None:
    """Attach the carer to one of the child's unattached contacts if we can tell which; else the choice to ask."""
    carer = await _carer(session, carer_id)
    contacts = _live(await fetch_contacts_of_child(session, child_id=child_id))
    if any(contact.carer_id == carer_id for contact in contacts):
        return None
    free = [contact for contact in contacts if contact.carer_id is None]
    named = [contact for contact in free if name_key(contact.name) and name_key(contact.name) == name_key(carer.first_name)]
    chosen = free[0] if len(free) == 1 else named[0] if len(named) == 1 else None
    if chosen is not None:
        await _attach(session, carer=carer, contact=chosen, now=now)
        return None
    if len(free) < 2:
        return None
    child = await fetch_child(session, child_id=child_id)
    options = tuple((contact.id, (contact.name or "").split()[0] if contact.name else "?") for contact in free[:2])
    return ContactChoice(child_id=child_id, child_name=child.display_name if child else "", options=options)  # type: ignore[arg-type]


async def _attach(session: AsyncSession, *, carer: Carer, contact: FamilyContact, now: datetime) -> None:
    contact.carer_id = carer.id
    contact.language = carer.language  # the language they chose in the bot wins over the import's
    contact.updated_at = now
    await save_contacts(session, contacts=[contact])
    await _record(session, [_recorder(carer, now).record(contact, ContactChangeAction.ATTACHED, None)])


async def answer_contact_choice(
    session: AsyncSession, *, carer_id: int, child_id: int, contact_id: int | None, now: datetime
) -> str:
    """The carer said which contact is them (None: neither, so we add them to the same child's family); the child's name."""
    carer = await _carer(session, carer_id)
    if await fetch_link(session, carer_id=carer_id, child_id=child_id) is None:
        raise ContactRefused("not linked")
    contacts = _live(await fetch_contacts_of_child(session, child_id=child_id))
    if any(contact.carer_id == carer_id for contact in contacts):
        raise ContactRefused("already answered")
    if contact_id is None:
        contact = await _new_contact(session, carer=carer, child_id=child_id, now=now)
        await _record(session, [_recorder(carer, now).record(contact, ContactChangeAction.NOT_LISTED, None)])
    else:
        chosen = await fetch_contact(session, contact_id=contact_id)
        if chosen is None or chosen.child_id != child_id or chosen.carer_id is not None or chosen.erased_at is not None:
            raise ContactRefused("not a free contact of this child")
        await _attach(session, carer=carer, contact=chosen, now=now)
    child = await fetch_child(session, child_id=child_id)
    return child.display_name if child else ""


async def _new_contact(session: AsyncSession, *, carer: Carer, child_id: int, now: datetime) -> FamilyContact:
    position = await next_free_position(session, child_id=child_id)
    contact = FamilyContact(child_id=child_id, position=position, name=carer.first_name, carer_id=carer.id,
                            language=carer.language, updated_at=now)
    await save_contacts(session, contacts=[contact])
    return contact


async def pending_choices(session: AsyncSession, *, carer_id: int, now: datetime) -> list[ContactChoice]:
    """Children whose contact we still cannot match to the carer without asking (matching any we now can)."""
    choices = []
    for _link, child, _school in await fetch_linked_children(session, carer_id=carer_id):
        assert child.id is not None
        choice = await match_contact(session, carer_id=carer_id, child_id=child.id, now=now)
        if choice is not None:
            choices.append(choice)
    return choices


async def read_held_contact(session: AsyncSession, *, carer_id: int) -> HeldContact:
    """The channel we use first and the details we hold, across the carer's contacts (one per child)."""
    contacts = _live(await fetch_contacts_for_carer(session, carer_id=carer_id))
    channel = next((contact.preferred_channel for contact in contacts if contact.preferred_channel), None)
    return HeldContact(
        channel=ContactChannel(channel) if channel else ContactChannel.TELEGRAM,
        mobile_e164=next((contact.mobile_e164 for contact in contacts if contact.mobile_e164), None),
        email=next((contact.email for contact in contacts if contact.email), None),
        has_postal_address=any(contact.postal_address for contact in contacts),
    )


async def _own_contacts(session: AsyncSession, *, carer: Carer, now: datetime) -> list[FamilyContact]:
    """The carer's contacts, adding one for each linked child the council holds nothing for them on."""
    assert carer.id is not None
    contacts = _live(await fetch_contacts_for_carer(session, carer_id=carer.id))
    covered = {contact.child_id for contact in contacts}
    for _link, child, _school in await fetch_linked_children(session, carer_id=carer.id):
        if child.id in covered:
            continue
        if await match_contact(session, carer_id=carer.id, child_id=child.id, now=now) is None:  # type: ignore[arg-type]
            matched = [c for c in await fetch_contacts_of_child(session, child_id=child.id) if c.carer_id == carer.id]  # type: ignore[arg-type]
            contacts.extend(matched or [await _new_contact(session, carer=carer, child_id=child.id, now=now)])  # type: ignore[arg-type]
    return contacts


Apply = Callable[[FamilyContact, ChangeRecorder], list[ContactChange]]


async def _change(session: AsyncSession, *, carer_id: int, now: datetime, apply: Apply) -> HeldContact:
    carer = await _carer(session, carer_id)
    contacts = await _own_contacts(session, carer=carer, now=now)
    recorder = _recorder(carer, now)
    changes: list[ContactChange] = []
    for contact in contacts:
        changes.extend(apply(contact, recorder))
    await save_contacts(session, contacts=contacts)
    await _record(session, changes)
    return await read_held_contact(session, carer_id=carer_id)


async def choose_channel(session: AsyncSession, *, carer_id: int, channel: ContactChannel, now: datetime) -> HeldContact:
    """Use this channel first; ContactRefused when nothing is held for it (no mobile for texts, say)."""
    held = await read_held_contact(session, carer_id=carer_id)
    if not held.may_use(channel):
        raise ContactRefused(f"nothing held for {channel.value}")
    detail = needed_detail(channel)

    def apply(contact: FamilyContact, recorder: ChangeRecorder) -> list[ContactChange]:
        # A contact for another child may lack the detail (letters go only where the council holds the address).
        return apply_channel(contact, channel, recorder) if has_detail(contact, detail) else []

    return await _change(session, carer_id=carer_id, now=now, apply=apply)


async def change_mobile(session: AsyncSession, *, carer_id: int, raw: str | None, now: datetime) -> HeldContact:
    """Set the carer's mobile (a UK mobile, stored in E.164) or remove it with None; DetailRefused says why not."""
    mobile = checked_mobile(raw) if raw is not None else None
    return await _change(session, carer_id=carer_id, now=now, apply=lambda contact, recorder: apply_mobile(contact, mobile, recorder))


async def change_email(session: AsyncSession, *, carer_id: int, raw: str | None, now: datetime) -> HeldContact:
    """Set the carer's email (as Notify would accept it) or remove it with None; DetailRefused says why not."""
    email = checked_email(raw) if raw is not None else None
    return await _change(session, carer_id=carer_id, now=now, apply=lambda contact, recorder: apply_email(contact, email, recorder))



async def ask_for_detail(session: AsyncSession, *, chat_id: int, step: Step, now: datetime) -> None:
    """The step where the next text typed is the carer's mobile number (CONTACT_MOBILE) or email (CONTACT_EMAIL)."""
    if step not in CONTACT_STEPS:
        raise ContactRefused(step)
    await move_to(session, chat_id=chat_id, step=step, now=now)


async def receive_detail(session: AsyncSession, *, chat_id: int, carer_id: int, step: str, raw: str, now: datetime) -> HeldContact:
    """Save the detail typed at this step and leave it; DetailRefused (the step stays) when it cannot be used."""
    change = change_mobile if step == Step.CONTACT_MOBILE else change_email
    held = await change(session, carer_id=carer_id, raw=raw, now=now)
    await move_to(session, chat_id=chat_id, step=Step.IDLE, now=now)
    return held
