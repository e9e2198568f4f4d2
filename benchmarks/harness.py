"""What the delivery benchmarks share: the emulator in its own process, throwaway databases, an audience."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert

from db.engine import Database
from db.migrate import upgrade_database_async
from db.models import Carer
from db.types import utc_now
from tests.support.postgres import TemporaryPostgres, free_port

TOKEN = "123456:BENCHMARK-token"
_EMULATOR_ON_UVLOOP = (
    "import asyncio, runpy, uvloop; asyncio.set_event_loop_policy(uvloop.EventLoopPolicy()); "
    "runpy.run_module('sandbox.emulator', run_name='__main__')"
)
FIRST_CHAT_ID = 5_000_000


class EmulatorProcess:
    """`python -m sandbox.emulator` on a free port, driven over its /_emulator/ control API."""

    def __init__(self, *, no_rate_caps: bool, seed: int = 2022) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The emulator stands in for Telegram's servers; it runs on uvloop so that it is not the bottleneck.
        command = [
            sys.executable, "-c", _EMULATOR_ON_UVLOOP, "--port", str(self.port), "--token", TOKEN, "--seed", str(seed)
        ]
        if no_rate_caps:
            command.append("--no-rate-caps")
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "EmulatorProcess":
        self._session = aiohttp.ClientSession(base_url=self.url)
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with self._session.get("/_emulator/info") as response:
                    if response.status == 200:
                        return self
            if time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            await asyncio.sleep(0.1)

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
        self._process.terminate()
        self._process.wait(timeout=10)

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        assert self._session is not None
        async with self._session.request(method, f"/_emulator{path}", json=body) as response:
            response.raise_for_status()
            return await response.json()

    async def add_people(self, count: int) -> list[int]:
        """People who pressed Start; their chat ids."""
        chat_ids = list(range(FIRST_CHAT_ID, FIRST_CHAT_ID + count))
        semaphore = asyncio.Semaphore(32)

        async def add(chat_id: int) -> None:
            async with semaphore:
                await self._call("POST", "/users", {"user_id": chat_id, "first_name": "Parent", "has_started": True})

        await asyncio.gather(*(add(chat_id) for chat_id in chat_ids))
        return chat_ids

    async def set_faults(self, **faults: Any) -> None:
        """Change fault settings (reset=True switches earlier faults off)."""
        await self._call("POST", "/faults", faults)

    async def reset_stats(self) -> None:
        """Zero the counters."""
        await self._call("POST", "/reset-stats")

    async def stats(self) -> dict[str, Any]:
        """The emulator's counters, send log included."""
        return await self._call("GET", "/stats")


class WorkerProcesses:
    """N `carerline deliver` processes on one database (the scale-out setup)."""

    def __init__(self, *, settings: Any, delivery: Any, count: int) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("CARERLINE_")}
        env.update(
            CARERLINE_DATABASE_URL=settings.database_url,
            CARERLINE_BOT_TOKEN=TOKEN,
            CARERLINE_BOT_API_URL=settings.api_root,
            CARERLINE_LOG_LEVEL="INFO",  # the "delivering" line says a process is ready
        )
        for name, value in delivery.model_dump().items():
            if value is not None:
                env[f"CARERLINE_DELIVERY_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
        self._env = env
        self._count = count
        self._processes: list[subprocess.Popen[bytes]] = []

    async def start(self, *, timeout_s: float = 120.0) -> None:
        """Start the processes and wait until every one says it is delivering (start-up is not timed)."""
        ready = [threading.Event() for _ in range(self._count)]
        for event in ready:
            process = subprocess.Popen(
                [sys.executable, "-m", "carerline", "deliver"], env=self._env, stderr=subprocess.PIPE, text=True
            )
            self._processes.append(process)
            threading.Thread(target=_watch_log, args=(process, event), daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while not all(event.is_set() for event in ready):
            if time.monotonic() > deadline or any(process.poll() is not None for process in self._processes):
                raise RuntimeError("a `carerline deliver` process did not start")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """SIGTERM, then wait."""
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            await asyncio.to_thread(process.wait, 30)


def _watch_log(process: subprocess.Popen[str], ready: threading.Event) -> None:
    """Set `ready` at the worker's "delivering" line; pass on warnings and errors; drain the pipe."""
    assert process.stderr is not None
    for line in process.stderr:
        if " INFO " in line:
            if "delivering;" in line:
                ready.set()
            continue
        sys.stderr.write(line)


@dataclass(frozen=True)
class Outcome:
    """What the emulator saw of one broadcast."""

    accepted: int
    duplicates: int
    losses: int
    first_s: float
    last_s: float
    rejected: dict[str, int]

    @property
    def rate_per_s(self) -> float:
        """Accepted sends per second between the first and the last."""
        span = self.last_s - self.first_s
        return (self.accepted - 1) / span if span > 0 else float("nan")


def outcome(stats: dict[str, Any], *, chat_ids: list[int]) -> Outcome:
    """Duplicates, losses and the achieved rate over the audience's chats."""
    counts = {int(chat): count for chat, count in stats["sent_by_chat"].items()}
    log = [entry for entry in stats["send_log"] if entry[1] in set(chat_ids)]
    times = sorted(entry[0] for entry in log)
    return Outcome(
        accepted=len(log),
        duplicates=sum(max(0, counts.get(chat, 0) - 1) for chat in chat_ids),
        losses=sum(1 for chat in chat_ids if counts.get(chat, 0) == 0),
        first_s=times[0] if times else 0.0,
        last_s=times[-1] if times else 0.0,
        rejected=stats["rejected_by_code"],
    )


@contextlib.contextmanager
def postgres_server() -> Iterator[TemporaryPostgres]:
    """A throwaway PostgreSQL server (the Debian postgresql binaries)."""
    server = TemporaryPostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def fresh_database(backend: str, *, postgres: TemporaryPostgres | None) -> AsyncIterator[str]:
    """A migrated, empty database URL on the backend ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="carerline-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            await upgrade_database_async(database_url=url)
            yield url
        return
    assert postgres is not None
    import asyncpg

    name = f"bench_{os.getpid()}_{int(time.time() * 1000)}"
    admin = await asyncpg.connect(host="127.0.0.1", port=postgres.port, user="carerline", database="postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = postgres.url(name)
    await upgrade_database_async(database_url=url)
    yield url


async def make_carers(database: Database, *, chat_ids: list[int], language_every: int = 4) -> list[Carer]:
    """Consenting carers for these chats (every fourth reads Polish)."""
    now = utc_now()
    rows = [
        {
            "chat_id": chat_id, "pseudonym": f"C-B{chat_id:010d}", "first_name": "Parent",
            "language": "pl" if index % language_every == 0 else "en", "consent_notice_version": "bench",
            "consent_given_at": now, "muted_update_kinds": [], "created_at": now,
        }
        for index, chat_id in enumerate(chat_ids)
    ]
    async with database.transaction() as session:
        await session.exec(insert(Carer.__table__), params=rows)  # type: ignore[attr-defined]
    async with database.transaction() as session:
        from sqlmodel import col, select

        return list((await session.exec(select(Carer).where(col(Carer.chat_id).in_(chat_ids)).order_by(col(Carer.id)))).all())
