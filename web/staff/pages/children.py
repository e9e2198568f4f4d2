"""One child's page for officers: who they are, and their family's contact details (seen and changed, audited)."""

from __future__ import annotations

from aiohttp import web

from db.models import ContactChannel
from services.staff.permissions import Permission
from services.transport.child_contacts import (
    CHANNEL_LABELS,
    LANGUAGE_LABELS,
    ContactForm,
    ContactFormRefused,
    change_child_contact,
    read_child_contacts,
)
from services.transport.staff import TransportNotFound
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE, SETTINGS
from web.staff.pages.transport import record_id
from web.staff.rendering import render_page

FIELDS = ("name", "mobile", "email", "address", "channel", "language")
LANGUAGE_CHOICES = [*LANGUAGE_LABELS.items(), ("", "Not known: English")]
CHANNEL_CHOICES = [(channel.value, CHANNEL_LABELS[channel]) for channel in ContactChannel] + [("", "Not chosen: the first channel held")]


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def child_page(request: web.Request) -> web.StreamResponse:
    """The child and their family contacts (officers only; each view is audited)."""
    return await _render(request, errors=[], forms={})


async def _render(
    request: web.Request, *, errors: list[tuple[str, str]], forms: dict[int, dict[str, str]]
) -> web.Response:
    try:
        async with request.app[DATABASE].transaction() as session:
            view = await read_child_contacts(
                session,
                child_id=record_id(request, "child_id"),
                actor=require_principal(request).actor,
                origin=origin_of(request),
                now=request.app[CLOCK](),
            )
    except TransportNotFound:
        raise web.HTTPNotFound() from None
    context = {"view": view, "channels": CHANNEL_CHOICES, "languages": LANGUAGE_CHOICES, "forms": forms, "errors": errors, "notice": request.query.get("notice")}
    return render_page(request, "staff/transport_child.html", context, status=422 if errors else 200)


@require(Permission.RECORD_TRANSPORT_CHANGES)
async def contact_submit(request: web.Request) -> web.StreamResponse:
    """Save one contact's details, or show the page again with what to fix."""
    child_id, contact_id = record_id(request, "child_id"), record_id(request, "contact_id")
    posted = await request.post()
    values = {field: str(posted.get(field, ""))[:2000] for field in FIELDS}
    try:
        async with request.app[DATABASE].transaction() as session:
            await change_child_contact(
                session,
                child_id=child_id,
                contact_id=contact_id,
                form=ContactForm(**values),
                notice_version=request.app[SETTINGS].privacy_notice_version,
                actor=require_principal(request).actor,
                origin=origin_of(request),
                now=request.app[CLOCK](),
            )
    except TransportNotFound:
        raise web.HTTPNotFound() from None
    except ContactFormRefused as refused:
        errors = [(f"c{contact_id}-{field}", message) for field, message in refused.errors]
        return await _render(request, errors=errors, forms={contact_id: values})
    return web.Response(status=303, headers={"Location": f"/transport/children/{child_id}?notice=saved"})
