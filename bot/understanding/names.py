"""Names in a message: the items named word for word, the lists named by their own words, and
fields that are not among a list's items ("dermatology": ``matching.yaml`` ``not_listed``)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from bot.content.knowledge import KnowledgeBase, KnowledgeError
from bot.content.languages import LANGUAGES
from bot.understanding.matching_config import MatchingConfig, NotListed
from bot.understanding.text import chinese_runs, has_cjk, normalize


def item_names(kb: KnowledgeBase) -> dict[str, set[str]]:
    """Every normalised name and alias of an item, with the items it names."""
    named: dict[str, set[str]] = defaultdict(set)
    for item in kb.items.values():
        for lang in LANGUAGES:
            for text in (item.name[lang], *item.aliases.get(lang, ())):
                name = normalize(text)
                if name:
                    named[name].add(item.id)
    return dict(named)


CONJUNCTIONS = frozenset({"and", "et", "or", "ou", "&", "与", "和", "及", "或"})


def _bounded(text: str) -> str:
    """A regular expression for a normalised text, never inside a Latin word."""
    pattern = re.escape(text).replace(r"\ ", r"\s+")
    if text[:1].isascii() and text[:1].isalnum():
        pattern = r"(?<![a-z0-9])" + pattern
    if text[-1:].isascii() and text[-1:].isalnum():
        pattern += r"(?![a-z0-9])"
    return pattern


def _either(texts: Iterable[str], possessive: bool = False) -> str:
    """A regular expression for any of the texts, longest first (a Latin qualifier may take
    a possessive "s": "children s")."""
    parts = []
    for text in sorted(set(texts), key=lambda t: (-len(t), t)):
        pattern = _bounded(text)
        if possessive and text.isascii():
            pattern = f"{pattern}(?:\\s+s(?![a-z0-9]))?"
        parts.append(pattern)
    return "(?:" + "|".join(parts) + ")"


class Qualifiers:
    """Items named with a qualifier that makes them a longer item: "the ICU for kids",
    "小朋友的重症监护病房", "la réa des enfants" name Pediatric Intensive Care, not the adult
    Intensive Care Unit. Which item is which with which qualifier is read from the names and
    aliases: "pediatric ICU" is "pediatric" + "ICU", an alias of another item. The qualifier
    stands right before or after the name, or with a joiner between (的, de, for), and each
    group of ``same`` words (``matching.yaml`` ``qualified``) stands for all of its words."""

    def __init__(
        self, named: Mapping[str, set[str]], settings: Mapping[str, Any], stopwords: set[str]
    ) -> None:
        joiners = sorted(
            {normalize(str(j)) for words in (settings.get("joiners") or {}).values() for j in words}
            - {""},
            key=lambda j: (-len(j), j),
        )
        groups = [
            frozenset(normalize(str(w)) for w in group) - {""}
            for group in settings.get("same") or ()
        ]
        found: dict[tuple[str, str], set[str]] = defaultdict(set)
        bases: dict[str, set[str]] = defaultdict(set)
        for longer, longer_items in named.items():
            starts_or_ends = {longer[:cut].strip() for cut in range(1, len(longer))}
            starts_or_ends |= {longer[cut:].strip() for cut in range(1, len(longer))}
            for base in starts_or_ends & named.keys():
                base_items = named[base]
                if not self._is_base(base):
                    continue
                for qualifier in self._qualifiers(longer, base, joiners):
                    if not self._is_qualifier(qualifier, stopwords):
                        continue
                    for item in base_items - longer_items:
                        bases[item].add(base)
                        for wider in longer_items - base_items:
                            found[item, wider].add(qualifier)
        self._patterns: dict[str, list[tuple[re.Pattern[str], str]]] = defaultdict(list)
        joined = r"\s*(?:" + _either(joiners) + r"\s*)?" if joiners else r"\s*"
        for (item, wider), qualifiers in sorted(found.items()):
            words = set(qualifiers)
            for group in groups:
                if group & words:
                    words |= group
            qualifier, base = _either(words, possessive=True), _either(bases[item])
            pattern = re.compile(f"{qualifier}{joined}{base}|{base}{joined}{qualifier}")
            self._patterns[item].append((pattern, wider))

    @staticmethod
    def _is_base(name: str) -> bool:
        """Whether a name is long enough to be qualified (not 儿, not "u")."""
        return len(name) >= (3 if name.isascii() else 2)

    @staticmethod
    def _qualifiers(longer: str, base: str, joiners: list[str]) -> list[str]:
        """What stands before or after a name inside a longer one, without the joiners
        beside the name ("soins intensifs des enfants": "enfants")."""
        found = []
        for rest, before in ((longer[: -len(base)], True), (longer[len(base) :], False)):
            if not (longer.endswith(base) if before else longer.startswith(base)):
                continue
            edge, inner = (rest[-1:], base[:1]) if before else (rest[:1], base[-1:])
            if edge.isascii() and edge.isalnum() and inner.isascii() and inner.isalnum():
                continue  # inside a word: "pediatrics" is no "pediatric" + "s"
            rest = rest.strip()
            for joiner in joiners:
                if before and rest.endswith(joiner) and rest != joiner:
                    rest = rest[: -len(joiner)].strip()
                    break
                if not before and rest.startswith(joiner) and rest != joiner:
                    rest = rest[len(joiner) :].strip()
                    break
            found.append(rest)
        return found

    @staticmethod
    def _is_qualifier(text: str, stopwords: set[str]) -> bool:
        """A qualifier is one or two Latin words of three letters or more, or two to five
        Chinese characters, and joins no two things ("infection and")."""
        if not text or text in stopwords or any(c in text for c in "与和及或"):
            return False
        if text.isascii():
            words = text.split()
            return len(words) <= 2 and len(text) >= 3 and not CONJUNCTIONS & set(words)
        return 2 <= len(text) <= 5 and " " not in text

    def spans(self, normalized: str, items: set[str]) -> list[tuple[int, int, str]]:
        """Where a normalised text names one of ``items`` with a qualifier: start, end and
        the longer item it names."""
        spans = []
        for item in items:
            for pattern, wider in self._patterns.get(item, ()):
                spans += [(m.start(), m.end(), wider) for m in pattern.finditer(normalized)]
        return spans


class NameFinder:
    """Finds the knowledge base's names, and the not-listed ones, in normalised texts (the
    pieces of a text that could be a name are kept in a small cache: asked for several times
    per answer)."""

    def __init__(self, kb: KnowledgeBase, config: MatchingConfig) -> None:
        self._config = config
        self.named = item_names(kb)
        terms = []
        for group in config.not_listed:
            if group.list_id not in kb.entries:
                raise KnowledgeError([f"matching.yaml: not_listed: unknown list {group.list_id}"])
            for lang in LANGUAGES:
                for name in group.names[lang]:
                    term = normalize(name)
                    if term and term not in self.named:  # a listed item is never "not listed"
                        terms.append((group, term, lang))
        for list_id in config.list_words:
            if not kb.entries.get(list_id) or not kb.entries[list_id].item_ids:
                raise KnowledgeError([f"matching.yaml: list_words: {list_id} is no list"])
        # The first group naming a term wins.
        self._not_listed = {term: (group, lang) for group, term, lang in reversed(terms)}
        self._longest_name = max(
            (len(n.split()) for n in [*self.named, *self._not_listed]), default=1
        )
        # The programmes' Chinese names: a field's name across one's edge is no field
        # ("中法医学项目" is the Sino-French programme, not 法医学, forensic medicine).
        self._programme_words = tuple(
            word
            for programme in kb.programmes.programmes.values()
            for word in map(normalize, programme.names.get("zh", ()))
            if has_cjk(word)
        )
        self._pieces = lru_cache(maxsize=1024)(self._all_pieces)
        stopwords = {w for words in config.stopwords.values() for w in words}
        self._qualifiers = Qualifiers(self.named, config.qualified, stopwords)
        self._qualified = lru_cache(maxsize=1024)(self._find_qualified)

    def clear_cache(self) -> None:
        """Forget the pieces of the texts seen."""
        self._pieces.cache_clear()
        self._qualified.cache_clear()

    def _all_pieces(self, normalized: str) -> frozenset[str]:
        """Every run of up to ``_longest_name`` words of a normalised text, and every
        substring of its Chinese runs (what a name could be)."""
        words = normalized.split()
        found = {
            " ".join(words[i : i + n])
            for n in range(1, self._longest_name + 1)
            for i in range(len(words) - n + 1)
        }
        for run in chinese_runs(normalized):
            found.update(
                run[i:j] for i in range(len(run)) for j in range(i + 1, min(len(run), i + 12) + 1)
            )
        return frozenset(found)

    def not_listed(self, normalized: str) -> tuple[str, str, NotListed] | None:
        """A field named in a normalised text that is not among a list's items: the words
        that named it, their language and its group; None when the text names a listed item
        too (a listed name inside the field's, "cardiac" in "cardiac surgery", is the field's)."""
        pieces = self._pieces(normalized)
        found = [
            term
            for term in pieces
            if term in self._not_listed and not self._across_programme(normalized, term)
        ]
        if not found:
            return None
        term = max(found, key=len)  # "pediatric dermatology" before "dermatology"
        if any(not _inside(name, term) for name in pieces & self.named.keys()):
            return None
        group, lang = self._not_listed[term]
        return term, lang, group

    def _across_programme(self, normalized: str, term: str) -> bool:
        """Whether every place of a Chinese term in a text crosses the edge of a programme's
        name there (法医学 in 中法医学): the text's words are the programme's, not the term."""
        if not has_cjk(term):
            return False
        spans = [
            (found.start(), found.end())
            for word in self._programme_words
            for found in re.finditer(re.escape(word), normalized)
        ]

        def crosses(start: int, end: int) -> bool:
            return any(s < start < e < end or start < s < end < e for s, e in spans)

        places = [m.start() for m in re.finditer(re.escape(term), normalized)]
        return bool(places) and all(crosses(at, at + len(term)) for at in places)

    def _find_qualified(self, normalized: str) -> tuple[str, tuple[str, ...], frozenset[str]]:
        """A normalised text without its qualified names ("icu for kids"), those names, and
        the longer items they name (see :class:`Qualifiers`)."""
        spans = self._qualifiers.spans(normalized, self._items_named(normalized))
        if not spans:
            return normalized, (), frozenset()
        kept: list[tuple[int, int, str]] = []
        for start, end, wider in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
            if all(end <= s or start >= e for s, e, _ in kept):  # the longest first
                kept.append((start, end, wider))
        kept.sort()
        rest, last = [], 0
        for start, end, _ in kept:
            rest.append(normalized[last:start])
            last = end
        rest.append(normalized[last:])
        names = tuple(normalized[s:e] for s, e, _ in kept)
        return " ".join(" ".join(rest).split()), names, frozenset(w for *_, w in kept)

    def names_in(self, normalized: str) -> list[str]:
        """The item names and aliases a normalised text contains word for word, a name with
        its qualifier as one ("icu for kids")."""
        rest, qualified, _ = self._qualified(normalized)
        return sorted({*(self._pieces(rest) & self.named.keys()), *qualified})

    def items(self, normalized: str) -> set[str]:
        """The items whose name or alias a normalised text contains word for word; a name
        with a qualifier names the longer item ("the ICU for kids": Pediatric Intensive
        Care, not the Intensive Care Unit)."""
        rest, _, found = self._qualified(normalized)
        return self._items_named(rest) | found

    def _items_named(self, normalized: str) -> set[str]:
        """The items whose name or alias a normalised text contains, qualifiers ignored."""
        items: set[str] = set()
        for piece in self._pieces(normalized) & self.named.keys():
            items |= self.named[piece]
        return items

    def lists(self, normalized: str) -> list[str]:
        """The lists a normalised text names by their own words ("a PhD in …", "a lab on …"),
        outside the names of items ("Medical Laboratory" names no lab)."""
        normalized = f" {normalized} "
        for name in sorted(self._pieces(normalized) & self.named.keys(), key=len, reverse=True):
            normalized = normalized.replace(name if not name.isascii() else f" {name} ", " ")
        pieces = self._pieces(normalized)
        return [list_id for list_id, words in self._config.list_words.items() if pieces & words]


def _inside(name: str, term: str) -> bool:
    """Whether a name is part of a longer term, as whole words ("cardiac" in "cardiac
    surgery"; anywhere for Chinese)."""
    if has_cjk(name):
        return name in term
    return f" {name} " in f" {term} "
