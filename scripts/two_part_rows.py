"""Two-part and choice rows of the dev sets, and replies with more than one answer to
one-topic rows (the dev sets only: their misses may be read).

    python scripts/two_part_rows.py tests/eval/*dev*.yaml [--rows]

Every row is asked as ``python -m bot eval`` asks it (conversations through the dialogue) and
judged by the same rules. Prints, per set: rows right, rows that ask two things
(``expect_all``) right, and the one-topic rows (on-topic or off-topic) whose reply gives more
than one answer; with ``--rows``, the wrong two-part rows with how the message was read (its
parts, options and option phrases, the best topics of the whole message and of each part) and
the one-topic rows answered twice.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import Case, ask, load_cases, other_programme, right_reply
from bot.understanding.matcher import Candidate


def _topics(candidates: list[Candidate], count: int) -> list[tuple[str, float]]:
    return [(c.topic_id, round(c.score, 2)) for c in candidates[:count]]


def explain(assistant: Assistant, case: Case, topics: tuple[str | None, ...]) -> None:
    """How a wrong two-part row was read."""
    question = case.question
    whole = assistant.match(question)
    best = assistant.config.answer_of(whole)
    print(f"  {case.lang} {question[:200]!r}")
    print(f"    wanted {list(case.expect_all)}, got {list(topics)}")
    print(f"    whole: {_topics(whole.candidates, 5)}, confident {best and best.topic_id}")
    parts = assistant.matcher.parts(question)
    for part in parts if len(parts) > 1 else []:
        match = assistant.match(part)
        sure = assistant.config.answer_of(match)
        found = _topics(match.candidates, 3)
        print(f"    part {part[:80]!r}: {found}, confident {sure and sure.topic_id}")
    options = [sorted(o) for o in assistant.matcher.options(question)]
    print(f"    options {options}, phrases {assistant.matcher.option_phrases(question)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--rows", action="store_true", help="print the wrong rows too")
    args = parser.parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    totals = [0, 0, 0]
    for path in args.files:
        cases = load_cases(path)
        assistant.matcher.prepare([t for c in cases for t in (*c.turns, c.question)])
        right = two = two_right = twice = 0
        for case in cases:
            reply = ask(assistant, case)
            good = right_reply(case, reply, assistant) and not other_programme(
                assistant, case, reply
            )
            off = case.off_topic and case.outcome is None
            right += reply.intent is None if off else good
            topics = reply.topics or (reply.intent,)
            if case.expect_all:
                two += 1
                two_right += good
                if not good and args.rows:
                    explain(assistant, case, topics)
            elif len(set(topics)) > 1:
                twice += 1
                if args.rows:
                    print(f"  answered twice: {case.question[:150]!r} -> {list(topics)}")
        totals = [totals[0] + two_right, totals[1] + two, totals[2] + twice]
        print(
            f"{path.stem}: rows right {right}/{len(cases)}, two-part {two_right}/{two}, "
            f"one-topic rows answered twice {twice}",
            flush=True,
        )
    print(f"total: two-part {totals[0]}/{totals[1]}, one-topic rows answered twice {totals[2]}")


if __name__ == "__main__":
    main()
