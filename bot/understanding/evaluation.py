"""Scoring the assistant on a labelled question file (``python -m bot eval FILE``).

The file is a YAML list (or JSON lines) of ``{q, lang, expect, tags}``: ``expect`` is the id
that answers the question, a list of acceptable ids (``null`` in the list accepts a decline),
or ``null`` for a question that must be declined (off-topic). A two-part question may instead
give ``expect_all: [id, id]``: every id must be answered (its ``expect`` is then the first).
``outcome: not_listed`` requires the honest "not among the lists" reply (its ``expect`` is the
list). ``outcome: not_published`` requires the honest "the pages do not give this" reply: an
entry marked ``published: false`` (the expected one when ``expect`` names one), or the generic
honest reply (kind ``not_published``). ``tags`` name the kinds of question; the report gives
figures per kind too.

A conversation row gives ``turns`` (a list of messages) instead of ``q``: every turn is sent in
order through the conversation path a chat uses (:class:`bot.understanding.context.Dialogue`)
and the reply to the last one is scored. ``programme`` (``csc``, ``exchange`` or ``none``) says
which programme the last turn is about: an answer whose topic belongs to the other programme
(``knowledge/programmes.yaml``) is wrong and counted apart. ``outcome: not_published`` requires
the honest "not published" reply (for that programme when one is given; ``expect`` null accepts
any topic).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.knowledge import KnowledgeError, load_yaml
from bot.content.languages import LANGUAGES
from bot.understanding.answers import Assistant, Reply
from bot.understanding.context import Dialogue

NOT_PUBLISHED = "not_published"
OUTCOMES = (None, "not_listed", NOT_PUBLISHED)


@dataclass(frozen=True)
class Case:
    """One labelled question."""

    question: str
    lang: str
    expect: frozenset[str | None]
    tags: tuple[str, ...] = ()
    expect_all: tuple[str, ...] = ()
    outcome: str | None = None
    turns: tuple[str, ...] = ()  # a conversation: the earlier messages (question: the last)
    programme: str | None = None  # the programme the (last) question is about

    @property
    def off_topic(self) -> bool:
        return self.expect == frozenset({None}) and self.outcome is None


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
    kind_total: Counter[str] = field(default_factory=Counter)
    kind_right: Counter[str] = field(default_factory=Counter)
    right: int = 0  # rows handled right (answered right, or declined when off-topic)
    other_programme: int = 0  # answers with a fact of the other programme than the label's
    conversations: int = 0

    def kind_accuracy(self, tag: str) -> float:
        """Share of the questions tagged ``tag`` handled right (answered, or declined)."""
        return self.kind_right[tag] / self.kind_total[tag] if self.kind_total[tag] else 1.0

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
        turns = row.get("turns") if isinstance(row, dict) else None
        if isinstance(turns, list) and turns and all(isinstance(t, str) for t in turns):
            row = {**row, "q": turns[-1]}
        else:
            turns = []
        if not isinstance(row, dict) or not isinstance(row.get("q"), str):
            raise KnowledgeError([f"{path.name}: question {number} needs a 'q' text"])
        if row.get("lang") not in LANGUAGES:
            raise KnowledgeError([f"{path.name}: question {number} needs lang en, zh or fr"])
        expect_all = tuple(str(i) for i in row.get("expect_all") or ())
        expect = row.get("expect", expect_all[0] if expect_all else None)
        ids = expect if isinstance(expect, list) else [expect]
        outcome = row.get("outcome")
        outcome = None if outcome == "answer" else outcome
        if outcome not in OUTCOMES:
            raise KnowledgeError([f"{path.name}: question {number}: unknown outcome {outcome}"])
        tags = tuple(row.get("tags") or ())
        programme = row.get("programme")
        case = Case(row["q"], row["lang"], frozenset(ids), tags, expect_all, outcome)
        cases.append(Case(**{**case.__dict__, "turns": tuple(turns[:-1]), "programme": programme}))
    return cases


def unknown_ids(cases: list[Case], assistant: Assistant) -> set[str]:
    """Expected ids that the knowledge base does not have."""
    known = set(assistant.matcher.topic_ids)
    ids = {i for case in cases for i in (*case.expect, *case.expect_all)}
    return {i for i in ids if i is not None and i not in known}


def reply_programme(assistant: Assistant, reply: Reply) -> str | None:
    """The programme a reply's facts belong to (None for a decline)."""
    if reply.intent is None:
        return None
    return getattr(reply, "programme", None) or assistant.kb.programme_of(reply.intent)


def is_not_published(assistant: Assistant, reply: Reply) -> bool:
    """Whether a reply is the honest "not published" answer: the generic one, an entry marked
    ``published: false``, or a topic the page of the programme it is about does not give."""
    if reply.kind == NOT_PUBLISHED:
        return True
    entry = assistant.kb.entries.get(str(reply.intent))
    if entry is not None and not entry.published:
        return True
    programme = assistant.kb.programmes.programmes.get(reply_programme(assistant, reply) or "")
    return programme is not None and reply.intent in programme.not_published


