"""Our Notify channel client over HTTP against the Notify emulator: sends, each failure's class, templates."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.errors import ConfigurationError
from core.settings import Settings, load_settings
from messaging.channels.notify import (
    NotifyClient,
    NotifyError,
    NotifyFailure,
    choose_template,
    personalisation_for,
    split_api_key,
)
from sandbox.notify import NotifyEmulator
from sandbox.notify.emulator import GENERIC_TEMPLATE_IDS
from tests.support.postgres import free_port

MOBILE = "+447700900001"


@pytest.fixture
async def notify() -> AsyncIterator[NotifyEmulator]:
    """A running Notify emulator."""
    async with NotifyEmulator(seed=3) as running:
        running.set_faults(callback_delay_s=0.05)
        yield running


def notify_settings(notify: NotifyEmulator, **overrides: object) -> Settings:
    """Settings pointing the channel at the emulator, with its generic templates."""
    values: dict[str, object] = {
        "notify_api_key": notify.api_key,
        "notify_base_url": notify.url,
        "notify_generic_sms_template_id": GENERIC_TEMPLATE_IDS["sms"],
        "notify_generic_email_template_id": GENERIC_TEMPLATE_IDS["email"],
        "notify_generic_letter_template_id": GENERIC_TEMPLATE_IDS["letter"],
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def client(notify: NotifyEmulator) -> AsyncIterator[NotifyClient]:
    """Our client, built from settings as the service builds it."""
    async with NotifyClient.from_settings(notify_settings(notify)) as running:
        yield running


async def test_a_text_an_email_and_a_letter_go_through_the_generic_templates(
    notify: NotifyEmulator, client: NotifyClient
) -> None:
    settings = notify_settings(notify)
    sms = choose_template(settings=settings, kind="change_notice", channel="sms")
    sent = await client.send_sms(phone_number=MOBILE, template_id=sms.template_id, reference="change:1:sms",
                                 personalisation=personalisation_for(body="Sam's pick-up moves to 7:55am."))
    assert sms.is_generic and sent.body == "Sam's pick-up moves to 7:55am." and sent.reference == "change:1:sms"
    email = choose_template(settings=settings, kind="change_notice", channel="email")
    mailed = await client.send_email(email_address="anna.k@example.org", template_id=email.template_id,
                                     reference="change:1:email",
                                     personalisation=personalisation_for(body="New time", subject="Sam's transport"))
    assert mailed.subject == "Sam's transport"
    letter = choose_template(settings=settings, kind="change_notice", channel="letter")
    posted = await client.send_letter(address_lines=["Anna Kowalska", "14 Tonbridge Road", "ME16 8AB"],
                                      template_id=letter.template_id, reference="change:1:letter",
                                      personalisation=personalisation_for(body="New time", subject="Sam's transport"))
    assert posted.body == "New time"
    assert [n.body for n in notify.messages_for(MOBILE)] == ["Sam's pick-up moves to 7:55am."]
    found = await client.find_by_reference(reference="change:1:sms")
    assert [item["id"] for item in found] == [sent.id]
    assert (await client.get_notification(notification_id=sent.id))["phone_number"] == MOBILE


async def test_a_kinds_own_template_is_used_with_its_fields(notify: NotifyEmulator, client: NotifyClient) -> None:
    own = notify.add_template(channel="sms", body="((child_name)): new pick-up time ((new_time)). ((link))")
    settings = notify_settings(notify, notify_template_ids={"change_notice.sms": own.id})
    choice = choose_template(settings=settings, kind="change_notice", channel="sms")
    assert (choice.template_id, choice.is_generic) == (own.id, False)
    fields = {"child_name": "Sam", "new_time": "7:55am", "link": "https://example.org/s/abc"}
    sent = await client.send_sms(phone_number=MOBILE, template_id=choice.template_id, reference="r",
                                 personalisation=personalisation_for(body="unused here", fields=fields))
    assert sent.body == "Sam: new pick-up time 7:55am. https://example.org/s/abc"
    with pytest.raises(NotifyError) as caught:
        await client.send_sms(phone_number=MOBILE, template_id=own.id, reference="r",
                              personalisation=personalisation_for(body="x", fields={"child_name": "Sam"}))
    assert caught.value.failure is NotifyFailure.CONFIGURATION and caught.value.failure.is_permanent
    assert caught.value.message == "Missing personalisation: new_time, link"


def test_without_a_template_the_setting_to_set_is_named() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="CARERLINE_NOTIFY_GENERIC_EMAIL_TEMPLATE_ID"):
        choose_template(settings=settings, kind="reminder", channel="email")


@pytest.mark.parametrize(
    ("number", "error"),
    [("01622 000111", "InvalidPhoneError"), ("+48 601 234 567", "BadRequestError"), ("0770090", "ValidationError")],
)
async def test_a_number_notify_cannot_text_is_a_recipient_failure(client: NotifyClient, number: str, error: str) -> None:
    with pytest.raises(NotifyError) as caught:
        await client.send_sms(phone_number=number, template_id=GENERIC_TEMPLATE_IDS["sms"], reference="r",
                              personalisation={"body": "x"})
    assert (caught.value.status_code, caught.value.error) == (400, error)
    assert caught.value.failure is NotifyFailure.RECIPIENT and not caught.value.outcome_unknown


async def test_a_wrong_key_is_a_configuration_failure(notify: NotifyEmulator) -> None:
    wrong = notify.api_key[:-36] + "00000000-0000-4000-8000-000000000000"
    async with NotifyClient(api_key=wrong, base_url=notify.url) as client:
        with pytest.raises(NotifyError) as caught:
            await client.send_sms(phone_number=MOBILE, template_id=GENERIC_TEMPLATE_IDS["sms"], reference="r",
                                  personalisation={"body": "x"})
    assert (caught.value.status_code, caught.value.error, caught.value.message) == (
        403, "AuthError", "Invalid token: API key not found"
    )
    assert caught.value.failure is NotifyFailure.CONFIGURATION


async def test_429s_are_told_apart_by_their_kind(notify: NotifyEmulator, client: NotifyClient) -> None:
    notify.set_faults(rate_limit_fraction=1.0)
    with pytest.raises(NotifyError) as rate:
        await client.send_sms(phone_number=MOBILE, template_id=GENERIC_TEMPLATE_IDS["sms"], reference="r",
                              personalisation={"body": "x"})
    assert (rate.value.status_code, rate.value.error, rate.value.failure) == (429, "RateLimitError", NotifyFailure.RATE_LIMITED)
    notify.reset_faults()
    notify.set_faults(daily_limits={"sms": 0, "email": 10, "letter": 10})
    with pytest.raises(NotifyError) as daily:
        await client.send_sms(phone_number=MOBILE, template_id=GENERIC_TEMPLATE_IDS["sms"], reference="r",
                              personalisation={"body": "x"})
    assert (daily.value.error, daily.value.failure) == ("TooManyRequestsError", NotifyFailure.DAILY_LIMIT)
    assert not daily.value.failure.is_permanent


async def test_5xx_and_no_answer_are_retryable_with_the_outcome_unknown(notify: NotifyEmulator, client: NotifyClient) -> None:
    notify.set_faults(server_error_fraction=1.0)
    with pytest.raises(NotifyError) as server:
        await client.send_sms(phone_number=MOBILE, template_id=GENERIC_TEMPLATE_IDS["sms"], reference="r",
                              personalisation={"body": "x"})
    assert (server.value.status_code, server.value.failure) == (500, NotifyFailure.RETRYABLE)
    assert server.value.outcome_unknown
    async with NotifyClient(api_key=notify.api_key, base_url=f"http://127.0.0.1:{free_port()}", timeout_s=2) as gone:
        with pytest.raises(NotifyError) as refused:
            await gone.send_email(email_address="a@example.org", template_id=GENERIC_TEMPLATE_IDS["email"],
                                  reference="r", personalisation={"body": "x", "subject": "s"})
    assert (refused.value.status_code, refused.value.failure) == (0, NotifyFailure.RETRYABLE)


def test_api_keys_are_read_as_the_official_clients_read_them() -> None:
    key = "carerline-live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
    assert split_api_key(key) == ("26785a09-ab16-4eb0-8407-a37497a57506", "3d844edf-8d35-48ac-975b-e847b4f122b0")
    with pytest.raises(ValueError):
        split_api_key("not-a-key")


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [({"notify_api_key": "just-a-secret"}, "CARERLINE_NOTIFY_API_KEY"),
     ({"notify_template_ids": {"change_notice.fax": GENERIC_TEMPLATE_IDS["sms"]}}, "CARERLINE_NOTIFY_TEMPLATE_IDS"),
     ({"notify_generic_sms_template_id": "body"}, "CARERLINE_NOTIFY_GENERIC_SMS_TEMPLATE_ID")],
)
def test_a_wrong_notify_setting_stops_start_up_naming_it(overrides: dict[str, object], variable: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        load_settings(_env_file=None, **overrides)
