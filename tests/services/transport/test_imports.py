"""The route-planning export: every bad row reported with its line, nothing saved unless all are good, idempotent."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from db.engine import Database
from db.models import Child, LinkingCode, Route, RouteStop
from db.types import utc_now
from services.transport.imports import import_transport_data, issue_codes_for_children_without_one

SAMPLE = (Path(__file__).resolve().parents[3] / "docs" / "samples" / "transport_export.csv").read_bytes()


async def _import(database: Database, data: bytes | str):  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        return await import_transport_data(session, data=data, now=utc_now())


async def test_the_sample_file_imports_and_a_second_import_changes_nothing(database: Database) -> None:
    first = await _import(database, SAMPLE)
    assert first.is_ok, first.errors
    assert (first.counts.created["schools"], first.counts.created["routes"], first.counts.created["children"]) == (2, 2, 5)
    assert first.counts.created["stops"] == 3
    second = await _import(database, SAMPLE)
    assert second.is_ok and sum(second.counts.created.values()) == 0 and sum(second.counts.updated.values()) == 0
    async with database.transaction() as session:
        children = {c.council_reference: c for c in (await session.exec(select(Child))).all()}
        stops = (await session.exec(select(RouteStop))).all()
    assert children["KCC-100002"].display_name == "A.J." and children["KCC-100005"].route_id is None
    assert children["KCC-100003"].district == "Tonbridge and Malling"
    assert children["KCC-100002"].stop_id == children["KCC-100003"].stop_id
    assert len(stops) == 3


async def test_a_changed_row_updates_only_what_changed(database: Database) -> None:
    await _import(database, SAMPLE)
    changed = SAMPLE.decode().replace("Wheelchair-accessible minibus", "Minibus with tail lift").replace("07:35,07:45", "07:40,07:50")
    report = await _import(database, changed)
    assert report.is_ok
    assert report.counts.updated["routes"] == 1 and report.counts.updated["stops"] == 1
    assert report.counts.updated["children"] == 0 and report.counts.unchanged["children"] == 5
    async with database.transaction() as session:
        route = (await session.exec(select(Route).where(Route.code == "MA-101"))).one()
    assert route.vehicle_type == "Minibus with tail lift"


async def test_every_bad_row_is_reported_with_its_line_and_nothing_is_saved(database: Database) -> None:
    lines = SAMPLE.decode().splitlines()
    lines[1] = lines[1].replace("primary", "nursery")  # line 2: unknown phase
    lines[2] = lines[2].replace("07:45,07:55", "08:10,07:55")  # line 3: window backwards
    lines[3] = lines[3].replace("Ola", "Ola Maria Kowalska")  # line 4: a full name
    lines[4] = lines[4].replace("Saloon car", "")  # line 5: route without vehicle
    lines.append(lines[5])  # line 7: same child twice
    lines.append("KCC-100009,Li,SCH-BAY,Another Name,Thanet,primary,,,,,,,,,")  # line 8: school name disagrees
    report = await _import(database, "\n".join(lines) + "\n")
    assert not report.is_ok
    assert [error.line for error in report.errors] == [2, 3, 4, 5, 7, 8]
    reasons = {error.line: error.reason for error in report.errors}
    assert "phase" in reasons[2] and "pickup_from is after pickup_to" in reasons[3]
    assert "first name or initials" in reasons[4] and "vehicle_type" in reasons[5]
    assert "repeated (first on line 6)" in reasons[7] and "differs from line 6" in reasons[8]
    async with database.transaction() as session:
        assert (await session.exec(select(Child))).all() == []


async def test_a_missing_column_is_one_clear_error(database: Database) -> None:
    report = await _import(database, "council_reference,child_name\nKCC-1,Sam\n")
    assert [str(error) for error in report.errors] == [
        "line 1: missing column(s): school_code, school_name, district, phase, route_code, operator_code, "
        "operator_name, operator_phone, vehicle_type, stop_sequence, stop_name, pickup_from, pickup_to"
    ]


async def test_codes_are_issued_only_for_children_without_one(database: Database) -> None:
    report = await _import(database, SAMPLE)
    now = utc_now()
    async with database.transaction() as session:
        first = await issue_codes_for_children_without_one(session, child_ids=report.child_ids, ttl_days=60, now=now)
    async with database.transaction() as session:
        again = await issue_codes_for_children_without_one(session, child_ids=report.child_ids, ttl_days=60, now=now)
        stored = (await session.exec(select(LinkingCode))).all()
    assert len(first) == 5 and again == [] and len(stored) == 5
    assert {issued.council_reference for issued in first} == {f"KCC-10000{n}" for n in range(1, 6)}
