"""Duty alerts configured from settings: Telegram staff group, email over SMTP, or both."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import Bot

from core.settings import ConfigurationError, Settings
from sandbox.emulator import BotApiEmulator
from services.casework.duty_alerts import (
    DutyAlert,
    build_duty_notifier,
    duty_notifier_from_settings,
    render_duty_alert,
)
from tests.conftest import TEST_TOKEN
from tests.services.conftest import DUTY_GROUP_CHAT_ID
from tests.support.casework import LocalSmtpServer
from tests.support.waiting import wait_for_condition

ALERT = DutyAlert(
    reference="PR-2026-00007",
    category="Safety concern",
    route_code="R0042",
    child_name="A.B. <script>",
    reported_at=datetime(2026, 7, 1, 6, 45, tzinfo=UTC),  # 07:45 in England (summer time)
    link="https://staff.example/casework/problems/7?x=1&y=2",
    is_urgent=True,
)


def settings_for(emulator: BotApiEmulator | None, smtp: LocalSmtpServer | None, **overrides: object) -> Settings:
    values: dict[str, object] = {"bot_token": TEST_TOKEN, "duty_telegram_chat_id": DUTY_GROUP_CHAT_ID}
    if emulator is not None:
        values["bot_api_url"] = emulator.url
    if smtp is not None:
        values.update(
            smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False,
            duty_email_to="duty1@kent.gov.uk, duty2@kent.gov.uk", duty_email_from="carerline@kent.gov.uk",
        )
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_alert_forms_escape_values_and_use_english_local_time() -> None:
    rendered = render_duty_alert(ALERT)
    assert rendered.subject == "URGENT: Safety concern on route R0042 (PR-2026-00007)"
    assert "A.B. &lt;script&gt;" in rendered.telegram_html and "<script>" not in rendered.telegram_html
    assert "A.B. &lt;script&gt;" in rendered.html and "x=1&amp;y=2" in rendered.html
    assert "A.B. <script>" in rendered.text and "07:45 on Wed 1 Jul 2026" in rendered.text


async def test_both_channels_from_settings_reach_the_group_and_the_mailbox(
    emulator: BotApiEmulator, duty_bot: Bot, smtp_server: LocalSmtpServer
) -> None:
    notifier = build_duty_notifier(settings_for(emulator, smtp_server, duty_alert_channel="both"), bot=duty_bot)
    assert notifier.channels == ["telegram", "email"]
    outcomes = await notifier.send(render_duty_alert(ALERT))
    assert [(o.channel, o.is_sent) for o in outcomes] == [("telegram", True), ("email", True)]
    message = await emulator.wait_for_bot_message(chat_id=DUTY_GROUP_CHAT_ID, after_message_id=0)
    assert message.text is not None and "A.B. <script>" in message.text and "URGENT" in message.text
    await wait_for_condition(lambda: len(smtp_server.messages) == 1, description="the alert email")
    email = smtp_server.messages[0]
    assert email["X-Envelope-To"] == "duty1@kent.gov.uk, duty2@kent.gov.uk"
    assert email["From"] == "carerline@kent.gov.uk" and email.is_multipart()


async def test_the_scheduled_job_form_makes_its_own_bot(emulator: BotApiEmulator) -> None:
    emulator.add_group(chat_id=DUTY_GROUP_CHAT_ID, title="Transport duty officers")
    async with duty_notifier_from_settings(settings_for(emulator, None)) as notifier:
        [outcome] = await notifier.send(render_duty_alert(ALERT))
    assert outcome.is_sent
    await emulator.wait_for_bot_message(chat_id=DUTY_GROUP_CHAT_ID, after_message_id=0)


async def test_a_group_the_bot_is_not_in_is_reported_not_raised(emulator: BotApiEmulator) -> None:
    async with duty_notifier_from_settings(settings_for(emulator, None, duty_telegram_chat_id=-1009999)) as notifier:
        [outcome] = await notifier.send(render_duty_alert(ALERT))
    assert not outcome.is_sent and outcome.error and "chat not found" in outcome.error.lower()


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"duty_alert_channel": "telegram", "duty_telegram_chat_id": None}, "CARERLINE_DUTY_TELEGRAM_CHAT_ID"),
        ({"duty_alert_channel": "email"}, "CARERLINE_SMTP_HOST"),
        ({"duty_alert_channel": "both", "smtp_host": "smtp.kent.gov.uk"}, "CARERLINE_DUTY_EMAIL_TO"),
    ],
)
def test_a_missing_setting_is_named(overrides: dict[str, object], variable: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        build_duty_notifier(settings_for(None, None, **overrides), bot=None)
