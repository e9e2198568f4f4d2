"""Officers' pages for operators' reports: the fortnight's list, one report, and the draft to confirm, edit or reject."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from db.models import ChangeKind
from services.operators.drafts import DRAFT_KINDS, KIND_LABELS, DraftEdits, DraftError, DraftNotOpen, confirm_draft, reject_draft
from services.operators.review import review_disruption, review_recent_disruptions
from services.staff.permissions import Permission
from web.auth.access import require
from web.auth.keys import CLOCK
from web.auth.principal import origin_of, require_principal
from web.keys import DATABASE, SETTINGS
from web.staff.rendering import render_page

CHANGE_LABELS = {
    ChangeKind.CANCELLED_TODAY: "Run cancelled today",
    ChangeKind.NEW_OPERATOR: "New operator",
    ChangeKind.ROUTE_SUSPENDED: "Route suspended",
    ChangeKind.VEHICLE_CHANGE: "Different vehicle",
}


def _disruption_id(request: web.Request) -> int:
    raw = request.match_info["disruption_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise web.HTTPNotFound()
    return int(raw)


@require(Permission.REVIEW_DISRUPTIONS)
async def disruptions_page(request: web.Request) -> web.StreamResponse:
    """Operators' reports of the last fortnight, newest first, drafts waiting for a decision marked."""
    async with request.app[DATABASE].transaction() as session:
        items = await review_recent_disruptions(session, now=request.app[CLOCK]())
    return render_page(request, "staff/disruptions.html", {"items": items, "kind_labels": KIND_LABELS, "notice": request.query.get("notice")})


@require(Permission.REVIEW_DISRUPTIONS)
async def disruption_page(request: web.Request) -> web.StreamResponse:
    """One report: its timings, who was told, and the draft form while it waits."""
    return await _render(request, errors=[], values={})


async def _render(request: web.Request, *, errors: list[tuple[str, str]], values: dict[str, Any], status: int = 200) -> web.Response:
    try:
        async with request.app[DATABASE].transaction() as session:
            item = await review_disruption(session, disruption_id=_disruption_id(request))
    except LookupError:
        raise web.HTTPNotFound() from None
    draft_values = {}
    if item.draft is not None:
        draft_values = {
            "kind": item.draft.kind, "new_value": item.draft.new_value or "", "reason": item.draft.reason,
            "effective_from-day": str(item.draft.effective_from.day), "effective_from-month": str(item.draft.effective_from.month),
            "effective_from-year": str(item.draft.effective_from.year),
        }
    context = {
        "item": item,
        "kind_labels": KIND_LABELS,
        "change_choices": [(kind.value, CHANGE_LABELS[kind], None) for kind in DRAFT_KINDS],
        "values": {**draft_values, **values},
        "errors": errors,
    }
    return render_page(request, "staff/disruption.html", context, status=status)


def _date(values: dict[str, str], name: str) -> date | None:
    parts = [values.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise DraftError(name, "Enter a real date, like 27 3 2027") from None


@require(Permission.REVIEW_DISRUPTIONS)
async def confirm_submit(request: web.Request) -> web.StreamResponse:
    """Confirm the draft as edited: it becomes a transport change and every affected family is told."""
    values = {key: str(value) for key, value in (await request.post()).items() if key != "csrf_token"}
    try:
        kind = ChangeKind(values["kind"]) if values.get("kind") else None
    except ValueError:
        return await _render(request, errors=[("kind", "Choose what the change is")], values=values, status=422)
    try:
        edits = DraftEdits(
            kind=kind, effective_from=_date(values, "effective_from"), effective_until=_date(values, "effective_until"),
            new_value=values.get("new_value"), reason=values.get("reason"),
        )
        async with request.app[DATABASE].transaction() as session:
            draft = await confirm_draft(
                session, disruption_id=_disruption_id(request), edits=edits, actor=require_principal(request).actor,
                now=request.app[CLOCK](), council_phone=request.app[SETTINGS].council_transport_phone, origin=origin_of(request),
            )
    except DraftError as error:
        return await _render(request, errors=[(error.field, error.message)], values=values, status=422)
    except DraftNotOpen as error:
        return await _render(request, errors=[("", str(error))], values=values, status=409)
    except LookupError:
        raise web.HTTPNotFound() from None
    notice = f"Confirmed: change {draft.change_id} recorded and families are being told"
    raise web.HTTPSeeOther(location="/disruptions?" + urlencode({"notice": notice}))


@require(Permission.REVIEW_DISRUPTIONS)
async def reject_submit(request: web.Request) -> web.StreamResponse:
    """Reject the draft: nobody is told; the reason goes in the audit log."""
    values = {key: str(value) for key, value in (await request.post()).items() if key != "csrf_token"}
    try:
        async with request.app[DATABASE].transaction() as session:
            await reject_draft(
                session, disruption_id=_disruption_id(request), reason=values.get("reject_reason", "")[:300],
                actor=require_principal(request).actor, now=request.app[CLOCK](), origin=origin_of(request),
            )
    except DraftError as error:
        return await _render(request, errors=[("reject_reason", error.message)], values=values, status=422)
    except DraftNotOpen as error:
        return await _render(request, errors=[("", str(error))], values=values, status=409)
    except LookupError:
        raise web.HTTPNotFound() from None
    raise web.HTTPSeeOther(location="/disruptions?" + urlencode({"notice": "Draft rejected: no family was told"}))
