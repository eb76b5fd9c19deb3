"""Why the console refuses an edit, in the coordinator's language: each problem is a text key
of conversations/console.yaml (``console_problem_*``) with its values, worded by
:func:`worded`. The checks are those of ``kb check`` (every language present, within the
limits, the same numbers in every language, valid Telegram HTML within 4,096 characters)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.content.knowledge import MAX_TITLE, KnowledgeBase, numbers_in
from bot.content.languages import LANGUAGES
from bot.content.overrides import MAX_ANSWER, MAX_EXAMPLE, MAX_EXAMPLES
from bot.content.texts import Texts
from bot.telegram_rules import MESSAGE_LIMIT, FormattingError, parse_html, utf16_len

FIELDS = {"title": "console_field_title", "answer": "console_field_answer"}


@dataclass(frozen=True)
class Problem:
    """One reason to refuse an edit: a text key and the values it names. ``language`` (a
    code) and ``field`` (``title``, ``answer`` or ``examples``) are worded in the reader's
    language too."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


def of_request(raw: Any) -> list[Problem]:
    """What is missing, empty or too long in an edit as the page sends it."""
    found: list[Problem] = []
    fields = raw if isinstance(raw, dict) else {}
    for name, limit in (("title", MAX_TITLE), ("answer", MAX_ANSWER)):
        texts = fields.get(name)
        for lang in LANGUAGES:
            value = texts.get(lang) if isinstance(texts, dict) else None
            if not isinstance(value, str) or not value.strip():
                found.append(Problem("console_problem_missing", {"field": name, "language": lang}))
            elif len(value.strip()) > limit:
                found.append(
                    Problem(
                        "console_problem_too_long",
                        {"field": name, "language": lang, "limit": limit},
                    )
                )
    examples = fields.get("examples")
    for lang in LANGUAGES:
        phrases = examples.get(lang) if isinstance(examples, dict) else None
        kept = (
            [p for p in phrases if isinstance(p, str) and p.strip()]
            if isinstance(phrases, list)
            else []
        )
        if (
            not kept
            or len(kept) > MAX_EXAMPLES
            or any(len(p) > MAX_EXAMPLE for p in kept)
            or not all(isinstance(p, str) for p in phrases or [])
        ):
            found.append(
                Problem(
                    "console_problem_examples",
                    {"language": lang, "count": MAX_EXAMPLES, "limit": MAX_EXAMPLE},
                )
            )
    return found


def of_answer(kb: KnowledgeBase, entry_id: str) -> list[Problem]:
    """What ``kb check`` would say of the entry's answer as ``kb`` renders it."""
    found: list[Problem] = []
    rendered = {lang: kb.render(entry_id, lang) for lang in LANGUAGES}
    english = numbers_in(rendered["en"])
    for lang in ("zh", "fr"):
        other = numbers_in(rendered[lang])
        if other != english:
            values = {
                "language": lang,
                "only_en": ", ".join(sorted(english - other)) or "—",
                "only_other": ", ".join(sorted(other - english)) or "—",
            }
            found.append(Problem("console_problem_numbers", values))
    for lang in LANGUAGES:
        try:
            plain, _ = parse_html(rendered[lang])
        except FormattingError as error:  # Telegram's own message: quoted as Telegram gives it
            found.append(Problem("console_problem_html", {"language": lang, "error": str(error)}))
            continue
        if utf16_len(plain) > MESSAGE_LIMIT:
            found.append(
                Problem("console_problem_length", {"language": lang, "limit": MESSAGE_LIMIT})
            )
    return found


def not_applied(details: list[str]) -> Problem:
    """The bot refused to apply the edit (``/reload``'s checks): its own words, quoted."""
    return Problem("console_problem_not_applied", {"details": "; ".join(details)})


def worded(problems: list[Problem], texts: Texts, lang: str) -> list[str]:
    """The problems as the coordinator reads them, in ``lang``."""
    result = []
    for problem in problems:
        values = dict(problem.values)
        if "language" in values:
            values["language"] = texts.get(f"language_name_{values['language']}", lang)
        if "field" in values:
            values["field"] = texts.get(FIELDS[values["field"]], lang)
        result.append(texts.get(problem.key, lang, **values))
    return result
