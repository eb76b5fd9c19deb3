"""Splitting a long report into Telegram messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

TELEGRAM_LIMIT: Final = 4096


def utf16_len(text: str) -> int:
    """Length as Telegram counts it at worst (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_lines(lines: Iterable[str], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The lines joined into messages of at most ``limit`` UTF-16 units, cut between lines (so
    HTML tags, which never span lines here, stay balanced). A single longer line is cut."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        while utf16_len(line) > limit:  # never happens with the bounded fields of a lead
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
