"""Fit the answer decision so that it holds for writers it has not seen (the dev sets only).

    .venv/bin/python scripts/fit_decision.py tests/eval/dev.yaml tests/eval/dev2.yaml \
        tests/eval/real-dev.yaml tests/eval/real-dev2.yaml tests/eval/indep-en-dev.yaml \
        tests/eval/indep-fr-dev.yaml tests/eval/indep-zh-dev.yaml tests/eval/typos-dev.yaml \
        tests/eval/questions-dev2.yaml [--write]

The ranking (``semantic`` weight, low, high, name_bonus: ``scripts/calibrate.py``) is kept; only
the decision is refitted: the logistic model over :data:`bot.understanding.decision.FEATURES`
(``semantic.confidence``), the probability at which the bot answers (``accept``) and the gap to
the runner-up under which it offers a choice (``min_gap``).

Every figure printed is **cross-validated**: each writer (a set's rows of one language) is
left out in turn; the model is fitted on the others, with features standardised and a ridge
penalty, its ``accept`` and ``min_gap`` chosen on those others too, and it is judged on the
writer left out. The penalty and the feature set with the best left-out total are chosen; the
final model is fitted on every writer the same way. A row is right when the first candidate is
right and answered, or the question is off-topic and declined (a "did you mean" is no answer,
as in ``python -m bot eval``); ``--wrong-cost`` weighs a wrong answer against that when
choosing ``accept`` (a wrong fact is worse for a student than a choice of two topics).

``--rerank`` reports instead whether the first three candidates could be re-ranked: a logistic
model over what sets a 2nd or 3rd candidate apart from the first (:data:`RERANK`: the rankings'
agreement, the asking part alone, coverage…) moves it first when sure enough; the net gain is
cross-validated by writer the same way (issue 18: about nothing, so the bot does not re-rank).

Only single questions are judged (no two-part replies, no conversation, no honest replies),
and not those declined before any matching (a translation, another university). ``--write``
puts the chosen model in knowledge/matching.yaml; otherwise it is printed.
"""

from __future__ import annotations

import argparse
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.decision import FEATURES, match_features
from bot.understanding.evaluation import load_cases

PENALTIES = (0.1, 1.0, 10.0, 30.0, 100.0)  # ridge penalties tried (on standardised features)
# The feature sets tried: every feature, and without the agreement of the two rankings
FEATURE_SETS = {
    "all": FEATURES,
    "without rankings' agreement": tuple(
        f for f in FEATURES if f not in ("lexical_first", "meaning_first", "length")
    ),
    "without rankings' agreement, with length": tuple(
        f for f in FEATURES if f not in ("lexical_first", "meaning_first")
    ),
}
# Features the bot does not compute, tried for the report only (each added to the second set):
# the lead over the runner-up by each ranking alone, whether the part that asks, matched
# alone, has the same first candidate; (concept9) whether the runner-up is the first's kin (an
# item and its list, or two items of one list), the part that asks alone: the first topic's
# cosine minus its closeness to the out-of-scope examples, and how many candidates are within
# 0.05 of the first's score; and the question's length (log of words; Chinese: of
# characters / 2)
EXTRA = ("lexical_gap", "cosine_gap", "asking_first", "kin_runner_up", "asking_margin", "crowd")
COLUMNS = (*FEATURES, *EXTRA)
ACCEPT = tuple(round(x, 2) for x in np.arange(0.10, 0.91, 0.02))
MIN_GAP = (0.0, 0.02, 0.03, 0.05)  # tried with --fit-min-gap (else matching.yaml's is kept)
GAPS = list(MIN_GAP)  # the min_gap values chosen from
MATCHING = REPOSITORY / "knowledge" / "matching.yaml"


@dataclass
class Table:
    """Per single question: its writer, the decision's features, and the truth."""

    writer: np.ndarray  # "set/lang"
    x: np.ndarray  # COLUMNS, in order
    right: np.ndarray  # the first candidate is an expected topic (an on-topic question)
    off: np.ndarray  # an off-topic question

    @property
    def gap(self) -> np.ndarray:
        return self.x[:, FEATURES.index("gap")]

    @property
    def named(self) -> np.ndarray:
        return self.x[:, FEATURES.index("named")] > 0


