"""Export benchmark: time and peak memory for pseudonymised feedback exports in CSV, XLSX and JSON.

    python -m benchmarks.exports                        # 1,000 then 100,000 rows on SQLite
    python -m benchmarks.exports --rows 1000 100000 --backend postgresql
    python -m benchmarks.exports --rows 100000 --formats xlsx

Each export runs twice: once timed (nothing watching), once under tracemalloc for the peak of
Python allocations during the export (the rows already in the database are not counted). Every row
carries free text with a name, phone, email and postcode, so redaction is part of the cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from benchmarks.harness import fresh_database, postgres_server
from db.engine import Database
from db.models.carers import Carer, CarerChildLink, new_pseudonym
from db.models.casework import FeedbackItem
from db.models.transport import Child, Operator, Route, School
from db.types import utc_now
from reports.exports.kinds import ExportKind
from reports.exports.service import ExportRequest, export_to_file
from reports.exports.writers import ExportFormat
from services.staff.audit import Actor

FAMILIES = 1_000
INSERT_CHUNK = 5_000
FIRST_NAMES = ("Sarah", "Tom", "Aisha", "Piotr", "Grace", "Liam", "Maja", "Oliver")


async def _seed(database: Database, *, rows: int) -> None:
    """A school, a route, 1,000 families and `rows` feedback items with identities in their text."""
    rng = random.Random(2026)
    now = utc_now()
    async with database.transaction() as session:
        await session.exec(insert(School).values(id=1, code="SCH1", name="Oakwood School", district="Maidstone"))
        await session.exec(insert(Operator).values(id=1, code="OP1", name="Garden Cars"))
        await session.exec(insert(Route).values(id=1, code="R0001", operator_id=1, school_id=1,
                                                vehicle_type="Minibus", district="Maidstone", is_suspended=False, updated_at=now))
        await session.exec(insert(Child), params=[
            {"id": n, "council_reference": f"KCC-{n:06d}", "display_name": FIRST_NAMES[n % 8], "school_id": 1,
             "route_id": 1, "district": "Maidstone", "phase": "primary", "is_active": True, "updated_at": now}
            for n in range(1, FAMILIES + 1)
        ])
        await session.exec(insert(Carer), params=[
            {"id": n, "chat_id": 5_000_000 + n, "pseudonym": new_pseudonym(), "first_name": FIRST_NAMES[(n + 3) % 8],
             "language": "en", "muted_update_kinds": [], "created_at": now}
            for n in range(1, FAMILIES + 1)
        ])
        await session.exec(insert(CarerChildLink), params=[
            {"carer_id": n, "child_id": n, "linked_at": now} for n in range(1, FAMILIES + 1)
        ])
    for start in range(0, rows, INSERT_CHUNK):
        batch = []
        for n in range(start, min(rows, start + INSERT_CHUNK)):
            family = n % FAMILIES + 1
            batch.append({
                "carer_id": family, "child_id": family, "source": "bot", "rating": rng.randint(1, 5),
                "topic": "journey", "themes": ["lateness"], "sentiment": 0.0, "consent_to_quote": False,
                "text": f"{FIRST_NAMES[(family + 3) % 8]} here: the bus for {FIRST_NAMES[family % 8]} was 20 minutes "
                        f"late again. Ring 07700 900{n % 1000:03d} or mum{n}@example.com, ME14 1XQ.",
                "created_at": now - timedelta(minutes=n),
            })
        async with database.transaction() as session:
            await session.exec(insert(FeedbackItem), params=batch)


async def _export(database: Database, export_format: ExportFormat, folder: Path) -> int:
    path = folder / f"feedback.{export_format.value}"
    request = ExportRequest(kind=ExportKind.FEEDBACK, export_format=export_format)
    await export_to_file(database, actor=Actor.system("benchmark"), request=request, path=path)
    return path.stat().st_size


async def _measure(backend: str, rows: int, postgres: object, formats: list[ExportFormat]) -> None:
    async with fresh_database(backend, postgres=postgres) as url:  # type: ignore[arg-type]
        database = Database(url)
        try:
            started = time.perf_counter()
            await _seed(database, rows=rows)
            print(f"\n{backend}: {rows:,} feedback rows seeded in {time.perf_counter() - started:.1f} s")
            with tempfile.TemporaryDirectory(prefix="carerline-exports-") as folder:
                for export_format in formats:
                    started = time.perf_counter()
                    size = await _export(database, export_format, Path(folder))
                    elapsed_s = time.perf_counter() - started
                    print(f"  {export_format.value:5} {rows:>7,} rows  {elapsed_s:6.1f} s  (peak memory next)", flush=True)
                    tracemalloc.start()
                    await _export(database, export_format, Path(folder))
                    _, peak = tracemalloc.get_traced_memory()
                    tracemalloc.stop()
                    print(f"  {export_format.value:5} {rows:>7,} rows  {elapsed_s:6.1f} s  "
                          f"{rows / elapsed_s:8,.0f} rows/s  peak {peak / 2**20:6.1f} MiB  file {size / 2**20:6.1f} MiB")
        finally:
            await database.dispose()


async def main(rows: list[int], backend: str, formats: list[ExportFormat]) -> None:
    """Run the export benchmark for each size."""
    with postgres_server() if backend == "postgresql" else contextlib.nullcontext() as postgres:
        for count in rows:
            await _measure(backend, count, postgres, formats)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--formats", type=ExportFormat, nargs="+", default=list(ExportFormat))
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rows, arguments.backend, arguments.formats))
