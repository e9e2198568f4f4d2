"""Telegram-style parse_mode=HTML parsing: validation, visible text and message entities.

The parser follows tdlib's ``parse_html`` (the code behind the Bot API): it walks the UTF-8
bytes, reports errors with byte offsets, and measures entity offsets in UTF-16 code units.

One deliberate difference: with ``strict_ampersands=True`` (the emulator default) an ``&``
in message text that does not start ``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` or a numeric
reference is rejected. Real Telegram keeps such an ``&`` literally; being stricter makes
unescaped user input (the real bug behind most "can't parse entities" incidents) visible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_ENTITY_TYPE_BY_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
}
_NAMED_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_SPACES = frozenset(b" \t\r\n\v\f")


class HtmlParseError(ValueError):
    """Raised with Telegram's reason text (without the "can't parse entities: " prefix)."""


@dataclass
class ParsedText:
    """Visible text after entity parsing plus Bot API MessageEntity dicts."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int


def utf16_length(text: str) -> int:
    """Return the length of `text` in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(data: bytes, pos: int) -> tuple[str, int] | None:
    """Decode a character reference starting at data[pos] == '&' the way tdlib does."""
    end = pos + 1
    if data[end : end + 1] == b"#":
        end += 1
        code = 0
        if data[end : end + 1] == b"x":
            end += 1
            while end < len(data) and chr(data[end]) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while end < len(data) and 48 <= data[end] <= 57:
                code = code * 10 + data[end] - 48
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10 or 0xD800 <= code <= 0xDFFF:
            return None
        character = chr(code)
    else:
        while end < len(data) and (65 <= data[end] <= 90 or 97 <= data[end] <= 122):
            end += 1
        named = _NAMED_ENTITIES.get(data[pos + 1 : end])
        if named is None:
            return None
        character = named
    if data[end : end + 1] == b";":
        end += 1
    return character, end


def _ampersand_error(data: bytes, pos: int) -> HtmlParseError:
    """Describe why the '&' at `pos` is not a supported character reference."""
    end = pos + 1
    while end < len(data) and (chr(data[end]).isalnum() or data[end] == ord("#")):
        end += 1
    if end == pos + 1:
        return HtmlParseError(f"Character entity expected a name at byte offset {pos}")
    if data[end : end + 1] == b";":
        end += 1
    reference = data[pos:end].decode("utf-8", "replace")
    return HtmlParseError(f'Unsupported character entity "{reference}" at byte offset {pos}')


