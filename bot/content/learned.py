"""Learned examples: phrasings coordinators added from ``/unanswered``, kept in the data
directory (``BOT_DATA_DIR/learned-examples.yaml``) because the image's ``knowledge/`` is
read-only.

The file maps entry ids to example questions per language; it is validated like the knowledge
base (entry ids must exist, languages known, texts bounded) and merged into the
:class:`KnowledgeBase` before the matcher is built, so whatever matcher is in place learns
them. Only what a student typed is kept: the text and its language, nothing about who asked.
An example copied as the student typed it is listed under ``questions`` with the id of the
question it came from (:data:`Sources`), so that it leaves the file when that question is
deleted (``/forget``, the retention purge: :func:`without_questions`); a phrasing a
coordinator wrote ("Edit") is theirs and has no such link. ``merge_into_knowledge`` moves them
into ``knowledge/`` for review and commit.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from bot.content.knowledge import KnowledgeBase, KnowledgeError, load_knowledge, load_yaml
from bot.content.languages import LANGUAGES

FILE_NAME = "learned-examples.yaml"
MAX_EXAMPLE = 300  # characters of one learned example
MAX_PER_ENTRY = 500  # learned examples of one entry, all languages together

# entry id -> language -> example questions, in the order they were learned
Learned = dict[str, dict[str, list[str]]]
# an example copied from a student's question -> that question's id (in the database)
Sources = dict[str, int]
SOURCES_KEY = "questions"

_HEADER = (
    "# Example questions learned from students' questions with /unanswered.\n"
    "# Review them with `python -m bot kb learned`; `--merge` moves them into knowledge/.\n"
)


def load_learned(path: Path, kb: KnowledgeBase) -> Learned:
    """Read and validate the learned examples of ``path`` against ``kb`` (a missing file is
    empty); raise KnowledgeError naming the file, entry and problem."""
    if not path.exists():
        return {}
    data = load_yaml(path)
    problems: list[str] = []
    learned = validate_learned(data, kb, path.name, problems)
    if problems:
        raise KnowledgeError(problems)
    return learned


def validate_learned(data: Any, kb: KnowledgeBase, source: str, problems: list[str]) -> Learned:
    """The valid part of raw learned examples; every problem is appended to ``problems``."""
    if data is None:
        return {}
    raw = data.get("examples") if isinstance(data, dict) else None
    if not isinstance(raw, dict) or set(data) - {"examples", SOURCES_KEY}:
        problems.append(f"{source}: must be a mapping with entry ids under 'examples'")
        return {}
    if _sources_of(data) is None:
        problems.append(f"{source}: '{SOURCES_KEY}' must map example texts to question ids")
    learned: Learned = {}
    for entry_id, by_language in raw.items():
        where = f"{source}: entry '{entry_id}'"
        if entry_id not in kb.entries:
            problems.append(f"{where}: unknown entry id")
            continue
        if not isinstance(by_language, dict):
            problems.append(f"{where}: must map languages to lists of questions")
            continue
        count = 0
        for lang, phrases in by_language.items():
            if lang not in LANGUAGES:
                problems.append(f"{where}: unknown language '{lang}'")
                continue
            if not isinstance(phrases, list) or not all(
                isinstance(p, str) and p.strip() for p in phrases
            ):
                problems.append(f"{where}: '{lang}' must be a list of non-empty texts")
                continue
            for phrase in phrases:
                if len(phrase) > MAX_EXAMPLE:
                    problems.append(
                        f"{where}: an example in '{lang}' is longer than {MAX_EXAMPLE} characters"
                    )
            count += len(phrases)
            learned.setdefault(entry_id, {})[lang] = [p.strip() for p in phrases]
        if count > MAX_PER_ENTRY:
            problems.append(f"{where}: more than {MAX_PER_ENTRY} learned examples")
    return learned


def load_sources(path: Path) -> Sources:
    """Which learned examples were copied from which question (empty without a file)."""
    if not path.exists():
        return {}
    return _sources_of(load_yaml(path)) or {}


def _sources_of(data: Any) -> Sources | None:
    """The ``questions`` mapping of raw file data, or None if it is malformed."""
    raw = data.get(SOURCES_KEY, {}) if isinstance(data, dict) else {}
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(t, str) and isinstance(q, int) and not isinstance(q, bool)
        for t, q in raw.items()
    ):
        return None
    return dict(raw)


def without_questions(
    learned: Learned, sources: Sources, gone: set[int]
) -> tuple[Learned, Sources]:
    """``learned`` and ``sources`` without the examples copied from the questions ``gone``."""
    dropped = {text for text, question in sources.items() if question in gone}
    kept = {
        entry: {lang: [p for p in phrases if p not in dropped] for lang, phrases in by.items()}
        for entry, by in learned.items()
    }
    return kept, {t: q for t, q in sources.items() if t not in dropped}


def with_learned(kb: KnowledgeBase, learned: Learned) -> KnowledgeBase:
    """``kb`` with the learned examples added to their entries' examples."""
    if not learned:
        return kb
    entries = dict(kb.entries)
    for entry_id, by_language in learned.items():
        entry = entries[entry_id]
        examples = dict(entry.examples)
        for lang, phrases in by_language.items():
            examples[lang] = tuple(dict.fromkeys((*examples.get(lang, ()), *phrases)))
        entries[entry_id] = replace(entry, examples=examples)
    return KnowledgeBase(entries, kb.items, kb.programmes, kb.markers)


