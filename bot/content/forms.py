"""The sign-up form of ``conversations/signup.yaml``: typed steps validated at start, the draft
kept in ``user_data``, and the Telegram-free logic of answers (cleaning, e-mail and month
parsing, rendering).

A broken ``form:`` section fails at start with every problem listed, each naming the file and
the step. Texts follow fixed key patterns (``signup_<step>_prompt``, ``signup_<step>_<choice>``,
``signup_field_<step>``) and must exist, in every language, with the placeholders the code
fills in.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from rapidfuzz import fuzz

from bot.content.knowledge import KnowledgeBase, KnowledgeError, load_yaml
from bot.content.languages import LANGUAGES
from bot.content.names import strip_invisible
from bot.content.pager import TEXTS as PAGER_TEXTS
from bot.content.texts import Texts, placeholders

SUMMARY = "summary"  # the state after the last step: summary, Confirm, Edit
KINDS = ("text", "email", "choice", "areas", "month", "consent")
TEXT_KINDS = ("text", "email")
_FIELD_KINDS = {"email": "email", "interests": "areas", "start_month": "month"}
_MAX_TEXT = 4000
_CHOICE_ID = re.compile(r"^[a-z0-9_]{1,24}$")
_STEP_KEYS = {
    "text": {"max_length", "optional", "multiline"},
    "email": {"max_length"},
    "choice": {"choices", "columns", "free_length", "free_pattern"},
    "areas": {"categories", "max_choices"},
    "month": {"buttons", "months_ahead", "columns"},
    "consent": set(),
}

# Texts the code fills in, with the placeholders it passes.
GENERIC_TEXTS: Mapping[str, frozenset[str]] = {
    key: frozenset(names)
    for key, names in {
        "signup_intro": (),
        "signup_existing": (),
        "signup_resume": (),
        "signup_progress": ("number", "total"),
        "signup_echo": ("answer",),
        "signup_back_to_form": (),
        "signup_use_buttons": (),
        "signup_stale": (),
        "signup_closed": (),
        "signup_empty": (),
        "signup_too_long": ("limit",),
        "signup_email_invalid": (),
        "signup_month_invalid": (),
        "signup_month_past": ("month",),
        "signup_month_far": ("month",),
        "signup_month_label": ("month", "year"),
        **{f"signup_month_{n}": () for n in range(1, 13)},
        "signup_interests_chosen": ("areas",),
        "signup_interests_none": (),
        "signup_interests_category": ("category",),
        "signup_interests_limit": ("limit",),
        "signup_button_skip": (),
        "signup_button_done": (),
        "signup_button_not_sure": (),
        "signup_button_categories": (),
        **{key: ("page", "pages") for key in PAGER_TEXTS},
        "signup_no_consent": (),
        "signup_summary": ("details",),
        "signup_field_line": ("label", "value"),
        "signup_field_list": ("label", "value"),
        "signup_value_skipped": (),
        "signup_value_not_sure": (),
        "signup_button_confirm": (),
        "signup_button_edit": (),
        "signup_button_back": (),
        "signup_edit_prompt": (),
        "signup_done": ("name", "email"),
        "signup_updated": ("name", "email"),
        "signup_already_saved": (),
        "signup_cancelled": (),
    }.items()
}


# --------------------------------------------------------------------------- the form


@dataclass(frozen=True)
class Category:
    """A group of areas of interest: the named items of some knowledge-base lists."""

    id: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One question of the form. ``id`` is the Lead field it fills (or ``consent``)."""

    id: str
    kind: str
    number: int
    max_length: int = 0
    optional: bool = False
    multiline: bool = False
    choices: tuple[str, ...] = ()
    columns: int = 1
    categories: tuple[Category, ...] = ()
    max_choices: int = 0
    buttons: int = 0
    months_ahead: int = 0
    free_length: int = 0
    free_pattern: str = ""

    @property
    def prompt_key(self) -> str:
        return f"signup_{self.id}_prompt"

    @property
    def label_key(self) -> str:
        return f"signup_field_{self.id}"

    def choice_key(self, choice: str) -> str:
        """The text of a choice, category or consent answer (``yes``/``no``)."""
        return f"signup_{self.id}_{choice}"

    def category(self, category_id: str | None) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)


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
        data = load_yaml(path)
        raw = data.get("form") if isinstance(data, dict) else None
        if not isinstance(raw, dict):
            raise KnowledgeError([f"{path.name}: needs a 'form:' mapping"])
        problems: list[str] = []
        steps = _read_steps(raw.get("steps"), path.name, kb, problems, (fields, required))
        words = _read_words(raw.get("question_words"), "question_words", path.name, problems)
        endings = _read_words(raw.get("question_endings"), "question_endings", path.name, problems)
        page_size = raw.get("page_size", 8)
        if not isinstance(page_size, int) or not 2 <= page_size <= 20:
            problems.append(f"{path.name}: 'page_size' must be a whole number from 2 to 20")
        unknown = raw.keys() - {"steps", "question_words", "question_endings", "page_size"}
        if unknown:
            problems.append(f"{path.name}: unknown form field(s): {', '.join(sorted(unknown))}")
        problems += _check_texts(steps, texts, path.name)
        if problems:
            raise KnowledgeError(problems)
        return cls(steps, page_size, words, endings, kb, texts)

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
        stripped = unicodedata.normalize("NFKC", text).strip().lower()
        if stripped.endswith(self.question_endings):
            return True
        for word in self.question_words:
            if stripped.startswith(word):
                rest = stripped[len(word) : len(word) + 1]
                if not _is_latin(word[-1]) or not rest or not rest.isalpha():
                    return True
        return False

    def parse_month(self, text: str) -> tuple[int, int] | None:
        """(year, month) from 2027-03, 03/2027, March 2027, mars 2027 or 2027年3月 (full-width
        forms such as ２０２７－０３ too)."""
        return parse_month(unicodedata.normalize("NFKC", text), self._month_names)

    def match_choice(self, step: Step, text: str) -> str | None:
        """The choice of ``step`` a typed answer names: its label in any of the languages,
        emoji, case, accents, full-width forms and a typo aside ("PhD student", "phd",
        "博士生", "doctorante", "3 months"), or its id. Numbers must be the same ("5 months" is
        not "6 months"). None when no choice, or more than one, fits."""
        typed = _choice_words(text)
        if not typed or len(typed) > 60:
            return None
        scores = sorted(
            (
                (max(_choice_score(typed, _choice_words(label)) for label in labels), choice)
                for choice, labels in (
                    (
                        c,
                        [
                            c.replace("_", " "),
                            *(self.texts.get(step.choice_key(c), lang) for lang in LANGUAGES),
                        ],
                    )
                    for c in step.choices
                )
            ),
            reverse=True,
        )
        best = scores[0] if scores else (0.0, "")
        runner_up = scores[1][0] if len(scores) > 1 else 0.0
        return (
            best[1] if best[0] >= _CHOICE_MATCH and best[0] - runner_up >= _CHOICE_MARGIN else None
        )

    def free_value(self, step: Step, text: str) -> str | None:
        """A typed answer the step accepts as it is when it names none of its choices (the
        duration step takes "5 months"); None if the step takes none or this is not one."""
        value = clean(text)
        if not step.free_length or not value or len(value) > step.free_length:
            return None
        return value if re.search(step.free_pattern, value) else None

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


