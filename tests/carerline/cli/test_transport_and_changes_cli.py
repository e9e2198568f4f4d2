"""`carerline import transport`, `carerline changes ...`, `carerline applications ...`: real processes, real databases."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

from sqlmodel import select

from db.engine import Database
from db.models import Carer, CarerChildLink, ChangeKind, Child, OutboxMessage, TransportChange
from db.types import utc_now
from services.changes.notices import ChangeRequest, record_change
from services.transport.imports import import_transport_data
from tests.carerline.test_cli import run_cli

SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "samples" / "transport_export.csv"


def _env(database_url: str) -> dict[str, str]:
    return {"CARERLINE_DATABASE_URL": database_url, "CARERLINE_BOT_USERNAME": "KentCarerlineBot"}


async def _cli(database_url: str, *args: str, cwd: Path) -> object:
    return await asyncio.to_thread(run_cli, *args, env=_env(database_url), cwd=cwd)


async def _link_a_carer(database_url: str, *, council_reference: str) -> None:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            child = (await session.exec(select(Child).where(Child.council_reference == council_reference))).one()
            carer = Carer(chat_id=4242, first_name="Amira", consent_given_at=utc_now(), consent_notice_version="t")
            session.add(carer)
            await session.flush()
            session.add(CarerChildLink(carer_id=carer.id, child_id=child.id))  # type: ignore[arg-type]
    finally:
        await database.dispose()


async def _rows(database_url: str, model: type) -> list:  # type: ignore[type-arg]
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            return list((await session.exec(select(model))).all())
    finally:
        await database.dispose()


async def test_import_reports_counts_then_nothing_new_and_writes_the_mail_merge(database_url: str, tmp_path: Path) -> None:
    codes = tmp_path / "codes.csv"
    first = await _cli(database_url, "import", "transport", str(SAMPLE), "--issue-codes", str(codes), cwd=tmp_path)
    assert first.returncode == 0, first.stderr  # type: ignore[attr-defined]
    assert "children: 5 new, 0 updated, 0 unchanged" in first.stdout  # type: ignore[attr-defined]
    assert "Issued 5 linking code(s)" in first.stdout  # type: ignore[attr-defined]
    with codes.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["council_reference"] for row in rows} == {f"KCC-10000{n}" for n in range(1, 6)}
    assert all(row["deep_link"].startswith("https://t.me/KentCarerlineBot?start=") for row in rows)
    again = await _cli(database_url, "import", "transport", str(SAMPLE), "--issue-codes", str(codes), cwd=tmp_path)
    assert "children: 0 new, 0 updated, 5 unchanged" in again.stdout and "Issued 0 linking code(s)" in again.stdout  # type: ignore[attr-defined]


async def test_a_bad_file_lists_every_bad_line_and_imports_nothing(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    lines = SAMPLE.read_text().splitlines()
    lines[2] = lines[2].replace("07:45,07:55", "7.45am,07:55")
    lines[4] = lines[4].replace("post-16", "university")
    bad.write_text("\n".join(lines) + "\n")
    result = await _cli(database_url, "import", "transport", str(bad), cwd=tmp_path)
    assert result.returncode == 1  # type: ignore[attr-defined]
    errors = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert errors[0].startswith("line 3: pickup_from") and errors[1].startswith("line 5: phase")
    assert errors[-1] == "Nothing was imported: 2 bad row(s) in bad.csv."
    assert await _rows(database_url, Child) == []


async def _seed(database_url: str) -> None:
    """The sample export, imported in-process (the CLI import has its own test)."""
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            assert (await import_transport_data(session, data=SAMPLE.read_bytes(), now=utc_now())).is_ok
    finally:
        await database.dispose()


async def test_changes_record_tells_the_officer_who_was_reached(database_url: str, tmp_path: Path) -> None:
    await _seed(database_url)
    await _link_a_carer(database_url, council_reference="KCC-100001")
    recorded = await _cli(
        database_url, "changes", "record", "--route-code", "MA-101", "--kind", "new_pickup_time", "--effective-from", "2030-01-07",
        "--old-value", "7:35am", "--new-value", "7:50am", "--reason", "New timetable", "--officer", "J Smith", "--reference", "REF-1",
        cwd=tmp_path,
    )
    assert recorded.returncode == 0, recorded.stderr  # type: ignore[attr-defined]
    assert "3 child(ren) affected, 1 carer(s) linked, 2 child(ren) with no carer on Carerline" in recorded.stdout  # type: ignore[attr-defined]
    # The carer in Telegram, and the import's contacts: Anna and Piotr (texts), Emma (email), Ola's mum (text).
    assert "Family contacts told by text, email or letter: 4; nothing held for 0" in recorded.stdout  # type: ignore[attr-defined]
    assert "Notices queued: 5" in recorded.stdout  # type: ignore[attr-defined]
    # The old option names still work (unlisted): --route is --route-code, --effective is --effective-from.
    again = await _cli(database_url, "changes", "record", "--route", "MA-101", "--kind", "new_pickup_time",
                       "--effective", "2030-01-07", "--reference", "REF-1", cwd=tmp_path)
    assert "already recorded" in again.stdout  # type: ignore[attr-defined]
    unknown = await _cli(database_url, "changes", "record", "--route", "NOPE", "--kind", "new_driver", "--effective", "2030-01-07", cwd=tmp_path)
    assert unknown.returncode == 1 and "route_code: no route NOPE" in unknown.stderr  # type: ignore[attr-defined]


async def test_changes_import_is_all_or_nothing(database_url: str, tmp_path: Path) -> None:
    await _seed(database_url)
    await _link_a_carer(database_url, council_reference="KCC-100004")
    changes = tmp_path / "changes.csv"
    good = (
        "reference,kind,route_code,operator_code,new_value,effective_from,effective_until,is_urgent,reason\n"
        "C-1,new_driver,TH-220,,Dave,2030-01-08,,no,Driver retired\n"
        "C-2,route_suspended,MA-101,,,2030-01-09,2030-01-10,yes,School closed\n"
    )
    changes.write_text(good + "C-3,vehicle_change,NOPE,,,2030-01-09,,maybe,\n")
    refused = await _cli(database_url, "changes", "import", str(changes), cwd=tmp_path)
    assert refused.returncode == 1 and "line 4: is_urgent" in refused.stderr  # type: ignore[attr-defined]
    changes.write_text(good + "C-3,vehicle_change,NOPE,,,2030-01-09,,no,\n")
    refused = await _cli(database_url, "changes", "import", str(changes), cwd=tmp_path)
    assert refused.returncode == 1 and "line 4: route_code: no route NOPE" in refused.stderr  # type: ignore[attr-defined]
    assert await _rows(database_url, TransportChange) == []  # the good rows were rolled back too
    changes.write_text(good)
    imported = await _cli(database_url, "changes", "import", str(changes), cwd=tmp_path)
    assert imported.returncode == 0 and "Recorded 2 new change(s)" in imported.stdout  # type: ignore[attr-defined]
    # C-1: the carer in Telegram and a letter to Kit's dad (2030 is weeks away); C-2: four contacts on MA-101.
    channels = sorted(row.channel for row in await _rows(database_url, OutboxMessage))
    assert len(await _rows(database_url, TransportChange)) == 2 and channels == ["email", "letter", "sms", "sms", "sms", "telegram"]


async def test_call_list_csv_lists_families_to_telephone(database_url: str, tmp_path: Path) -> None:
    await _seed(database_url)
    await _link_a_carer(database_url, council_reference="KCC-100004")
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            await record_change(
                session,
                request=ChangeRequest(kind=ChangeKind.CANCELLED_TODAY, effective_from=utc_now().date(), recorded_by="o",
                                      route_code="TH-220", reason="The driver is ill"),
                now=utc_now(), council_phone="1",
            )
    finally:
        await database.dispose()
    out = tmp_path / "calls.csv"
    calls = await _cli(database_url, "changes", "call-list", "--csv", str(out), cwd=tmp_path)
    assert calls.returncode == 0, calls.stderr  # type: ignore[attr-defined]
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # Kit's dad holds only an address, and a letter cannot arrive today: nothing held, listed with the carer.
    assert [(row["council_reference"], row["reason"]) for row in rows] == [
        ("KCC-100004", "not_yet_sent"), ("KCC-100004", "no_contact_held"),
    ]
    assert rows[0]["change_kind"] == "cancelled_today" and rows[0]["carer_first_name"] == "Amira"
    assert rows[1]["tried"] == "not on Telegram; no mobile held; no email held; a letter would not arrive in time"


async def test_applications_record_stage_and_overdue(database_url: str, tmp_path: Path) -> None:
    await _seed(database_url)
    await _link_a_carer(database_url, council_reference="KCC-100005")
    recorded = await _cli(database_url, "applications", "record", "HTST-9", "KCC-100005", "--received-on", "2020-01-06", cwd=tmp_path)
    assert recorded.returncode == 0 and "1 carer message(s) queued" in recorded.stdout, recorded.stderr  # type: ignore[attr-defined]
    staged = await _cli(database_url, "applications", "stage", "HTST-9", "eligibility_decided", "--note-for-family", "Letter sent", cwd=tmp_path)
    assert "now eligibility_decided; 1 carer message(s) queued" in staged.stdout  # type: ignore[attr-defined]
    old_name = await _cli(database_url, "applications", "stage", "HTST-9", "under_review", "--note", "Looking again", cwd=tmp_path)
    assert "now under_review; 1 carer message(s) queued" in old_name.stdout, old_name.stderr  # type: ignore[attr-defined]
    listed = await _cli(database_url, "applications", "stage", "--help", cwd=tmp_path)
    assert "--note-for-family" in listed.stdout and "--note " not in listed.stdout  # type: ignore[attr-defined]
    overdue = await _cli(database_url, "applications", "overdue", cwd=tmp_path)
    rows = list(csv.DictReader(overdue.stdout.splitlines()))  # type: ignore[attr-defined]
    assert [(row["reference"], row["stage"], row["promised_by"]) for row in rows] == [("HTST-9", "under_review", "2020-02-03")]


def test_deliver_refuses_a_wrong_setting_in_one_line(tmp_path: Path) -> None:
    result = run_cli("deliver", env={"CARERLINE_BOT_TOKEN": "1:x", "CARERLINE_DELIVERY_RATE_PER_S": "-3"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["carerline: CARERLINE_DELIVERY_RATE_PER_S: Input should be greater than 0"]
