"""Plural categories of numbers in each language (CLDR's rules, read by babel).

Babel and a language's rules are loaded on the first count that needs them (about 10 ms a
language), never at start-up: most replies have no count.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

CATEGORIES = ("zero", "one", "two", "few", "many", "other")
SMALL = range(101)  # the counts a text must have a form for (larger ones share their forms)


@cache
def _rule(lang: str) -> Callable[[int], str]:
    from babel import Locale

    return Locale.parse(lang).plural_form


def category(lang: str, number: int) -> str:
    """The plural category (``one``, ``other``…) of ``number`` in ``lang``."""
    return _rule(lang)(number)


def existing(lang: str) -> frozenset[str]:
    """Every category ``lang`` has (French: one, many, other)."""
    from babel import Locale

    return frozenset(Locale.parse(lang).plural_form.tags) | {"other"}


def needed(lang: str) -> frozenset[str]:
    """The categories the counts 0 to 100 fall into in ``lang``: a text's forms in that
    language must name each (English and French: one, other; Chinese: other)."""
    return frozenset(category(lang, n) for n in SMALL)
