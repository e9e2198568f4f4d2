"""Bot API request parameters from query string, JSON, urlencoded form or multipart bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from sandbox.emulator import errors


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field_name: str
    filename: str
    content: bytes
    content_type: str


class ApiParams:
    """Typed access to request parameters.

    Form and multipart values are strings; python-telegram-bot JSON-encodes every non-string
    value (numbers, booleans, reply_markup objects), so typed getters decode them.
    """

    def __init__(
        self, values: dict[str, Any], files: dict[str, UploadedFile] | None = None
    ) -> None:
        self.values = values
        self.files = files or {}

    @classmethod
    async def from_request(cls, request: web.Request) -> ApiParams:
        """Collect parameters from every place Telegram accepts them."""
        values: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.method != "POST" or not request.can_read_body:
            return cls(values, files)
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise errors.bad_request("can't parse JSON encoded request body") from None
            if isinstance(body, dict):
                values.update(body)
        elif content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                # Bot API uploads are flat: nested multipart bodies are not a thing here.
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    files[part.name] = UploadedFile(
                        field_name=part.name,
                        filename=part.filename,
                        content=bytes(await part.read()),
                        content_type=part.headers.get("Content-Type", "application/octet-stream"),
                    )
                else:
                    values[part.name] = await part.text()
        else:
            form = await request.post()
            values.update({key: value for key, value in form.items() if isinstance(value, str)})
        return cls(values, files)

    def has(self, name: str) -> bool:
        """Return whether the parameter was sent (and is not empty/null)."""
        return self.values.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        """Return the parameter as sent."""
        return self.values.get(name)

    def str_value(self, name: str) -> str | None:
        """Return the parameter as a string, or None when absent."""
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def int_value(self, name: str, *, default: int | None = None) -> int | None:
        """Return the parameter as an int, or `default` when absent."""
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise errors.bad_request(f"invalid {name} specified") from None

    def float_value(self, name: str, *, default: float | None = None) -> float | None:
        """Return the parameter as a float, or `default` when absent."""
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise errors.bad_request(f"invalid {name} specified") from None

    def bool_value(self, name: str, *, default: bool = False) -> bool:
        """Return the parameter as a bool ("true"/"1"/true), or `default` when absent."""
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in {"true", "1", "yes"}

    def json_value(self, name: str, *, what: str | None = None) -> Any:
        """Return a nested object, decoding it when it arrived as a JSON string."""
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise errors.bad_request(f"can't parse {what or name} JSON object") from None

    def file(self, name: str) -> UploadedFile | None:
        """Return the uploaded file for a parameter, following attach://<name> references."""
        if name in self.files:
            return self.files[name]
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.files.get(value[len("attach://") :])
        return None