# --------------------------------------------------------------------------- values

_SPACES = re.compile(r"[ \t\u00a0\u2028\u2029]+")
_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)[\w.!#$%&'*+/=?^`{|}~-]{1,64}(?<!\.)@"
    r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{2,59})$"
)
_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH_FIRST = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{4})$")
_NAME_FIRST = re.compile(r"^([^\W\d_]+)\.?,?\s*(\d{4})$")
_NAME_LAST = re.compile(r"^(\d{4})\s+([^\W\d_]+)\.?$")


def clean(text: str, multiline: bool = False) -> str:
    """Fold compatibility forms (full-width ＠ and letters, as Chinese keyboards type them,
    become ASCII: NFKC), strip control characters, collapse spaces (and, unless ``multiline``,
    line breaks)."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if not multiline:
        text = text.replace("\n", " ")
    text = _SPACES.sub(" ", strip_invisible(text))
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def valid_email(text: str) -> bool:
    """A plausible address: local@domain.tld, at most 254 characters, no spaces."""
    return len(text) <= 254 and _EMAIL.match(text) is not None


def fold(text: str) -> str:
    """Lower case without accents ("Févr." → "fevr.")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_month(text: str, names: Mapping[str, int]) -> tuple[int, int] | None:
    """(year, month) of a typed month; month names may be abbreviated to 3+ letters."""
    text = text.strip()
    found: tuple[str, str] | None = None
    for pattern, year_group in ((_YEAR_FIRST, 1), (_MONTH_FIRST, 2)):
        match = pattern.match(text)
        if match:
            found = (match.group(year_group), match.group(3 - year_group))
    for pattern, year_group in ((_NAME_FIRST, 2), (_NAME_LAST, 1)):
        match = pattern.match(text)
        if match:
            number = _month_number(match.group(3 - year_group), names)
            found = (match.group(year_group), str(number)) if number else None
    if found is None:
        return None
    year, month = int(found[0]), int(found[1])
    return (year, month) if 1 <= month <= 12 else None


