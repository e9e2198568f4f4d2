"""The staff web side under test: the real app on a real port, real accounts, a browser-like client."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from core.lifecycle import Lifecycle
from core.metrics import Metrics
from core.settings import Settings
from db.engine import Database
from db.models.staff import StaffRole, StaffUser
from db.types import utc_now
from services.staff.audit import Actor
from services.staff.accounts import create_api_token, create_user
from services.operators.routes import list_operators
from tests.support.factories import make_operator
from tests.support.postgres import free_port
from web.app import init_web_app

PASSWORD = "a long and memorable passphrase"
CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class SettableClock:
    """The app's clock, moved by tests instead of waiting."""

    now: datetime = field(default_factory=utc_now)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        self.now += delta


class StaffClient:
    """A browser-like HTTP client: keeps Secure cookies on http://127.0.0.1 as Chromium does."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=URL(base_url))
        self.http = aiohttp.ClientSession(base_url, cookie_jar=jar)
        self.csrf_token: str | None = None

    async def close(self) -> None:
        """Close the connection pool."""
        await self.http.close()

    async def get(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        """GET without following redirects; the body is read so it can be inspected."""
        response = await self.http.get(path, allow_redirects=False, **kwargs)
        await response.read()
        return response

    async def post_form(
        self, path: str, data: dict[str, str] | None = None, *, with_csrf: bool = True
    ) -> aiohttp.ClientResponse:
        """POST a form, adding the page's CSRF token like a rendered form would."""
        payload = dict(data or {})
        if with_csrf and self.csrf_token:
            payload.setdefault("csrf_token", self.csrf_token)
        response = await self.http.post(path, data=payload, allow_redirects=False)
        await response.read()
        return response

    async def sign_in(self, email: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
        """Open the sign-in page, then submit it with its CSRF token."""
        page = await self.get("/sign-in")
        token = CSRF_PATTERN.search(await page.text())
        assert token, "the sign-in form has no CSRF token"
        response = await self.http.post(
            "/sign-in",
            data={"email": email, "password": password, "csrf_token": token.group(1)},
            allow_redirects=False,
        )
        await response.read()
        if response.status == 303:
            await self.refresh_csrf()
        return response

    async def refresh_csrf(self) -> None:
        """Read the session's CSRF token from a signed-in page."""
        page = await self.get("/accessibility")
        match = CSRF_PATTERN.search(await page.text())
        self.csrf_token = match.group(1) if match else None

    def session_cookie(self) -> Any:
        """The carerline_session cookie as the client holds it."""
        for cookie in self.http.cookie_jar:
            if cookie.key == "carerline_session":
                return cookie
        return None


@dataclass
class StaffWeb:
    """The web app (pages and API) serving one test's database."""

    url: str
    database: Database
    clock: SettableClock
    settings: Settings
    app: web.Application
    clients: list[StaffClient] = field(default_factory=list)

    async def add_user(
        self,
        role: StaffRole,
        *,
        email: str | None = None,
        password: str = PASSWORD,
        name: str | None = None,
        operator_id: int | None = None,
    ) -> StaffUser:
        """A staff account made through the accounts service (an operator account gets an operator of its own)."""
        async with self.database.transaction() as session:
            if role == StaffRole.OPERATOR and operator_id is None:
                operator_id = await _some_operator(session)
            return await create_user(
                session,
                email=email or f"{role.value}.{free_port()}@kent.gov.uk",
                display_name=name or f"Test {role.value.replace('_', ' ')}",
                role=role,
                password=password,
                actor=Actor.system("tests"),
                now=self.clock(),
                operator_id=operator_id,
            )

    async def add_token(self, role: StaffRole, *, name: str = "Test client", operator_id: int | None = None) -> str:
        """A live API token's plain value (an operator token gets an operator of its own)."""
        async with self.database.transaction() as session:
            if role == StaffRole.OPERATOR and operator_id is None:
                operator_id = await _some_operator(session)
            issued = await create_api_token(
                session, name=name, role=role, actor=Actor.system("tests"), now=self.clock(), operator_id=operator_id
            )
        return issued.plain_token

    def client(self) -> StaffClient:
        """A fresh browser-like client with no cookies."""
        client = StaffClient(self.url)
        self.clients.append(client)
        return client

    async def signed_in(self, role: StaffRole) -> tuple[StaffClient, StaffUser]:
        """A client signed in as a new account with this role."""
        user = await self.add_user(role)
        client = self.client()
        response = await client.sign_in(user.email)
        assert response.status == 303, await response.text()
        return client, user


# Pseudonymised complaint and problem exports need a case-key secret; tests without one pass None.
TEST_CASE_KEY_SECRET = "tests-case-key-secret-0123456789-abcdefghij"
# Signs the "I have seen this" links (messaging/ack_links.py) in every test web app.
TEST_ACK_LINK_SECRET = "tests-ack-link-secret-0123456789-abcdefghij"


async def _some_operator(session: Any) -> int | None:
    """The first operator in the transport data (so its routes can be reported on), or a new one."""
    operators = await list_operators(session)
    return min(operator.id or 0 for operator in operators) if operators else (await make_operator(session)).id


async def start_staff_web(
    *, database_url: str, clock: SettableClock, **setting_overrides: Any
) -> tuple[StaffWeb, web.AppRunner]:
    """Build the real web app (no bot) and serve it on a free localhost port."""
    values: dict[str, Any] = {"case_key_secret": TEST_CASE_KEY_SECRET, "ack_link_secret": TEST_ACK_LINK_SECRET,
                              **setting_overrides}
    settings = Settings(_env_file=None, database_url=database_url, http_host="127.0.0.1", **values)  # type: ignore[call-arg]
    database = Database(settings.database_url)
    app = init_web_app(
        settings=settings,
        database=database,
        metrics=Metrics(),
        lifecycle=Lifecycle(),
        bot_application=None,
        clock=clock,
    )
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return StaffWeb(
        url=f"http://127.0.0.1:{port}", database=database, clock=clock, settings=settings, app=app
    ), runner


@contextlib.asynccontextmanager
async def running_staff_web(
    *, database_url: str, clock: SettableClock, **setting_overrides: Any
) -> AsyncIterator[StaffWeb]:
    """The staff pages and API served on a free port for the length of the block, then closed."""
    running, runner = await start_staff_web(database_url=database_url, clock=clock, **setting_overrides)
    try:
        yield running
    finally:
        for client in running.clients:
            await client.close()
        await runner.cleanup()
        await running.database.dispose()
