"""Every route against every role: README's matrix is what the service enforces, and nothing is open by accident."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from aiohttp import web

from db.models.staff import StaffRole
from services.staff.permissions import Permission
from tests.services.staff.test_permissions import readme_matrix
from tests.support.staff import StaffClient, StaffWeb
from web.auth.access import declared_access
from web.auth.middleware import INFRASTRUCTURE_PATHS, is_api_path

UNKNOWN_ID = "2147483000"
# Reachable without signing in. The accessibility statement is public on purpose: someone who cannot
# sign in because of an accessibility problem must still be able to read how to get help. The "I've seen this"
# page is the family's, opened from a text or email: its signed link is its only key (web/views/seen.py).
EXPECTED_PUBLIC = {
    ("GET", "/sign-in"), ("POST", "/sign-in"), ("GET", "/accessibility"),
    ("GET", "/seen/{token}"), ("POST", "/seen/{token}"),
}


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    permission: Permission | None

    @property
    def path(self) -> str:
        return re.sub(r"\{[^}]+\}", UNKNOWN_ID, self.template)


def staff_routes(app: web.Application) -> list[Route]:
    """Every page and API route, with the permission it declares (platform routes and /static excluded)."""
    routes = []
    for route in app.router.routes():
        template = route.resource.canonical if route.resource is not None else ""
        if (
            route.method == "HEAD"
            or template in INFRASTRUCTURE_PATHS
            or template.startswith("/static")
        ):
            continue
        access = declared_access(route.handler)
        assert access is not None, (
            f"{route.method} {template} declares no access: mark it with require/public/signed_in"
        )
        if (route.method, template) in EXPECTED_PUBLIC:
            assert access.is_public
            continue
        assert not access.is_public, f"{route.method} {template} is public but should not be"
        routes.append(Route(route.method, template, access.permission))
    return routes


async def send(client: StaffClient, route: Route, *, headers: dict[str, str] | None = None) -> int:
    if route.method == "GET":
        return (await client.get(route.path, headers=headers)).status
    if is_api_path(route.path):
        response = await client.http.request(
            route.method,
            route.path,
            json={},
            headers={**(headers or {}), "X-CSRF-Token": client.csrf_token or ""},
            allow_redirects=False,
        )
        await response.read()
        return response.status
    return (await client.post_form(route.path)).status


def test_the_public_routes_are_exactly_sign_in_and_the_accessibility_statement(
    staff_web: StaffWeb,
) -> None:
    public = {
        (route.method, route.resource.canonical)
        for route in staff_web.app.router.routes()
        if route.resource is not None
        and route.method != "HEAD"
        and (access := declared_access(route.handler))
        and access.is_public
    }
    assert public == EXPECTED_PUBLIC
    assert len(staff_routes(staff_web.app)) >= 20


async def test_without_credentials_pages_redirect_to_sign_in_and_the_api_answers_401(
    staff_web: StaffWeb,
) -> None:
    client = staff_web.client()
    for route in staff_routes(staff_web.app):
        if is_api_path(route.path):
            assert await send(client, route) == 401, route
        else:
            response = await (
                client.get(route.path)
                if route.method == "GET"
                else client.post_form(route.path, with_csrf=False)
            )
            assert response.status == 303, route
            assert response.headers["Location"].startswith("/sign-in?next="), route
    for public in ("/sign-in", "/accessibility", "/healthz", "/static/govuk/carerline.min.css"):
        assert (await client.get(public)).status == 200, public


@pytest.mark.parametrize("role", list(StaffRole))
async def test_each_role_gets_exactly_what_the_readme_matrix_grants(
    staff_web: StaffWeb, role: StaffRole
) -> None:
    matrix = readme_matrix()
    client, _ = await staff_web.signed_in(role)
    token = await staff_web.add_token(role)
    denied, allowed = [], []
    for route in staff_routes(staff_web.app):
        may = route.permission is None or matrix[route.permission][role]
        if route.template == "/sign-out":
            continue  # it would end this client's session; tests/web/test_sign_in.py covers it
        statuses = [await send(client, route)]
        if is_api_path(route.path):
            statuses.append(
                await send(staff_web.client(), route, headers={"Authorization": f"Bearer {token}"})
            )
        for status in statuses:
            if may:
                assert status not in (401, 403), (role, route, status)
                allowed.append(route)
            else:
                assert status == 403, (role, route, status)
                denied.append(route)
    assert allowed  # every role can reach something, at least the dashboard and /api/v1/me
    if role is not StaffRole.ADMIN:
        assert any(route.template == "/accounts" for route in denied)
        assert any(route.template == "/api/v1/audit-events" for route in denied)


async def test_a_bearer_token_does_not_open_pages_and_a_wrong_token_gets_401(
    staff_web: StaffWeb,
) -> None:
    token = await staff_web.add_token(StaffRole.ADMIN)
    client = staff_web.client()
    assert (
        await client.get("/accounts", headers={"Authorization": f"Bearer {token}"})
    ).status == 303
    assert (
        await client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    ).status == 200
    for wrong in (f"Bearer {token}x", "Bearer ", f"Basic {token}", "Bearer cl_nope"):
        assert (await client.get("/api/v1/me", headers={"Authorization": wrong})).status == 401, (
            wrong
        )


async def test_unsafe_requests_from_a_session_need_the_csrf_token(staff_web: StaffWeb) -> None:
    client, _ = await staff_web.signed_in(StaffRole.ADMIN)
    form = {"name": "Route planning", "role": "officer"}
    missing = await client.post_form("/tokens/new", form, with_csrf=False)
    wrong = await client.post_form("/tokens/new", {**form, "csrf_token": "forged"})
    assert missing.status == wrong.status == 403
    assert "This form has expired" in await missing.text()
    api = await client.http.post("/api/v1/tokens", json=form)
    assert api.status == 403 and (await api.json())["error"] == "forbidden"
    assert (await client.post_form("/tokens/new", form)).status == 201
    api_ok = await client.http.post(
        "/api/v1/tokens", json=form, headers={"X-CSRF-Token": client.csrf_token or ""}
    )
    assert api_ok.status == 201


async def test_the_sign_in_form_needs_its_own_csrf_token(staff_web: StaffWeb) -> None:
    user = await staff_web.add_user(StaffRole.OFFICER)
    client = staff_web.client()
    response = await client.post_form(
        "/sign-in", {"email": user.email, "password": "irrelevant"}, with_csrf=False
    )
    assert response.status == 403
    await client.get("/sign-in")  # sets the cookie, but the form value must match it
    response = await client.post_form(
        "/sign-in", {"email": user.email, "password": "irrelevant", "csrf_token": "guess"}
    )
    assert response.status == 403
