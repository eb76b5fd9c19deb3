"""Which programme a fact belongs to: ``knowledge/programmes.yaml``.

The knowledge base answers about two programmes, each with its own source page. Every entry
belongs to one of them, to ``both`` or to ``none`` (the bot's own entries); each programme
lists the topics its page does not give (``not_published``), which get the honest "not
published for this programme" reply when that programme is in focus, and the topics that
stand for one of its own entries (``counterparts``: "who can take part" is
``csc-participants`` for the CSC programme). Data, checked at start and by ``kb check``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from bot.content.languages import LANGUAGES

FILE_NAME = "programmes.yaml"
MARKERS_FILE = "context.yaml"
MARKER_KINDS = {
    "sentences": (
        "request",
        "ask",
        "greeting",
        "thanks",
        "intro",
        "level",
        "lead",
        "reason",
        "purpose",
        "announce",
        "about",
        "conjunction",
        "clause",
        "topic",
        "wish",
        "want",
        "learn",
        "addition",
        "subject",
        "role",
        "own_field",
    ),
    "followups": (
        "ellipsis",
        "pronoun",
        "programme",
        "other",
        "which_one",
        "need",
        "same",
        "who",
        "doing",
        "counting",
        "owns",
        "no_pronoun",
        "first",
        "second",
        "ordinal_first",
        "ordinal_second",
        "ordinal_third",
        "ordinal_last",
        "linking",
        "dismiss",
        "acknowledge",
        "acknowledge_alone",
        "relative",
        "asker",
        "person",
        "besides",
        "others",
        "demonstrative",
    ),
}
BOTH, NONE = "both", "none"
# The word lists of ``overview_requests:`` (see :mod:`bot.understanding.overviews`).
OVERVIEW_REQUEST_KINDS = ("asking", "both", "programme", "filler", "ways")

Localized = Mapping[str, str]


@dataclass(frozen=True)
class Programme:
    """One programme: its name, the words that name it, what its page does not give."""

    id: str
    name: Localized
    overview: str
    names: Mapping[str, tuple[str, ...]]
    summary: Localized
    not_published: frozenset[str]
    counterparts: Mapping[str, str] = field(default_factory=dict)
    participants: str | None = None  # who takes part: "qui peut y participer ?" is no sign-up
    eligibility: str | None = None  # who may apply in general, criteria ("do I need IELTS?")
    # whether someone like the asker may take part ("can I join? I'm a resident"): its entry
    # (the participants' when not given)
    profile: str | None = None
    # Words that describe the programme ("French"): they name it only beside a programme word
    # or a pronoun ("the French one", "法国那个"), never alone ("is French hard to learn?").
    described_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Programmes:
    """Every programme and the programme of every topic (``both``/``none`` for the others)."""

    programmes: Mapping[str, Programme] = field(default_factory=dict)
    by_file: Mapping[str, str] = field(default_factory=dict)
    by_topic: Mapping[str, str] = field(default_factory=dict)
    # how a request for a programme's overview is said: kind (asking, both, programme, filler):
    # language: words (``overview_requests:``; empty when the file has none)
    overview_requests: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.programmes)

    def by_overview(self) -> dict[str, Programme]:
        """Each programme by its overview topic."""
        return {p.overview: p for p in self.programmes.values()}

    def own_topics(self) -> frozenset[str]:
        """The programmes' own topics: what each programme is and who takes part in it."""
        return frozenset(
            t for p in self.programmes.values() for t in (p.overview, p.participants) if t
        )

    def other(self, programme: str) -> str | None:
        """The other programme (there are two), or None."""
        others = [p for p in self.programmes if p != programme]
        return others[0] if len(others) == 1 and programme in self.programmes else None


