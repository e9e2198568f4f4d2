"""The JSON API's route registry: each operation declares itself once; routes and OpenAPI come from it.

Adding an endpoint is a few lines in the area's module:

    @api_operation("GET", "/schools/{school_id}", summary="One school", tag="Transport",
                   permission=Permission.VIEW_TRANSPORT, path_params=SchoolPath, response=SchoolPublic)
    async def get_school(call: ApiCall) -> SchoolPublic:
        ...

and, for a new module, one line in web/api/routes.py's API_MODULES.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from db.types import fits_bigint
from services.staff.audit import Actor, RequestOrigin
from services.staff.permissions import Permission
from web.auth.access import require, signed_in
from web.auth.keys import CLOCK
from web.auth.principal import Principal, origin_of, require_principal
from web.errors import api_error
from web.json_bodies import BodyRefused, read_json_body
from web.keys import DATABASE

API_ROOT = "/api/v1"


class ApiProblem(Exception):
    """A request the API refuses with a status and a message people can act on."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, location: str = "body") -> None:
        super().__init__(message)
        self.message = message
        self.fields = [{"location": location, "field": field, "message": message}] if field else []


class ApiNotFound(ApiProblem):
    """An id that names nothing: 404."""

    status = 404


class ApiNotConfigured(ApiProblem):
    """The service lacks a setting this needs (the message names it): 503."""

    status = 503


class ApiConflict(ApiProblem):
    """A valid request that the current state does not allow: 409."""

    status = 409


class ApiInvalid(ApiProblem):
    """Input that passed the schema but breaks a rule: 422."""

    status = 422


@dataclass(frozen=True)
class ApiCall:
    """What an operation's handler receives: validated inputs and the caller."""

    request: web.Request
    principal: Principal
    body: Any = None
    query: Any = None
    params: Any = None

    @property
    def actor(self) -> Actor:
        """The caller as the audit trail names them."""
        return self.principal.actor

    @property
    def origin(self) -> RequestOrigin:
        """Request id and address, for audit rows."""
        return origin_of(self.request)

    @property
    def now(self) -> datetime:
        """The app clock's current time."""
        return self.request.app[CLOCK]()

    @property
    def database(self) -> Any:
        """The database, for `async with call.database.transaction() as session:`."""
        return self.request.app[DATABASE]


# A handler may answer a file itself (a CSV download) by returning the response.
Handler = Callable[[ApiCall], Awaitable[BaseModel | web.StreamResponse | None]]
# Operations that take a file: the raw body as text/csv, or the "file" part of a multipart form.
CSV_FILE_TYPES = ("text/csv", "multipart/form-data")
FILE_FIELD = "file"


@dataclass(frozen=True)
class ApiOperation:
    """One method on one path, with everything needed to route, check and document it."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    permission: Permission | None
    handler: Handler
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_params: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = field(default=())
    description: str = ""
    accepts_csv_file: bool = False
    produces_csv: bool = False
    csv_example: str = ""

    @property
    def full_path(self) -> str:
        """The path with the /api/v1 root."""
        return API_ROOT + self.path

    @property
    def error_statuses(self) -> tuple[int, ...]:
        """Every error status this operation can answer."""
        statuses = {401, 403, *self.errors}
        if self.body or self.query or self.path_params:
            statuses.add(422)
        if self.path_params:
            statuses.add(404)
        if self.body:
            statuses.update({400, 413, 415})
        if self.accepts_csv_file:
            statuses.update({413, 415, 422})
        return tuple(sorted(statuses))


OPERATIONS: list[ApiOperation] = []


def api_operation(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    permission: Permission | None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    path_params: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    description: str = "",
    accepts_csv_file: bool = False,
    produces_csv: bool = False,
    csv_example: str = "",
) -> Callable[[Handler], Handler]:
    """Register an API operation; `permission=None` means any signed-in caller or token.

    `accepts_csv_file`: the body is a CSV file (call.body holds its bytes); `produces_csv`: the
    handler returns its own text/csv response; `csv_example` is a file the document shows.
    """

    def register(handler: Handler) -> Handler:
        OPERATIONS.append(
            ApiOperation(
                method=method.upper(),
                path=path,
                operation_id=handler.__name__,
                summary=summary,
                tag=tag,
                permission=permission,
                handler=handler,
                body=body,
                query=query,
                path_params=path_params,
                response=response,
                status=status,
                errors=errors,
                description=description or (handler.__doc__ or "").strip(),
                accepts_csv_file=accepts_csv_file,
                produces_csv=produces_csv,
                csv_example=csv_example,
            )
        )
        return handler

    return register


def validation_fields(error: ValidationError, *, location: str) -> list[dict[str, str]]:
    """Pydantic's errors as field-level messages: [{"location", "field", "message"}]."""
    fields = []
    for problem in error.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in problem["loc"]) or location
        fields.append({"location": location, "field": name, "message": str(problem["msg"])})
    return fields


