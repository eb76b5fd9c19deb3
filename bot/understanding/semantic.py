"""Matching by meaning: the embeddings of every topic's phrases and of the out-of-scope
examples, a question's cosine with each, and their fusion with the lexical scores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.content.languages import LANGUAGES
from bot.understanding.candidates import Candidate
from bot.understanding.embedding import Encoder, encode_all
from bot.understanding.lexical import LexicalScores
from bot.understanding.matching_config import MatchingConfig, SemanticConfig

# Embeddings of prepared texts kept at most, in bytes: ``ask`` prepares a batch of questions
# (and their parts) and answers it before the next one; 20,000 rows held 40 MB.
_PREPARED_BYTES = 4 << 20


class SemanticIndex:
    """The embeddings of every topic's phrases, grouped by topic (in ``topic_order``), and of
    the out-of-scope examples, cached in ``cache_dir`` when given."""

    def __init__(
        self,
        config: MatchingConfig,
        encoder: Encoder,
        phrases: Mapping[str, list[tuple[str, str]]],
        topic_order: list[str],
        cache_dir: Path | None,
    ) -> None:
        self.config = config.semantic
        self.encoder = encoder
        self.topic_order = topic_order
        self.topic_index = {topic_id: i for i, topic_id in enumerate(topic_order)}
        self._prepared: dict[str, npt.NDArray[np.float32]] = {}
        texts: list[str] = []
        offsets: list[int] = []
        for topic_id in topic_order:
            offsets.append(len(texts))
            unique = dict.fromkeys(text.strip() for _, text in phrases[topic_id])
            texts.extend(unique or [topic_id])
        out_of_scope = [q for lang in LANGUAGES for q in config.out_of_scope.get(lang, ())]
        vectors = encode_all(encoder, texts + out_of_scope, cache_dir)
        self._vectors, self._out_of_scope = vectors[: len(texts)], vectors[len(texts) :]
        ends = [*offsets[1:], len(texts)]
        self._blocks = [self._vectors[a:b] for a, b in zip(offsets, ends, strict=True)]
        centroids = np.stack([block.mean(axis=0) for block in self._blocks])
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self._centroids = (centroids / np.maximum(norms, 1e-9)).astype(np.float32)

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """The embeddings of texts, from those prepared by :meth:`prepare` when there."""
        missing = [t for t in texts if t not in self._prepared]
        if not missing:
            return np.stack([self._prepared[t] for t in texts])
        return self.encoder.encode(texts)

    def prepare(self, texts: list[str]) -> None:
        """Encode many texts at once (several times faster than one by one), for :meth:`embed`."""
        unique = list(dict.fromkeys(texts))
        if (len(self._prepared) + len(unique)) * self.encoder.dim * 4 > _PREPARED_BYTES:
            self._prepared.clear()  # the previous batches' (a larger batch is kept whole)
        for i in range(0, len(unique), 256):
            chunk = unique[i : i + 256]
            for text, vector in zip(chunk, self.encoder.encode(chunk), strict=True):
                self._prepared[text] = vector

    def off_topic(self, embedded: npt.NDArray[np.float32]) -> float:
        """The best cosine of the embedded texts with an out-of-scope example (0: none)."""
        if not len(self._out_of_scope):
            return 0.0
        return float((self._out_of_scope @ embedded.T).max())

    def topic_cosines(
        self, queries: npt.NDArray[np.float32], must: set[int]
    ) -> npt.NDArray[np.float32]:
        """Each topic's best cosine with the queries, computed exactly for the ``shortlist``
        topics whose centroid is closest and for those in ``must`` (the lexical candidates);
        the others get -1 (on a large knowledge base, most phrases are never read)."""
        shortlist = self.config.shortlist
        n = len(self.topic_order)
        cosines = np.full(n, -1.0, dtype=np.float32)
        if n <= shortlist:
            chosen: Iterable[int] = range(n)
        else:
            approx = (self._centroids @ queries.T).max(axis=1)
            chosen = set(np.argpartition(-approx, shortlist)[:shortlist].tolist()) | must
        columns, blocks = queries.T, self._blocks
        for i in chosen:
            cosines[i] = (blocks[i] @ columns).max()
        return cosines

    def closest_topics(self, cosines: npt.NDArray[np.float32]) -> list[str]:
        """The ``candidates`` topics closest by meaning, closest first."""
        best = np.argsort(-cosines)[: self.config.candidates]
        return [self.topic_order[int(i)] for i in best]


def fuse(
    lexical: Mapping[str, LexicalScores],
    cosines: Mapping[str, float],
    named: set[str],
    config: SemanticConfig,
) -> list[Candidate]:
    """The candidates, best first: each topic's lexical score and scaled cosine weighed by
    ``weight``, plus ``name_bonus`` for an item the question names."""
    candidates = []
    for topic_id, c in lexical.items():
        cosine = cosines[topic_id]
        score = (1 - config.weight) * c.score + config.weight * config.scale(cosine)
        if topic_id in named:
            score = min(1.0, score + config.name_bonus)
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
    return candidates
