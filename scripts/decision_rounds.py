"""The answer decision, judged across the writers' rounds (the dev sets only; issue 18).

    .venv/bin/python -m scripts.decision_rounds tests/eval/*dev*.yaml

Every single question and one-question e-mail of the files (no conversation, two-part,
not-listed or not-published row) that the answer model decides (matched by meaning, not
declined before matching) is asked as ``python -m bot eval`` asks it; its round is read from
its file's name (``*-devN``: N; ``indep-*``: "indep"; the first sets, ``dev``, ``dev2``,
``real-*``, ``typos-dev``, ``conv-dev``, ``emails-dev``: "1"). Printed:

1. per round: the on-topic rows, the share with an expected topic among the message's first
   three candidates, first, and answered right by the bot; the wrong ones by where they fail
   (first right: declined or a "did you mean", or answered by another path; first wrong:
   the right one second or third, or absent);
2. by the answer model's probability: the first candidate right, wrong (on-topic), or the
   question off-topic, each split by whether the bot's reply is right;
3. how well the probability orders right first candidates above the others (the area under
   the ROC curve) per round, against a logistic model refitted on the other rounds
   (``scripts/fit_decision.fit``) on the same features and on every feature measured;
4. changes of the decision whose parameters are chosen on the other rounds and judged on the
   round left out: ``accept`` with ``min_gap``; ``accept`` by language; answering an unsure
   first candidate when the asking part alone is sure of it, or when both rankings put it
   first and it is clear of the out-of-scope examples; the refitted models (their ``accept``
   chosen the same way).

A change is judged **counterfactually**: a row whose decision is unchanged keeps the bot's
result; a row newly answered is right when its first candidate is; a row newly declined is
right when it is off-topic. Parameters are chosen by rows right minus a quarter of the new
wrong answers, among those declining at least 93 % of the off-topic rows of the rounds fitted.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.decision import FEATURES, match_features
from bot.understanding.evaluation import (
    ask,
    dev_sets_parser,
    load_cases,
    other_programme,
    right_reply,
)
from scripts.fit_decision import fit, probability

# The features measured besides the model's own (FEATURES): what the asking part alone says
# (the probability of its first candidate, whether it is the message's first, the message's
# first's cosine there minus the out-of-scope examples'), the lead by each ranking alone, the
# candidates within 0.05 of the first, the language
EXTRA = (
    "asked_p",
    "asking_first",
    "asking_margin",
    "lexical_gap",
    "cosine_gap",
    "crowd",
    "zh",
    "fr",
)
COLUMNS = (*FEATURES, *EXTRA)
MODEL = tuple(f for f in FEATURES if f not in ("lexical_first", "meaning_first", "length"))
WRONG_COST = 0.25
REJECTION = 0.93


def round_of(path: str) -> str:
    """A dev set's round, from its file name."""
    stem = Path(path).stem
    if stem.startswith("indep-"):
        return "indep"
    number = re.search(r"dev(\d+)$", stem)
    if number is None or stem in ("dev2", "real-dev2"):
        return "1"
    return number.group(1)


@dataclass
class Rows:
    """Per row the answer model decides: round, language, features, truth and the bot's."""

    round: np.ndarray
    lang: np.ndarray
    x: np.ndarray  # COLUMNS
    first: np.ndarray  # the first candidate is an expected topic (on-topic)
    top3: np.ndarray  # an expected topic is among the first three
    off: np.ndarray  # off-topic
    bot: np.ndarray  # the bot's reply is right
    answered_elsewhere: np.ndarray  # the bot answered (a topic), right or not
    p: np.ndarray  # the answer model's probability
    current: np.ndarray  # the answer model answers the message's first candidate

    def column(self, name: str) -> np.ndarray:
        return self.x[:, COLUMNS.index(name)]


def collect(assistant: Assistant, files: list[str]) -> Rows:
    decision = assistant.config.decision
    data: dict[str, list[object]] = {k: [] for k in Rows.__dataclass_fields__}
    for file in files:
        for case in load_cases(Path(file)):
            if case.turns or case.expect_all or case.outcome is not None:
                continue
            if assistant.matcher.declined(case.question):
                continue
            match = assistant.match(case.question)
            if not match.candidates or not match.by_meaning:
                continue
            reply = ask(assistant, case)
            found = match_features(match)
            best, others = match.candidates[0], match.candidates[1:]
            asked = assistant.match(assistant.matcher.asking_part(case.question))
            sure = asked.candidates and asked.by_meaning
            found["asked_p"] = decision.probability(match_features(asked)) if sure else 0.0
            found["asking_first"] = float(
                bool(asked.candidates) and asked.candidates[0].topic_id == best.topic_id
            )
            mine = [c.cosine for c in asked.candidates if c.topic_id == best.topic_id]
            found["asking_margin"] = (mine[0] if mine else 0.0) - asked.off_topic
            found["lexical_gap"] = best.lexical - max((c.lexical for c in others), default=0.0)
            found["cosine_gap"] = best.cosine - max((c.cosine for c in others), default=0.0)
            found["crowd"] = float(sum(best.score - c.score < 0.05 for c in others))
            found["zh"] = float(case.lang == "zh")
            found["fr"] = float(case.lang == "fr")
            first3 = [c.topic_id for c in match.candidates[:3]]
            data["round"].append(round_of(file))
            data["lang"].append(case.lang)
            data["x"].append([found[name] for name in COLUMNS])
            data["first"].append(not case.off_topic and best.topic_id in case.expect)
            data["top3"].append(not case.off_topic and any(t in case.expect for t in first3))
            data["off"].append(case.off_topic)
            right = right_reply(case, reply, assistant)
            data["bot"].append(right and not other_programme(assistant, case, reply))
            data["answered_elsewhere"].append(reply.intent is not None)
            data["p"].append(decision.probability(match_features(match)))
            data["current"].append(decision.answer_of(match) is not None)
    return Rows(**{k: np.array(v, float if k in ("x", "p") else None) for k, v in data.items()})


