"""The matcher's settings: ``knowledge/matching.yaml`` read and checked into typed classes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from bot.content.knowledge import KnowledgeError, load_yaml
from bot.content.languages import LANGUAGES
from bot.understanding.candidates import Candidate, Match
from bot.understanding.decision import AnswerDecision
from bot.understanding.text import normalize, stem


def _per_language(lists: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """A mapping of language to a list of phrases (missing languages: none)."""
    return {lang: tuple(_words(lists, lang)) if lang in lists else () for lang in LANGUAGES}


@dataclass(frozen=True)
class SemanticConfig:
    """How the sentence-embedding signal is fused with the lexical score."""

    weight: float = 0.0  # share of the fused score given to meaning (0: lexical only)
    low: float = 0.3  # a cosine similarity at or below this counts as 0 ...
    high: float = 0.8  # ... and at or above this as 1
    candidates: int = 6  # best topics by meaning added to the lexical shortlist
    shortlist: int = 24  # topics compared phrase by phrase (closest centroids first)
    name_bonus: float = 0.0  # added to an item named word for word in the question
    # The answer decision with meaning on: a logistic model over the best candidate's
    # features (FEATURES), its weights fitted on the dev sets; the bot answers when the
    # probability reaches ``accept``. Empty: the threshold rule of ``answers`` decides.
    confidence: Mapping[str, float] = field(default_factory=dict)
    accept: float = 0.5
    min_gap: float = 0.0  # a closer runner-up makes it a "did you mean" (ambiguous question)
    # A message this much closer to an out-of-scope example than to any topic asks for no
    # field ("a master of law at the Sorbonne?" is no request for a listed option).
    off_topic_margin: float = 1.0
    # A "did you mean" whose best topic is an honest "not published" entry is that entry from
    # this fused score, when the message is closer in meaning to it than to any out-of-scope
    # example by ``honest_margin``: saying "the pages do not give this" risks no wrong fact
    # (1.0: never).
    honest: float = 1.0
    honest_margin: float = 0.0
    # Under the lexical ``thresholds.suggest`` the answer model answers only when the words
    # explain at least this share of the message (coverage): a message whose words the
    # knowledge base barely knows is a guess by meaning alone (1.0: never under suggest).
    words_under_suggest: float = 1.0

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> SemanticConfig:
        """From the ``semantic:`` section of ``matching.yaml``."""
        defaults = cls()
        return cls(
            weight=float(data.get("weight", defaults.weight)),
            low=float(data.get("low", defaults.low)),
            high=float(data.get("high", defaults.high)),
            candidates=int(data.get("candidates", defaults.candidates)),
            shortlist=int(data.get("shortlist", defaults.shortlist)),
            name_bonus=float(data.get("name_bonus", 0.0)),
            confidence={str(k): float(v) for k, v in (data.get("confidence") or {}).items()},
            accept=float(data.get("accept", 0.5)),
            min_gap=float(data.get("min_gap", 0.0)),
            off_topic_margin=float(data.get("off_topic_margin", defaults.off_topic_margin)),
            honest=float(data.get("honest", defaults.honest)),
            honest_margin=float(data.get("honest_margin", defaults.honest_margin)),
            words_under_suggest=float(
                data.get("words_under_suggest", defaults.words_under_suggest)
            ),
        )

    def scale(self, cosine: float) -> float:
        """A cosine similarity mapped onto [0, 1] between ``low`` and ``high``."""
        return min(1.0, max(0.0, (cosine - self.low) / (self.high - self.low)))


@dataclass(frozen=True)
class NotListed:
    """Common names of fields that are not among a list's items ("dermatology")."""

    list_id: str  # the list entry they would belong to
    names: Mapping[str, tuple[str, ...]]  # per language, the first is the name shown

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> NotListed:
        names = {lang: tuple(_words(data, lang)) for lang in LANGUAGES}
        if not all(names.values()):
            raise ValueError(f"not_listed {data!r}: needs names in en, zh and fr")
        return cls(str(data["list"]), names)


