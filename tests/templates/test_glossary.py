"""One name for each thing: no parent-facing text uses a name docs/glossary.md retired."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.i18n import SUPPORTED_LANGUAGES, catalog_files, load_catalogs

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
MESSAGE_TEMPLATES = ROOT / "templates" / "messages"
# The README keeps API paths, permissions and CLI output as they are; its prose uses the link code's one name.
README_TERMS = ("reference code", "linking code")
# Catalogs only transport companies' staff read (the operator flow in the bot), and the retired names that stay
# retired for families only: families do not know the word "operator", but operators' staff use it of themselves.
OPERATOR_CATALOGS = ("operator_bot.po",)
FAMILY_ONLY_NAMES = ("operator",)


def retired_names() -> dict[str, list[str]]:
    """The "Not" columns of the glossary table, per language."""
    names: dict[str, list[str]] = {"en": [], "pl": []}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0].startswith(("Use", "---")):
            continue
        for language, cell in (("en", cells[3]), ("pl", cells[4])):
            names[language] += [name.strip() for name in cell.split(";") if name.strip()]
    return names


def names_for(catalog: str, language: str) -> list[str]:
    """The retired names one catalog file must not use."""
    names = retired_names()[language]
    return [name for name in names if name not in FAMILY_ONLY_NAMES] if catalog in OPERATOR_CATALOGS else names


def _pattern(name: str) -> re.Pattern[str]:
    start = r"(?<!\w)" if name[0].isalnum() else ""
    end = r"(?!\w)" if name[-1].isalnum() else ""
    return re.compile(start + re.escape(name) + end, re.IGNORECASE)


def _uses(texts: dict[str, str], names: list[str]) -> dict[str, str]:
    found = {}
    for where, value in texts.items():
        value = re.sub(r"\{[a-z_]+\}", "", value)  # a placeholder's name ({operator}) is not a word a parent reads
        for name in names:
            if _pattern(name).search(value):
                found[where] = name
    return found


def test_the_glossary_lists_retired_names() -> None:
    names = retired_names()
    assert "reference code" in names["en"] and "Widziałem" in names["pl"]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_no_catalog_text_uses_a_retired_name(language: str) -> None:
    found = {}
    for path, catalog in zip(catalog_files(language), load_catalogs(language), strict=True):
        texts = {str(m.id): str(m.string) for m in catalog if m.id and m.string}
        found |= _uses(texts, names_for(path.name, language))
    assert found == {}


def test_operator_is_retired_for_families_only() -> None:
    assert "operator" in names_for("operators.po", "en") and "operator" not in names_for("operator_bot.po", "en")
    assert "council's transport team" in names_for("operator_bot.po", "en")


def test_no_message_template_uses_a_retired_name() -> None:
    texts = {path.name: path.read_text(encoding="utf-8") for path in MESSAGE_TEMPLATES.glob("*.j2")}
    assert _uses(texts, retired_names()["en"] + retired_names()["pl"]) == {}


def test_the_readme_calls_the_link_code_by_its_name() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    prose = re.sub(r"`[^`]*`", "", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    assert _uses({"README.md": prose}, list(README_TERMS)) == {}


def test_a_retired_name_is_caught() -> None:
    assert _uses({"x": "Please type the reference code from your letter."}, retired_names()["en"]) == {"x": "reference code"}
