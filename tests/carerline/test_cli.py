"""The `carerline` command as a person runs it: a real process, its output and exit code."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.postgres import free_port

CARERLINE = [sys.executable, "-m", "carerline"]


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("CARERLINE_")}
    clean_env.update(env or {})
    return subprocess.run([*CARERLINE, *args], capture_output=True, text=True, env=clean_env, cwd=cwd, timeout=60)


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("serve", "sandbox", "db", "seed-demo"):
        assert command in result.stdout


@pytest.mark.parametrize(
    "database_url",
    ["mysql://someone@somewhere/db", "::not a url::", "postgresql://nobody@127.0.0.1:{free_port}/carerline"],
    ids=["unsupported driver", "not a url", "nobody listening"],
)
def test_bad_database_url_prints_one_line_and_exits_2(database_url: str, tmp_path: Path) -> None:
    database_url = database_url.format(free_port=free_port())
    result = run_cli("serve", env={"CARERLINE_DATABASE_URL": database_url, "CARERLINE_BOT_TOKEN": "1:x"}, cwd=tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "CARERLINE_DATABASE_URL" in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_token_names_the_variable(tmp_path: Path) -> None:
    result = run_cli("serve", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "carerline: CARERLINE_BOT_TOKEN is missing: set it to the token BotFather gave you"
    ]


async def test_db_upgrade_reports_the_revision(database_url: str, tmp_path: Path) -> None:
    env = {"CARERLINE_DATABASE_URL": database_url}
    result = await asyncio.to_thread(run_cli, "db", "upgrade", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Database is at revision" in result.stdout
    current = await asyncio.to_thread(run_cli, "db", "current", env=env, cwd=tmp_path)
    assert current.stdout.strip() == result.stdout.strip().removeprefix("Database is at revision ").rstrip(".")
