"""Grouping similar unanswered questions for the coordinators' review (no Telegram here).

Two questions are similar when their content words largely agree — a token-set similarity
(Dice over words matched with rapidfuzz, so a typo still counts; Chinese compared by character
pairs) in which the words the knowledge base does not know weigh double (what it lacks is what
the question is about: "gym on campus" and "pool on campus" differ) — with a small bonus when
the matcher finds the same nearest entry for both. Words cannot compare questions in different
languages: when the matcher has its sentence encoder, the groups of two questions in different
languages close enough in meaning (:data:`ACROSS_LANGUAGES`) merge. Each group comes with the
knowledge entries nearest to its questions, the likeliest homes for them.

Grouping hundreds of questions takes seconds of CPU. :func:`grouping_steps` cuts it into steps
of a few milliseconds (one question read, or a few encoded), and :func:`group_between` runs
them on the event loop with every other task between two steps: nothing waits long, and no
worker thread competes with the loop for the interpreter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bot.content.knowledge import KnowledgeBase
from bot.understanding.answers import Assistant
from bot.understanding.matcher import Match
from bot.understanding.text import has_cjk, normalize, stem

KNOWN_WEIGHT = 0.5  # weight of a word the knowledge base knows (an unknown word weighs 1)
SIMILAR = 0.55  # similarity at which a question joins a group
SAME_ENTRY_BONUS = 0.1  # added when both questions have the same nearest entry
WORD_MATCH = 80  # rapidfuzz ratio at which two words count as the same word (a typo)
TYPO_MIN_LENGTH = 4  # shorter words must be spelt the same
COMPARED = 12  # members of a group a question is compared with
NEAREST = 3
# Cosine of sentence embeddings (USE Multilingual v3) at which the groups of two questions in
# different languages merge. Chosen on tests/fixtures/grouping/languages.yaml: 20 questions the
# knowledge base does not answer, each in English, Chinese and French, minimal pairs included.
# No two different questions in different languages score above 0.68 ("can I bring my cat?" /
# "puis-je amener mon chien ?"; winter / summer weather 0.67), the same question from 0.48.
# Merging by meaning alone at 0.70, 14 of the 20 are one group in their three languages and no
# group mixes two questions; at 0.65 dog / cat and winter / summer merge, at 0.62 pool / gym and
# housing / visa / food too. A wrong merge would teach wrong examples; a split costs a page.
ACROSS_LANGUAGES = 0.70
ENCODED_A_STEP = 8  # questions encoded in one step of grouping_steps (a few ms)


@dataclass(frozen=True)
class Phrase:
    """One logged question to group."""

    id: int
    text: str


@dataclass(frozen=True)
class Group:
    """Similar questions, newest first, and the nearest knowledge entries, nearest first."""

    ids: tuple[int, ...]
    texts: tuple[str, ...]
    languages: tuple[str, ...]  # of each text
    entries: tuple[str, ...]

    def samples(self, count: int = 3) -> list[str]:
        """Up to ``count`` different phrasings, newest first, every language shown."""
        return pick_samples(list(zip(self.texts, self.languages, strict=True)), count)


def pick_samples(phrasings: Sequence[tuple[str, str]], count: int) -> list[str]:
    """Up to ``count`` different phrasings of ``(text, language)`` (newest first): the newest
    of each language first, then the next newest; kept newest first."""
    distinct: dict[str, tuple[str, str]] = {}
    for text, language in phrasings:
        distinct.setdefault(normalize(text), (text, language))
    ordered = list(distinct.values())
    first: dict[str, int] = {}
    for i, (_, language) in enumerate(ordered):
        first.setdefault(language, i)
    chosen = sorted(first.values())[:count]
    chosen += [i for i in range(len(ordered)) if i not in chosen][: count - len(chosen)]
    return [ordered[i][0] for i in sorted(chosen)]


@dataclass
class _Question:
    position: int  # in the phrases, newest first
    phrase: Phrase
    tokens: dict[str, float]  # content word -> weight
    form: str
    nearest: tuple[tuple[str, float], ...]
    language: str
    weight: float = 0.0  # the sum of the tokens' weights


def group_questions(assistant: Assistant, phrases: Sequence[Phrase]) -> list[Group]:
    """Group ``phrases`` (newest first), the largest groups first (ties: the most recent):
    by their words, then, with the matcher's encoder, across languages by meaning."""
    steps = grouping_steps(assistant, phrases)
    while (groups := _step(steps)) is None:
        pass
    return groups


