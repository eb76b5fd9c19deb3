"""The answers editor: find a topic, read it in every language, save or revert an edit.

A save is checked as ``kb check`` checks the files (:mod:`bot.web.problems`: every language
present, the same numbers in every language, valid Telegram HTML within 4,096 characters;
the reasons in the coordinator's language), then written to the
overrides file (:mod:`bot.content.overrides`) and applied the way ``/reload`` applies the
files, by :func:`bot.telegram.content.rewrite_and_reload` (as learned examples are): if the
rebuilt content is refused, the file is put back and nothing changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.content.knowledge import KnowledgeBase, KnowledgeError
from bot.content.languages import LANGUAGES
from bot.content.overrides import (
    Overrides,
    dump_overrides,
    load_overrides,
    original_version,
    overrides_path,
    parse_version,
    with_overrides,
)
from bot.telegram.content import rewrite_and_reload
from bot.telegram.context import Services
from bot.web.auth import Caller
from bot.web.problems import Problem, not_applied, of_answer, of_request

MAX_RESULTS = 30


def search(base: KnowledgeBase, services: Services, query: str) -> list[dict[str, Any]]:
    """Topics whose id, title, answer or examples contain ``query`` (any language), titles
    first; with an empty query every topic, by id."""
    kb = services.content.assistant.kb
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
    kb = services.content.assistant.kb
    return {
        **current.as_dict(),
        "source": base.entries[entry_id].source,
        "has_items": "{items}" in base.entries[entry_id].answer.get("en", ""),
        "rendered": {lang: kb.render(entry_id, lang) for lang in LANGUAGES},
        "original": original_version(base, entry_id).as_dict(),
        "history": [v.as_dict() for v in reversed(versions)],
    }


async def save(
    base: KnowledgeBase,
    services: Services,
    entry_id: str,
    raw: Any,
    caller: Caller,
    *,
    action: str = "save",
) -> list[Problem]:
    """Check and apply an edit; the problems (nothing changed) or an empty list."""
    problems = of_request(raw)
    if problems:
        return problems
    data = {
        "entry": entry_id,
        "title": raw.get("title"),
        "answer": raw.get("answer"),
        "examples": raw.get("examples"),
        "by": caller.id,
        "by_name": caller.name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "action": action,
    }
    left: list[str] = []
    version = parse_version(data, base, "console", left)  # the file's own checks, all of them
    if version is None:
        return [not_applied(left)]
    problems = of_answer(with_overrides(base, Overrides((version,))), entry_id)
    if problems:
        return problems
    path = overrides_path(services.settings.data_dir)
    async with services.content.lock:
        try:
            await rewrite_and_reload(
                services, path, lambda: dump_overrides(load_overrides(path, base).added(version))
            )
        except KnowledgeError as error:
            return [not_applied(error.problems)]
    return []


async def revert(
    base: KnowledgeBase, services: Services, entry_id: str, index: Any, caller: Caller
) -> list[Problem] | None:
    """Save again the version ``index`` of the entry's history (0 the newest; -1 the files'
    original); None if there is no such version."""
    versions = load_overrides(overrides_path(services.settings.data_dir), base).of(entry_id)
    if not isinstance(index, int) or not -1 <= index < len(versions):
        return None
    chosen = original_version(base, entry_id) if index == -1 else versions[-1 - index]
    return await save(base, services, entry_id, chosen.as_dict(), caller, action="revert")