@dataclass(frozen=True)
class MatchingConfig:
    """Thresholds, weights and word lists from ``knowledge/matching.yaml``."""

    answer_threshold: float
    suggest_threshold: float
    margin: float
    min_coverage: float
    coverage_weight: float
    overlap_weight: float
    unknown_weight: float
    unknown_cjk_weight: float
    cjk_char_weight: float
    generic_weight: float
    context_weight: float
    characteristic_share: float
    typo_min_length: int
    typo_long_word: int
    candidates: int
    postings: int
    stopwords: dict[str, frozenset[str]]
    generic: frozenset[str]
    particles: frozenset[str]
    semantic: SemanticConfig = field(default_factory=SemanticConfig)
    not_listed: tuple[NotListed, ...] = ()
    preamble: dict[str, tuple[str, ...]] = field(default_factory=dict)
    chatter: dict[str, tuple[str, ...]] = field(default_factory=dict)  # laughter, fillers
    leads: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "所以想问", "but fr"
    conjunctions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    choice_conjunctions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    choice_words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # two words a conjunction joins inside one question ("paid or free", "min and max")
    joined_pairs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # words asking to choose or compare named options ("asks": anywhere; "between": only
    # between two names), per language (see bot/understanding/options.py)
    comparisons: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    not_topics: frozenset[str] = frozenset()
    out_of_scope: dict[str, tuple[str, ...]] = field(default_factory=dict)
    list_words: dict[str, frozenset[str]] = field(default_factory=dict)  # list id: its words
    # the words of a request for a whole list, as written (see bot/understanding/list_requests.py)
    list_requests: dict[str, Any] = field(default_factory=dict)
    # Chinese: the demonstratives and kind words of "看牙的那个学科" and the leading words
    # dropped from the description (see bot/understanding/chinese_described.py)
    described: dict[str, tuple[str, ...]] = field(default_factory=dict)
    regional: dict[str, str] = field(default_factory=dict)  # regional word as written: mainland
    # per language, chat and phonetic spellings and the words they stand for (koi: quoi)
    shorthand: dict[str, dict[str, str]] = field(default_factory=dict)
    declined: tuple[re.Pattern[str], ...] = ()  # requests declined whatever words they use
    # other institutions asked about, as read (see bot/understanding/institutions.py)
    institutions: dict[str, Any] = field(default_factory=dict)
    # who is asking: a patient's or a student's patterns, as read (see bot/understanding/general.py)
    patients: dict[str, Any] = field(default_factory=dict)
    # career advice: its patterns and the programme's words, as read (session 14, general.py)
    careers: dict[str, Any] = field(default_factory=dict)
    # a message naming an item, closer without its names to the out-of-scope examples than to
    # every entry by this, asks something general (see bot/understanding/general.py)
    general_margin: float = 0.12
    general_places: frozenset[str] = frozenset()  # the partners' places, taken out like names
    # ... or by this margin when only places were taken out (no item named: "what state is
    # Dartmouth in?", "法国的首都是哪里"); None: the general margin
    general_place_margin: float | None = None
    # ... or by this (smaller) margin when this share of what is left is unknown words
    general_unknown: tuple[float, float, float] = (0.5, 0.0, 0.4)  # (share, margin, closest)
    # qualifiers that make a named item a longer one, as read (see bot/understanding/names.py)
    qualified: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def decision(self) -> AnswerDecision:
        """The answer decision these settings describe."""
        semantic = self.semantic
        return AnswerDecision(
            self.answer_threshold,
            self.min_coverage,
            semantic.confidence,
            semantic.accept,
            semantic.min_gap,
        )

    def answers(self, candidate: Candidate) -> bool:
        """The lexical rule (see :meth:`AnswerDecision.answers`)."""
        return self.decision.answers(candidate)

    def answer_of(self, match: Match) -> Candidate | None:
        """The best candidate of a match when confident enough to be the answer (see
        :meth:`AnswerDecision.answer_of`)."""
        return self.decision.answer_of(match)

    @classmethod
    def load(cls, path: Path) -> MatchingConfig:
        """Read and check the matching settings file."""
        data = load_yaml(path)
        try:
            thresholds, weights, typos = data["thresholds"], data["weights"], data["typos"]
            general = data.get("general_questions") or {}
            config = cls(
                answer_threshold=float(thresholds["answer"]),
                suggest_threshold=float(thresholds["suggest"]),
                margin=float(thresholds["margin"]),
                min_coverage=float(thresholds["min_coverage"]),
                coverage_weight=float(weights["coverage"]),
                overlap_weight=float(weights["overlap"]),
                unknown_weight=float(weights["unknown_word"]),
                unknown_cjk_weight=float(weights["unknown_cjk"]),
                cjk_char_weight=float(weights["cjk_character"]),
                generic_weight=float(weights["generic"]),
                context_weight=float(weights["context"]),
                characteristic_share=float(weights["characteristic"]),
                typo_min_length=int(typos["min_length"]),
                typo_long_word=int(typos["long_word"]),
                candidates=int(data["candidates"]),
                postings=int(data["postings"]),
                stopwords={
                    lang: frozenset(normalize(w) for w in _words(data["stopwords"], lang))
                    for lang in LANGUAGES
                },
                generic=frozenset(
                    stem(normalize(w)) for lang in LANGUAGES for w in _words(data["generic"], lang)
                ),
                particles=frozenset(normalize(w) for w in data["particles"]),
                semantic=SemanticConfig.read(data.get("semantic") or {}),
                not_listed=tuple(NotListed.read(group) for group in data.get("not_listed") or ()),
                preamble=_per_language(data.get("preamble") or {}),
                chatter=_per_language(data.get("chatter") or {}),
                leads=_per_language(data.get("leads") or {}),
                conjunctions=_per_language(data.get("conjunctions") or {}),
                choice_conjunctions=_per_language(data.get("choice_conjunctions") or {}),
                choice_words=_per_language(data.get("choice_words") or {}),
                joined_pairs=_per_language(data.get("joined_pairs") or {}),
                comparisons={
                    str(kind): _per_language(words or {})
                    for kind, words in (data.get("comparisons") or {}).items()
                },
                not_topics=frozenset(
                    normalize(w)
                    for lang in LANGUAGES
                    for w in (data.get("not_topics") or {}).get(lang, ())
                ),
                out_of_scope=_per_language(data.get("out_of_scope") or {}),
                declined=tuple(re.compile(str(p)) for p in data.get("declined") or ()),
                institutions=dict(data.get("institutions") or {}),
                patients=dict(data.get("patients") or {}),
                careers=dict(data.get("careers") or {}),
                qualified=dict(data.get("qualified") or {}),
                general_margin=float(general.get("margin", 0.12)),
                general_places=frozenset(normalize(str(w)) for w in general.get("places") or ()),
                general_place_margin=(
                    float(general["place_margin"]) if "place_margin" in general else None
                ),
                general_unknown=(
                    float((general.get("unknown") or {}).get("share", 0.5)),
                    float((general.get("unknown") or {}).get("margin", 0.0)),
                    float((general.get("unknown") or {}).get("closest", 0.4)),
                ),
                regional={
                    unicodedata.normalize("NFKC", str(word)).strip(): normalize(str(mainland))
                    for word, mainland in (data.get("regional") or {}).items()
                },
                shorthand={
                    str(lang): {
                        normalize(str(w)): normalize(str(full)) for w, full in table.items()
                    }
                    for lang, table in (data.get("shorthand") or {}).items()
                },
                list_words={
                    str(list_id): frozenset(normalize(w) for ws in words.values() for w in ws)
                    for list_id, words in (data.get("list_words") or {}).items()
                },
                list_requests=dict(data.get("list_requests") or {}),
                described={
                    str(key): tuple(str(w) for w in words)
                    for key, words in (data.get("described") or {}).items()
                },
            )
        except (KeyError, TypeError, ValueError, re.error) as error:
            raise KnowledgeError([f"{path.name}: missing or invalid setting: {error}"]) from None
        if not 0 <= config.suggest_threshold <= config.answer_threshold <= 1:
            raise KnowledgeError([f"{path.name}: need 0 <= suggest <= answer <= 1"])
        if not 0 <= config.coverage_weight + config.overlap_weight <= 1:
            raise KnowledgeError([f"{path.name}: need 0 <= coverage + overlap weights <= 1"])
        return config


def _words(lists: Mapping[str, Any], lang: str) -> list[str]:
    """One language's word list; YAML turns a bare on/yes/no into a boolean, so quote them."""
    words = lists[lang]
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        bad = [w for w in words if not isinstance(w, str)] if isinstance(words, list) else words
        raise ValueError(f"{lang}: words must be strings (quote on, yes, no…): {bad}")
    return words
