"""Check a real API response against the OpenAPI document the service serves."""

from __future__ import annotations

from typing import Any

import jsonschema_rs


def assert_response_documented(
    document: dict[str, Any], *, method: str, template: str, status: int, body: Any
) -> None:
    """The status is documented for the operation and the body matches its schema."""
    responses = document["paths"][template][method.lower()]["responses"]
    assert str(status) in responses, (
        f"{method} {template} answered {status}, which is not documented"
    )
    content = responses[str(status)].get("content")
    if content is None:
        assert body in (None, b"", ""), "an undocumented body"
        return
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **content["application/json"]["schema"],
        "components": document["components"],
    }
    errors = [
        error.message for error in jsonschema_rs.Draft202012Validator(schema).iter_errors(body)
    ]
    assert errors == [], f"{method} {template} {status}: {errors}"
