"""The schedule: every standing job, wired here by the application and re-added at every start.

Every replica schedules the same jobs at the same due times: interval jobs count from one fixed
anchor, not from the process's start, so two replicas fire the same due time and the claim in
messaging/scheduler.py lets exactly one of them run it. Each job starts from one misfire grace
period ago, so a due time missed while this process restarted is caught up once (if no other
replica ran it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from db.dao.incoming_updates import delete_handled_updates
from db.types import utc_now
from messaging.runtime_registry import current_services
from messaging.scheduler import MISFIRE_GRACE_S, ON_EVERY_REPLICA, ONCE_ACROSS_REPLICAS

HEARTBEAT_JOB_ID = "heartbeat"
HEARTBEAT_INTERVAL_S = 30
CHANGE_FOLLOWUPS_JOB_ID = "change-followups"
CHANGE_FOLLOWUPS_INTERVAL_S = 60
CASEWORK_DIGEST_JOB_ID = "casework-daily-digest"
ATTACHMENT_SWEEP_JOB_ID = "attachment-sweep"
SITREP_JOB_ID = "fortnightly-sitrep"
SCHEDULED_BROADCASTS_JOB_ID = "scheduled-broadcasts"
SCHEDULED_BROADCASTS_INTERVAL_S = 30
SURVEY_FOLLOWUPS_JOB_ID = "survey-followups"
SURVEY_FOLLOWUPS_INTERVAL_S = 60
UPDATE_SWEEP_JOB_ID = "unhandled-updates-sweep"
UPDATE_SWEEP_INTERVAL_S = 5
HANDLED_UPDATES_JOB_ID = "handled-updates-retention"
HANDLED_UPDATES_INTERVAL_S = 3600
# Webhook updates (the parent's words and chat id) are kept this long after being handled, then deleted.
HANDLED_UPDATES_KEPT_FOR = timedelta(minutes=10)
# Interval jobs fire at this anchor plus whole intervals, on every replica alike.
INTERVAL_ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
LONDON = "Europe/London"


@dataclass(frozen=True)
class StandingJob:
    """One job: where its function is, when it is due, and whether one replica or each runs it."""

    job_id: str
    func_ref: str
    trigger: BaseTrigger
    executor: str = ONCE_ACROSS_REPLICAS


async def record_heartbeat() -> None:
    """Show on /metrics that the scheduler is alive."""
    services = current_services()
    if services is not None:
        services.metrics.scheduler_heartbeat.set(time.time())


async def forget_handled_updates() -> None:
    """Delete webhook updates handled longer ago than HANDLED_UPDATES_KEPT_FOR."""
    services = current_services()
    if services is not None:
        async with services.database.transaction() as session:
            await delete_handled_updates(session, handled_before=utc_now() - HANDLED_UPDATES_KEPT_FOR)


def _every(seconds: int) -> IntervalTrigger:
    return IntervalTrigger(seconds=seconds, start_date=INTERVAL_ANCHOR, timezone=UTC)


def standing_jobs() -> list[StandingJob]:
    """Every job each process schedules, from the heartbeat to the fortnightly SitRep."""
    return [
        # Each process's own liveness on its own /metrics: every replica runs it.
        StandingJob(HEARTBEAT_JOB_ID, "carerline.jobs:record_heartbeat", _every(HEARTBEAT_INTERVAL_S), ON_EVERY_REPLICA),
        # Reminders and the call list's escalations: due times live in our tables, this job acts on them.
        StandingJob(CHANGE_FOLLOWUPS_JOB_ID, "services.changes.jobs:run_change_followups", _every(CHANGE_FOLLOWUPS_INTERVAL_S)),
        # Casework: the officers' digest on weekday mornings, and files left by erasures or crashes swept nightly.
        StandingJob(
            CASEWORK_DIGEST_JOB_ID,
            "services.casework.digest:send_daily_digest",
            CronTrigger(day_of_week="mon-fri", hour=7, minute=30, timezone=LONDON),
        ),
        StandingJob(
            ATTACHMENT_SWEEP_JOB_ID,
            "services.casework.jobs:sweep_attachment_files",
            CronTrigger(hour=2, minute=40, timezone=LONDON),
        ),
        # The officers' SitRep every other Monday at 08:00 (odd ISO weeks), emailed if the duty email is set.
        StandingJob(
            SITREP_JOB_ID,
            "reports.sitrep:send_fortnightly_sitrep",
            CronTrigger(week="*/2", day_of_week="mon", hour=8, minute=0, timezone=LONDON),
        ),
        StandingJob(
            SCHEDULED_BROADCASTS_JOB_ID,
            "services.broadcasts.jobs:send_scheduled_broadcasts",
            _every(SCHEDULED_BROADCASTS_INTERVAL_S),
        ),
        StandingJob(SURVEY_FOLLOWUPS_JOB_ID, "services.surveys.jobs:send_survey_followups", _every(SURVEY_FOLLOWUPS_INTERVAL_S)),
        # Webhook updates across replicas: each replica wakes chats left unhandled (the chat's lock picks one), and
        # handled updates are deleted soon after, since they hold the parent's words.
        StandingJob(
            UPDATE_SWEEP_JOB_ID, "bot.intake.ordered:sweep_unhandled_updates", _every(UPDATE_SWEEP_INTERVAL_S),
            ON_EVERY_REPLICA,
        ),
        StandingJob(
            HANDLED_UPDATES_JOB_ID, "carerline.jobs:forget_handled_updates", _every(HANDLED_UPDATES_INTERVAL_S)
        ),
    ]


def add_standing_jobs(scheduler: BaseScheduler, *, now: datetime | None = None) -> None:
    """Add every standing job, each first due at its latest due time within the misfire grace period."""
    catch_up_from = (now or datetime.now(UTC)) - timedelta(seconds=MISFIRE_GRACE_S)
    for job in standing_jobs():
        scheduler.add_job(
            job.func_ref,
            trigger=job.trigger,
            id=job.job_id,
            executor=job.executor,
            replace_existing=True,
            next_run_time=job.trigger.get_next_fire_time(None, catch_up_from),
        )
