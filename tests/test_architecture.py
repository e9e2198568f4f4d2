"""The house plan, kept by tests: contracts hold, no import circles, small modules, domains in packages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("carerline", "core", "bot", "web", "reports", "services", "messaging", "db", "templates", "sandbox")
MAX_MODULE_LINES = 400
# "About 12": a package past this wants splitting by what its modules are about.
MAX_MODULES_PER_PACKAGE = 14
# Folders whose size is set from outside: one file per Alembic revision, one per table family.
SIZE_EXEMPT = {ROOT / "db" / "migrations" / "versions"}


def _python_files() -> list[Path]:
    folders = [ROOT / name for name in (*PACKAGES, "tests", "benchmarks")]
    return sorted(path for folder in folders for path in folder.rglob("*.py") if "__pycache__" not in path.parts)


def test_import_linter_contracts_hold() -> None:
    """`lint-imports` (contracts in pyproject.toml) passes: no arrow points up a layer."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_import_circles_between_modules() -> None:
    """Tarjan's strongly connected components over every import, function-level and TYPE_CHECKING ones too."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=False)
    circles = _strongly_connected(graph)
    assert circles == [], "import circles: " + "; ".join(" <-> ".join(circle) for circle in circles)


def _strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    modules = sorted(graph.modules)
    edges = {module: sorted(graph.find_modules_directly_imported_by(module) & set(modules)) for module in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(edges[successor])))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_services_holds_only_domain_packages() -> None:
    """No module directly in services/ but its __init__; each domain package says what it owns."""
    services = ROOT / "services"
    loose = [path.name for path in services.glob("*.py") if path.name != "__init__.py"]
    assert loose == []
    for package in sorted(path for path in services.iterdir() if path.is_dir() and path.name != "__pycache__"):
        docstring = (package / "__init__.py").read_text(encoding="utf-8").strip()
        assert docstring.startswith('"""') and len(docstring) > 20, f"{package.name}/__init__.py says what it owns"


@pytest.mark.parametrize("path", _python_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_modules_stay_under_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by what it is about"


def test_no_package_is_a_drawer_of_everything() -> None:
    crowded = {}
    for folder in {path.parent for path in _python_files()} - SIZE_EXEMPT:
        if folder.is_relative_to(ROOT / "tests"):
            continue
        modules = [path for path in folder.glob("*.py") if path.name != "__init__.py"]
        if len(modules) > MAX_MODULES_PER_PACKAGE:
            crowded[str(folder.relative_to(ROOT))] = len(modules)
    assert crowded == {}
