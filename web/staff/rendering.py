"""Jinja2 for the staff pages: autoescaped templates under templates/staff, one render helper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

import templates
from services.staff.permissions import ROLE_LABELS
from web.auth.keys import CLOCK
from web.auth.principal import principal_of
from web.staff.navigation import navigation_for

TEMPLATES_DIR = Path(templates.__file__).parent
SERVICE_NAME = "Carerline"
ORGANISATION_NAME = "Kent County Council"
JINJA: web.AppKey[Environment] = web.AppKey("jinja")


def build_environment() -> Environment:
    """The template environment; every .html template is autoescaped."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["datetime"] = format_datetime
    environment.globals["role_label"] = lambda role: ROLE_LABELS.get(role, str(role))
    return environment


def format_datetime(value: Any) -> str:
    """A timestamp as people in Kent read it, e.g. 3 March 2026 at 9:05am (UK time)."""
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    local = value.astimezone(ZoneInfo("Europe/London"))
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{local:%p}".replace("AM", "am").replace(
        "PM", "pm"
    )


def render_page(
    request: web.Request,
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    """Render a staff page with the layout's shared values; `errors` is a list of (field, message)."""
    principal = principal_of(request)
    values: dict[str, Any] = {
        "service_name": SERVICE_NAME,
        "organisation_name": ORGANISATION_NAME,
        "principal": principal,
        "csrf_token": principal.csrf_token if principal else None,
        "navigation": navigation_for(principal, current_path=request.path),
        "current_path": request.path,
        "now": request.app[CLOCK](),
        "errors": [],
    }
    values.update(context or {})
    values["field_errors"] = {field: message for field, message in values["errors"]}
    body = request.app[JINJA].get_template(template_name).render(values)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")
