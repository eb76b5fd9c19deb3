"""Rows right per language of dev sets, off-topic rows included (the dev sets only).

    python scripts/rows_by_language.py tests/eval/*dev*.yaml [--lang fr]

Every row is asked and judged as ``python -m bot eval`` does (conversations through the
dialogue); one line per file: all rows right, then each language's rows right (or only
``--lang``'s). ``eval`` reports on-topic accuracy per language; this counts a language's
off-topic rows too, for following one language across every dev set at once.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import ask, dev_sets_parser, load_cases, right_reply


def main() -> None:
    parser = dev_sets_parser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", help="only this language's rows (en, zh, fr)")
    args = parser.parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    for file in args.files:
        right: Counter[str] = Counter()
        total: Counter[str] = Counter()
        for case in load_cases(Path(file)):
            ok = right_reply(case, ask(assistant, case), assistant)
            for key in ("all", case.lang):
                total[key] += 1
                right[key] += ok
        langs = [args.lang] if args.lang else sorted(k for k in total if k != "all")
        shown = "  ".join(f"{k} {right[k]}/{total[k]}" for k in ["all", *langs] if total[k])
        print(f"{Path(file).stem:<16} {shown}")


if __name__ == "__main__":
    main()