def read_programmes(raw: Any, source: str, problems: list[str]) -> Programmes:
    """Parse the file's data (an empty file: no programmes), collecting problems."""
    if raw is None:
        return Programmes()
    if not isinstance(raw, dict) or not isinstance(raw.get("programmes"), dict):
        problems.append(f"{source}: must be a mapping with 'programmes:' and 'entries:'")
        return Programmes()
    programmes: dict[str, Programme] = {}
    for pid, data in raw["programmes"].items():
        where = f"{source}: programme '{pid}'"
        if not isinstance(data, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        localized = {}
        for key in ("name", "summary", "names"):
            value = data.get(key)
            if not isinstance(value, dict) or set(value) != set(LANGUAGES):
                problems.append(f"{where}: '{key}' needs en, zh and fr")
                value = {lang: ([] if key == "names" else "") for lang in LANGUAGES}
            localized[key] = value
        names = {
            lang: tuple(str(n).lower() for n in localized["names"][lang]) for lang in LANGUAGES
        }
        counterparts = data.get("counterparts") or {}
        described = data.get("described_by") or {lang: [] for lang in LANGUAGES}
        if not isinstance(described, dict) or set(described) != set(LANGUAGES):
            problems.append(f"{where}: 'described_by' needs en, zh and fr")
            described = {lang: [] for lang in LANGUAGES}
        programmes[str(pid)] = Programme(
            id=str(pid),
            name={lang: str(v) for lang, v in localized["name"].items()},
            overview=str(data.get("overview", "")),
            names=names,
            summary={lang: str(v) for lang, v in localized["summary"].items()},
            not_published=frozenset(str(t) for t in data.get("not_published") or ()),
            counterparts={str(k): str(v) for k, v in counterparts.items()},
            participants=str(data["participants"]) if data.get("participants") else None,
            eligibility=str(data["eligibility"]) if data.get("eligibility") else None,
            profile=str(data["profile"]) if data.get("profile") else None,
            described_by={
                lang: tuple(str(w).lower() for w in described[lang] or ()) for lang in LANGUAGES
            },
        )
    by_file = {str(k): str(v) for k, v in (raw.get("entries") or {}).items()}
    by_topic = {str(k): str(v) for k, v in (raw.get("topics") or {}).items()}
    allowed = {*programmes, BOTH, NONE}
    for name, value in (*by_file.items(), *by_topic.items()):
        if value not in allowed:
            problems.append(f"{source}: '{name}': programme must be one of {sorted(allowed)}")
    requests = _overview_requests(raw.get("overview_requests"), source, problems)
    return Programmes(programmes, by_file, by_topic, requests)


def word_lists(words: Any) -> TypeGuard[dict[str, list[str]]]:
    """Whether a value of the knowledge files is a list of words (strings) for each of en, zh
    and fr."""
    return isinstance(words, dict) and all(
        isinstance(words.get(lang), list) and all(isinstance(w, str) for w in words[lang])
        for lang in LANGUAGES
    )


def _overview_requests(
    raw: Any, source: str, problems: list[str]
) -> dict[str, dict[str, tuple[str, ...]]]:
    """The words of a request for an overview (``overview_requests:``, optional): a list of
    strings per kind and language."""
    if raw is None:
        return {}
    requests: dict[str, dict[str, tuple[str, ...]]] = {}
    for kind in OVERVIEW_REQUEST_KINDS:
        words = raw.get(kind) if isinstance(raw, dict) else None
        if not word_lists(words):
            problems.append(
                f"{source}: overview_requests.{kind}: needs a list of words (quoted strings) "
                "for en, zh and fr"
            )
            return {}
        requests[kind] = {lang: tuple(words[lang]) for lang in LANGUAGES}
    return requests


def check_programmes(
    programmes: Programmes,
    topics: Mapping[str, str],
    problems: list[str],
) -> None:
    """Every topic id the file names exists; every entry file has a programme.

    ``topics`` maps every entry id to its file name (items are checked through their lists)."""
    if not programmes:
        return
    known = set(topics)
    for topic in programmes.by_topic:
        if topic not in known:
            problems.append(f"{FILE_NAME}: topics: unknown id '{topic}'")
    for source in sorted(set(topics.values()) - programmes.by_file.keys()):
        problems.append(f"{FILE_NAME}: entries: file '{source}' has no programme")
    for programme in programmes.programmes.values():
        where = f"{FILE_NAME}: programme '{programme.id}'"
        if programme.overview not in known:
            problems.append(f"{where}: unknown overview '{programme.overview}'")
        for key in ("participants", "eligibility", "profile"):
            topic = getattr(programme, key)
            if topic is not None and topic not in known:
                problems.append(f"{where}: unknown {key} '{topic}'")
        for topic in sorted(programme.not_published - known):
            problems.append(f"{where}: not_published: unknown id '{topic}'")
        for a, b in programme.counterparts.items():
            for topic in (a, b):
                if topic not in known:
                    problems.append(f"{where}: counterparts: unknown id '{topic}'")


def read_markers(
    raw: Any, problems: list[str], topics: Collection[str] | None = None
) -> dict[str, Any]:
    """The sentence and follow-up markers of ``context.yaml`` (None: the file is absent):
    every kind needs a list of strings per language; the topics it names (``followups``
    ``doing_topic``, ``counting_topic``) must be among ``topics`` when they are given."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{MARKERS_FILE}: must be a mapping")
        return {}
    for section, kinds in MARKER_KINDS.items():
        data = raw.get(section)
        for kind in kinds:
            words = data.get(kind) if isinstance(data, dict) else None
            if not word_lists(words):
                problems.append(
                    f"{MARKERS_FILE}: {section}.{kind}: needs a list of words (quoted strings) "
                    "for en, zh and fr"
                )
    followups = raw.get("followups")
    groups = followups.get("kinds") if isinstance(followups, dict) else None
    if groups is not None:
        for at, group in enumerate(groups if isinstance(groups, list) else [None]):
            ids = group.get("topics") if isinstance(group, dict) else None
            if not isinstance(ids, list) or not ids:
                ids = [None]
            if topics is not None and any(t not in topics for t in ids):
                problems.append(f"{MARKERS_FILE}: followups.kinds[{at}].topics: known entry ids")
            if not isinstance(group, dict) or not word_lists(group):
                problems.append(
                    f"{MARKERS_FILE}: followups.kinds[{at}]: needs a list of words (quoted "
                    "strings) for en, zh and fr"
                )
    for key in ("doing_topic", "counting_topic"):
        topic = followups.get(key) if isinstance(followups, dict) else None
        if not isinstance(topic, str) or (topics is not None and topic not in topics):
            problems.append(f"{MARKERS_FILE}: followups.{key}: needs a known entry id")
    return raw
