"""The answer decision: whether a match's best candidate is confident enough to be answered.

With meaning measured, a logistic model over the best candidate's features (:data:`FEATURES`,
its weights fitted on the dev sets by ``scripts/calibrate.py``) decides; else the lexical
thresholds do. The model sees only a :class:`~bot.understanding.candidates.Match`, so it is
tested on hand-built matches (tests/test_decision.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.understanding.candidates import Candidate, Match

FEATURES = (
    "score",
    "lexical",
    "coverage",
    "cosine",
    "gap",
    "beyond_out_of_scope",
    "named",
    "out_of_scope",
    "lexical_first",
    "meaning_first",
    "length",
)


def features(
    candidate: Candidate,
    gap: float,
    off_topic: float,
    *,
    lexical_first: bool = True,
    meaning_first: bool = True,
    length: float = 0.0,
) -> dict[str, float]:
    """What the answer decision looks at, for the best candidate of a match: its scores, the
    margins to the runner-up and to the out-of-scope examples, and whether the lexical and
    the semantic rankings alone agree with it (it is first by each)."""
    return {
        "score": candidate.score,
        "lexical": candidate.lexical,
        "coverage": candidate.coverage,
        "cosine": candidate.cosine,
        "gap": gap,
        "beyond_out_of_scope": candidate.cosine - off_topic,
        "named": float(candidate.named),
        "out_of_scope": off_topic,
        "lexical_first": float(lexical_first),
        "meaning_first": float(meaning_first),
        "length": length,
    }


def match_features(match: Match) -> dict[str, float]:
    """The features of a match's best candidate (a match with candidates)."""
    best = match.candidates[0]
    gap = best.score - match.candidates[1].score if len(match.candidates) > 1 else best.score
    lexical_first = best.lexical >= max(c.lexical for c in match.candidates)
    meaning_first = best.cosine >= max(c.cosine for c in match.candidates)
    return features(
        best,
        gap,
        match.off_topic,
        lexical_first=lexical_first,
        meaning_first=meaning_first,
        length=match.length,
    )


@dataclass(frozen=True)
class AnswerDecision:
    """The settings of the decision (``matching.yaml``: ``thresholds`` and ``semantic``)."""

    answer_threshold: float  # the lexical rule: a score at least this ...
    min_coverage: float  # ... with this share of the question explained
    confidence: Mapping[str, float] = field(default_factory=dict)  # feature: weight, "bias"
    accept: float = 0.5  # the model's probability at which the bot answers
    min_gap: float = 0.0  # a closer runner-up makes it a "did you mean" (ambiguous question)

    def probability(self, found: Mapping[str, float]) -> float:
        """The logistic model's probability that the best candidate is the right answer."""
        z = self.confidence.get("bias", 0.0) + sum(
            self.confidence.get(name, 0.0) * value for name, value in found.items()
        )
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))

    def answers(self, candidate: Candidate) -> bool:
        """The lexical rule: the candidate's score reaches the answer threshold and its words
        explain enough of the question."""
        return candidate.score >= self.answer_threshold and candidate.coverage >= self.min_coverage

    def answer_of(self, match: Match) -> Candidate | None:
        """The best candidate of a match when it is confident enough to be the answer: by the
        logistic model when meaning was measured, else by the thresholds."""
        if not match.candidates:
            return None
        best = match.candidates[0]
        if match.by_meaning and self.confidence:
            found = match_features(match)
            clear = found["gap"] >= self.min_gap or best.named
            return best if self.probability(found) >= self.accept and clear else None
        return best if self.answers(best) else None