def add_examples(learned: Learned, entry_id: str, phrases: Iterable[tuple[str, str]]) -> Learned:
    """A copy of ``learned`` with ``(language, text)`` phrases added to ``entry_id`` (texts
    already there are not repeated; over-long ones are left out)."""
    result = {e: {lang: list(p) for lang, p in by.items()} for e, by in learned.items()}
    for lang, text in phrases:
        text = example_text(text)
        if not text or len(text) > MAX_EXAMPLE or lang not in LANGUAGES:
            continue
        known = result.setdefault(entry_id, {}).setdefault(lang, [])
        if text not in known:
            known.append(text)
    return result


def example_text(text: str) -> str:
    """A phrasing as it is kept: white space collapsed."""
    return " ".join(text.split())


def count(learned: Learned) -> int:
    """How many learned examples there are."""
    return sum(len(p) for by in learned.values() for p in by.values())


def dump_learned(learned: Learned, sources: Sources | None = None) -> str:
    """The learned-examples file's text (with the question of each copied example that is
    still in the file)."""
    ordered = _ordered(learned)
    body: dict[str, Any] = {"examples": ordered}
    present = {p for by in ordered.values() for phrases in by.values() for p in phrases}
    links = {t: q for t, q in (sources or {}).items() if t in present}
    if links:
        body[SOURCES_KEY] = links
    return _HEADER + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)


def _ordered(learned: Learned) -> dict[str, dict[str, list[str]]]:
    return {
        entry_id: {lang: by[lang] for lang in LANGUAGES if by.get(lang)}
        for entry_id, by in learned.items()
        if any(by.values())
    }


def write_learned(path: Path, learned: Learned, sources: Sources | None = None) -> None:
    """Write the file atomically: a temporary file in the same directory, flushed to disk,
    then renamed over the old one (a crash leaves the old or the new file, never half)."""
    write_atomically(path, dump_learned(learned, sources))


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def review_yaml(learned: Learned, kb: KnowledgeBase) -> str:
    """The learned examples as YAML to review, each entry with the file it lives in."""
    if not learned:
        return "# no learned examples\n"
    lines = [f"# learned examples: {count(learned)}; merge with: python -m bot kb learned --merge"]
    for entry_id, by_language in _ordered(learned).items():
        lines.append(f"- id: {entry_id}  # knowledge/{kb.entries[entry_id].source}")
        lines.append("  examples:")
        for lang, phrases in by_language.items():
            lines.append(f"    {lang}:")
            lines += [f"      - {_scalar(p)}" for p in phrases]
    return "\n".join(lines) + "\n"


def _scalar(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(text, ensure_ascii=False)


# --------------------------------------------------------------------------- merging


def merge_into_knowledge(directory: Path, learned: Learned) -> dict[str, int]:
    """Add the learned examples to the entries' ``examples`` in ``directory``'s files, keeping
    every other line as it is; return how many were added per file. The knowledge base is
    validated afterwards; on any problem every file is restored and KnowledgeError raised."""
    kb = load_knowledge(directory)
    by_file: dict[str, dict[str, Mapping[str, list[str]]]] = {}
    for entry_id, by_language in learned.items():
        if entry_id not in kb.entries:
            raise KnowledgeError([f"{FILE_NAME}: entry '{entry_id}': unknown entry id"])
        known = kb.entries[entry_id].examples
        new = {
            lang: [p for p in phrases if p not in known.get(lang, ())]
            for lang, phrases in by_language.items()
        }
        if any(new.values()):
            by_file.setdefault(kb.entries[entry_id].source, {})[entry_id] = new
    originals = {name: (directory / name).read_text(encoding="utf-8") for name in by_file}
    added: dict[str, int] = {}
    try:
        for name, entries in by_file.items():
            text, added[name] = _insert_examples(originals[name], entries, name)
            write_atomically(directory / name, text)
        load_knowledge(directory)
    except BaseException:
        for name, text in originals.items():
            write_atomically(directory / name, text)
        raise
    return added


def _insert_examples(
    text: str, entries: Mapping[str, Mapping[str, list[str]]], source: str
) -> tuple[str, int]:
    """Insert phrases at the end of each entry's ``examples.<lang>`` list (flow ``[...]`` or
    block ``- ...``), found through the YAML node positions."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # character positions
    edits: list[tuple[int, str]] = []
    for entry_node in _mapping(root).get("entries", yaml.SequenceNode("", [])).value:
        entry = _mapping(entry_node)
        id_node = entry.get("id")
        entry_id = str(id_node.value) if isinstance(id_node, yaml.ScalarNode) else ""
        if entry_id not in entries:
            continue
        examples = _mapping(entry.get("examples"))
        for lang, phrases in entries[entry_id].items():
            node = examples.get(lang)
            if not isinstance(node, yaml.SequenceNode) or not node.value or not phrases:
                raise KnowledgeError([f"{source}: entry '{entry_id}': no examples.{lang} list"])
            column = node.value[0].start_mark.column
            if node.flow_style:
                end = node.end_mark.index - 1  # just before "]"
                while text[end - 1] in " \n":
                    end -= 1
                insert = "".join(f",\n{' ' * column}{_scalar(p)}" for p in phrases)
            else:
                end = node.value[-1].end_mark.index
                insert = "".join(f"\n{' ' * (column - 2)}- {_scalar(p)}" for p in phrases)
            edits.append((end, insert))
    for position, insert in sorted(edits, reverse=True):
        text = text[:position] + insert + text[position:]
    return text, sum(len(p) for e in entries.values() for p in e.values())


def _mapping(node: Any) -> dict[str, Any]:
    """A YAML mapping node's values by key (empty for anything else)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