async def group_between(assistant: Assistant, phrases: Sequence[Phrase]) -> list[Group]:
    """:func:`group_questions` on the event loop, letting every other task run between two
    of its steps."""
    steps = grouping_steps(assistant, phrases)
    while (groups := _step(steps)) is None:
        await asyncio.sleep(0)
    return groups


def _step(steps: Generator[None, None, list[Group]]) -> list[Group] | None:
    """Take one step of ``steps``: the groups once it has finished, None before."""
    try:
        next(steps)
    except StopIteration as done:
        return done.value
    return None


def grouping_steps(
    assistant: Assistant, phrases: Sequence[Phrase]
) -> Generator[None, None, list[Group]]:
    """:func:`group_questions` in steps of a few milliseconds: it yields after each question
    read and after each :data:`ENCODED_A_STEP` questions encoded, and returns the groups."""
    stop = _stopwords(assistant)
    known = _vocabulary(assistant.kb, stop)
    words = _Words()
    questions = []
    for position, phrase in enumerate(phrases):
        questions.append(_analyse(assistant, phrase, stop, known, words, position=position))
        yield
    clusters = _by_words(questions)
    encoder = assistant.matcher.encoder
    if encoder is not None and questions:
        parts = []
        for start in range(0, len(questions), ENCODED_A_STEP):
            batch = questions[start : start + ENCODED_A_STEP]
            parts.append(encoder.encode([q.phrase.text for q in batch]))  # L2-normalised
            yield
        clusters = _across_languages(clusters, np.concatenate(parts))
    return [
        Group(
            ids=tuple(q.phrase.id for q in cluster),
            texts=tuple(q.phrase.text for q in cluster),
            languages=tuple(q.language for q in cluster),
            entries=_nearest(cluster),
        )
        for cluster in sorted(clusters, key=lambda c: (-len(c), c[0].position))
    ]


def _by_words(questions: Sequence[_Question]) -> list[list[_Question]]:
    """Each question joins the group it is most similar to, if similar enough, else starts
    one. It is compared only with the groups that share a word with it (an index of words to
    groups), and a misspelt word is mapped once to the word it misspells."""
    clusters: list[list[_Question]] = []
    by_word: dict[str, set[int]] = {}
    by_form: dict[str, int] = {}
    for question in questions:
        best, best_score = by_form.get(question.form), SIMILAR
        if best is None:
            near = set().union(*(by_word.get(t, set()) for t in question.tokens))
            for index in sorted(near):
                members = clusters[index][:COMPARED]
                score = max(_similarity(question, member) for member in members)
                if score >= best_score:
                    best, best_score = index, score
        if best is None:
            best = len(clusters)
            clusters.append([])
        clusters[best].append(question)
        by_form.setdefault(question.form, best)
        for token in question.tokens:
            by_word.setdefault(token, set()).add(best)
    return clusters


def _across_languages(
    clusters: Sequence[list[_Question]], encoded: np.ndarray
) -> list[list[_Question]]:
    """Merge the groups of any two questions in different languages whose sentence embeddings
    are at least :data:`ACROSS_LANGUAGES` close (within a language the words decide: they
    tell a gym from a pool better than meaning does); ``encoded`` holds each question's
    embedding, row ``position``. The order of the questions does not matter; each merged
    group keeps its questions newest first."""
    questions = [q for cluster in clusters for q in cluster]
    cluster_of = [index for index, cluster in enumerate(clusters) for _ in cluster]
    languages = np.array([q.language for q in questions])
    vectors = encoded[[q.position for q in questions]]
    close = (vectors @ vectors.T >= ACROSS_LANGUAGES) & (languages[:, None] != languages)
    parent = list(range(len(clusters)))

    def root(index: int) -> int:
        while parent[index] != index:
            index = parent[index]
        return index

    for a, b in zip(*np.nonzero(np.triu(close)), strict=True):
        parent[root(cluster_of[a])] = root(cluster_of[b])
    merged: dict[int, list[_Question]] = {}
    for index, cluster in enumerate(clusters):
        merged.setdefault(root(index), []).extend(cluster)
    return [sorted(cluster, key=lambda q: q.position) for cluster in merged.values()]


