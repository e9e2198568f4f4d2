"""A bearer-token API client for tests that checks every JSON answer against the served OpenAPI document."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.support.openapi import assert_response_documented


class Api:
    """A bearer-token client that checks every JSON answer against the served OpenAPI document."""

    def __init__(self, url: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = aiohttp.ClientSession(url, headers=headers)
        self.document: dict[str, Any] = {}

    async def load_document(self) -> None:
        async with self.http.get("/api/v1/openapi.json") as response:
            assert response.status == 200
            self.document = await response.json()

    async def call(
        self, method: str, template: str, *, path: str | None = None, **kwargs: Any
    ) -> tuple[int, Any]:
        async with self.http.request(method, path or template, **kwargs) as response:
            if response.content_type != "application/json":
                return response.status, await response.text()
            body = await response.json()
        if self.document:
            assert_response_documented(
                self.document, method=method, template=template, status=response.status, body=body
            )
        return response.status, body
