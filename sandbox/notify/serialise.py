"""Notify's JSON shapes for notifications (app/models.py Notification.serialize_with_cost_data)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.notify.model import Notification, ReceivedText

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso(moment: datetime | None) -> str | None:
    """Notify's timestamp format, or None."""
    return None if moment is None else moment.strftime(DATETIME_FORMAT)


def notification_json(notification: Notification, *, url_root: str) -> dict[str, Any]:
    """GET /v2/notifications/{id}."""
    lines: list[Any] = [None] * 7
    if notification.type == "letter":
        given = [str(notification.personalisation.get(f"address_line_{n}") or "").strip() for n in range(1, 8)]
        given = [line for line in given if line]
        lines = given[:-1] + [None] * (7 - len(given)) + [given[-1]] if given else lines
    serialised: dict[str, Any] = {
        "id": notification.id,
        "reference": notification.reference,
        "email_address": notification.to if notification.type == "email" else None,
        "phone_number": notification.to if notification.type == "sms" else None,
        "line_1": lines[0], "line_2": lines[1], "line_3": lines[2], "line_4": lines[3],
        "line_5": lines[4], "line_6": lines[5], "postcode": lines[6],
        "type": notification.type,
        "status": notification.status,
        "template": {"version": notification.template.version, "id": notification.template.id,
                     "uri": f"{url_root}/v2/template/{notification.template.id}/version/{notification.template.version}"},
        "body": notification.body,
        "subject": notification.subject,
        "created_at": iso(notification.created_at),
        "created_by_name": None,
        "sent_at": iso(notification.sent_at),
        "completed_at": iso(notification.completed_at),
        "scheduled_for": None,
        "postage": notification.postage,
        "one_click_unsubscribe_url": None,
        "cost_details": {},
        "cost_in_pounds": 0.0,
        "is_cost_data_ready": True,
    }
    return serialised


def post_response_json(notification: Notification, *, url_root: str, service_id: str, from_number: str) -> dict[str, Any]:
    """The 201 body of a send (app/v2/notifications/create_response.py)."""
    response: dict[str, Any] = {
        "id": notification.id,
        "reference": notification.reference,
        "uri": f"{url_root}/v2/notifications/{notification.id}",
        "template": {"id": notification.template.id, "version": notification.template.version,
                     "uri": f"{url_root}/services/{service_id}/templates/{notification.template.id}"},
        "scheduled_for": None,
    }
    if notification.type == "sms":
        response["content"] = {"from_number": from_number, "body": notification.body}
    elif notification.type == "email":
        response["content"] = {"from_email": "carerline@notifications.service.gov.uk", "body": notification.body,
                               "subject": notification.subject, "one_click_unsubscribe_url": None}
    else:
        response["content"] = {"body": notification.body, "subject": notification.subject}
        response["postage"] = notification.postage
    return response


def received_text_json(text: ReceivedText, *, service_id: str) -> dict[str, Any]:
    """One item of GET /v2/received-text-messages."""
    return {"id": text.id, "created_at": iso(text.date_received), "service_id": service_id,
            "notify_number": text.destination_number, "user_number": text.source_number, "content": text.message}
