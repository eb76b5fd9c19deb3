"""Texts of dev sets whose words the speller rejoins (a name split by voice input), with what
each join made: for measuring false joins (issue 18, session 7).

    python scripts/rejoined_texts.py tests/eval/*dev*.yaml

Every message of every row (earlier turns included) is normalised as the speller reads it; a
line per text changed by joining, then how many texts were read.
"""

from __future__ import annotations

from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import dev_sets_parser, load_cases
from bot.understanding.text import normalize


def main() -> None:
    parser = dev_sets_parser(description=__doc__.splitlines()[0])
    args = parser.parse_args()
    assistant = Assistant.load(
        REPOSITORY / "knowledge", REPOSITORY / "conversations", semantic=False
    )
    corrector = assistant.matcher._corrector
    speller = corrector.speller()
    read = 0
    for name in args.files:
        for case in load_cases(Path(name)):
            for text in dict.fromkeys((*case.turns, case.question)):
                read += 1
                words = normalize(corrector.standard(text)).split()
                joined = speller.rejoined(words)
                if joined != words:
                    made = [w for w in joined if w not in words]
                    split = [w for w in words if w not in joined]
                    print(f"{Path(name).name} {case.lang}: {' '.join(split)} -> {' '.join(made)}")
    print(f"texts read: {read}")


if __name__ == "__main__":
    main()
