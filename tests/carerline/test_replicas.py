"""Two real `carerline serve` processes on one PostgreSQL behave as one; SQLite refuses a second."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from db.dao.incoming_updates import fetch_chats_with_unhandled_updates, save_incoming_update
from db.dao.scheduler import fetch_job_runs
from db.engine import Database
from db.types import utc_now
from sandbox.emulator import BotApiEmulator
from tests.conftest import TEST_TOKEN
from db.migrate import current_revision
from tests.support.postgres import TemporaryPostgres, free_port
from tests.support.waiting import wait_for_condition
from web.views.telegram_webhook import SECRET_HEADER

# Each message gets exactly one reply and consecutive replies differ, so an answer out of order shows.
NEWCOMER_SAYS = ["/start", "/nope", "/help", "hello", "/nope", "/help", "/start", "/nope"]
SPLIT_CHATS = 6
DECISION = re.compile(r"scheduled job (\S+) due (\S+): (claimed, running here|already claimed by another replica)")
SECRET = "replica-test-secret"


@dataclass
class Replica:
    """One `carerline serve` process and what it has written to stderr so far."""

    process: asyncio.subprocess.Process
    url: str
    lines: list[str] = field(default_factory=list)

    def decisions(self) -> dict[tuple[str, str], bool]:
        """(job id, due time) -> True when this replica ran it, False when it left it to another."""
        found = (DECISION.search(line) for line in self.lines)
        return {(m.group(1), m.group(2)): m.group(3).startswith("claimed") for m in found if m is not None}


def _serve_env(*, database_url: str, emulator: BotApiEmulator, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARERLINE_")}
    env.update(
        CARERLINE_DATABASE_URL=database_url,
        CARERLINE_BOT_TOKEN=TEST_TOKEN,
        CARERLINE_BOT_API_URL=emulator.url,
        CARERLINE_HTTP_PORT=str(port),
        # Webhook mode, as replicas behind one address run: two long pollers would end each other's polls.
        CARERLINE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        CARERLINE_WEBHOOK_SECRET=SECRET,
    )
    return env


async def _read_lines(replica: Replica) -> None:
    assert replica.process.stderr is not None
    async for raw in replica.process.stderr:
        replica.lines.append(raw.decode(errors="replace").rstrip())


async def _is_healthy(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


@asynccontextmanager
async def running_serve(*, database_url: str, emulator: BotApiEmulator, folder: Path) -> AsyncIterator[Replica]:
    """Start `carerline serve`, keep reading its stderr, and SIGTERM it at the end."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "carerline", "serve", env=_serve_env(database_url=database_url, emulator=emulator, port=port),
        cwd=folder, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    replica = Replica(process=process, url=f"http://127.0.0.1:{port}")
    reader = asyncio.create_task(_read_lines(replica))
    try:
        yield replica
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
                await process.wait()
        await reader


