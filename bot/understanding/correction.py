"""Spelling correction of a message before lexical matching: regional Chinese words replaced by
mainland ones (``matching.yaml`` ``regional:``), then misspelt words corrected against the
knowledge base's own vocabulary (:mod:`bot.understanding.spelling`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from bot.content.knowledge import KnowledgeBase, KnowledgeError
from bot.content.languages import LANGUAGES
from bot.understanding.matching_config import MatchingConfig
from bot.understanding.spelling import ChineseSpeller, Speller
from bot.understanding.text import chinese_runs, has_cjk, normalize, zhconv


class RegionalWords:
    """Taiwanese, Hong Kong and Cantonese words (``matching.yaml`` ``regional:``) replaced by
    the mainland words the knowledge base uses, in the message as written, longest first, so
    that every later step (asking part, parts, lexical and semantic signals) reads mainland
    words (呢個計劃係咪… → 这个项目是不是…). Only texts with Chinese characters are changed.

    A word is found as written and in the other script too (計劃 and 计划), except a single
    character whose other form is used by the knowledge base's own phrases (係 is not 系:
    关系). Each replacement must be a word of the knowledge base's Chinese phrases (``known``,
    not-listed names included) or stop words: :class:`KnowledgeError` otherwise.
    """

    def __init__(
        self, regional: Mapping[str, str], known: list[str], stopwords: frozenset[str]
    ) -> None:
        text = "|".join(known)
        unknown = [
            f"{word}: {mainland}"
            for word, mainland in regional.items()
            if not word
            or (
                mainland not in text
                and mainland not in stopwords
                and not all(char in stopwords for char in mainland)
            )
        ]
        if unknown:
            raise KnowledgeError(
                [f"matching.yaml: regional: not a word of the knowledge base: {', '.join(unknown)}"]
            )
        used = {char for phrase in known for char in phrase}
        self._words: dict[str, str] = {}
        for word, mainland in regional.items():
            self._words.setdefault(word, mainland)
            for form in (zhconv.convert(word, "zh-hans"), zhconv.convert(word, "zh-hant")):
                if form != word and (len(form) > 1 or form not in used):
                    self._words.setdefault(form, mainland)
        ordered = sorted(self._words, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None

    def mainland(self, text: str) -> str:
        """The text with its regional words replaced (unchanged without Chinese)."""
        if self._pattern is None or not has_cjk(text):
            return text
        return self._pattern.sub(lambda m: self._words[m.group(0)], text)


class Shorthand:
    """Chat shorthand of English and French (``matching.yaml`` ``shorthand:``: u, pls, jsuis,
    c koi, réa) written out, whole words only, in the message as written, so that every later
    step reads the full words. Each written-out word must be known to the knowledge base (a
    word of its phrases or a stop word): :class:`KnowledgeError` otherwise."""

    def __init__(self, shorthand: Mapping[str, str], known: frozenset[str]) -> None:
        unknown = [
            f"{short}: {full}"
            for short, full in shorthand.items()
            if not short or any(w not in known for w in normalize(full).split())
        ]
        if unknown:
            raise KnowledgeError(
                [f"matching.yaml: shorthand: not words of the knowledge base: {', '.join(unknown)}"]
            )
        self._words = {short.casefold(): full for short, full in shorthand.items()}
        for short, full in shorthand.items():
            self._words.setdefault(normalize(short), full)  # réa and rea
        ordered = sorted(self._words, key=len, reverse=True)
        alternatives = "|".join(re.escape(w) for w in ordered)
        self._pattern = (
            re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w'’-])", re.IGNORECASE)
            if ordered
            else None
        )

    def written_out(self, text: str) -> str:
        """The text with its shorthand written out."""
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._words[m.group(0).casefold()], text)


def vocabulary_speller(
    kb: KnowledgeBase, config: MatchingConfig, phrases: dict[str, list[tuple[str, str]]]
) -> Speller:
    """The knowledge base's vocabulary, for correcting misspelt words: the words of every
    phrase, stop word, out-of-scope example and not-listed name."""
    words = [w for found in phrases.values() for _, text in found for w in text.split()]
    words += [w for lang in LANGUAGES for w in config.stopwords[lang]]
    outside = [
        w
        for texts in (
            *config.out_of_scope.values(),
            *(group.names[lang] for group in config.not_listed for lang in LANGUAGES),
        )
        for text in texts
        for w in normalize(text).split()
    ]
    runs = [r for found in phrases.values() for _, text in found for r in chinese_runs(text)]
    keep = [
        r
        for texts in (
            config.out_of_scope.get("zh", ()),
            *(group.names["zh"] for group in config.not_listed),
        )
        for text in texts
        for r in chinese_runs(normalize(text))
    ]
    names = [
        w
        for item in kb.items.values()
        for lang in LANGUAGES
        for text in (item.name[lang], *item.aliases.get(lang, ()))
        for w in normalize(text).split()
    ]
    unlisted = [
        r
        for group in config.not_listed
        for n in group.names["zh"]
        for r in chinese_runs(normalize(n))
    ]
    chinese = ChineseSpeller(runs, keep, names=unlisted)
    return Speller([*words, *outside], names=names, chinese=chinese)


class TextCorrector:
    """Normalises texts and corrects their spelling, with a bounded cache of corrected texts.

    ``phrases`` are every topic's normalised matching phrases with their language. The speller
    is built at the first text, not at start-up (0.15 s).
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        config: MatchingConfig,
        phrases: dict[str, list[tuple[str, str]]],
    ) -> None:
        self._kb, self._config, self._phrases = kb, config, phrases
        known = [p for found in phrases.values() for lang, p in found if lang == "zh"]
        known += [normalize(n) for group in config.not_listed for n in group.names["zh"]]
        self.regional = RegionalWords(config.regional, known, config.stopwords["zh"])
        words = {w for found in phrases.values() for _, text in found for w in text.split()}
        words |= {w for lang in LANGUAGES for w in config.stopwords[lang]}
        self.shorthand = Shorthand(config.shorthand, frozenset(words))
        self._speller: Speller | None = None
        self._corrected = lru_cache(maxsize=1024)(self._correct)

    def standard(self, text: str) -> str:
        """A message as written with its regional Chinese words and its chat shorthand
        replaced: what every signal reads."""
        return self.shorthand.written_out(self.regional.mainland(text))

    def spelt(self, text: str) -> str:
        """A text normalised, its misspelt words corrected (cached)."""
        return self._corrected(text)

    def clear_cache(self) -> None:
        """Forget the corrected texts."""
        self._corrected.cache_clear()

    def _correct(self, text: str) -> str:
        normalized = normalize(self.standard(text))
        if self._speller is None:
            self._speller = vocabulary_speller(self._kb, self._config, self._phrases)
        return self._speller.correct(normalized)
