"""Where the rows the bot gets wrong fail: the decision or the ranking (the dev sets only).

    python scripts/decision_misses.py tests/eval/*dev*.yaml

Every row is asked as ``python -m bot eval`` asks it (conversations through the dialogue) and
judged by the same rules. Each wrong on-topic row is put in one of these boxes, by what the
bot replied and where the right topic stands among the candidates of the message alone:

- ``declined`` (the polite "not found") or ``did-you-mean`` (suggestions, no answer): the right
  topic was first (the decision declined a right answer), second or third (the ranking), or
  not among the first three (absent); a "did you mean" whose buttons hold the right topic is
  counted apart (the student is one tap away; the evaluation counts it as a miss all the same);
- ``wrong answer``: the same ranks (first: another path, a part or an option, answered);
- rows with an outcome (not listed, not published), two parts or turns are counted apart.

Off-topic rows: what declined them (a declined request or another institution, a score under
``thresholds.suggest``, the answer model's probability, the gap to the runner-up, no
candidate) and, for those answered, by which kind of reply. Prints one table; with ``--rows``
the wrong rows too (dev sets only: their misses may be read).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import FALLBACK, SUGGEST, Assistant, Reply
from bot.understanding.decision import match_features
from bot.understanding.evaluation import (
    Case,
    ask,
    dev_sets_parser,
    load_cases,
    other_programme,
    right_reply,
)

RANKS = ("1st", "2nd-3rd", "absent")


def rank(assistant: Assistant, case: Case) -> str:
    """Where the first expected topic stands among the message's own candidates."""
    topics = [c.topic_id for c in assistant.match(case.question).candidates[:3]]
    places = [topics.index(t) for t in case.expect if t in topics]
    if not places:
        return "absent"
    return "1st" if min(places) == 0 else "2nd-3rd"


def reply_box(assistant: Assistant, case: Case, reply: Reply) -> str:
    """The kind of wrong reply an on-topic row got."""
    if reply.kind == SUGGEST:
        offered = {b.action for b in reply.buttons}
        near = any(f"topic:{t}" in offered for t in case.expect if t)
        return "did-you-mean (right one offered)" if near else "did-you-mean"
    if reply.intent is None:
        return "declined"
    return "wrong answer"


def off_topic_box(assistant: Assistant, case: Case, reply: Reply) -> str:
    """What declined an off-topic row (or what answered it)."""
    match = assistant.match(case.question)
    best = match.candidates[0] if match.candidates else None
    decision = assistant.config.decision
    where = "did-you-mean" if reply.kind == SUGGEST else "declined"
    if reply.intent is not None:
        box = f"answered ({reply.kind})"
    elif assistant.matcher.declined(case.question):
        box = "declined request / institution"
    elif case.turns:
        box = "declined (conversation)"
    elif best is None:
        box = "no candidate"
    elif best.score < assistant.config.suggest_threshold:
        box = "score under thresholds.suggest"
    elif not match.by_meaning:
        box = "lexical thresholds"
    elif decision.probability(match_features(match)) < decision.accept:
        box = f"answer model's probability ({where})"
    elif reply.kind == FALLBACK:
        box = "declined (other path)"
    else:
        box = "gap to the runner-up (did-you-mean)"
    return box


def main() -> None:
    parser = dev_sets_parser()
    parser.add_argument("--rows", action="store_true", help="print every wrong row too")
    args = parser.parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    wrong: Counter[tuple[str, str]] = Counter()
    special: Counter[tuple[str, str]] = Counter()
    off: Counter[str] = Counter()
    totals = Counter[str]()
    per_set: dict[str, Counter[str]] = {}
    for file in args.files:
        name = Path(file).stem
        counts = per_set.setdefault(name, Counter())
        for case in load_cases(Path(file)):
            reply = ask(assistant, case)
            totals["rows"] += 1
            counts["rows"] += 1
            if case.off_topic:
                box = off_topic_box(assistant, case, reply)
                off[box] += 1
                totals["off-topic"] += 1
                if reply.intent is not None:
                    counts["wrong"] += 1
                    if args.rows:
                        print(f"  [{name}] OFF {case.question!r} -> {reply.intent}")
                continue
            if right_reply(case, reply, assistant) and not other_programme(assistant, case, reply):
                continue
            counts["wrong"] += 1
            place = rank(assistant, case)
            box = reply_box(assistant, case, reply)
            kind = (
                "conversation"
                if case.turns
                else case.outcome or ("two parts" if case.expect_all else "")
            )
            if kind:
                special[(kind, place)] += 1
            else:
                wrong[(box, place)] += 1
                counts[place] += 1
            if args.rows:
                wanted = "|".join(sorted(str(t) for t in case.expect))
                print(
                    f"  [{name}] {box:32} {place:8} {kind:14} {case.question!r}: "
                    f"expected {wanted}, got {reply.intent}"
                )
    boxes = sorted({b for b, _ in wrong})
    print(f"\nwrong on-topic single questions ({sum(wrong.values())}), by reply and rank")
    print(f"{'reply':34}" + "".join(f"{r:>9}" for r in RANKS) + f"{'total':>9}")
    for box in boxes:
        cells = [wrong[(box, r)] for r in RANKS]
        print(f"{box:34}" + "".join(f"{c:9d}" for c in cells) + f"{sum(cells):9d}")
    cells = [sum(wrong[(b, r)] for b in boxes) for r in RANKS]
    print(f"{'all':34}" + "".join(f"{c:9d}" for c in cells) + f"{sum(cells):9d}")
    print(f"\nother wrong on-topic rows ({sum(special.values())}), by kind and rank")
    for kind in sorted({k for k, _ in special}):
        cells = [special[(kind, r)] for r in RANKS]
        print(f"{kind:34}" + "".join(f"{c:9d}" for c in cells) + f"{sum(cells):9d}")
    print(f"\noff-topic rows ({totals['off-topic']}): what declined them, or answered them")
    for box, count in off.most_common():
        print(f"  {box:44}{count:5d}")
    print("\nper set: rows, wrong; wrong single questions by rank")
    for name, counts in per_set.items():
        ranks = "  ".join(f"{r} {counts[r]}" for r in RANKS)
        print(f"  {name:16}{counts['rows']:5d}{counts['wrong']:5d}   {ranks}")
    print(f"{totals['rows']} rows")


if __name__ == "__main__":
    main()
