"""Every text a parent reads exists in every language, with the same placeholders, and valid HTML."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from core.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, catalog_keys, load_catalogs, plain_text
from sandbox.emulator import parse_html

ROOT = Path(__file__).resolve().parents[2]
CODE_FOLDERS = ("bot", "services", "carerline", "messaging", "web", "reports")
TEXT_FUNCTIONS = {"text", "plain_text", "button", "visible", "label"}


def _messages(language: str) -> dict[str, str]:
    return {str(m.id): str(m.string) for catalog in load_catalogs(language) for m in catalog if m.id}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _keys_used_in_code() -> dict[str, str]:
    """Literal first arguments of text("..."), plain_text("...") and button("...") calls, with where they are."""
    used: dict[str, str] = {}
    for folder in CODE_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                first = node.args[0]
                if name in TEXT_FUNCTIONS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    used[first.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return used


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_key_is_translated_in_every_language(language: str) -> None:
    english = _messages(DEFAULT_LANGUAGE)
    other = _messages(language)
    assert sorted(set(english) - set(other)) == [], f"missing in {language}"
    assert sorted(set(other) - set(english)) == [], f"only in {language}"
    assert [key for key, value in other.items() if not value.strip()] == [], f"empty in {language}"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_placeholders_are_the_same_in_every_language(language: str) -> None:
    english = _messages(DEFAULT_LANGUAGE)
    other = _messages(language)
    different = {key: (_placeholders(english[key]), _placeholders(other[key])) for key in english if key in other}
    assert {key: pair for key, pair in different.items() if pair[0] != pair[1]} == {}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_text_is_valid_telegram_html(language: str) -> None:
    for key, template in _messages(language).items():
        filled = template.format(**{name: "x" for name in _placeholders(template)})
        parse_html(filled, strict_ampersands=True)  # raises on anything Telegram would reject


def test_every_key_used_in_code_exists() -> None:
    used = _keys_used_in_code()
    assert len(used) > 50, "the scan of the code found too few keys to be working"
    known = catalog_keys(DEFAULT_LANGUAGE)
    dynamic_prefixes = ("settings.kind.",)
    missing = {key: where for key, where in used.items() if key not in known and not key.endswith(".") and not key.startswith(dynamic_prefixes)}
    assert missing == {}


def test_keys_built_at_run_time_exist() -> None:
    from bot.menu import COMMANDS
    from db.models import UPDATE_KINDS
    from services.carers.linking import LinkOutcome

    keys = [f"settings.kind.{kind}" for kind in UPDATE_KINDS] + [key for _, key in COMMANDS]
    keys += [f"linking.{outcome}" for outcome in LinkOutcome]
    for language in SUPPORTED_LANGUAGES:
        for key in keys:
            assert plain_text(key, language=language, **{name: "x" for name in ("child", "phone", "hours", "time")}), key


def test_command_descriptions_fit_telegram_limits() -> None:
    from bot.menu import bot_commands

    for language in SUPPORTED_LANGUAGES:
        for command in bot_commands(language):
            assert 1 <= len(command.description) <= 256
