"""Fuzzy, multilingual matching of a question against the knowledge base.

Every entry and every named item is a *topic* with matching phrases (examples, keywords,
titles; names and aliases) in all languages. A question's tokens are weighted by rarity (idf
over topics, lowered for generic words and for words no topic uses characteristically), and it
is scored against a topic by three measures, each in [0, 1]:

- coverage: the share of the question's weight that the topic's vocabulary explains. Words the
  knowledge base has never seen count against it, which is what keeps off-topic questions that
  share a name or a word with the programme from being answered;
- overlap: the best weighted Dice overlap between the question and one of the topic's phrases
  (words must co-occur in a phrase, not only somewhere in the topic);
- similarity: rapidfuzz's token-sort ratio between the question, unknown words included, and
  the topic's closest phrase.

Misspelt words are first corrected to the closest known word with rapidfuzz. Chinese has no
spaces: a character and each pair of neighbouring characters are tokens, a pair (a word)
weighing more than a lone character.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.content.knowledge import KnowledgeBase, KnowledgeError, load_yaml
from bot.content.languages import LANGUAGES
from bot.understanding.embedding import Encoder, encode_all
from bot.understanding.text import (
    chinese_runs,
    guess_language,
    normalize,
    pairs,
    segments,
    stem,
    tokenize,
)


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
        )

    def scale(self, cosine: float) -> float:
        """A cosine similarity mapped onto [0, 1] between ``low`` and ``high``."""
        return min(1.0, max(0.0, (cosine - self.low) / (self.high - self.low)))

    def probability(self, features: Mapping[str, float]) -> float:
        """The logistic model's probability that the best candidate is the right answer."""
        z = self.confidence.get("bias", 0.0) + sum(
            self.confidence.get(name, 0.0) * value for name, value in features.items()
        )
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))


FEATURES = (
    "score",
    "lexical",
    "coverage",
    "cosine",
    "gap",
    "beyond_out_of_scope",
    "named",
    "out_of_scope",
)


def features(candidate: Candidate, gap: float, off_topic: float) -> dict[str, float]:
    """What the answer decision looks at, for the best candidate of a match."""
    return {
        "score": candidate.score,
        "lexical": candidate.lexical,
        "coverage": candidate.coverage,
        "cosine": candidate.semantic,
        "gap": gap,
        "beyond_out_of_scope": candidate.semantic - off_topic,
        "named": float(candidate.named),
        "out_of_scope": off_topic,
    }

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
    conjunctions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    not_topics: frozenset[str] = frozenset()
    out_of_scope: dict[str, tuple[str, ...]] = field(default_factory=dict)
    list_words: dict[str, frozenset[str]] = field(default_factory=dict)  # list id: its words

    def answers(self, candidate: Candidate) -> bool:
        """The lexical rule: the best candidate's score reaches the answer threshold and its
        words explain enough of the question."""
        return candidate.score >= self.answer_threshold and candidate.coverage >= self.min_coverage

    def answer_of(self, match: Match) -> Candidate | None:
        """The best candidate of a match when it is confident enough to be the answer: by the
        logistic model when meaning was measured, else by the thresholds."""
        if not match.candidates:
            return None
        best = match.candidates[0]
        gap = best.score - match.candidates[1].score if len(match.candidates) > 1 else best.score
        if match.semantic and self.semantic.confidence:
            p = self.semantic.probability(features(best, gap, match.off_topic))
            clear = gap >= self.semantic.min_gap or best.named
            return best if p >= self.semantic.accept and clear else None
        return best if self.answers(best) else None

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
                conjunctions=_per_language(data.get("conjunctions") or {}),
                not_topics=frozenset(
                    normalize(w)
                    for lang in LANGUAGES
                    for w in (data.get("not_topics") or {}).get(lang, ())
                ),
                out_of_scope=_per_language(data.get("out_of_scope") or {}),
                list_words={
                    str(list_id): frozenset(normalize(w) for ws in words.values() for w in ws)
                    for list_id, words in (data.get("list_words") or {}).items()
                },
            )
        except (KeyError, TypeError, ValueError) as error:
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


class Candidate(NamedTuple):
    """One topic scored against a question (a NamedTuple: a match makes dozens, and a frozen
    dataclass takes several times longer to build)."""

    topic_id: str
    score: float
    coverage: float
    similarity: float
    semantic: float = 0.0  # best cosine similarity with one of the topic's phrases
    lexical: float = 0.0  # the lexical score alone
    named: bool = False  # an item whose name or alias the question contains word for word


