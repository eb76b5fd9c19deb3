"""What a message says besides some given words: the check shared by the requests for an
overview (``overviews.py``) and for a whole list (``list_requests.py``). Such a request is one
when nothing is left of the message once the programmes' names, the request's own words and the
stop words are taken out."""

from __future__ import annotations

from collections.abc import Iterable

from bot.understanding.followups import FollowupReader
from bot.understanding.text import has_cjk, normalize, searched_form


def said(word: str, padded: str) -> bool:
    """Whether a normalised word is in a padded normalised text (:func:`searched_form`)."""
    return searched_form(word) in padded


def taken_out(padded: str, words: Iterable[str]) -> str:
    """A padded normalised text without the given words (longest first)."""
    for word in sorted(set(words), key=len, reverse=True):
        padded = padded.replace(searched_form(word), " ")
        if not has_cjk(word):
            padded = padded.replace(f" {word} ", " ")  # (two in a row share a space)
    return f" {' '.join(padded.split())} "


class LeftoverWords:
    """Tells whether a message says nothing but the programmes' names, given words and stop
    words."""

    def __init__(self, read: FollowupReader, stopwords: Iterable[str]) -> None:
        self._read = read
        stops = {normalize(w) for w in stopwords} - {""}
        self._stop_words = frozenset(w for w in stops if not has_cjk(w))
        # Chinese stop words: those of several characters first, then single characters
        self._stop_phrases = tuple(w for w in stops if has_cjk(w) and len(w) > 1)
        self._stop_characters = frozenset(w for w in stops if has_cjk(w) and len(w) == 1)

    def nothing_left(self, text: str, words: Iterable[str]) -> bool:
        """Whether nothing is left of a message once the programmes' names, ``words`` and the
        stop words are taken out."""
        rest = taken_out(f" {self._read.names_removed(text)} ", words)
        rest = taken_out(rest, self._stop_phrases)
        return all(
            not any(c not in self._stop_characters for c in word if has_cjk(c))
            if has_cjk(word)
            else word in self._stop_words
            for word in rest.split()
        )
