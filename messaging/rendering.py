"""Rendering the messages families receive, once for every channel: Telegram HTML, or plain text for SMS and email.

Templates live in templates/messages/<kind>.<channel>.j2 and take their words from the gettext catalogs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.lists import format_list
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

import templates
from core.i18n import catalog_keys, plain_text, text

MESSAGES_DIR = Path(templates.__file__).parent / "messages"
CHANNELS: tuple[str, ...] = ("telegram", "sms", "email")
# Every kind of message a family can receive; each has a template per channel (tests/templates/test_channels.py).
KINDS: tuple[str, ...] = (
    "transport_change",
    "change_reminder",
    "application_status",
    "complaint_update",
    "problem_update",
    "broadcast",
    "survey_invitation",
    "survey_reminder",
    "operator_disruption",
)
# Babel locales for dates: "en" alone would give American dates.
_DATE_LOCALES = {"en": "en_GB", "pl": "pl_PL"}
# A plain-text channel uses "plain.<key>" where the Telegram words would not work (buttons, "press Menu").
PLAIN_PREFIX = "plain."
_TAG = re.compile(r"</?[a-z]+>")
# Emoji and other pictographs: symbols (So) and the variation selector that follows them.
_PICTOGRAPH = re.compile(r"[\u2190-\u21ff\u2300-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001faff]\s?")


@lru_cache(maxsize=2)
def _environment(*, html: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(MESSAGES_DIR),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=False,
    )


@lru_cache(maxsize=None)
def _template(name: str, *, html: bool) -> Template:
    return _environment(html=html).get_template(name)


@lru_cache(maxsize=4096)
def day(value: date, *, language: str) -> str:
    """A date as people read it, through Babel: "Monday 1 December" / "poniedziałek 1 grudnia"."""
    return format_date(value, format="EEEE d MMMM", locale=_DATE_LOCALES.get(language, "en_GB"))


def names(values: list[str], *, language: str) -> str:
    """"Sam", "Sam and Ola", "Sam, Ola and Kit" in the carer's language."""
    return format_list(values, locale=language) if values else ""


def plain(value: str) -> str:
    """Telegram HTML made plain for SMS and email: no tags, no emoji."""
    return _PICTOGRAPH.sub("", _TAG.sub("", value)).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _translator(*, channel: str, language: str, defaults: dict[str, Any]) -> Callable[..., str]:
    if channel == "telegram":
        return lambda key, **values: Markup(text(key, language=language, **{**defaults, **values}))
    known = catalog_keys(language)

    def translate(key: str, **values: Any) -> str:
        chosen = PLAIN_PREFIX + key if PLAIN_PREFIX + key in known else key
        return plain(plain_text(chosen, language=language, **{**defaults, **values}))

    return translate


def render_message(kind: str, *, channel: str = "telegram", language: str, **context: Any) -> str:
    """Render one message `kind` (see KINDS) for a `channel` (see CHANNELS) in `language` ("en", "pl").

    - telegram: HTML for parse_mode HTML (values escaped); buttons are added by the caller.
    - sms: plain text, no emoji, no buttons or commands (a phone number or `link` instead); within the
      kind's fragment budget (messaging/sms_length.py).
    - email: plain text; the first line is the subject.
    `context` holds the kind's values (e.g. change, children, routes, phone, hours for a transport change);
    `phone` and `hours` also fill any catalog text that asks for them. Dates go in as `date`s.
    """
    if kind not in KINDS or channel not in CHANNELS:
        raise ValueError(f"no {channel!r} form of {kind!r}")
    defaults = {name: context[name] for name in ("phone", "hours") if name in context}
    translate = _translator(channel=channel, language=language, defaults=defaults)
    template = _template(f"{kind}.{channel}.j2", html=channel == "telegram")
    rendered = template.render(t=translate, day=lambda value: day(value, language=language), **context)
    lines = [line.rstrip() for line in rendered.strip().splitlines()]
    return "\n".join(line.lstrip() if channel != "telegram" else line for line in lines)


def button_label(key: str, *, language: str) -> str:
    """A button label (plain text, Telegram does not parse HTML in buttons)."""
    return plain_text(key, language=language)