@dataclass(frozen=True)
class Match:
    """The guessed language of a question and its best candidates, best first."""

    language: str
    candidates: tuple[Candidate, ...]
    off_topic: float = 0.0  # best cosine similarity with an out-of-scope example
    semantic: bool = False  # whether meaning was measured (the candidates have cosines)


@dataclass(frozen=True)
class _Topic:
    id: str
    vocabulary: dict[str, float]  # token -> 1, or the context weight for a list's words
    frequency: dict[str, float]  # token -> share of the topic's phrases (in its language)
    phrases: tuple[str, ...]  # fuzzy forms of the topic's own phrases
    phrase_totals: tuple[float, ...]
    # token -> the phrases that contain it, with the token's weight in each
    phrase_index: dict[str, tuple[tuple[int, float], ...]]


@dataclass(frozen=True)
class _Question:
    weights: dict[str, float]  # known tokens (misspellings corrected) and their weights
    unknown: float  # the weight of what the knowledge base does not know
    words: tuple[str, ...]  # every content word and Chinese character, for the fuzzy measure


class _Lexical(NamedTuple):
    """A topic's lexical scores for a question (a light Candidate, made in the inner loops)."""

    score: float  # rounded, as in Candidate
    coverage: float
    similarity: float


@dataclass(frozen=True)
class _Text:
    """A text analysed for lexical scoring, with what every topic's scores need of it."""

    question: _Question
    total: float  # the weight of the known tokens plus that of the unknown
    query: str  # the fuzzy form of its words

    @property
    def scorable(self) -> bool:
        """Whether it has words, some of them known, to score topics by."""
        return bool(self.question.words and self.question.weights and self.total)


def _by_score(scores: _Lexical) -> float:
    return scores.score


def _fuzzy_form(tokens: Iterable[str]) -> str:
    """The string compared by rapidfuzz: words and single Chinese characters (no pairs),
    sorted once here so that matching can use the plain ratio (= token-sort ratio)."""
    return " ".join(sorted(t for t in tokens if t.isascii() or len(t) == 1))


def _topic_phrases(kb: KnowledgeBase) -> dict[str, list[tuple[str, str]]]:
    """Every matching phrase of every topic, with its language."""
    phrases: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for entry in kb.entries.values():
        for lang in LANGUAGES:
            texts = [
                entry.title[lang],
                *entry.examples.get(lang, ()),
                *entry.keywords.get(lang, ()),
            ]
            phrases[entry.id] += [(lang, text) for text in texts]
    for item in kb.items.values():
        for lang in LANGUAGES:
            texts = [item.name[lang], *item.aliases.get(lang, ())]
            phrases[item.id] += [(lang, text) for text in texts]
    return phrases


def _chinese_words(kb: KnowledgeBase, particles: frozenset[str]) -> frozenset[str]:
    """Chinese words of 2 to 4 characters named as titles, keywords, names or aliases, except
    those containing a particle (目的 would keep 的 whole in 项目的时长)."""
    texts = [
        text
        for entry in kb.entries.values()
        for text in (entry.title["zh"], *entry.keywords.get("zh", ()))
    ] + [
        text
        for item in kb.items.values()
        for text in (item.name["zh"], *item.aliases.get("zh", ()))
    ]
    return frozenset(
        run
        for text in texts
        for run in chinese_runs(normalize(text))
        if 2 <= len(run) <= 4 and not particles.intersection(run)
    )


