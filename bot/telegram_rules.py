"""Telegram's rules for what the bot sends: the limits (from ``telegram.constants``), lengths
in UTF-16 code units as Telegram counts them, splitting long text into messages, and the HTML
parse mode's subset (:func:`parse_html`, following TDLib).

One home for these rules: the bot checks its content with them and splits replies, the reports
split with them, and the Bot API emulator (``telegram_emulator``) enforces them. Offsets and
lengths of entities are in UTF-16 code units, as in the Bot API; parse errors are TDLib's
messages (the Bot API prefixes them with ``Bad Request: can't parse entities:``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from telegram.constants import CallbackQueryLimit, InlineKeyboardButtonLimit, MessageLimit

MESSAGE_LIMIT: Final = int(MessageLimit.MAX_TEXT_LENGTH)  # 4,096 UTF-16 units of a message
CAPTION_LIMIT: Final = int(MessageLimit.CAPTION_LENGTH)  # 1,024 of a photo's caption
CALLBACK_ANSWER_LIMIT: Final = int(CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH)  # 200
CALLBACK_DATA_LIMIT: Final = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)  # 64 bytes


def utf16_len(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, the unit of Telegram's limits and offsets."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def split_lines(lines: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """The lines joined into messages of at most ``limit`` UTF-16 units, cut between lines (so
    HTML tags that never span lines stay balanced). A single longer line is cut."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        while utf16_len(line) > limit:
            head = line[: limit // 2]
            parts.extend(["\n".join(current)] if current else [])
            parts.append(head)
            current, size, line = [], 0, line[len(head) :]
        added = utf16_len(line) + (1 if current else 0)
        if current and size + added > limit:
            parts.append("\n".join(current))
            current, size, added = [], 0, utf16_len(line)
        current.append(line)
        size += added
    if current:
        parts.append("\n".join(current))
    return [part for part in (p.strip("\n") for p in parts) if part.strip()]


# ─────────────────────────────── the HTML parse mode ───────────────────────────────

Entity = dict[str, Any]

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
        "span", "tg-spoiler", "tg-emoji", "code", "pre", "blockquote",
    }
)  # fmt: skip
_TAG_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# TDLib's sort priority of entity types that share an offset and a length.
_PRIORITY = {
    "blockquote": 0, "expandable_blockquote": 0, "pre": 11, "code": 20, "text_link": 49,
    "text_mention": 49, "bold": 90, "italic": 91, "underline": 92, "strikethrough": 93,
    "spoiler": 94, "custom_emoji": 99,
}  # fmt: skip
ENTITY_TYPES = frozenset(
    {
        "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number",
        "bank_card", "text_mention", *_PRIORITY,
    }
)  # fmt: skip
_SPACES = " \t\r\n\v\0"
_END = "\0"


