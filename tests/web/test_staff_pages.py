"""The staff pages' content: dashboard counts, the audit log, error pages and security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web

from core.lifecycle import Lifecycle
from core.metrics import Metrics
from carerline.service import CarerlineService
from core.settings import Settings
from db.engine import Database
from db.models.casework import ProblemReport
from db.models.staff import StaffRole
from db.types import utc_now
from tests.support.factories import make_carer
from tests.support.postgres import free_port
from tests.support.staff import StaffWeb
from web.app import init_web_app


async def test_the_dashboard_counts_problems_today_and_unreachable_carers_and_marks_missing_areas(
    staff_web: StaffWeb,
) -> None:
    async with staff_web.database.transaction() as session:
        for number in range(3):
            carer = await make_carer(session, first_name=f"Carer {number}")
            carer.unreachable_since = utc_now() if number < 2 else None
        await session.flush()
        session.add(
            ProblemReport(reference="P-TODAY-1", category="late", reported_at=staff_web.clock.now)
        )
        session.add(
            ProblemReport(
                reference="P-OLD-1",
                category="late",
                reported_at=staff_web.clock.now - timedelta(days=2),
            )
        )
    client, _ = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    page = await (await client.get("/dashboard")).text()
    problems = page.split('id="panel-problems_today"', 1)[1].split("</li>", 1)[0]
    assert '<span class="app-dashboard__count">1</span>' in problems
    unreachable = page.split('id="panel-unreachable_carers"', 1)[1].split("</li>", 1)[0]
    assert '<span class="app-dashboard__count">2</span>' in unreachable
    complaints = page.split('id="panel-complaints_due"', 1)[1].split("</li>", 1)[0]
    assert '<span class="app-dashboard__count">0</span>' in complaints and "Not yet available" not in complaints
    assert "Carer 0" not in page  # counts only, never names
    officer, _ = await staff_web.signed_in(StaffRole.OFFICER)
    officer_page = await (await officer.get("/dashboard")).text()
    problems = officer_page.split('id="panel-problems_today"', 1)[1].split("</li>", 1)[0]
    assert '<a class="govuk-link" href="/casework/problems">See problems reported</a>' in problems  # like every other card


async def test_the_audit_log_filters_and_pages(staff_web: StaffWeb) -> None:
    for number in range(30):
        await staff_web.add_user(StaffRole.OFFICER, email=f"o{number}@kent.gov.uk")
    client, _ = await staff_web.signed_in(StaffRole.ADMIN)
    first = await (await client.get("/audit?action=account.created")).text()
    assert "31 entries, page 1 of 2" in first
    assert first.count("<code>account.created</code>") == 25
    second = await (await client.get("/audit?action=account.created&page=2")).text()
    assert second.count("<code>account.created</code>") == 6
    wrong = await (await client.get("/audit?from=31/02/2026")).text()
    assert "govuk-error-summary" in wrong and 'href="#from"' in wrong
    viewed = await (await client.get("/audit?action=audit_log.viewed")).text()
    assert "audit_log.viewed" in viewed


async def test_every_response_carries_the_security_headers(staff_web: StaffWeb) -> None:
    client = staff_web.client()
    for path in ("/sign-in", "/dashboard", "/api/v1/me", "/no-such-page", "/healthz"):
        response = await client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert (
            "script-src 'self'" in csp
            and "frame-ancestors 'none'" in csp
            and "unsafe-inline" not in csp
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"
    page = await (await client.get("/sign-in")).text()
    assert "<script>" not in page and " style=" not in page
    missing = await client.get("/no-such-page")
    assert missing.status == 404 and "Page not found" in await missing.text()


@pytest.fixture
async def crashing_app(database_url: str) -> AsyncIterator[str]:
    """The real app with one extra route that fails, to see what a crash shows people."""
    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    database = Database(settings.database_url)
    app = init_web_app(
        settings=settings,
        database=database,
        metrics=Metrics(),
        lifecycle=Lifecycle(),
        bot_application=None,
    )

    async def crash(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals: password=hunter2")

    from web.auth.access import public

    app.router.add_get("/crash", public(crash))
    app.router.add_get("/api/v1/crash", public(crash))
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()
    await database.dispose()


async def test_a_crash_shows_a_kind_page_and_leaks_nothing(crashing_app: str) -> None:
    async with aiohttp.ClientSession(crashing_app) as http:
        async with http.get("/crash") as response:
            body = await response.text()
            assert response.status == 500 and "Sorry, there is a problem with the service" in body
            assert "hunter2" not in body and "Traceback" not in body
        async with http.get("/api/v1/crash") as response:
            assert response.status == 500
            assert await response.json() == {
                "error": "internal_error",
                "message": "Something went wrong; it has been logged",
                "fields": [],
            }


async def test_the_running_service_serves_the_staff_side_and_keeps_health_open(
    service: CarerlineService,
) -> None:
    async with aiohttp.ClientSession(service.http_url) as http:
        async with http.get("/dashboard", allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"].startswith("/sign-in")
        async with http.get("/api/v1/me") as response:
            assert response.status == 401
        for open_path in ("/healthz", "/readyz", "/metrics", "/sign-in", "/static/carerline.js"):
            async with http.get(open_path) as response:
                assert response.status == 200, open_path