def _shared_prefix(a: str, b: str) -> int:
    """How many first letters two words share."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _frequency(token_lists: list[tuple[str, list[str]]]) -> dict[str, float]:
    """For each token, the share of a topic's phrases in one language that contain it (the
    largest over languages)."""
    frequency: dict[str, float] = {}
    for lang in LANGUAGES:
        lists = [set(tokens) for phrase_lang, tokens in token_lists if phrase_lang == lang]
        for token, n in Counter(t for tokens in lists for t in tokens).items():
            frequency[token] = max(frequency.get(token, 0.0), n / len(lists))
    return frequency


_CLAUSE = re.compile(r"(?<=[.!?。！？;；,，\n])")
_QUOTED = re.compile(r"'[^']{3,}'|\"[^\"]{3,}\"|“[^”]{2,}”|«[^»]{2,}»|「[^」]{2,}」")
_PREPARED = 20_000  # embeddings of prepared questions kept at most
_QUESTION_END = re.compile(r"(?<=[?？，；;])|(?<=[吗呢],)")


class Matcher:
    """Scores questions against every topic of a knowledge base.

    ``encoder`` adds matching by meaning (sentence embeddings; None: lexical only), with the
    knowledge base's embeddings cached in ``cache_dir`` when given. To add examples (learned
    ones), build a new Matcher from a KnowledgeBase that has them.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        config: MatchingConfig,
        encoder: Encoder | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.config = config
        self.kb = kb
        self._encoder = encoder
        # Chinese stop characters apply to every language (a question may mix scripts).
        self._stopwords = {
            lang: config.stopwords[lang] | config.stopwords["zh"] for lang in LANGUAGES
        }
        # Short Chinese names and keywords are never cut at a stop character (申请 keeps 请).
        self._chinese_words = _chinese_words(kb, config.particles)
        phrases = {
            topic_id: [(lang, normalize(text)) for lang, text in raw]
            for topic_id, raw in _topic_phrases(kb).items()
        }
        language_words: dict[str, set[str]] = {
            lang: set(config.stopwords[lang]) for lang in LANGUAGES
        }
        for topic_phrases in phrases.values():
            for lang, phrase in topic_phrases:
                language_words[lang].update(phrase.split())
        self._markers = {lang: frozenset(words) for lang, words in language_words.items()}
        tokenized = {
            topic_id: [
                (lang, text, tokenize(text, self._stopwords[lang], self._chinese_words))
                for lang, text in raw
            ]
            for topic_id, raw in phrases.items()
        }
        token_lists = {
            topic_id: [(lang, tokens) for lang, _, tokens in found if tokens]
            for topic_id, found in tokenized.items()
        }
        # Phrases of stop words only ("who are you?"), for questions of stop words only.
        whole = {
            text: topic_id
            for topic_id, found in tokenized.items()
            for _, text, tokens in found
            if not tokens
        }
        self._whole_phrases, self._whole_topics = list(whole), list(whole.values())
        frequency = {topic_id: _frequency(lists) for topic_id, lists in token_lists.items()}
        self._idf = self._weigh(frequency)
        self._latin_vocabulary: dict[str, list[str]] = defaultdict(list)
        for token in sorted(self._idf):
            if token.isascii() and len(token) >= config.typo_min_length:
                self._latin_vocabulary[token[0]].append(token)
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)
        # A question's forms are analysed once per match, not once per candidate topic.
        self._text = lru_cache(maxsize=1024)(self._text_uncached)
        # What could be a name in a text: asked for several times per answer.
        self._pieces = lru_cache(maxsize=64)(self._pieces_uncached)
        self._topics = {
            topic_id: self._topic(
                topic_id, token_lists[topic_id], phrases[topic_id], frequency[topic_id]
            )
            for topic_id in phrases
        }
        # A named item also knows the words of its lists ("cardiology dept at the hospital"),
        # with less weight than its own names.
        for item in kb.items.values():
            vocabulary = self._topics[item.id].vocabulary
            for membership in item.memberships:
                for token, factor in self._topics[membership.entry_id].vocabulary.items():
                    vocabulary.setdefault(token, config.context_weight * factor)
        self._index: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for topic in self._topics.values():
            for token, factor in topic.vocabulary.items():
                self._index[token].append((topic.id, factor))
        self._words_setup(kb)
        self._semantic_setup(_topic_phrases(kb), cache_dir)

    def _words_setup(self, kb: KnowledgeBase) -> None:
        """Preambles, conjunctions, item names and the not-listed vocabulary."""
        config = self.config
        self._preamble = {
            lang: tuple(normalize(m) for m in config.preamble.get(lang, ())) for lang in LANGUAGES
        }
        conjunctions = [c for lang in LANGUAGES for c in config.conjunctions.get(lang, ())]
        self._conjunction_pattern = [
            re.compile(
                rf"(?i)\s+{re.escape(c)}\s+|,\s*{re.escape(c)}\s+"
                if c.isascii()
                else rf"[,，\s]*{re.escape(c)}"
            )
            for c in conjunctions
        ]
        names = {
            normalize(text)
            for item in kb.items.values()
            for lang in LANGUAGES
            for text in (item.name[lang], *item.aliases.get(lang, ()))
        }
        names.discard("")
        self._named: dict[str, set[str]] = defaultdict(set)
        for item in kb.items.values():
            for lang in LANGUAGES:
                for text in (item.name[lang], *item.aliases.get(lang, ())):
                    name = normalize(text)
                    if name:
                        self._named[name].add(item.id)
        latin_conjunctions = {normalize(c) for c in conjunctions if c.isascii()}
        self._joined_names = tuple(
            f" {n} "
            for n in sorted(names)
            if n.isascii() and latin_conjunctions.intersection(n.split())
        )
        terms = []
        for group in config.not_listed:
            if group.list_id not in kb.entries:
                raise KnowledgeError([f"matching.yaml: not_listed: unknown list {group.list_id}"])
            for lang in LANGUAGES:
                for name in group.names[lang]:
                    term = normalize(name)
                    if term and term not in names:  # a listed item is never "not listed"
                        terms.append((group, term, lang))
        for list_id in config.list_words:
            if not kb.entries.get(list_id) or not kb.entries[list_id].item_ids:
                raise KnowledgeError([f"matching.yaml: list_words: {list_id} is no list"])
        # Longest first: "pediatric dermatology" before "dermatology".
        self._not_listed_terms = sorted(terms, key=lambda t: -len(t[1]))
        self._not_listed_index = {term: (group, lang) for group, term, lang in reversed(terms)}
        self._longest_name = max(
            (len(n.split()) for n in [*names, *self._not_listed_index]), default=1
        )

    def _semantic_setup(
        self, phrases: dict[str, list[tuple[str, str]]], cache_dir: Path | None
    ) -> None:
        """The embeddings of every topic's phrases, grouped by topic, and of the out-of-scope
        examples."""
        self._prepared: dict[str, npt.NDArray[np.float32]] = {}
        self.asking_part = lru_cache(maxsize=8192)(self._asking_part)  # type: ignore[method-assign]
        self._topic_order = list(self._topics)
        self._topic_index = {topic_id: i for i, topic_id in enumerate(self._topic_order)}
        texts: list[str] = []
        offsets: list[int] = []
        for topic_id in self._topic_order:
            offsets.append(len(texts))
            unique = dict.fromkeys(text.strip() for _, text in phrases[topic_id])
            texts.extend(unique or [topic_id])
        out_of_scope = [q for lang in LANGUAGES for q in self.config.out_of_scope.get(lang, ())]
        self._offsets = np.array(offsets, dtype=np.intp)
        if self._encoder is None or self.config.semantic.weight <= 0:
            self._encoder = None
            self._vectors = np.zeros((0, 1), dtype=np.float32)
            self._out_of_scope = np.zeros((0, 1), dtype=np.float32)
            return
        vectors = encode_all(self._encoder, texts + out_of_scope, cache_dir)
        self._vectors, self._out_of_scope = vectors[: len(texts)], vectors[len(texts) :]
        ends = [*offsets[1:], len(texts)]
        self._blocks = [self._vectors[a:b] for a, b in zip(offsets, ends, strict=True)]
        centroids = np.stack([block.mean(axis=0) for block in self._blocks])
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self._centroids = (centroids / np.maximum(norms, 1e-9)).astype(np.float32)

    def _topic_similarities(
        self, queries: npt.NDArray[np.float32], must: set[int]
    ) -> npt.NDArray[np.float32]:
        """Each topic's best cosine with the queries, computed exactly for the ``shortlist``
        topics whose centroid is closest and for those in ``must`` (the lexical candidates);
        the others get -1 (on a large knowledge base, most phrases are never read)."""
        shortlist = self.config.semantic.shortlist
        n = len(self._topic_order)
        sims = np.full(n, -1.0, dtype=np.float32)
        if n <= shortlist:
            chosen: Iterable[int] = range(n)
        else:
            approx = (self._centroids @ queries.T).max(axis=1)
            chosen = set(np.argpartition(-approx, shortlist)[:shortlist].tolist()) | must
        columns, blocks = queries.T, self._blocks
        for i in chosen:
            sims[i] = (blocks[i] @ columns).max()
        return sims

    def _embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """The embeddings of texts, from those prepared by :meth:`prepare` when there."""
        assert self._encoder is not None
        missing = [t for t in texts if t not in self._prepared]
        if not missing:
            return np.stack([self._prepared[t] for t in texts])
        vectors = self._encoder.encode(texts)
        return vectors

    def prepare(self, questions: list[str]) -> None:
        """Encode many questions at once (and the parts they will be matched by), which is
        several times faster than one by one: ``ask`` with many questions does this."""
        if self._encoder is None:
            return
        texts: list[str] = []
        for question in questions:
            texts.append(question)
            texts.append(self.asking_part(question))
            parts = self.parts(question)
            if len(parts) > 1:
                texts.extend(parts)
                texts.extend(self.asking_part(part) for part in parts)
        unique = list(dict.fromkeys(texts))
        if len(self._prepared) + len(unique) > _PREPARED:
            self._prepared.clear()
        for i in range(0, len(unique), 256):
            chunk = unique[i : i + 256]
            for text, vector in zip(chunk, self._encoder.encode(chunk), strict=True):
                self._prepared[text] = vector

    @property
    def semantic(self) -> bool:
        """Whether matching by meaning is on."""
        return self._encoder is not None

    @property
    def encoder(self) -> Encoder | None:
        """The sentence encoder, or None (lexical matching only)."""
        return self._encoder

    def _weigh(self, frequency: dict[str, dict[str, float]]) -> dict[str, float]:
        """The weight of every known token: its idf over topics, lowered for generic words,
        and for words that no topic uses characteristically (in fewer than the
        ``characteristic`` share of its phrases: "time" in one example of many)."""
        topics = Counter(t for tokens in frequency.values() for t in tokens)
        share: dict[str, float] = defaultdict(float)
        for tokens in frequency.values():
            for token, f in tokens.items():
                share[token] = max(share[token], f)
        total, config = len(frequency), self.config
        return {
            token: math.log((total + 1) / (n + 0.5))
            * (config.generic_weight if token in config.generic else 1.0)
            * math.sqrt(min(1.0, share[token] / config.characteristic_share))
            for token, n in topics.items()
        }

    def _topic(
        self,
        topic_id: str,
        token_lists: list[tuple[str, list[str]]],
        phrases: list[tuple[str, str]],
        frequency: dict[str, float],
    ) -> _Topic:
        weighed = [
            weights
            for lang, text in phrases
            if (weights := self._analyse(text, self._stopwords[lang]).weights)
        ]
        phrase_index: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, weights in enumerate(weighed):
            for token, weight in weights.items():
                phrase_index[token].append((i, weight))
        return _Topic(
            id=topic_id,
            vocabulary=dict.fromkeys(frequency, 1.0),
            frequency=frequency,
            phrases=tuple(dict.fromkeys(_fuzzy_form(tokens) for _, tokens in token_lists)),
            phrase_totals=tuple(sum(weights.values()) for weights in weighed),
            phrase_index={token: tuple(found) for token, found in phrase_index.items()},
        )

    @property
    def topic_ids(self) -> list[str]:
        """Every entry and item id the matcher knows."""
        return list(self._topics)

    def _correct_uncached(self, token: str) -> str | None:
        """The known word closest to a misspelt one, with the same first letter: one edit (a
        swap of two neighbouring letters counts as one) for short words, two for long ones.
        Generic words are known words, never misspellings of another."""
        if len(token) < self.config.typo_min_length or token in self.config.generic:
            return None
        edits = 1 if len(token) < self.config.typo_long_word else 2
        found = process.extract(
            token,
            self._latin_vocabulary.get(token[0], ()),
            scorer=OSA.distance,
            score_cutoff=edits,
            limit=None,
        )
        # Closest first; between equally close words, the one sharing the longest beginning
        # (postule: postuler, not postale).
        best = min(found, key=lambda f: (f[1], -_shared_prefix(token, f[0])), default=None)
        return best[0] if best else None

    def _analyse(self, normalized: str, stopwords: frozenset[str]) -> _Question:
        """Weigh the meaningful tokens of a question and what in it is unknown.

        A Chinese character weighs ``cjk_character`` times its weight, and no more than a known
        pair containing it (庆 in 重庆, a generic word). An unknown pair next to a known pair is
        a word boundary (住宿|免费 gives 宿免), not an unknown word. Numbers are not unknown.
        """
        weights: dict[str, float] = {}
        words: list[str] = []
        unknown_words = unknown_chinese = 0
        for piece in segments(normalized, stopwords, self._chinese_words):
            if piece.isascii():
                token = piece if piece in self._idf else self._correct(piece)
                if token is not None:
                    weights[token] = self._idf[token]
                elif not any(char.isdigit() for char in piece):
                    unknown_words += 1
                words.append(token or piece)
                continue
            words.extend(piece)
            piece_pairs = pairs(piece)
            known = [pair in self._idf for pair in piece_pairs]
            for i, pair in enumerate(piece_pairs):
                if known[i]:
                    weights[pair] = self._idf[pair]
                elif not (i > 0 and known[i - 1]) and not (i + 1 < len(known) and known[i + 1]):
                    unknown_chinese += 1
            for i, char in enumerate(piece):
                if char not in self._idf:
                    unknown_chinese += 1
                    continue
                covering = [
                    self._idf[piece_pairs[j]]
                    for j in (i - 1, i)
                    if 0 <= j < len(known) and known[j]
                ]
                weight = min([self._idf[char], *covering]) * self.config.cjk_char_weight
                weights[char] = max(weights.get(char, 0.0), weight)
        unknown = (
            self.config.unknown_weight * unknown_words
            + self.config.unknown_cjk_weight * unknown_chinese
        )
        return _Question(weights, unknown, tuple(words))

    @staticmethod
    def _overlap(weights: dict[str, float], total: float, topic: _Topic) -> float:
        """The best weighted Dice overlap between the question and one phrase of the topic."""
        shared: dict[int, float] = {}
        index = topic.phrase_index
        for token, weight in weights.items():
            for i, own in index.get(token, ()):
                shared[i] = shared.get(i, 0.0) + (weight if weight < own else own)
        if not shared:
            return 0.0
        totals = topic.phrase_totals
        return max([2 * w / (total + totals[i]) for i, w in shared.items()])

    def _match_stop_words(self, normalized: str) -> tuple[Candidate, ...]:
        """A question of stop words only ("what can you do?"), compared with the phrases of
        stop words only; its coverage is that similarity."""
        found = process.extractOne(normalized, self._whole_phrases, scorer=fuzz.ratio)
        if not normalized or found is None:
            return ()
        similarity = found[1] / 100
        return (Candidate(self._whole_topics[found[2]], similarity, similarity, similarity),)

    def _shortlist(self, weights: dict[str, float], total: float) -> list[tuple[_Topic, float]]:
        """The topics that explain most of the question, with their coverage.

        Topics are found through the question's rarest tokens first. On a large knowledge base
        the commonest tokens (long posting lists, little weight) stop being searched once
        ``postings`` entries have been read, but still count for the topics found.
        """
        found: dict[str, float] = {}
        budget = self.config.postings
        index = self._index
        for token in sorted(weights, key=lambda t: len(index.get(t, ()))):
            postings = index.get(token, ())
            if found and len(postings) > budget:
                break
            budget -= len(postings)
            weight = weights[token]
            for topic_id, factor in postings:
                found[topic_id] = found.get(topic_id, 0.0) + weight * factor
        ranked = heapq.nlargest(2 * self.config.candidates, found, key=lambda t: (found[t], t))
        scored = []
        for topic_id in ranked:
            topic = self._topics[topic_id]
            coverage = self._coverage(weights, total, topic)
            # Ties go to the topic whose phrases use the question's words most.
            frequency = topic.frequency
            density = sum([w * frequency[t] for t, w in weights.items() if t in frequency])
            scored.append((coverage + 0.05 * density, topic_id, topic, coverage))
        scored.sort(key=lambda s: s[:2], reverse=True)
        return [(topic, coverage) for _, _, topic, coverage in scored[: self.config.candidates]]

    def _text_uncached(self, normalized: str, language: str) -> _Text:
        """A normalised text analysed in a language (see :meth:`_analyse`)."""
        analysed = self._analyse(normalized, self._stopwords[language])
        total = sum(analysed.weights.values()) + analysed.unknown
        return _Text(analysed, total, _fuzzy_form(analysed.words))

    @staticmethod
    def _coverage(weights: dict[str, float], total: float, topic: _Topic) -> float:
        """The share of a question's weight that a topic's vocabulary explains (words it does
        not have add nothing, so they are not summed)."""
        vocabulary = topic.vocabulary
        return sum([w * vocabulary[t] for t, w in weights.items() if t in vocabulary]) / total

    def _lexical(self, normalized: str, language: str) -> dict[str, _Lexical]:
        """Lexical candidates of one text: coverage, phrase overlap and fuzzy similarity."""
        text = self._text(normalized, language)
        if not text.scorable:
            return {}
        found = {}
        for topic, coverage in self._shortlist(text.question.weights, text.total):
            found[topic.id] = self._score(text, topic, coverage)
        return found

    def _score(self, text: _Text, topic: _Topic, coverage: float) -> _Lexical:
        best = process.extractOne(text.query, topic.phrases, scorer=fuzz.ratio)
        similarity = best[1] / 100 if best else 0.0
        overlap = self._overlap(text.question.weights, text.total, topic)
        cw, ow = self.config.coverage_weight, self.config.overlap_weight
        score = cw * coverage + ow * overlap + (1 - cw - ow) * similarity
        return _Lexical(round(score, 4), coverage, similarity)

    def _lexical_for(self, forms: list[str], language: str, topic_id: str) -> _Lexical:
        """The best lexical scores, over the forms of a question, of one topic that was not
        on the shortlist."""
        return max((self._lexical_of(form, language, topic_id) for form in forms), key=_by_score)

    def _lexical_of(self, normalized: str, language: str, topic_id: str) -> _Lexical:
        text = self._text(normalized, language)
        if not text.scorable:
            return _Lexical(0.0, 0.0, 0.0)
        topic = self._topics[topic_id]
        return self._score(text, topic, self._coverage(text.question.weights, text.total, topic))

    def asking_part(self, question: str) -> str:
        """The part of a message that asks (see :meth:`_asking_part`; cached)."""
        return self._asking_part(question)

    def _asking_part(self, question: str) -> str:
        """The part of a message that asks: quoted text (talked about, not asked: "translate
        'the fee is waived'") and leading greetings and self-descriptions ("Hi, I'm a nurse
        from Lyon, …") dropped, as long as something is left."""
        unquoted = _QUOTED.sub(" ", question)
        if unquoted != question and len(normalize(unquoted).split()) >= 2:
            question = unquoted
        clauses = [c for c in _CLAUSE.split(question) if c.strip()]
        kept = list(clauses)
        while len(kept) > 1 and self._is_preamble(kept[0]):
            kept.pop(0)
        return ", ".join(c.strip() for c in kept) if len(kept) < len(clauses) else question

    def _is_preamble(self, clause: str) -> bool:
        normalized = normalize(clause)
        if "?" in clause or "？" in clause:
            return False
        for lang in LANGUAGES:
            for marker in self._preamble[lang]:
                if normalized == marker or normalized.startswith(
                    marker if lang == "zh" else marker + " "
                ):
                    return True
        return False

    def parts(self, question: str) -> list[str]:
        """The questions of a message that asks several things, in order ("is housing free
        and how long can I stay?"); the asking part alone when it asks one thing. A name that
        contains a conjunction ("Public Health and Preventive Medicine") is not cut."""
        text = self.asking_part(question)
        normalized = f" {normalize(text)} "
        if any(name in normalized for name in self._joined_names):
            return [text]
        pieces: list[str] = []
        for sentence in _QUESTION_END.split(text):
            pieces.extend(self._split_conjunctions(sentence))
        pieces = [p.strip(" ,，、;；") for p in pieces]
        pieces = [p for p in pieces if len(normalize(p).replace(" ", "")) >= 3]
        return pieces if len(pieces) > 1 else [text]

    def _split_conjunctions(self, piece: str) -> list[str]:
        for conjunction in self._conjunction_pattern:
            split = [p for p in conjunction.split(piece) if p.strip()]
            if len(split) > 1:
                return [q for p in split for q in self._split_conjunctions(p)]
        return [piece]

    def not_listed(self, question: str) -> tuple[str, str, NotListed] | None:
        """A field named in the question that is not among a list's items ("dermatology"):
        the words that named it, their language and its group; None when the question names
        a listed item too."""
        pieces = self._pieces(normalize(self.asking_part(question)))
        if pieces & self._named.keys():
            return None
        found = [term for term in pieces if term in self._not_listed_index]
        if not found:
            return None
        term = max(found, key=len)  # "pediatric dermatology" before "dermatology"
        group, lang = self._not_listed_index[term]
        return term, lang, group

    def _pieces_uncached(self, normalized: str) -> frozenset[str]:
        """Every run of up to ``_longest_name`` words of a normalised text, and every
        substring of its Chinese runs (what a name could be)."""
        words = normalized.split()
        found = {
            " ".join(words[i : i + n])
            for n in range(1, self._longest_name + 1)
            for i in range(len(words) - n + 1)
        }
        for run in chinese_runs(normalized):
            found.update(
                run[i:j] for i in range(len(run)) for j in range(i + 1, min(len(run), i + 12) + 1)
            )
        return frozenset(found)

    def named_items(self, question: str) -> set[str]:
        """The items whose name or alias the question contains word for word."""
        found: set[str] = set()
        for piece in self._pieces(normalize(question)) & self._named.keys():
            found |= self._named[piece]
        return found

    def named_lists(self, question: str) -> list[str]:
        """The lists the part that asks names by their own words ("a PhD in …", "a lab on …"),
        outside the names of items ("Medical Laboratory" names no lab)."""
        normalized = f" {normalize(self.asking_part(question))} "
        for name in sorted(self._pieces(normalized) & self._named.keys(), key=len, reverse=True):
            normalized = normalized.replace(name if not name.isascii() else f" {name} ", " ")
        pieces = self._pieces(normalized)
        return [list_id for list_id, words in self.config.list_words.items() if pieces & words]

    def language(self, question: str) -> str:
        """The language a question is written in (that of :meth:`match`, without matching)."""
        return guess_language(question, normalize(question).split(), self._markers)

    def match(self, question: str) -> Match:
        """Score a question against all topics; the best candidates come first.

        The whole message and the part that asks are scored (lexically and by meaning), and
        each topic keeps its best; the fused score weighs the lexical score and the scaled
        cosine similarity by ``semantic.weight``.
        """
        normalized = normalize(question)
        language = self.language(question)
        if not normalized or all(
            w in self.config.not_topics or w.isdigit() for w in normalized.split()
        ):
            return Match(language, ())  # a bare number or month means nothing here
        if not self._text(normalized, language).question.words:
            return Match(language, self._match_stop_words(normalized))
        asking = self.asking_part(question)
        texts = [question] if asking == question else [question, asking]
        if _QUOTED.search(question) and asking != question:
            texts = [asking]  # what is quoted is not what is asked
        forms = [normalize(t) for t in texts]
        lexical: dict[str, _Lexical] = {}
        for form in forms:
            for topic_id, scores in self._lexical(form, language).items():
                if topic_id not in lexical or scores.score > lexical[topic_id].score:
                    lexical[topic_id] = scores
        if self._encoder is None or not len(self._vectors):
            ranked = [
                Candidate(t, c.score, c.coverage, c.similarity, 0.0, c.score)
                for t, c in lexical.items()
            ]
            ranked.sort(key=lambda c: (c.score, c.coverage), reverse=True)
            return Match(language, tuple(ranked))
        # Closeness to the out-of-scope examples is measured on the whole message too (quoted
        # text included: "translate 'the fee is waived'" is a translation request).
        embedded = self._embed([question] if asking == question else [question, asking])
        queries = embedded[-len(texts) :]
        named = self.named_items(" ".join(texts))
        must = {self._topic_index[t] for t in (*lexical, *named)}
        topic_sims = self._topic_similarities(queries, must)
        off_topic = 0.0
        if len(self._out_of_scope):
            off_topic = float((self._out_of_scope @ embedded.T).max())
        semantic = self.config.semantic
        best_by_meaning = np.argsort(-topic_sims)[: semantic.candidates]
        topic_ids = list(lexical)
        for index in best_by_meaning:
            topic_id = self._topic_order[int(index)]
            if topic_id not in lexical:
                lexical[topic_id] = self._lexical_for(forms, language, topic_id)
                topic_ids.append(topic_id)
        for topic_id in named - lexical.keys():
            lexical[topic_id] = self._lexical_for(forms, language, topic_id)
            topic_ids.append(topic_id)
        candidates = []
        for topic_id in topic_ids:
            c = lexical[topic_id]
            cosine = float(topic_sims[self._topic_index[topic_id]])
            score = (1 - semantic.weight) * c.score + semantic.weight * semantic.scale(cosine)
            if topic_id in named:
                score = min(1.0, score + semantic.name_bonus)
            candidates.append(
                Candidate(
                    topic_id,
                    round(score, 4),
                    c.coverage,
                    c.similarity,
                    round(cosine, 4),
                    c.score,
                    topic_id in named,
                )
            )
        candidates.sort(key=lambda c: (c.score, c.coverage), reverse=True)
        return Match(language, tuple(candidates), round(off_topic, 4), True)
