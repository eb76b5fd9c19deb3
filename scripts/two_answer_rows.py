"""The dev rows that expect two answers (``expect_all``, or tagged ``two-part``): right per
language, and each wrong one with what every part of it reads alone (dev sets only).

    python scripts/two_answer_rows.py tests/eval/*dev*.yaml [--parts]

Rows are asked as ``python -m bot eval`` asks them (through the conversation path) and judged
by the same rules; conversation rows are left out.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import (
    ask,
    dev_sets_parser,
    load_cases,
    other_programme,
    right_reply,
)


def main() -> None:
    parser = dev_sets_parser()
    parser.add_argument("--parts", action="store_true", help="print each wrong row's parts")
    args = parser.parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for file in args.files:
        cases = [
            c
            for c in load_cases(Path(file))
            if (c.expect_all or "two-part" in c.tags) and not c.turns
        ]
        assistant.matcher.prepare([c.question for c in cases])
        for case in cases:
            reply = ask(assistant, case)
            good = right_reply(case, reply, assistant) and not other_programme(
                assistant, case, reply
            )
            total[case.lang] += 1
            right[case.lang] += good
            if good:
                continue
            wanted = "+".join(case.expect_all) or "|".join(sorted(map(str, case.expect)))
            got = "+".join(reply.topics) or str(reply.intent)
            print(f"[{Path(file).stem}] {case.question!r}: expected {wanted}, got {got}")
            if args.parts:
                for part in assistant.matcher.parts(case.question):
                    best = assistant.match(part).candidates[:3]
                    print(
                        f"    {part!r}: " + ", ".join(f"{c.topic_id} {c.score:.2f}" for c in best)
                    )
    for lang in sorted(total):
        print(f"{lang}: {right[lang]}/{total[lang]}")
    print(f"all: {sum(right.values())}/{sum(total.values())}")


if __name__ == "__main__":
    main()
