"""Unit tests of the Telegram-style HTML parser (no HTTP)."""

from __future__ import annotations

import pytest

from sandbox.emulator.bot_api.html_entities import (
    HtmlParseError,
    parse_html,
    strip_visible_text,
    utf16_length,
)


def test_entities_use_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>Zażółć</b> <i>👍</i>")
    assert parsed.text == "😀 Zażółć 👍"
    assert parsed.entities == [
        {"offset": 3, "length": 6, "type": "bold"},
        {"offset": 10, "length": 2, "type": "italic"},
    ]
    assert utf16_length(parsed.text) == 12


def test_nested_entities_are_sorted_outer_first() -> None:
    parsed = parse_html("<b>bold <i>both</i></b>")
    assert parsed.entities == [
        {"offset": 0, "length": 9, "type": "bold"},
        {"offset": 5, "length": 4, "type": "italic"},
    ]


def test_links_mentions_code_and_custom_emoji() -> None:
    parsed = parse_html(
        '<a href="https://example.com/a?b=1&amp;c=2">site</a> <a href="tg://user?id=42">Ann</a> '
        '<pre><code class="language-python">x = 1</code></pre> '
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    types = {entity["type"]: entity for entity in parsed.entities}
    assert types["text_link"]["url"] == "https://example.com/a?b=1&c=2"
    assert types["text_mention"]["user"] == {"id": 42}
    assert types["pre"]["language"] == "python"
    assert types["custom_emoji"]["custom_emoji_id"] == "5368324170671202286"


def test_empty_tags_produce_no_entity() -> None:
    assert parse_html("a<b></b>c").entities == []


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        (
            "<b x>y</b>",
            'Expected equal sign in declaration of an attribute of the tag "b" at byte offset 0',
        ),
        ("<a href=x/y>z</a>", "Unexpected end of name token at byte offset 8"),
        ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier specified"),
        ("&nbsp;", 'Unsupported character entity "&nbsp;" at byte offset 0'),
        ("ż <p>", 'Unsupported start tag "p" at byte offset 3'),
    ],
)
def test_errors_report_byte_offsets(source: str, reason: str) -> None:
    with pytest.raises(HtmlParseError) as caught:
        parse_html(source)
    assert str(caught.value) == reason


def test_lenient_ampersands_match_real_telegram() -> None:
    assert parse_html("AT&T &nbsp;", strict_ampersands=False).text == "AT&T &nbsp;"
    with pytest.raises(HtmlParseError):
        parse_html("AT&T")


def test_strip_shifts_entities() -> None:
    parsed = strip_visible_text(parse_html("  <b>hi</b>  "))
    assert parsed.text == "hi"
    assert parsed.entities == [{"offset": 0, "length": 2, "type": "bold"}]
