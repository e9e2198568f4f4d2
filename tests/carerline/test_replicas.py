"""Two real `carerline serve` processes on one PostgreSQL behave as one; SQLite refuses a second."""

from __future__ import annotations

import asyncio
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

from db.dao.scheduler import fetch_job_runs
from db.engine import Database
from sandbox.emulator import BotApiEmulator
from tests.conftest import TEST_TOKEN
from db.migrate import current_revision
from tests.support.postgres import TemporaryPostgres, free_port
from tests.support.waiting import wait_for_condition

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


@pytest.mark.parametrize("database_template", ["postgresql"], indirect=True)  # replicas share PostgreSQL
async def test_two_serve_replicas_on_one_postgresql_run_each_due_job_once(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    async with (
        running_serve(database_url=database_url, emulator=emulator, folder=tmp_path / "a") as first,
        running_serve(database_url=database_url, emulator=emulator, folder=tmp_path / "b") as second,
    ):
        for replica in (first, second):
            await wait_for_condition(lambda: _is_healthy(replica.url), timeout_s=60, description="/healthz")

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
