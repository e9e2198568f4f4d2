"""Data access shared by casework: reference numbers, driver and assistant changes, the duty-alert log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dao.portable import insert_ignoring_conflicts
from db.models.casework import (
    DriverChange,
    DriverChangeSource,
    DutyAlertRecord,
    DutyAlertStatus,
    ReferenceCounter,
    ReferenceSeries,
)


async def allocate_reference_number(session: AsyncSession, *, series: ReferenceSeries, year: int) -> int:
    """The next number in a series for a year, unique and gap-free among committed transactions.

    The counter row is created if missing, then bumped with UPDATE ... RETURNING: PostgreSQL holds the
    row lock until this transaction ends, and SQLite's BEGIN IMMEDIATE already serialises writers.
    """
    await insert_ignoring_conflicts(
        session,
        ReferenceCounter,
        values={"series": series.value, "year": year, "last_number": 0},
        conflict_columns=["series", "year"],
    )
    result = await session.exec(
        update(ReferenceCounter)
        .where(col(ReferenceCounter.series) == series.value, col(ReferenceCounter.year) == year)
        .values(last_number=col(ReferenceCounter.last_number) + 1)
        .returning(col(ReferenceCounter.last_number))
    )
    return int(result.scalar_one())


async def save_driver_change(
    session: AsyncSession,
    *,
    child_id: int,
    changed_on: date,
    source: DriverChangeSource,
    recorded_at: datetime,
    problem_report_id: int | None = None,
    recorded_by_staff_id: int | None = None,
) -> DriverChange:
    """Record one driver or passenger assistant change for a child."""
    change = DriverChange(
        child_id=child_id,
        changed_on=changed_on,
        source=source,
        problem_report_id=problem_report_id,
        recorded_by_staff_id=recorded_by_staff_id,
        recorded_at=recorded_at,
    )
    session.add(change)
    await session.flush()
    return change


async def fetch_driver_change_days(
    session: AsyncSession, *, child_id: int | None = None, since: date | None = None
) -> list[tuple[int, date]]:
    """(child id, day) of every recorded change, for one child or all, optionally from a day on."""
    statement = select(DriverChange.child_id, DriverChange.changed_on)
    if child_id is not None:
        statement = statement.where(DriverChange.child_id == child_id)
    if since is not None:
        statement = statement.where(col(DriverChange.changed_on) >= since)
    result = await session.exec(statement.order_by(col(DriverChange.changed_on), col(DriverChange.id)))
    return [(int(child), day) for child, day in result.all()]


async def save_duty_alert(
    session: AsyncSession,
    *,
    subject: str,
    channel: str,
    created_at: datetime,
    reference: str | None = None,
    problem_report_id: int | None = None,
) -> DutyAlertRecord:
    """Log an alert about to go out on one channel (pending until its outcome is known)."""
    record = DutyAlertRecord(
        subject=subject,
        channel=channel,
        reference=reference,
        problem_report_id=problem_report_id,
        status=DutyAlertStatus.PENDING,
        created_at=created_at,
    )
    session.add(record)
    await session.flush()
    return record


async def mark_duty_alert(
    session: AsyncSession, *, alert_id: int, status: DutyAlertStatus, at: datetime, error: str | None = None
) -> None:
    """Record how one attempt went."""
    record = await session.get(DutyAlertRecord, alert_id)
    if record is None:
        return
    record.status = status
    record.attempts += 1
    record.error = None if error is None else error[:300]
    if status is DutyAlertStatus.SENT:
        record.sent_at = at
    session.add(record)
    await session.flush()


async def fetch_duty_alerts(
    session: AsyncSession, *, problem_report_id: int | None = None, status: DutyAlertStatus | None = None
) -> list[DutyAlertRecord]:
    """Logged alerts, oldest first, optionally for one report or in one state."""
    statement = select(DutyAlertRecord)
    if problem_report_id is not None:
        statement = statement.where(DutyAlertRecord.problem_report_id == problem_report_id)
    if status is not None:
        statement = statement.where(DutyAlertRecord.status == status)
    result = await session.exec(statement.order_by(col(DutyAlertRecord.id)))
    return list(result.all())
