"""What a match yields: the topics scored against a question (candidates), best first."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple


class Candidate(NamedTuple):
    """One topic scored against a question (a NamedTuple: a match makes dozens, and a frozen
    dataclass takes several times longer to build)."""

    topic_id: str
    score: float  # the fused score the candidates are ranked by
    coverage: float
    similarity: float
    cosine: float = 0.0  # best cosine similarity with one of the topic's phrases (0: unmeasured)
    lexical: float = 0.0  # the lexical score alone
    named: bool = False  # an item whose name or alias the question contains word for word


@dataclass(frozen=True)
class Match:
    """The guessed language of a question and its best candidates, best first."""

    language: str
    candidates: tuple[Candidate, ...]
    off_topic: float = 0.0  # best cosine similarity with an out-of-scope example
    by_meaning: bool = False  # whether meaning was measured (the candidates have cosines)
    length: float = 0.0  # log(1 + the message's words), a Chinese word counted as 2 characters


def message_length(text: str, language: str) -> float:
    """The size of a message for the answer decision: log(1 + its words; in Chinese, its
    characters / 2)."""
    size = len(text) / 2 if language == "zh" else len(text.split())
    return math.log1p(size)
