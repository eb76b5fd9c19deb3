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

import json
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
    """Replace the edited entries' title, answer and examples in ``directory``'s files,
    keeping every other line as it is; return the entries replaced per file. The knowledge
    base is read back afterwards and must hold exactly the overrides' texts; on any problem
    every file is restored and KnowledgeError raised."""
    kb = load_knowledge(directory)
    by_file: dict[str, dict[str, Version]] = {}
    for entry_id, version in overrides.current.items():
        if entry_id not in kb.entries:
            raise KnowledgeError([f"{FILE_NAME}: entry '{entry_id}': unknown entry id"])
        by_file.setdefault(kb.entries[entry_id].source, {})[entry_id] = version
    originals = {name: (directory / name).read_text(encoding="utf-8") for name in by_file}
    try:
        for name, versions in by_file.items():
            write_atomically(directory / name, _replaced(originals[name], versions, name))
        merged = load_knowledge(directory)
        for version in overrides.current.values():
            entry = merged.entries[version.entry_id]
            if (dict(entry.title), dict(entry.answer), dict(entry.examples)) != (
                dict(version.title),
                dict(version.answer),
                dict(version.examples),
            ):
                raise KnowledgeError([f"entry '{version.entry_id}': not merged as edited"])
    except BaseException:
        for name, text in originals.items():
            write_atomically(directory / name, text)
        raise
    return {name: len(versions) for name, versions in by_file.items()}


def _replaced(text: str, versions: Mapping[str, Version], source: str) -> str:
    """``text`` with the title, answer and examples values of the entries of ``versions``
    replaced, found through the YAML node positions (every other character kept)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    edits: list[tuple[int, int, str]] = []
    entries = _mapping(root).get("entries")
    for entry_node in entries.value if isinstance(entries, yaml.SequenceNode) else []:
        entry = _mapping(entry_node)
        id_node = entry.get("id")
        version = versions.get(str(id_node.value)) if isinstance(id_node, yaml.ScalarNode) else None
        if version is None:
            continue
        values: dict[str, Mapping[str, Any]] = {
            "title": dict(version.title),
            "answer": dict(version.answer),
            "examples": {lang: list(p) for lang, p in version.examples.items()},
        }
        for key, value in values.items():
            node = entry.get(key)
            if not isinstance(node, yaml.MappingNode):
                raise KnowledgeError([f"{source}: entry '{version.entry_id}': no '{key}' mapping"])
            start, end = node.start_mark.index, node.end_mark.index
            edits.append((start, end, _yaml_value(value, node, text[start:end])))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _yaml_value(value: Mapping[str, Any], node: yaml.MappingNode, old: str) -> str:
    """``value`` (language -> text or list) as YAML in the place of ``node``: a flow mapping
    where it was one, else one ``lang: value`` line per language at its column."""
    if node.flow_style:
        items = [f"{lang}: {json.dumps(v, ensure_ascii=False)}" for lang, v in value.items()]
        return "{" + ", ".join(items) + "}"
    column = node.start_mark.column
    items = []
    for lang, v in value.items():
        if isinstance(v, str) and "\n" in v and v == v.strip() and "\t" not in v:
            indent = "\n" + " " * (column + 2)  # a literal block, as the files write answers
            items.append(
                f"{lang}: |-{indent}" + indent.join(v.split("\n")).replace(indent + "\n", "\n\n")
            )
        else:
            items.append(f"{lang}: {json.dumps(v, ensure_ascii=False)}")
    tail = old[len(old.rstrip()) :]  # a block scalar's span ends with its line breaks
    return ("\n" + " " * column).join(items) + tail


def _mapping(node: Any) -> dict[str, Any]:
    """A YAML mapping node's values by key (empty for anything else)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _leading_comments(text: str) -> str:
    """The comment lines a file starts with (kept when the file is rewritten)."""
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)