def _month_number(word: str, names: Mapping[str, int]) -> int | None:
    word = fold(word)
    if len(word) < 3:
        return None
    numbers = {number for name, number in names.items() if name.startswith(word)}
    return numbers.pop() if len(numbers) == 1 else None


def month_value(year: int, month: int) -> str:
    """The stored form of a month: ``YYYY-MM``."""
    return f"{year:04d}-{month:02d}"


def add_months(day: date, count: int) -> tuple[int, int]:
    """(year, month) ``count`` months after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + count
    return index // 12, index % 12 + 1


_CHOICE_MATCH = 90  # rapidfuzz score (0-100) a typed answer needs to name a choice
_CHOICE_MARGIN = 5  # ... and by how much it must beat the next choice
_CJK = re.compile(r"([\u3400-\u9fff\uf900-\ufaff])")
_APOSTROPHES = re.compile(r"[’'`]")
_NOT_WORD = re.compile(r"[\W_]+")


def _choice_words(text: str) -> str:
    """A label or typed answer as comparable words: folded, no emoji or punctuation, each
    Chinese character a word."""
    text = _APOSTROPHES.sub("", fold(unicodedata.normalize("NFKC", text)))
    return " ".join(_NOT_WORD.sub(" ", _CJK.sub(r" \1 ", text)).split())


def _choice_score(typed: str, label: str) -> float:
    if re.findall(r"\d+", typed) != re.findall(r"\d+", label):
        return 0.0
    return max(fuzz.token_set_ratio(typed, label), fuzz.ratio(typed, label))


def _is_latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN")


# --------------------------------------------------------------------------- loading


def _read_words(raw: Any, name: str, source: str, problems: list[str]) -> tuple[str, ...]:
    """A list of phrases, or a mapping of language → list (merged; matching is per text)."""
    values = [v for values in raw.values() for v in values] if isinstance(raw, dict) else raw
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        problems.append(f"{source}: '{name}' must be a non-empty list of texts (per language)")
        return ()
    return tuple(v.strip().lower() for v in values if v.strip())


def _read_steps(
    raw: Any,
    source: str,
    kb: KnowledgeBase,
    problems: list[str],
    lead: tuple[Sequence[str], Sequence[str]],
) -> tuple[Step, ...]:
    """The steps; ``lead`` holds the fields a step may fill and those the form must ask."""
    if not isinstance(raw, list) or not raw:
        problems.append(f"{source}: 'form.steps' must be a non-empty list")
        return ()
    steps: list[Step] = []
    for number, raw_step in enumerate(raw, 1):
        step = _read_step(raw_step, number, source, kb, problems, lead)
        if step is not None:
            steps.append(step)
    ids = [s.id for s in steps]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{source}: step '{duplicate}' is listed twice")
    for required in lead[1]:
        if required not in ids:
            problems.append(f"{source}: the form needs a '{required}' step")
    consents = [s for s in steps if s.kind == "consent"]
    if len(consents) != 1 or steps[-1].kind != "consent":
        problems.append(f"{source}: the last step, and only it, must be of kind 'consent'")
    return tuple(steps)


def _read_step(  # noqa: PLR0917 - the reader's context, as _read_steps passes it
    raw: Any,
    number: int,
    source: str,
    kb: KnowledgeBase,
    problems: list[str],
    lead: tuple[Sequence[str], Sequence[str]],
) -> Step | None:
    fields, required = lead
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        problems.append(f"{source}: step {number} needs an 'id'")
        return None
    step_id, kind = raw["id"], raw.get("kind")
    where = f"{source}: step '{step_id}'"
    before = len(problems)
    if kind not in KINDS:
        problems.append(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
        return None
    if kind == "consent" and step_id != "consent":
        problems.append(f"{where}: the consent step must have the id 'consent'")
    if kind != "consent" and step_id not in fields:
        problems.append(f"{where}: the id must be a sign-up field ({', '.join(fields)})")
    if _FIELD_KINDS.get(step_id, kind) != kind:
        problems.append(f"{where}: this field must be of kind '{_FIELD_KINDS[step_id]}'")
    unknown = raw.keys() - {"id", "kind"} - _STEP_KEYS[kind]
    if unknown:
        problems.append(f"{where}: unknown field(s) for kind {kind}: {', '.join(sorted(unknown))}")
    if step_id in required and raw.get("optional"):
        problems.append(f"{where}: this field cannot be optional")
    values = _kind_values(raw, kind, where, kb, problems)
    if len(problems) > before:
        return None
    return Step(id=step_id, kind=kind, number=number, **values)


def _kind_values(
    raw: dict[str, Any], kind: str, where: str, kb: KnowledgeBase, problems: list[str]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if kind in TEXT_KINDS:
        values["max_length"] = _limit(raw, "max_length", where, problems, low=1, high=_MAX_TEXT)
        values["optional"] = bool(raw.get("optional", False))
        values["multiline"] = bool(raw.get("multiline", False))
    elif kind == "choice":
        values["choices"] = _choices(raw.get("choices"), where, problems)
        values["columns"] = _limit(raw, "columns", where, problems, low=1, high=4, default=1)
        if "free_length" in raw or "free_pattern" in raw:
            values["free_length"] = _limit(raw, "free_length", where, problems, low=1, high=200)
            values["free_pattern"] = _pattern(raw.get("free_pattern", "."), where, problems)
    elif kind == "areas":
        values["categories"] = _categories(raw.get("categories"), where, kb, problems)
        values["max_choices"] = _limit(raw, "max_choices", where, problems, low=1, high=50)
    elif kind == "month":
        values["buttons"] = _limit(raw, "buttons", where, problems, low=1, high=24)
        values["months_ahead"] = _limit(raw, "months_ahead", where, problems, low=1, high=120)
        values["columns"] = _limit(raw, "columns", where, problems, low=1, high=4, default=1)
    return values


def _limit(
    raw: dict[str, Any],
    name: str,
    where: str,
    problems: list[str],
    *,
    low: int,
    high: int,
    default: int | None = None,
) -> int:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{where}: '{name}' must be a whole number from {low} to {high}")
        return low
    return value


def _pattern(raw: Any, where: str, problems: list[str]) -> str:
    try:
        re.compile(raw if isinstance(raw, str) else "(")
    except re.error:
        problems.append(f"{where}: 'free_pattern' must be a regular expression")
        return "."
    return str(raw)


def _choices(raw: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        problems.append(f"{where}: 'choices' must list at least 2 choice ids")
        return ()
    bad = [str(c) for c in raw if not isinstance(c, str) or not _CHOICE_ID.match(c)]
    if bad:
        problems.append(f"{where}: choice ids must be short snake_case: {', '.join(bad)}")
    if len(set(raw)) != len(raw):
        problems.append(f"{where}: a choice is listed twice")
    return tuple(str(c) for c in raw)


def _categories(
    raw: Any, where: str, kb: KnowledgeBase, problems: list[str]
) -> tuple[Category, ...]:
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: 'categories' must map category ids to knowledge lists")
        return ()
    categories = []
    for category_id, entry_ids in raw.items():
        if not isinstance(category_id, str) or not _CHOICE_ID.match(category_id):
            problems.append(f"{where}: category id {category_id!r} must be short snake_case")
            continue
        if not isinstance(entry_ids, list) or not entry_ids:
            problems.append(f"{where}: category '{category_id}' must list knowledge entries")
            continue
        items: dict[str, None] = {}
        for entry_id in entry_ids:
            entry = kb.entries.get(entry_id) if isinstance(entry_id, str) else None
            if entry is None or not entry.item_ids:
                problems.append(
                    f"{where}: category '{category_id}': {entry_id!r} is not a knowledge entry "
                    "with named items"
                )
                continue
            items.update(dict.fromkeys(entry.item_ids))
        categories.append(Category(category_id, tuple(items)))
    return tuple(categories)


def _check_texts(steps: tuple[Step, ...], texts: Texts, source: str) -> list[str]:
    problems = [
        f"{source}: text '{key}': {problem}"
        for key, names in GENERIC_TEXTS.items()
        if (problem := _text_problem(texts, key, names))
    ]
    for step in steps:
        for key, names in _step_texts(step).items():
            problem = _text_problem(texts, key, names)
            if problem:
                problems.append(f"{source}: step '{step.id}': text '{key}': {problem}")
    return problems


def _step_texts(step: Step) -> dict[str, frozenset[str]]:
    keys = [step.prompt_key]
    if step.kind != "consent":
        keys.append(step.label_key)
    keys += [step.choice_key(c) for c in step.choices]
    keys += [step.choice_key(c.id) for c in step.categories]
    if step.kind == "consent":
        keys += [step.choice_key("yes"), step.choice_key("no")]
    prompt_names = frozenset({"days"}) if step.kind == "consent" else frozenset()
    return {key: prompt_names if key == step.prompt_key else frozenset() for key in keys}


def _text_problem(texts: Texts, key: str, names: frozenset[str]) -> str | None:
    if key not in texts.texts:
        return "missing (it needs en, zh and fr in a texts: section)"
    found = placeholders(texts.texts[key]["en"])
    if found != names:
        return f"placeholders must be {sorted(names) or 'none'}, not {sorted(found) or 'none'}"
    return None
