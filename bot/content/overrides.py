"""Answer overrides: topics coordinators edited in the console, kept in the data directory
(``BOT_DATA_DIR/answer-overrides.yaml``) because the image's ``knowledge/`` is read-only.

The file holds, per entry id, the current title, answer and examples in every language (who
saved them and when), and the history of every save and revert. It is applied to the
knowledge base before learned examples and the matcher (:func:`with_overrides`) and checked
as ``kb check`` checks the files: every language present, titles short, the same numbers in
every language. ``python -m bot kb overrides [--merge]`` prints them or folds them into
``knowledge/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from bot.content.knowledge import (
    MAX_TITLE,
    KnowledgeBase,
    KnowledgeError,
    load_knowledge,
    load_yaml,
    number_problems,
)
from bot.content.languages import LANGUAGES
from bot.content.learned import write_atomically

FILE_NAME = "answer-overrides.yaml"
MAX_ANSWER = 8000  # characters of one answer's source (Telegram's limit is checked rendered)
MAX_EXAMPLES = 200  # examples of one language
MAX_EXAMPLE = 300
MAX_HISTORY = 2000  # versions kept, all entries together (oldest dropped first)

_HEADER = (
    "# Answers coordinators edited in the console (newest version per entry, then history).\n"
    "# Review them with `python -m bot kb overrides`; `--merge` moves them into knowledge/.\n"
)


@dataclass(frozen=True)
class Version:
    """One saved version of an entry: its texts in every language, who saved it and when."""

    entry_id: str
    title: Mapping[str, str]
    answer: Mapping[str, str]
    examples: Mapping[str, tuple[str, ...]]
    by: int
    by_name: str
    at: str  # ISO 8601, UTC
    action: str = "save"  # save | revert

    def as_dict(self) -> dict[str, Any]:
        """Plain data for YAML and JSON."""
        return {
            "entry": self.entry_id,
            "title": dict(self.title),
            "answer": dict(self.answer),
            "examples": {lang: list(p) for lang, p in self.examples.items()},
            "by": self.by,
            "by_name": self.by_name,
            "at": self.at,
            "action": self.action,
        }


@dataclass(frozen=True)
class Overrides:
    """The history of saves, oldest first; the current override of an entry is its last."""

    history: tuple[Version, ...] = ()

    @property
    def current(self) -> dict[str, Version]:
        """The newest version of each edited entry."""
        return {v.entry_id: v for v in self.history}

    def of(self, entry_id: str) -> list[Version]:
        """The versions of one entry, oldest first."""
        return [v for v in self.history if v.entry_id == entry_id]

    def added(self, version: Version) -> Overrides:
        """With ``version`` appended (the oldest dropped past :data:`MAX_HISTORY`)."""
        return Overrides((*self.history, version)[-MAX_HISTORY:])


def original_version(kb: KnowledgeBase, entry_id: str) -> Version:
    """An entry as the knowledge files have it, as a version (``at`` empty)."""
    entry = kb.entries[entry_id]
    return Version(entry_id, entry.title, entry.answer, entry.examples, 0, "", "", "original")


def overrides_path(data_dir: Path) -> Path:
    """Where the overrides are kept."""
    return data_dir / FILE_NAME


def load_overrides(path: Path, kb: KnowledgeBase) -> Overrides:
    """Read and validate ``path`` against ``kb`` (a missing file is empty); raise
    KnowledgeError naming the file, entry and problem."""
    if not path.exists():
        return Overrides()
    data = load_yaml(path) or {}
    problems: list[str] = []
    history = data.get("history") if isinstance(data, dict) else None
    if not isinstance(history, list):
        raise KnowledgeError([f"{path.name}: must be a mapping with a list under 'history'"])
    versions = []
    for raw in history:
        version = parse_version(raw, kb, path.name, problems)
        if version is not None:
            versions.append(version)
    if problems:
        raise KnowledgeError(problems)
    overrides = Overrides(tuple(versions))
    problems = number_problems(with_overrides(kb, overrides))
    if problems:
        raise KnowledgeError([f"{path.name}: {p}" for p in problems])
    return overrides


def parse_version(raw: Any, kb: KnowledgeBase, source: str, problems: list[str]) -> Version | None:
    """A version from plain data (the file, or the console's request); problems appended."""
    if not isinstance(raw, dict) or raw.get("entry") not in kb.entries:
        problems.append(f"{source}: unknown entry {_short(raw)}")
        return None
    entry_id = raw["entry"]
    where = f"{source}: entry '{entry_id}'"
    before = len(problems)
    title = _localized(raw.get("title"), "title", MAX_TITLE, where, problems)
    answer = _localized(raw.get("answer"), "answer", MAX_ANSWER, where, problems)
    examples: dict[str, tuple[str, ...]] = {}
    raw_examples = raw.get("examples")
    for lang in LANGUAGES:
        phrases = raw_examples.get(lang) if isinstance(raw_examples, dict) else None
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            problems.append(f"{where}: 'examples.{lang}' must be a list of texts")
            continue
        kept = tuple(dict.fromkeys(" ".join(p.split()) for p in phrases if p.strip()))
        if not kept:
            problems.append(f"{where}: 'examples.{lang}' is empty")
        elif len(kept) > MAX_EXAMPLES or any(len(p) > MAX_EXAMPLE for p in kept):
            problems.append(
                f"{where}: 'examples.{lang}': at most {MAX_EXAMPLES} examples of "
                f"{MAX_EXAMPLE} characters"
            )
        examples[lang] = kept
    by, at = raw.get("by", 0), raw.get("at", "")
    if not isinstance(by, int) or not isinstance(at, str):
        problems.append(f"{where}: 'by' must be a user id and 'at' a time")
    if len(problems) > before:
        return None
    return Version(
        entry_id,
        title,
        answer,
        examples,
        by,
        str(raw.get("by_name") or ""),
        at,
        "revert" if raw.get("action") == "revert" else "save",
    )


def _localized(raw: Any, name: str, limit: int, where: str, problems: list[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for lang in LANGUAGES:
        value = raw.get(lang) if isinstance(raw, dict) else None
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: '{name}.{lang}' is missing or empty")
        elif len(value.strip()) > limit:
            problems.append(f"{where}: '{name}.{lang}' is longer than {limit} characters")
        else:
            result[lang] = value.strip()
    return result


def _short(raw: Any) -> str:
    entry = raw.get("entry") if isinstance(raw, dict) else None
    return repr(str(entry)[:60])


def with_overrides(kb: KnowledgeBase, overrides: Overrides) -> KnowledgeBase:
    """``kb`` with each edited entry's title, answer and examples replaced."""
    current = overrides.current
    if not current:
        return kb
    entries = dict(kb.entries)
    for entry_id, version in current.items():
        entries[entry_id] = replace(
            entries[entry_id],
            title=dict(version.title),
            answer=dict(version.answer),
            examples=dict(version.examples),
        )
    return KnowledgeBase(entries, kb.items)


def dump_overrides(overrides: Overrides) -> str:
    """The overrides file's text."""
    body = {"history": [v.as_dict() for v in overrides.history]}
    return _HEADER + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)


def write_overrides(path: Path, overrides: Overrides) -> None:
    """Write the file atomically (a crash leaves the old or the new file, never half)."""
    write_atomically(path, dump_overrides(overrides))


def review_yaml(overrides: Overrides) -> str:
    """The current overrides as YAML entries to review (what ``--merge`` would write)."""
    current = [
        {
            "id": v.entry_id,
            "title": dict(v.title),
            "answer": dict(v.answer),
            "examples": {lang: list(p) for lang, p in v.examples.items()},
            "saved": f"{v.at} by {v.by_name or v.by}",
        }
        for v in overrides.current.values()
    ]
    return yaml.safe_dump(current, allow_unicode=True, sort_keys=False, width=100)


def merge_into_knowledge(directory: Path, overrides: Overrides) -> dict[str, int]:
    """Replace the edited entries' title, answer and examples in ``directory``'s files (the
    entries' other fields and the other entries are kept); return the entries replaced per
    file. The knowledge base is validated afterwards; on any problem every file is restored
    and KnowledgeError raised."""
    kb = load_knowledge(directory)
    by_file: dict[str, dict[str, Version]] = {}
    for entry_id, version in overrides.current.items():
        if entry_id not in kb.entries:
            raise KnowledgeError([f"{FILE_NAME}: entry '{entry_id}': unknown entry id"])
        by_file.setdefault(kb.entries[entry_id].source, {})[entry_id] = version
    originals = {name: (directory / name).read_text(encoding="utf-8") for name in by_file}
    replaced: dict[str, int] = {}
    try:
        for name, versions in by_file.items():
            data = yaml.safe_load(originals[name])
            for raw in data["entries"]:
                edited = versions.get(raw.get("id"))
                if edited is not None:
                    raw["title"] = dict(edited.title)
                    raw["answer"] = dict(edited.answer)
                    raw["examples"] = {lang: list(p) for lang, p in edited.examples.items()}
            header = _leading_comments(originals[name])
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
            write_atomically(directory / name, header + text)
            replaced[name] = len(versions)
        load_knowledge(directory)
    except BaseException:
        for name, text in originals.items():
            write_atomically(directory / name, text)
        raise
    return replaced


def _leading_comments(text: str) -> str:
    """The comment lines a file starts with (kept when the file is rewritten)."""
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)
