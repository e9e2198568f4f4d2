"""Polish dates come out in the nominative ("wtorek 13 stycznia"), so none may follow a preposition."""

from __future__ import annotations

import re

import pytest

from core.i18n import load_catalogs
from messaging.rendering import CHANNELS, render_message
from tests.support.message_samples import samples

# Placeholders filled with a Babel date ("środa 30 września"); times ("{start} do {end}" in quiet hours) are fine.
DATE_PLACEHOLDERS = (
    "date", "start", "end", "closes", "respond_by", "acknowledge_by", "review_by", "reported_on", "resolved_on",
    "restart", "promised_by", "due", "decided_on",
)
TIME_KEYS = {"settings.quiet_on", "settings.quiet_choice", "data.quiet", "transport.pickup"}
PREPOSITIONS = r"od|do|z dnia|w dniu|dnia|przed|po|na|w|we|z|ze|dla|około|między|otrzymany|otrzymana"
DATE_AFTER_PREPOSITION = re.compile(
    rf"(?<!\w)({PREPOSITIONS})\s+(<b>)?\{{({'|'.join(DATE_PLACEHOLDERS)})\}}", re.IGNORECASE
)
WEEKDAYS = "poniedziałek|wtorek|środa|czwartek|piątek|sobota|niedziela"
WEEKDAY_AFTER_PREPOSITION = re.compile(rf"(?<!\w)({PREPOSITIONS})\s+(<b>)?({WEEKDAYS})(?!\w)", re.IGNORECASE)


def test_no_polish_catalog_text_puts_a_date_after_a_preposition() -> None:
    found = {
        str(message.id): match.group(0)
        for catalog in load_catalogs("pl")
        for message in catalog
        if message.id and message.string and str(message.id) not in TIME_KEYS
        for match in [DATE_AFTER_PREPOSITION.search(str(message.string))]
        if match
    }
    assert found == {}, "write 'Termin: {date}' or 'Pierwszy dzień: {date}' instead"


@pytest.mark.parametrize("channel", CHANNELS)
def test_no_polish_message_has_a_weekday_in_the_wrong_case(channel: str) -> None:
    found = {}
    for sample in samples("pl"):
        rendered = render_message(sample.kind, channel=channel, language="pl", **sample.context)
        match = WEEKDAY_AFTER_PREPOSITION.search(rendered)
        if match:
            found[f"{sample.kind} {sample.label}"] = match.group(0)
    assert found == {}


def test_a_weekday_after_od_is_caught() -> None:
    assert WEEKDAY_AFTER_PREPOSITION.search("Od wtorek 13 stycznia do piątek 30 stycznia")
    assert DATE_AFTER_PREPOSITION.search("Od <b>{start}</b> do <b>{end}</b>")
