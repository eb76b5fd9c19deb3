"""Rows right per kind (tag) and language over dev sets, single questions only (dev sets only).

    python scripts/rows_by_kind.py tests/eval/*dev*.yaml [--kinds chatty noisy ordinary]

Every single question (conversations are left out) of the given kinds is asked and judged as
``python -m bot eval`` does: an on-topic row is right when answered with an expected entry of
its programme, an off-topic row when declined. One line per kind and language, summed over the
files: for following, say, the chatty English rows of every dev writer at once (``eval``
reports kinds per file, all languages together).
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

KINDS = ("chatty", "noisy", "ordinary", "typos")


def main() -> None:
    parser = dev_sets_parser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), help="the tags counted")
    parser.add_argument("--langs", nargs="+", default=["en", "fr"], help="the languages counted")
    args = parser.parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    total: Counter[tuple[str, str]] = Counter()
    right: Counter[tuple[str, str]] = Counter()
    for file in args.files:
        for case in load_cases(Path(file)):
            kinds = [k for k in args.kinds if k in case.tags]
            if case.turns or case.lang not in args.langs or not kinds:
                continue
            reply = ask(assistant, case)
            if case.off_topic:
                ok = reply.intent is None
            else:
                ok = right_reply(case, reply, assistant) and not other_programme(
                    assistant, case, reply
                )
            for kind in kinds:
                total[(kind, case.lang)] += 1
                right[(kind, case.lang)] += bool(ok)
    for kind in args.kinds:
        for lang in args.langs:
            n = total[(kind, lang)]
            if n:
                share = 100 * right[(kind, lang)] / n
                print(f"{kind:10} {lang}  {share:5.1f}%  ({right[(kind, lang)]}/{n})")


if __name__ == "__main__":
    main()