def table(assistant: Assistant, files: list[str]) -> Table:
    writers, xs, rights, offs = [], [], [], []
    for file in files:
        for case in load_cases(Path(file)):
            if case.turns or case.expect_all or case.outcome is not None:
                continue
            if assistant.matcher.declined(case.question):
                continue  # declined before the decision
            match = assistant.match(case.question)
            if not match.candidates or not match.by_meaning:
                continue
            found = match_features(match)
            best, others = match.candidates[0], match.candidates[1:]
            found["lexical_gap"] = best.lexical - max((c.lexical for c in others), default=0.0)
            found["cosine_gap"] = best.cosine - max((c.cosine for c in others), default=0.0)
            asking = assistant.match(assistant.matcher.asking_part(case.question)).candidates
            found["asking_first"] = float(bool(asking) and asking[0].topic_id == best.topic_id)
            found["kin_runner_up"] = float(
                bool(others) and _kin(assistant, best.topic_id, others[0].topic_id)
            )
            asked = assistant.match(assistant.matcher.asking_part(case.question))
            mine = [c.cosine for c in asked.candidates if c.topic_id == best.topic_id]
            found["asking_margin"] = (mine[0] if mine else 0.0) - asked.off_topic
            found["crowd"] = float(sum(best.score - c.score < 0.05 for c in others))
            writers.append(f"{Path(file).stem}/{case.lang}")
            xs.append([found[name] for name in COLUMNS])
            rights.append(not case.off_topic and match.candidates[0].topic_id in case.expect)
            offs.append(case.off_topic)
    return Table(np.array(writers), np.array(xs, float), np.array(rights), np.array(offs))


def _kin(assistant: Assistant, first: str, second: str) -> bool:
    """Whether two topics are an item and its list, or two items of one list."""
    lists = {e.id: set(e.item_ids) for e in assistant.kb.entries.values() if e.item_ids}
    return any(
        (first == lid and second in ids)
        or (second == lid and first in ids)
        or (first in ids and second in ids)
        for lid, ids in lists.items()
    )


def fit(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[float, np.ndarray]:
    """Ridge logistic regression on standardised columns (Newton's method), returned as a
    bias and weights on the raw columns (0 for a constant column)."""
    mean, spread = x.mean(axis=0), x.std(axis=0)
    spread = np.where(spread > 1e-9, spread, np.inf)
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / spread])
    w = np.zeros(z.shape[1])
    ridge = penalty * np.eye(len(w))
    ridge[0, 0] = 0.0
    for _ in range(40):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -50, 50)))
        gradient = z.T @ (p - y) + ridge @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + ridge
        w -= np.linalg.solve(hessian + 1e-9 * np.eye(len(w)), gradient)
    weights = w[1:] / spread
    return float(w[0] - weights @ mean), weights


def probability(bias: float, weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(bias + x @ weights, -50, 50)))


