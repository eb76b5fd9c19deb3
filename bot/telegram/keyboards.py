"""Inline keyboards: the content layer's buttons in, Telegram markup out."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.buttons import Button
from bot.telegram.callbacks import encode

_NAVIGATION = ("menu:main", "back")


def markup(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard for rows of buttons (None when there are none)."""
    return _markup(tuple(tuple(row) for row in rows if row))


@lru_cache(maxsize=2048)
def _markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Keyboards are immutable and few: each is built once."""
    keyboard = [
        [InlineKeyboardButton(b.label, callback_data=encode(b.action)) for b in row] for row in rows
    ]
    return InlineKeyboardMarkup(keyboard) if keyboard else None
