"""The aiohttp application: Notify's v2 routes (JWT auth, limits, faults, validation) and the control API."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from sandbox.notify.auth import authenticate
from sandbox.notify.control import add_control_routes
from sandbox.notify.errors import (
    NotifyApiError, bad_request, daily_limit_error, not_found, rate_limit_error, server_error, validation_error,
)
from sandbox.notify.model import ApiKey, Channel, Notification, missing_personalisation
from sandbox.notify.recipients import check_email_address, check_postal_address, normalise_uk_mobile
from sandbox.notify.serialise import notification_json, post_response_json, received_text_json
from sandbox.notify.world import EMULATOR, NotifyService

SMS_CHARACTER_LIMIT = 918
_DOUBLE_GSM = set("^{}\\[~]|€")
PAGE_SIZE = 250


def _emulator(request: web.Request) -> NotifyService:
    return request.app[EMULATOR]  # type: ignore[return-value]


def _authenticated(request: web.Request) -> ApiKey:
    emulator = _emulator(request)
    return authenticate(authorization=request.headers.get("Authorization"), service_id=emulator.service_id,
                        keys=emulator.keys.values())


@web.middleware
async def notify_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every NotifyApiError becomes Notify's JSON error body; anything else a 500 like Notify's."""
    try:
        return await handler(request)
    except NotifyApiError as error:
        if request.path.startswith("/v2/"):
            _emulator(request).rejected[error.error] += 1
        return web.json_response(error.body(), status=error.status_code)
    except web.HTTPException:
        raise
    except Exception:  # noqa: BLE001 - an emulator bug must look like Notify's 500, not a hang
        return web.json_response(server_error().body(), status=500)


async def post_notification(request: web.Request) -> web.Response:
    """POST /v2/notifications/{sms|email|letter}."""
    emulator = _emulator(request)
    channel: Channel = request.match_info["channel"]  # type: ignore[assignment]
    emulator.requests[f"post_{channel}"] += 1
    key = _authenticated(request)
    _inject_request_faults(emulator)
    data = await _json_body(request)
    recipient = _check_schema(channel, data)
    faults = emulator.faults
    if not emulator.limits.take_request(key_type=key.key_type, per_minute=faults.rate_limit_per_minute):
        raise rate_limit_error(key_type=key.key_type, per_minute=faults.rate_limit_per_minute)
    limit = faults.daily_limits.get(channel, 0)
    if not emulator.limits.has_room(channel=channel, limit=limit):
        raise daily_limit_error(channel=channel, limit=limit)
    template = emulator.templates.get(data["template_id"])
    if template is None:
        raise bad_request("Template not found")
    if template.type != channel:
        raise bad_request(f"{template.type} template is not suitable for {channel} notification")
    personalisation: dict[str, Any] = data.get("personalisation") or {}
    missing = missing_personalisation(template, personalisation)
    if missing:
        raise bad_request(f"Missing personalisation: {', '.join(missing)}")
    to = _check_recipient(emulator, key, channel, recipient, personalisation)
    body, subject = template.render(personalisation)
    _check_length(channel, body)
    notification = Notification(
        id=str(uuid.uuid4()), type=channel, template=template, to=to, body=body, subject=subject,
        personalisation=personalisation, reference=data.get("reference"), key_name=key.name, key_type=key.key_type,
        created_at=datetime.now(timezone.utc), postage=(data.get("postage") or "second") if channel == "letter" else None,
    )
    emulator.accept(notification=notification)
    return web.json_response(
        post_response_json(notification, url_root=_root(request), service_id=emulator.service_id,
                           from_number=emulator.inbound_number),
        status=201,
    )


def _inject_request_faults(emulator: NotifyService) -> None:
    faults, draw = emulator.faults, emulator.random.random()
    if draw < faults.server_error_fraction:
        raise server_error()
    draw -= faults.server_error_fraction
    if draw < faults.rate_limit_fraction:
        raise rate_limit_error(key_type="normal", per_minute=faults.rate_limit_per_minute)
    draw -= faults.rate_limit_fraction
    if draw < faults.daily_limit_fraction:
        raise daily_limit_error(channel="sms", limit=faults.daily_limits.get("sms", 0))


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.read() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Invalid JSON supplied in POST data") from None
    if not isinstance(data, dict):
        raise validation_error("None is not of type object" if data is None else f"{data} is not of type object")
    return data


