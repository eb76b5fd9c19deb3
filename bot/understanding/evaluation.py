"""Scoring the assistant on a labelled question file (``python -m bot eval FILE``).

The file is a YAML list (or JSON lines) of ``{q, lang, expect, tags}``: ``expect`` is the id
that answers the question, a list of acceptable ids (``null`` in the list accepts a decline),
or ``null`` for a question that must be declined (off-topic).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.knowledge import KnowledgeError, load_yaml
from bot.content.languages import LANGUAGES
from bot.understanding.answers import Assistant


@dataclass(frozen=True)
class Case:
    """One labelled question."""

    question: str
    lang: str
    expect: frozenset[str | None]
    tags: tuple[str, ...] = ()

    @property
    def off_topic(self) -> bool:
        return self.expect == frozenset({None})


@dataclass
class Report:
    """Counts per language, off-topic rejection, language choice, confusions and misses."""

    on_topic: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)
    off_topic: int = 0
    declined: int = 0
    language_right: int = 0
    total: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[Case, str | None, float]] = field(default_factory=list)

    def accuracy(self, lang: str) -> float:
        """Share of on-topic questions in ``lang`` answered with an expected id."""
        return self.correct[lang] / self.on_topic[lang] if self.on_topic[lang] else 1.0

    @property
    def rejection(self) -> float:
        """Share of off-topic questions declined."""
        return self.declined / self.off_topic if self.off_topic else 1.0

    @property
    def language_accuracy(self) -> float:
        """Share of replies in the language of the question."""
        return self.language_right / self.total if self.total else 1.0


def load_cases(path: Path) -> list[Case]:
    """Read a YAML list or a JSON-lines file of labelled questions."""
    if path.suffix == ".jsonl":
        raw = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    else:
        raw = load_yaml(path)
    if not isinstance(raw, list):
        raise KnowledgeError([f"{path.name}: must be a list of questions"])
    cases = []
    for number, row in enumerate(raw, 1):
        if not isinstance(row, dict) or not isinstance(row.get("q"), str):
            raise KnowledgeError([f"{path.name}: question {number} needs a 'q' text"])
        if row.get("lang") not in LANGUAGES:
            raise KnowledgeError([f"{path.name}: question {number} needs lang en, zh or fr"])
        expect = row.get("expect")
        ids = expect if isinstance(expect, list) else [expect]
        cases.append(Case(row["q"], row["lang"], frozenset(ids), tuple(row.get("tags") or ())))
    return cases


def unknown_ids(cases: list[Case], assistant: Assistant) -> set[str]:
    """Expected ids that the knowledge base does not have."""
    known = set(assistant.matcher.topic_ids)
    return {i for case in cases for i in case.expect if i is not None and i not in known}


def evaluate(assistant: Assistant, cases: list[Case]) -> Report:
    """Ask every question and compare with its label."""
    report = Report()
    for case in cases:
        reply = assistant.answer(case.question)
        report.total += 1
        report.language_right += reply.language == case.lang
        if case.off_topic:
            report.off_topic += 1
            report.declined += reply.intent is None
            if reply.intent is not None:
                report.misses.append((case, reply.intent, reply.score))
            continue
        report.on_topic[case.lang] += 1
        if reply.intent in case.expect:
            report.correct[case.lang] += 1
        else:
            expected = sorted(str(i) for i in case.expect)[0]
            report.confusions[(expected, str(reply.intent))] += 1
            report.misses.append((case, reply.intent, reply.score))
    return report


def format_report(report: Report, *, misses: bool = True) -> str:
    """A readable summary."""
    lines = ["accuracy (on-topic questions answered with the right entry):"]
    for lang in LANGUAGES:
        lines.append(
            f"  {lang}: {report.accuracy(lang):6.1%}  "
            f"({report.correct[lang]}/{report.on_topic[lang]})"
        )
    lines.append(
        f"off-topic declined: {report.rejection:6.1%}  ({report.declined}/{report.off_topic})"
    )
    lines.append(
        f"reply language right: {report.language_accuracy:6.1%}  "
        f"({report.language_right}/{report.total})"
    )
    if report.confusions:
        lines.append("confusions (expected -> answered: count):")
        for (expected, got), count in report.confusions.most_common(15):
            lines.append(f"  {expected} -> {got}: {count}")
    if misses and report.misses:
        lines.append("misses:")
        for case, answered, score in report.misses:
            wanted = "|".join(sorted(str(i) for i in case.expect))
            question = f"[{case.lang}] {case.question!r}"
            lines.append(f"  {question}: expected {wanted}, got {answered} ({score:.2f})")
    return "\n".join(lines)
