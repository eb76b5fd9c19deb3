"""How the pieces of a situational message rank its right topic (the dev sets only).

    .venv/bin/python scripts/situation_parts.py tests/eval/questions-dev*.yaml \
        tests/eval/indep-*-dev.yaml tests/eval/real-dev*.yaml [--rows]

Situational, concept and indirect questions often tell a situation and then ask something
short ("… is that ok?", "可以吗", "c'est possible ?"). For every single question of these kinds
whose part that asks (``Matcher.asking_part``) has two clauses or more, the message is matched
three ways: as the bot matches it (the whole message and its asking part, each topic keeping
its best), its *situation* alone (every clause but the last) and its *asking tail* alone (the
last clause). The table counts, per language, where the first expected topic stands in each
reading, and how often the situation or the tail alone puts it first while the whole message
does not: the room a reading that weighs the pieces could gain (issue 18, situ8).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.candidates import Match
from bot.understanding.evaluation import dev_sets_parser, load_cases
from bot.understanding.parsing import CLAUSE
from bot.understanding.text import normalize

KINDS = frozenset({"situational", "concept", "indirect-name"})
NOT_FOUND = 99


def place(match: Match, expect: frozenset[str | None]) -> int:
    """The position of the first expected topic among a match's candidates (99: absent)."""
    topics = [c.topic_id for c in match.candidates]
    found = [topics.index(t) for t in expect if t in topics]
    return min(found) if found else NOT_FOUND


def pieces(assistant: Assistant, question: str) -> tuple[str, str] | None:
    """The situation (every clause of the asking part but the last) and the asking tail (the
    last clause); None for a one-clause message."""
    matcher = assistant.matcher
    asking = matcher.asking_part(matcher.standard(question))
    clauses = [c.strip() for c in CLAUSE.split(asking) if normalize(c)]
    if len(clauses) < 2:
        return None
    return " ".join(clauses[:-1]), clauses[-1]


def main() -> None:
    parser = dev_sets_parser()
    parser.add_argument("--rows", action="store_true", help="print the rows where they differ")
    args = parser.parse_args()
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    counts: dict[str, Counter[str]] = {}
    for file in args.files:
        for case in load_cases(Path(file)):
            if case.turns or case.off_topic or not KINDS & set(case.tags):
                continue
            count = counts.setdefault(case.lang, Counter())
            count["questions"] += 1
            split = pieces(assistant, case.question)
            if split is None:
                continue
            situation, tail = split
            whole = place(assistant.match(case.question), case.expect)
            alone = place(assistant.match(situation), case.expect)
            asked = place(assistant.match(tail), case.expect)
            count["two clauses or more"] += 1
            count["whole first"] += whole == 0
            count["situation first"] += alone == 0
            count["tail first"] += asked == 0
            count["situation first, whole not"] += alone == 0 < whole
            count["tail first, whole not"] += asked == 0 < whole
            count["whole first, both pieces not"] += whole == 0 < min(alone, asked)
            if args.rows and (alone == 0 < whole or asked == 0 < whole):
                print(
                    f"  [{Path(file).stem}] whole {whole} situation {alone} tail {asked}: "
                    f"{case.question!r}"
                )
    keys = list(dict.fromkeys(k for c in counts.values() for k in c))
    print(f"{'':32}" + "".join(f"{lang:>8}" for lang in counts))
    for key in keys:
        print(f"{key:32}" + "".join(f"{counts[lang][key]:8d}" for lang in counts))


if __name__ == "__main__":
    main()
