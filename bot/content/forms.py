"""The sign-up form of ``conversations/signup.yaml`` as the bot uses it: the validated steps
with their navigation and rendering, the draft kept in ``user_data``, and the stored month
values.

Reading and checking the file is :mod:`bot.content.form_loading`, the steps
:mod:`bot.content.form_steps`, typed answers :mod:`bot.content.form_answers`.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from bot.content.form_answers import best_choice, fold, free_value, looks_like_question
from bot.content.form_answers import parse_month as parse_typed_month
from bot.content.form_loading import read_form
from bot.content.form_steps import Step
from bot.content.knowledge import KnowledgeBase
from bot.content.languages import LANGUAGES
from bot.content.texts import Texts

SUMMARY = "summary"  # the state after the last step: summary, Confirm, Edit


@dataclass(frozen=True)
class Form:
    """The validated form, with the knowledge base and texts it renders from."""

    steps: tuple[Step, ...]
    page_size: int
    question_words: tuple[str, ...]
    question_endings: tuple[str, ...]
    kb: KnowledgeBase
    texts: Texts

    @classmethod
    def load(
        cls,
        path: Path,
        kb: KnowledgeBase,
        texts: Texts,
        *,
        fields: Sequence[str],
        required: Sequence[str],
    ) -> Form:
        """Read and check the ``form:`` section of ``path``; raise KnowledgeError listing every
        problem with the file and step it is in. ``fields`` are the lead's fields a step may
        fill, ``required`` those the form must ask (the storage layer's ``FORM_FIELDS``)."""
        return cls(*read_form(path, kb, texts, fields=fields, required=required), kb, texts)

    # ----------------------------------------------------------------- navigation

    @property
    def first(self) -> Step:
        return self.steps[0]

    @property
    def fields(self) -> tuple[Step, ...]:
        """The steps whose answers become Lead fields (all but consent)."""
        return tuple(s for s in self.steps if s.kind != "consent")

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def after(self, step_id: str) -> str:
        """The step following ``step_id``; SUMMARY after the last one."""
        ids = [s.id for s in self.steps]
        index = ids.index(step_id) + 1 if step_id in ids else len(ids)
        return ids[index] if index < len(ids) else SUMMARY

    # ----------------------------------------------------------------- answers

    def looks_like_question(self, text: str) -> bool:
        """Ends with a question mark (or particle) or starts with a question word."""
        return looks_like_question(text, self.question_words, self.question_endings)

    def parse_month(self, text: str) -> tuple[int, int] | None:
        """(year, month) from 2027-03, 03/2027, March 2027, mars 2027 or 2027年3月 (full-width
        forms such as ２０２７－０３ too)."""
        return parse_typed_month(unicodedata.normalize("NFKC", text), self._month_names)

    def match_choice(self, step: Step, text: str) -> str | None:
        """The choice of ``step`` a typed answer names: its label in any of the languages,
        emoji, case, accents, full-width forms and a typo aside ("PhD student", "phd",
        "博士生", "doctorante", "3 months"), or its id. Numbers must be the same ("5 months" is
        not "6 months"). None when no choice, or more than one, fits."""
        labels = {
            c: [
                c.replace("_", " "),
                *(self.texts.get(step.choice_key(c), lang) for lang in LANGUAGES),
            ]
            for c in step.choices
        }
        return best_choice(text, labels)

    def free_value(self, step: Step, text: str) -> str | None:
        """A typed answer the step accepts as it is when it names none of its choices (the
        duration step takes "5 months"); None if the step takes none or this is not one."""
        return free_value(text, step.free_length, step.free_pattern)

    @property
    def _month_names(self) -> dict[str, int]:
        names: dict[str, int] = {}
        for number in range(1, 13):
            for text in self.texts.texts[f"signup_month_{number}"].values():
                if not any(c.isdigit() for c in text):
                    names[fold(text)] = number
        return names

    # ----------------------------------------------------------------- rendering

    def month_label(self, value: str, lang: str) -> str:
        """ "2027-03" as "March 2027" / "mars 2027" / "2027年3月"."""
        year, _, month = value.partition("-")
        name = self.texts.get(f"signup_month_{int(month)}", lang)
        return self.texts.get("signup_month_label", lang, month=name, year=year)

    def value_html(self, step: Step, value: Any, lang: str) -> str:
        """An answer as the student reads it (HTML-escaped)."""
        if step.kind == "areas":
            labels = [self.kb.items[i].label(lang) for i in value or [] if i in self.kb.items]
            if not labels:
                return self.texts.get("signup_value_not_sure", lang)
            return "".join(f"\n• {html.escape(label)}" for label in labels)
        if value is None or value == "":
            return self.texts.get("signup_value_skipped", lang)
        if step.kind == "choice" and value in step.choices:
            return self.texts.get(step.choice_key(str(value)), lang)
        if step.kind == "month":
            return self.month_label(str(value), lang)
        return html.escape(str(value))

    def details(self, answers: Mapping[str, Any], lang: str) -> str:
        """One line per answered field, in form order."""
        lines = []
        for step in self.fields:
            if step.id not in answers:
                continue
            value = self.value_html(step, answers[step.id], lang)
            key = "signup_field_list" if value.startswith("\n") else "signup_field_line"
            label = self.texts.get(step.label_key, lang)
            lines.append(self.texts.get(key, lang, label=label, value=value))
        return "\n".join(lines)


# --------------------------------------------------------------------------- the draft


class Draft(TypedDict):
    """A form being filled in: plain JSON data in ``user_data`` (survives restarts).

    ``seen`` holds the latest update ids handled, so that a re-delivered update is ignored;
    ``last_text`` is the latest typed answer and ``shown`` the date of the latest prompt, so
    that a re-sent answer (sent again before the next prompt arrived) is recognised.
    """

    step: str
    answers: dict[str, Any]
    editing: bool
    category: str | None
    page: int
    seen: list[int]
    last_text: str | None
    shown: int | None
    had_lead: bool
    consent_at: str | None
    lang: NotRequired[str | None]  # the language of the message that started it (no /language)
    run: NotRequired[float]  # the start time of the bot process that showed the question


def new_draft(step: str, had_lead: bool, update_id: int) -> Draft:
    """An empty draft at ``step``."""
    return Draft(
        step=step,
        answers={},
        editing=False,
        category=None,
        page=0,
        seen=[update_id],
        last_text=None,
        shown=None,
        had_lead=had_lead,
        consent_at=None,
    )


def month_value(year: int, month: int) -> str:
    """The stored form of a month: ``YYYY-MM``."""
    return f"{year:04d}-{month:02d}"


def add_months(day: date, count: int) -> tuple[int, int]:
    """(year, month) ``count`` months after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + count
    return index // 12, index % 12 + 1
