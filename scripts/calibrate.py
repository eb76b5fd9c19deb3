"""Grid-search the matching weights and thresholds on a labelled set (the dev set).

    python scripts/calibrate.py tests/eval/dev.yaml [tests/eval/dev2.yaml …] [--check FILE]

Weights shape the index, so the matcher is rebuilt for every combination of them; thresholds
only decide between answering and declining, so they are swept over the matches of each build.
Settings close to the best on the labelled set are then told apart by a k-fold check on the
knowledge base's own examples (each fifth held out in turn and asked as a question), which
rewards matching of unseen phrasing without touching any evaluation set: the final rank is the
objective plus a tenth of that k-fold recall.

Prints the best settings found for knowledge/matching.yaml. Calibrate on the dev set only and
report the held-out set as it comes: tuning on both would hide over-fitting.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
from pathlib import Path
from typing import Any

from bot.content.knowledge import KnowledgeBase
from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import Case, evaluate, load_cases
from bot.understanding.matcher import Match, Matcher, MatchingConfig

TARGETS = {"en": 0.92, "zh": 0.88, "fr": 0.88, "rejection": 0.85}
WEIGHTS = {  # MatchingConfig field: values tried
    "unknown_weight": (2.5, 3.0, 3.5),
    "unknown_cjk_weight": (1.5, 2.0),
    "coverage_weight": (0.5, 0.6, 0.7),
    "overlap_weight": (0.2, 0.3),
    "characteristic_share": (0.1, 0.15, 0.2),
}
ANSWER = tuple(x / 100 for x in range(44, 64, 2))
MIN_COVERAGE = (0.4, 0.45, 0.5, 0.55)
FOLDS = 5
TIE = 0.005  # objectives this close to the best are compared with the k-fold check too
KFOLD_WEIGHT = 0.1


def objective(figures: dict[str, float]) -> float:
    """Worst margin over the acceptance targets, then the mean margin."""
    margins = [figures[k] - target for k, target in TARGETS.items()]
    return round(min(margins) + sum(margins) / len(margins) / 10, 9)


def answered(match: Match, config: MatchingConfig) -> str | None:
    """The topic answered, by the rule of ``Assistant.reply_to_match``, or None."""
    best = match.candidates[0] if match.candidates else None
    if best and best.score >= config.answer_threshold and best.coverage >= config.min_coverage:
        return best.topic_id
    return None


def figures(matches: list[tuple[Case, Match]], config: MatchingConfig) -> dict[str, float]:
    """Accuracy per language and off-topic rejection."""
    right = {lang: [0, 0] for lang in ("en", "zh", "fr")}
    declined = off_topic = 0
    for case, match in matches:
        topic = answered(match, config)
        if case.off_topic:
            off_topic += 1
            declined += topic is None
        else:
            right[case.lang][0] += topic in case.expect and topic is not None
            right[case.lang][1] += 1
    result = {lang: n / total if total else 1.0 for lang, (n, total) in right.items()}
    result["rejection"] = declined / off_topic if off_topic else 1.0
    return result


def kfold_recall(kb: KnowledgeBase, config: MatchingConfig) -> float:
    """Share of the entries' examples answered with their entry when left out of the index."""
    right = total = 0
    for fold in range(FOLDS):
        entries, held = {}, []
        for entry in kb.entries.values():
            examples = {}
            for lang, phrases in entry.examples.items():
                examples[lang] = tuple(p for i, p in enumerate(phrases) if i % FOLDS != fold)
                held += [(p, entry.id) for i, p in enumerate(phrases) if i % FOLDS == fold]
            entries[entry.id] = dataclasses.replace(entry, examples=examples)
        matcher = Matcher(KnowledgeBase(entries, kb.items), config)
        right += sum(answered(matcher.match(q), config) == topic for q, topic in held)
        total += len(held)
    return right / total


def report(assistant: Assistant, cases: list[Case]) -> dict[str, float]:
    """The figures of ``python -m bot eval`` (the real reply logic)."""
    full = evaluate(assistant, cases)
    result = {lang: full.accuracy(lang) for lang in ("en", "zh", "fr")}
    result["rejection"] = full.rejection
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", help="labelled sets to calibrate on (together)")
    parser.add_argument("--check")
    args = parser.parse_args()
    base = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    cases = [case for file in args.files for case in load_cases(Path(file))]
    results: list[tuple[float, MatchingConfig, dict[str, float]]] = []
    for values in itertools.product(*WEIGHTS.values()):
        weights: dict[str, Any] = dict(zip(WEIGHTS, values, strict=True))
        weighted = dataclasses.replace(base.config, **weights)
        matcher = Matcher(base.kb, weighted)
        matches = [(case, matcher.match(case.question)) for case in cases]
        swept = []
        for answer, min_coverage in itertools.product(ANSWER, MIN_COVERAGE):
            config = dataclasses.replace(
                weighted,
                answer_threshold=answer,
                suggest_threshold=min(base.config.suggest_threshold, answer),
                min_coverage=min_coverage,
            )
            found = figures(matches, config)
            swept.append((objective(found), config, found))
        # Of the thresholds that tie, the middle one: the farthest from both edges.
        best = max(score for score, _, _ in swept)
        tied_thresholds = [s for s in swept if s[0] == best]
        results.append(tied_thresholds[len(tied_thresholds) // 2])
    # Settings within TIE of the best (about one question of the dev set) are ties.
    top = max(score for score, _, _ in results)
    tied = [(config, found) for score, config, found in results if score >= top - TIE]
    print(f"{len(tied)} setting(s) within {TIE} of the best objective {top:+.3f}; k-fold check:")
    ranked = []
    for config, found in tied:
        recall = kfold_recall(base.kb, config)
        ranked.append((objective(found) + KFOLD_WEIGHT * recall, recall, config))
        shown = {
            name: getattr(config, name) for name in (*WEIGHTS, "answer_threshold", "min_coverage")
        }
        print(
            f"  k-fold {recall:.3f} dev {' '.join(f'{k}={v:.3f}' for k, v in found.items())}"
            f" {shown}",
            flush=True,
        )
    _, recall, config = max(ranked, key=lambda r: r[0])
    print(
        "best:",
        {name: getattr(config, name) for name in (*WEIGHTS, "answer_threshold", "min_coverage")},
        f"k-fold {recall:.3f}",
    )
    assistant = Assistant(base.kb, Matcher(base.kb, config), base.texts)
    print("dev (bot eval):", report(assistant, cases))
    if args.check:
        print("held-out:", report(assistant, load_cases(Path(args.check))))


if __name__ == "__main__":
    main()
