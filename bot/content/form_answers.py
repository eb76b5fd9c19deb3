"""Typed answers of the sign-up form, without Telegram: cleaning, e-mail and month parsing,
naming a choice by its label, and telling a question from an answer."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from rapidfuzz import fuzz

from bot.content.names import strip_invisible

_SPACES = re.compile(r"[ \t\u00a0\u2028\u2029]+")
_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)[\w.!#$%&'*+/=?^`{|}~-]{1,64}(?<!\.)@"
    r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{2,59})$"
)
_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH_FIRST = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{4})$")
_NAME_FIRST = re.compile(r"^([^\W\d_]+)\.?,?\s*(\d{4})$")
_NAME_LAST = re.compile(r"^(\d{4})\s+([^\W\d_]+)\.?$")


def clean(text: str, multiline: bool = False) -> str:
    """Fold compatibility forms (full-width ＠ and letters, as Chinese keyboards type them,
    become ASCII: NFKC), strip control characters, collapse spaces (and, unless ``multiline``,
    line breaks)."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if not multiline:
        text = text.replace("\n", " ")
    text = _SPACES.sub(" ", strip_invisible(text))
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def valid_email(text: str) -> bool:
    """A plausible address: local@domain.tld, at most 254 characters, no spaces."""
    return len(text) <= 254 and _EMAIL.match(text) is not None


def fold(text: str) -> str:
    """Lower case without accents ("Févr." → "fevr.")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_month(text: str, names: Mapping[str, int]) -> tuple[int, int] | None:
    """(year, month) of a typed month; month names may be abbreviated to 3+ letters."""
    text = text.strip()
    found: tuple[str, str] | None = None
    for pattern, year_group in ((_YEAR_FIRST, 1), (_MONTH_FIRST, 2)):
        match = pattern.match(text)
        if match:
            found = (match.group(year_group), match.group(3 - year_group))
    for pattern, year_group in ((_NAME_FIRST, 2), (_NAME_LAST, 1)):
        match = pattern.match(text)
        if match:
            number = _month_number(match.group(3 - year_group), names)
            found = (match.group(year_group), str(number)) if number else None
    if found is None:
        return None
    year, month = int(found[0]), int(found[1])
    return (year, month) if 1 <= month <= 12 else None


def _month_number(word: str, names: Mapping[str, int]) -> int | None:
    word = fold(word)
    if len(word) < 3:
        return None
    numbers = {number for name, number in names.items() if name.startswith(word)}
    return numbers.pop() if len(numbers) == 1 else None


def looks_like_question(text: str, words: Iterable[str], endings: tuple[str, ...]) -> bool:
    """Ends with a question mark (or particle) of ``endings`` or starts with one of ``words``."""
    stripped = unicodedata.normalize("NFKC", text).strip().lower()
    if stripped.endswith(endings):
        return True
    for word in words:
        if stripped.startswith(word):
            rest = stripped[len(word) : len(word) + 1]
            if not _is_latin(word[-1]) or not rest or not rest.isalpha():
                return True
    return False


def best_choice(text: str, labels: Mapping[str, Iterable[str]]) -> str | None:
    """The choice whose labels a typed answer names (emoji, case, accents, full-width forms and
    a typo aside), numbers the same; None when no choice, or more than one, fits."""
    typed = _choice_words(text)
    if not typed or len(typed) > 60:
        return None
    scores = sorted(
        (
            (max(_choice_score(typed, _choice_words(label)) for label in names), choice)
            for choice, names in labels.items()
        ),
        reverse=True,
    )
    best = scores[0] if scores else (0.0, "")
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    return best[1] if best[0] >= _CHOICE_MATCH and best[0] - runner_up >= _CHOICE_MARGIN else None


def free_value(text: str, length: int, pattern: str) -> str | None:
    """``text`` cleaned if it has at most ``length`` characters and matches ``pattern``."""
    value = clean(text)
    if not length or not value or len(value) > length:
        return None
    return value if re.search(pattern, value) else None


_CHOICE_MATCH = 90  # rapidfuzz score (0-100) a typed answer needs to name a choice
_CHOICE_MARGIN = 5  # ... and by how much it must beat the next choice
_CJK = re.compile(r"([\u3400-\u9fff\uf900-\ufaff])")
_APOSTROPHES = re.compile(r"[’'`]")
_NOT_WORD = re.compile(r"[\W_]+")


def _choice_words(text: str) -> str:
    """A label or typed answer as comparable words: folded, no emoji or punctuation, each
    Chinese character a word."""
    text = _APOSTROPHES.sub("", fold(unicodedata.normalize("NFKC", text)))
    return " ".join(_NOT_WORD.sub(" ", _CJK.sub(r" \1 ", text)).split())


def _choice_score(typed: str, label: str) -> float:
    if re.findall(r"\d+", typed) != re.findall(r"\d+", label):
        return 0.0
    return max(fuzz.token_set_ratio(typed, label), fuzz.ratio(typed, label))


def _is_latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN")
