"""The JSON API: real responses checked against /api/v1/openapi.json, and its error bodies."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from db.models.staff import AuditEvent, StaffRole
from tests.support.openapi import assert_response_documented
from tests.support.staff import StaffWeb


class Api:
    """An API client with a bearer token that checks every answer against the document."""

    def __init__(self, staff_web: StaffWeb, token: str, document: dict[str, Any]) -> None:
        self.http = aiohttp.ClientSession(
            staff_web.url, headers={"Authorization": f"Bearer {token}"}
        )
        self.document = document

    async def call(
        self, method: str, template: str, *, path: str | None = None, **kwargs: Any
    ) -> tuple[int, Any]:
        async with self.http.request(method, path or template, **kwargs) as response:
            body = (
                await response.json()
                if response.content_type == "application/json"
                else await response.read()
            )
            assert_response_documented(
                self.document, method=method, template=template, status=response.status, body=body
            )
            return response.status, body


@pytest.fixture
async def admin_api(staff_web: StaffWeb):
    token = await staff_web.add_token(StaffRole.ADMIN, name="Admin client")
    async with aiohttp.ClientSession(
        staff_web.url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        async with http.get("/api/v1/openapi.json") as response:
            assert response.status == 200
            document = await response.json()
    api = Api(staff_web, token, document)
    yield api
    await api.http.close()


async def test_the_document_needs_credentials_and_describes_every_api_route(
    staff_web: StaffWeb, admin_api: Api
) -> None:
    async with (
        aiohttp.ClientSession(staff_web.url) as anonymous,
        anonymous.get("/api/v1/openapi.json") as response,
    ):
        assert response.status == 401
    document = admin_api.document
    assert document["openapi"].startswith("3.1")
    routes = {
        (route.method.lower(), route.resource.canonical)
        for route in staff_web.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/v1/")
        and route.method != "HEAD"
    }
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented == routes - {("get", "/api/v1/openapi.json")}


async def test_me_answers_for_a_token_and_for_a_session(
    staff_web: StaffWeb, admin_api: Api
) -> None:
    status, body = await admin_api.call("GET", "/api/v1/me")
    assert status == 200 and body["kind"] == "token" and body["role"] == "admin"
    assert "manage_accounts" in body["permissions"] and "view_casework" not in body["permissions"]
    client, user = await staff_web.signed_in(StaffRole.PACT_COORDINATOR)
    async with client.http.get("/api/v1/me") as response:
        me = await response.json()
    assert me == {
        "kind": "session",
        "id": user.id,
        "name": user.display_name,
        "role": "pact_coordinator",
        "permissions": me["permissions"],
        "operator_id": None,
    }
    assert "view_casework" not in me["permissions"]


async def test_creating_an_account_validates_each_field(admin_api: Api) -> None:
    status, body = await admin_api.call(
        "POST",
        "/api/v1/users",
        json={
            "email": "nope",
            "display_name": "",
            "role": "wizard",
            "password": "short",
            "extra": 1,
        },
    )
    assert status == 422 and body["error"] == "validation_failed"
    fields = {error["field"] for error in body["fields"]}
    assert fields == {"email", "display_name", "role", "password", "extra"}
    status, body = await admin_api.call(
        "POST",
        "/api/v1/users",
        json={
            "email": "Ola@kent.gov.uk",
            "display_name": "Ola",
            "role": "officer",
            "password": "a long enough password",
        },
    )
    assert status == 201 and body["email"] == "ola@kent.gov.uk" and "password_hash" not in body
    status, body = await admin_api.call(
        "POST",
        "/api/v1/users",
        json={
            "email": "ola@kent.gov.uk",
            "display_name": "Ola",
            "role": "officer",
            "password": "a long enough password",
        },
    )
    assert status == 422 and body["fields"][0]["field"] == "email"
    status, body = await admin_api.call(
        "POST", "/api/v1/users", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert status == 422
    status, body = await admin_api.call(
        "POST",
        "/api/v1/users",
        data=b"email=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 415


async def test_unknown_ids_get_404_and_bad_ids_422(admin_api: Api) -> None:
    status, body = await admin_api.call(
        "GET", "/api/v1/users/{user_id}", path="/api/v1/users/999999"
    )
    assert status == 404 and body["error"] == "not_found"
    status, _ = await admin_api.call(
        "POST", "/api/v1/tokens/{token_id}/revoke", path="/api/v1/tokens/999999/revoke"
    )
    assert status == 404
    status, body = await admin_api.call("GET", "/api/v1/users/{user_id}", path="/api/v1/users/abc")
    assert status == 422 and body["fields"][0]["location"] == "path"


async def test_a_token_is_shown_once_and_revoking_it_stops_it(
    staff_web: StaffWeb, admin_api: Api
) -> None:
    status, issued = await admin_api.call(
        "POST", "/api/v1/tokens", json={"name": "Route planning", "role": "officer"}
    )
    assert status == 201 and issued["token"].startswith(issued["prefix"])
    _, listed = await admin_api.call("GET", "/api/v1/tokens")
    assert all("token" not in item for item in listed["items"])
    async with aiohttp.ClientSession(
        staff_web.url, headers={"Authorization": f"Bearer {issued['token']}"}
    ) as route_planner:
        async with route_planner.get("/api/v1/me") as response:
            assert response.status == 200
        async with route_planner.get("/api/v1/users") as response:
            assert response.status == 403  # an officer token cannot manage accounts
        status, revoked = await admin_api.call(
            "POST", "/api/v1/tokens/{token_id}/revoke", path=f"/api/v1/tokens/{issued['id']}/revoke"
        )
        assert status == 200 and revoked["revoked_at"]
        async with route_planner.get("/api/v1/me") as response:
            assert response.status == 401


async def test_deactivating_the_last_admin_is_a_conflict(
    staff_web: StaffWeb, admin_api: Api
) -> None:
    admin = await staff_web.add_user(StaffRole.ADMIN)
    status, body = await admin_api.call(
        "POST", "/api/v1/users/{user_id}/deactivate", path=f"/api/v1/users/{admin.id}/deactivate"
    )
    assert status == 409 and "only active administrator" in body["message"]


async def test_audit_events_are_filtered_and_paginated(staff_web: StaffWeb, admin_api: Api) -> None:
    for number in range(3):
        await staff_web.add_user(StaffRole.OFFICER, email=f"officer{number}@kent.gov.uk")
    status, page = await admin_api.call(
        "GET", "/api/v1/audit-events", params={"action": "account.created", "page_size": "2"}
    )
    assert status == 200 and page["total"] == 3 and len(page["items"]) == 2
    assert page["items"][0]["object_type"] == "staff_user"
    status, second = await admin_api.call(
        "GET",
        "/api/v1/audit-events",
        params={"action": "account.created", "page_size": "2", "page": "2"},
    )
    assert len(second["items"]) == 1
    status, body = await admin_api.call(
        "GET", "/api/v1/audit-events", params={"since": "yesterday", "page_size": "0"}
    )
    assert status == 422 and {error["field"] for error in body["fields"]} == {"since", "page_size"}
    async with staff_web.database.transaction() as session:
        views = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "audit_log.viewed"))
        ).all()
    assert len(views) == 2 and all(view.actor_kind == "token" for view in views)


async def test_errors_never_leak_internals_and_unknown_routes_are_json(
    staff_web: StaffWeb, admin_api: Api
) -> None:
    async with admin_api.http.get("/api/v1/no-such-thing") as response:
        assert response.status == 404 and (await response.json())["error"] == "not_found"
    async with admin_api.http.delete("/api/v1/me") as response:
        assert response.status == 405 and "GET" in response.headers["Allow"]
    async with admin_api.http.post(
        "/api/v1/tokens",
        data=b"x" * (11 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
    ) as response:
        assert response.status == 413 and (await response.json())["error"] == "payload_too_large"