def outcome(t: Rows, answered: np.ndarray, rows: np.ndarray) -> tuple[int, int, int]:
    """Rows right (counterfactually), off-topic rows answered, new wrong answers."""
    same = answered == t.current
    result = np.where(same, t.bot, np.where(answered, t.first, t.off))
    wrong = answered & ~same & ~t.first & ~t.off
    return (
        int(result[rows].sum()),
        int((answered & t.off & rows).sum()),
        int((wrong & rows).sum()),
    )


def auc(score: np.ndarray, truth: np.ndarray) -> float:
    """The area under the ROC curve: the chance a right row scores above a wrong one."""
    order = np.argsort(score, kind="stable")
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    right = truth.sum()
    wrong = len(truth) - right
    if not right or not wrong:
        return float("nan")
    return float((ranks[truth].sum() - right * (right + 1) / 2) / (right * wrong))


def breakdown(t: Rows) -> None:
    print("1. per round (on-topic rows): top 3, first, bot right (%); wrong rows by where")
    print(
        f"{'round':>6} {'rows':>5} {'top3':>6} {'first':>6} {'bot':>6}"
        f" | first right: declined/choice, other path | first wrong: 2nd-3rd, absent"
    )
    every = Counter[str]()
    for name in [*sorted({r for r in t.round if r != "indep"}), "indep", "all"]:
        rows = ~t.off & ((t.round == name) if name != "all" else True)
        wrong = rows & ~t.bot
        c = Counter(
            rows=int(rows.sum()),
            top3=int((t.top3 & rows).sum()),
            first=int((t.first & rows).sum()),
            bot=int((t.bot & rows).sum()),
            declined=int((wrong & t.first & ~t.answered_elsewhere).sum()),
            path=int((wrong & t.first & t.answered_elsewhere).sum()),
            runner=int((wrong & ~t.first & t.top3).sum()),
            absent=int((wrong & ~t.top3).sum()),
        )
        if name != "all":
            every.update(c)
        n = max(1, c["rows"])
        print(
            f"{name:>6} {c['rows']:5d} {100 * c['top3'] / n:6.1f} {100 * c['first'] / n:6.1f}"
            f" {100 * c['bot'] / n:6.1f} | {c['declined']:4d} {c['path']:4d}"
            f" | {c['runner']:4d} {c['absent']:4d}"
        )


def bands(t: Rows, min_gap: float) -> None:
    print("\n2. by the answer model's probability (gap clear or named): bot wrong/right")
    clear = (t.column("gap") >= min_gap) | (t.column("named") > 0)
    edges = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.28, 0.35, 0.5, 1.01)
    for low, high in itertools.pairwise(edges):
        rows = clear & (t.p >= low) & (t.p < high)
        cells = []
        for kind in (t.first, ~t.first & ~t.off, t.off):
            mine = rows & kind
            cells.append(f"{int((mine & ~t.bot).sum()):4d}/{int((mine & t.bot).sum()):4d}")
        print(f"  {low:.2f}-{high:.2f}: first right {cells[0]}  wrong {cells[1]}  off {cells[2]}")


def separation(t: Rows) -> None:
    print("\n3. area under the ROC curve (first right against the rest), per round left out")
    rounds = sorted(set(t.round))
    model = [COLUMNS.index(f) for f in MODEL]
    for name in rounds:
        test = t.round == name
        figures = [auc(t.p[test], t.first[test])]
        for columns in (model, list(range(len(COLUMNS)))):
            bias, weights = fit(t.x[~test][:, columns], t.first[~test].astype(float), 10.0)
            figures.append(auc(probability(bias, weights, t.x[test][:, columns]), t.first[test]))
        print(
            f"  {name:>6} rows {int(test.sum()):4d}: matching.yaml {figures[0]:.3f}, refit "
            f"(its features) {figures[1]:.3f}, refit (every feature) {figures[2]:.3f}"
        )
    print(f"  all: matching.yaml {auc(t.p, t.first):.3f}")


