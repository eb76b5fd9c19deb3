"""Loading and validating the knowledge base (``knowledge/*.yaml``) into typed objects.

A broken file fails at load with every problem listed, each naming its file and entry.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.content.languages import LANGUAGES
from bot.content.programmes import (
    BOTH,
    MARKERS_FILE,
    NONE,
    Programme,
    Programmes,
    check_programmes,
    read_markers,
    read_programmes,
)
from bot.content.programmes import FILE_NAME as PROGRAMMES_FILE

ACTIONS = frozenset({"signup", "coordinator"})
MAX_TITLE = 30
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NUMBER = re.compile(r"\d+")

Localized = Mapping[str, str]
# libyaml's safe loader when PyYAML has it: the same result, 10× faster start-up.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KnowledgeError(Exception):
    """The knowledge base (or a conversations file) is invalid; ``problems`` lists why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Membership:
    """One list a named item belongs to, with the sentence that describes it there."""

    entry_id: str
    text: Localized


@dataclass(frozen=True)
class Item:
    """A named discipline, laboratory or specialty, possibly listed in several entries."""

    id: str
    name: Localized
    aliases: Mapping[str, tuple[str, ...]]
    memberships: tuple[Membership, ...]
    article: Mapping[str, str] = field(default_factory=dict)  # fr: le, la, les or l'
    # Lay phrasings of what the item is ("the team that looks after elderly patients"), per
    # language: matching data only, never a name (no ``named`` bonus, never shown).
    descriptions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        """The name in ``lang``, followed by the official English name when it differs."""
        name, english = self.name[lang], self.name["en"]
        if name == english:
            return name
        return f"{name}（{english}）" if lang == "zh" else f"{name} ({english})"

    def in_sentence(self, lang: str) -> str:
        """The label as the object of a sentence: in French with its article ("les Soins
        intensifs pédiatriques (Pediatric Intensive Care)", "l'Oncologie (Oncology)")."""
        article = self.article.get(lang)
        if not article:
            return self.label(lang)
        return (
            f"{article}{self.label(lang)}"
            if article.endswith("'")
            else (f"{article} {self.label(lang)}")
        )


