"""`carerline codes issue` as an officer runs it: a real process, a real database, codes that really link."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

from sqlmodel import select

from db.engine import Database
from db.models import LinkingCode
from services.carers.codes import hash_code, normalise_code
from tests.carerline.test_cli import run_cli
from tests.support.factories import make_child, make_linking_code


async def _children(database_url: str, count: int) -> list[str]:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            children = [await make_child(session, display_name=f"Child {n}") for n in range(count)]
            await make_linking_code(session, child=children[0])  # already has a usable code
            return [child.council_reference for child in children]
    finally:
        await database.dispose()


async def _stored_hashes(database_url: str) -> set[str]:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            return {code.code_hash for code in (await session.exec(select(LinkingCode))).all()}
    finally:
        await database.dispose()


def _env(database_url: str) -> dict[str, str]:
    return {"CARERLINE_DATABASE_URL": database_url, "CARERLINE_BOT_USERNAME": "KentCarerlineBot"}


async def test_issue_for_one_child_prints_the_code_and_the_deep_link(database_url: str, tmp_path: Path) -> None:
    [reference] = await _children(database_url, 1)
    result = await asyncio.to_thread(run_cli, "codes", "issue", "--child", reference, env=_env(database_url), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ref, shown, link, *_ = result.stdout.split()
    assert ref == reference
    code = normalise_code(shown)
    assert code is not None and len(shown) == 12 and shown[4] == "-" and shown[9] == "-"
    assert link == f"https://t.me/KentCarerlineBot?start={code}"
    assert hash_code(code) in await _stored_hashes(database_url)
    assert code not in str(await _stored_hashes(database_url))  # only the hash is kept


async def test_bulk_issue_writes_a_mail_merge_csv_for_children_without_a_code(database_url: str, tmp_path: Path) -> None:
    references = await _children(database_url, 4)
    out = tmp_path / "letters.csv"
    result = await asyncio.to_thread(
        run_cli, "codes", "issue", "--all-without-code", "--csv", str(out), env=_env(database_url), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert sorted(row["council_reference"] for row in rows) == sorted(references[1:])
    assert all(row["deep_link"].endswith(row["code"].replace("-", "")) for row in rows)
    assert "Issued 3 code(s)" in result.stdout


async def test_unknown_references_are_named_and_exit_non_zero(database_url: str, tmp_path: Path) -> None:
    [known] = await _children(database_url, 1)
    refs = tmp_path / "refs.csv"
    refs.write_text(f"council_reference\n{known}\nKCC-NOPE\n", encoding="utf-8")
    result = await asyncio.to_thread(run_cli, "codes", "issue", "--from-csv", str(refs), env=_env(database_url), cwd=tmp_path)
    assert result.returncode == 1
    assert "KCC-NOPE" in result.stderr
    assert result.stdout.startswith(known)


def test_issue_without_bot_username_names_the_variable(tmp_path: Path) -> None:
    result = run_cli("codes", "issue", "--child", "X", cwd=tmp_path)
    assert result.returncode == 2
    assert "CARERLINE_BOT_USERNAME" in result.stderr
