"""Texts chosen at run time (one per change kind and application stage) exist in every language and render."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from core.i18n import SUPPORTED_LANGUAGES, text
from db.models import ApplicationStage, ChangeKind
from messaging.rendering import render_message
from sandbox.emulator import parse_html


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("kind", list(ChangeKind))
def test_every_change_kind_renders_valid_telegram_html(language: str, kind: ChangeKind) -> None:
    change = SimpleNamespace(
        kind=kind.value, is_urgent=True, old_value="<old & value>", new_value="new", effective_from=date(2027, 1, 4),
        effective_until=date(2027, 1, 8) if kind == ChangeKind.ROUTE_SUSPENDED else None, reason="Because <b>",
    )
    for is_reminder in (False, True):
        kind_of_message = "change_reminder" if is_reminder else "transport_change"
        rendered = render_message(kind_of_message, language=language, change=change, children="Sam & Ola",
                                  routes="MA-101", phone="03000 41 00 00", hours="9-5", is_reminder=is_reminder)
        parsed = parse_html(rendered, strict_ampersands=True)
        assert "Sam & Ola" in parsed.text and "<old & value>" in parsed.text


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("stage", list(ApplicationStage))
def test_every_application_stage_has_its_texts(language: str, stage: ApplicationStage) -> None:
    rendered = render_message("application_status", language=language, stage=stage.value, child="Sam",
                              reference="HTST-1", note="Call us <soon>", phone="1", hours="9-5")
    assert "Sam" in parse_html(rendered, strict_ampersands=True).text
    assert text(f"updates.my_application.stage.{stage.value}", language=language)