@asynccontextmanager
async def two_healthy_replicas(
    *, database_url: str, emulator: BotApiEmulator, folder: Path
) -> AsyncIterator[tuple[Replica, Replica]]:
    """Two `serve` processes on one database, both answering /healthz."""
    (folder / "a").mkdir(), (folder / "b").mkdir()
    async with (
        running_serve(database_url=database_url, emulator=emulator, folder=folder / "a") as first,
        running_serve(database_url=database_url, emulator=emulator, folder=folder / "b") as second,
    ):
        for replica in (first, second):
            await wait_for_condition(lambda: _is_healthy(replica.url), timeout_s=60, description="/healthz")
        yield first, second


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)  # replicas share PostgreSQL
async def test_two_serve_replicas_on_one_postgresql_run_each_due_job_once(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    async with two_healthy_replicas(database_url=database_url, emulator=emulator, folder=tmp_path) as (first, second):

        def due_times_both_fired() -> set[tuple[str, str]]:
            return set(first.decisions()) & set(second.decisions())

        # Interval jobs fire on both replicas at the same due times (every 30 or 60 s from one anchor).
        await wait_for_condition(
            lambda: bool(due_times_both_fired()), timeout_s=120, interval_s=0.2,
            description="both replicas to fire the same due time",
        )
        shared = due_times_both_fired()
        ran_on = defaultdict(list)
        for name, replica in (("first", first), ("second", second)):
            for key, is_run_here in replica.decisions().items():
                if key in shared and is_run_here:
                    ran_on[key].append(name)
        assert {key: len(ran_on[key]) for key in shared} == {key: 1 for key in shared}, (first.lines, second.lines)
        pids = {"first": first.process.pid, "second": second.process.pid}
        database = Database(database_url)
        try:
            async with database.transaction() as session:
                for job_id, due in shared:
                    runs = [run for run in await fetch_job_runs(session, job_id=job_id)
                            if run.due_at == datetime.fromisoformat(due)]
                    assert len(runs) == 1
                    assert runs[0].claimed_by.endswith(f":{pids[ran_on[(job_id, due)][0]]}")
        finally:
            await database.dispose()
    assert first.process.returncode == 0 and second.process.returncode == 0
    assert not any("Traceback" in line for line in first.lines + second.lines)


@pytest.mark.parametrize("database_template", ["sqlite"], indirect=True)  # the single-process rule is SQLite's
async def test_a_second_serve_on_one_sqlite_file_refuses_with_one_line(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    async with running_serve(database_url=database_url, emulator=emulator, folder=tmp_path / "a") as first:
        await wait_for_condition(lambda: _is_healthy(first.url), timeout_s=60, description="/healthz")
        async with running_serve(database_url=database_url, emulator=emulator, folder=tmp_path / "b") as second:
            return_code = await asyncio.wait_for(second.process.wait(), timeout=60)
        assert return_code == 2
        assert len(second.lines) == 1, second.lines
        assert second.lines[0].startswith("carerline: CARERLINE_DATABASE_URL: another `carerline serve` is already running")
        assert "use PostgreSQL to run more than one replica" in second.lines[0]
        assert await _is_healthy(first.url)  # the first one carries on
    assert first.process.returncode == 0


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)  # replicas share PostgreSQL
async def test_replicas_starting_together_on_a_new_postgresql_migrate_it_once(
    database_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server: TemporaryPostgres = request.getfixturevalue("postgres_server")
    admin = await asyncpg.connect(host="127.0.0.1", port=server.port, user="carerline", database="postgres")
    try:
        await admin.execute('CREATE DATABASE "fresh_for_replicas"')
    finally:
        await admin.close()
    url = server.url("fresh_for_replicas")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARERLINE_")} | {"CARERLINE_DATABASE_URL": url}
    try:
        upgrades = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "carerline", "db", "upgrade", env=env, cwd=tmp_path,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(3)
        ]
        outcomes = await asyncio.wait_for(asyncio.gather(*(process.communicate() for process in upgrades)), timeout=120)
        assert [process.returncode for process in upgrades] == [0, 0, 0], [err.decode()[-2000:] for _, err in outcomes]
        head = await asyncio.to_thread(current_revision, database_url=database_url)
        assert await asyncio.to_thread(current_revision, database_url=url) == head
    finally:
        admin = await asyncpg.connect(host="127.0.0.1", port=server.port, user="carerline", database="postgres")
        try:
            await admin.execute('DROP DATABASE IF EXISTS "fresh_for_replicas" WITH (FORCE)')
        finally:
            await admin.close()


def _text_update(*, update_id: int, chat_id: int, message_id: int, text: str) -> dict[str, object]:
    """A private text message as Telegram posts it to the webhook."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Alex", "language_code": "en"}
    message: dict[str, object] = {
        "message_id": message_id, "date": 1_765_000_000 + message_id, "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "Alex"}, "from": user,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


async def _post_update(http: aiohttp.ClientSession, replica: Replica, update: dict[str, object]) -> None:
    """POST like Telegram: the next update of the chat only after this one is answered 200."""
    async with http.post(f"{replica.url}/telegram/webhook", json=update, headers={SECRET_HEADER: SECRET}) as response:
        assert response.status == 200, await response.text()


async def _reference_replies(
    http: aiohttp.ClientSession, replica: Replica, emulator: BotApiEmulator, *, chat_id: int, first_update_id: int
) -> list[str | None]:
    """What a chat is answered when it writes one message at a time, waiting for each reply."""
    for index, text in enumerate(NEWCOMER_SAYS):
        update = _text_update(update_id=first_update_id + index, chat_id=chat_id, message_id=index + 1, text=text)
        await _post_update(http, replica, update)
        await wait_for_condition(
            lambda: len(emulator.bot_messages(chat_id=chat_id)) > index, timeout_s=60,
            description=f"the reference reply {index + 1}",
        )
    replies = [message.text for message in emulator.bot_messages(chat_id=chat_id)]
    assert all(a != b for a, b in zip(replies, replies[1:])), replies  # an answer out of order would show
    return replies


def _newcomers(emulator: BotApiEmulator, *, reference_chat: int) -> tuple[int, list[int]]:
    """A reference chat and SPLIT_CHATS chats after it, each a person who has pressed Start."""
    chats = [reference_chat + 1 + index for index in range(SPLIT_CHATS)]
    for chat_id in [reference_chat, *chats]:
        emulator.add_user(user_id=chat_id, first_name="Alex", language_code="en", has_started=True)
    return reference_chat, chats


async def _wait_until_every_chat_answered(emulator: BotApiEmulator, chats: list[int]) -> None:
    def everyone_answered() -> bool:
        return all(len(emulator.bot_messages(chat_id=chat_id)) >= len(NEWCOMER_SAYS) for chat_id in chats)

    await wait_for_condition(everyone_answered, timeout_s=120, interval_s=0.1, description="every chat answered")


async def _wait_until_every_update_is_handled(database: Database) -> None:
    async def all_handled() -> bool:
        async with database.transaction() as session:
            return not await fetch_chats_with_unhandled_updates(session, received_before=utc_now())

    await wait_for_condition(all_handled, timeout_s=60, interval_s=0.1, description="every update handled")


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)  # replicas share PostgreSQL
async def test_one_chats_updates_split_across_two_replicas_are_answered_in_order_and_once(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    reference_chat, chats = _newcomers(emulator, reference_chat=771_000)
    async with (
        two_healthy_replicas(database_url=database_url, emulator=emulator, folder=tmp_path) as (first, second),
        aiohttp.ClientSession() as http,
    ):
        expected = await _reference_replies(http, first, emulator, chat_id=reference_chat, first_update_id=10_000)

        async def write(chat_id: int) -> None:
            """Each message to the other replica than the one before; the first also redelivered to the other."""
            for index, text in enumerate(NEWCOMER_SAYS):
                update = _text_update(
                    update_id=20_000 + index * SPLIT_CHATS + (chat_id - chats[0]),
                    chat_id=chat_id, message_id=index + 1, text=text,
                )
                receiver, other = (first, second) if (index + chat_id) % 2 == 0 else (second, first)
                await _post_update(http, receiver, update)
                if index == 0:
                    await _post_update(http, other, update)  # Telegram redelivers after a lost answer

        await asyncio.gather(*(write(chat_id) for chat_id in chats))

        await _wait_until_every_chat_answered(emulator, chats)
        database = Database(database_url)
        try:
            # An update recorded by a replica that died before handling it: a sweeper takes it within seconds.
            stranded_chat = 771_100
            emulator.add_user(user_id=stranded_chat, first_name="Alex", language_code="en", has_started=True)
            stranded = _text_update(update_id=30_000, chat_id=stranded_chat, message_id=1, text="/help")
            async with database.transaction() as session:
                await save_incoming_update(
                    session, update_id=30_000, chat_id=stranded_chat, payload=json.dumps(stranded), received_at=utc_now()
                )
            await wait_for_condition(
                lambda: len(emulator.bot_messages(chat_id=stranded_chat)) == 1, timeout_s=60, interval_s=0.1,
                description="the sweeper to answer a stranded update",
            )
            assert emulator.bot_messages(chat_id=stranded_chat)[0].text == expected[2]  # the answer to /help
            await _wait_until_every_update_is_handled(database)
        finally:
            await database.dispose()
        answered = {chat_id: [message.text for message in emulator.bot_messages(chat_id=chat_id)] for chat_id in chats}
        # In order, none lost, none doubled (the redelivered first update answered once).
        assert {chat_id: texts for chat_id, texts in answered.items() if texts != expected} == {}, (
            first.lines[-40:], second.lines[-40:],
        )
    assert first.process.returncode == 0 and second.process.returncode == 0
    assert not any("Traceback" in line for line in first.lines + second.lines)


async def _post_to_either(http: aiohttp.ClientSession, replicas: tuple[Replica, Replica], update: dict[str, object]) -> None:
    """Like Telegram behind one address: a replica that answers 503 (or is gone) is retried on the other."""
    try:
        async with http.post(
            f"{replicas[0].url}/telegram/webhook", json=update, headers={SECRET_HEADER: SECRET}
        ) as response:
            if response.status == 200:
                return
            assert response.status == 503, await response.text()
    except aiohttp.ClientConnectionError:
        pass
    await _post_update(http, replicas[1], update)


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)  # replicas share PostgreSQL
async def test_a_replica_stopped_mid_conversation_hands_its_chats_over_in_order_and_once(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    reference_chat, chats = _newcomers(emulator, reference_chat=772_000)
    async with (
        two_healthy_replicas(database_url=database_url, emulator=emulator, folder=tmp_path) as (first, second),
        aiohttp.ClientSession() as http,
    ):
        expected = await _reference_replies(http, second, emulator, chat_id=reference_chat, first_update_id=40_000)
        halfway = asyncio.Event()

        async def write(chat_id: int) -> None:
            for index, text in enumerate(NEWCOMER_SAYS):
                if index == len(NEWCOMER_SAYS) // 2:
                    halfway.set()
                update = _text_update(
                    update_id=50_000 + index * SPLIT_CHATS + (chat_id - chats[0]),
                    chat_id=chat_id, message_id=index + 1, text=text,
                )
                pair = (first, second) if (index + chat_id) % 2 == 0 else (second, first)
                await _post_to_either(http, pair, update)

        writers = asyncio.gather(*(write(chat_id) for chat_id in chats))
        await halfway.wait()
        first.process.send_signal(signal.SIGTERM)  # mid-conversation: the first replica hands over and exits
        await writers
        assert await asyncio.wait_for(first.process.wait(), timeout=60) == 0

        await _wait_until_every_chat_answered(emulator, chats)
        database = Database(database_url)
        try:
            await _wait_until_every_update_is_handled(database)
        finally:
            await database.dispose()
        answered = {chat_id: [message.text for message in emulator.bot_messages(chat_id=chat_id)] for chat_id in chats}
        assert {chat_id: texts for chat_id, texts in answered.items() if texts != expected} == {}, (
            first.lines[-40:], second.lines[-40:],
        )
    assert second.process.returncode == 0
    assert not any("Traceback" in line for line in first.lines + second.lines)
