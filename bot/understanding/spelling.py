"""Spelling tolerance: misspelt words of a question corrected against the knowledge base's own
vocabulary, before lexical matching (no Telegram here).

A message may carry several typos at once ("wat are teh fess for the excahnge progam") or be
spelt by ear ("konbien sa kout le programe"). Every Latin word the knowledge base does not know
is replaced by the closest word it does know (the examples, names and keywords of all three
languages, and the stop words), found with rapidfuzz over that vocabulary: one edit away (OSA:
a swap of neighbouring letters is one edit) or, for words spelt by ear, with the same sound
key. The
semantic signal keeps the original text; only the lexical side reads the corrected one.

Guards: words known as not listed or out of scope ("urology", "derm", "weather") are part of
the vocabulary, so they stay as they are; a short word is never shortened ("nems" is no
"nes") nor turned into a name ("gym" is no "gyn"); more than one edit turned real words into
the knowledge base's, and is not tried.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_LENGTH = 3  # shorter words are left alone (u, r, ur: chat shorthand, not typos)
EDITS = 1  # two edits turned real words into the knowledge base's (reductions: reeducation)
SHORT = 4  # a word this short is corrected by changing or adding a letter, never dropping one
MIN_SOUND = 3  # shorter sound keys say too little ("teh" and "test" both sound "t")
GUARD_COMMON = True  # common English and French words are never corrected
CLIPPED = 5  # an unknown word this long may be a clipped form of a known one (stomato, immuno)
CLIPPED_REST = 4  # … of one at least this much longer ("strong" is no clipped "strongest")
CLIPPED_SHARE = 0.5  # … when one completion has at least this share of the completions' uses

# A rough sound key for words spelt by ear, in English and French ("kardiologi" and
# "cardiologie", "lojemen" and "logement" share one): spellings of one sound folded together,
# silent endings and doubled letters dropped.
_SOUNDS = (
    ("ph", "f"),
    ("qu", "k"),
    ("ck", "k"),
    ("ch", "x"),
    ("sh", "x"),
    ("c(?=[eiy])", "s"),
    ("c", "k"),
    ("g(?=[eiy])", "j"),
    ("eau", "o"),
    ("au", "o"),
    ("ou", "u"),
    ("oo", "u"),
    ("ai", "e"),
    ("ei", "e"),
    ("[ae][nm](?=[^aeiouy]|$)", "an"),
    ("om(?=[^aeiouy]|$)", "on"),
    ("y", "i"),
    ("z", "s"),
    ("w", "v"),
    ("h", ""),
    ("x$", ""),
    ("(?<=.)[estdp]+$", ""),
)
_SOUND_RULES = [(re.compile(pattern), replacement) for pattern, replacement in _SOUNDS]
_DOUBLE = re.compile(r"(.)\1+")


def sound_key(word: str) -> str:
    """The sound key of a normalised Latin word (see ``_SOUNDS``)."""
    key = word
    for pattern, replacement in _SOUND_RULES:
        key = pattern.sub(replacement, key)
    return _DOUBLE.sub(r"\1", key)


_COMMON_LATIN = Path(__file__).with_name("common_latin.txt")  # scripts/build_common_latin.py


@lru_cache(maxsize=1)
def _common_latin_keys() -> npt.NDArray[np.int64]:
    """The common English and French words (``common_latin.txt``) as sorted hashes: 0.3 MB,
    where a set of the 39,000 strings takes about 3 MB."""
    text = _COMMON_LATIN.read_text("utf-8")  # one word at a time: no list of 39,000 strings
    keys = np.fromiter((hash(m.group()) for m in re.finditer(r"\S+", text)), np.int64)
    keys.sort()
    return keys


def common_latin(word: str) -> bool:
    """Whether a folded Latin word is a common English or French word (a real word, no typo:
    "told", "connais", "mere")."""
    table = _common_latin_keys()
    key = hash(word)
    found = min(int(np.searchsorted(table, key)), len(table) - 1)
    return bool(table[found] == key)


class Speller:
    """Corrects the unknown Latin words of normalised texts against a vocabulary."""

    def __init__(
        self,
        vocabulary: Iterable[str],
        *,
        keep: Iterable[str] = (),
        names: Iterable[str] = (),
        chinese: ChineseSpeller | None = None,
    ) -> None:
        """``vocabulary``: every known word, as often as it is used (the most used wins a tie);
        ``names``: words of the items' names and aliases, never the correction of a short
        word; ``keep``: known words that are never corrected nor targets (not
        listed fields, out-of-scope words)."""
        counts = Counter(w for w in vocabulary if w.isascii() and w.isalpha())
        self._keep = frozenset(keep)
        self._chinese = chinese
        self._names = frozenset(names)
        self._known = frozenset(counts) | self._keep
        self._count = counts
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in sorted(counts):
            if len(word) >= MIN_LENGTH - 1:
                by_length[len(word)].append(word)
        self._by_length = dict(by_length)
        sounds: dict[str, list[str]] = defaultdict(list)
        for word in sorted(counts, key=lambda w: -counts[w]):
            if len(word) >= MIN_LENGTH:
                sounds[sound_key(word)].append(word)
        self._sounds = dict(sounds)
        self._sound_keys = sorted(self._sounds)
        self._sorted = sorted(counts)
        self.word = lru_cache(maxsize=8192)(self._word)

    def knows(self, word: str) -> bool:
        """Whether a word is in the vocabulary."""
        return word in self._known

    def correct(self, normalized: str) -> str:
        """A normalised text with its unknown words corrected (the same text when none is)."""
        words = normalized.split()
        chinese = self._chinese
        fixed = [
            self.word(w) if w.isascii() else chinese.run(w) if chinese is not None else w
            for w in words
        ]
        return normalized if fixed == words else " ".join(fixed)

    def _word(self, word: str) -> str:
        """The correction of one word, or the word itself."""
        if len(word) < MIN_LENGTH or word in self._known or not word.isalpha():
            return word
        if GUARD_COMMON and common_latin(word):
            return word  # a real word, no typo ("told" is no "cold")
        edits = EDITS
        pool = [
            w
            for n in range(len(word) - edits, len(word) + edits + 1)
            for w in self._by_length.get(n, ())
        ]
        found = process.extract(word, pool, scorer=OSA.distance, score_cutoff=edits, limit=None)
        key = sound_key(word)
        same_sound = self._sounds.get(key, []) if len(key) >= MIN_SOUND else []
        # A word that sounds the same counts as half an edit away ("kel": quel, not key).
        scored = [(0.5, w) for w in same_sound] + [(float(d), w) for w, d, _ in found]
        best: tuple[tuple[float, ...], str] | None = None
        for distance, candidate in scored:
            if len(word) <= SHORT and len(candidate) < len(word):
                continue  # a short word loses no letter ("nems" is not "nes")
            if len(word) <= SHORT and candidate in self._names:
                continue  # nor becomes a name ("gym" is not "gyn")
            rank = (distance, -_shared_prefix(word, candidate), -self._count[candidate])
            if best is None or rank < best[0]:
                best = (rank, candidate)
        if best is not None:
            return best[1]
        return self._completion(word)

    def _completion(self, word: str) -> str:
        """The known word a clipped form stands for ("stomato": stomatology, "immuno":
        immunologie): the most used known word it begins, when that one has at least
        ``CLIPPED_SHARE`` of the uses of all of them ("neuro", the start of neurology,
        neurosurgery and neuroscience alike, stays); otherwise the word itself."""
        if len(word) < CLIPPED:
            return word
        completions = []
        for known in self._sorted[bisect.bisect_right(self._sorted, word) :]:
            if not known.startswith(word):
                break
            if len(known) >= len(word) + CLIPPED_REST:
                completions.append(known)
        if not completions:
            return word
        best = max(completions, key=lambda w: (self._count[w], w))
        total = sum(self._count[w] for w in completions)
        return best if self._count[best] >= CLIPPED_SHARE * total else word


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


# ─────────────── Chinese: homophones of pinyin input (住速 for 住宿, 向目 for 项目) ───────────────

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

    def __init__(
        self,
        runs: list[str],
        keep: Iterable[str] = (),
        min_count: int = 2,
        names: Iterable[str] = (),
    ) -> None:
        """``runs``: the Chinese runs of every phrase of the knowledge base; a word (2 to 4
        characters) is known when it occurs in them, and a correction target when it occurs
        at least ``min_count`` times. The words of ``keep`` (not-listed names, out-of-scope
        examples) are known but never targets; the characters of ``names`` (not-listed
        names: 急诊) are never replaced."""
        counts: Counter[str] = Counter()
        for run in runs:
            counts.update(_ngrams(run))
        self._readings = readings()
        kept = list(keep)
        self._known = frozenset(counts) | {g for run in kept for g in _ngrams(run)}
        self._chars = frozenset(char for run in (*runs, *names) for char in run)  # 急诊 stays
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
