"""/api/v1/transport/children/{child_id}/contacts: a child's family contacts, seen and changed by officers (audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from db.models import ContactChannel, FamilyContact
from services.staff.permissions import Permission
from services.transport.child_contacts import ContactForm, ContactFormRefused, change_child_contact, read_child_contacts
from services.transport.staff import TransportNotFound
from web.api.registry import ApiCall, ApiNotFound, ApiProblem, api_operation
from web.api.schemas import PLAIN_TEXT_PATTERN, RecordId, plain_text
from web.keys import SETTINGS

TAG = "Transport"
LANGUAGE_DESCRIPTION = "The language texts, emails and letters are written in: en or pl (null: English)"
AddressLine = Annotated[str, Field(min_length=1, max_length=100, pattern=PLAIN_TEXT_PATTERN)]


class ChildPath(BaseModel):
    """A child's id in the path."""

    child_id: RecordId = Field(examples=[1])


class ContactPath(BaseModel):
    """A child's id and one of their contacts' ids."""

    child_id: RecordId = Field(examples=[1])
    contact_id: RecordId = Field(examples=[1])


class ContactPublic(BaseModel):
    """One parent or carer the council holds for the child."""

    id: int
    position: int = Field(description="1 or 2: carer1/carer2 in the import; 3 and above: added in Carerline")
    name: str | None
    mobile: str | None = Field(description="UK mobile in E.164, e.g. +447700900123")
    email: str | None
    postal_address: list[str] | None = Field(description="Address lines, the postcode last")
    preferred_channel: ContactChannel | None = Field(description="The channel used first; null: the first one held")
    language: Literal["en", "pl"] | None = Field(
        description=LANGUAGE_DESCRIPTION + "; a carer who linked in Telegram chose it there"
    )
    is_linked_in_telegram: bool
    changed_by: str | None = Field(description="carer or officer when changed in Carerline (the import then leaves it alone)")
    changed_at: datetime | None
    erased_at: datetime | None = Field(description="Set when erased at the family's request: every detail is empty")


class ChildContactsPublic(BaseModel):
    """A child and their family contacts (officers only; every view is audited)."""

    child_id: int
    council_reference: str
    name: str
    contacts: list[ContactPublic]


class ContactUpdate(BaseModel):
    """The contact's details as they should be: a null or missing detail is removed."""

    name: str = plain_text(min_length=1, max_length=100, description="The parent's or carer's name")
    mobile: str | None = plain_text(default=None, max_length=40, description="A UK mobile number, e.g. 07700 900123")
    email: str | None = plain_text(default=None, max_length=320, description="An address GOV.UK Notify can send to")
    postal_address: list[AddressLine] | None = Field(
        default=None, max_length=7, description="3 to 7 lines, the last a UK postcode", examples=[["14 Quarry Rise", "Maidstone", "ME14 1XQ"]]
    )
    preferred_channel: ContactChannel | None = None
    language: Literal["en", "pl"] | None = Field(default=None, description=LANGUAGE_DESCRIPTION, examples=["pl"])


class ContactProblem(ApiProblem):
    """Details we cannot use: 422 with one `fields` entry per detail."""

    status = 422

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("Nothing was saved: " + "; ".join(message for _, message in errors))
        names = {"mobile": "mobile", "email": "email", "address": "postal_address", "channel": "preferred_channel", "name": "name",
                 "language": "language"}
        self.fields = [{"location": "body", "field": names.get(field, field), "message": message} for field, message in errors]


def _public(contact: FamilyContact) -> ContactPublic:
    return ContactPublic(
        id=contact.id or 0,
        position=contact.position,
        name=contact.name,
        mobile=contact.mobile_e164,
        email=contact.email,
        postal_address=contact.postal_address.split("\n") if contact.postal_address else None,
        preferred_channel=contact.preferred_channel,
        language=contact.language if contact.language in ("en", "pl") else None,  # type: ignore[arg-type]
        is_linked_in_telegram=contact.carer_id is not None,
        changed_by=contact.changed_by,
        changed_at=contact.changed_at,
        erased_at=contact.erased_at,
    )


@api_operation(
    "GET",
    "/transport/children/{child_id}/contacts",
    summary="A child's family contacts",
    tag=TAG,
    permission=Permission.RECORD_TRANSPORT_CHANGES,
    path_params=ChildPath,
    response=ChildContactsPublic,
)
async def list_child_contacts(call: ApiCall) -> ChildContactsPublic:
    """Names, UK mobiles, emails, postal addresses and the channel used first (officers only; every view is audited)."""
    try:
        async with call.database.transaction() as session:
            view = await read_child_contacts(session, child_id=call.params.child_id, actor=call.actor, origin=call.origin, now=call.now)
    except TransportNotFound:
        raise ApiNotFound(f"No child {call.params.child_id}") from None
    return ChildContactsPublic(
        child_id=view.child.id or 0,
        council_reference=view.child.council_reference,
        name=view.child.display_name,
        contacts=[_public(contact) for contact in view.contacts],
    )


@api_operation(
    "PUT",
    "/transport/children/{child_id}/contacts/{contact_id}",
    summary="Change a family contact",
    tag=TAG,
    permission=Permission.RECORD_TRANSPORT_CHANGES,
    path_params=ContactPath,
    body=ContactUpdate,
    response=ContactPublic,
    errors=(422,),
)
async def change_child_contact_details(call: ApiCall) -> ContactPublic:
    """Replace the contact's details, checked as the import checks them; audited. The import then leaves them alone."""
    body: ContactUpdate = call.body
    form = ContactForm(
        name=body.name,
        mobile=body.mobile or "",
        email=body.email or "",
        address="\n".join(body.postal_address or []),
        channel=body.preferred_channel.value if body.preferred_channel else "",
        language=body.language or "",
    )
    try:
        async with call.database.transaction() as session:
            contact = await change_child_contact(
                session,
                child_id=call.params.child_id,
                contact_id=call.params.contact_id,
                form=form,
                notice_version=call.request.app[SETTINGS].privacy_notice_version,
                actor=call.actor,
                origin=call.origin,
                now=call.now,
            )
    except TransportNotFound:
        raise ApiNotFound(f"No contact {call.params.contact_id} of child {call.params.child_id}") from None
    except ContactFormRefused as refused:
        raise ContactProblem(refused.errors) from None
    return _public(contact)
