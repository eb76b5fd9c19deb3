"""The lexical index: every topic's vocabulary and phrases, and a question scored against them.

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

Misspelt Latin words left unknown are corrected to the closest known token with rapidfuzz.
Chinese has no spaces: a character and each pair of neighbouring characters are tokens, a pair
(a word) weighing more than a lone character.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.content.knowledge import KnowledgeBase
from bot.content.languages import LANGUAGES
from bot.understanding.candidates import Candidate
from bot.understanding.chinese_spelling import common
from bot.understanding.matching_config import MatchingConfig
from bot.understanding.text import chinese_runs, normalize, pairs, segments, tokenize

NEED_WORD_LETTERS = 4  # a need's shorter Latin words ("t" of "can't", "own") are no need


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
class WeighedTokens:
    weights: dict[str, float]  # known tokens (misspellings corrected) and their weights
    unknown: float  # the weight of what the knowledge base does not know
    words: tuple[str, ...]  # every content word and Chinese character, for the fuzzy measure


class LexicalScores(NamedTuple):
    """A topic's lexical scores for a question (a light Candidate, made in the inner loops)."""

    score: float  # rounded, as in Candidate
    coverage: float
    similarity: float


@dataclass(frozen=True)
class AnalysedText:
    """A text analysed for lexical scoring, with what every topic's scores need of it."""

    question: WeighedTokens
    total: float  # the weight of the known tokens plus that of the unknown
    query: str  # the fuzzy form of its words

    @property
    def scorable(self) -> bool:
        """Whether it has words, some of them known, to score topics by."""
        return bool(self.question.words and self.question.weights and self.total)


def _by_score(scores: LexicalScores) -> float:
    return scores.score


def _fuzzy_form(tokens: Iterable[str]) -> str:
    """The string compared by rapidfuzz: words and single Chinese characters (no pairs),
    sorted once here so that matching can use the plain ratio (= token-sort ratio)."""
    return " ".join(sorted(t for t in tokens if t.isascii() or len(t) == 1))


def topic_phrases(kb: KnowledgeBase) -> dict[str, list[tuple[str, str]]]:
    """Every matching phrase of every topic, with its language: for an entry, its title,
    examples, keywords and needs; for an item, its names, aliases and the lay descriptions of
    what it is, which match as phrases but never name it (:mod:`.names` and the speller's
    names read names and aliases only)."""
    phrases: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for entry in kb.entries.values():
        for lang in LANGUAGES:
            texts = [
                entry.title[lang],
                *entry.examples.get(lang, ()),
                *entry.keywords.get(lang, ()),
                *entry.needs.get(lang, ()),
            ]
            phrases[entry.id] += [(lang, text) for text in texts]
    for item in kb.items.values():
        for lang in LANGUAGES:
            texts = [item.name[lang], *item.aliases.get(lang, ()), *item.descriptions.get(lang, ())]
            phrases[item.id] += [(lang, text) for text in texts]
    return phrases


def chinese_words(kb: KnowledgeBase, particles: frozenset[str]) -> frozenset[str]:
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


def _described_only(
    kb: KnowledgeBase, tokenized: dict[str, list[tuple[str, str, list[str]]]]
) -> frozenset[str]:
    """The tokens that only the items' lay descriptions use (no name, example or keyword)."""
    descriptions = {
        normalize(text)
        for item in kb.items.values()
        for texts in item.descriptions.values()
        for text in texts
    }
    described: set[str] = set()
    other: set[str] = set()
    for found in tokenized.values():
        for _, text, tokens in found:
            (described if text in descriptions else other).update(tokens)
    return frozenset(described - other)


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


