"""Measure candidate features of the answer decision out of sample (the dev sets only).

    python scripts/decision_features.py tests/eval/dev.yaml tests/eval/dev2.yaml \
        tests/eval/real-dev.yaml tests/eval/real-dev2.yaml tests/eval/indep-en-dev.yaml \
        tests/eval/indep-fr-dev.yaml tests/eval/indep-zh-dev.yaml tests/eval/typos-dev.yaml \
        [--features coverage,gap,…] [--accept 0.45] [--min-gap 0.03]

For each set left out in turn, the logistic answer model is fitted on the other sets over the
features asked for, and the set's best candidates are judged by it; the totals are compared
with matching.yaml's model: right answers (first candidate right and answered), off-topic
questions answered, wrong answers. Besides :data:`bot.understanding.decision.FEATURES`, three
more can be tried: ``lexical_gap`` and ``cosine_gap`` (the lead over the runner-up by each
ranking alone) and ``asking_first`` (the part that asks, matched alone, has the same first
candidate). A feature is worth adding when the left-out totals beat the current model's.
Only first candidates and single questions are judged (no two-part replies, no conversation).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from calibrate import fit_logistic  # the same model as the calibration (scripts/ is on the path)

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.decision import match_features
from bot.understanding.evaluation import load_cases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", help="dev sets (never a held-out one)")
    parser.add_argument(
        "--features",
        default="score,lexical,coverage,cosine,gap,beyond_out_of_scope,named,out_of_scope,"
        "lexical_first,meaning_first,lexical_gap,cosine_gap",
    )
    parser.add_argument("--accept", type=float, default=0.45)
    parser.add_argument("--min-gap", type=float, default=0.03)
    args = parser.parse_args()
    if any("holdout" in f for f in args.files):
        parser.error("held-out sets are never tuned on")
    names = args.features.split(",")
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    decision = assistant.config.decision
    rows: list[tuple[str, list[float], bool, bool, bool, float, bool]] = []
    for file in args.files:
        for case in load_cases(Path(file)):
            if case.turns or case.expect_all or case.outcome is not None:
                continue
            match = assistant.match(case.question)
            if not match.candidates:
                continue
            best, others = match.candidates[0], match.candidates[1:]
            found = match_features(match)
            now = decision.probability(found) >= decision.accept and (
                found["gap"] >= decision.min_gap or best.named
            )
            asking = assistant.match(assistant.matcher.asking_part(case.question))
            found["lexical_gap"] = best.lexical - max((c.lexical for c in others), default=0.0)
            found["cosine_gap"] = best.cosine - max((c.cosine for c in others), default=0.0)
            first = asking.candidates[0].topic_id if asking.candidates else None
            found["asking_first"] = float(first == best.topic_id)
            off = case.off_topic and None in case.expect
            right = best.topic_id in case.expect and not off
            features = [found[n] for n in names]
            rows.append((Path(file).name, features, right, off, now, found["gap"], best.named))
    sets = np.array([r[0] for r in rows])
    x = np.array([r[1] for r in rows])
    right, off, now = (np.array([r[i] for r in rows]) for i in (2, 3, 4))
    gap, named = np.array([r[5] for r in rows]), np.array([r[6] for r in rows])
    totals = np.zeros((2, 3), dtype=int)
    for name in sorted(set(sets)):
        train, test = sets != name, sets == name
        w = fit_logistic(x[train], (right[train]).astype(float))
        p = 1 / (1 + np.exp(-np.clip(w[0] + x @ w[1:], -50, 50)))
        new = (p >= args.accept) & ((gap >= args.min_gap) | named)
        figures = []
        for i, answered in enumerate((now, new)):
            counts = [
                int((answered & right & test).sum()),
                int((answered & off & test).sum()),
                int((answered & ~right & ~off & test).sum()),
            ]
            totals[i] += counts
            figures.append(counts)
        (r0, o0, w0), (r1, o1, w1) = figures
        print(f"{name:22} right {r0}->{r1}  off-topic answered {o0}->{o1}  wrong {w0}->{w1}")
    print(
        f"left-out totals, matching.yaml -> refitted: right {totals[0][0]}->{totals[1][0]}, "
        f"off-topic answered {totals[0][1]}->{totals[1][1]}, wrong {totals[0][2]}->{totals[1][2]}"
        f" ({len(rows)} questions; accept {args.accept}, min_gap {args.min_gap};"
        f" features {', '.join(names)})"
    )


if __name__ == "__main__":
    main()
