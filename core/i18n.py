"""Every text a parent reads, looked up by key in a gettext catalog (templates/locale)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

import templates

LOCALE_DIR = Path(templates.__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "pl")
LANGUAGE_NAMES: Mapping[str, str] = {"en": "English", "pl": "Polski"}


class MissingTextError(KeyError):
    """A key is not in the catalog: a programming error caught by the catalog tests."""


def language_for(telegram_language_code: str | None) -> str:
    """Pick our language from Telegram's IETF code ('pl', 'pl-PL'); English otherwise."""
    if not telegram_language_code:
        return DEFAULT_LANGUAGE
    primary = telegram_language_code.split("-")[0].lower()
    return primary if primary in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def catalog_files(language: str) -> list[Path]:
    """Every .po file of one language; each area of the bot keeps its texts in its own file."""
    return sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))


@lru_cache(maxsize=None)
def load_catalogs(language: str) -> tuple[Catalog, ...]:
    """Parse the language's .po files once."""
    catalogs = []
    for path in catalog_files(language):
        with path.open("rb") as handle:
            catalogs.append(read_po(handle, locale=language))
    return tuple(catalogs)


@lru_cache(maxsize=None)
def _messages(language: str) -> dict[str, str]:
    return {
        str(message.id): str(message.string)
        for catalog in load_catalogs(language)
        for message in catalog
        if message.id and message.string
    }


def text(key: str, *, language: str, **values: object) -> str:
    """The text for `key` in `language`, with values HTML-escaped for parse_mode HTML."""
    messages = _messages(language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE)
    template = messages.get(key) or _messages(DEFAULT_LANGUAGE).get(key)
    if template is None:
        raise MissingTextError(key)
    escaped = {name: html.escape(str(value), quote=False) for name, value in values.items()}
    return template.format(**escaped)


def plain_text(key: str, *, language: str, **values: object) -> str:
    """The text for `key` without HTML escaping, for button labels and file names."""
    messages = _messages(language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE)
    template = messages.get(key) or _messages(DEFAULT_LANGUAGE).get(key)
    if template is None:
        raise MissingTextError(key)
    return template.format(**{name: str(value) for name, value in values.items()})


def catalog_keys(language: str) -> set[str]:
    """Every key with a translation in one catalog."""
    return set(_messages(language))
