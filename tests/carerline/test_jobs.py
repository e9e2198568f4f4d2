"""The standing jobs: when each is due, and that replicas share due times so one of them runs each."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


from carerline.jobs import (
    ATTACHMENT_SWEEP_JOB_ID,
    CASEWORK_DIGEST_JOB_ID,
    CHANGE_FOLLOWUPS_JOB_ID,
    HEARTBEAT_JOB_ID,
    SCHEDULED_BROADCASTS_JOB_ID,
    UPDATE_SWEEP_JOB_ID,
    add_standing_jobs,
)
from db.dao.scheduler import fetch_job_runs
from db.engine import Database
from messaging.scheduler import ON_EVERY_REPLICA, ONCE_ACROSS_REPLICAS, build_scheduler, claim_runs_in

LONDON = ZoneInfo("Europe/London")


async def test_the_digest_runs_weekdays_at_half_past_seven_london_time(database: Database) -> None:
    scheduler = build_scheduler(database=database, loop=asyncio.get_running_loop())
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


async def test_two_replicas_started_apart_share_every_due_time(database: Database) -> None:
    loop = asyncio.get_running_loop()
    first, second = build_scheduler(database=database, loop=loop), build_scheduler(database=database, loop=loop)
    add_standing_jobs(first, now=datetime(2026, 12, 7, 9, 0, 3, tzinfo=UTC))
    add_standing_jobs(second, now=datetime(2026, 12, 7, 9, 0, 41, tzinfo=UTC))
    first_jobs = {job.id: job for job in first.get_jobs()}
    second_jobs = {job.id: job for job in second.get_jobs()}
    for job_id in (CHANGE_FOLLOWUPS_JOB_ID, SCHEDULED_BROADCASTS_JOB_ID):
        after = datetime(2026, 12, 7, 9, 5, 17, tzinfo=UTC)
        due_first = first_jobs[job_id].trigger.get_next_fire_time(None, after)
        assert due_first == second_jobs[job_id].trigger.get_next_fire_time(None, after)
        assert due_first is not None and due_first.second in (0, 30) and due_first.microsecond == 0
    per_replica = {HEARTBEAT_JOB_ID, UPDATE_SWEEP_JOB_ID}  # per-process work; the sweeper's chat lock picks one
    assert {job_id for job_id in first_jobs if first_jobs[job_id].executor == ON_EVERY_REPLICA} == per_replica
    assert {job.executor for job in first.get_jobs() if job.id not in per_replica} == {ONCE_ACROSS_REPLICAS}


async def test_a_due_time_missed_during_a_short_restart_is_caught_up(database: Database) -> None:
    scheduler = build_scheduler(database=database, loop=asyncio.get_running_loop())
    # Friday 4 December 2026, 07:32 in London: the 07:30 digest fell while the process was restarting.
    add_standing_jobs(scheduler, now=datetime(2026, 12, 4, 7, 32, tzinfo=LONDON))
    digest = {job.id: job for job in scheduler.get_jobs()}[CASEWORK_DIGEST_JOB_ID]
    assert digest.next_run_time == datetime(2026, 12, 4, 7, 30, tzinfo=LONDON)


async def test_of_two_claims_on_one_due_time_exactly_one_wins(database: Database) -> None:
    due_at = datetime(2026, 12, 7, 7, 30, tzinfo=LONDON)
    claims = [claim_runs_in(database=database, replica=f"replica-{number}") for number in range(4)]
    outcomes = await asyncio.gather(*(claim(CASEWORK_DIGEST_JOB_ID, due_at) for claim in claims))
    assert sorted(outcomes) == [False, False, False, True]
    assert await claims[0](CASEWORK_DIGEST_JOB_ID, due_at + timedelta(days=1)) is True
    async with database.transaction() as session:
        runs = await fetch_job_runs(session, job_id=CASEWORK_DIGEST_JOB_ID)
    assert [run.due_at for run in runs] == [due_at.astimezone(UTC), (due_at + timedelta(days=1)).astimezone(UTC)]
    assert runs[0].claimed_by == f"replica-{outcomes.index(True)}"
