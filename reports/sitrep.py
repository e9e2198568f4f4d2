"""The fortnightly SitRep for officers: what is open or late now, as counts, in HTML, CSV and email.

Counts only, no identities: the SitRep is circulated beyond the casework team.
`send_fortnightly_sitrep` is the APScheduler job; `build_sitrep` serves the staff page and the CLI.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel.ext.asyncio.session import AsyncSession

import templates
from db.dao.casework.shared import mark_duty_alert, save_duty_alert
from db.dao.staff.dashboard import count_unreachable_carers
from db.dao.reports.sitrep import (
    count_open_problem_reports,
    count_problem_reports_between,
    count_unacknowledged_change_notices,
)
from db.engine import Database
from reports.operator_figures import OperatorFigures, build_operator_figures, operator_csv_rows
from db.models.casework import DutyAlertStatus
from db.types import utc_now
from messaging.runtime_registry import current_services
from services.applications.stages import fetch_overdue_applications
from services.casework.errors import council_day
from services.complaints.queue import complaint_queue
from services.complaints.timetable import DeadlineStatus
from services.casework.duty_alerts import EMAIL_CHANNEL, ChannelOutcome, DutyNotifier, RenderedMessage, duty_notifier_from_settings, local_time

logger = logging.getLogger(__name__)
SITREP_SUBJECT = "sitrep"
PERIOD = timedelta(days=14)
TEMPLATES_DIR = Path(templates.__file__).parent / "reports"


@dataclass(frozen=True, slots=True)
class SitRepFigure:
    """One line of the SitRep: a count and what it counts."""

    key: str
    label: str
    count: int
    definition: str


@dataclass(frozen=True, slots=True)
class SitRep:
    """The SitRep for the fortnight ending at `produced_at`."""

    produced_at: datetime
    period_start: datetime
    figures: tuple[SitRepFigure, ...]
    operators: OperatorFigures | None = None  # disruptions by operator and kind, and report-to-families timings

    def count(self, key: str) -> int:
        """One figure's count by key."""
        return next(figure.count for figure in self.figures if figure.key == key)


async def build_sitrep(session: AsyncSession, *, now: datetime, due_soon_working_days: int = 2) -> SitRep:
    """The five SitRep figures now (problems, change notices, unreachable carers, applications, complaints)."""
    start = now - PERIOD
    today = council_day(now)
    queue = await complaint_queue(session, today=today, staff_base_url="", due_soon_working_days=due_soon_working_days)
    figures = (
        SitRepFigure("open_problems", "Problems reported and still open", await count_open_problem_reports(session),
                     "Problems families reported on the day that no officer has marked resolved yet."),
        SitRepFigure("problems_in_period", "Problems reported this fortnight",
                     await count_problem_reports_between(session, since=start, until=now),
                     "Problems reported in the 14 days to the time of this SitRep."),
        SitRepFigure("notices_unacknowledged", "Change notices not acknowledged",
                     await count_unacknowledged_change_notices(session, effective_since=start),
                     "Notices of changes taking effect in the last 14 days or later that the family has not confirmed."),
        SitRepFigure("unreachable_carers", "Unreachable carers", await count_unreachable_carers(session),
                     "Carers who blocked the bot or whose chat no longer exists."),
        SitRepFigure("applications_overdue", "Applications past 20 working days",
                     len(await fetch_overdue_applications(session, today=today)),
                     "Open transport applications received more than 20 working days ago."),
        SitRepFigure("complaints_due", "Complaints due soon",
                     sum(item.deadline.status == DeadlineStatus.DUE_SOON for item in queue),
                     f"Open complaints whose next Code deadline is within {due_soon_working_days} working days."),
        SitRepFigure("complaints_overdue", "Complaints overdue",
                     sum(item.deadline.status == DeadlineStatus.OVERDUE for item in queue),
                     "Open complaints past their next Complaint Handling Code deadline."),
    )
    operators = await build_operator_figures(session, since=start, until=now)
    return SitRep(produced_at=now, period_start=start, figures=figures, operators=operators)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )


def render_sitrep_html(sitrep: SitRep) -> str:
    """The SitRep as a standalone HTML document (also the email's HTML part)."""
    return _environment().get_template("sitrep.html.j2").render(sitrep=sitrep, local_time=local_time)


def render_sitrep_csv(sitrep: SitRep) -> str:
    """The SitRep as CSV: one row per figure with the period it covers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["figure", "count", "definition", "period_start", "produced_at"])
    for figure in sitrep.figures:
        writer.writerow([figure.label, figure.count, figure.definition,
                         sitrep.period_start.isoformat(), sitrep.produced_at.isoformat()])
    for label, value, definition in operator_csv_rows(sitrep.operators):
        writer.writerow([label, value, definition, sitrep.period_start.isoformat(), sitrep.produced_at.isoformat()])
    return buffer.getvalue()


def render_sitrep_message(sitrep: SitRep, *, staff_base_url: str) -> RenderedMessage:
    """The SitRep as a duty message: email text and HTML (and a short Telegram form the notifier requires)."""
    lines = [f"{figure.label}: {figure.count}" for figure in sitrep.figures]
    lines += sitrep.operators.lines() if sitrep.operators is not None else []
    link = f"{staff_base_url.rstrip('/')}/reports/sitrep"
    text = "\n".join([f"Carerline SitRep, {local_time(sitrep.produced_at)}", "", *lines, "", link]) + "\n"
    telegram = "\n".join(["<b>Carerline SitRep</b>", *(_escape(line) for line in lines), _escape(link)])
    return RenderedMessage(subject=f"Carerline SitRep {council_day(sitrep.produced_at):%d %b %Y}",
                           text=text, html=render_sitrep_html(sitrep), telegram_html=telegram)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def send_sitrep(
    database: Database, *, notifier: DutyNotifier, now: datetime, staff_base_url: str, due_soon_working_days: int = 2
) -> list[ChannelOutcome]:
    """Build the SitRep, email it to the officers' duty address if one is configured, and log the outcome."""
    channels = [channel for channel in notifier.channels if channel == EMAIL_CHANNEL]
    if not channels:
        logger.info("SitRep not sent: the duty email channel is not configured")
        return []
    async with database.transaction() as session:
        sitrep = await build_sitrep(session, now=now, due_soon_working_days=due_soon_working_days)
        alert_ids = {}
        for channel in channels:
            record = await save_duty_alert(session, subject=SITREP_SUBJECT, channel=channel, created_at=now)
            alert_ids[channel] = record.id
    outcomes = await notifier.send(render_sitrep_message(sitrep, staff_base_url=staff_base_url), channels=channels)
    async with database.transaction() as session:
        for outcome in outcomes:
            status = DutyAlertStatus.SENT if outcome.is_sent else DutyAlertStatus.FAILED
            await mark_duty_alert(session, alert_id=alert_ids[outcome.channel], status=status, at=now, error=outcome.error)
    return outcomes


async def send_fortnightly_sitrep() -> None:
    """APScheduler job ("reports.sitrep:send_fortnightly_sitrep"): the SitRep on the configured duty channels."""
    services = current_services()
    if services is None:
        logger.warning("SitRep skipped: no running service")
        return
    settings = services.settings
    async with duty_notifier_from_settings(settings) as notifier:
        await send_sitrep(services.database, notifier=notifier, now=utc_now(), staff_base_url=settings.staff_base_url,
                          due_soon_working_days=settings.casework_due_soon_working_days)
