"""Callback data and inline keyboards: core buttons in, Telegram markup out.

Callback data is ``<version>|<action>``, e.g. ``1|topic:fees``. Buttons from an older version
of the bot, or naming a topic or menu that no longer exists, are recognised as stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.buttons import Button

VERSION = "1"
MAX_CALLBACK_BYTES = 64
_NAVIGATION = ("menu:main", "back")


def encode(action: str) -> str:
    """Callback data for an action; fails loudly if Telegram would refuse it."""
    data = f"{VERSION}|{action}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> str | None:
    """The action of callback data, or None when it is stale or malformed."""
    version, _, action = (data or "").partition("|")
    return action if version == VERSION and action else None


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
