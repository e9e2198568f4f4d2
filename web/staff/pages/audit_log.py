"""The audit log: every staff action, filterable and paginated (admins only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from db.dao.staff.audit import AuditFilter
from db.models.staff import ActorKind
from services.staff.audit import read_audit_log
from services.staff.permissions import Permission
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE
from web.staff.rendering import render_page

PAGE_SIZE = 25
UK = ZoneInfo("Europe/London")
ACTOR_KIND_LABELS = {
    "": "Anyone",
    "user": "Staff member",
    "token": "API token",
    "system": "Carerline",
    "anonymous": "Not signed in",
}


@require(Permission.VIEW_AUDIT_LOG)
async def audit_log(request: web.Request) -> web.StreamResponse:
    """One page of audit rows, newest first, narrowed by the filter form."""
    query = request.query
    errors: list[tuple[str, str]] = []
    since = _parse_day(
        query.get("from", ""),
        "from",
        "Enter the ‘from’ date as a real date, like 2026-03-27",
        errors,
    )
    until = _parse_day(
        query.get("to", ""), "to", "Enter the ‘to’ date as a real date, like 2026-03-27", errors
    )
    actor_kind = query.get("actor_kind", "")
    if actor_kind and actor_kind not in ACTOR_KIND_LABELS:
        errors.append(("actor_kind", "Choose who did it from the list"))
        actor_kind = ""
    page = (
        int(query["page"])
        if query.get("page", "").isdigit() and 0 < int(query["page"]) < 100_000
        else 1
    )
    where = AuditFilter(
        action=query.get("action") or None,
        actor_kind=ActorKind(actor_kind) if actor_kind else None,
        object_type=(query.get("object_type") or "").strip()[:64] or None,
        since=since,
        until=until + timedelta(days=1) if until else None,
    )
    async with request.app[DATABASE].transaction() as session:
        result = await read_audit_log(
            session,
            reader=require_principal(request).actor,
            where=where,
            page=page,
            page_size=PAGE_SIZE,
            origin=origin_of(request),
            now=request.app[CLOCK](),
        )
    filters = {
        key: query.get(key, "") for key in ("action", "actor_kind", "object_type", "from", "to")
    }
    kept = {key: value for key, value in filters.items() if value}

    def url_for_page(number: int) -> str:
        return "/audit?" + urlencode({**kept, "page": number})

    return render_page(
        request,
        "staff/audit_log.html",
        {
            "result": result,
            "filters": filters,
            "errors": errors,
            "action_options": [("", "Any action")]
            + [(action, action) for action in result.actions],
            "actor_kind_options": list(ACTOR_KIND_LABELS.items()),
            "url_for_page": url_for_page,
        },
    )


def _parse_day(
    raw: str, field: str, message: str, errors: list[tuple[str, str]]
) -> datetime | None:
    if not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        errors.append((field, message))
        return None
    return datetime.combine(day, time.min, tzinfo=UK).astimezone(UTC)
