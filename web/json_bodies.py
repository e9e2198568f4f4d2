"""The one reader of JSON request bodies: size bounded however the body arrives, nesting depth bounded."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

MAX_JSON_BYTES = 1_000_000
# Telegram's updates nest about ten deep and our API bodies fewer; past this we refuse before parsing,
# because Python's parser (and everything that walks the result) recurses once per level.
MAX_JSON_DEPTH = 64
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class BodyRefused(Exception):
    """A body we will not read: too large (413), nested too deep or not JSON (400)."""

    def __init__(self, status: int, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason  # "too_large", "too_deep" or "not_json"


async def read_bounded_body(request: web.Request, *, max_bytes: int) -> bytes:
    """The body, refusing with 413 once it passes max_bytes, whether declared (Content-Length) or streamed (chunked)."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise BodyRefused(413, f"The body is larger than {max_bytes:,} bytes", reason="too_large")
    body = bytearray()
    async for chunk in request.content.iter_any():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise BodyRefused(413, f"The body is larger than {max_bytes:,} bytes", reason="too_large")
    return bytes(body)


async def read_json_body(
    request: web.Request, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH, empty: Any = None
) -> Any:
    """The parsed JSON body (`empty` when there is none); BodyRefused(413) when too large, (400) when nested too deep."""
    raw = await read_bounded_body(request, max_bytes=max_bytes)
    if not raw.strip():
        return empty
    if is_nested_deeper_than(raw, limit=max_depth):
        raise BodyRefused(400, f"The JSON is nested more than {max_depth} levels deep", reason="too_deep")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BodyRefused(400, "The body is not valid JSON", reason="not_json") from None


def is_nested_deeper_than(raw: bytes, *, limit: int) -> bool:
    """True when arrays and objects nest more than `limit` deep (brackets inside strings do not count)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # it cannot nest deeper than the brackets it has
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
