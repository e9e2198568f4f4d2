"""`carerline export` as a person runs it: pseudonymised complaints carry case keys, and without the secret
the command says which setting is missing and exits 2."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from db.engine import Database
from db.models.casework import Complaint, ComplaintStatus
from tests.carerline.test_cli import run_cli
from tests.support.factories import make_family
from tests.support.staff import TEST_CASE_KEY_SECRET


async def test_export_complaints_by_case_key_and_refuse_without_the_secret(database_url: str, tmp_path: Path) -> None:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            carer, child = await make_family(session, carer_name="Bernadette", child_name="Tobias")
            session.add(Complaint(reference="HTST-2026-00042", carer_id=carer.id, child_id=child.id, category="service_delivery",
                                  description="Tobias was left behind", status=ComplaintStatus.AWAITING_RESPONSE,
                                  stage1_received_at=carer.created_at))
    finally:
        await database.dispose()
    output = tmp_path / "complaints.csv"
    env = {"CARERLINE_DATABASE_URL": database_url}
    refused = run_cli("export", "complaints", "--format", "csv", "-o", str(output), env=env, cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().startswith("carerline: CARERLINE_CASE_KEY_SECRET is missing")
    assert not output.exists()
    made = run_cli("export", "complaints", "--format", "csv", "-o", str(output),
                   env={**env, "CARERLINE_CASE_KEY_SECRET": TEST_CASE_KEY_SECRET}, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    [row] = list(csv.DictReader(output.open(encoding="utf-8")))
    assert re.fullmatch(r"K-[0-9A-F]{16}", row["case_key"]) and "reference" not in row and "HTST-" not in output.read_text()
