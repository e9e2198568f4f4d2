"""The casework jobs are scheduled: the digest on weekday mornings in England, the attachment sweep nightly."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from carerline.jobs import ATTACHMENT_SWEEP_JOB_ID, CASEWORK_DIGEST_JOB_ID, add_standing_jobs
from messaging.scheduler import build_scheduler

LONDON = ZoneInfo("Europe/London")


async def test_the_digest_runs_weekdays_at_half_past_seven_london_time(database_url: str) -> None:
    scheduler = build_scheduler(database_url=database_url, loop=asyncio.get_running_loop())
    add_standing_jobs(scheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    digest = jobs[CASEWORK_DIGEST_JOB_ID]
    assert digest.func_ref == "services.casework.digest:send_daily_digest"
    # Christmas Day 2026 is a Friday: after its 07:30 the next digest is Monday 28 December.
    after_christmas = digest.trigger.get_next_fire_time(None, datetime(2026, 12, 25, 8, 0, tzinfo=LONDON))
    assert after_christmas == datetime(2026, 12, 28, 7, 30, tzinfo=LONDON)
    # In summer time it is still 07:30 on the clock in Kent (06:30 UTC).
    summer = digest.trigger.get_next_fire_time(None, datetime(2026, 6, 1, 0, 0, tzinfo=LONDON))
    assert summer is not None and (summer.hour, summer.minute, summer.utcoffset().total_seconds()) == (7, 30, 3600)
    sweep = jobs[ATTACHMENT_SWEEP_JOB_ID]
    assert sweep.func_ref == "services.casework.jobs:sweep_attachment_files"
    assert sweep.trigger.get_next_fire_time(None, datetime(2026, 12, 26, 12, 0, tzinfo=LONDON)) == datetime(2026, 12, 27, 2, 40, tzinfo=LONDON)
