"""Spelling tolerance for Chinese: homophone typos of pinyin input (住速 for 住宿, 向目 for 项目)
corrected against the knowledge base's own words (no Telegram here); see :class:`ChineseSpeller`."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

_READINGS = Path(__file__).with_name("pinyin.tsv")  # from scripts/build_pinyin.py
_COMMON = Path(__file__).with_name("common_words.txt")  # from scripts/build_common_words.py
# Sounds that many speakers (and so their pinyin input) do not tell apart.
_FUZZY = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"ng$"), "n"), (re.compile(r"^l"), "n"))
ANCHORED = True
MAX_READINGS = 4  # sound keys kept per word (one per combination of its characters' readings)


def _ngrams(run: str) -> list[str]:
    """The pieces of 2 to 4 characters of a Chinese run."""
    return [run[i : i + n] for n in (2, 3, 4) for i in range(len(run) - n + 1)]


def _fold(syllable: str) -> str:
    for pattern, replacement in _FUZZY:
        syllable = pattern.sub(replacement, syllable)
    return syllable


@lru_cache(maxsize=1)
def readings() -> dict[str, tuple[str, ...]]:
    """Each Chinese character's toneless readings, folded (see ``_FUZZY``)."""
    found: dict[str, list[str]] = defaultdict(list)
    for line in _READINGS.read_text("utf-8").splitlines():
        syllable, chars = line.split("\t")
        folded = _fold(syllable)
        for char in chars:
            if folded not in found[char]:
                found[char].append(folded)
    return {char: tuple(syllables) for char, syllables in found.items()}


_CJK_FIRST, _CJK_SIZE = 0x4E00, 0x5200  # the CJK Unified Ideographs block


def _word_key(word: str) -> int:
    """A Chinese word of 1 to 4 characters of the common block as one integer (-1: none)."""
    key = 0
    for char in word:
        code = ord(char) - _CJK_FIRST
        if not 0 <= code < _CJK_SIZE:
            return -1
        key = (key << 15) | (code + 1)
    return key


@lru_cache(maxsize=1)
def _common_keys() -> npt.NDArray[np.int64]:
    """The common words (``common_words.txt``) as sorted integer keys: 0.3 MB, where a set of
    the 40,000 strings takes 6.6 MB."""
    text = _COMMON.read_text("utf-8")
    keys = np.fromiter((_word_key(m.group()) for m in re.finditer(r"\S+", text)), np.int64)
    keys.sort()
    return keys


def common(words: Sequence[str]) -> list[bool]:
    """For each word, whether it is a common Chinese word (from scripts/build_common_words.py)."""
    table = _common_keys()
    keys = np.fromiter((_word_key(w) for w in words), np.int64, count=len(words))
    found = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return [bool(b) for b in (table[found] == keys) & (keys >= 0)]


class ChineseSpeller:
    """Replaces the words of a Chinese run that the knowledge base does not use by the known
    word of the same sound (the most used one): 住速免废 → 住宿免费."""

    def __init__(self, runs: list[str], keep: Iterable[str] = (), min_count: int = 2) -> None:
        """``runs``: the Chinese runs of every phrase of the knowledge base; a word (2 to 4
        characters) is known when it occurs in them, and a correction target when it occurs
        at least ``min_count`` times. The words of ``keep`` (not-listed names, out-of-scope
        examples) are known but never targets."""
        counts: Counter[str] = Counter()
        for run in runs:
            counts.update(_ngrams(run))
        self._readings = readings()
        kept = list(keep)
        self._known = frozenset(counts) | {g for run in kept for g in _ngrams(run)}
        self._chars = frozenset(char for run in runs for char in run)
        by_sound: dict[str, str] = {}
        for word, count in counts.most_common():
            if count < min_count:
                break
            for key in self._keys(word):
                by_sound.setdefault(key, word)
        self._by_sound = by_sound
        self.run = lru_cache(maxsize=4096)(self._run)

    def _keys(self, word: str) -> list[str]:
        keys = [""]
        for char in word:
            options = self._readings.get(char)
            if not options:
                return []
            keys = [f"{k} {s}" if k else s for k in keys for s in options][:MAX_READINGS]
        return keys

    def _homophone(self, piece: str, words: Sequence[tuple[int, int]] = ()) -> str | None:
        """The known word sounding like ``piece``, if every character it replaces is one the
        knowledge base never uses (北京 stays, a real word made of known characters does).

        For several typos at once (向目 for 项目, 时验事 for 实验室) known characters may be
        replaced too, into a common word, when the piece keeps one character of it and no
        common word of the message (``words``: spans relative to the piece) holds a replaced
        character (大雪, 儿童, 听说 stay) or a kept one from outside the piece (本人在 is no
        本人才)."""
        for key in self._keys(piece):
            word = self._by_sound.get(key)
            if word is not None:
                pairs = list(zip(piece, word, strict=True))
                if all(a == b or a not in self._chars for a, b in pairs):
                    return word
                if not ANCHORED or not common([word])[0]:
                    return None
                kept = [i for i, (a, b) in enumerate(pairs) if a == b]
                replaced = [i for i, (a, b) in enumerate(pairs) if a != b]
                inside = [(s, e) for s, e in words if s >= 0 and e <= len(piece)]
                across = [(s, e) for s, e in words if (s, e) not in inside]
                free = not any(s <= i < e for i in replaced for s, e in words)
                anchored = any(not any(s <= i < e for s, e in across) for i in kept)
                return word if free and anchored else None
        return None

    def _common_spans(self, run: str) -> list[tuple[int, int]]:
        """Where the common Chinese words (``common_words.txt``) of a run are."""
        spans = [(i, i + n) for n in (2, 3, 4) for i in range(len(run) - n + 1)]
        if not spans:
            return []
        found = common([run[i:j] for i, j in spans])
        return [span for span, yes in zip(spans, found, strict=True) if yes]

    def _run(self, run: str) -> str:
        """A run of Chinese characters with its unknown words replaced by known homophones."""
        out: list[str] = []
        spans = self._common_spans(run)
        i = 0
        while i < len(run):
            for n in (4, 3, 2):
                piece = run[i : i + n]
                if len(piece) < n:
                    continue
                if piece in self._known:
                    out.append(piece)
                    break
                near = [(a - i, b - i) for a, b in spans if a < i + n and b > i]
                word = self._homophone(piece, near)
                if word is not None:
                    out.append(word)
                    break
            else:
                out.append(run[i])
                n = 1
            i += n
        return "".join(out)