def other_programme(assistant: Assistant, case: Case, reply: Reply) -> bool:
    """Whether the reply gives a fact of the other programme than the one the case is about."""
    if case.programme is None:
        return False
    other = assistant.kb.programmes.other(case.programme)
    return other is not None and reply_programme(assistant, reply) == other


def _honest(case: Case, reply: Reply, assistant: Assistant) -> bool:
    """The honest "not published" reply, for the case's programme when it names one."""
    if not is_not_published(assistant, reply):
        return False
    programme = reply_programme(assistant, reply)
    if case.programme in assistant.kb.programmes.programmes and programme != case.programme:
        return programme == "both"
    return case.expect == frozenset({None}) or reply.intent in case.expect


def dev_set(path: str) -> str:
    """An ``argparse`` type for the diagnosis scripts: an evaluation file that may be read row
    by row, a dev set; held-out and validation sets are only scored (docs/testing.md)."""
    name = Path(path).name
    if "holdout" in name or "-val" in name:
        raise argparse.ArgumentTypeError(
            f"{name}: held-out and validation sets are only scored, never read"
        )
    return path


def dev_sets_parser(description: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of a diagnosis script, with its ``files``: one or more dev sets
    (:func:`dev_set`); the script adds its own options."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "files", nargs="+", type=dev_set, help="dev sets (never a held-out or validation set)"
    )
    return parser


def right_reply(case: Case, reply: Reply, assistant: Assistant | None = None) -> bool:
    intent = getattr(reply, "intent", None)
    if case.outcome == NOT_PUBLISHED:
        return assistant is not None and _honest(case, reply, assistant)
    if case.outcome is not None and getattr(reply, "kind", None) != case.outcome:
        return False
    if case.expect_all:
        topics = set(getattr(reply, "topics", ()) or (intent,))
        return set(case.expect_all) <= topics
    return intent in case.expect


def ask(assistant: Assistant, case: Case) -> Reply:
    """The reply to a case, through the chat's conversation path (a long message is read
    sentence by sentence); a conversation's earlier turns are sent first, in order. A stand-in
    assistant without a knowledge base (in tests) is asked directly."""
    if getattr(assistant, "kb", None) is None:
        return assistant.answer(case.question)
    dialogue = Dialogue(assistant)
    for turn in case.turns:
        dialogue.reply(turn)
    return dialogue.reply(case.question)


def evaluate(assistant: Assistant, cases: list[Case]) -> Report:
    """Ask every question (or conversation) and compare with its label. Every message is
    encoded by meaning first, in batches (as the bot does with a batch of updates): 16 % less
    CPU over the evaluation sets, every report the same."""
    assistant.matcher.prepare([text for case in cases for text in (*case.turns, case.question)])
    report = Report()
    for case in cases:
        reply = ask(assistant, case)
        report.total += 1
        report.conversations += bool(case.turns)
        report.language_right += reply.language == case.lang
        report.kind_total.update(case.tags)
        wrong_programme = other_programme(assistant, case, reply)
        report.other_programme += wrong_programme
        if case.off_topic and case.outcome is None:
            report.off_topic += 1
            report.declined += reply.intent is None
            if reply.intent is not None:
                report.misses.append((case, reply.intent, reply.score))
            else:
                report.kind_right.update(case.tags)
                report.right += 1
            continue
        report.on_topic[case.lang] += 1
        if right_reply(case, reply, assistant) and not wrong_programme:
            report.correct[case.lang] += 1
            report.kind_right.update(case.tags)
            report.right += 1
        else:
            expected = sorted(str(i) for i in case.expect)[0]
            report.confusions[(expected, str(reply.intent))] += 1
            report.misses.append((case, reply.intent, reply.score))
    return report


def format_report(report: Report, *, misses: bool = True) -> str:
    """A readable summary."""
    share = report.right / report.total if report.total else 1.0
    lines = [f"all rows right: {share:6.1%}  ({report.right}/{report.total})"]
    lines.append("accuracy (on-topic questions answered with the right entry):")
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
    if report.conversations:
        lines.append(
            f"conversations: {report.conversations}; other programme's fact given: "
            f"{report.other_programme}"
        )
    if report.kind_total:
        lines.append("per kind (right answer, or declined when off-topic):")
        for tag in sorted(report.kind_total):
            lines.append(
                f"  {tag}: {report.kind_accuracy(tag):6.1%}  "
                f"({report.kind_right[tag]}/{report.kind_total[tag]})"
            )
    if report.confusions:
        lines.append("confusions (expected -> answered: count):")
        for (expected, got), count in report.confusions.most_common(15):
            lines.append(f"  {expected} -> {got}: {count}")
    if misses and report.misses:
        lines.append("misses:")
        for case, answered, score in report.misses:
            wanted = "+".join(case.expect_all) or "|".join(sorted(str(i) for i in case.expect))
            if case.outcome:
                wanted += f" ({case.outcome})"
            question = f"[{case.lang}] {' / '.join((*case.turns, case.question))!r}"
            if case.programme:
                wanted += f" [{case.programme}]"
            lines.append(f"  {question}: expected {wanted}, got {answered} ({score:.2f})")
    return "\n".join(lines)
