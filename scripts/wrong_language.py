"""Rows of dev sets whose reply is in another language than the row's (the dev sets only).

    python -m scripts.wrong_language tests/eval/*dev*.yaml

Every row is asked as ``python -m bot eval`` does (conversations through the dialogue); one
line per row whose reply language is not the row's ``lang``: the file, the expected and the
chosen language, and the message (a conversation's turns joined by " / "). The last line
counts them over all files.
"""

from __future__ import annotations

from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import ask, dev_sets_parser, load_cases


def main() -> None:
    parser = dev_sets_parser(description=__doc__.splitlines()[0])
    args = parser.parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    wrong = total = 0
    for file in args.files:
        for case in load_cases(Path(file)):
            total += 1
            reply = ask(assistant, case)
            if reply.language != case.lang:
                wrong += 1
                text = " / ".join((*case.turns, case.question))
                print(f"{Path(file).stem:<16} {case.lang}->{reply.language}  {text!r}")
    print(f"reply language wrong: {wrong}/{total}")


if __name__ == "__main__":
    main()
