"""Grid-search the matching weights and thresholds on a labelled set (the dev set).

    python scripts/calibrate.py tests/eval/dev.yaml [--check tests/eval/holdout.yaml]

Prints the best settings found for knowledge/matching.yaml. Calibrate on the dev set only and
report the held-out set as it comes: tuning on both would hide over-fitting.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
from pathlib import Path

from bot.answers import Assistant
from bot.evaluation import Case, evaluate, load_cases
from bot.matcher import Matcher
from bot.settings import REPOSITORY

TARGETS = {"en": 0.92, "zh": 0.88, "fr": 0.88, "rejection": 0.85}


def objective(assistant: Assistant, cases: list[Case]) -> tuple[float, dict[str, float]]:
    """Worst margin over the acceptance targets, then the mean margin."""
    report = evaluate(assistant, cases)
    figures = {lang: report.accuracy(lang) for lang in ("en", "zh", "fr")}
    figures["rejection"] = report.rejection
    margins = [figures[k] - target for k, target in TARGETS.items()]
    return min(margins) + sum(margins) / len(margins) / 10, figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--check")
    args = parser.parse_args()
    base = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    cases = load_cases(Path(args.file))
    best: tuple[float, dict[str, float], object] | None = None
    grid = itertools.product(
        (2.0, 3.0, 4.0),  # unknown_weight
        (1.0, 1.5, 2.5),  # unknown_cjk_weight
        (0.5, 0.6, 0.7),  # coverage_weight
        (0.48, 0.52, 0.56, 0.6, 0.64),  # answer_threshold
        (0.4, 0.45, 0.5, 0.55, 0.6),  # min_coverage
    )
    for unknown, cjk, cw, answer, coverage in grid:
        config = dataclasses.replace(
            base.config,
            unknown_weight=unknown,
            unknown_cjk_weight=cjk,
            coverage_weight=cw,
            answer_threshold=answer,
            suggest_threshold=min(base.config.suggest_threshold, answer),
            min_coverage=coverage,
        )
        # These settings are read at match time: swap them in without rebuilding the index.
        base.matcher.config = base.config = config
        score, figures = objective(base, cases)
        if best is None or score > best[0]:
            best = (score, figures, config)
            print(
                f"{score:+.3f} {figures} unknown={unknown} cjk={cjk} cw={cw} "
                f"answer={answer} min_coverage={coverage}",
                flush=True,
            )
    if best and args.check:
        assistant = Assistant(base.kb, Matcher(base.kb, best[2]), base.texts)  # type: ignore[arg-type]
        print("held-out:", objective(assistant, load_cases(Path(args.check)))[1])


if __name__ == "__main__":
    main()
