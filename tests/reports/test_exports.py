"""Exports: each format, filters, pseudonymisation by default, identifying exports refused or audited."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pydantic import SecretStr
from sqlmodel import select

from db.dao.reports.exports import ExportFilter
from db.engine import Database
from db.models.casework import Complaint, ComplaintStatus, FeedbackItem, FeedbackSource, ProblemReport
from db.models.changes import ChangeNotice, TransportChange
from db.models.outbox import OutboxMessage
from db.models.staff import ActorKind, AuditEvent, StaffRole
from reports.exports.case_keys import CaseKeySecretMissing
from reports.exports.kinds import ExportKind
from reports.exports.service import ExportRefused, ExportRequest, export_to_file
from reports.exports.writers import ExportFormat
from services.staff.audit import Actor
from tests.support.factories import make_carer, make_child, make_route, make_school

CARER_NAMES = ("Bernadette", "Ophelia")
CHILD_NAMES = ("Tobias", "Wilhelmina")
SECRETS = (
    *CARER_NAMES, *CHILD_NAMES, "07700 900123", "bernadette.k@example.com", "ME14 1XQ", "7311",
)
CASE_KEY_SECRET = SecretStr("test-case-key-secret-0123456789-abcdefghij")
OFFICER = Actor(kind=ActorKind.USER, id=1, label="officer@kent.example", role=StaffRole.OFFICER.value)
COORDINATOR = Actor(kind=ActorKind.USER, id=2, label="pact@kent.example", role=StaffRole.PACT_COORDINATOR.value)


@dataclass
class ExportWorld:
    """Two districts with one family each; rows in January and March 2026."""

    pseudonyms: tuple[str, str]
    maidstone_school: str
    maidstone_route: str


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The test's fresh, migrated database."""
    db = Database(database_url)
    yield db
    await db.dispose()


def _at(month: int, day: int = 10) -> datetime:
    return datetime(2026, month, day, 9, 0, tzinfo=UTC)


@pytest.fixture
async def world(database: Database) -> ExportWorld:
    """Feedback, complaints, problems, a change notice and a delivery with identities in their free text."""
    async with database.transaction() as session:
        families = []
        for district, carer_name, child_name in zip(("Maidstone", "Thanet"), CARER_NAMES, CHILD_NAMES):
            school = await make_school(session, district=district)
            route = await make_route(session, school=school)
            child = await make_child(session, route=route, display_name=child_name)
            carer = await make_carer(session, first_name=carer_name, chat_id=7311000 + len(families), children=[child])
            families.append((school, route, child, carer))
        for month, (school, route, child, carer) in zip((1, 3), families):
            text = (
                f"{carer.first_name} here, {child.display_name}'s bus was late. Call 07700 900123 "
                "or bernadette.k@example.com, we live at ME14 1XQ."
            )
            session.add(FeedbackItem(carer_id=carer.id, child_id=child.id, source=FeedbackSource.BOT, rating=2,
                                     topic="journey", text=text, themes=["lateness"], created_at=_at(month)))
            session.add(Complaint(reference=f"HTST-2026-0000{month}", carer_id=carer.id, child_id=child.id,
                                  route_code=route.code, category="service_delivery", description=text,
                                  status=ComplaintStatus.AWAITING_RESPONSE, stage1_received_at=_at(month)))
            session.add(ProblemReport(reference=f"PR-2026-0000{month}", carer_id=carer.id, child_id=child.id,
                                      route_id=route.id, route_code=route.code, category="late", details=text,
                                      reported_at=_at(month), resolved_at=_at(month, 11)))
            change = TransportChange(reference=f"CHG-{month}", kind="new_driver", route_id=route.id,
                                     effective_from=date(2026, month, 12), effective_at=_at(month, 12),
                                     recorded_by="officer", recorded_at=_at(month))
            session.add(change)
            await session.flush()
            session.add(ChangeNotice(change_id=change.id, carer_id=carer.id, child_ids=[child.id], queued_at=_at(month)))
            session.add(OutboxMessage(idempotency_key=f"test-{month}", carer_id=carer.id, chat_id=carer.chat_id,
                                      purpose="change_notice", source_type="change", text=text, queued_at=_at(month)))
        await session.flush()
        pseudonyms = (families[0][3].pseudonym, families[1][3].pseudonym)
        return ExportWorld(pseudonyms=pseudonyms, maidstone_school=families[0][0].code, maidstone_route=families[0][1].code)


