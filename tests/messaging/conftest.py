"""Fixtures for the delivery engine: a database, carers who pressed Start in the emulator, running workers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import pytest

from core.settings import Settings
from db.engine import Database
from db.models import Carer
from db.types import utc_now
from messaging.delivery.settings import DeliverySettings
from messaging.delivery.engine import DeliveryEngine
from messaging.outbox import EnqueueResult, OutgoingMessage, enqueue_messages, seen_button_markup
from sandbox.emulator import BotApiEmulator
from tests.conftest import make_settings

FIRST_CHAT_ID = 70_000


def fast_delivery(**overrides: object) -> DeliverySettings:
    """Delivery settings for tests: the real caps, short waits, a short lease."""
    values: dict[str, object] = {
        "rate_per_s": 30.0,
        "horizon_s": 0.25,
        "poll_interval_s": 0.05,
        "reap_interval_s": 0.2,
        "flush_interval_s": 0.02,
        "backoff_base_s": 0.05,
        "backoff_max_s": 0.5,
        "in_doubt_settle_s": 0.1,
        "request_timeout_s": 2.0,
        "lease_s": 3.0,
        "max_attempts": 4,
    }
    values.update(overrides)
    return DeliverySettings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(database_url: str, emulator: BotApiEmulator) -> Settings:
    """Carerline settings pointing at this test's database and emulator."""
    return make_settings(database_url=database_url, emulator=emulator)


@pytest.fixture
async def start_engine(
    settings: Settings, database: Database
) -> AsyncIterator[Callable[..., Awaitable[DeliveryEngine]]]:
    """Start delivery workers (several share the database, as separate processes would); all stopped at the end."""
    engines: list[DeliveryEngine] = []

    async def start(**overrides: object) -> DeliveryEngine:
        engine = DeliveryEngine(settings=settings, database=database, delivery=fast_delivery(**overrides))
        await engine.start()
        engines.append(engine)
        return engine

    yield start
    for engine in engines:
        await engine.stop(grace_s=2)


@pytest.fixture
def make_audience(database: Database, emulator: BotApiEmulator) -> Callable[..., Awaitable[list[Carer]]]:
    """Carers with consent whose chats exist in the emulator (they pressed Start)."""
    counter = iter(range(FIRST_CHAT_ID, FIRST_CHAT_ID + 100_000))

    async def make(count: int, *, language: str = "en", **carer_fields: object) -> list[Carer]:
        carers = []
        async with database.transaction() as session:
            for _ in range(count):
                chat_id = next(counter)
                emulator.add_user(user_id=chat_id, first_name="Parent", language_code=language, has_started=True)
                carer = Carer(
                    chat_id=chat_id, first_name="Parent", language=language, consent_notice_version="test",
                    consent_given_at=utc_now(), **carer_fields,
                )
                session.add(carer)
                carers.append(carer)
            await session.flush()
        return carers

    return make


def outgoing(carer: Carer, *, key: str | None = None, **fields: object) -> OutgoingMessage:
    """A simple message for one carer with the "I've seen this" button."""
    values: dict[str, object] = {
        "carer": carer,
        "idempotency_key": key or f"test:{carer.id}",
        "purpose": "test",
        "source_type": "test",
        "text": f"Hello <b>{carer.first_name}</b>, message for carer {carer.id}",
        "reply_markup": seen_button_markup("I've seen this"),
    }
    values.update(fields)
    return OutgoingMessage(**values)  # type: ignore[arg-type]


@pytest.fixture
def enqueue(database: Database) -> Callable[..., Awaitable[EnqueueResult]]:
    """Put messages in the outbox in one transaction."""

    async def put(messages: list[OutgoingMessage], *, now: datetime | None = None) -> EnqueueResult:
        async with database.transaction() as session:
            return await enqueue_messages(session, messages=messages, now=now or utc_now())

    return put


def sent_exactly_once(emulator: BotApiEmulator, carers: list[Carer]) -> bool:
    """Every carer's chat got exactly one message from the bot."""
    return all(emulator.stats.sent_count(carer.chat_id) == 1 for carer in carers)  # type: ignore[arg-type]


# The Notify delivery tests' fixtures (the Notify emulator, families with contacts, Notify workers).
from tests.messaging.notify_support import make_families, notify, start_notify_worker  # noqa: E402, F401