class _Words:
    """Maps each word to the first word seen that it is the same as or a misspelling of."""

    def __init__(self) -> None:
        self.canonical: dict[str, str] = {}
        self.seen: list[str] = []

    def __call__(self, word: str) -> str:
        found = self.canonical.get(word)
        if found is None:
            match = None
            if len(word) >= TYPO_MIN_LENGTH and not has_cjk(word):
                match = process.extractOne(
                    word, self.seen, scorer=fuzz.ratio, score_cutoff=WORD_MATCH
                )
            found = match[0] if match else word
            if match is None:
                self.seen.append(word)
            self.canonical[word] = found
        return found


def _stopwords(assistant: Assistant) -> frozenset[str]:
    """The matcher's stop words of every language, when its settings have them."""
    by_language = getattr(assistant.config, "stopwords", None) or {}
    return frozenset(word for words in by_language.values() for word in words)


_VOCABULARIES: dict[int, tuple[KnowledgeBase, frozenset[str]]] = {}


def _vocabulary(kb: KnowledgeBase, stop: frozenset[str]) -> frozenset[str]:
    """Every content word of the knowledge base's titles, examples, keywords, names and items'
    descriptions (kept for the latest knowledge bases)."""
    cached = _VOCABULARIES.get(id(kb))
    if cached is not None and cached[0] is kb:
        return cached[1]
    phrases: list[str] = []
    for entry in kb.entries.values():
        phrases += entry.title.values()
        for lists in (entry.examples, entry.keywords):
            for values in lists.values():
                phrases += values
    for item in kb.items.values():
        phrases += item.name.values()
        for texts in (*item.aliases.values(), *item.descriptions.values()):
            phrases += texts
    words = frozenset(t for p in phrases for t in _tokens(normalize(p), stop))
    if len(_VOCABULARIES) > 4:
        _VOCABULARIES.clear()
    _VOCABULARIES[id(kb)] = (kb, words)
    return words


def _analyse(
    assistant: Assistant,
    phrase: Phrase,
    stop: frozenset[str],
    known: frozenset[str],
    words: _Words,
    *,
    position: int,
) -> _Question:
    form = normalize(phrase.text)
    tokens = {words(t): KNOWN_WEIGHT if t in known else 1.0 for t in _tokens(form, stop)}
    match = assistant.match(phrase.text)
    nearest = _entries(assistant.kb, match)
    return _Question(position, phrase, tokens, form, nearest, match.language, sum(tokens.values()))


def _tokens(form: str, stop: frozenset[str]) -> set[str]:
    """Content words, lightly stemmed; a Chinese run becomes its character pairs (stop
    characters removed)."""
    tokens: set[str] = set()
    for word in form.split():
        if has_cjk(word):
            chars = "".join(c for c in word if c not in stop) or word
            tokens.update(chars[i : i + 2] for i in range(max(1, len(chars) - 1)))
        elif word not in stop and len(word) > 1:
            tokens.add(stem(word))
    return tokens


def _entries(kb: KnowledgeBase, match: Match) -> tuple[tuple[str, float], ...]:
    """Knowledge entries among the matcher's candidates (a named item stands for its first
    list), with their scores, nearest first."""
    found: dict[str, float] = {}
    for candidate in match.candidates:
        topic = candidate.topic_id
        if topic not in kb.entries and topic in kb.items:
            topic = kb.items[topic].memberships[0].entry_id
        if topic in kb.entries and topic not in found:
            found[topic] = candidate.score
    return tuple(found.items())


def _similarity(a: _Question, b: _Question) -> float:
    """Weighted Dice of the two questions' words, plus the same-nearest-entry bonus."""
    if a.form == b.form:
        return 1.0
    if not a.tokens or not b.tokens:
        return 0.0
    shared = sum(w for t, w in a.tokens.items() if t in b.tokens)
    shared += sum(w for t, w in b.tokens.items() if t in a.tokens)
    score = shared / (a.weight + b.weight)
    if a.nearest and b.nearest and a.nearest[0][0] == b.nearest[0][0]:
        score += SAME_ENTRY_BONUS
    return score


def _nearest(cluster: Sequence[_Question]) -> tuple[str, ...]:
    totals: dict[str, float] = {}
    for question in cluster:
        for entry_id, score in question.nearest:
            totals[entry_id] = totals.get(entry_id, 0.0) + score
    ranked = sorted(totals, key=lambda e: -totals[e])
    return tuple(ranked[:NEAREST])
