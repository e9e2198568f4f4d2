"""The fortnightly SitRep: the figures from a known set of cases, HTML, CSV, the email and the schedule."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from db.engine import Database
from db.models.applications import ApplicationStage, HtstApplication
from db.models.casework import Complaint, ComplaintStatus, DutyAlertRecord, ProblemReport
from db.models.changes import ChangeNotice, TransportChange
from carerline.jobs import SITREP_JOB_ID, add_standing_jobs
from messaging.scheduler import build_scheduler
from reports.sitrep import build_sitrep, render_sitrep_csv, render_sitrep_html, send_sitrep
from services.casework.duty_alerts import DutyNotifier, SmtpDutyClient
from tests.support.casework import LocalSmtpServer
from tests.support.factories import make_carer, make_child
from tests.support.waiting import wait_for_condition

NOW = datetime(2026, 3, 17, 8, 0, tzinfo=UTC)  # Tuesday 17 March 2026
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The test's fresh, migrated database."""
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def smtp_server() -> Iterator[LocalSmtpServer]:
    """A real SMTP server on localhost that keeps every email."""
    server = LocalSmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _seed(database: Database) -> None:
    """3 open problems (2 this fortnight), 1 resolved; 2 unacknowledged notices of recent changes (and 1 of
    an old change, 1 acknowledged); 1 unreachable carer; 1 application past 20 working days; complaints:
    1 overdue, 1 due soon, 1 on time."""
    async with database.transaction() as session:
        child = await make_child(session, display_name="Tobias")
        carer = await make_carer(session, first_name="Bernadette", children=[child])
        unreachable = await make_carer(session, first_name="Ophelia")
        unreachable.unreachable_since = NOW - timedelta(days=3)
        for n, (reported_days_ago, resolved) in enumerate([(1, False), (5, False), (20, False), (2, True)]):
            session.add(ProblemReport(reference=f"PR-2026-{n:05d}", child_id=child.id, category="late",
                                      reported_at=NOW - timedelta(days=reported_days_ago),
                                      resolved_at=NOW if resolved else None))
        for n, (effective_days_ago, acknowledged) in enumerate([(-2, False), (3, False), (30, False), (1, True)]):
            change = TransportChange(reference=f"CHG-{n}", kind="new_driver", effective_from=date(2026, 3, 1),
                                     effective_at=NOW - timedelta(days=effective_days_ago), recorded_by="officer")
            session.add(change)
            await session.flush()
            session.add(ChangeNotice(change_id=change.id, carer_id=carer.id, child_ids=[child.id],
                                     queued_at=NOW - timedelta(days=40), acknowledged_at=NOW if acknowledged else None))
        session.add(HtstApplication(reference="APP-1", child_id=child.id, stage=ApplicationStage.RECEIVED,
                                    received_on=date(2026, 1, 5)))
        session.add(HtstApplication(reference="APP-2", child_id=child.id, stage=ApplicationStage.RECEIVED,
                                    received_on=date(2026, 3, 9)))
        # Stage 1 acknowledgement is due 5 working days after receipt.
        for n, received in enumerate([datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 12, 9, tzinfo=UTC),
                                      datetime(2026, 3, 16, 9, tzinfo=UTC)]):
            session.add(Complaint(reference=f"HTST-2026-{n:05d}", carer_id=carer.id, child_id=child.id,
                                  category="staff_conduct", status=ComplaintStatus.AWAITING_ACKNOWLEDGEMENT,
                                  stage1_received_at=received))


async def test_the_sitrep_counts_what_is_open_or_late(database: Database) -> None:
    await _seed(database)
    async with database.transaction() as session:
        sitrep = await build_sitrep(session, now=NOW)
    figures = {figure.key: figure.count for figure in sitrep.figures}
    assert figures == {
        "open_problems": 3, "problems_in_period": 3, "notices_unacknowledged": 2, "unreachable_carers": 1,
        "applications_overdue": 1, "complaints_due": 1, "complaints_overdue": 1,
    }
    html = render_sitrep_html(sitrep)
    assert '<tr data-figure="notices_unacknowledged"><th scope="row">Change notices not acknowledged</th><td class="count">2</td>' in html
    assert "Bernadette" not in html and "Tobias" not in html
    rows = list(csv.DictReader(io.StringIO(render_sitrep_csv(sitrep))))
    assert [(row["figure"], row["count"]) for row in rows][:2] == [
        ("Problems reported and still open", "3"), ("Problems reported this fortnight", "3")
    ]


async def test_the_sitrep_is_emailed_to_the_duty_address(database: Database, smtp_server: LocalSmtpServer) -> None:
    await _seed(database)
    notifier = DutyNotifier([SmtpDutyClient(host="127.0.0.1", port=smtp_server.port, sender="carerline@kent.gov.uk",
                                            recipients=["transport@kent.gov.uk"], starttls=False)])
    outcomes = await send_sitrep(database, notifier=notifier, now=NOW, staff_base_url="https://carerline.example")
    assert [outcome.is_sent for outcome in outcomes] == [True]
    await wait_for_condition(lambda: len(smtp_server.messages) == 1, description="the SitRep email")
    email = smtp_server.messages[0]
    assert email["Subject"] == "Carerline SitRep 17 Mar 2026"
    text = email.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Applications past 20 working days: 1" in text and "Complaints overdue: 1" in text
    async with database.transaction() as session:
        logged = (await session.exec(select(DutyAlertRecord).where(DutyAlertRecord.subject == "sitrep"))).all()
    assert [(row.channel, row.status) for row in logged] == [("email", "sent")]


async def test_the_sitrep_is_scheduled_every_other_monday_morning(database: Database) -> None:
    scheduler = build_scheduler(database=database, loop=asyncio.get_running_loop())
    add_standing_jobs(scheduler)
    job = {job.id: job for job in scheduler.get_jobs()}[SITREP_JOB_ID]
    assert job.func_ref == "reports.sitrep:send_fortnightly_sitrep"
    first = job.trigger.get_next_fire_time(None, datetime(2026, 3, 17, 12, 0, tzinfo=LONDON))
    second = job.trigger.get_next_fire_time(first, first + timedelta(minutes=1))
    assert first == datetime(2026, 3, 23, 8, 0, tzinfo=LONDON)
    assert second == datetime(2026, 4, 6, 8, 0, tzinfo=LONDON)
