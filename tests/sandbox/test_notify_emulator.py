"""The GOV.UK Notify emulator answers the official notifications-python-client as Notify does, over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from sandbox.notify import NotifyEmulator
from sandbox.notify.emulator import GENERIC_TEMPLATE_IDS
from tests.support.waiting import wait_for_condition

SMS, EMAIL, LETTER = GENERIC_TEMPLATE_IDS["sms"], GENERIC_TEMPLATE_IDS["email"], GENERIC_TEMPLATE_IDS["letter"]
MOBILE = "07700 900001"
ADDRESS = {"address_line_1": "Anna Kowalska", "address_line_2": "14 Tonbridge Road", "address_line_3": "ME16 8AB"}


@pytest.fixture
async def notify() -> AsyncIterator[NotifyEmulator]:
    """A running emulator with receipts after 50 ms."""
    async with NotifyEmulator(seed=7) as running:
        running.set_faults(callback_delay_s=0.05)
        yield running


@pytest.fixture
def client(notify: NotifyEmulator) -> NotificationsAPIClient:
    """The official client, pointed at the emulator."""
    return NotificationsAPIClient(notify.api_key, base_url=notify.url)


async def call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run the synchronous client off the event loop the emulator serves on."""
    return await asyncio.to_thread(method, *args, **kwargs)


