"""The rows of the dev sets on the wrong side of "decline or answer": the off-topic rows
answered, and the on-topic rows given no answer (the polite "not found" or a "did you mean").

    python scripts/off_topic_rows.py tests/eval/*dev*.yaml

Each row is asked as ``python -m bot eval`` asks it (conversations through the dialogue). One
line a row (``OFF`` or ``DEC``, the set, the language, the tags, the reply's kind and topic or
the expected topics, the turns and the question) and one ``SUM`` line a set, for grouping the
rows by reason and comparing two runs with ``diff`` (issue 18, session 14). Dev sets only.
"""

from __future__ import annotations

from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import ask, dev_sets_parser, load_cases


def main() -> None:
    args = dev_sets_parser(__doc__).parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    for file in args.files:
        name = Path(file).stem
        cases = load_cases(Path(file))
        assistant.matcher.prepare([t for c in cases for t in (*c.turns, c.question)])
        answered = declined = off_topic = 0
        for case in cases:
            reply = ask(assistant, case)
            said = " / ".join(case.turns)
            asked = f"{said} // {case.question}" if said else case.question
            tags = ",".join(case.tags)
            if case.off_topic:
                off_topic += 1
                if reply.intent is not None:
                    answered += 1
                    print(
                        f"OFF\t{name}\t{case.lang}\t{tags}\t{reply.kind}:{reply.intent}\t{asked!r}"
                    )
            elif reply.intent is None and None not in case.expect:
                declined += 1
                wanted = "|".join(sorted(str(i) for i in case.expect))
                wanted += f" ({case.outcome})" if case.outcome else ""
                print(f"DEC\t{name}\t{case.lang}\t{tags}\t{reply.kind}\t{wanted}\t{asked!r}")
        print(
            f"SUM\t{name}\toff-topic declined {off_topic - answered}/{off_topic}\t"
            f"on-topic with no answer {declined}"
        )


if __name__ == "__main__":
    main()
