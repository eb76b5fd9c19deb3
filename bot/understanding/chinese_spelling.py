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
# Sounds that many speakers (and so their pinyin input) do not tell apart: z/zh, c/ch, s/sh;
# an/ang, en/eng, in/ing; n/l; f/h (hu/fu, hui/fei).
_FUZZY = (
    (re.compile(r"^([zcs])h"), r"\1"),
    (re.compile(r"ng$"), "n"),
    (re.compile(r"^l"), "n"),
    (re.compile(r"^f"), "h"),
    (re.compile(r"^hui$"), "hei"),
)
MAX_READINGS = 4  # sound keys kept per word (one per combination of its characters' readings)
MAX_HOMOPHONES = 1  # known words kept per sound key, the most used first
LEXICON_LENGTH = 3  # a piece of a name this long is a target like a common word (护理学)


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
        *,
        min_count: int = 2,
        standing: Iterable[str] = (),
        particles: Iterable[str] = (),
        names: Iterable[str] = (),
        lexicon: Iterable[str] = (),
    ) -> None:
        """``runs``: the Chinese runs of every phrase of the knowledge base; a word (2 to 4
        characters) is known when it occurs in them, and a correction target when it occurs
        at least ``min_count`` times and is a word (a common word of ``common_words.txt`` or a
        piece of ``lexicon``: the knowledge base's names, aliases, titles and keywords) or one
        with stop characters, never a fragment of two words (研科, 验科 of 检验科). The words of
        ``keep`` (out-of-scope examples, not-listed names) are known but never targets;
        ``standing``: characters that are words on their own (stop characters, particles);
        the characters of ``names`` (not-listed names: 急诊) are never replaced, and those of
        3 characters or more are targets too (皮夫科 is 皮肤科, which is then not listed)."""
        self._standing = frozenset(c for c in standing if len(c) == 1)
        counts: Counter[str] = Counter()
        for run in runs:
            counts.update(_ngrams(run))
        self._readings = readings()
        kept = list(keep)
        self._known = frozenset(counts) | {g for run in kept for g in _ngrams(run)}
        named = list(names)
        self._chars = frozenset(char for run in (*runs, *named) for char in run)  # 急诊 stays
        # a name's pieces of 3 characters or more, without a stop character (哪些实 of 哪些实验室
        # is none), and the whole name
        self._lexicon = frozenset(
            g
            for run in lexicon
            for g in (*_ngrams(run), run)
            if g == run or (len(g) > 2 and not self._standing.intersection(g))
        ) | {name for name in named if 3 <= len(name) <= 4}
        for name in named:
            if 3 <= len(name) <= 4:
                counts[name] = max(counts[name], min_count)
        targets = [w for w, n in counts.most_common() if n >= min_count]
        cores = self._cores(targets)  # 见习吗: 见习
        is_word = {
            w: bool(whole or w in self._lexicon or (len(core) > 1 and in_core))
            for w, core, whole, in_core in zip(
                targets, cores, common(targets), common(cores), strict=True
            )
        }
        self._words = frozenset(w for w in targets if is_word[w])
        self._common_targets = frozenset(
            w for w, whole in zip(targets, common(targets), strict=True) if whole
        )
        # a target is a word, or one content character or word with stop characters (能来吗,
        # 可以选): never a fragment of two words (研科, 验科 of 检验科)
        stops = "".join(self._standing)
        inner = [w.strip(stops) for w in targets]
        words = [
            w
            for w, core, in_core in zip(targets, inner, common(inner), strict=True)
            if is_word[w] or (core != w and (len(core) <= 1 or in_core or core in self._lexicon))
        ]
        by_sound: dict[str, list[str]] = defaultdict(list)
        for word in words:
            for key in self._keys(word):
                if len(by_sound[key]) < MAX_HOMOPHONES:
                    by_sound[key].append(word)
        self._by_sound = dict(by_sound)
        # a run's last character, read as the particle of its sound (马 for 吗, 阿 for 啊): the
        # most used in the knowledge base's phrases first
        uses = Counter(char for run in runs for char in run)
        lone: dict[str, str] = {}
        for char in sorted({c for c in particles if len(c) == 1}, key=lambda c: -uses[c]):
            for key in self._keys(char):
                lone.setdefault(key, char)
        self._lone = lone
        # a lone character typed for a stop character of its sound (药交 for 要交, 于哪些 for
        # 有哪些): the most used stop character of each sound
        standing_by_sound: dict[str, str] = {}
        for char in sorted(self._standing, key=lambda c: (-uses[c], c)):
            for key in self._keys(char):
                standing_by_sound.setdefault(key, char)
        self._standing_by_sound = standing_by_sound
        self.run = lru_cache(maxsize=4096)(self._run)

    def _core(self, word: str) -> str:
        """The longest common word that ``word`` begins with, followed only by stop characters
        and particles (申请吗: 申请, 见习吗: 见习); the word itself when there is none."""
        found = self._cores([word])
        return found[0]

    def _cores(self, words: Sequence[str]) -> list[str]:
        """:meth:`_core` of many words at once (one look-up in the common words)."""
        prefixes = [
            [w[:k] for k in range(len(w) - 1, 1, -1) if all(c in self._standing for c in w[k:])]
            for w in words
        ]
        flat = [p for found in prefixes for p in found]
        known = dict(zip(flat, common(flat), strict=True)) if flat else {}
        return [
            next((p for p in found if known[p]), w)
            for w, found in zip(words, prefixes, strict=True)
        ]

    @staticmethod
    def load_tables() -> None:
        """Load the common words' table (``common_words.txt``) the first run would read."""
        _common_keys()

    def _keys(self, word: str) -> list[str]:
        keys = [""]
        for char in word:
            options = self._readings.get(char)
            if not options:
                return []
            keys = [f"{k} {s}" if k else s for k in keys for s in options][:MAX_READINGS]
        return keys

    def _homophone(self, piece: str, words: Sequence[tuple[int, int]] = ()) -> str | None:
        """The known word sounding like ``piece`` (the most used; another reading's word when
        it is a common one), if every character it replaces is one the knowledge base never
        uses (北京 stays, a real word made of known characters does).

        For several typos at once (向目 for 项目, 时验事 for 实验室) known characters may be
        replaced too, into a common word, when the piece keeps one character of it and no
        common word of the message (``words``: spans relative to the piece) holds a replaced
        character (大雪, 儿童, 听说 stay) or a kept one from outside the piece (本人在 is no
        本人才)."""
        found = [w for key in self._keys(piece) for w in self._by_sound.get(key, ())]
        for rank, word in enumerate(dict.fromkeys(found)):
            # after the first word found, only common words (说士 is 硕士 after 说是)
            if (rank == 0 or common([word])[0]) and self._may_replace(piece, word, words):
                return word
        return None

    def _may_replace(self, piece: str, word: str, words: Sequence[tuple[int, int]]) -> bool:
        """Whether ``piece`` may be corrected into ``word`` (see :meth:`_homophone`)."""
        pairs = list(zip(piece, word, strict=True))
        kept = [i for i, (a, b) in enumerate(pairs) if a == b]
        replaced = [i for i, (a, b) in enumerate(pairs) if a != b]
        inside = [(s, e) for s, e in words if s >= 0 and e <= len(piece)]
        across = [(s, e) for s, e in words if (s, e) not in inside]
        if all(a == b or a not in self._chars for a, b in pairs):
            # a common word across the piece's edge stays, unless the target is one (印度尼西亚
            # is no 印毒理西亚)
            return word in self._common_targets or not any(
                s <= i < e for i in replaced for s, e in across
            )
        named = len(word) >= LEXICON_LENGTH and word in self._lexicon
        core = self._core(word)  # 申请吗: 申请, where a replaced character must be
        in_core = len(core) > 1 and all(i < len(core) for i in replaced) and common([core])[0]
        if not (word in self._common_targets or named or in_core):
            return False
        # a common word inside a longer piece of a name gives way to it (心里学 is 心理学)
        holding = across if named else list(words)
        free = not any(s <= i < e for i in replaced for s, e in holding)
        anchored = any(not any(s <= i < e for s, e in across) for i in kept)
        if not kept:
            # every character mistyped (森情 for 申请): only into a common word, when one of them
            # is a character the knowledge base never uses (住行, 甲乳 stay) and no common word
            # of the message holds one of them (时间 stays)
            anchored = (
                word in self._common_targets
                and any(piece[i] not in self._chars for i in replaced)
                and not any(s <= i < e for i in replaced for s, e in words)
            )
        return free and anchored

    def _common_spans(self, run: str) -> list[tuple[int, int]]:
        """Where the common Chinese words (``common_words.txt``) of a run are."""
        spans = [(i, i + n) for n in (2, 3, 4) for i in range(len(run) - n + 1)]
        if not spans:
            return []
        found = common([run[i:j] for i, j in spans])
        return [span for span, yes in zip(spans, found, strict=True) if yes]

    def _run(self, run: str) -> str:
        """A run of Chinese characters with its unknown words replaced by known homophones,
        read from left to right, the longest known word or correction first. A known word
        gives up its last character when that starts a correction into a common word and the
        next character would otherwise stand alone, being no word on its own nor part of a
        common word (可以申情 is 可以 + 申请, not 可以申 + 情; 神经病学呢, 法国的诗吧 stay)."""
        out: list[str] = []
        spans = self._common_spans(run)
        i = 0
        while i < len(run):
            word, n, known = self._step(run, i, spans)
            if (
                known
                and i + n < len(run)
                and run[i + n] not in self._standing
                and not any(a <= i + n < b for a, b in spans)
                and self._step(run, i + n, spans)[1] == 1
            ):
                for back in range(1, n):  # 有奖学今: 有 + 奖学金
                    fixed, m, fixed_known = self._step(run, i + n - back, spans)
                    if m > back and not fixed_known and common([self._core(fixed)])[0]:
                        word, n = run[i : i + n - back], n - back
                        break
            out.append(word)
            i += n
        return "".join(out)

    def _step(self, run: str, i: int, spans: Sequence[tuple[int, int]]) -> tuple[str, int, bool]:
        """The piece of ``run`` at ``i``: (its text or correction, its length, whether it is
        a known word as it is); a single character when no piece of 2 to 4 is either."""
        for n in (4, 3, 2):
            piece = run[i : i + n]
            if len(piece) < n:
                continue
            if piece in self._known:
                return piece, n, True
            near = [(a - i, b - i) for a, b in spans if a < i + n and b > i]
            word = self._homophone(piece, near)
            if word is not None:
                if word not in self._words and i + 1 < len(run):
                    # 有演科: 有 + 眼科, not 有研 + 科 (a stop character with one character is
                    # a target only when what follows makes no word)
                    after, m, after_known = self._step(run, i + 1, spans)
                    if m > 1 and not after_known and after in self._words:
                        return run[i], 1, False
                return word, n, False
        return self._lone_char(run, i, spans), 1, False

    def _lone_char(self, run: str, i: int, spans: Sequence[tuple[int, int]]) -> str:
        """A character that no piece reads; at the end of the run, after a character that is
        no stop character, the particle of its sound when no common word holds it (选马 →
        选吗; 我妈 stays)."""
        char = run[i]
        if i + 1 < len(run):
            return self._lone_stop(run, i, spans)
        if (
            i == 0
            or char in self._standing  # 呢 is no 了
            or run[i - 1] in self._standing  # 我妈 stays
            or any(a <= i < b for a, b in spans)
        ):
            return char
        return next((self._lone[k] for k in self._keys(char) if k in self._lone), char)

    def _lone_stop(self, run: str, i: int, spans: Sequence[tuple[int, int]]) -> str:
        """A character inside a run that no piece reads, held by no common word and no stop
        character itself: the stop character of its sound when that makes a common word of
        the knowledge base with the next character, or a piece of its phrases with the next
        two, as corrected (药交学费 → 要交学费, 于哪些 → 有哪些, 水可已 → 谁可以)."""
        char = run[i]
        if char in self._standing or any(a <= i < b for a, b in spans):
            return char
        found = (self._standing_by_sound.get(key) for key in self._keys(char))
        stops = [stop for stop in dict.fromkeys(found) if stop is not None and stop != char]
        if not stops:
            return char
        after = self._step(run, i + 1, spans)[0]  # as corrected: 水可已 is 谁 + 可以
        for stop in stops:
            pair, three = stop + after[:1], stop + after[:2]
            if pair in self._common_targets or (len(three) == 3 and three in self._known):
                return stop
        return char
