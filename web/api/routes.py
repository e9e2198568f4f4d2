"""Mount every registered API operation, and the OpenAPI document describing them."""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web

from web.api.openapi import build_openapi
from web.api.registry import API_ROOT, OPERATIONS, make_view
from web.auth.access import signed_in

# Each area's API module registers its operations on import: add one line per new module.
API_MODULES = (
    "web.api.operations.me",
    "web.api.operations.audit",
    "web.api.operations.accounts",
    "web.api.operations.broadcasts",
    "web.api.operations.surveys",
    "web.api.operations.problem_reports",
    "web.api.operations.reports",
    "web.api.operations.complaints",
    "web.api.operations.transport",
    "web.api.operations.child_contacts",
    "web.api.operations.transport_changes",
    "web.api.operations.applications",
    "web.api.operations.operators",
    "web.api.operations.disruptions",
)
OPENAPI_DOCUMENT = web.AppKey("openapi_document", dict)


def add_api_routes(app: web.Application) -> None:
    """Route /api/v1/* to the registered operations and serve /api/v1/openapi.json."""
    for module in API_MODULES:
        importlib.import_module(module)
    for operation in OPERATIONS:
        app.router.add_route(
            operation.method, operation.full_path, make_view(operation), name=operation.operation_id
        )
    app[OPENAPI_DOCUMENT] = build_openapi(OPERATIONS, version=_service_version())
    app.router.add_get(f"{API_ROOT}/openapi.json", openapi_document)


@signed_in
async def openapi_document(request: web.Request) -> web.StreamResponse:
    """The OpenAPI 3.1 description of this API."""
    return web.json_response(request.app[OPENAPI_DOCUMENT])


def _service_version() -> str:
    try:
        return version("carerline")
    except PackageNotFoundError:
        return "0.0.0"
