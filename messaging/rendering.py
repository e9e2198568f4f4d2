"""Rendering proactive messages: Jinja2 templates in templates/messages, texts from the gettext catalogs."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.lists import format_list
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

import templates
from core.i18n import plain_text, text

MESSAGES_DIR = Path(templates.__file__).parent / "messages"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(MESSAGES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=False,
    )


@lru_cache(maxsize=None)
def _template(name: str) -> Template:
    return _environment().get_template(name)


@lru_cache(maxsize=4096)
def day(value: date, *, language: str) -> str:
    """A date as people read it: "Monday 1 December" / "poniedziałek 1 grudnia"."""
    return format_date(value, format="EEEE d MMMM", locale=language)


def names(values: list[str], *, language: str) -> str:
    """"Sam", "Sam and Ola", "Sam, Ola and Kit" in the carer's language."""
    return format_list(values, locale=language) if values else ""


def render_message(name: str, *, language: str, **context: Any) -> str:
    """Render a message template to Telegram HTML in `language` (values escaped, texts from catalogs)."""

    def translate(key: str, **values: Any) -> Markup:
        return Markup(text(key, language=language, **values))

    rendered = _template(name).render(t=translate, day=lambda value: day(value, language=language), **context)
    return "\n".join(line.rstrip() for line in rendered.strip().splitlines())


def button_label(key: str, *, language: str) -> str:
    """A button label (plain text, Telegram does not parse HTML in buttons)."""
    return plain_text(key, language=language)