def _check_schema(channel: Channel, data: dict[str, Any]) -> str | None:
    """Notify's request schema: required fields, a UUID template id, a reference of up to 1,000 characters."""
    field = {"sms": "phone_number", "email": "email_address", "letter": "personalisation"}[channel]
    for name in (field, "template_id"):
        if name not in data:
            raise validation_error(f"{name} is a required property")
    if not isinstance(data["template_id"], str) or not _is_uuid(data["template_id"]):
        raise validation_error("template_id is not a valid UUID")
    reference = data.get("reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 1000):
        raise validation_error("reference is not of type string" if not isinstance(reference, str)
                               else f"reference {reference} is too long")
    personalisation = data.get("personalisation")
    if personalisation is not None and not isinstance(personalisation, dict):
        raise validation_error(f"personalisation {personalisation} is not of type object")
    if channel == "sms":
        if not isinstance(data["phone_number"], str):
            raise validation_error(f"phone_number {data['phone_number']} is not of type string")
        return data["phone_number"]
    if channel == "email":
        if not isinstance(data["email_address"], str):
            raise validation_error(f"email_address {data['email_address']} is not of type string")
        return check_email_address(data["email_address"])
    return None


def _check_recipient(emulator: NotifyService, key: ApiKey, channel: Channel, recipient: str | None,
                     personalisation: dict[str, Any]) -> str | None:
    if channel == "letter":
        if key.key_type == "team":
            raise bad_request("Cannot send letters with a team api key", status_code=403)
        check_postal_address(personalisation)
        return None
    to = normalise_uk_mobile(recipient or "") if channel == "sms" else (recipient or "")
    if key.key_type == "team" and to.lower() not in emulator.team_members:
        raise bad_request("Can’t send to this recipient using a team-only API key")
    return to


def _check_length(channel: Channel, body: str) -> None:
    if channel == "sms":
        length = len(body) + sum(1 for character in body if character in _DOUBLE_GSM)
        if length > SMS_CHARACTER_LIMIT:
            raise bad_request(
                f"Your message is too long. Text messages cannot be longer than {SMS_CHARACTER_LIMIT} characters. "
                f"Your message is {length} characters long."
            )
    if not body.strip():
        raise bad_request("Your message is empty.")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _root(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def get_notification(request: web.Request) -> web.Response:
    """GET /v2/notifications/{id}."""
    emulator = _emulator(request)
    emulator.requests["get_notification"] += 1
    _authenticated(request)
    notification_id = request.match_info["notification_id"]
    if not _is_uuid(notification_id):
        raise validation_error("notification_id is not a valid UUID")
    notification = emulator.notifications.get(str(uuid.UUID(notification_id)))
    if notification is None:
        raise not_found()
    return web.json_response(notification_json(notification, url_root=_root(request)))


async def get_notifications(request: web.Request) -> web.Response:
    """GET /v2/notifications?reference=&status=&template_type=&older_than= (newest first, 250 a page)."""
    emulator = _emulator(request)
    emulator.requests["get_notifications"] += 1
    _authenticated(request)
    query = request.query
    found = list(reversed(emulator.notifications.values()))
    if "older_than" in query:
        ids = [n.id for n in found]
        found = found[ids.index(query["older_than"]) + 1:] if query["older_than"] in ids else []
    if "reference" in query:
        found = [n for n in found if n.reference == query["reference"]]
    if query.getall("status", []):
        found = [n for n in found if n.status in query.getall("status")]
    if "template_type" in query:
        found = [n for n in found if n.type == query["template_type"]]
    page = found[:PAGE_SIZE]
    links = {"current": str(request.url)}
    if page:
        links["next"] = str(request.url.update_query(older_than=page[-1].id))
    return web.json_response({"notifications": [notification_json(n, url_root=_root(request)) for n in page],
                              "links": links})


async def get_received_texts(request: web.Request) -> web.Response:
    """GET /v2/received-text-messages?older_than= (newest first)."""
    emulator = _emulator(request)
    _authenticated(request)
    texts = list(reversed(emulator.received_texts))
    if "older_than" in request.query:
        ids = [text.id for text in texts]
        texts = texts[ids.index(request.query["older_than"]) + 1:] if request.query["older_than"] in ids else []
    page = texts[:PAGE_SIZE]
    links = {"current": str(request.url)}
    if page:
        links["next"] = str(request.url.update_query(older_than=page[-1].id))
    return web.json_response({"received_text_messages": [received_text_json(t, service_id=emulator.service_id)
                                                         for t in page], "links": links})


def build_app(emulator: NotifyService) -> web.Application:
    """The emulator's aiohttp application."""
    app = web.Application(middlewares=[notify_errors])
    app[EMULATOR] = emulator
    app.router.add_post(r"/v2/notifications/{channel:sms|email|letter}", post_notification)
    app.router.add_get("/v2/notifications", get_notifications)
    app.router.add_get("/v2/notifications/{notification_id}", get_notification)
    app.router.add_get("/v2/received-text-messages", get_received_texts)
    add_control_routes(app)
    return app
