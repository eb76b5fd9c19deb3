"""Grid-search the fused-score weights and thresholds on labelled sets (the dev sets only).

    python scripts/calibrate.py tests/eval/dev.yaml tests/eval/dev2.yaml \
        tests/eval/real-dev.yaml [--check FILE …]

Every question is matched once; each candidate keeps its lexical score, lexical coverage and
cosine similarity (and the question its closeness to the out-of-scope examples), so the fused
score ``(1 − weight) × lexical + weight × scaled cosine (+ name_bonus)`` is re-ranked for every
setting with numpy. For each ranking, a small logistic model (the answer decision: is the best
candidate right?) is fitted on the dev questions over ``matcher.FEATURES``, and its accept
threshold swept against the targets; the best setting, weights included, goes to the
``semantic:`` section of knowledge/matching.yaml. Two-part
and not-listed questions are decided by the assistant, not the scores: they are left out here
and shown by the final ``eval`` figures.

Prints the best settings found for knowledge/matching.yaml. Calibrate on the dev sets only and
report the held-out sets as they come: tuning on both would hide over-fitting.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
from pathlib import Path

import numpy as np

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import Case, evaluate, format_report, load_cases
from bot.understanding.matcher import FEATURES, Matcher, SemanticConfig

# Targets per set: the ordinary sets (dev, dev2) and the sets of how students really write
# (real-*: situational, concept, abbreviations, chatty…), each language and the rejection.
TARGETS = {"en": 0.93, "zh": 0.93, "fr": 0.93, "rejection": 0.90}
REAL_TARGETS = {"en": 0.85, "zh": 0.85, "fr": 0.85, "rejection": 0.88}
WEIGHT = (0.3, 0.4, 0.5, 0.6)
LOW = (0.3, 0.4)
HIGH = (0.75, 0.85)
NAME_BONUS = (0.0, 0.15, 0.3)
ACCEPT = tuple(x / 100 for x in range(20, 82, 2))
MIN_GAP = (0.03, 0.05, 0.08)
L2 = 0.01  # ridge penalty of the logistic fit


def objective(figures: dict[str, float], real: dict[str, float] | None = None) -> float:
    """Worst margin over the targets, then the mean margin."""
    margins = [figures[k] - target for k, target in TARGETS.items()]
    if real is not None:
        margins += [real[k] - target for k, target in REAL_TARGETS.items()]
    return round(min(margins) + sum(margins) / len(margins) / 10, 9)


def table(matcher: Matcher, cases: list[Case], k: int, real: list[bool]) -> dict[str, np.ndarray]:
    """Per question, the first ``k`` candidates' components and whether each is right."""
    n = len(cases)
    lexical, coverage, cosine = np.zeros((n, k)), np.zeros((n, k)), np.full((n, k), -1.0)
    right, valid = np.zeros((n, k), bool), np.zeros((n, k), bool)
    named = np.zeros((n, k), bool)
    off_topic, length = np.zeros(n), np.zeros(n)
    for i, case in enumerate(cases):
        match = matcher.match(case.question)
        off_topic[i], length[i] = match.off_topic, match.length
        for j, c in enumerate(match.candidates[:k]):
            lexical[i, j], coverage[i, j], cosine[i, j] = (
                c.lexical or c.score,
                c.coverage,
                c.cosine,
            )
            right[i, j], valid[i, j], named[i, j] = c.topic_id in case.expect, True, c.named
    return {
        "lexical": lexical,
        "coverage": coverage,
        "cosine": cosine,
        "right": right,
        "valid": valid,
        "named": named,
        "off_topic": off_topic,
        "length": length,
        "is_off": np.array([c.off_topic for c in cases]),
        "lang": np.array([c.lang for c in cases]),
        "real": np.array(real),
    }


def fit_logistic(x: np.ndarray, y: np.ndarray, steps: int = 50) -> np.ndarray:
    """Ridge-penalised logistic regression by Newton's method: [bias, weights…]."""
    x = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x.shape[1])
    penalty = L2 * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -50, 50)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        w -= np.linalg.solve(hessian + 1e-9 * np.eye(len(w)), gradient)
    return w


