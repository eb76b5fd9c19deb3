"""Inline keyboards: the content layer's buttons in, Telegram markup out.

Buttons whose action cannot work in this deployment are left out here, in one place:
:data:`HIDDEN_ACTIONS` holds them for the update being handled (set by the application for
every update; e.g. ``coordinator`` when no coordinator is configured), so no menu, answer or
fallback leads a student to a dead end.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.buttons import HIDDEN_ACTIONS, Button
from bot.telegram.callbacks import encode

_NAVIGATION = ("menu:main", "back")


def markup(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard for rows of buttons (None when there are none)."""
    hidden = HIDDEN_ACTIONS.get()
    kept = (tuple(b for b in row if b.action not in hidden) for row in rows)
    return _markup(tuple(row for row in kept if row))


@lru_cache(maxsize=2048)
def _markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Keyboards are immutable and few: each is built once."""
    keyboard = [
        [InlineKeyboardButton(b.label, callback_data=encode(b.action)) for b in row] for row in rows
    ]
    return InlineKeyboardMarkup(keyboard) if keyboard else None