def counts(t: Table, answered: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Right answers, off-topic questions answered, wrong answers to on-topic questions."""
    return np.array(
        [
            (answered & t.right & rows).sum(),
            (answered & t.off & rows).sum(),
            (answered & ~t.right & ~t.off & rows).sum(),
        ]
    )


def rows_right(t: Table, c: np.ndarray, rows: np.ndarray) -> int:
    return int(c[0] + (t.off & rows).sum() - c[1])


def choose(
    t: Table, p: np.ndarray, rows: np.ndarray, wrong_cost: float, rejection: float
) -> tuple[float, float]:
    """The accept threshold and min_gap best on ``rows`` among those declining at least
    ``rejection`` of their off-topic questions (the most declining when none does)."""
    best: tuple[bool, float, float, float] | None = None
    off = (t.off & rows).sum()
    for accept, min_gap in itertools.product(ACCEPT, GAPS):
        answered = (p >= accept) & ((t.gap >= min_gap) | t.named)
        c = counts(t, answered, rows)
        declined = 1 - c[1] / off if off else 1.0
        value = rows_right(t, c, rows) - wrong_cost * c[2]
        key = (declined >= rejection, value if declined >= rejection else declined)
        if best is None or key > best[:2]:
            best = (*key, accept, min_gap)
    assert best is not None
    return best[2], best[3]


def cross_validated(
    t: Table, columns: list[int], penalty: float, wrong_cost: float, rejection: float
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Totals and per-writer counts, each writer judged by a model fitted without it."""
    total, per = np.zeros(3, int), {}
    x = t.x[:, columns]
    for writer in sorted(set(t.writer)):
        test = t.writer == writer
        bias, weights = fit(x[~test], t.right[~test].astype(float), penalty)
        p = probability(bias, weights, x)
        accept, min_gap = choose(t, p, ~test, wrong_cost, rejection)
        answered = (p >= accept) & ((t.gap >= min_gap) | t.named)
        per[writer] = counts(t, answered, test)
        total += per[writer]
    return total, per


def current(t: Table, assistant: Assistant) -> np.ndarray:
    """The counts of matching.yaml's model (fitted on these rows: in sample)."""
    decision = assistant.config.decision
    w = np.array([decision.confidence.get(name, 0.0) for name in COLUMNS])
    p = probability(decision.confidence.get("bias", 0.0), w, t.x)
    answered = (p >= decision.accept) & ((t.gap >= decision.min_gap) | t.named)
    return answered


def line(label: str, t: Table, c: np.ndarray, rows: np.ndarray) -> str:
    return (
        f"{label:44} right {c[0]:4d}  off-topic answered {c[1]:3d}  wrong {c[2]:3d}  "
        f"rows right {rows_right(t, c, rows):4d}/{rows.sum()}"
    )


def write(section: dict[str, object]) -> None:
    """Put accept, min_gap and confidence in matching.yaml's semantic section, comments kept."""
    text = MATCHING.read_text("utf-8")
    start = text.index("\nsemantic:\n")
    end = re.compile(r"\n\S").search(text, start + 2)
    stop = end.start() if end else len(text)
    body = text[start:stop]
    confidence = section["confidence"]
    assert isinstance(confidence, dict)
    block = "  confidence:\n" + "".join(f"    {k}: {v}\n" for k, v in confidence.items())
    body = re.sub(r"  confidence:\n(    .*\n)+", block, body + "\n", count=1)[:-1]
    for key in ("accept", "min_gap"):
        body = re.sub(rf"\n  {key}: [0-9.]+", f"\n  {key}: {section[key]}", body, count=1)
    MATCHING.write_text(text[:start] + body + text[stop:], "utf-8")


# Re-ranking the first three candidates (--rerank; issue 18, rank5): for each question and its
# 2nd or 3rd candidate, what sets it apart from the first — the fused, lexical and semantic
# scores' and coverage's differences, whether it is above the first by the lexical ranking, by
# meaning and by the asking part alone, whether each is first by each ranking, the first's
# probability by the answer model — and whether it is right where the first is wrong.
RERANK = (
    "score",
    "lexical",
    "cosine",
    "coverage",
    "named",
    "lexical_above",
    "meaning_above",
    "asking_above",
    "asking_first",
    "first_asking_first",
    "lexical_first",
    "meaning_first",
    "first_lexical_first",
    "first_meaning_first",
    "probability",
    "third",
    "first_named_elsewhere",
    "named_in_asking",
)


def rerank_table(
    assistant: Assistant, files: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per 2nd or 3rd candidate of a single on-topic question: its writer, question number,
    features (:data:`RERANK`), whether it is right, and whether its question's first is."""
    writers, questions, xs, rights, firsts = [], [], [], [], []
    for file in files:
        for case in load_cases(Path(file)):
            if case.turns or case.expect_all or case.outcome is not None or case.off_topic:
                continue
            if assistant.matcher.declined(case.question):
                continue
            match = assistant.match(case.question)
            if len(match.candidates) < 2 or not match.by_meaning:
                continue
            asking = assistant.matcher.asking_part(case.question)
            asked = assistant.match(asking).candidates if asking != case.question else ()
            ranked = asked or match.candidates
            every = match.candidates
            by_lexical = {
                c.topic_id: i for i, c in enumerate(sorted(every, key=lambda c: -c.lexical))
            }
            by_meaning = {
                c.topic_id: i for i, c in enumerate(sorted(every, key=lambda c: -c.cosine))
            }
            by_asking = {c.topic_id: i for i, c in enumerate(ranked)}
            named_asking = {c.topic_id for c in ranked if c.named}
            probability = assistant.certainty(match)
            first = match.candidates[0]
            for k, other in enumerate(match.candidates[1:3], start=1):
                t, b = other.topic_id, first.topic_id
                xs.append(
                    [
                        other.score - first.score,
                        other.lexical - first.lexical,
                        other.cosine - first.cosine,
                        other.coverage - first.coverage,
                        float(other.named) - float(first.named),
                        float(by_lexical[t] < by_lexical[b]),
                        float(by_meaning[t] < by_meaning[b]),
                        float(by_asking.get(t, 99) < by_asking.get(b, 99)),
                        float(by_asking.get(t) == 0),
                        float(by_asking.get(b) == 0),
                        float(by_lexical[t] == 0),
                        float(by_meaning[t] == 0),
                        float(by_lexical[b] == 0),
                        float(by_meaning[b] == 0),
                        probability,
                        float(k - 1),
                        # the first is named only outside the asking part (the writer's field)
                        float(first.named and b not in named_asking),
                        float(t in named_asking),
                    ]
                )
                writers.append(f"{Path(file).stem}/{case.lang}")
                questions.append(len(set(questions)) if k == 1 else questions[-1])
                rights.append(t in case.expect)
                firsts.append(b in case.expect)
    return (
        np.array(writers),
        np.array(questions),
        np.array(xs, float),
        np.array(rights),
        np.array(firsts),
    )


def swaps(
    p: np.ndarray,
    question: np.ndarray,
    right: np.ndarray,
    first: np.ndarray,
    *,
    rows: np.ndarray,
    at: float,
) -> tuple[int, int]:
    """Questions made right minus made wrong by putting a question's likeliest 2nd or 3rd
    candidate first when its probability reaches ``at`` (and how many are moved)."""
    gain = moved = 0
    for q in np.unique(question[rows]):
        mine = np.where(question == q)[0]
        best = mine[np.argmax(p[mine])]
        if p[best] >= at:
            moved += 1
            gain += int(right[best] and not first[best]) - int(first[best] and not right[best])
    return gain, moved


def rerank_report(assistant: Assistant, files: list[str]) -> None:
    """Cross-validated (leave one writer out) gain of re-ranking the first three candidates:
    the swap threshold is chosen on the other writers too."""
    writer, question, x, right, first = rerank_table(assistant, files)
    firsts = {int(q): bool(f) for q, f in zip(question, first, strict=True)}
    target = (right & ~first).astype(float)
    print(
        f"re-ranking: {len(set(question))} questions, first right {sum(firsts.values())}; "
        f"a 2nd or 3rd right where the first is wrong: {int(target.sum())}"
    )
    thresholds = [round(t, 2) for t in np.arange(0.1, 0.95, 0.05)]
    for penalty in PENALTIES:
        gain = moved = 0
        for left_out in sorted(set(writer)):
            test = writer == left_out
            bias, weights = fit(x[~test], target[~test], penalty)
            p = probability(bias, weights, x)
            at = max(
                thresholds, key=lambda t: (swaps(p, question, right, first, rows=~test, at=t)[0], t)
            )
            g, m = swaps(p, question, right, first, rows=test, at=at)
            gain, moved = gain + g, moved + m
        print(f"  left out by writer, ridge {penalty:g}: net {gain:+d} questions ({moved} moved)")
    bias, weights = fit(x, target, 10.0)
    p = probability(bias, weights, x)
    every = np.ones(len(x), bool)
    (gain, moved), at = max(
        (swaps(p, question, right, first, rows=every, at=t), t) for t in thresholds
    )
    print(f"  in sample (ridge 10), best threshold {at}: net {gain:+d} ({moved} moved)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", help="dev sets (never a held-out or validation set)")
    parser.add_argument("--wrong-cost", type=float, default=0.25)
    parser.add_argument(
        "--rejection",
        type=float,
        default=0.93,
        help="share of the off-topic questions accept and min_gap must decline (when fitted)",
    )
    parser.add_argument(
        "--fit-min-gap",
        action="store_true",
        help="choose min_gap too (else matching.yaml's: a near tie stays a 'did you mean')",
    )
    parser.add_argument("--write", action="store_true", help="write the model to matching.yaml")
    parser.add_argument("--per-writer", action="store_true", help="left-out counts per writer")
    parser.add_argument(
        "--rerank", action="store_true", help="report re-ranking the first three candidates only"
    )
    args = parser.parse_args()
    if any("holdout" in f or "-val" in f for f in args.files):
        parser.error("held-out and validation sets are never fitted on")
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    if args.rerank:
        rerank_report(assistant, args.files)
        return
    if not args.fit_min_gap:
        GAPS[:] = [assistant.config.semantic.min_gap]
    t = table(assistant, args.files)
    everyone = np.ones(len(t.right), bool)
    print(
        f"{len(t.right)} single questions, {len(set(t.writer))} writers; first candidate right "
        f"{t.right.sum()}, off-topic {t.off.sum()}"
    )
    print(
        line(
            "matching.yaml's model (in sample)",
            t,
            counts(t, current(t, assistant), everyone),
            everyone,
        )
    )
    results = []
    kept = FEATURE_SETS["without rankings' agreement"]
    tried = {**FEATURE_SETS, **{f"{name} (not in the bot)": (*kept, name) for name in EXTRA}}
    tried.update(
        {f"{name} with length (not in the bot)": (*kept, "length", name) for name in EXTRA}
    )
    for (name, features), penalty in itertools.product(tried.items(), PENALTIES):
        columns = [COLUMNS.index(f) for f in features]
        total, per = cross_validated(t, columns, penalty, args.wrong_cost, args.rejection)
        label = f"left out: {name}, ridge {penalty:g}"
        print(line(label, t, total, everyone))
        value = rows_right(t, total, everyone) - args.wrong_cost * total[2]
        if name in FEATURE_SETS:
            results.append((value, -len(features), penalty, name, columns, total, per))
    value, _, penalty, name, columns, total, per = max(results, key=lambda r: r[:3])
    print(f"\nchosen: {name}, ridge {penalty:g} (best left-out total)")
    print(line("  cross-validated", t, total, everyone))
    if args.per_writer:
        for writer, c in per.items():
            rows = t.writer == writer
            print(line(f"    {writer}", t, c, rows))
    bias, weights = fit(t.x[:, columns], t.right.astype(float), penalty)
    p = probability(bias, weights, t.x[:, columns])
    accept, min_gap = choose(t, p, everyone, args.wrong_cost, args.rejection)
    answered = (p >= accept) & ((t.gap >= min_gap) | t.named)
    print(line("  in sample (fitted on every writer)", t, counts(t, answered, everyone), everyone))
    chosen = dict(zip((COLUMNS[i] for i in columns), weights, strict=True))
    section: dict[str, object] = {
        "accept": accept,
        "min_gap": min_gap,
        "confidence": {
            "bias": round(bias, 3),
            **{f: round(float(chosen[f]), 3) for f in FEATURES if f in chosen},
        },
    }
    print("semantic:", section)
    if args.write:
        write(section)
        print(f"written to {MATCHING.relative_to(REPOSITORY)}")


if __name__ == "__main__":
    main()
