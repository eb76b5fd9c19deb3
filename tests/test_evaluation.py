"""Reading labelled question files and the report's arithmetic (no real matcher involved)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.content.knowledge import KnowledgeError
from bot.understanding.evaluation import (
    Case,
    Report,
    evaluate,
    format_report,
    load_cases,
    unknown_ids,
)

YAML_CASES = """\
# a comment
- {q: "how long is it", lang: en, expect: duration, tags: [colloquial]}
- {q: "费用", lang: zh, expect: [fees, housing]}
- {q: "tell me a joke", lang: en, expect: null, tags: [off-topic]}
- {q: "do i pay rent", lang: en, expect: [housing, null]}
- q: "combien de temps"
  lang: fr
  expect: duration
"""

ROWS = [
    {"q": "how long is it", "lang": "en", "expect": "duration", "tags": ["colloquial"]},
    {"q": "费用", "lang": "zh", "expect": ["fees", "housing"]},
    {"q": "tell me a joke", "lang": "en", "expect": None, "tags": ["off-topic"]},
    {"q": "do i pay rent", "lang": "en", "expect": ["housing", None]},
    {"q": "combien de temps", "lang": "fr", "expect": "duration"},
]

EXPECTED = [
    Case("how long is it", "en", frozenset({"duration"}), ("colloquial",)),
    Case("费用", "zh", frozenset({"fees", "housing"})),
    Case("tell me a joke", "en", frozenset({None}), ("off-topic",)),
    Case("do i pay rent", "en", frozenset({"housing", None})),
    Case("combien de temps", "fr", frozenset({"duration"})),
]


def test_load_cases_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(YAML_CASES, encoding="utf-8")
    assert load_cases(path) == EXPECTED


def test_load_cases_from_jsonl_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    lines = [json.dumps(row, ensure_ascii=False) for row in ROWS]
    path.write_text("\n".join(lines[:2]) + "\n\n  \n" + "\n".join(lines[2:]) + "\n", "utf-8")
    assert load_cases(path) == EXPECTED


def test_expectations_single_list_and_none() -> None:
    single, several, off_topic, maybe_declined, _ = EXPECTED
    assert not single.off_topic
    assert not several.off_topic
    assert off_topic.off_topic
    # A list holding null accepts a decline but the question is still on-topic.
    assert not maybe_declined.off_topic
    assert None in maybe_declined.expect


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("top.yaml", "q: not a list\n", "top.yaml: must be a list"),
        ("top.yaml", "- {lang: en, expect: fees}\n", "top.yaml: question 1 needs a 'q' text"),
        ("top.yaml", "- {q: 12, lang: en, expect: fees}\n", "question 1 needs a 'q' text"),
        ("top.yaml", "- {q: fees, lang: en}\n- {q: frais, lang: de}\n", "question 2 needs lang"),
        ("top.jsonl", '{"q": "fees"}\n', "question 1 needs lang"),
        ("top.yaml", '- {q: "unclosed\n', "invalid YAML"),
    ],
)
def test_load_cases_rejects_malformed_files(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        load_cases(path)
    assert any(message in problem for problem in error.value.problems), error.value.problems


def test_load_cases_from_the_committed_sets() -> None:
    for name in ("dev.yaml", "holdout.yaml"):
        cases = load_cases(Path(__file__).parent / "eval" / name)
        assert len(cases) > 100
        assert {case.lang for case in cases} == {"en", "zh", "fr"}
        assert any(case.off_topic for case in cases)


# ────────────────────────────── the report on a hand-made set ──────────────────────────────


@dataclass(frozen=True)
class _Reply:
    intent: str | None
    score: float
    language: str


class _Scripted:
    """Stands in for the assistant: a fixed reply per question."""

    def __init__(self, replies: dict[str, _Reply]) -> None:
        self.replies = replies
        self.asked: list[str] = []
        self.matcher = SimpleNamespace(
            topic_ids=["duration", "fees", "housing"], prepare=lambda texts: None
        )

    def answer(self, question: str, lang: str | None = None) -> _Reply:
        self.asked.append(question)
        return self.replies[question]


CASES = [
    Case("how long", "en", frozenset({"duration"})),  # right
    Case("cost", "en", frozenset({"fees"})),  # wrong: housing
    Case("rent", "en", frozenset({"housing", "fees"})),  # right (second choice)
    Case("费用", "zh", frozenset({"fees"})),  # right, but answered in English
    Case("房租", "zh", frozenset({"housing", None})),  # declined: accepted
    Case("weather", "en", frozenset({None})),  # off-topic, declined
    Case("joke", "en", frozenset({None})),  # off-topic, answered: a miss
    Case("quel temps", "fr", frozenset({None})),  # off-topic, declined
]
SCRIPT = {
    "how long": _Reply("duration", 0.9, "en"),
    "cost": _Reply("housing", 0.6, "en"),
    "rent": _Reply("fees", 0.7, "en"),
    "费用": _Reply("fees", 1.0, "en"),
    "房租": _Reply(None, 0.4, "zh"),
    "weather": _Reply(None, 0.3, "en"),
    "joke": _Reply("duration", 0.55, "en"),
    "quel temps": _Reply(None, 0.1, "fr"),
}


@pytest.fixture
def report() -> Report:
    scripted = _Scripted(SCRIPT)
    result = evaluate(scripted, CASES)  # type: ignore[arg-type]
    assert scripted.asked == [case.question for case in CASES]
    return result


def test_report_counts(report: Report) -> None:
    assert report.total == 8
    assert dict(report.on_topic) == {"en": 3, "zh": 2}
    assert dict(report.correct) == {"en": 2, "zh": 2}
    assert (report.off_topic, report.declined) == (3, 2)
    assert report.language_right == 7


def test_report_rates(report: Report) -> None:
    assert report.accuracy("en") == pytest.approx(2 / 3)
    assert report.accuracy("zh") == 1.0
    assert report.accuracy("fr") == 1.0  # no on-topic French question: nothing wrong
    assert report.rejection == pytest.approx(2 / 3)
    assert report.language_accuracy == pytest.approx(7 / 8)


def test_report_confusions_and_misses(report: Report) -> None:
    assert dict(report.confusions) == {("fees", "housing"): 1}
    assert [(case.question, got, score) for case, got, score in report.misses] == [
        ("cost", "housing", 0.6),
        ("joke", "duration", 0.55),
    ]


def test_empty_report_is_perfect_not_a_division_by_zero() -> None:
    empty = Report()
    assert empty.accuracy("en") == 1.0
    assert empty.rejection == 1.0
    assert empty.language_accuracy == 1.0


def test_format_report(report: Report) -> None:
    text = format_report(report)
    assert "  en:  66.7%  (2/3)" in text
    assert "  zh: 100.0%  (2/2)" in text
    assert "  fr: 100.0%  (0/0)" in text
    assert "off-topic declined:  66.7%  (2/3)" in text
    assert "reply language right:  87.5%  (7/8)" in text
    assert "  fees -> housing: 1" in text
    assert "misses:" in text
    assert "  [en] 'cost': expected fees, got housing (0.60)" in text
    assert "  [en] 'joke': expected None, got duration (0.55)" in text
    assert "misses:" not in format_report(report, misses=False)


def test_unknown_ids_ignores_none_and_known_ids() -> None:
    scripted: Any = _Scripted(SCRIPT)
    cases = [*CASES, Case("visa?", "en", frozenset({"visa", None}))]
    assert unknown_ids(cases, scripted) == {"visa"}
    assert unknown_ids(CASES, scripted) == set()
