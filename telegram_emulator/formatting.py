"""Telegram's HTML parse mode, message trimming and entity helpers, following TDLib.

Offsets and lengths of entities are in UTF-16 code units, as in the Bot API. Error messages are
TDLib's (the Bot API prefixes them with ``Bad Request: can't parse entities:``); byte offsets
count UTF-8 bytes of the source.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
_TRIMMED = " \t\r\n\v\f"
_END = "\0"


class FormattingError(Exception):
    """The text could not be parsed; the message is the one Telegram gives."""


def utf16_len(text: str) -> int:
    """The length of ``text`` in UTF-16 code units, the unit of Telegram's limits and offsets."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


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


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram's trimming: trailing whitespace, then leading spaces and newlines before the
    first entity; entities are cut or shifted to match."""
    kept = len(text.rstrip(_TRIMMED))
    if kept == 0:
        return "", []
    text = text[:kept]
    end = utf16_len(text)
    clipped = []
    for entity in entities:
        if entity["offset"] < end:
            clipped.append({**entity, "length": min(entity["length"], end - entity["offset"])})
    first = min((e["offset"] for e in clipped), default=len(text))
    lead = 0
    while lead < first and text[lead] in " \n":
        lead += 1
    shifted = [{**e, "offset": e["offset"] - lead} for e in clipped]
    return text[lead:], sort_entities(shifted)


def _utf16_index(text: str) -> list[int]:
    """For each UTF-16 offset up to the end, the index in ``text`` where it falls."""
    index: list[int] = []
    for position, char in enumerate(text):
        index.extend([position] * (2 if ord(char) > 0xFFFF else 1))
    index.append(len(text))
    return index


def entity_text(text: str, entity: Entity) -> str:
    """The part of ``text`` an entity covers."""
    index = _utf16_index(text)
    start = min(entity["offset"], len(index) - 1)
    end = min(entity["offset"] + entity["length"], len(index) - 1)
    return text[index[start] : index[end]]


_SIMPLE_TAGS = {
    "bold": "b", "italic": "i", "underline": "u", "strikethrough": "s", "spoiler": "tg-spoiler",
    "code": "code", "pre": "pre", "blockquote": "blockquote",
}  # fmt: skip


def _tags(entity: Entity) -> tuple[str, str]:
    """The opening and closing HTML of an entity ("" for entities HTML does not write)."""
    kind = entity["type"]
    opening: dict[str, Callable[[], str]] = {
        "text_link": lambda: f'<a href="{html.escape(entity["url"])}">',
        "text_mention": lambda: f'<a href="tg://user?id={entity["user"]["id"]}">',
        "custom_emoji": lambda: f'<tg-emoji emoji-id="{entity["custom_emoji_id"]}">',
        "expandable_blockquote": lambda: "<blockquote expandable>",
    }
    closing = {"text_link": "</a>", "text_mention": "</a>", "custom_emoji": "</tg-emoji>",
               "expandable_blockquote": "</blockquote>"}  # fmt: skip
    if kind == "pre" and entity.get("language"):
        language = html.escape(entity["language"])
        return f'<pre><code class="language-{language}">', "</code></pre>"
    if kind in _SIMPLE_TAGS:
        return f"<{_SIMPLE_TAGS[kind]}>", f"</{_SIMPLE_TAGS[kind]}>"
    if kind in opening:
        return opening[kind](), closing[kind]
    return "", ""


def render_html(text: str, entities: list[Entity]) -> str:
    """Telegram HTML for a text and its (nested) entities; entities without a tag are left out."""
    index = _utf16_index(text)
    limit = len(index) - 1
    opens: dict[int, list[str]] = defaultdict(list)
    closes: dict[int, list[str]] = defaultdict(list)
    for entity in sort_entities(entities):
        opening, closing = _tags(entity)
        if opening:
            opens[index[min(entity["offset"], limit)]].append(opening)
            closes[index[min(entity["offset"] + entity["length"], limit)]].insert(0, closing)
    out: list[str] = []
    for position in range(len(text) + 1):
        out.extend(closes[position])
        out.extend(opens[position])
        out.append(html.escape(text[position : position + 1], quote=False))
    return "".join(out)
