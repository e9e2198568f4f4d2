"""Operators' reports in the figures: the SitRep by operator and kind with report-to-families minutes, the
parental-views table beside families' problems (counts under 5 suppressed), and the export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path


from sqlalchemy import update
from sqlmodel import col, select

from db.dao.reports.parental_views import Period
from db.engine import Database
from db.models import OutboxMessage
from db.models.casework import ProblemReport
from db.models.staff import ActorKind, StaffRole
from db.models.transport import DisruptionKind, DisruptionStatus, OperatorDisruption, Run
from db.types import utc_now
from reports.exports.kinds import ExportKind
from reports.exports.service import ExportRequest, export_to_file
from reports.exports.writers import ExportFormat
from reports.parental_views.casework_figures import problems_section
from reports.sitrep import build_sitrep, render_sitrep_csv, render_sitrep_html, render_sitrep_message
from services.operators.drafts import DraftEdits, confirm_draft
from services.operators.followups import withdraw_disruption
from services.operators.reports import DisruptionRequest, report_disruption
from services.staff.audit import Actor
from tests.support.operators import OperatorWorld, make_operator_world

DISPATCH = Actor(kind=ActorKind.TOKEN, id=1, label="token Dispatch", role="operator")
OFFICER = Actor(kind=ActorKind.USER, id=2, label="officer@kent.example", role=StaffRole.OFFICER.value)
COORDINATOR = Actor(kind=ActorKind.USER, id=3, label="pact@kent.example", role=StaffRole.PACT_COORDINATOR.value)
PHONE = "03000 41 00 00"


async def _report(database: Database, world: OperatorWorld, *, operator: str, now: datetime, **request: object) -> OperatorDisruption:
    operator_id = world.operator_a if operator == "a" else world.operator_b
    route = world.route_a if operator == "a" else world.route_b
    async with database.transaction() as session:
        outcome = await report_disruption(
            session, operator_id=operator_id, request=DisruptionRequest(route_id=route.id or 0, **request),  # type: ignore[arg-type]
            actor=DISPATCH, now=now, council_phone=PHONE, staff_base_url="http://staff.test",
        )
    return outcome.disruption


async def _sent(database: Database, *, source_type: str, after: timedelta, since: datetime) -> None:
    """The delivery engine sent the rows of one source `after` their report (arranged, as the worker records it)."""
    async with database.transaction() as session:
        await session.exec(update(OutboxMessage).where(col(OutboxMessage.source_type) == source_type).values(  # type: ignore[call-overload]
            state="sent", sent_at=since + after))


async def test_the_sitrep_counts_disruptions_by_operator_and_kind_and_the_minutes_to_families(database: Database) -> None:
    world = await make_operator_world(database)
    now = utc_now()
    late = await _report(database, world, operator="a", now=now, kind=DisruptionKind.RUNNING_LATE, run=Run.MORNING, minutes_late=20)
    await _report(database, world, operator="a", now=now, kind=DisruptionKind.RUNNING_LATE, run=Run.MORNING, minutes_late=25)  # joins it
    await _sent(database, source_type="operator_disruption", after=timedelta(minutes=3), since=now)
    wrong = await _report(database, world, operator="a", now=now, kind=DisruptionKind.STAFF_CHANGED, run=Run.AFTERNOON,
                          staff_changed="driver", new_staff_first_name="Zoë")
    async with database.transaction() as session:
        await withdraw_disruption(session, operator_id=world.operator_a, disruption_id=wrong.id or 0, actor=DISPATCH,
                                  now=now, council_phone=PHONE)
    cancelled = await _report(database, world, operator="b", now=now, kind=DisruptionKind.RUN_CANCELLED, run=Run.AFTERNOON)
    async with database.transaction() as session:
        await confirm_draft(session, disruption_id=cancelled.id or 0, edits=DraftEdits(), actor=OFFICER,
                            now=now + timedelta(minutes=20), council_phone=PHONE)
    await _sent(database, source_type="transport_change", after=timedelta(minutes=30), since=now)

    async with database.transaction() as session:
        sitrep = await build_sitrep(session, now=now + timedelta(hours=1))
    assert sitrep.operators is not None
    assert [(i.operator, i.kind, i.count) for i in sitrep.operators.counts] == [
        ("Garden Cars", "Running late", 1), ("Weald Minibuses", "Operator cancelled a run", 1),
    ]  # the repeat joined the first report and the withdrawn one is not a disruption
    assert (sitrep.operators.median_minutes, sitrep.operators.longest_minutes, sitrep.operators.reports_timed) == (16.5, 30.0, 2)
    rows = list(csv.reader(io.StringIO(render_sitrep_csv(sitrep))))
    assert ["Disruptions reported by Garden Cars: Running late", "1"] == rows[-4][:2]
    assert rows[-2][:2] == ["Minutes from an operator's report to families told (median)", "16.5"]
    assert rows[-1][:2] == ["Minutes from an operator's report to families told (longest)", "30.0"]
    html = render_sitrep_html(sitrep)
    assert "Weald Minibuses" in html and "median 16.5, longest 30.0 (2 reports)" in html
    assert "Disruptions reported by Weald Minibuses: Operator cancelled a run: 1" in render_sitrep_message(sitrep, staff_base_url="http://staff.test").text
    assert late.reference not in html  # counts, never references


async def _insert_disruptions(database: Database, world: OperatorWorld, *, count: int, kind: DisruptionKind, start: datetime) -> list[int]:
    ids = []
    async with database.transaction() as session:
        for day in range(count):
            row = OperatorDisruption(
                reference=f"OD-T-{kind.value[:6]}-{day}", operator_id=world.operator_a, route_id=world.route_a.id or 0,
                run=Run.MORNING, run_date=(start + timedelta(days=day)).date(), kind=kind, status=DisruptionStatus.RESOLVED,
                reported_by="test", reported_at=start + timedelta(days=day), minutes_late=10 if kind == DisruptionKind.RUNNING_LATE else None,
                note="Call Dave on 07700 900123 if stuck",
            )
            session.add(row)
            await session.flush()
            ids.append(row.id or 0)
    return ids


async def _insert_problems(database: Database, world: OperatorWorld, *, linked_to: list[int | None], start: datetime) -> None:
    async with database.transaction() as session:
        for number, disruption_id in enumerate(linked_to):
            session.add(ProblemReport(
                reference=f"PR-T-{number}", carer_id=world.carers_a[0].id, child_id=world.children_a[0].id,
                route_id=world.route_a.id, route_code="OPA-1", category="running_late", reported_at=start + timedelta(hours=number),
                operator_disruption_id=disruption_id,
            ))


async def test_the_parental_views_show_operator_reports_beside_families_problems_with_small_counts_suppressed(
    database: Database,
) -> None:
    world = await make_operator_world(database)
    start = datetime(2026, 1, 12, 8, tzinfo=UTC)
    late = await _insert_disruptions(database, world, count=6, kind=DisruptionKind.RUNNING_LATE, start=start)
    await _insert_disruptions(database, world, count=2, kind=DisruptionKind.RUN_CANCELLED, start=start)
    await _insert_problems(database, world, linked_to=[late[0]] * 5 + [None] * 3, start=start)
    period = Period(starts_at=datetime(2025, 9, 1, tzinfo=UTC), ends_at=datetime(2026, 9, 1, tzinfo=UTC))
    async with database.transaction() as session:
        section = await problems_section(session, period=period, describe=lambda hours: f"{hours:.1f} hours")
    table = section.tables[-1]
    assert table.caption.startswith("Disruption the transport operators reported")
    assert table.rows == (
        ("Operator cancelled a run", "fewer than 5", "fewer than 5"),
        ("Running late", "6", "5"),
        ("Nothing (families reported, the operator had not)", "-", "fewer than 5"),
    )


async def test_the_operator_disruptions_export_is_redacted_unless_identifying(database: Database, tmp_path: Path) -> None:
    world = await make_operator_world(database)
    start = datetime(2026, 1, 12, 8, tzinfo=UTC)
    ids = await _insert_disruptions(database, world, count=2, kind=DisruptionKind.RUNNING_LATE, start=start)
    await _insert_problems(database, world, linked_to=[ids[0], ids[0]], start=start)
    async with database.transaction() as session:
        await session.exec(update(OperatorDisruption).where(col(OperatorDisruption.id) == ids[1]).values(  # type: ignore[call-overload]
            kind=DisruptionKind.STAFF_CHANGED, staff_changed="driver", new_staff_first_name="Zoë", minutes_late=None))
    path = tmp_path / "disruptions.csv"
    await export_to_file(database, actor=COORDINATOR, request=ExportRequest(kind=ExportKind.OPERATOR_DISRUPTIONS,
                         export_format=ExportFormat.CSV), path=path)
    records = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert [(r["reference"], r["operator"], r["route"], r["kind"], r["family_reports"]) for r in records] == [
        ("OD-T-runnin-0", "Garden Cars", "OPA-1", "running_late", "2"), ("OD-T-runnin-1", "Garden Cars", "OPA-1", "staff_changed", "0"),
    ]
    everything = path.read_text(encoding="utf-8")
    assert "07700 900123" not in everything and "Zoë" not in everything and "[phone]" in records[0]["note"]
    identifying = tmp_path / "identifying.csv"
    await export_to_file(database, actor=OFFICER, request=ExportRequest(kind=ExportKind.OPERATOR_DISRUPTIONS,
                         export_format=ExportFormat.CSV, is_identifying=True), path=identifying)
    assert "Zoë" in identifying.read_text(encoding="utf-8")
    async with database.transaction() as session:
        assert len((await session.exec(select(OperatorDisruption))).all()) == 2
