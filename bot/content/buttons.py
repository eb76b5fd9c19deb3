"""Buttons as the content layer sees them (no Telegram here), and their layouts."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass

# The actions this deployment lacks (``coordinator`` when no coordinator is configured), for
# the update being handled: their buttons are left out, and texts that name them are replaced
# by their ``KEY_no_<action>`` variant (:meth:`bot.content.texts.Texts.get`).
HIDDEN_ACTIONS: ContextVar[frozenset[str]] = ContextVar("hidden_actions", default=frozenset())


@dataclass(frozen=True)
class Button:
    """A button under a reply. ``action`` is ``topic:<id>``, ``menu:<id>``, ``signup`` or
    ``coordinator``; the Telegram layer turns it into callback data."""

    label: str
    action: str


def in_columns(buttons: Sequence[Button], columns: int) -> list[tuple[Button, ...]]:
    """Buttons laid out ``columns`` to a row."""
    return [tuple(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]


def layout(buttons: Sequence[Button], navigation: Sequence[Button] = ()) -> list[list[Button]]:
    """One topic or action per row, then the navigation buttons (Back, Main menu) together."""
    rows = [[b] for b in buttons if b.action != "menu:main"]
    last = [*navigation, *(b for b in buttons if b.action == "menu:main")]
    if last:
        rows.append(last)
    return rows
