"""README is the operator's manual: every setting is documented, and the two set-up commands are there."""

from __future__ import annotations

import re
from pathlib import Path

from core.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_configuration_table() -> None:
    text = README.read_text()
    missing = [f"CARERLINE_{name.upper()}" for name in Settings.model_fields if f"`CARERLINE_{name.upper()}`" not in text]
    assert missing == []


def test_readme_gives_exactly_the_two_set_up_commands_ci_runs() -> None:
    text = README.read_text()
    section = text.split("## Set up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(make \w+)", section, flags=re.MULTILINE)
    assert commands == ["make sandbox", "make test"]
    ci = (README.parent / ".ci" / "run").read_text()
    assert "make test" in ci