async def refused(method: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[int, list[dict[str, str]]]:
    """(status, errors) of a request the client raised HTTPError for."""
    with pytest.raises(HTTPError) as caught:
        await call(method, *args, **kwargs)
    return caught.value.status_code, caught.value.message  # type: ignore[return-value]


async def test_a_text_is_accepted_stored_and_found_by_id_and_reference(
    notify: NotifyEmulator, client: NotificationsAPIClient
) -> None:
    sent = await call(client.send_sms_notification, MOBILE, SMS, {"body": "Sam's pick-up moves to 7:55am"}, "ref-1")
    assert sent["reference"] == "ref-1" and sent["content"]["body"] == "Sam's pick-up moves to 7:55am"
    assert sent["template"] == {"id": SMS, "version": 1, "uri": sent["template"]["uri"]}
    assert sent["uri"].endswith(f"/v2/notifications/{sent['id']}")
    fetched = await call(client.get_notification_by_id, sent["id"])
    assert fetched["phone_number"] == "+447700900001" and fetched["type"] == "sms"
    assert fetched["status"] in {"created", "sending", "delivered"}
    listed = await call(client.get_all_notifications, reference="ref-1")
    assert [n["id"] for n in listed["notifications"]] == [sent["id"]]
    assert (await call(client.get_all_notifications, reference="other"))["notifications"] == []
    assert [n.body for n in notify.messages_for("+447700900001")] == ["Sam's pick-up moves to 7:55am"]


async def test_an_email_and_a_letter_are_accepted(client: NotificationsAPIClient) -> None:
    email = await call(client.send_email_notification, "anna.k@example.org", EMAIL,
                       {"subject": "Sam's transport", "body": "New time"}, "ref-e")
    assert email["content"]["subject"] == "Sam's transport" and email["content"]["body"] == "New time"
    letter = await call(client.send_letter_notification, LETTER,
                        {**ADDRESS, "subject": "Sam's transport", "body": "New time"}, "ref-l")
    assert letter["content"]["body"] == "New time" and letter["reference"] == "ref-l"
    fetched = await call(client.get_notification_by_id, letter["id"])
    assert (fetched["line_1"], fetched["line_2"], fetched["postcode"]) == ("Anna Kowalska", "14 Tonbridge Road", "ME16 8AB")
    assert fetched["status"] == "accepted"


@pytest.mark.parametrize(
    ("template", "recipient", "personalisation", "status", "error"),
    [
        (SMS, MOBILE, {}, 400, {"error": "BadRequestError", "message": "Missing personalisation: body"}),
        (SMS, "07700 90000x", {"body": "x"}, 400,
         {"error": "ValidationError", "message": "phone_number Must not contain letters or symbols"}),
        (SMS, "0770090", {"body": "x"}, 400, {"error": "ValidationError", "message": "phone_number Not enough digits"}),
        (SMS, "01622 000111", {"body": "x"}, 400, {"error": "InvalidPhoneError", "message": "Not a UK mobile number"}),
        (SMS, "+48 601 234 567", {"body": "x"}, 400,
         {"error": "BadRequestError", "message": "Cannot send to international mobile numbers"}),
        (EMAIL, MOBILE, {"body": "x"}, 400,
         {"error": "BadRequestError", "message": "email template is not suitable for sms notification"}),
        ("7d2b9a4e-0000-4000-8000-000000000000", MOBILE, {"body": "x"}, 400,
         {"error": "BadRequestError", "message": "Template not found"}),
        ("not-a-uuid", MOBILE, {"body": "x"}, 400, {"error": "ValidationError", "message": "template_id is not a valid UUID"}),
        (SMS, MOBILE, {"body": "x" * 919}, 400, {"error": "BadRequestError", "message":
         "Your message is too long. Text messages cannot be longer than 918 characters. Your message is 919 characters long."}),
    ],
)
async def test_each_bad_text_gets_notifys_error_body(
    notify: NotifyEmulator, client: NotificationsAPIClient, template: str, recipient: str,
    personalisation: dict[str, str], status: int, error: dict[str, str],
) -> None:
    assert await refused(client.send_sms_notification, recipient, template, personalisation, "ref") == (status, [error])
    assert notify.sent_count() == 0


async def test_bad_emails_and_addresses_get_validation_errors(client: NotificationsAPIClient) -> None:
    assert await refused(client.send_email_notification, "anna@@example", EMAIL, {"subject": "s", "body": "b"}) == (
        400, [{"error": "ValidationError", "message": "email_address Not a valid email address"}]
    )
    short = {"address_line_1": "Anna", "address_line_2": "ME16 8AB", "subject": "s", "body": "b"}
    assert await refused(client.send_letter_notification, LETTER, short) == (
        400, [{"error": "ValidationError", "message": "Address must be at least 3 lines"}]
    )
    no_postcode = {**ADDRESS, "address_line_3": "Maidstone", "subject": "s", "body": "b"}
    assert await refused(client.send_letter_notification, LETTER, no_postcode) == (
        400, [{"error": "ValidationError", "message": "Must be a real UK postcode"}]
    )


async def test_wrong_keys_and_tokens_get_auth_errors(notify: NotifyEmulator) -> None:
    other_secret = notify.api_key[:-36] + "00000000-0000-4000-8000-000000000000"
    wrong = NotificationsAPIClient(other_secret, base_url=notify.url)
    assert await refused(wrong.send_sms_notification, MOBILE, SMS, {"body": "x"}) == (
        403, [{"error": "AuthError", "message": "Invalid token: API key not found"}]
    )
    other_service = "carerline-live-7d2b9a4e-0000-4000-8000-000000000000-" + notify.api_key[-36:]
    assert await refused(NotificationsAPIClient(other_service, base_url=notify.url).get_all_notifications) == (
        403, [{"error": "AuthError", "message": "Invalid token: service not found"}]
    )
    notify.revoke_api_key("carerline-live")
    assert await refused(NotificationsAPIClient(notify.api_key, base_url=notify.url).get_all_notifications) == (
        403, [{"error": "AuthError", "message": "Invalid token: API key revoked"}]
    )


async def test_a_missing_token_is_401_and_an_old_one_403(notify: NotifyEmulator) -> None:
    secret = notify.api_key[-36:]
    stale = jwt.encode({"iss": notify.service_id, "iat": int(time.time()) - 60}, secret, algorithm="HS256")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{notify.url}/v2/notifications") as response:
            assert response.status == 401
            assert await response.json() == {"status_code": 401, "errors": [
                {"error": "AuthError", "message": "Unauthorized: authentication token must be provided"}]}
        async with http.get(f"{notify.url}/v2/notifications", headers={"Authorization": f"Bearer {stale}"}) as response:
            assert response.status == 403
            assert (await response.json())["errors"][0]["message"] == (
                "Error: Your system clock must be accurate to within 30 seconds"
            )


async def test_the_rate_limit_and_the_daily_limit_answer_429_with_their_kinds(
    notify: NotifyEmulator, client: NotificationsAPIClient
) -> None:
    notify.set_faults(rate_limit_per_minute=3)  # a bucket of ceil(3/3)+1 = 2 requests, as Notify sizes it
    for _ in range(2):
        await call(client.send_sms_notification, MOBILE, SMS, {"body": "x"})
    assert await refused(client.send_sms_notification, MOBILE, SMS, {"body": "x"}) == (429, [
        {"error": "RateLimitError", "message": "Exceeded rate limit for key type LIVE of 3 requests per 60 seconds"}])
    notify.set_faults(rate_limit_per_minute=3000, daily_limits={"sms": 2, "email": 10, "letter": 10})
    assert await refused(client.send_sms_notification, MOBILE, SMS, {"body": "x"}) == (429, [
        {"error": "TooManyRequestsError", "message": "Exceeded send limits (sms: 2) for today"}])
    await call(client.send_email_notification, "anna.k@example.org", EMAIL, {"subject": "s", "body": "b"})
    assert notify.sent_count("sms") == 2 and notify.sent_count("email") == 1


async def test_faults_on_demand_give_5xx_and_injected_429s(notify: NotifyEmulator, client: NotificationsAPIClient) -> None:
    notify.set_faults(server_error_fraction=1.0)
    assert await refused(client.send_sms_notification, MOBILE, SMS, {"body": "x"}) == (
        500, [{"error": "Exception", "message": "Internal server error"}]
    )
    notify.set_faults(server_error_fraction=0.0, rate_limit_fraction=1.0)
    status, errors = await refused(client.send_sms_notification, MOBILE, SMS, {"body": "x"})
    assert status == 429 and errors[0]["error"] == "RateLimitError"
    notify.reset_faults()
    await call(client.send_sms_notification, MOBILE, SMS, {"body": "x"})
    assert notify.sent_count() == 1


@pytest.fixture
async def callback_server() -> AsyncIterator[tuple[str, list[tuple[str, str, dict[str, Any]]]]]:
    """A stand-in for our service's callback URLs: records (path, Authorization, body)."""
    received: list[tuple[str, str, dict[str, Any]]] = []

    async def record(request: web.Request) -> web.Response:
        received.append((request.path, request.headers.get("Authorization", ""), await request.json()))
        return web.json_response({}, status=200 if request.path != "/refuse" else 500)

    app = web.Application()
    app.router.add_post("/{name}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", received
    finally:
        await runner.cleanup()


async def test_receipts_follow_with_the_bearer_token_some_failing(
    notify: NotifyEmulator, client: NotificationsAPIClient,
    callback_server: tuple[str, list[tuple[str, str, dict[str, Any]]]],
) -> None:
    url, received = callback_server
    notify.set_callbacks(status_url=f"{url}/status", status_token="tok-123")
    notify.set_outcome(recipient="+447700900002", status="permanent-failure")
    good = await call(client.send_sms_notification, MOBILE, SMS, {"body": "x"}, "ref-good")
    bad = await call(client.send_sms_notification, "07700900002", SMS, {"body": "x"}, "ref-bad")
    await wait_for_condition(lambda: len(received) == 2, description="two receipts")
    by_reference = {body["reference"]: (path, auth, body) for path, auth, body in received}
    assert by_reference["ref-good"][:2] == ("/status", "Bearer tok-123")
    assert by_reference["ref-good"][2]["status"] == "delivered" and by_reference["ref-good"][2]["id"] == good["id"]
    assert by_reference["ref-bad"][2]["status"] == "permanent-failure" and by_reference["ref-bad"][2]["to"] == "+447700900002"
    assert set(by_reference["ref-bad"][2]) == {"id", "reference", "to", "status", "created_at", "completed_at", "sent_at",
                                               "notification_type", "template_id", "template_version"}
    assert (await call(client.get_notification_by_id, bad["id"]))["status"] == "permanent-failure"


async def test_a_refused_receipt_is_retried(
    notify: NotifyEmulator, client: NotificationsAPIClient,
    callback_server: tuple[str, list[tuple[str, str, dict[str, Any]]]],
) -> None:
    url, received = callback_server
    notify.set_callbacks(status_url=f"{url}/refuse", status_token="t", retry_delay_s=0.01)
    await call(client.send_sms_notification, MOBILE, SMS, {"body": "x"})
    await wait_for_condition(lambda: len(notify.callbacks.attempts) == 5, description="five attempts")
    assert [attempt.status_code for attempt in notify.callbacks.attempts] == [500] * 5 and len(received) == 5


async def test_received_texts_are_posted_and_listed_and_the_control_api_shows_each_familys_messages(
    notify: NotifyEmulator, client: NotificationsAPIClient,
    callback_server: tuple[str, list[tuple[str, str, dict[str, Any]]]],
) -> None:
    url, received = callback_server
    notify.set_callbacks(inbound_url=f"{url}/inbound", inbound_token="in-tok")
    await call(client.send_sms_notification, MOBILE, SMS, {"body": "Reply YES"})
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{notify.url}/_notify/inbound", json={"source_number": "447700900001", "message": "YES"}):
            pass
        await wait_for_condition(lambda: len(received) == 1, description="the inbound callback")
        path, auth, body = received[0]
        assert (path, auth, body["message"], body["source_number"]) == ("/inbound", "Bearer in-tok", "YES", "447700900001")
        assert body["destination_number"] == notify.inbound_number and body["date_received"].endswith("Z")
        async with http.get(f"{notify.url}/_notify/messages", params={"to": "+447700900001"}) as response:
            messages = (await response.json())["messages"]
    assert [(m["type"], m["body"]) for m in messages] == [("sms", "Reply YES")]
    texts = await call(client.get_received_texts)
    assert [(t["user_number"], t["content"]) for t in texts["received_text_messages"]] == [("447700900001", "YES")]
