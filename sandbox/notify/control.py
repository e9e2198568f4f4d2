"""The control API under /_notify/: what each family got, faults, outcomes, callbacks, received texts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.notify.serialise import iso
from sandbox.notify.world import EMULATOR, NotifyService

if TYPE_CHECKING:
    from sandbox.notify.model import Notification, ReceivedText


def _emulator(request: web.Request) -> NotifyService:
    return request.app[EMULATOR]  # type: ignore[return-value]


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.read() or b"{}")
    except ValueError:
        raise web.HTTPBadRequest(text="body is not JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return data


def message_json(notification: Notification) -> dict[str, Any]:
    """A text, email or letter as the phone page shows it."""
    return {"id": notification.id, "type": notification.type, "to": notification.to, "status": notification.status,
            "subject": notification.subject, "body": notification.body, "reference": notification.reference,
            "created_at": iso(notification.created_at), "completed_at": iso(notification.completed_at)}


def received_json(text: ReceivedText) -> dict[str, Any]:
    """A text a family sent, as the phone page shows it."""
    return {"id": text.id, "source_number": text.source_number, "message": text.message,
            "date_received": iso(text.date_received)}


async def list_messages(request: web.Request) -> web.Response:
    """GET /_notify/messages?to=+447700900001 (or an email): what was sent, and as `received` what it texted back."""
    emulator = _emulator(request)
    recipient = request.query.get("to")
    if recipient is not None and recipient.strip().isdigit():  # "+44..." unescaped in a URL arrives as " 44..."
        recipient = "+" + recipient.strip()
    found = emulator.messages_for(recipient) if recipient else list(emulator.notifications.values())
    if recipient is None:
        received = emulator.received_texts
    else:
        received = emulator.texts_from(recipient) if "@" not in recipient else []
    return web.json_response({"messages": [message_json(n) for n in found],
                              "received": [received_json(t) for t in received]})


async def people(request: web.Request) -> web.Response:
    """GET /_notify/people: whose phones and inboxes the phone page shows; POST adds one {"name", "mobile", ...}."""
    emulator = _emulator(request)
    if request.method == "POST":
        data = await _json(request)
        if not isinstance(data.get("name"), str) or not (data.get("mobile") or data.get("email")):
            raise web.HTTPBadRequest(text="name and a mobile or an email are required")
        telegram = data.get("telegram_user_id")
        emulator.add_person(name=data["name"], mobile=data.get("mobile"), email=data.get("email"),
                            telegram_user_id=int(telegram) if telegram is not None else None,
                            note=str(data.get("note") or ""))
    return web.json_response({"people": [person.as_json() for person in emulator.people],
                              "inbound_number": emulator.inbound_number})


async def set_faults(request: web.Request) -> web.Response:
    """POST /_notify/faults {"rate_limit_fraction": 0.02, ...}; DELETE resets them."""
    emulator = _emulator(request)
    if request.method == "DELETE":
        emulator.reset_faults()
    else:
        try:
            emulator.set_faults(**await _json(request))
        except (TypeError, ValueError) as error:
            raise web.HTTPBadRequest(text=str(error)) from None
    return web.json_response({"ok": True})


async def set_outcome(request: web.Request) -> web.Response:
    """POST /_notify/outcomes {"to": "+447700900001", "status": "permanent-failure"}."""
    data = await _json(request)
    if data.get("status") not in {"delivered", "permanent-failure", "temporary-failure", "technical-failure"}:
        raise web.HTTPBadRequest(text="status must be delivered or a failure status")
    _emulator(request).set_outcome(recipient=str(data.get("to", "")), status=data["status"])
    return web.json_response({"ok": True})


async def set_callbacks(request: web.Request) -> web.Response:
    """POST /_notify/callbacks {"status_url", "status_token", "inbound_url", "inbound_token"}."""
    data = await _json(request)
    _emulator(request).set_callbacks(**{key: data.get(key) for key in
                                        ("status_url", "status_token", "inbound_url", "inbound_token")})
    return web.json_response({"ok": True})


async def receive_text(request: web.Request) -> web.Response:
    """POST /_notify/inbound {"source_number": "+447700900001", "message": "YES"}: a family texts back."""
    data = await _json(request)
    if not data.get("source_number") or not isinstance(data.get("message"), str):
        raise web.HTTPBadRequest(text="source_number and message are required")
    text = await _emulator(request).receive_text(source_number=str(data["source_number"]), message=data["message"])
    return web.json_response({"id": text.id})


async def stats(request: web.Request) -> web.Response:
    """GET /_notify/stats: requests, rejections by error kind, messages by channel and status, callbacks."""
    emulator = _emulator(request)
    by_status: dict[str, int] = {}
    for notification in emulator.notifications.values():
        key = f"{notification.type}:{notification.status}"
        by_status[key] = by_status.get(key, 0) + 1
    return web.json_response({
        "requests": dict(emulator.requests), "rejected": dict(emulator.rejected), "by_status": by_status,
        "callbacks": [{"kind": a.kind, "id": a.notification_id, "status_code": a.status_code}
                      for a in emulator.callbacks.attempts],
    })


def add_control_routes(app: web.Application) -> None:
    """Mount the control API."""
    app.router.add_get("/_notify/messages", list_messages)
    app.router.add_get("/_notify/people", people)
    app.router.add_post("/_notify/people", people)
    app.router.add_post("/_notify/faults", set_faults)
    app.router.add_delete("/_notify/faults", set_faults)
    app.router.add_post("/_notify/outcomes", set_outcome)
    app.router.add_post("/_notify/callbacks", set_callbacks)
    app.router.add_post("/_notify/inbound", receive_text)
    app.router.add_get("/_notify/stats", stats)
