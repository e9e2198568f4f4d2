"""Health, readiness and metrics on the running service."""

from __future__ import annotations

import aiohttp

from carerline.service import CarerlineService
from db.engine import create_engine
from tests.support.postgres import free_port


async def test_health_ready_and_metrics(service: CarerlineService) -> None:
    async with aiohttp.ClientSession(service.http_url) as http:
        async with http.get("/healthz") as response:
            assert response.status == 200
            assert (await response.json()) == {"status": "ok"}
        async with http.get("/readyz") as response:
            assert response.status == 200
            assert (await response.json()) == {"status": "ready"}
        async with http.get("/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            body = await response.text()
    assert "carerline_updates_received_total" in body
    assert "carerline_messages_sent_total" in body


async def test_readiness_fails_while_draining(service: CarerlineService) -> None:
    service.lifecycle.is_draining = True
    async with aiohttp.ClientSession(service.http_url) as http, http.get("/readyz") as response:
        assert response.status == 503
        assert (await response.json()) == {"status": "draining"}
    service.lifecycle.is_draining = False


async def test_readiness_fails_when_the_database_is_gone(service: CarerlineService) -> None:
    assert service.database is not None
    await service.database.engine.dispose()
    # Point the engine at a port where no database listens, as if the server had gone away.
    service.database.engine = create_engine(f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/gone")
    async with aiohttp.ClientSession(service.http_url) as http, http.get("/readyz") as response:
        assert response.status == 503
        assert (await response.json()) == {"status": "database unreachable"}
