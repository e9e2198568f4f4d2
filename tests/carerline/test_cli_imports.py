"""Every `carerline` call loads the command tree, so the tree itself must not load the database or report stack."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY_PACKAGES = ("sqlalchemy", "sqlmodel", "pydantic", "openpyxl", "numpy", "telegram", "aiohttp", "services", "messaging")


@pytest.mark.parametrize("module", ["carerline.cli", "carerline.cli.delivery"])
def test_the_command_tree_loads_no_heavy_package(module: str) -> None:
    probe = (
        f"import sys, {module}\n"
        f"heavy = sorted({{name.split('.')[0] for name in sys.modules}} & set({HEAVY_PACKAGES!r}))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{module} loads {result.stdout.strip()} when imported"