def _read(path: Path, export_format: ExportFormat) -> tuple[list[dict[str, str]], str]:
    """The records of an exported file (as text) and every cell joined, for searching."""
    if export_format is ExportFormat.CSV:
        text = path.read_text(encoding="utf-8")
        return list(csv.DictReader(io.StringIO(text))), text
    if export_format is ExportFormat.JSON:
        text = path.read_text(encoding="utf-8")
        return json.loads(text), text
    sheet = load_workbook(path, read_only=True).active
    rows = [[("" if cell is None else str(cell)) for cell in row] for row in sheet.iter_rows(values_only=True)]
    records = [dict(zip(rows[0], row)) for row in rows[1:]]
    return records, "\n".join("\t".join(row) for row in rows)


@pytest.mark.parametrize("export_format", list(ExportFormat))
# Operators' reports hold no family at all: tests/reports/test_operator_figures.py checks their export.
@pytest.mark.parametrize("kind", [kind for kind in ExportKind if kind is not ExportKind.OPERATOR_DISRUPTIONS])
async def test_pseudonymised_export_holds_no_identity(
    database: Database, world: ExportWorld, tmp_path: Path, kind: ExportKind, export_format: ExportFormat
) -> None:
    path = tmp_path / f"export.{export_format.value}"
    request = ExportRequest(kind=kind, export_format=export_format, case_key_secret=CASE_KEY_SECRET)
    await export_to_file(database, actor=COORDINATOR, request=request, path=path)
    records, everything = _read(path, export_format)
    assert sorted(record["carer"] for record in records) == sorted(world.pseudonyms)
    for secret in SECRETS:
        assert secret.lower() not in everything.lower(), f"{secret!r} leaked into the {kind} {export_format} export"
    for column in ("text", "description", "details"):
        if column in records[0]:
            assert all("[name]" in record[column] and "[phone]" in record[column] for record in records)
            assert all("[postcode]" in record[column] and "[email]" in record[column] for record in records)


@pytest.mark.parametrize("export_format", list(ExportFormat))
async def test_filters_by_date_school_route_and_district(
    database: Database, world: ExportWorld, tmp_path: Path, export_format: ExportFormat
) -> None:
    filters = [
        (ExportKind.COMPLAINTS, ExportFilter(since=_at(2, 1), until=_at(4, 1)), world.pseudonyms[1]),
        (ExportKind.PROBLEMS, ExportFilter(school_code=world.maidstone_school), world.pseudonyms[0]),
        (ExportKind.FEEDBACK, ExportFilter(route_code=world.maidstone_route), world.pseudonyms[0]),
        (ExportKind.CHANGE_NOTICES, ExportFilter(district="Thanet"), world.pseudonyms[1]),
        (ExportKind.DELIVERIES, ExportFilter(district="Maidstone", until=_at(2, 1)), world.pseudonyms[0]),
    ]
    for kind, where, expected in filters:
        path = tmp_path / f"{kind.value}.{export_format.value}"
        request = ExportRequest(kind=kind, export_format=export_format, where=where, case_key_secret=CASE_KEY_SECRET)
        await export_to_file(database, actor=OFFICER, request=request, path=path)
        records, _ = _read(path, export_format)
        assert [record["carer"] for record in records] == [expected], kind


async def test_identifying_export_is_refused_for_coordinators_and_audited(
    database: Database, world: ExportWorld, tmp_path: Path
) -> None:
    request = ExportRequest(kind=ExportKind.COMPLAINTS, export_format=ExportFormat.CSV, is_identifying=True)
    path = tmp_path / "refused.csv"
    with pytest.raises(ExportRefused):
        await export_to_file(database, actor=COORDINATOR, request=request, path=path)
    assert not path.exists()
    with pytest.raises(ExportRefused):
        await export_to_file(database, actor=Actor.system(), request=request, path=path)
    async with database.transaction() as session:
        events = (await session.exec(select(AuditEvent).order_by(AuditEvent.id))).all()
    assert [(event.action, event.actor_role) for event in events] == [
        ("export.refused", StaffRole.PACT_COORDINATOR.value),
        ("export.refused", None),
    ]


async def test_identifying_export_by_an_officer_is_audited_and_holds_identities(
    database: Database, world: ExportWorld, tmp_path: Path
) -> None:
    request = ExportRequest(
        kind=ExportKind.FEEDBACK, export_format=ExportFormat.CSV, is_identifying=True,
        where=ExportFilter(district="Maidstone"),
    )
    path = tmp_path / "identifying.csv"
    await export_to_file(database, actor=OFFICER, request=request, path=path)
    [record], _ = _read(path, ExportFormat.CSV)
    assert (record["carer_name"], record["child_name"]) == (CARER_NAMES[0], CHILD_NAMES[0])
    assert "07700 900123" in record["text"]
    async with database.transaction() as session:
        [event] = (await session.exec(select(AuditEvent))).all()
    assert (event.action, event.actor_id, event.object_type) == ("export.identifying", OFFICER.id, "feedback")
    assert event.detail == {"format": "csv", "scope": "identifying", "district": "Maidstone"}


