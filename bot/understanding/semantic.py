"""Matching by meaning: the embeddings of every topic's phrases and of the out-of-scope
examples, a question's cosine with each, and their fusion with the lexical scores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.content.languages import LANGUAGES
from bot.understanding.candidates import Candidate
from bot.understanding.embedding import Encoder, encode_all
from bot.understanding.lexical import LexicalScores
from bot.understanding.matching_config import MatchingConfig, SemanticConfig

# Readings of prepared texts kept at most, in bytes: ``ask`` prepares a batch of questions (and
# their parts) and answers it before the next one; a larger batch is kept whole.
_PREPARED_BYTES = 4 << 20
_CHUNK = 256  # texts encoded, and compared with every phrase, in one product
_FORESEEN = 64  # readings foreseen for a message and kept until read, at most


class Readings:
    """Texts read by meaning, one row a text: their vectors, each one's cosine with every
    topic's centroid and its best with an out-of-scope example, and, for prepared texts, its
    best cosine with every topic's phrases (``best``; None: computed where asked)."""

    def __init__(
        self,
        vectors: npt.NDArray[np.float32],
        approx: npt.NDArray[np.float32],
        off: npt.NDArray[np.float32],
        best: npt.NDArray[np.float32] | None,
    ) -> None:
        self.vectors, self.approx, self.off, self.best = vectors, approx, off, best

    def __len__(self) -> int:
        return len(self.vectors)

    def take(self, rows: list[int]) -> Readings:
        """The readings of some of the texts, in the order of ``rows``."""
        best = self.best[rows] if self.best is not None else None
        return Readings(self.vectors[rows], self.approx[rows], self.off[rows], best)


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
        self._prepared: dict[str, int] = {}  # a prepared text's row in ``_readings``
        self._readings: Readings | None = None
        # texts foreseen for the message being read (:meth:`embed`'s ``also``), until used
        self._foreseen: dict[str, Readings] = {}
        self._pending: list[str] = []  # texts foreseen, to encode with the next pass
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
        self._starts = np.array(offsets)
        self._blocks = [self._vectors[a:b] for a, b in zip(offsets, ends, strict=True)]
        centroids = np.stack([block.mean(axis=0) for block in self._blocks])
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self._centroids = (centroids / np.maximum(norms, 1e-9)).astype(np.float32)

    def embed(self, texts: list[str]) -> Readings:
        """The readings of texts: those prepared by :meth:`prepare` when all are, else those
        foreseen (:meth:`foresee`) when all are; else they are encoded, and the texts
        foreseen since the last pass with them, in one forward pass (one pass costs far less
        than several: the encoder's weights are read once), those kept until read."""
        rows = [self._prepared.get(t, -1) for t in texts]
        if self._readings is not None and -1 not in rows:
            self._pending = []  # a prepared batch: its texts are read, not foreseen
            return self._readings.take(rows)
        foreseen = self._foreseen
        kept = [foreseen.get(t) for t in texts]  # one look each: the console's grouping
        if texts and all(k is not None for k in kept):  # matches in a worker thread too
            for text in texts:
                foreseen.pop(text, None)
            found = [k for k in kept if k is not None]
            return found[0] if len(found) == 1 else _joined(found)
        pending = [t for t in dict.fromkeys(self._pending) if t not in foreseen]
        self._pending = []
        extra = [t for t in pending if t not in texts]
        readings = self._read(self.encoder.encode([*texts, *extra]), every_topic=False)
        if len(foreseen) + len(pending) > _FORESEEN:
            foreseen.clear()  # never read (a declined message's parts): dropped
        row_of = {text: i for i, text in enumerate([*texts, *extra])}
        for text in pending:  # (one read now is kept too: a later reading with it is foreseen)
            foreseen[text] = readings.take([row_of[text]])
        return readings.take(list(range(len(texts)))) if extra else readings

    def foresee(self, texts: Sequence[str]) -> None:
        """Texts the message being read will surely read next: encoded with the next pass."""
        self._pending.extend(texts)

    def forget_foreseen(self) -> None:
        """Drop the texts foreseen and not read yet (a new message begins)."""
        self._foreseen.clear()
        self._pending = []

    def prepare(self, texts: list[str]) -> None:
        """Read many texts at once (several times faster than one by one), for :meth:`embed`:
        they are encoded, and compared with every phrase, a chunk of texts in one product."""
        every = list(dict.fromkeys(texts))
        unique = [t for t in every if t not in self._prepared]
        if not unique:
            return
        row_bytes = (self.encoder.dim + 2 * len(self.topic_order) + 1) * 4
        if self._readings is None or (
            (len(self._prepared) + len(unique)) * row_bytes > _PREPARED_BYTES
        ):
            self._prepared, self._readings = {}, None  # the previous batches'
            unique = every
        parts = [] if self._readings is None else [self._readings]
        for i in range(0, len(unique), _CHUNK):
            parts.append(self._read(self.encoder.encode(unique[i : i + _CHUNK]), True))
        self._readings = _joined(parts)
        for text in unique:
            self._prepared[text] = len(self._prepared)

    def _read(self, vectors: npt.NDArray[np.float32], every_topic: bool) -> Readings:
        """The readings of encoded texts; ``every_topic``: with each topic's best cosine."""
        approx = vectors @ self._centroids.T
        if len(self._out_of_scope):
            off = (vectors @ self._out_of_scope.T).max(axis=1)
        else:
            off = np.zeros(len(vectors), dtype=np.float32)
        best = None
        if every_topic:
            best = np.maximum.reduceat(vectors @ self._vectors.T, self._starts, axis=1)
        return Readings(vectors, approx, off, best)

    def off_topic(self, embedded: Readings) -> float:
        """The best cosine of the embedded texts with an out-of-scope example (0: none)."""
        return float(embedded.off.max()) if len(self._out_of_scope) else 0.0

    def topic_cosines(self, queries: Readings, must: set[int]) -> npt.NDArray[np.float32]:
        """Each topic's best cosine with the queries, computed exactly for the ``shortlist``
        topics whose centroid is closest and for those in ``must`` (the lexical candidates);
        the others get -1 (on a large knowledge base, most phrases are never read)."""
        shortlist = self.config.shortlist
        n = len(self.topic_order)
        cosines = np.full(n, -1.0, dtype=np.float32)
        if n <= shortlist:
            chosen: Iterable[int] = range(n)
        else:
            approx = queries.approx.max(axis=0)
            chosen = set(np.argpartition(-approx, shortlist)[:shortlist].tolist()) | must
        if queries.best is not None:  # prepared: every topic's is known
            rows = np.fromiter(chosen, dtype=np.intp)
            cosines[rows] = queries.best[:, rows].max(axis=0)
            return cosines
        columns, blocks = queries.vectors.T, self._blocks
        for i in chosen:
            cosines[i] = (blocks[i] @ columns).max()
        return cosines

    def closest_topics(self, cosines: npt.NDArray[np.float32]) -> list[str]:
        """The ``candidates`` topics closest by meaning, closest first."""
        best = np.argsort(-cosines)[: self.config.candidates]
        return [self.topic_order[int(i)] for i in best]


def _joined(parts: list[Readings]) -> Readings:
    """The readings of several chunks of texts, as one."""
    if len(parts) == 1:
        return parts[0]
    best = [p.best for p in parts if p.best is not None]
    return Readings(
        np.concatenate([p.vectors for p in parts]),
        np.concatenate([p.approx for p in parts]),
        np.concatenate([p.off for p in parts]),
        np.concatenate(best) if len(best) == len(parts) else None,
    )


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
