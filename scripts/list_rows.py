"""Dev rows whose expected answer is a list (no outcome): how many are right, and the wrong ones.

    python scripts/list_rows.py tests/eval/*dev*.yaml

A row is right as ``python -m bot eval`` judges it (an expected entry, of the row's programme);
every wrong row is printed with what the bot answered, for classifying why (issue 18, session 11).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import ask, load_cases, other_programme, right_reply

LISTS = frozenset(
    {
        "laboratories",
        "hospital-specialties",
        "phd-disciplines",
        "master-disciplines",
        "esi-top-disciplines",
        "state-key-disciplines",
        "institutes",
        "disciplines-overview",
        "lab-national-centres",
        "lab-moe-key-laboratories",
        "lab-111-center",
        "csc-participants",
    }
)


def main() -> None:
    files = sys.argv[1:]
    if any("holdout" in f or "-val" in f for f in files):
        sys.exit("held-out and validation sets are only scored, never read")
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    total = right = 0
    for file in files:
        for case in load_cases(Path(file)):
            if case.outcome or not set(case.expect) & LISTS:
                continue
            reply = ask(assistant, case)
            ok = right_reply(case, reply, assistant) and not other_programme(assistant, case, reply)
            total, right = total + 1, right + ok
            if not ok:
                asked = " || ".join((*case.turns, case.question)).replace("\n", " ")
                expected = sorted(e for e in case.expect if e)
                print(f"{Path(file).stem} {case.lang} {expected} got {reply.intent}/{reply.kind}")
                print(f"    {asked[:200]}")
    print(f"list rows right: {right}/{total}")


if __name__ == "__main__":
    main()
