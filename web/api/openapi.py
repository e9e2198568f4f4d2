"""The OpenAPI 3.1 document, generated from the registry so it cannot drift from the routes."""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from services.staff.permissions import ROLE_PERMISSIONS
from web.api.registry import ApiOperation
from web.api.schemas import ErrorBody

REF_TEMPLATE = "#/components/schemas/{model}"
SECURITY = [{"bearerAuth": []}, {"sessionCookie": []}]
API_DESCRIPTION = (
    "Carerline's JSON API: everything the staff pages do, for machine clients such as the council's "
    "route-planning system. Send a token as `Authorization: Bearer <token>` (issued with "
    "`carerline tokens create`), or use a signed-in browser session plus an `X-CSRF-Token` header on "
    "unsafe methods. Errors are `{error, message, fields}`; invalid input gets 422 with one entry in "
    "`fields` per field at fault."
)


def build_openapi(operations: Iterable[ApiOperation], *, version: str) -> dict[str, Any]:
    """The whole document for these operations."""
    operations = list(operations)
    schema_of, components = _component_schemas(operations)
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.full_path, {})[operation.method.lower()] = _operation(
            operation, schema_of, components
        )
    return {
        "openapi": "3.1.0",
        "info": {"title": "Carerline API", "version": version, "description": API_DESCRIPTION},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from `carerline tokens create`.",
                },
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "carerline_session"},
            },
        },
        "security": SECURITY,
    }


def _component_schemas(
    operations: list[ApiOperation],
) -> tuple[dict[tuple[type[BaseModel], str], dict[str, Any]], dict[str, Any]]:
    inputs: set[type[BaseModel]] = set()
    outputs: set[type[BaseModel]] = {ErrorBody}
    for operation in operations:
        inputs.update(
            model for model in (operation.body, operation.query, operation.path_params) if model
        )
        if operation.response:
            outputs.add(operation.response)
    pairs = [(model, "validation") for model in sorted(inputs, key=lambda m: m.__name__)]
    pairs += [(model, "serialization") for model in sorted(outputs, key=lambda m: m.__name__)]
    keyed, definitions = models_json_schema(pairs, ref_template=REF_TEMPLATE)  # type: ignore[arg-type]
    return dict(keyed), definitions.get("$defs", {})  # type: ignore[arg-type]


def _definition(
    model: type[BaseModel],
    mode: str,
    schema_of: dict[Any, dict[str, Any]],
    components: dict[str, Any],
) -> dict[str, Any]:
    reference = schema_of[(model, mode)]["$ref"]
    return components[reference.rsplit("/", 1)[1]]


def _parameters(
    model: type[BaseModel] | None, where: str, schema_of: dict[Any, Any], components: dict[str, Any]
) -> list[dict[str, Any]]:
    if model is None:
        return []
    definition = _definition(model, "validation", schema_of, components)
    required = set(definition.get("required", []))
    parameters = []
    for name, schema in definition.get("properties", {}).items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": where,
            "required": where == "path" or name in required,
            "schema": _without_null(schema),
        }
        if "description" in schema:
            parameter["description"] = schema["description"]
        if schema.get("examples"):
            parameter["example"] = schema["examples"][0]  # shown by API tools, tried first by schemathesis
        parameters.append(parameter)
    return parameters


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """Query strings cannot carry null: an optional parameter is simply left out."""
    choices = schema.get("anyOf")
    if not choices:
        return schema
    kept = [choice for choice in choices if choice.get("type") != "null"]
    rest = {key: value for key, value in schema.items() if key not in ("anyOf", "default")}
    return {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}


def _operation(
    operation: ApiOperation, schema_of: dict[Any, Any], components: dict[str, Any]
) -> dict[str, Any]:
    roles = sorted(
        role.value for role, granted in ROLE_PERMISSIONS.items() if operation.permission in granted
    )
    who = (
        f"Roles: {', '.join(roles)}." if operation.permission else "Any signed-in caller or token."
    )
    document: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "description": f"{operation.description}\n\n{who}".strip(),
        "tags": [operation.tag],
        "security": SECURITY,
        "parameters": _parameters(operation.path_params, "path", schema_of, components)
        + _parameters(operation.query, "query", schema_of, components),
        "responses": _responses(operation, schema_of),
    }
    if operation.body is not None:
        media: dict[str, Any] = {"schema": schema_of[(operation.body, "validation")]}
        examples = operation.body.model_json_schema().get("examples")
        if examples:
            media["example"] = examples[0]
        document["requestBody"] = {"required": True, "content": {"application/json": media}}
    if operation.accepts_csv_file:
        document["requestBody"] = _csv_file_body(operation.csv_example)
    return document


def _csv_file_body(example: str) -> dict[str, Any]:
    """A CSV upload: the file as the whole body, or as the "file" part of a form (as a browser sends it)."""
    as_text: dict[str, Any] = {"schema": {"type": "string"}}
    if example:
        as_text["example"] = example
    return {
        "required": True,
        "content": {
            "text/csv": as_text,
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }


def _responses(operation: ApiOperation, schema_of: dict[Any, Any]) -> dict[str, Any]:
    success: dict[str, Any] = {"description": HTTPStatus(operation.status).phrase}
    if operation.produces_csv:
        success["content"] = {"text/csv": {"schema": {"type": "string"}}}
    elif operation.response is not None:
        success["content"] = {
            "application/json": {"schema": schema_of[(operation.response, "serialization")]}
        }
    responses: dict[str, Any] = {str(operation.status): success}
    for status in operation.error_statuses:
        responses[str(status)] = {
            "description": HTTPStatus(status).phrase,
            "content": {"application/json": {"schema": schema_of[(ErrorBody, "serialization")]}},
        }
    return responses
