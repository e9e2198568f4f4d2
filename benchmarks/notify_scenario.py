"""Benchmark (e): a change reaching 1,390 children's families on three channels, 2% of Notify requests refused (429).

30% of families are linked in Telegram, 50% get a text and 20% an email (GOV.UK Notify). The Telegram emulator runs
in its own process at Telegram's caps; the Notify emulator in its own process with its token bucket of 3,000
requests a minute per key and 2% of requests answered 429 RateLimitError. One Telegram worker and one Notify worker
run in this process, each pacing from its own schedule in the database. The clock runs from enqueueing until every
notice is accepted by its channel; duplicates and losses are counted at the emulators (Notify: by reference).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

import aiohttp

from benchmarks.harness import TOKEN, EmulatorProcess, make_carers, outcome
from core.settings import Settings
from db.engine import Database
from db.models import Child, FamilyContact, OutboxChannel, Phase, School
from db.types import utc_now
from messaging.delivery.engine import DeliveryEngine
from messaging.delivery.notify_worker import NotifyDeliveryWorker
from messaging.delivery.settings import DeliverySettings
from messaging.outbox import OutgoingMessage, enqueue_messages, seen_button_markup
from messaging.rendering import render_message
from sandbox.notify.world import GENERIC_TEMPLATE_IDS
from tests.support.postgres import free_port

NOTICE = SimpleNamespace(
    kind="new_operator", is_urgent=True, old_value="Garden Cars", new_value="Isle Taxis",
    effective_from=date(2027, 1, 4), effective_until=None, reason="The council's new contract starts.",
)
_NOTIFY_ON_UVLOOP = (
    "import asyncio, runpy, uvloop; asyncio.set_event_loop_policy(uvloop.EventLoopPolicy()); "
    "runpy.run_module('sandbox.notify', run_name='__main__')"
)


@dataclass(frozen=True)
class NotifyFigures:
    """What scenario (e) measured."""

    seconds: float
    telegram: int
    texts: int
    emails: int
    notify_requests: int
    rate_limited: int
    duplicates: int
    losses: int


class NotifyProcess:
    """`python -m sandbox.notify` on a free port; its API key read from its log."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process = subprocess.Popen([sys.executable, "-c", _NOTIFY_ON_UVLOOP, "--port", str(self.port), "--seed", "5"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.api_key = ""

    async def __aenter__(self) -> NotifyProcess:
        assert self._process.stderr is not None
        while "API key" not in (line := await asyncio.to_thread(self._process.stderr.readline)):
            if not line:
                raise RuntimeError("the Notify emulator did not start")
        self.api_key = line.rsplit("API key ", 1)[1].strip()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The control API under /_notify/."""
        async with aiohttp.ClientSession() as http, http.request(method, f"{self.url}/_notify{path}", json=body) as answer:
            answer.raise_for_status()
            return await answer.json()


async def _families(database: Database, *, telegram: list[int], texts: int, emails: int) -> list[OutgoingMessage]:
    """Carers linked in Telegram, and contacts with a mobile or an email; one notice each, rendered for its channel."""
    carers = await make_carers(database, chat_ids=telegram)
    messages = [OutgoingMessage(
        carer=carer, idempotency_key=f"e:tg:{carer.id}", purpose="transport_change", source_type="benchmark",
        text=_render("telegram", carer.language), reply_markup=seen_button_markup("I've seen this"), is_urgent=True,
    ) for carer in carers]
    async with database.transaction() as session:
        school = School(code="SCH-E", name="School E", district="Maidstone")  # type: ignore[call-arg]
        session.add(school)
        await session.flush()
        for number in range(texts + emails):
            child = Child(council_reference=f"E-{number:06d}", display_name=f"C{number}", school_id=school.id,  # type: ignore[arg-type]
                          district="Maidstone", phase=Phase.PRIMARY)
            session.add(child)
            await session.flush()
            is_text = number < texts
            contact = FamilyContact(child_id=child.id, position=1,  # type: ignore[arg-type]
                                    mobile_e164=f"+447700{number:06d}" if is_text else None,
                                    email=None if is_text else f"family-{number}@example.org")
            session.add(contact)
            await session.flush()
            channel = OutboxChannel.SMS if is_text else OutboxChannel.EMAIL
            messages.append(OutgoingMessage(
                carer=None, contact=contact, channel=channel, idempotency_key=f"e:{channel}:{number}",
                purpose="transport_change", source_type="benchmark", text=_render(channel.value, "en") + " {ack_link}",
                subject="Your child's transport is changing" if channel == OutboxChannel.EMAIL else None,
                reply_markup={}, is_urgent=True,
            ))
    return messages


def _render(channel: str, language: str) -> str:
    return render_message("transport_change", channel=channel, language=language, change=NOTICE, children="Sam",
                          routes="MA-101", phone="03000 41 00 00", hours="", is_reminder=False)


async def run_notify_scenario(*, url: str, children: int) -> NotifyFigures:
    """Enqueue every notice at once, run both workers, and stop the clock when every notice is accepted."""
    telegram_count, text_count = round(children * 0.3), round(children * 0.5)
    email_count = children - telegram_count - text_count
    async with EmulatorProcess(no_rate_caps=False) as emulator, NotifyProcess() as notify:
        chat_ids = await emulator.add_people(telegram_count)
        await notify.call("POST", "/faults", {"rate_limit_fraction": 0.02, "callback_delay_s": 600})
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, database_url=url, bot_token=TOKEN, bot_api_url=emulator.url, notify_api_key=notify.api_key,
            notify_base_url=notify.url, notify_generic_sms_template_id=GENERIC_TEMPLATE_IDS["sms"],
            notify_generic_email_template_id=GENERIC_TEMPLATE_IDS["email"], ack_link_secret="b" * 40,
        )
        database = Database(url, pool_size=10)
        delivery = DeliverySettings(_env_file=None)  # type: ignore[call-arg]
        telegram = DeliveryEngine(settings=settings, database=database, delivery=delivery)
        notify_worker = NotifyDeliveryWorker(database=database, settings=settings, delivery=delivery)
        try:
            messages = await _families(database, telegram=chat_ids, texts=text_count, emails=email_count)
            await telegram.start()
            await notify_worker.start()
            started = time.monotonic()
            async with database.transaction() as session:
                await enqueue_messages(session, messages=messages, now=utc_now())
            telegram.wake()
            notify_worker.wake()
            while True:
                stats, telegram_stats = await notify.call("GET", "/stats"), await emulator.stats()
                accepted = sum(count for key, count in stats["by_status"].items())
                if accepted >= text_count + email_count and telegram_stats["total_sent"] >= telegram_count:
                    break
                await asyncio.sleep(0.05)
            seconds = time.monotonic() - started
        finally:
            with contextlib.suppress(Exception):
                await telegram.stop()
            with contextlib.suppress(Exception):
                await notify_worker.stop()
            await database.dispose()
        every = (await notify.call("GET", "/messages"))["messages"]
        references = [message["reference"] for message in every]
        wanted = {f"e:sms:{n}#sms" for n in range(text_count)} | {f"e:email:{n}#email" for n in range(text_count, text_count + email_count)}
        telegram_result = outcome(await emulator.stats(), chat_ids=chat_ids)
        stats = await notify.call("GET", "/stats")
    return NotifyFigures(
        seconds=seconds, telegram=telegram_count, texts=text_count, emails=email_count,
        notify_requests=stats["requests"].get("post_sms", 0) + stats["requests"].get("post_email", 0),
        rate_limited=stats["rejected"].get("RateLimitError", 0),
        duplicates=len(references) - len(set(references)) + telegram_result.duplicates,
        losses=len(wanted - set(references)) + telegram_result.losses,
    )