class _HtmlParser:
    """Single-use parser state; see parse_html."""

    def __init__(self, source: str, *, strict_ampersands: bool) -> None:
        self.data = source.encode("utf-8")
        self.strict_ampersands = strict_ampersands
        self.pos = 0
        self.output: list[str] = []
        self.utf16_offset = 0
        self.open_tags: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def _byte(self, index: int) -> int:
        return self.data[index] if index < len(self.data) else 0

    def _is_space(self, index: int) -> bool:
        byte = self._byte(index)
        return byte == 0 or byte in _SPACES

    def _emit(self, text: str) -> None:
        self.output.append(text)
        self.utf16_offset += utf16_length(text)

    def parse(self) -> ParsedText:
        data = self.data
        while self.pos < len(data):
            byte = data[self.pos]
            if byte == ord("&"):
                decoded = _decode_entity(data, self.pos)
                if decoded is not None:
                    self._emit(decoded[0])
                    self.pos = decoded[1]
                    continue
                if self.strict_ampersands:
                    raise _ampersand_error(data, self.pos)
            if byte != ord("<"):
                run_end = self.pos + 1
                while run_end < len(data) and data[run_end] not in b"<&":
                    run_end += 1
                self._emit(data[self.pos : run_end].decode("utf-8", "replace"))
                self.pos = run_end
                continue
            if self._byte(self.pos + 1) == ord("/"):
                self._parse_end_tag()
            else:
                self._parse_start_tag()
        if self.open_tags:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.open_tags[-1].name}"'
            )
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return ParsedText(text="".join(self.output), entities=self.entities)

    def _parse_start_tag(self) -> None:
        begin = self.pos
        index = begin + 1
        while not self._is_space(index) and self._byte(index) != ord(">"):
            index += 1
        if index >= len(self.data):
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        tag_name = self.data[begin + 1 : index].decode("utf-8", "replace").lower()
        if tag_name not in SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{tag_name}" at byte offset {begin}')
        argument = ""
        while self._byte(index) != ord(">"):
            while index < len(self.data) and self._is_space(index):
                index += 1
            if self._byte(index) == ord(">"):
                break
            name_begin = index
            while not self._is_space(index) and self._byte(index) not in (ord("="), ord(">")):
                index += 1
            attribute_name = self.data[name_begin:index].decode("utf-8", "replace")
            if not attribute_name:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag_name}" at byte offset {begin}'
                )
            while index < len(self.data) and self._is_space(index):
                index += 1
            if self._byte(index) != ord("="):
                if tag_name == "blockquote" and attribute_name == "expandable":
                    argument = "expandable"
                    continue
                raise HtmlParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag_name}" at byte offset {begin}'
                )
            index += 1
            while index < len(self.data) and self._is_space(index):
                index += 1
            if index >= len(self.data):
                raise HtmlParseError(f'Unclosed start tag "{tag_name}" at byte offset {begin}')
            value, index = self._parse_attribute_value(index)
            if index >= len(self.data):
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            argument = self._tag_argument(tag_name, attribute_name, value, argument)
        if tag_name == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        if tag_name == "tg-emoji" and not argument.isdigit():
            raise HtmlParseError("Invalid custom emoji identifier specified")
        self.open_tags.append(_OpenTag(tag_name, argument, self.utf16_offset))
        self.pos = index + 1

    def _parse_attribute_value(self, index: int) -> tuple[str, int]:
        quote = self._byte(index)
        if quote not in (ord("'"), ord('"')):
            token_begin = index
            while index < len(self.data) and (
                chr(self.data[index]).isalnum() or self.data[index] in b".-"
            ):
                index += 1
            if not self._is_space(index) and self._byte(index) != ord(">"):
                raise HtmlParseError(f"Unexpected end of name token at byte offset {token_begin}")
            return self.data[token_begin:index].decode("utf-8", "replace").lower(), index
        index += 1
        parts: list[str] = []
        chunk_begin = index
        while index < len(self.data) and self.data[index] != quote:
            if self.data[index] == ord("&"):
                decoded = _decode_entity(self.data, index)
                if decoded is not None:
                    parts.append(self.data[chunk_begin:index].decode("utf-8", "replace"))
                    parts.append(decoded[0])
                    index = chunk_begin = decoded[1]
                    continue
            index += 1
        parts.append(self.data[chunk_begin:index].decode("utf-8", "replace"))
        if index < len(self.data):
            index += 1
        return "".join(parts), index

    @staticmethod
    def _tag_argument(tag_name: str, attribute: str, value: str, current: str) -> str:
        if tag_name == "a" and attribute == "href":
            return value
        if tag_name == "code" and attribute == "class" and value.startswith("language-"):
            return value[len("language-") :]
        if tag_name == "span" and attribute == "class" and value.startswith("tg-"):
            return value[len("tg-") :]
        if tag_name == "tg-emoji" and attribute == "emoji-id":
            return value
        return current

    def _parse_end_tag(self) -> None:
        begin = self.pos
        if not self.open_tags:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        index = begin + 2
        while not self._is_space(index) and self._byte(index) != ord(">"):
            index += 1
        end_tag_name = self.data[begin + 2 : index].decode("utf-8", "replace").lower()
        while index < len(self.data) and self._is_space(index):
            index += 1
        if self._byte(index) != ord(">"):
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        open_tag = self.open_tags[-1]
        if end_tag_name and end_tag_name != open_tag.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{open_tag.name}>", '
                f'found "</{end_tag_name}>"'
            )
        self.open_tags.pop()
        self.pos = index + 1
        if self.utf16_offset > open_tag.utf16_offset:
            self._add_entity(open_tag)

    def _add_entity(self, tag: _OpenTag) -> None:
        offset, length = tag.utf16_offset, self.utf16_offset - tag.utf16_offset
        entity: dict[str, Any] = {"offset": offset, "length": length}
        if tag.name == "a":
            if not tag.argument:
                return
            if tag.argument.startswith("tg://user?id=") and tag.argument[13:].isdigit():
                entity.update(type="text_mention", user={"id": int(tag.argument[13:])})
            else:
                entity.update(type="text_link", url=tag.argument)
        elif tag.name == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
        elif tag.name == "pre":
            last = self.entities[-1] if self.entities else None
            if (
                last
                and last["type"] == "code"
                and (last["offset"], last["length"])
                == (
                    offset,
                    length,
                )
            ):
                self.entities.pop()
                if last.get("language"):
                    entity["language"] = last["language"]
            entity["type"] = "pre"
        else:
            entity["type"] = _ENTITY_TYPE_BY_TAG[tag.name]
            if tag.name == "code" and tag.argument:
                entity["language"] = tag.argument
        self.entities.append(entity)


def parse_html(source: str, *, strict_ampersands: bool = True) -> ParsedText:
    """Parse Telegram HTML into visible text and entities, or raise HtmlParseError."""
    return _HtmlParser(source, strict_ampersands=strict_ampersands).parse()


def strip_visible_text(parsed: ParsedText) -> ParsedText:
    """Trim surrounding whitespace like Telegram does, shifting entity offsets to match."""
    stripped = parsed.text.strip()
    if stripped == parsed.text:
        return parsed
    leading = utf16_length(parsed.text[: len(parsed.text) - len(parsed.text.lstrip())])
    total = utf16_length(stripped)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(0, entity["offset"] - leading)
        end = min(total, entity["offset"] + entity["length"] - leading)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(text=stripped, entities=entities)
