"""The one pager of the bot: long lists of buttons (a menu's items, the sign-up form's areas)
are cut into pages with the same Previous/Next buttons and labels everywhere."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.content.buttons import Button
from bot.content.texts import Texts

T = TypeVar("T")
TEXTS = ("button_page_previous", "button_page_next")  # both take {page} and {pages}


def page_count(total: int, size: int) -> int:
    """How many pages ``total`` entries fill (at least one)."""
    return max(1, -(-total // size))


@dataclass(frozen=True)
class Page:
    """Page ``number`` (from 0) of ``count``, holding entries ``start`` to ``stop``."""

    number: int
    count: int
    start: int
    stop: int

    def of(self, entries: Sequence[T]) -> Sequence[T]:
        """The entries shown on this page."""
        return entries[self.start : self.stop]


def paginate(total: int, page: int, size: int) -> Page:
    """Page ``page`` of ``total`` entries, ``size`` a page; out-of-range pages are clamped."""
    count = page_count(total, size)
    number = min(max(page, 0), count - 1)
    return Page(number, count, number * size, min(total, (number + 1) * size))


def page_buttons(
    page: Page, action: Callable[[int], str], texts: Texts, lang: str
) -> tuple[Button, ...]:
    """◀️ Previous / Next ▶️ with the page they open (``action(number)`` is its action)."""
    buttons = []
    if page.number > 0:
        label = texts.get("button_page_previous", lang, page=page.number, pages=page.count)
        buttons.append(Button(label, action(page.number - 1)))
    if page.number < page.count - 1:
        label = texts.get("button_page_next", lang, page=page.number + 2, pages=page.count)
        buttons.append(Button(label, action(page.number + 1)))
    return tuple(buttons)
