"""The officers' daily casework digest: complaints overdue and due soon, open problem reports, and
children with more than 3 driver or assistant changes this term.

Rendered from templates/email/casework_digest.* (text and HTML email parts, and a short Telegram
form) and sent on the duty channels. Like alerts, it names cases by reference, category and route
only; details are behind the links to the staff pages. `send_daily_digest` is the APScheduler job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from core.settings import ConfigurationError
from db.dao.casework.shared import mark_duty_alert, save_duty_alert
from db.dao.casework.problem_reports import fetch_child_with_route
from db.engine import Database
from db.models.casework import DutyAlertStatus
from db.types import utc_now
from messaging.runtime_registry import current_services
from services.casework.errors import council_day
from services.complaints.queue import ComplaintQueueItem, complaint_queue
from services.complaints.timetable import DeadlineStatus
from services.casework.duty_alerts import ChannelOutcome, DutyNotifier, RenderedMessage, duty_notifier_from_settings, local_time, render
from services.problems.reports import OpenProblemReport, flagged_driver_changes, list_open_problem_reports

logger = logging.getLogger(__name__)
DIGEST_SUBJECT = "daily_digest"
# Telegram allows 4096 characters; the group form lists this many cases per section, then counts.
TELEGRAM_ITEMS_PER_SECTION = 10


@dataclass(frozen=True, slots=True)
class DriverChangeFlag:
    """A child with more than 3 driver or assistant changes this term, by council reference."""

    council_reference: str
    term_name: str
    changes: int


@dataclass(frozen=True, slots=True)
class CaseworkDigest:
    """What needs an officer, on one day."""

    day: date
    overdue: tuple[ComplaintQueueItem, ...]
    due_soon: tuple[ComplaintQueueItem, ...]
    open_problems: tuple[OpenProblemReport, ...]
    flagged_changes: tuple[DriverChangeFlag, ...]
    complaints_link: str
    problems_link: str

    @property
    def is_empty(self) -> bool:
        """Nothing to do today."""
        return not (self.overdue or self.due_soon or self.open_problems or self.flagged_changes)


async def build_casework_digest(
    session: AsyncSession, *, now: datetime, staff_base_url: str, due_soon_working_days: int
) -> CaseworkDigest:
    """Collect the day's digest."""
    today = council_day(now)
    queue = await complaint_queue(
        session, today=today, staff_base_url=staff_base_url, due_soon_working_days=due_soon_working_days
    )
    base = staff_base_url.rstrip("/")
    return CaseworkDigest(
        day=today,
        overdue=tuple(item for item in queue if item.deadline.status == DeadlineStatus.OVERDUE),
        due_soon=tuple(item for item in queue if item.deadline.status == DeadlineStatus.DUE_SOON),
        open_problems=tuple(await list_open_problem_reports(session, staff_base_url=staff_base_url)),
        flagged_changes=tuple(await _change_flags(session, today=today)),
        complaints_link=f"{base}/casework/complaints",
        problems_link=f"{base}/casework/problems",
    )


async def _change_flags(session: AsyncSession, *, today: date) -> list[DriverChangeFlag]:
    flags = []
    for count in await flagged_driver_changes(session, today=today):
        found = await fetch_child_with_route(session, child_id=int(count.child))  # type: ignore[call-overload]
        if found is not None:
            flags.append(DriverChangeFlag(found[0].council_reference, count.term.name, count.changes))
    return flags


def render_casework_digest(digest: CaseworkDigest) -> RenderedMessage:
    """The digest as an email (text and HTML) and as a Telegram message."""
    values = {
        "digest": digest,
        "day": f"{digest.day:%A} {digest.day.day} {digest.day:%B %Y}",
        "local_time": local_time,
        "limit": TELEGRAM_ITEMS_PER_SECTION,
    }
    counts = f"{len(digest.overdue)} overdue, {len(digest.due_soon)} due soon, {len(digest.open_problems)} open reports"
    return RenderedMessage(
        subject=f"Carerline casework for {values['day']}: {counts}",
        text=render("casework_digest.txt.j2", **values),
        html=render("casework_digest.html.j2", **values),
        telegram_html=render("casework_digest.telegram.html.j2", **values),
    )


async def send_casework_digest(
    database: Database, *, notifier: DutyNotifier, now: datetime, staff_base_url: str, due_soon_working_days: int
) -> list[ChannelOutcome]:
    """Build, send and log the digest (sent even when empty, so officers know it ran)."""
    async with database.transaction() as session:
        digest = await build_casework_digest(
            session, now=now, staff_base_url=staff_base_url, due_soon_working_days=due_soon_working_days
        )
        alert_ids = {}
        for channel in notifier.channels:
            record = await save_duty_alert(session, subject=DIGEST_SUBJECT, channel=channel, created_at=now)
            alert_ids[channel] = record.id
    outcomes = await notifier.send(render_casework_digest(digest))
    async with database.transaction() as session:
        for outcome in outcomes:
            alert_id = alert_ids[outcome.channel]
            assert alert_id is not None
            status = DutyAlertStatus.SENT if outcome.is_sent else DutyAlertStatus.FAILED
            await mark_duty_alert(session, alert_id=alert_id, status=status, at=now, error=outcome.error)
    return outcomes


async def send_daily_digest() -> None:
    """APScheduler job ("services.casework.digest:send_daily_digest"): the digest on the configured duty channels."""
    services = current_services()
    if services is None:
        logger.warning("daily casework digest skipped: no running service")
        return
    settings = services.settings
    try:
        settings.require_duty_alert_settings()
    except ConfigurationError as error:
        # A missing channel is a set-up gap, not a reason to crash the scheduler every weekday morning.
        logger.warning("daily casework digest skipped: no duty channel is configured (%s)", error)
        return
    async with duty_notifier_from_settings(settings) as notifier:
        outcomes = await send_casework_digest(
            services.database,
            notifier=notifier,
            now=utc_now(),
            staff_base_url=settings.staff_base_url,
            due_soon_working_days=settings.casework_due_soon_working_days,
        )
    for outcome in outcomes:
        if not outcome.is_sent:
            logger.error("daily casework digest not sent on %s: %s", outcome.channel, outcome.error)
