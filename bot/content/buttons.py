"""Buttons as the content layer sees them (no Telegram here), and their layouts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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
