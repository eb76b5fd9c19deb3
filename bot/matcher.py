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

from bot.knowledge import KnowledgeBase, KnowledgeError, load_yaml
from bot.text import LANGUAGES, guess_language, normalize, stem, tokenize


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
    typo_min_length: int
    typo_min_ratio: float
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
                typo_min_length=int(typos["min_length"]),
                typo_min_ratio=float(typos["min_ratio"]),
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
    vocabulary: frozenset[str]
    phrases: tuple[str, ...]  # content tokens of each phrase, joined by spaces
    frequency: dict[str, float]  # share of the phrases that contain a token


def _fuzzy_form(tokens: Iterable[str]) -> str:
    """The string compared by rapidfuzz: words and single Chinese characters, no pairs."""
    return " ".join(t for t in tokens if t.isascii() or len(t) == 1)


def _topic_phrases(kb: KnowledgeBase) -> dict[str, list[str]]:
    phrases: dict[str, list[str]] = defaultdict(list)
    for entry in kb.entries.values():
        for lang in LANGUAGES:
            phrases[entry.id] += [entry.title[lang], *entry.examples.get(lang, ())]
            phrases[entry.id] += entry.keywords.get(lang, ())
    for item in kb.items.values():
        for lang in LANGUAGES:
            phrases[item.id] += [item.name[lang], *item.aliases.get(lang, ())]
    return phrases


class Matcher:
    """Scores questions against every topic of a knowledge base."""

    def __init__(self, kb: KnowledgeBase, config: MatchingConfig) -> None:
        self.config = config
        self._stopwords = frozenset().union(*config.stopwords.values())
        self._topics: dict[str, _Topic] = {}
        language_words: dict[str, set[str]] = {lang: set(config.stopwords[lang]) for lang in LANGUAGES}
        for entry in kb.entries.values():
            for lang in ("en", "fr"):
                for phrase in (*entry.examples.get(lang, ()), *entry.keywords.get(lang, ())):
                    language_words[lang].update(normalize(phrase).split())
        self._markers = {lang: frozenset(words) for lang, words in language_words.items()}
        for topic_id, raw_phrases in _topic_phrases(kb).items():
            token_lists = [tokenize(normalize(p), self._stopwords) for p in raw_phrases]
            token_lists = [tokens for tokens in token_lists if tokens]
            counts = Counter(t for tokens in token_lists for t in set(tokens))
            self._topics[topic_id] = _Topic(
                id=topic_id,
                vocabulary=frozenset(counts),
                phrases=tuple(dict.fromkeys(_fuzzy_form(tokens) for tokens in token_lists)),
                frequency={t: n / len(token_lists) for t, n in counts.items()},
            )
        document_frequency = Counter(t for topic in self._topics.values() for t in topic.vocabulary)
        total = len(self._topics)
        self._idf = {
            t: math.log((total + 1) / (n + 0.5)) * (config.generic_weight if t in config.generic else 1)
            for t, n in document_frequency.items()
        }
        self._index: dict[str, list[_Topic]] = defaultdict(list)
        for topic in self._topics.values():
            for token in topic.vocabulary:
                self._index[token].append(topic)
        self._latin_vocabulary = sorted(t for t in self._idf if t.isascii() and len(t) >= 3)
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)

    @property
    def topic_ids(self) -> list[str]:
        """Every entry and item id the matcher knows."""
        return list(self._topics)

    def _correct_uncached(self, token: str) -> str | None:
        """The known word closest to a misspelt one, if close enough."""
        if len(token) < self.config.typo_min_length:
            return None
        found = process.extractOne(
            token,
            self._latin_vocabulary,
            scorer=fuzz.ratio,
            score_cutoff=self.config.typo_min_ratio,
        )
        return found[0] if found else None

    def _weigh(self, tokens: Iterable[str]) -> dict[str, float]:
        """Each content token of a question (misspellings corrected) with its weight."""
        weights: dict[str, float] = {}
        for token in tokens:
            if token in self._idf:
                weights[token] = self._idf[token]
            elif token.isascii():
                corrected = self._correct(token)
                if corrected is not None:
                    weights[corrected] = self._idf[corrected]
                else:
                    weights[token] = self.config.unknown_weight
            elif len(token) == 1:
                weights[token] = self.config.unknown_cjk_weight
            # an unknown pair of Chinese characters is a word boundary, not evidence
        return weights

    def match(self, question: str) -> Match:
        """Score a question against all topics; the best candidates come first."""
        normalized = normalize(question)
        language = guess_language(question, normalized.split(), self._markers)
        weights = self._weigh(tokenize(normalized, self._stopwords))
        total = sum(weights.values())
        if not total:
            return Match(language, ())
        coverage: dict[str, float] = defaultdict(float)
        density: dict[str, float] = defaultdict(float)
        topics: dict[str, _Topic] = {}
        for token, weight in weights.items():
            for topic in self._index.get(token, ()):
                coverage[topic.id] += weight / total
                density[topic.id] += weight * topic.frequency[token]
                topics[topic.id] = topic
        shortlist = sorted(
            coverage, key=lambda t: (coverage[t] + 0.05 * density[t], t), reverse=True
        )[: self.config.candidates]
        query = _fuzzy_form(weights)
        candidates = []
        cw = self.config.coverage_weight
        for topic_id in shortlist:
            best = process.extractOne(query, topics[topic_id].phrases, scorer=fuzz.token_sort_ratio)
            similarity = best[1] / 100 if best else 0.0
            score = cw * coverage[topic_id] + (1 - cw) * similarity
            candidates.append(Candidate(topic_id, round(score, 4), coverage[topic_id], similarity))
        candidates.sort(key=lambda c: (c.score, c.coverage), reverse=True)
        return Match(language, tuple(candidates))
