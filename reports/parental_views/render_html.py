"""The parental-views section as one self-contained, accessible HTML document (charts inline as SVG)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

import templates
from reports.parental_views.charts import chart_svg
from reports.parental_views.model import ParentalViewsReport
from services.casework.duty_alerts import local_time

TEMPLATES_DIR = Path(templates.__file__).parent / "reports"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )


def render_parental_views_html(report: ParentalViewsReport) -> str:
    """The whole section as HTML: headings, tables with captions, inline SVG charts named by their alt text."""
    charts = {section.key: Markup(chart_svg(section.chart)) for section in report.sections if section.chart is not None}
    return _environment().get_template("parental_views.html.j2").render(
        report=report, charts=charts, produced=local_time(report.produced_at)
    )