class FormattingError(Exception):
    """The text could not be parsed; the message is the one Telegram gives."""


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """Entities in Telegram's order: by offset, longer first, then by type."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int
    position: int


class _HtmlParser:
    """One parse of one text; see :func:`parse_html`."""

    def __init__(self, source: str, pedantic: bool) -> None:
        self.src = source
        self.pedantic = pedantic
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[Entity] = []
        self.stack: list[_Open] = []

    def at(self, index: int) -> str:
        return self.src[index] if index < len(self.src) else _END

    def byte(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8", "surrogatepass"))

    def run(self) -> tuple[str, list[Entity]]:
        i = 0
        while i < len(self.src):
            char = self.src[i]
            if char == "&":
                decoded = self.decode_reference(i)
                if decoded is not None:
                    self.emit(decoded[0])
                    i = decoded[1]
                    continue
            if char != "<":
                self.emit(char)
                i += 1
            elif self.at(i + 1) == "/":
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.stack:
            raise FormattingError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        for entity in self.entities:
            entity.pop("_language", None)
        return "".join(self.out), sort_entities(self.entities)

    def emit(self, char: str) -> None:
        self.out.append(char)
        self.utf16 += 2 if ord(char) > 0xFFFF else 1

    def decode_reference(self, pos: int) -> tuple[str, int] | None:
        """The character an ``&...`` reference at ``pos`` stands for, and where it ends."""
        end = pos + 1
        if self.at(end) == "#":
            end += 1
            hexadecimal = self.at(end) == "x"
            end += hexadecimal
            digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
            code = 0
            while self.at(end) in digits and code < 0x10FFFF:
                code = code * (16 if hexadecimal else 10) + int(self.at(end), 16)
                end += 1
            if code == 0 or code >= 0x10FFFF or end - pos >= 10:
                return self.unsupported_reference(pos, end)
            if 0xD800 <= code <= 0xDFFF:
                raise FormattingError(
                    "Text contains invalid Unicode characters after decoding HTML entities, "
                    "check for unmatched surrogate code units"
                )
            char = chr(code)
        else:
            while self.at(end).isascii() and self.at(end).isalpha():
                end += 1
            named = _NAMED_ENTITIES.get(self.src[pos + 1 : end])
            if named is None:
                return self.unsupported_reference(pos, end)
            char = named
        if self.at(end) == ";":
            return char, end + 1
        if self.pedantic:
            raise FormattingError(
                f'Character reference "{self.src[pos:end]}" at byte offset {self.byte(pos)} '
                'lacks its ";"'
            )
        return char, end

    def unsupported_reference(self, pos: int, end: int) -> tuple[str, int] | None:
        """Telegram keeps an unknown ``&...`` as it is (``None``); the pedantic emulator
        refuses it."""
        if not self.pedantic:
            return None
        if self.at(end) != ";":
            raise FormattingError(
                f'Unescaped "&" at byte offset {self.byte(pos)}; write "&amp;" for a literal "&"'
            )
        raise FormattingError(
            f'Unsupported HTML entity "{self.src[pos : end + 1]}" at byte offset {self.byte(pos)}; '
            "only &lt; &gt; &amp; &quot; and numeric references are allowed"
        )

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while self.at(i) not in _SPACES and self.at(i) != ">":
            i += 1
        if self.at(i) == _END:
            raise FormattingError(f"Unclosed start tag at byte offset {self.byte(begin)}")
        tag = self.src[begin + 1 : i].lower()
        if tag not in SUPPORTED_TAGS:
            raise FormattingError(
                f'Unsupported start tag "{tag}" at byte offset {self.byte(begin)}'
            )
        argument = ""
        while self.at(i) != ">":
            i = self.skip_spaces(i)
            if self.at(i) == ">":
                break
            name_begin = i
            while self.at(i) not in _SPACES and self.at(i) not in "=>/\"'":
                i += 1
            name = self.src[name_begin:i]
            if not name:
                raise FormattingError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self.byte(begin)}'
                )
            i = self.skip_spaces(i)
            if self.at(i) != "=":
                if self.at(i) == _END:
                    raise FormattingError(
                        f'Unclosed start tag "{tag}" at byte offset {self.byte(begin)}'
                    )
                if (tag, name) == ("blockquote", "expandable"):
                    argument = "1"
                continue
            i = self.skip_spaces(i + 1)
            if self.at(i) == _END:
                raise FormattingError(
                    f'Unclosed start tag "{tag}" at byte offset {self.byte(begin)}'
                )
            value, i = self.attribute_value(i)
            if self.at(i) == _END:
                raise FormattingError(f"Unclosed start tag at byte offset {self.byte(begin)}")
            argument = _tag_argument(tag, name, value, argument)
        if tag == "span" and argument != "spoiler":
            raise FormattingError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte(begin)}'
            )
        self.stack.append(_Open(tag, argument, self.utf16, len(self.out)))
        return i + 1

    def skip_spaces(self, i: int) -> int:
        while self.at(i) != _END and self.at(i) in _SPACES:
            i += 1
        return i

    def attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in "\"'":
            token_begin = i
            while self.at(i).isascii() and (self.at(i).isalnum() or self.at(i) in ".-"):
                i += 1
            if self.at(i) not in _SPACES and self.at(i) != ">":
                raise FormattingError(
                    f"Unexpected end of name token at byte offset {self.byte(token_begin)}"
                )
            return self.src[token_begin:i].lower(), i
        i += 1
        value: list[str] = []
        while self.at(i) not in (quote, _END):
            decoded = self.decode_reference(i) if self.at(i) == "&" else None
            if decoded is not None:
                value.append(decoded[0])
                i = decoded[1]
            else:
                value.append(self.at(i))
                i += 1
        return "".join(value), i + (self.at(i) == quote)

    def end_tag(self, begin: int) -> int:
        if not self.stack:
            raise FormattingError(f"Unexpected end tag at byte offset {self.byte(begin)}")
        i = begin + 2
        while self.at(i) not in _SPACES and self.at(i) != ">":
            i += 1
        name = self.src[begin + 2 : i].lower()
        i = self.skip_spaces(i)
        if self.at(i) != ">":
            raise FormattingError(f"Unclosed end tag at byte offset {self.byte(begin)}")
        opened = self.stack.pop()
        if name and name != opened.tag:
            raise FormattingError(
                f"Unmatched end tag at byte offset {self.byte(begin)}, "
                f'expected "</{opened.tag}>", found "</{name}>"'
            )
        if self.utf16 > opened.offset:
            self.add_entity(opened, self.utf16 - opened.offset)
        return i + 1

    def add_entity(self, opened: _Open, length: int) -> None:
        entity: Entity = {"offset": opened.offset, "length": length}
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and (last["offset"], last["length"]) == (
            opened.offset,
            length,
        )
        tag, argument = opened.tag, opened.argument
        if tag in _TAG_ENTITY:
            entity["type"] = _TAG_ENTITY[tag]
        elif tag == "tg-emoji":
            if not argument.isascii() or not argument.isdigit() or int(argument) == 0:
                raise FormattingError("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=argument)
        elif tag == "a":
            url = argument or "".join(self.out[opened.position :])
            if not url:
                return
            entity.update(type="text_link", url=url)
        elif tag == "blockquote":
            entity["type"] = "expandable_blockquote" if argument else "blockquote"
        elif tag == "pre" and last and same_span and last["type"] == "code" and "_language" in last:
            last.update(type="pre", language=last.pop("_language"))
            return
        elif tag == "code" and last and same_span and last["type"] == "pre" and argument:
            last["language"] = argument
            return
        else:
            entity["type"] = tag
            if tag == "code" and argument:
                entity["_language"] = argument
        self.entities.append(entity)


def _tag_argument(tag: str, name: str, value: str, current: str) -> str:
    """The argument a tag's attribute gives (a link, a language...), as TDLib reads it."""
    if (tag, name) in (("a", "href"), ("tg-emoji", "emoji-id")):
        return value
    if (tag, name) == ("code", "class") and value.startswith("language-"):
        return value[len("language-") :]
    if (tag, name) == ("span", "class") and value.startswith("tg-"):
        return value[len("tg-") :]
    if (tag, name) == ("blockquote", "expandable"):
        return "1"
    return current


def parse_html(source: str, *, pedantic: bool = True) -> tuple[str, list[Entity]]:
    """Plain text and entities of a text in Telegram's HTML parse mode.

    With ``pedantic`` (the emulator's default), an ``&`` must start ``&lt;``, ``&gt;``,
    ``&amp;``, ``&quot;`` or a numeric reference ended by ``;``, as the Bot API documentation
    requires; Telegram itself keeps a bare ``&`` or an unknown entity as written.
    """
    return _HtmlParser(source, pedantic).run()