class LexicalIndex:
    """Every topic's tokens, weights and phrases, and the lexical scores of a text.

    ``phrases`` are every topic's normalised matching phrases with their language;
    ``stopwords`` per language; ``chinese_words`` are never cut at a stop character.
    Analysed texts and corrected tokens are kept in bounded caches.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        config: MatchingConfig,
        phrases: dict[str, list[tuple[str, str]]],
        stopwords: dict[str, frozenset[str]],
        chinese_words: frozenset[str],
    ) -> None:
        self._config = config
        self._stopwords = stopwords
        self._chinese_words = chinese_words
        tokenized = {
            topic_id: [
                (lang, text, tokenize(text, stopwords[lang], chinese_words)) for lang, text in raw
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
        self._idf = self._weigh(frequency, self._need_words(kb, stopwords, chinese_words))
        self._latin_vocabulary: dict[str, list[str]] = defaultdict(list)
        for token in sorted(self._idf):
            if token.isascii() and len(token) >= config.typo_min_length:
                self._latin_vocabulary[token[0]].append(token)
        self._described = _described_only(kb, tokenized)
        self._correct = lru_cache(maxsize=8192)(self._closest_known)
        # A question's forms are analysed once per match, not once per candidate topic.
        self._analysed_texts = lru_cache(maxsize=1024)(self._analysed)
        self.topics = {
            topic_id: self._topic(
                topic_id, token_lists[topic_id], phrases[topic_id], frequency[topic_id]
            )
            for topic_id in phrases
        }
        # A named item also knows the words of its lists ("cardiology dept at the hospital"),
        # with less weight than its own names.
        for item in kb.items.values():
            vocabulary = self.topics[item.id].vocabulary
            for membership in item.memberships:
                for token, factor in self.topics[membership.entry_id].vocabulary.items():
                    vocabulary.setdefault(token, config.context_weight * factor)
        self._index: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for topic in self.topics.values():
            for token, factor in topic.vocabulary.items():
                self._index[token].append((topic.id, factor))

    def clear_caches(self) -> None:
        """Forget the analysed texts and corrected tokens."""
        self._analysed_texts.cache_clear()
        self._correct.cache_clear()

    def text(self, normalized: str, language: str) -> AnalysedText:
        """A normalised text analysed in a language (cached)."""
        return self._analysed_texts(normalized, language)

    @staticmethod
    def _need_words(
        kb: KnowledgeBase, stopwords: dict[str, frozenset[str]], chinese_words: frozenset[str]
    ) -> frozenset[str]:
        """The words of the entries' needs: Latin words of four letters or more and common
        Chinese words (a lone character of 经济 says nothing of money, nor 去法 of 去法国)."""
        tokens = {
            token
            for entry in kb.entries.values()
            for lang, texts in entry.needs.items()
            for text in texts
            for token in tokenize(normalize(text), stopwords[lang], chinese_words)
        }
        latin = {t for t in tokens if t.isascii() and len(t) >= NEED_WORD_LETTERS}
        chinese = sorted(t for t in tokens if not t.isascii() and len(t) > 1)
        return frozenset(latin | {t for t, ok in zip(chinese, common(chinese), strict=True) if ok})

    def _weigh(
        self, frequency: dict[str, dict[str, float]], needs: frozenset[str] = frozenset()
    ) -> dict[str, float]:
        """The weight of every known token: its idf over topics, lowered for generic words,
        and for words that no topic uses characteristically (in fewer than the
        ``characteristic`` share of its phrases: "time" in one example of many). The words of
        an entry's needs are characteristic: said once, "budget" still speaks of the fees."""
        topics = Counter(t for tokens in frequency.values() for t in tokens)
        share: dict[str, float] = defaultdict(float)
        for tokens in frequency.values():
            for token, f in tokens.items():
                share[token] = max(share[token], f)
        for token in needs & share.keys():
            share[token] = max(share[token], self._config.characteristic_share)
        total, config = len(frequency), self._config
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

    def _closest_known(self, token: str) -> str | None:
        """The known word closest to a misspelt one, with the same first letter: one edit (a
        swap of two neighbouring letters counts as one) for short words, two for long ones.
        Generic words are known words, never misspellings of another."""
        if len(token) < self._config.typo_min_length or token in self._config.generic:
            return None
        edits = 1 if len(token) < self._config.typo_long_word else 2
        found = process.extract(
            token,
            self._latin_vocabulary.get(token[0], ()),
            scorer=OSA.distance,
            score_cutoff=edits,
            limit=None,
        )
        if edits == 1:  # a short word is no misspelling of a word only a description uses
            found = [f for f in found if f[0] not in self._described]  # (pool: not poor)
        # Closest first; between equally close words, the one sharing the longest beginning
        # (postule: postuler, not postale).
        best = min(found, key=lambda f: (f[1], -_shared_prefix(token, f[0])), default=None)
        return best[0] if best else None

    def _analyse(self, normalized: str, stopwords: frozenset[str]) -> WeighedTokens:
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
                weight = min([self._idf[char], *covering]) * self._config.cjk_char_weight
                weights[char] = max(weights.get(char, 0.0), weight)
        unknown = (
            self._config.unknown_weight * unknown_words
            + self._config.unknown_cjk_weight * unknown_chinese
        )
        return WeighedTokens(weights, unknown, tuple(words))

    def match_stop_words(self, normalized: str) -> tuple[Candidate, ...]:
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
        budget = self._config.postings
        index = self._index
        for token in sorted(weights, key=lambda t: len(index.get(t, ()))):
            postings = index.get(token, ())
            if found and len(postings) > budget:
                break
            budget -= len(postings)
            weight = weights[token]
            for topic_id, factor in postings:
                found[topic_id] = found.get(topic_id, 0.0) + weight * factor
        ranked = heapq.nlargest(2 * self._config.candidates, found, key=lambda t: (found[t], t))
        scored = []
        for topic_id in ranked:
            topic = self.topics[topic_id]
            coverage = self._coverage(weights, total, topic)
            # Ties go to the topic whose phrases use the question's words most.
            frequency = topic.frequency
            density = sum([w * frequency[t] for t, w in weights.items() if t in frequency])
            scored.append((coverage + 0.05 * density, topic_id, topic, coverage))
        scored.sort(key=lambda s: s[:2], reverse=True)
        return [(topic, coverage) for _, _, topic, coverage in scored[: self._config.candidates]]

    def _analysed(self, normalized: str, language: str) -> AnalysedText:
        """A normalised text analysed in a language (see :meth:`_analyse`)."""
        analysed = self._analyse(normalized, self._stopwords[language])
        total = sum(analysed.weights.values()) + analysed.unknown
        return AnalysedText(analysed, total, _fuzzy_form(analysed.words))

    def scores(self, normalized: str, language: str) -> dict[str, LexicalScores]:
        """Lexical candidates of one text: coverage, phrase overlap and fuzzy similarity."""
        text = self.text(normalized, language)
        if not text.scorable:
            return {}
        found = {}
        for topic, coverage in self._shortlist(text.question.weights, text.total):
            found[topic.id] = self._score(text, topic, coverage)
        return found

    def _score(self, text: AnalysedText, topic: _Topic, coverage: float) -> LexicalScores:
        best = process.extractOne(text.query, topic.phrases, scorer=fuzz.ratio)
        similarity = best[1] / 100 if best else 0.0
        overlap = self._overlap(text.question.weights, text.total, topic)
        cw, ow = self._config.coverage_weight, self._config.overlap_weight
        score = cw * coverage + ow * overlap + (1 - cw - ow) * similarity
        return LexicalScores(round(score, 4), coverage, similarity)

    def scores_for(self, forms: list[str], language: str, topic_id: str) -> LexicalScores:
        """The best lexical scores, over the forms of a question, of one topic that was not
        on the shortlist."""
        return max((self._scores_of(form, language, topic_id) for form in forms), key=_by_score)

    def _scores_of(self, normalized: str, language: str, topic_id: str) -> LexicalScores:
        text = self.text(normalized, language)
        if not text.scorable:
            return LexicalScores(0.0, 0.0, 0.0)
        topic = self.topics[topic_id]
        return self._score(text, topic, self._coverage(text.question.weights, text.total, topic))

    @staticmethod
    def _coverage(weights: dict[str, float], total: float, topic: _Topic) -> float:
        """The share of a question's weight that a topic's vocabulary explains (words it does
        not have add nothing, so they are not summed)."""
        vocabulary = topic.vocabulary
        return sum([w * vocabulary[t] for t, w in weights.items() if t in vocabulary]) / total

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