def _validate(model: type[BaseModel] | None, data: Mapping[str, Any], *, location: str) -> Any:
    if model is None:
        return None
    validated = model.model_validate(dict(data))
    too_large = _fields_beyond_bigint(validated.model_dump())
    if too_large:
        message = "Must be a whole number between -9223372036854775808 and 9223372036854775807"
        raise _Refusal(
            api_error(
                422,
                "Check the highlighted fields",
                fields=[{"location": location, "field": name, "message": message} for name in too_large],
            )
        )
    return validated


def _fields_beyond_bigint(values: dict[str, Any]) -> list[str]:
    """Fields holding an integer no database column (and no Telegram id) can hold."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [(str(name), value) for name, value in values.items()]
    while stack:
        name, value = stack.pop()
        if isinstance(value, int) and not isinstance(value, bool) and not fits_bigint(value):
            found.append(name)
        elif isinstance(value, dict):
            stack.extend((f"{name}.{key}", item) for key, item in value.items())
        elif isinstance(value, (list, tuple, set, frozenset)):
            stack.extend((f"{name}.{index}", item) for index, item in enumerate(value))
    return sorted(found)


async def _read_json_body(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise _Refusal(api_error(415, "Send the body as JSON with Content-Type: application/json"))
    try:
        return await read_json_body(request)
    except BodyRefused as refused:
        if refused.reason != "not_json":
            raise _Refusal(api_error(refused.status, refused.message)) from None
        raise _Refusal(
            api_error(
                422,
                "The body is not valid JSON",
                fields=[{"location": "body", "field": "body", "message": "Invalid JSON"}],
            )
        ) from None


async def _read_csv_file(request: web.Request) -> bytes:
    """The uploaded file's bytes: the whole text/csv body, or the multipart form's "file" part."""
    if request.content_type == "text/csv":
        return await request.read()
    if request.content_type != "multipart/form-data":
        raise _Refusal(api_error(415, "Send the file as text/csv, or as multipart/form-data with a part named file"))
    try:
        form = await request.post()
    except web.HTTPException:
        raise
    except Exception:  # noqa: BLE001 - a malformed form is the sender's mistake, whatever the parser raised
        form = None
    upload = form.get(FILE_FIELD) if form is not None else None
    if isinstance(upload, web.FileField):
        return upload.file.read()
    if isinstance(upload, str):
        return upload.encode()
    raise _Refusal(
        api_error(422, "Attach the CSV file", fields=[{"location": "body", "field": FILE_FIELD, "message": "Missing file"}])
    )


class _Refusal(Exception):
    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def make_view(operation: ApiOperation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp view for one operation: validate, call, serialise."""

    async def view(request: web.Request) -> web.StreamResponse:
        try:
            call = await _build_call(request, operation)
        except _Refusal as refusal:
            return refusal.response
        try:
            result = await operation.handler(call)
        except ApiProblem as problem:
            return api_error(problem.status, problem.message, fields=problem.fields)
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return web.Response(status=204 if operation.status == 204 else operation.status)
        return web.json_response(result.model_dump(mode="json"), status=operation.status)

    view.__name__ = operation.operation_id
    view.__doc__ = operation.summary
    if operation.permission is None:
        return signed_in(view)
    return require(operation.permission)(view)


async def _build_call(request: web.Request, operation: ApiOperation) -> ApiCall:
    stage = "path"
    try:
        params = _validate(operation.path_params, request.match_info, location="path")
        stage = "query"
        query = _validate(
            operation.query, {key: request.query[key] for key in request.query}, location="query"
        )
        body = None
        if operation.body is not None:
            payload = await _read_json_body(request)
            stage = "body"
            if not isinstance(payload, dict):
                raise _Refusal(
                    api_error(
                        422,
                        "The body must be a JSON object",
                        fields=[
                            {"location": "body", "field": "body", "message": "Expected an object"}
                        ],
                    )
                )
            body = _validate(operation.body, payload, location="body")
        elif operation.accepts_csv_file:
            body = await _read_csv_file(request)
    except ValidationError as error:
        raise _Refusal(
            api_error(
                422, "Check the highlighted fields", fields=validation_fields(error, location=stage)
            )
        ) from None
    return ApiCall(
        request=request, principal=require_principal(request), body=body, query=query, params=params
    )
