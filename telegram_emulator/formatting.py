"""Telegram's message trimming, entity helpers and HTML rendering, following TDLib; the HTML
parse mode itself and the lengths in UTF-16 are the bot's :mod:`bot.telegram_rules` (one home
for Telegram's rules), re-exported here for the emulator.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable

from bot.telegram_rules import (
    ENTITY_TYPES,
    SUPPORTED_TAGS,
    Entity,
    FormattingError,
    parse_html,
    sort_entities,
    utf16_len,
)

__all__ = [
    "ENTITY_TYPES",
    "SUPPORTED_TAGS",
    "Entity",
    "FormattingError",
    "entity_text",
    "parse_html",
    "render_html",
    "sort_entities",
    "trim",
    "utf16_len",
]

_TRIMMED = " \t\r\n\v\f"


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
