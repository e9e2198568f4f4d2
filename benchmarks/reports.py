"""Year-report benchmark: the parental-views section (HTML, DOCX, PDF) and the SitRep over a seeded year, time and peak memory.

    python -m benchmarks.reports                                    # 50,000 then 500,000 items, SQLite and PostgreSQL
    python -m benchmarks.reports --items 50000 --backends sqlite --formats html sitrep

Each size gets a fresh database seeded by benchmarks/report_seed.py: `items` pieces of feedback in 2025-26 and
half as many in 2024-25, carers, complaints, problems and change notices in proportion, in time order as they
would arrive (PostgreSQL then gets VACUUM ANALYZE, as autovacuum would). Each format is produced twice, each
time in a fresh subprocess so peaks do not mix:
- timed: build the figures in one transaction, then render, as `carerline report` does (the format's modules
  are imported before the clock starts, as in a running service); peak RSS is the process's
  resource.getrusage ru_maxrss, imports and the redaction word lists included;
- traced: the same under tracemalloc, for the peak of Python allocations made while producing it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime

from benchmarks.harness import fresh_database, postgres_server
from benchmarks.report_seed import seed_report_year
from db.dao.demo_bulk import vacuum_and_analyze
from db.engine import Database
from services.calendar.periods import AcademicYear

YEAR = AcademicYear.parse("2025-26")
REPORT_NOW = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)
SITREP_NOW = datetime(2026, 7, 15, 9, 0, tzinfo=UTC)
FORMATS = ("html", "docx", "pdf", "sitrep")
NEEDS = {
    "html": ("reports.parental_views.service", "reports.parental_views.render_html"),
    "docx": ("reports.parental_views.service", "reports.parental_views.render_docx"),
    "pdf": ("reports.parental_views.service", "reports.parental_views.render_pdf", "weasyprint"),
    "sitrep": ("reports.sitrep",),
}


async def _produce(database_url: str, what: str) -> int:
    """Produce one report; its size in bytes."""
    database = Database(database_url)
    try:
        if what == "sitrep":
            from reports.sitrep import build_sitrep, render_sitrep_csv, render_sitrep_html

            async with database.transaction() as session:
                sitrep = await build_sitrep(session, now=SITREP_NOW)
            return len(render_sitrep_html(sitrep).encode()) + len(render_sitrep_csv(sitrep).encode())
        from reports.parental_views.enums import ReportFormat
        from reports.parental_views.service import produce_parental_views

        rendered = await produce_parental_views(database, year=YEAR, report_format=ReportFormat(what), now=REPORT_NOW)
        return len(rendered.content)
    finally:
        await database.dispose()


def _measure_here(database_url: str, what: str, *, is_traced: bool) -> dict[str, float]:
    """In the child process: import everything, then produce once; time, peaks and size."""
    import importlib
    import resource
    import tracemalloc

    for module in NEEDS[what]:  # what a running service has loaded already: not timed
        importlib.import_module(module)
    if is_traced:
        tracemalloc.start()
    started = time.perf_counter()
    size = asyncio.run(_produce(database_url, what))
    elapsed_s = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if is_traced else 0
    return {"seconds": elapsed_s, "bytes": size, "traced_peak_mib": peak / 2**20,
            "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _in_subprocess(database_url: str, what: str, *, is_traced: bool) -> dict[str, float]:
    command = [sys.executable, "-m", "benchmarks.reports", "--measure", what, "--database-url", database_url]
    if is_traced:
        command.append("--traced")
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"measuring {what} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


async def _run(backend: str, items: int, formats: list[str], postgres: object) -> None:
    async with fresh_database(backend, postgres=postgres) as url:  # type: ignore[arg-type]
        database = Database(url)
        try:
            started = time.perf_counter()
            seeded = await seed_report_year(database, year=YEAR, items=items,
                                            on_step=lambda line: print(f"  seeding {line}", flush=True))
            if backend == "postgresql":
                await vacuum_and_analyze(database.engine)
            print(f"{backend}: {items:,} items in {YEAR.label} seeded in {time.perf_counter() - started:.1f} s "
                  f"({seeded.feedback:,} feedback in two years, {seeded.carers:,} carers, {seeded.complaints:,} complaints, "
                  f"{seeded.problems:,} problems, {seeded.notices:,} change notices)", flush=True)
        finally:
            await database.dispose()
        print("| backend | items | format | time | peak RSS | traced peak | output |", flush=True)
        for what in formats:
            timed = await asyncio.to_thread(_in_subprocess, url, what, is_traced=False)
            traced = await asyncio.to_thread(_in_subprocess, url, what, is_traced=True)
            print(f"| {backend} | {items:,} | {what.upper()} | {timed['seconds']:.2f} s | {timed['max_rss_mib']:.0f} MiB | "
                  f"{traced['traced_peak_mib']:.1f} MiB | {timed['bytes'] / 1024:,.0f} KiB |", flush=True)


async def main(items: list[int], backends: list[str], formats: list[str]) -> None:
    """Seed and measure every size on every backend."""
    for backend in backends:
        with postgres_server() if backend == "postgresql" else contextlib.nullcontext() as postgres:
            for count in items:
                await _run(backend, count, formats, postgres)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[50_000, 500_000])
    parser.add_argument("--backends", choices=("sqlite", "postgresql"), nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--formats", choices=FORMATS, nargs="+", default=list(FORMATS))
    parser.add_argument("--measure", choices=FORMATS, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        print(json.dumps(_measure_here(arguments.database_url, arguments.measure, is_traced=arguments.traced)))
    else:
        asyncio.run(main(arguments.items, arguments.backends, arguments.formats))
