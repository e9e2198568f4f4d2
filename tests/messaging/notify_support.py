"""Fixtures for the Notify delivery tests: the Notify emulator, families with contacts, running Notify workers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import col, select

from carerline.notify_alerts import notify_duty_alert
from core.settings import Settings
from db.dao.delivery.notify_claims import fetch_bucket_pauses
from db.engine import Database
from db.models import Carer, FamilyContact, OutboxChannel, OutboxMessage
from db.types import utc_now
from messaging.channels.notify import NotifyClient
from messaging.delivery.notify_worker import NotifyDeliveryWorker
from messaging.outbox import ChannelText, OutgoingMessage, seen_button_markup
from sandbox.emulator import BotApiEmulator
from sandbox.notify import NotifyEmulator
from sandbox.notify.emulator import GENERIC_TEMPLATE_IDS
from tests.conftest import make_settings
from tests.messaging.conftest import fast_delivery
from tests.support.factories import make_child

ACK_SECRET = "ack-link-secret-for-the-notify-tests-0123456789"
CALLBACK_TOKEN = "notify-callback-token-for-delivery-tests"


@pytest.fixture
async def notify() -> AsyncIterator[NotifyEmulator]:
    """A running Notify emulator whose receipts come quickly."""
    async with NotifyEmulator(seed=7) as running:
        running.set_faults(callback_delay_s=0.05)
        yield running


def notify_settings(*, database_url: str, emulator: BotApiEmulator, notify: NotifyEmulator, **overrides: object) -> Settings:
    """Carerline settings for the database, the Telegram emulator and the Notify emulator (generic templates)."""
    values: dict[str, object] = {
        "notify_api_key": notify.api_key, "notify_base_url": notify.url, "notify_timeout_s": 2.0,
        "notify_generic_sms_template_id": GENERIC_TEMPLATE_IDS["sms"],
        "notify_generic_email_template_id": GENERIC_TEMPLATE_IDS["email"],
        "notify_generic_letter_template_id": GENERIC_TEMPLATE_IDS["letter"],
        "ack_link_secret": ACK_SECRET, "public_url": "https://carerline.example.org",
        "notify_callback_token": CALLBACK_TOKEN, "notify_rate_limit_max_pause_s": 0.5,
    }
    values.update(overrides)
    return make_settings(database_url=database_url, emulator=emulator, **values)


@pytest.fixture
async def start_notify_worker(
    database_url: str, emulator: BotApiEmulator, notify: NotifyEmulator, database: Database
) -> AsyncIterator[Callable[..., Awaitable[NotifyDeliveryWorker]]]:
    """Start Notify workers on the test's database (settings overridable); all stopped at the end."""
    workers: list[NotifyDeliveryWorker] = []

    async def start(*, api_key: str | None = None, delivery: dict[str, object] | None = None,
                    **overrides: object) -> NotifyDeliveryWorker:
        settings = notify_settings(database_url=database_url, emulator=emulator, notify=notify, **overrides)
        client = NotifyClient(api_key=api_key or notify.api_key, base_url=notify.url, timeout_s=2.0)
        worker = NotifyDeliveryWorker(database=database, settings=settings, client=client,
                                      delivery=fast_delivery(**{"lease_s": 5.0, **(delivery or {})}),
                                      alert=notify_duty_alert(settings))
        await worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        await worker.stop(grace_s=2)


@dataclass
class Family:
    """One family member: maybe a carer linked in Telegram, and the contact the council holds."""

    carer: Carer | None
    contact: FamilyContact


@pytest.fixture
def make_families(database: Database, emulator: BotApiEmulator) -> Callable[..., Awaitable[list[Family]]]:
    """Families with a contact each (numbers 07700 900nnn, emails family-n@example.org); chats when asked."""
    counter = iter(range(1, 1000))

    async def make(count: int, *, chat: str | None = None, mobile: str | None = "ok", email: bool = True,
                   address: bool = False) -> list[Family]:
        families = []
        async with database.transaction() as session:
            for _ in range(count):
                number = next(counter)
                child = await make_child(session, display_name=f"Child {number}")
                carer = None
                if chat is not None:
                    chat_id = 80_000 + number
                    if chat != "not_found":  # "ok" or "blocked": the carer pressed Start
                        emulator.add_user(user_id=chat_id, first_name="Parent", has_started=True)
                    if chat == "blocked":
                        emulator.block_bot(user_id=chat_id)
                    carer = Carer(chat_id=chat_id, first_name="Parent", language="en", consent_notice_version="test",
                                  consent_given_at=utc_now())
                    session.add(carer)
                    await session.flush()
                contact = FamilyContact(
                    child_id=child.id, position=1, name=f"Parent {number}",  # type: ignore[arg-type]
                    mobile_e164=(f"+447700900{number:03d}" if mobile == "ok" else mobile),
                    email=f"family-{number}@example.org" if email else None,
                    postal_address=f"Parent {number}\n{number} Tonbridge Road\nMaidstone\nME16 8AB" if address else None,
                    carer_id=carer.id if carer is not None else None,
                )
                session.add(contact)
                await session.flush()
                families.append(Family(carer=carer, contact=contact))
        return families

    return make


def family_notice(family: Family, *, key: str, first: OutboxChannel, plan: tuple[OutboxChannel, ...] = (),
                  **fields: Any) -> OutgoingMessage:
    """A notice for one family member on its first channel, rendered for every channel of its plan."""
    texts = {
        OutboxChannel.TELEGRAM: ChannelText(text=f"<b>Sam</b>'s pick-up moves to 7:55am ({key})."),
        OutboxChannel.SMS: ChannelText(text=f"Sam's pick-up moves to 7:55am ({key}). Seen it? {{ack_link}}"),
        OutboxChannel.EMAIL: ChannelText(text=f"Sam's pick-up moves to 7:55am ({key}).\n\nSeen it? {{ack_link}}",
                                         subject="Sam's transport is changing"),
        OutboxChannel.LETTER: ChannelText(text=f"Sam's pick-up moves to 7:55am ({key}).", subject="Sam's transport"),
    }
    values: dict[str, Any] = {
        "carer": family.carer, "contact": family.contact, "idempotency_key": key, "purpose": "transport_change",
        "source_type": "test", "channel": first, "text": texts[first].text, "subject": texts[first].subject,
        "reply_markup": seen_button_markup("I've seen this") if first == OutboxChannel.TELEGRAM else {},
        "channel_plan": plan, "fallback_texts": {channel: texts[channel] for channel in plan}, "is_urgent": True,
    }
    values.update(fields)
    return OutgoingMessage(**values)


async def notice_rows(database: Database, notice_key: str) -> list[OutboxMessage]:
    """A notice's rows, first channel first."""
    async with database.transaction() as session:
        result = await session.exec(
            select(OutboxMessage).where(OutboxMessage.notice_key == notice_key).order_by(col(OutboxMessage.id))
        )
        return list(result.all())


async def bucket_pauses(database: Database) -> dict[str, float]:
    """Every Notify bucket's paused-until (epoch seconds), and Telegram's."""
    async with database.transaction() as session:
        return await fetch_bucket_pauses(session, names=["telegram", "notify", "notify:sms", "notify:email",
                                                         "notify:letter"])


def sent_once_by_reference(notify: NotifyEmulator, references: list[str]) -> bool:
    """Notify accepted exactly one notification for each reference."""
    return all(len(notify.find_by_reference(reference)) == 1 for reference in references)
