"""Reading and checking the ``form:`` section of ``conversations/signup.yaml``.

A broken section fails at start with every problem listed, each naming the file and the step.
Texts follow fixed key patterns (``signup_<step>_prompt``, ``signup_<step>_<choice>``,
``signup_field_<step>``) and must exist, in every language, with the placeholders the code
fills in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.content.form_steps import KINDS, TEXT_KINDS, Category, Step
from bot.content.knowledge import KnowledgeBase, KnowledgeError, load_yaml
from bot.content.pager import TEXTS as PAGER_TEXTS
from bot.content.texts import Texts, placeholders

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

FormSection = tuple[tuple[Step, ...], int, tuple[str, ...], tuple[str, ...]]


def read_form(
    path: Path,
    kb: KnowledgeBase,
    texts: Texts,
    *,
    fields: Sequence[str],
    required: Sequence[str],
) -> FormSection:
    """The steps, page size, question words and question endings of ``path``'s ``form:``
    section; raise KnowledgeError listing every problem with the file and step it is in.
    ``fields`` are the lead's fields a step may fill, ``required`` those the form must ask (the
    storage layer's ``FORM_FIELDS``)."""
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
    return steps, page_size, words, endings


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
