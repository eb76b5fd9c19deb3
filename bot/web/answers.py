"""The answers editor: find a topic, read it in every language, save or revert an edit.

A save is checked as ``kb check`` checks the files (every language present, the same numbers
in every language, valid Telegram HTML within 4,096 characters), then written to the
overrides file (:mod:`bot.content.overrides`) and applied the way ``/reload`` applies the
files, by :func:`bot.telegram.content.rewrite_and_reload` (as learned examples are): if the
rebuilt content is refused, the file is put back and nothing changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.content.knowledge import KnowledgeBase, KnowledgeError, number_problems
from bot.content.languages import LANGUAGES
from bot.content.overrides import (
    Overrides,
    Version,
    dump_overrides,
    load_overrides,
    original_version,
    overrides_path,
    parse_version,
    with_overrides,
)
from bot.telegram.content import content_lock, rewrite_and_reload
from bot.telegram.context import Services
from bot.telegram_rules import MESSAGE_LIMIT, FormattingError, parse_html, utf16_len
from bot.web.auth import Caller

MAX_RESULTS = 30


def search(base: KnowledgeBase, services: Services, query: str) -> list[dict[str, Any]]:
    """Topics whose id, title, answer or examples contain ``query`` (any language), titles
    first; with an empty query every topic, by id."""
    kb = services.assistant.kb
    needle = " ".join(query.lower().split())
    scored: list[tuple[int, str]] = []
    for entry_id, entry in kb.entries.items():
        if not needle:
            scored.append((0, entry_id))
            continue
        titles = " ".join([entry_id, *entry.title.values()]).lower()
        if needle in titles:
            scored.append((0, entry_id))
        elif needle in " ".join(entry.answer.values()).lower():
            scored.append((1, entry_id))
        elif any(needle in p.lower() for ps in entry.examples.values() for p in ps):
            scored.append((2, entry_id))
    scored.sort()
    return [
        {"id": entry_id, "title": dict(kb.entries[entry_id].title)}
        for _, entry_id in scored[:MAX_RESULTS]
    ]


def topic(base: KnowledgeBase, services: Services, entry_id: str) -> dict[str, Any] | None:
    """An entry as the console edits it: the current texts (the override if any, else the
    files'; examples without the learned ones), the rendered answer, and its history."""
    if entry_id not in base.entries:
        return None
    overrides = load_overrides(overrides_path(services.settings.data_dir), base)
    versions = overrides.of(entry_id)
    current = versions[-1] if versions else original_version(base, entry_id)
    kb = services.assistant.kb
    return {
        **current.as_dict(),
        "source": base.entries[entry_id].source,
        "has_items": "{items}" in base.entries[entry_id].answer.get("en", ""),
        "rendered": {lang: kb.render(entry_id, lang) for lang in LANGUAGES},
        "original": original_version(base, entry_id).as_dict(),
        "history": [v.as_dict() for v in reversed(versions)],
    }


def problems_of(base: KnowledgeBase, version: Version) -> list[str]:
    """What ``kb check`` would say of the entry with ``version``'s texts."""
    kb = with_overrides(base, Overrides((version,)))
    found = [p for p in number_problems(kb) if f"entry '{version.entry_id}'" in p]
    for lang in LANGUAGES:
        text = kb.render(version.entry_id, lang)
        try:
            plain, _ = parse_html(text)
        except FormattingError as error:
            found.append(f"answer.{lang}: not valid Telegram HTML: {error}")
            continue
        if utf16_len(plain) > MESSAGE_LIMIT:
            found.append(f"answer.{lang}: longer than {MESSAGE_LIMIT} characters")
    return found


async def save(
    base: KnowledgeBase,
    services: Services,
    entry_id: str,
    raw: Any,
    caller: Caller,
    *,
    action: str = "save",
) -> list[str]:
    """Check and apply an edit; the problems (nothing changed) or an empty list."""
    problems: list[str] = []
    fields = raw if isinstance(raw, dict) else {}
    data = {
        "entry": entry_id,
        "title": fields.get("title"),
        "answer": fields.get("answer"),
        "examples": fields.get("examples"),
        "by": caller.id,
        "by_name": caller.name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "action": action,
    }
    version = parse_version(data, base, "console", problems)
    if version is None:
        return problems
    problems = problems_of(base, version)
    if problems:
        return problems
    path = overrides_path(services.settings.data_dir)
    async with content_lock(services):
        try:
            await rewrite_and_reload(
                services, path, lambda: dump_overrides(load_overrides(path, base).added(version))
            )
        except KnowledgeError as error:
            return error.problems
    return []


async def revert(
    base: KnowledgeBase, services: Services, entry_id: str, index: Any, caller: Caller
) -> list[str] | None:
    """Save again the version ``index`` of the entry's history (0 the newest; -1 the files'
    original); None if there is no such version."""
    versions = load_overrides(overrides_path(services.settings.data_dir), base).of(entry_id)
    if not isinstance(index, int) or not -1 <= index < len(versions):
        return None
    chosen = original_version(base, entry_id) if index == -1 else versions[-1 - index]
    return await save(base, services, entry_id, chosen.as_dict(), caller, action="revert")
