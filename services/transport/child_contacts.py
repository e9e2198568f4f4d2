"""Officers and a child's family contacts: seeing them (an audited identifying view) and changing them (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.transport.contacts import fetch_contacts_of_child, fetch_school_name, save_contact_change, save_contacts
from db.dao.transport.staff import fetch_child_by_id, fetch_route_rows
from db.models import Child, ContactChange, ContactChangeAction, ContactChangeActor, ContactChannel, FamilyContact
from services.carers.contact_details import (
    ChangeRecorder,
    DetailRefused,
    EmailProblem,
    MobileProblem,
    apply_channel,
    apply_email,
    apply_mobile,
    checked_email,
    checked_mobile,
    has_detail,
    needed_detail,
)
from services.staff.audit import Actor, RequestOrigin, record_audit
from services.transport.contacts import contact_language, postal_address
from services.transport.staff import TransportNotFound

MAX_NAME_LENGTH = 100
CHANNEL_LABELS = {
    ContactChannel.TELEGRAM: "Telegram",
    ContactChannel.SMS: "Text message",
    ContactChannel.EMAIL: "Email",
    ContactChannel.LETTER: "Letter",
}
LANGUAGE_LABELS = {"en": "English", "pl": "Polish"}
_PROBLEMS = {
    MobileProblem.TOO_LONG: "Enter a UK mobile number, like 07700 900123",
    MobileProblem.NOT_A_NUMBER: "Enter a UK mobile number in digits, like 07700 900123",
    MobileProblem.LANDLINE: "Enter a mobile number: this is a landline, and GOV.UK Notify texts only UK mobiles",
    MobileProblem.NOT_UK: "Enter a UK mobile number: GOV.UK Notify texts only UK mobiles",
    MobileProblem.NOT_VALID: "Enter a UK mobile number with 11 digits, like 07700 900123",
    EmailProblem.TOO_LONG: "Enter an email address of 320 characters or fewer",
    EmailProblem.NOT_VALID: "Enter an email address in the correct format, like name@example.com",
}
_NEEDS = {"mobile": "Add a mobile number to send texts", "email": "Add an email address to send emails",
          "address": "Add a postal address to send letters"}


class ContactFormRefused(Exception):
    """The officer's form has fields to fix: (field, message) pairs, as the error summary lists them."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(f"{len(errors)} field(s) to fix")
        self.errors = errors


@dataclass(frozen=True)
class ContactForm:
    """What the officer typed for one contact; an empty field removes that detail."""

    name: str
    mobile: str
    email: str
    address: str
    channel: str  # a ContactChannel value, or "" for none
    language: str = ""  # "en" or "pl" (the language texts, emails and letters are written in), or "" for not known


@dataclass(frozen=True)
class ChildContacts:
    """A child with their school and route, and the family contacts the council holds."""

    child: Child
    school_name: str
    route_code: str | None
    contacts: list[FamilyContact]


async def read_child_contacts(
    session: AsyncSession, *, child_id: int, actor: Actor, origin: RequestOrigin | None, now: datetime
) -> ChildContacts:
    """The child and their contacts; audited as an identifying view (names, numbers, emails, addresses)."""
    child = await fetch_child_by_id(session, child_id=child_id)
    if child is None or child.id is None:
        raise TransportNotFound(f"no child {child_id}")
    contacts = await fetch_contacts_of_child(session, child_id=child.id)
    routes = await fetch_route_rows(session, route_id=child.route_id) if child.route_id is not None else []
    school_name = await fetch_school_name(session, school_id=child.school_id)
    await record_audit(
        session, actor=actor, action="transport.child_contacts_viewed", object_type="child", object_ids=[child.id],
        detail={"contacts": len(contacts)}, origin=origin, now=now,
    )
    return ChildContacts(child=child, school_name=school_name, route_code=routes[0].route.code if routes else None, contacts=contacts)


async def change_child_contact(
    session: AsyncSession,
    *,
    child_id: int,
    contact_id: int,
    form: ContactForm,
    notice_version: str,
    actor: Actor,
    origin: RequestOrigin | None,
    now: datetime,
) -> FamilyContact:
    """Apply the officer's form to one contact, all fields or none (ContactFormRefused); audited with what changed."""
    contact = next((item for item in await fetch_contacts_of_child(session, child_id=child_id) if item.id == contact_id), None)
    if contact is None or contact.erased_at is not None:
        raise TransportNotFound(f"no contact {contact_id} of child {child_id}")
    name, mobile, email, address, channel = _checked(form)
    language = _checked_language(form.language)
    recorder = ChangeRecorder(actor=ContactChangeActor.OFFICER, notice_version=notice_version, now=now)
    changes: list[ContactChange] = []
    changed = [field for field, old, new in (("name", contact.name, name), ("address", contact.postal_address, address),
                                             ("language", contact.language, language)) if old != new]
    contact.name, contact.language = name, language
    if contact.postal_address != address:
        contact.postal_address = address
        action = ContactChangeAction.ADDED if address else ContactChangeAction.REMOVED
        changes.append(recorder.record(contact, action, ContactChannel.LETTER))
    changes += apply_mobile(contact, mobile, recorder) + apply_email(contact, email, recorder)
    if channel is not None and not has_detail(contact, needed_detail(channel)):
        raise ContactFormRefused([("channel", _NEEDS[needed_detail(channel) or ""])])
    if channel == ContactChannel.TELEGRAM and contact.carer_id is None:
        raise ContactFormRefused([("channel", "This carer has not linked in Telegram: choose another channel")])
    changes += apply_channel(contact, channel, recorder)
    changed += sorted({str(change.channel) + ":" + change.action for change in changes if change.channel})
    if not changed:
        return contact
    recorder.touch(contact)
    await save_contacts(session, contacts=[contact])
    for change in changes:
        await save_contact_change(session, change=change)
    await record_audit(
        session, actor=actor, action="transport.child_contact_changed", object_type="family_contact", object_ids=[contact_id],
        detail={"child_id": child_id, "changed": changed}, origin=origin, now=now,
    )
    return contact


def _checked_language(raw: str) -> str | None:
    """The contact's language from the form ("en", "pl"), None when not given; ValueError for anything else."""
    return contact_language(raw) if raw.strip() else None


def _checked(form: ContactForm) -> tuple[str, str | None, str | None, str | None, ContactChannel | None]:
    errors: list[tuple[str, str]] = []
    name = " ".join(form.name.split())
    if not name:
        errors.append(("name", "Enter the carer's name"))
    elif len(name) > MAX_NAME_LENGTH:
        errors.append(("name", f"The name must be {MAX_NAME_LENGTH} characters or fewer"))
    values: dict[str, str | None] = {"mobile": None, "email": None, "address": None}
    for field, check in (("mobile", checked_mobile), ("email", checked_email)):
        if getattr(form, field).strip():
            try:
                values[field] = check(getattr(form, field))
            except DetailRefused as refused:
                errors.append((field, _PROBLEMS[refused.reason]))  # type: ignore[index]
    if form.address.strip():
        try:
            values["address"] = postal_address(form.address.replace("\r\n", "\n"))
        except ValueError as error:
            errors.append(("address", f"The address {error}"))
    channel = None
    if form.channel:
        try:
            channel = ContactChannel(form.channel)
        except ValueError:
            errors.append(("channel", "Choose how we contact this carer first"))
    try:
        _checked_language(form.language)
    except ValueError:
        errors.append(("language", "Choose English or Polish for their texts, emails and letters"))
    if errors:
        raise ContactFormRefused(errors)
    return name, values["mobile"], values["email"], values["address"], channel
