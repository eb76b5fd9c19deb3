"""Measure what spelling correction changes on dev sets (never a held-out one).

    python scripts/spelling_effect.py --save before.json tests/eval/*-dev.yaml …
    python scripts/spelling_effect.py --compare before.json tests/eval/*-dev.yaml …

Every question (the last turn of a conversation) is asked as ``python -m bot eval`` asks it;
for each, whether it was right and the text the lexical side reads (normalised and corrected)
are recorded. ``--compare`` lists, per set, the accuracy before and after, the questions whose
corrected text changed, and the **false corrections**: questions right before whose corrected
text changed and that are wrong now (changed texts of questions that stay right are printed
too, to be judged by eye).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.evaluation import ask, load_cases, other_programme, right_reply


def measure(
    assistant: Assistant, files: list[str], lang: str | None = None
) -> dict[str, list[dict[str, object]]]:
    """Per file, each case's question, language, whether it was right and its corrected text
    (only the cases of ``lang`` when given)."""
    found: dict[str, list[dict[str, object]]] = {}
    for file in files:
        rows: list[dict[str, object]] = []
        for case in load_cases(Path(file)):
            if lang is not None and case.lang != lang:
                continue
            reply = ask(assistant, case)
            right = right_reply(case, reply, assistant) and not other_programme(
                assistant, case, reply
            )
            if case.off_topic:
                right = reply.intent is None
            rows.append(
                {
                    "q": case.question,
                    "lang": case.lang,
                    "right": bool(right),
                    "spelt": assistant.matcher.spelt(case.question),
                }
            )
        found[Path(file).name] = rows
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", help="dev sets (never a held-out one)")
    parser.add_argument("--save", help="write the measures to this JSON file")
    parser.add_argument("--compare", help="compare with the measures of this JSON file")
    parser.add_argument("--lang", help="only the questions of this language (en, zh, fr)")
    args = parser.parse_args()
    if any("holdout" in f for f in args.files):
        parser.error("held-out sets are never measured here")
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    now = measure(assistant, args.files, args.lang)
    if args.save:
        Path(args.save).write_text(json.dumps(now, ensure_ascii=False, indent=0), "utf-8")
    before = json.loads(Path(args.compare).read_text("utf-8")) if args.compare else now
    total_changed = total_false = 0
    for name, rows in now.items():
        old = before.get(name, rows)
        if len(old) != len(rows):  # measured for every language before: keep this one's rows
            old = [o for o in old if o["lang"] == args.lang]
        langs = sorted({str(r["lang"]) for r in rows})
        figures = []
        for lang in langs:
            pairs = [(o, r) for o, r in zip(old, rows, strict=True) if r["lang"] == lang]
            figures.append(
                f"{lang} {sum(bool(o['right']) for o, _ in pairs)}"
                f"→{sum(bool(r['right']) for _, r in pairs)}/{len(pairs)}"
            )
        changed = [(o, r) for o, r in zip(old, rows, strict=True) if o["spelt"] != r["spelt"]]
        false = [(o, r) for o, r in changed if o["right"] and not r["right"]]
        lost = [o for o, r in zip(old, rows, strict=True) if o["right"] and not r["right"]]
        gained = [o for o, r in zip(old, rows, strict=True) if r["right"] and not o["right"]]
        total_changed += len(changed)
        total_false += len(false)
        print(
            f"{name}: {', '.join(figures)}; corrected text changed {len(changed)}, "
            f"right → wrong {len(false)} (any cause: {len(lost)} lost, {len(gained)} gained)"
        )
        for o, r in changed:
            mark = (
                "FALSE"
                if (o["right"] and not r["right"])
                else ("fixed" if r["right"] and not o["right"] else "same")
            )
            print(f"   [{mark}] {o['q']!r}\n      {o['spelt']!r}\n    → {r['spelt']!r}")
    print(f"total: corrected text changed {total_changed}, right → wrong {total_false}")


if __name__ == "__main__":
    main()
