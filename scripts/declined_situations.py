"""On-topic rows the answer model declines against the off-topic rows it declines (dev only).

    python scripts/declined_situations.py tests/eval/*dev*.yaml

Single questions only (no conversation, outcome or two-part row), each asked as ``python -m
bot eval`` asks it. Two groups, both with the answer model's probability under ``accept``:
on-topic rows whose right topic is first and that got no answer (declined, or a "did you
mean"), and off-topic rows the model declined (a score at least ``thresholds.suggest``).
For each, besides the model's features: how the out-of-scope examples compare with the best
entry's phrases (the mean of the three closest of each), whether the nearest out-of-scope
example's own words are in the message, how many examples are within 0.05 of the nearest,
and the model's features for the part that asks matched alone. Prints each candidate rule's
count on both sides: rows it would answer rightly, and off-topic rows it would answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.settings import REPOSITORY
from bot.understanding.answers import FALLBACK, Assistant
from bot.understanding.decision import match_features
from bot.understanding.evaluation import (
    ask,
    dev_sets_parser,
    load_cases,
    other_programme,
    right_reply,
)
from bot.understanding.text import normalize

Row = dict[str, float]

RULES: dict[str, Callable[[Row], bool]] = {
    "both rankings agree, lead >= 0.05, beyond out-of-scope >= -0.10": lambda r: (
        bool(r["lexical_first"] and r["meaning_first"] and r["gap"] >= 0.05)
        and r["beyond_out_of_scope"] >= -0.10
    ),
    "lexical first, the nearest example's words absent": lambda r: (
        bool(r["lexical_first"]) and r["overlap"] == 0
    ),
    "lexical first, example's words <= 0.2, beyond >= -0.10": lambda r: (
        bool(r["lexical_first"]) and r["overlap"] <= 0.2 and r["beyond_out_of_scope"] >= -0.10
    ),
    "lexical first, 3 nearest examples vs 3 nearest phrases <= +0.02": lambda r: (
        bool(r["lexical_first"]) and r["crowd"] <= 0.02
    ),
    "the part that asks alone: probability >= accept": lambda r: bool(r["asking_accepted"]),
    "the part that asks alone: beyond >= 0, lexical first": lambda r: (
        bool(r["lexical_first"]) and r["asking_beyond"] >= 0
    ),
    "one example within 0.05 of the nearest, both rankings agree": lambda r: (
        r["near"] == 1 and bool(r["lexical_first"] and r["meaning_first"])
    ),
}


def main() -> None:
    parser = dev_sets_parser()
    args = parser.parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    matcher, decision = assistant.matcher, assistant.config.decision
    semantic = matcher._semantic
    if semantic is None:
        parser.error("meaning is not measured (no encoder)")
    scope = assistant.config.out_of_scope
    examples = [q for lang in ("en", "zh", "fr") for q in scope.get(lang, ())]
    stop = frozenset().union(*assistant.config.stopwords.values())

    def words(text: str) -> set[str]:
        said = normalize(matcher.standard(text)).split()
        return {w for w in said if w not in stop and len(w) > 2}

    groups: dict[str, list[Row]] = {"declined": [], "did-you-mean": [], "off-topic": []}
    for file in args.files:
        for case in load_cases(Path(file)):
            if case.turns or case.outcome or case.expect_all:
                continue
            reply = ask(assistant, case)
            match = assistant.match(case.question)
            if not match.candidates or not match.by_meaning:
                continue
            found = match_features(match)
            best = match.candidates[0]
            if decision.probability(found) >= decision.accept:
                continue
            if case.off_topic:
                if reply.intent is not None or best.score < assistant.config.suggest_threshold:
                    continue
                if matcher.declined(case.question):
                    continue
                group = "off-topic"
            else:
                right = right_reply(case, reply, assistant)
                if right and not other_programme(assistant, case, reply):
                    continue
                if reply.intent is not None or best.topic_id not in case.expect:
                    continue
                group = "declined" if reply.kind == FALLBACK else "did-you-mean"
            vector = semantic.encoder.encode([matcher.standard(case.question)])[0]
            to_examples = semantic._out_of_scope @ vector
            closest = np.sort(to_examples)[::-1]
            phrases = semantic._blocks[semantic.topic_index[best.topic_id]] @ vector
            nearest_phrases = np.sort(phrases)[::-1]
            example = words(examples[int(np.argmax(to_examples))])
            asking = matcher.asking_part(case.question)
            alone = assistant.match(asking) if asking else match
            asking_found = match_features(alone) if alone.candidates else {}
            groups[group].append(
                {
                    **found,
                    "crowd": float(closest[:3].mean() - nearest_phrases[:3].mean()),
                    "overlap": len(example & words(case.question)) / max(1, len(example)),
                    "near": float((to_examples >= closest[0] - 0.05).sum()),
                    "asking_accepted": float(
                        bool(asking_found) and decision.probability(asking_found) >= decision.accept
                    ),
                    "asking_beyond": asking_found.get("beyond_out_of_scope", -1.0),
                }
            )
    sizes = {g: len(rows) for g, rows in groups.items()}
    print(f"rows under the model's accept: {sizes}")
    print("| rule | declined answered | did-you-mean answered | off-topic answered |")
    print("|---|---|---|---|")
    for name, rule in RULES.items():
        cells = [f"{sum(rule(r) for r in groups[g])}/{sizes[g]}" for g in groups]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