CASE_KEY = re.compile(r"^K-[0-9A-F]{16}$")


async def _export_records(
    database: Database, tmp_path: Path, *, kind: ExportKind, export_format: ExportFormat = ExportFormat.CSV,
    secret: SecretStr | None = CASE_KEY_SECRET, actor: Actor = COORDINATOR, identifying: bool = False,
    where: ExportFilter | None = None,
) -> tuple[list[dict[str, str]], str]:
    path = tmp_path / f"{kind.value}-{len(list(tmp_path.iterdir()))}.{export_format.value}"
    request = ExportRequest(kind=kind, export_format=export_format, is_identifying=identifying,
                            where=where or ExportFilter(), case_key_secret=secret)
    await export_to_file(database, actor=actor, request=request, path=path)
    return _read(path, export_format)


@pytest.mark.parametrize("export_format", list(ExportFormat))
@pytest.mark.parametrize(("kind", "prefix"), [(ExportKind.COMPLAINTS, "HTST-"), (ExportKind.PROBLEMS, "PR-")])
async def test_pseudonymised_cases_carry_a_case_key_instead_of_the_reference(
    database: Database, world: ExportWorld, tmp_path: Path, kind: ExportKind, prefix: str, export_format: ExportFormat
) -> None:
    records, everything = await _export_records(database, tmp_path, kind=kind, export_format=export_format)
    assert list(records[0])[0] == "case_key" and not {"id", "reference"} & set(records[0])
    keys = [record["case_key"] for record in records]
    assert len(keys) == 2 and len(set(keys)) == 2 and all(CASE_KEY.match(key) for key in keys)
    assert prefix not in everything, "the case reference links the row back to the family"


async def test_a_case_keeps_its_key_across_exports_and_the_key_needs_the_secret(
    database: Database, world: ExportWorld, tmp_path: Path
) -> None:
    first, _ = await _export_records(database, tmp_path, kind=ExportKind.COMPLAINTS)
    march, _ = await _export_records(database, tmp_path, kind=ExportKind.COMPLAINTS, export_format=ExportFormat.JSON,
                                     where=ExportFilter(since=_at(2, 1)), actor=OFFICER)
    assert [record["case_key"] for record in march] == [first[1]["case_key"]]  # same case, same key
    async with database.transaction() as session:
        complaints = (await session.exec(select(Complaint).order_by(Complaint.id))).all()
        problems = (await session.exec(select(ProblemReport).order_by(ProblemReport.id))).all()
    secret = CASE_KEY_SECRET.get_secret_value().encode()
    expected = ["K-" + hmac.new(secret, f"complaint:{c.id}".encode(), hashlib.sha256).hexdigest()[:16].upper() for c in complaints]
    assert [record["case_key"] for record in first] == expected  # HMAC-SHA256 keyed with the secret, nothing stored
    other_secret, _ = await _export_records(database, tmp_path, kind=ExportKind.COMPLAINTS,
                                            secret=SecretStr("another-secret-entirely-0123456789-abcdef"))
    assert not {record["case_key"] for record in other_secret} & set(expected)
    problem_keys, _ = await _export_records(database, tmp_path, kind=ExportKind.PROBLEMS)
    assert [p.id for p in problems] == [c.id for c in complaints]  # same row ids, and still different keys
    assert not {record["case_key"] for record in problem_keys} & set(expected)


async def test_identifying_exports_keep_the_reference_and_no_case_key(
    database: Database, world: ExportWorld, tmp_path: Path
) -> None:
    records, _ = await _export_records(database, tmp_path, kind=ExportKind.COMPLAINTS, actor=OFFICER, identifying=True, secret=None)
    assert [record["reference"] for record in records] == ["HTST-2026-00001", "HTST-2026-00003"]
    assert "case_key" not in records[0] and records[0]["id"]


async def test_without_the_secret_a_pseudonymised_case_export_is_refused_before_any_audit_row(
    database: Database, world: ExportWorld, tmp_path: Path
) -> None:
    path = tmp_path / "complaints.csv"
    request = ExportRequest(kind=ExportKind.PROBLEMS, export_format=ExportFormat.CSV)
    with pytest.raises(CaseKeySecretMissing, match="CARERLINE_CASE_KEY_SECRET"):
        await export_to_file(database, actor=COORDINATOR, request=request, path=path)
    assert not path.exists()
    feedback, _ = await _export_records(database, tmp_path, kind=ExportKind.FEEDBACK, secret=None)  # needs no key
    async with database.transaction() as session:
        actions = (await session.exec(select(AuditEvent.action))).all()
    assert len(feedback) == 2 and list(actions) == ["export.pseudonymised"]
