"""Fuzzy, multilingual matching of a question against the knowledge base.

Every entry and every named item is a *topic* with matching phrases (examples, keywords,
titles; names and aliases) in all languages. A question is scored against a topic by two
measures, each in [0, 1]:

- coverage: the share of the question's meaning (its words weighted by rarity) that the topic's
  vocabulary explains. Words the knowledge base has never seen count against it, which is what
  keeps off-topic questions that share one name with the programme from being answered;
- similarity: rapidfuzz's token-sort ratio between the question and the topic's closest phrase.

Misspelt words are first corrected to the closest known word with rapidfuzz.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.knowledge import KnowledgeBase, KnowledgeError, load_yaml
from bot.text import LANGUAGES, guess_language, normalize, pairs, segments, stem, tokenize


@dataclass(frozen=True)
class MatchingConfig:
    """Thresholds, weights and word lists from ``knowledge/matching.yaml``."""

    answer_threshold: float
    suggest_threshold: float
    margin: float
    min_coverage: float
    coverage_weight: float
    unknown_weight: float
    unknown_cjk_weight: float
    generic_weight: float
    context_weight: float
    typo_min_length: int
    typo_long_word: int
    candidates: int
    stopwords: dict[str, frozenset[str]]
    generic: frozenset[str]

    @classmethod
    def load(cls, path: Path) -> MatchingConfig:
        """Read and check the matching settings file."""
        data = load_yaml(path)
        try:
            thresholds, weights, typos = data["thresholds"], data["weights"], data["typos"]
            config = cls(
                answer_threshold=float(thresholds["answer"]),
                suggest_threshold=float(thresholds["suggest"]),
                margin=float(thresholds["margin"]),
                min_coverage=float(thresholds["min_coverage"]),
                coverage_weight=float(weights["coverage"]),
                unknown_weight=float(weights["unknown_word"]),
                unknown_cjk_weight=float(weights["unknown_cjk"]),
                generic_weight=float(weights["generic"]),
                context_weight=float(weights["context"]),
                typo_min_length=int(typos["min_length"]),
                typo_long_word=int(typos["long_word"]),
                candidates=int(data["candidates"]),
                stopwords={
                    lang: frozenset(normalize(str(w)) for w in data["stopwords"][lang])
                    for lang in LANGUAGES
                },
                generic=frozenset(
                    stem(normalize(str(w))) for lang in LANGUAGES for w in data["generic"][lang]
                ),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise KnowledgeError([f"{path.name}: missing or invalid setting: {error}"]) from None
        if not 0 <= config.suggest_threshold <= config.answer_threshold <= 1:
            raise KnowledgeError([f"{path.name}: need 0 <= suggest <= answer <= 1"])
        return config


@dataclass(frozen=True)
class Candidate:
    """One topic scored against a question."""

    topic_id: str
    score: float
    coverage: float
    similarity: float


@dataclass(frozen=True)
class Match:
    """The guessed language of a question and its best candidates, best first."""

    language: str
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class _Topic:
    id: str
    vocabulary: dict[str, float]  # token -> 1, or the context weight for a list's words
    phrases: tuple[str, ...]  # fuzzy forms of the topic's own phrases
    frequency: dict[str, float]  # share of the phrases that contain a token


@dataclass(frozen=True)
class _Question:
    weights: dict[str, float]  # known tokens (misspellings corrected) and their weights
    unknown: float  # the weight of what the knowledge base does not know


def _fuzzy_form(tokens: Iterable[str]) -> str:
    """The string compared by rapidfuzz: words and single Chinese characters, no pairs."""
    return " ".join(t for t in tokens if t.isascii() or len(t) == 1)


def _topic_phrases(kb: KnowledgeBase) -> dict[str, list[tuple[str, str]]]:
    """Every matching phrase of every topic, with its language."""
    phrases: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for entry in kb.entries.values():
        for lang in LANGUAGES:
            texts = [entry.title[lang], *entry.examples.get(lang, ()), *entry.keywords.get(lang, ())]
            phrases[entry.id] += [(lang, text) for text in texts]
    for item in kb.items.values():
        for lang in LANGUAGES:
            texts = [item.name[lang], *item.aliases.get(lang, ())]
            phrases[item.id] += [(lang, text) for text in texts]
    return phrases


class Matcher:
    """Scores questions against every topic of a knowledge base."""

    def __init__(self, kb: KnowledgeBase, config: MatchingConfig) -> None:
        self.config = config
        # Chinese stop characters apply to every language (a question may mix scripts).
        self._stopwords = {
            lang: config.stopwords[lang] | config.stopwords["zh"] for lang in LANGUAGES
        }
        phrases = _topic_phrases(kb)
        language_words: dict[str, set[str]] = {lang: set(config.stopwords[lang]) for lang in LANGUAGES}
        for topic_phrases in phrases.values():
            for lang, phrase in topic_phrases:
                language_words[lang].update(normalize(phrase).split())
        self._markers = {lang: frozenset(words) for lang, words in language_words.items()}
        self._topics = {
            topic_id: self._topic(topic_id, raw) for topic_id, raw in phrases.items()
        }
        # A named item also knows the words of its lists ("cardiology dept at the hospital"),
        # with less weight than its own names.
        for item in kb.items.values():
            topic = self._topics[item.id]
            for membership in item.memberships:
                for token in self._topics[membership.entry_id].vocabulary:
                    topic.vocabulary.setdefault(token, config.context_weight)
        document_frequency = Counter(
            t for topic in self._topics.values() for t, w in topic.vocabulary.items() if w == 1
        )
        total = len(self._topics)
        self._idf = {
            t: math.log((total + 1) / (n + 0.5)) * (config.generic_weight if t in config.generic else 1)
            for t, n in document_frequency.items()
        }
        self._index: dict[str, list[tuple[_Topic, float]]] = defaultdict(list)
        for topic in self._topics.values():
            for token, factor in topic.vocabulary.items():
                if token in self._idf:
                    self._index[token].append((topic, factor))
        self._latin_vocabulary = sorted(t for t in self._idf if t.isascii() and len(t) >= 3)
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)

    def _topic(self, topic_id: str, raw_phrases: list[tuple[str, str]]) -> _Topic:
        token_lists = [
            tokens
            for lang, text in raw_phrases
            if (tokens := tokenize(normalize(text), self._stopwords[lang]))
        ]
        counts = Counter(t for tokens in token_lists for t in set(tokens))
        return _Topic(
            id=topic_id,
            vocabulary=dict.fromkeys(counts, 1.0),
            phrases=tuple(dict.fromkeys(_fuzzy_form(tokens) for tokens in token_lists)),
            frequency={t: n / len(token_lists) for t, n in counts.items()},
        )

    @property
    def topic_ids(self) -> list[str]:
        """Every entry and item id the matcher knows."""
        return list(self._topics)

    def _correct_uncached(self, token: str) -> str | None:
        """The known word closest to a misspelt one: one edit (a swap of two neighbouring
        letters counts as one) for words of up to 7 letters, two for longer ones."""
        if len(token) < self.config.typo_min_length:
            return None
        edits = 1 if len(token) < self.config.typo_long_word else 2
        found = process.extractOne(
            token, self._latin_vocabulary, scorer=OSA.distance, score_cutoff=edits
        )
        return found[0] if found else None

    def _analyse(self, normalized: str, stopwords: frozenset[str]) -> _Question:
        """Weigh the meaningful tokens of a question and what in it is unknown.

        An unknown pair of Chinese characters next to a known pair is a word boundary
        (住宿|免费 gives 宿免), not an unknown word. Unknown words count with diminishing
        weight so that one long question is not drowned by its many ordinary words.
        """
        weights: dict[str, float] = {}
        unknown_words = unknown_chinese = 0
        for piece in segments(normalized, stopwords):
            if piece.isascii():
                token = piece if piece in self._idf else self._correct(piece)
                if token is None:
                    unknown_words += 1
                else:
                    weights[token] = self._idf[token]
                continue
            for char in piece:
                if char in self._idf:
                    weights[char] = self._idf[char]
                else:
                    unknown_chinese += 1
            known = [pair in self._idf for pair in pairs(piece)]
            for i, pair in enumerate(pairs(piece)):
                if known[i]:
                    weights[pair] = self._idf[pair]
                elif not (i > 0 and known[i - 1]) and not (i + 1 < len(known) and known[i + 1]):
                    unknown_chinese += 1
        unknown = self.config.unknown_weight * math.sqrt(
            unknown_words
        ) + self.config.unknown_cjk_weight * math.sqrt(unknown_chinese)
        return _Question(weights, unknown)

    def match(self, question: str) -> Match:
        """Score a question against all topics; the best candidates come first."""
        normalized = normalize(question)
        language = guess_language(question, normalized.split(), self._markers)
        analysed = self._analyse(normalized, self._stopwords[language])
        if not analysed.weights:
            # Only stop words ("what can you do?"): match on every word instead.
            analysed = self._analyse(normalized, frozenset())
        total = sum(analysed.weights.values()) + analysed.unknown
        if not analysed.weights or not total:
            return Match(language, ())
        coverage: dict[str, float] = defaultdict(float)
        density: dict[str, float] = defaultdict(float)
        topics: dict[str, _Topic] = {}
        for token, weight in analysed.weights.items():
            for topic, factor in self._index.get(token, ()):
                coverage[topic.id] += weight * factor / total
                density[topic.id] += weight * topic.frequency.get(token, 0.0)
                topics[topic.id] = topic
        shortlist = sorted(
            coverage, key=lambda t: (coverage[t] + 0.05 * density[t], t), reverse=True
        )[: self.config.candidates]
        query = _fuzzy_form(analysed.weights)
        candidates = []
        cw = self.config.coverage_weight
        for topic_id in shortlist:
            best = process.extractOne(query, topics[topic_id].phrases, scorer=fuzz.token_sort_ratio)
            similarity = best[1] / 100 if best else 0.0
            score = cw * coverage[topic_id] + (1 - cw) * similarity
            candidates.append(Candidate(topic_id, round(score, 4), coverage[topic_id], similarity))
        candidates.sort(key=lambda c: (c.score, c.coverage), reverse=True)
        return Match(language, tuple(candidates))