def sweep(
    t: dict[str, np.ndarray], current: SemanticConfig | None = None
) -> list[tuple[float, dict[str, object], dict[str, float]]]:
    """Every ranking setting, its fitted answer model and accept threshold, with figures; with
    ``current``, the figures of that setting as it is come first (objective 0, not refitted)."""
    results: list[tuple[float, dict[str, object], dict[str, float]]] = []
    rows = np.arange(len(t["lexical"]))
    for weight, low, high, bonus in itertools.product(WEIGHT, LOW, HIGH, NAME_BONUS):
        scaled = np.clip((t["cosine"] - low) / (high - low), 0, 1)
        fused = (1 - weight) * t["lexical"] + weight * scaled
        fused = np.where(t["named"], np.minimum(1.0, fused + bonus), fused)
        fused = np.where(t["valid"], fused, -1.0)
        order = np.argsort(-fused, axis=1)
        best, second = order[:, 0], order[:, 1]
        score = fused[rows, best]
        gap = np.where(t["valid"][rows, second], score - fused[rows, second], score)
        cosine = t["cosine"][rows, best]
        x = np.column_stack(
            [  # in the order of bot.understanding.matcher.FEATURES
                score,
                t["lexical"][rows, best],
                t["coverage"][rows, best],
                cosine,
                gap,
                cosine - t["off_topic"],
                t["named"][rows, best].astype(float),
                t["off_topic"],
                t["lexical"][rows, best] >= np.where(t["valid"], t["lexical"], -1).max(axis=1),
                cosine >= np.where(t["valid"], t["cosine"], -1).max(axis=1),
                t["length"],
            ]
        )
        right = t["right"][rows, best] & t["valid"][rows, best]
        w = fit_logistic(x, right.astype(float))
        trials = list(itertools.product(ACCEPT, MIN_GAP))
        setting_now = (weight, low, high, bonus)
        if current is not None and setting_now == (
            current.weight,
            current.low,
            current.high,
            current.name_bonus,
        ):
            now = [current.confidence.get(name, 0.0) for name in ("bias", *FEATURES)]
            results.insert(0, _figures_of(t, x, right, gap, w=np.array(now), current=current))
        probability = 1 / (1 + np.exp(-np.clip(w[0] + x @ w[1:], -50, 50)))
        named = t["named"][rows, best]
        for accept, min_gap in trials:
            answered = (probability >= accept) & ((gap >= min_gap) | named)
            groups = []
            for part in (~t["real"], t["real"]):
                figures = {}
                for lang in ("en", "zh", "fr"):
                    mask = (t["lang"] == lang) & ~t["is_off"] & part
                    figures[lang] = float((answered & right)[mask].mean()) if mask.any() else 1.0
                off = t["is_off"] & part
                figures["rejection"] = float((~answered)[off].mean()) if off.any() else 1.0
                groups.append(figures)
            figures = {**groups[0], **{f"real-{k}": v for k, v in groups[1].items()}}
            setting: dict[str, object] = {
                "weight": weight,
                "low": low,
                "high": high,
                "name_bonus": bonus,
                "accept": accept,
                "min_gap": min_gap,
                "confidence": {
                    "bias": round(float(w[0]), 3),
                    **{n: round(float(v), 3) for n, v in zip(FEATURES, w[1:], strict=True)},
                },
            }
            results.append((objective(groups[0], groups[1]), setting, figures))
    return results


def _figures_of(
    t: dict[str, np.ndarray],
    x: np.ndarray,
    right: np.ndarray,
    gap: np.ndarray,
    *,
    w: np.ndarray,
    current: SemanticConfig,
) -> tuple[float, dict[str, object], dict[str, float]]:
    """The figures of the answer model as it is in matching.yaml (for --keep-rejection)."""
    probability = 1 / (1 + np.exp(-np.clip(w[0] + x @ w[1:], -50, 50)))
    named = x[:, FEATURES.index("named")].astype(bool)
    answered = (probability >= current.accept) & ((gap >= current.min_gap) | named)
    figures = {}
    for prefix, part in (("", ~t["real"]), ("real-", t["real"])):
        for lang in ("en", "zh", "fr"):
            mask = (t["lang"] == lang) & ~t["is_off"] & part
            figures[prefix + lang] = float((answered & right)[mask].mean()) if mask.any() else 1.0
        off = t["is_off"] & part
        figures[prefix + "rejection"] = float((~answered)[off].mean()) if off.any() else 1.0
    return 0.0, {"current": True}, figures


def keeping_rejection(
    results: list[tuple[float, dict[str, object], dict[str, float]]],
) -> list[tuple[float, dict[str, object], dict[str, float]]]:
    """The settings declining at least as many off-topic questions as the current one (in
    each group), scored by their mean on-topic accuracy."""
    current = results[0][2]
    kept = []
    for _, setting, figures in results[1:]:
        if all(figures[k] >= current[k] for k in ("rejection", "real-rejection")):
            accuracy = [figures[f"{p}{lang}"] for p in ("", "real-") for lang in ("en", "zh", "fr")]
            kept.append((round(float(np.mean(accuracy)), 9), setting, figures))
    print("current:", {k: round(v, 3) for k, v in current.items()})
    return kept or results[1:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", help="labelled sets to calibrate on (together)")
    parser.add_argument("--check", nargs="*", default=[], help="held-out sets, reported only")
    parser.add_argument(
        "--keep-rejection",
        action="store_true",
        help="only settings declining at least as many off-topic questions as matching.yaml's",
    )
    args = parser.parse_args()
    base = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    cases, real = [], []
    for file in args.files:
        for case in load_cases(Path(file)):
            if not case.expect_all and case.outcome is None:
                cases.append(case)
                real.append(Path(file).name.startswith(("real", "indep", "typos")))
    k = base.config.candidates + base.config.semantic.candidates
    current = base.config.semantic if args.keep_rejection else None
    results = sweep(table(base.matcher, cases, k, real), current)
    if args.keep_rejection:
        results = keeping_rejection(results)
    top = max(r[0] for r in results)
    tied = [r for r in results if r[0] == top]
    score, setting, figures = tied[len(tied) // 2]  # the middle of the ties
    print(f"best objective {score:+.3f} ({len(tied)} tied):", setting)
    print("dev (scores only):", {k: round(v, 3) for k, v in figures.items()})
    semantic = dataclasses.replace(base.config.semantic, **setting)  # type: ignore[arg-type]
    config = dataclasses.replace(base.config, semantic=semantic)
    assistant = Assistant(base.kb, Matcher(base.kb, config, base.matcher.encoder), base.texts)
    for file in [*args.files, *args.check]:
        print(f"\n== {file}")
        print(format_report(evaluate(assistant, load_cases(Path(file))), misses=False))


if __name__ == "__main__":
    main()