@dataclass(frozen=True)
class Entry:
    """One answerable topic: its answer, button title and matching data per language."""

    id: str
    source: str
    title: Localized
    answer: Localized
    examples: Mapping[str, tuple[str, ...]]
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The everyday words of the need the entry answers, said without its own words ("budget",
    # "afford" for the fees; "summer break" for the duration), per language: matching data
    # whose words count as characteristic of the entry (see :mod:`bot.understanding.lexical`).
    needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    related: tuple[str, ...] = ()
    action: str | None = None
    item_ids: tuple[str, ...] = ()
    published: bool = True  # False: the answer says honestly that the pages do not give it


@dataclass(frozen=True)
class KnowledgeBase:
    """All entries and named items, by id."""

    entries: Mapping[str, Entry]
    items: Mapping[str, Item]
    programmes: Programmes = field(default_factory=Programmes)
    # How messages are read in a conversation (``context.yaml``: sentence and follow-up
    # markers, checked by :func:`bot.content.programmes.read_markers`).
    markers: Mapping[str, Any] = field(default_factory=dict)

    def programme_of(self, topic_id: str) -> str:
        """The programme a topic's facts belong to (``programmes.yaml``): a programme id,
        ``both`` or ``none``; an item belongs to the programme of its first list."""
        programmes = self.programmes
        if topic_id in programmes.by_topic:
            return programmes.by_topic[topic_id]
        if topic_id in self.items:
            return self.programme_of(self.items[topic_id].memberships[0].entry_id)
        entry = self.entries.get(topic_id)
        return programmes.by_file.get(entry.source, NONE) if entry is not None else NONE

    def fact_for(self, programme: Programme, topic_id: str) -> str | None:
        """The topic that gives a topic's fact for a programme: the topic itself when it is the
        programme's, shared or nobody's, else its counterpart in that programme; None when the
        programme's page does not give it."""
        theirs = self.programme_of(topic_id)
        if theirs in (programme.id, BOTH, NONE) and topic_id not in programme.not_published:
            return topic_id
        return programme.counterparts.get(topic_id)

    def title(self, topic_id: str, lang: str) -> str:
        """The button label of an entry or item."""
        if topic_id in self.entries:
            return self.entries[topic_id].title[lang]
        return self.items[topic_id].name[lang]

    def render(self, entry_id: str, lang: str) -> str:
        """An entry's answer with its ``{items}`` list filled in."""
        entry = self.entries[entry_id]
        text = entry.answer[lang]
        if "{items}" in text:
            lines = (
                f"{n}. {html.escape(self.items[item_id].label(lang), quote=False)}"
                for n, item_id in enumerate(entry.item_ids, 1)
            )
            text = text.replace("{items}", "\n".join(lines))
        return text.strip()


def load_yaml(path: Path) -> Any:
    """Parse a YAML file, turning parse errors into a one-line KnowledgeError."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_LOADER)  # a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise KnowledgeError([f"{path.name}:{where} invalid YAML: {problem}"]) from None
    except UnicodeDecodeError as error:
        raise KnowledgeError(
            [f"{path}: not UTF-8 text (byte {error.start}): a binary or damaged file?"]
        ) from None
    except OSError as error:
        raise KnowledgeError([f"{path}: cannot read: {error.strerror}"]) from None


class _Reader:
    """Collects problems while reading raw YAML values of one entry."""

    def __init__(self, problems: list[str], where: str) -> None:
        self.problems, self.where = problems, where

    def fail(self, message: str) -> None:
        self.problems.append(f"{self.where}: {message}")

    def localized(self, raw: Any, name: str, *, required: bool = True) -> dict[str, str]:
        if raw is None and not required:
            return {}
        if not isinstance(raw, dict):
            self.fail(f"'{name}' must map each language ({', '.join(LANGUAGES)}) to a text")
            return {}
        result: dict[str, str] = {}
        for lang in LANGUAGES:
            value = raw.get(lang)
            if isinstance(value, str) and value.strip():
                result[lang] = value.strip()
            elif required or value is not None:
                self.fail(f"'{name}.{lang}' is missing or empty")
        for lang in raw.keys() - set(LANGUAGES):
            self.fail(f"'{name}' has unknown language '{lang}'")
        return result

    def phrases(self, raw: Any, name: str, *, required: bool) -> dict[str, tuple[str, ...]]:
        if raw is None and not required:
            return {}
        if not isinstance(raw, dict):
            self.fail(f"'{name}' must map each language to a list of phrases")
            return {}
        result: dict[str, tuple[str, ...]] = {}
        for lang in LANGUAGES:
            values = raw.get(lang)
            if values is None and not required:
                continue
            if not isinstance(values, list) or not values:
                self.fail(f"'{name}.{lang}' must be a non-empty list")
                continue
            if not all(isinstance(v, str | int | float) and str(v).strip() for v in values):
                self.fail(f"'{name}.{lang}' must hold non-empty texts only")
                continue
            result[lang] = tuple(str(v).strip() for v in values)
        for lang in raw.keys() - set(LANGUAGES):
            self.fail(f"'{name}' has unknown language '{lang}'")
        return result


def _read_item(
    raw: Any, entry_id: str, default_member: dict[str, str], reader: _Reader
) -> tuple[Item, dict[str, str]] | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        reader.fail("every item needs an 'id'")
        return None
    item_reader = _Reader(reader.problems, f"{reader.where} item '{raw['id']}'")
    if not _ID.match(raw["id"]):
        item_reader.fail("id must be kebab-case (a-z, 0-9, '-')")
    name = item_reader.localized(raw.get("name"), "name")
    aliases = item_reader.phrases(raw.get("aliases"), "aliases", required=False)
    member = item_reader.localized(raw.get("member"), "member", required=False) or default_member
    if not member:
        item_reader.fail("needs a 'member' text (on the item or its entry)")
    article = _read_article(raw.get("article"), item_reader)
    # Optional, but every language once given (a description missing in one language would
    # make the item easier to find in the others).
    descriptions = item_reader.phrases(
        raw.get("descriptions"), "descriptions", required="descriptions" in raw
    )
    unknown = raw.keys() - {"id", "name", "aliases", "member", "article", "descriptions"}
    if unknown:
        item_reader.fail(f"unknown field(s): {', '.join(sorted(unknown))}")
    membership = Membership(entry_id, member)
    return Item(raw["id"], name, aliases, (membership,), article, descriptions), name


ARTICLES = {"fr": ("le", "la", "les", "l'")}  # languages whose item names take an article


def _read_article(raw: Any, reader: _Reader) -> dict[str, str]:
    """``article: {fr: la}``: the article an item's name takes in a sentence, for every
    language of ARTICLES ("La CQMU propose la Pédiatrie")."""
    if not isinstance(raw, dict):
        raw = {}
    result: dict[str, str] = {}
    for lang, allowed in ARTICLES.items():
        value = raw.get(lang)
        if value not in allowed:
            reader.fail(f"'article.{lang}' must be one of {', '.join(allowed)}")
            continue
        result[lang] = str(value)
    for lang in raw.keys() - ARTICLES.keys():
        reader.fail(f"'article' has no language '{lang}' (only {', '.join(ARTICLES)})")
    return result


_ENTRY_FIELDS = {
    "id",
    "title",
    "answer",
    "examples",
    "keywords",
    "needs",
    "related",
    "action",
    "items",
    "member",
    "published",
}


def _read_entry(raw: Any, source: str, problems: list[str]) -> tuple[Entry, list[Item]] | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        problems.append(f"{source}: every entry needs an 'id'")
        return None
    reader = _Reader(problems, f"{source}: entry '{raw['id']}'")
    if not _ID.match(raw["id"]):
        reader.fail("id must be kebab-case (a-z, 0-9, '-')")
    unknown = raw.keys() - _ENTRY_FIELDS
    if unknown:
        reader.fail(f"unknown field(s): {', '.join(sorted(unknown))}")
    title = reader.localized(raw.get("title"), "title")
    for lang, text in title.items():
        if len(text) > MAX_TITLE:
            reader.fail(f"'title.{lang}' is longer than {MAX_TITLE} characters")
    answer = reader.localized(raw.get("answer"), "answer")
    examples = reader.phrases(raw.get("examples"), "examples", required=True)
    keywords = reader.phrases(raw.get("keywords"), "keywords", required=False)
    needs = reader.phrases(raw.get("needs"), "needs", required=False)
    related = raw.get("related") or []
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        reader.fail("'related' must be a list of ids")
        related = []
    action = raw.get("action")
    if action is not None and action not in ACTIONS:
        reader.fail(f"'action' must be one of {', '.join(sorted(ACTIONS))}")
    member = reader.localized(raw.get("member"), "member", required=False)
    published = raw.get("published", True)
    if not isinstance(published, bool):
        reader.fail("'published' must be true or false")
        published = True
    items: list[Item] = []
    raw_items = raw.get("items") or []
    if not isinstance(raw_items, list):
        reader.fail("'items' must be a list")
        raw_items = []
    for raw_item in raw_items:
        read = _read_item(raw_item, raw["id"], member, reader)
        if read is not None:
            item, name = read
            items.append(item)
            if "{items}" not in answer.get("en", "{items}"):
                for lang, text in name.items():
                    if lang in answer and html.escape(text, quote=False) not in answer[lang]:
                        reader.fail(f"answer.{lang} does not name item '{item.id}' ({text})")
    entry = Entry(
        id=raw["id"],
        source=source,
        title=title,
        answer=answer,
        examples=examples,
        keywords=keywords,
        needs=needs,
        related=tuple(related),
        action=action,
        item_ids=tuple(item.id for item in items),
        published=published,
    )
    return entry, items


def _merge_items(items: list[Item], problems: list[str]) -> dict[str, Item]:
    merged: dict[str, Item] = {}
    for item in items:
        known = merged.get(item.id)
        if known is None:
            merged[item.id] = item
            continue
        if dict(known.name) != dict(item.name):
            problems.append(
                f"item '{item.id}': its names differ between entries "
                f"'{known.memberships[0].entry_id}' and '{item.memberships[0].entry_id}'"
            )
        aliases = {
            lang: tuple(dict.fromkeys(known.aliases.get(lang, ()) + item.aliases.get(lang, ())))
            for lang in LANGUAGES
        }
        descriptions = {
            lang: texts
            for lang in LANGUAGES
            if (
                texts := tuple(
                    dict.fromkeys(
                        known.descriptions.get(lang, ()) + item.descriptions.get(lang, ())
                    )
                )
            )
        }
        if dict(known.article) != dict(item.article):
            problems.append(f"item '{item.id}': its articles differ between entries")
        merged[item.id] = Item(
            item.id,
            known.name,
            aliases,
            known.memberships + item.memberships,
            known.article,
            descriptions,
        )
    return merged


def _phrase_key(text: str) -> str:
    """A phrase compared with others: case, accents, punctuation and spacing ignored."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    kept = "".join(c if c.isalnum() else " " for c in folded if not unicodedata.combining(c))
    return " ".join(kept.split())


def _check_descriptions(items: Mapping[str, Item], problems: list[str]) -> None:
    """A description is not a name: none repeats a name or alias of any item, and none
    describes two items (it would match both equally)."""
    names = {
        _phrase_key(text): item.id
        for item in items.values()
        for lang in LANGUAGES
        for text in (item.name[lang], *item.aliases.get(lang, ()))
    }
    owners: dict[str, str] = {}
    for item in items.values():
        for lang, texts in item.descriptions.items():
            for text in texts:
                key = _phrase_key(text)
                if key in names:
                    problems.append(
                        f"item '{item.id}': descriptions.{lang} '{text}' is a name or alias "
                        f"(of '{names[key]}'): put it in aliases, or say it in lay words"
                    )
                elif owners.setdefault(key, item.id) != item.id:
                    problems.append(
                        f"item '{item.id}': descriptions.{lang} '{text}' also describes "
                        f"'{owners[key]}'"
                    )


def _check_needs(entries: Mapping[str, Entry], problems: list[str]) -> None:
    """A need is said in everyday words: none is one of the entry's own title or keywords
    (those are its words already), and none is the need of two entries (it would count as
    characteristic of both)."""
    owners: dict[tuple[str, str], str] = {}
    for entry in entries.values():
        for lang, texts in entry.needs.items():
            own = {_phrase_key(t) for t in (entry.title[lang], *entry.keywords.get(lang, ()))}
            for text in texts:
                key = _phrase_key(text)
                if key in own:
                    problems.append(
                        f"{entry.source}: entry '{entry.id}': needs.{lang} '{text}' is a "
                        "keyword or the title already: say the need in everyday words"
                    )
                elif owners.setdefault((lang, key), entry.id) != entry.id:
                    problems.append(
                        f"{entry.source}: entry '{entry.id}': needs.{lang} '{text}' is also "
                        f"a need of '{owners[lang, key]}'"
                    )


def _check_references(kb: KnowledgeBase, problems: list[str]) -> None:
    for entry in kb.entries.values():
        for related in entry.related:
            if related not in kb.entries and related not in kb.items:
                problems.append(f"{entry.source}: entry '{entry.id}': unknown related '{related}'")


# Placeholders an answer may hold: its list, and UI texts that depend on the deployment.
ANSWER_PLACEHOLDERS = frozenset({"items", "offer", "handover"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _check_placeholders(kb: KnowledgeBase, problems: list[str]) -> None:
    for entry in kb.entries.values():
        for lang, text in entry.answer.items():
            for name in sorted(set(_PLACEHOLDER.findall(text)) - ANSWER_PLACEHOLDERS):
                problems.append(
                    f"{entry.source}: entry '{entry.id}': answer.{lang}: unknown placeholder "
                    f"{{{name}}} (known: {', '.join(sorted(ANSWER_PLACEHOLDERS))})"
                )


def _check_numbers(kb: KnowledgeBase, problems: list[str]) -> None:
    """The numbers and years of an answer must be the same in every language."""
    for entry in kb.entries.values():
        if set(entry.answer) != set(LANGUAGES):
            continue
        found = {lang: numbers_in(kb.render(entry.id, lang)) for lang in LANGUAGES}
        for lang in ("zh", "fr"):
            if found[lang] != found["en"]:
                only_en = sorted(found["en"] - found[lang])
                only_other = sorted(found[lang] - found["en"])
                problems.append(
                    f"{entry.source}: entry '{entry.id}': numbers differ between answer.en and "
                    f"answer.{lang} (only in en: {only_en or '-'}; only in {lang}: "
                    f"{only_other or '-'})"
                )


def numbers_in(text: str) -> set[str]:
    """The numbers (runs of digits) of a text, as the languages of an answer must share them."""
    return set(_NUMBER.findall(text))


def _optional_yaml(path: Path, problems: list[str]) -> Any:
    """A data file's content, None when it is absent (its parse errors are problems)."""
    if not path.exists():
        return None
    try:
        return load_yaml(path)
    except KnowledgeError as error:
        problems.extend(error.problems)
        return None


def number_problems(kb: KnowledgeBase) -> list[str]:
    """What :func:`load_knowledge` says of numbers differing between languages."""
    problems: list[str] = []
    _check_numbers(kb, problems)
    return problems


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load and validate every entry file of ``directory`` (all but ``matching.yaml``)."""
    problems: list[str] = []
    entries: dict[str, Entry] = {}
    all_items: list[Item] = []
    other = {"matching.yaml", MARKERS_FILE, PROGRAMMES_FILE}
    files = sorted(p for p in directory.glob("*.yaml") if p.name not in other)
    if not files:
        raise KnowledgeError([f"{directory}: no knowledge files (*.yaml)"])
    for path in files:
        try:
            data = load_yaml(path)
        except KnowledgeError as error:
            problems.extend(error.problems)
            continue
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            problems.append(f"{path.name}: must be a mapping with a list under 'entries'")
            continue
        for raw in data["entries"]:
            read = _read_entry(raw, path.name, problems)
            if read is None:
                continue
            entry, items = read
            if entry.id in entries:
                problems.append(
                    f"{path.name}: entry '{entry.id}': duplicate id "
                    f"(also in {entries[entry.id].source})"
                )
                continue
            entries[entry.id] = entry
            all_items.extend(items)
    merged = _merge_items(all_items, problems)
    _check_descriptions(merged, problems)
    _check_needs(entries, problems)
    for item_id in merged.keys() & entries.keys():
        problems.append(f"item '{item_id}': id is also an entry id ({entries[item_id].source})")
    raw = _optional_yaml(directory / PROGRAMMES_FILE, problems)
    programmes = read_programmes(raw, PROGRAMMES_FILE, problems)
    check_programmes(programmes, {e.id: e.source for e in entries.values()}, problems)
    markers = read_markers(
        _optional_yaml(directory / MARKERS_FILE, problems), problems, entries.keys()
    )
    kb = KnowledgeBase(entries, merged, programmes, markers)
    _check_references(kb, problems)
    _check_numbers(kb, problems)
    _check_placeholders(kb, problems)
    if problems:
        raise KnowledgeError(problems)
    return kb
