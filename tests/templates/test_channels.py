"""Every message kind is written once for every channel: Telegram, and plain text for SMS and email within budget."""

from __future__ import annotations

import re

import pytest

from core.i18n import SUPPORTED_LANGUAGES
from messaging.limits import MAX_MESSAGE_CHARACTERS
from messaging.rendering import CHANNELS, KINDS, MESSAGES_DIR, render_message
from messaging.sms_length import is_gsm, sms_characters, sms_fragments
from tests.support.message_samples import samples

# SMS fragments a kind may cost with realistic values, per language (Polish needs UCS-2: 67 characters a fragment).
SMS_BUDGETS: dict[str, dict[str, int]] = {
    # The signed "I have seen this" link (about 61 characters) costs a change notice one more fragment at most.
    "transport_change": {"en": 3, "pl": 5},
    "change_reminder": {"en": 3, "pl": 6},
    "application_status": {"en": 3, "pl": 6},
    "complaint_update": {"en": 4, "pl": 8},
    "problem_update": {"en": 2, "pl": 5},
    "broadcast": {"en": 2, "pl": 3},
    "survey_invitation": {"en": 2, "pl": 5},
    "survey_reminder": {"en": 2, "pl": 4},
    "operator_disruption": {"en": 4, "pl": 8},
}
# A signed "I have seen this" link as the Notify worker puts it in (messaging/ack_links.py: about 26 characters of token).
SAMPLE_ACK_LINK = "https://carerline.kent.gov.uk/seen/" + "x" * 26


def _with_link(rendered: str) -> str:
    return rendered.replace("{ack_link}", SAMPLE_ACK_LINK)


# Words that only make sense in Telegram: buttons, commands, "press", "this chat".
TELEGRAM_ONLY = re.compile(
    r"\bpress\b|\btap\b|\bbuttons?\b|(^|\s)/[a-z]+|\bmenu\b|\bthis chat\b|naciśnij|przycisk|\bczat",
    re.IGNORECASE,
)
PICTOGRAPH = re.compile(r"[\u2190-\u21ff\u2300-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001faff]")


def test_every_kind_has_a_form_for_every_channel() -> None:
    missing = [f"{kind}.{channel}.j2" for kind in KINDS for channel in CHANNELS if not (MESSAGES_DIR / f"{kind}.{channel}.j2").exists()]
    assert missing == []
    assert set(SMS_BUDGETS) == set(KINDS), "every kind needs an SMS budget"


def test_an_unknown_kind_or_channel_is_refused() -> None:
    with pytest.raises(ValueError):
        render_message("transport_change", channel="fax", language="en")


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_plain_forms_have_no_buttons_commands_html_or_emoji(language: str, channel: str) -> None:
    problems = {}
    for sample in samples(language):
        rendered = render_message(sample.kind, channel=channel, language=language, **sample.context)
        found = TELEGRAM_ONLY.search(rendered) or PICTOGRAPH.search(rendered) or re.search(r"</?[a-z]+>", rendered)
        if found:
            problems[f"{sample.kind} {sample.label}"] = found.group(0)
    assert problems == {}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_sms_forms_fit_their_fragment_budget(language: str) -> None:
    over = {}
    for sample in samples(language):
        rendered = _with_link(render_message(sample.kind, channel="sms", language=language, **sample.context))
        budget = SMS_BUDGETS[sample.kind][language]
        if sms_fragments(rendered) > budget:
            over[f"{sample.kind} {sample.label}"] = f"{sms_fragments(rendered)} fragments > {budget}: {rendered!r}"
    assert over == {}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_no_message_passes_918_characters_even_with_officers_text_at_its_limit(language: str, channel: str) -> None:
    over = {}
    for sample in samples(language, at_limits=True):
        rendered = _with_link(render_message(sample.kind, channel=channel, language=language, **sample.context))
        if sms_characters(rendered) > MAX_MESSAGE_CHARACTERS:
            over[f"{sample.kind} {sample.label}"] = sms_characters(rendered)
    assert over == {}


def test_english_plain_forms_stay_in_the_gsm_alphabet() -> None:
    not_gsm = {}
    for sample in samples("en"):
        rendered = render_message(sample.kind, channel="sms", language="en", **sample.context)
        if not is_gsm(rendered):
            not_gsm[f"{sample.kind} {sample.label}"] = sorted({char for char in rendered if not is_gsm(char)})
    assert not_gsm == {}


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("a" * 918, 6),
        ("€" * 80, 1), ("€" * 81, 2),  # an extension character counts twice
        ("ł" * 70, 1), ("ł" * 71, 2), ("ł" * 134, 2), ("ł" * 135, 3),
        ("a" * 69 + "⚠️", 2),  # one emoji makes the whole message UCS-2
        ("", 1),
    ],
)
def test_fragments_are_counted_as_notify_counts_them(text: str, fragments: int) -> None:
    assert sms_fragments(text) == fragments