Family = Callable[[Rows, np.ndarray, tuple[float, ...]], np.ndarray]


def left_out(t: Rows, label: str, family: Family, grid: Sequence[tuple[float, ...]]) -> None:
    """Each round judged with the parameters best on the others."""
    total = np.zeros(3, int)
    per, chosen = [], []
    for name in sorted(set(t.round)):
        test = t.round == name
        train = ~test
        offs = max(1, int((t.off & train).sum()))

        def value(
            params: tuple[float, ...], train: np.ndarray = train, offs: int = offs
        ) -> tuple[bool, float]:
            right, off, wrong = outcome(t, family(t, train, params), train)
            return 1 - off / offs >= REJECTION, right - WRONG_COST * wrong

        best = max(grid, key=value)
        new = np.array(outcome(t, family(t, train, best), test))
        total += new - np.array(outcome(t, t.current, test))
        per.append(f"{name} {int(new[0] - outcome(t, t.current, test)[0]):+d}")
        chosen.append(best)
    print(
        f"  {label}: rows right {total[0]:+d}, off-topic answered {total[1]:+d} "
        f"({', '.join(per)}); chosen {sorted(set(chosen))}"
    )


def changes(t: Rows, assistant: Assistant) -> None:
    print("\n4. changes chosen on the other rounds, judged on the one left out (rows right)")
    semantic = assistant.config.semantic
    accept, min_gap = semantic.accept, semantic.min_gap
    gap, named = t.column("gap"), t.column("named") > 0

    def thresholds(t: Rows, _: np.ndarray, params: tuple[float, ...]) -> np.ndarray:
        return (t.p >= params[0]) & ((gap >= params[1]) | named)

    left_out(
        t,
        "accept, min_gap",
        thresholds,
        list(itertools.product((0.2, 0.22, 0.24, 0.26, 0.28, 0.3, 0.32), (0.0, 0.02, 0.03, 0.04))),
    )
    clear = (gap >= min_gap) | named
    for lang in ("en", "fr", "zh"):

        def by_language(
            t: Rows, _: np.ndarray, p: tuple[float, ...], lang: str = lang
        ) -> np.ndarray:
            return np.where(t.lang == lang, t.p >= p[0], t.p >= accept) & clear

        left_out(
            t,
            f"accept for {lang}",
            by_language,
            [(round(float(a), 2),) for a in np.arange(0.1, 0.42, 0.02)],
        )
    asking_first = t.column("asking_first") > 0

    def asking(t: Rows, _: np.ndarray, p: tuple[float, ...]) -> np.ndarray:
        rescue = (t.p >= p[0]) & asking_first & (t.column("asked_p") >= p[1])
        return t.current | (rescue & clear)

    grid: list[tuple[float, ...]] = [
        (9.0, 9.0),
        *itertools.product((0.1, 0.15, 0.2), (0.28, 0.4, 0.5, 0.6)),
    ]
    left_out(t, "the asking part alone sure of the first", asking, grid)
    agreed = (t.column("lexical_first") > 0) & (t.column("meaning_first") > 0)

    def agreeing(t: Rows, _: np.ndarray, p: tuple[float, ...]) -> np.ndarray:
        rescue = (t.p >= p[0]) & agreed & (t.column("beyond_out_of_scope") >= p[1])
        return t.current | (rescue & clear)

    grid = [(9.0, 9.0), *itertools.product((0.1, 0.15, 0.2, 0.24), (0.0, 0.05, 0.1, 0.15))]
    left_out(t, "both rankings first, clear of out-of-scope", agreeing, grid)
    for label, features in (("refit, its features", MODEL), ("refit, every feature", COLUMNS)):
        columns = [COLUMNS.index(f) for f in features]
        for penalty in (1.0, 10.0, 100.0):
            fitted: dict[bytes, np.ndarray] = {}

            def refit(
                t: Rows,
                train: np.ndarray,
                p: tuple[float, ...],
                *,
                columns: list[int] = columns,
                penalty: float = penalty,
                fitted: dict[bytes, np.ndarray] = fitted,
            ) -> np.ndarray:
                key = train.tobytes()
                if key not in fitted:
                    x = t.x[:, columns]
                    bias, weights = fit(x[train], t.first[train].astype(float), penalty)
                    fitted[key] = probability(bias, weights, x)
                return (fitted[key] >= p[0]) & clear

            grid = [(round(float(a), 2),) for a in np.arange(0.1, 0.91, 0.04)]
            left_out(t, f"{label}, ridge {penalty:g}", refit, grid)


def main() -> None:
    args = dev_sets_parser(__doc__).parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    t = collect(assistant, args.files)
    print(
        f"{len(t.p)} rows decided by the answer model ({int(t.off.sum())} off-topic); "
        f"rounds {', '.join(sorted(set(t.round)))}; right by the bot {int(t.bot.sum())}"
    )
    breakdown(t)
    bands(t, assistant.config.semantic.min_gap)
    separation(t)
    changes(t, assistant)


if __name__ == "__main__":
    main()
