"""Other institutions: a message asking about a university, college or hospital that is neither
CQMU nor a partner the pages name, as the owner or subject of what it asks ("Peking
University's exchange", "l'Université de Montréal a un échange ?", "重庆大学也有…", an unknown
short form as an owner: "UM 的护理 master", "s'inscrire à l'UCAD"), is off topic whatever
programme words it quotes; one named as the student's home ("I study at Peking University, is
housing free?") changes nothing. A partner asked about for its own courses, faculties, degrees
or standing, with no word of the exchange ("University of Strasbourg has a law faculty?", "is
Dartmouth good for an MBA"), is off topic too. The patterns are data: ``matching.yaml``
``institutions:``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from bot.content.knowledge import KnowledgeError
from bot.content.languages import LANGUAGES
from bot.understanding.text import normalize

SENTENCE_END = re.compile(r"[.!?;。！？；\n()（）]+")
SECTION = "matching.yaml: institutions"
KINDS = (
    "names",
    "home",
    "home_after",
    "owner_before",
    "owner_after",
    "enrol_before",
    "short_before",
    "short_after",
    "partner_own",
    "programme",
)
# A short form as written (UM, UCAD, USP): two to six capitals, no letter on either side.
SHORT_FORM = re.compile(r"(?<![A-Za-z])[A-Z]{2,6}(?![A-Za-z])")


@dataclass(frozen=True, eq=False)
class Institutions:
    """The institution patterns of ``matching.yaml`` ``institutions:`` (every language's patterns
    apply to every clause: a message mixes languages, "Dartmouth 的 MPH 要怎么 apply")."""

    patterns: Mapping[str, tuple[re.Pattern[str], ...]]  # kind: patterns of all languages
    known: tuple[str, ...]  # normalised names of CQMU, the partners and the knowledge base's items
    partners: tuple[str, ...]  # normalised names of CQMU, its hospitals and the partners
    items: tuple[str, ...]  # the knowledge base's normalised item names and aliases
    item_words: tuple[frozenset[str], ...]  # the words of each item name (Latin names)
    not_names: frozenset[str]
    stopwords: frozenset[str]
    joiners: frozenset[str]  # stop words inside a name: of, de, l…
    fold: Callable[[str], str] = normalize  # a sentence as the patterns read it
    words: frozenset[str] = frozenset()  # the knowledge base's words: a short form of them is ours
    partner_names: tuple[str, ...] = ()  # normalised names of the partners (not CQMU)

    @classmethod
    def read(
        cls,
        data: Mapping[str, Any],
        item_names: Iterable[str],
        stopwords: Iterable[str],
        fold: Callable[[str], str] = normalize,
        words: Iterable[str] = (),
    ) -> Institutions:
        """The section as read from ``matching.yaml``, with the knowledge base's item names;
        raises :class:`KnowledgeError` on a missing part or a bad pattern."""
        patterns = compiled_patterns(data, KINDS, SECTION)
        known_data = data.get("known")
        not_names_data = data.get("not_names")
        if not isinstance(known_data, list) or not known_data:
            raise KnowledgeError([f"{SECTION}: known needs CQMU and the partners"])
        if not isinstance(not_names_data, Mapping) or set(not_names_data) != set(LANGUAGES):
            raise KnowledgeError([f"{SECTION}: not_names needs en, zh and fr"])
        partner_data = data.get("partner_names")
        if not isinstance(partner_data, list) or not partner_data:
            raise KnowledgeError([f"{SECTION}: partner_names needs the partners' names"])
        items = {normalize(name) for name in item_names} - {""}
        stops = frozenset(stopwords)
        return cls(
            patterns=patterns,
            known=tuple(sorted({normalize(str(n)) for n in known_data} | items)),
            partners=tuple(sorted({normalize(str(n)) for n in known_data})),
            items=tuple(sorted(items)),
            item_words=tuple(frozenset(n.split()) for n in items if n.isascii()),
            not_names=frozenset(
                normalize(str(w)) for lang in LANGUAGES for w in not_names_data[lang] or ()
            )
            | stops,
            stopwords=stops,
            joiners=frozenset(normalize(str(w)) for w in data.get("joiners") or ()),
            fold=fold,
            words=frozenset(normalize(str(w)) for w in words) | stops,
            partner_names=tuple(sorted({normalize(str(n)) for n in partner_data})),
        )

    def __post_init__(self) -> None:
        # a bounded cache of its own (asked once per answer, again by the context's reading)
        object.__setattr__(self, "elsewhere", lru_cache(maxsize=1024)(self._elsewhere))

    def elsewhere(self, question: str) -> bool:
        """Whether the message asks about another institution (as owner or subject)."""
        return self._elsewhere(question)

    def _elsewhere(self, question: str) -> bool:
        partner_own = False
        for raw in SENTENCE_END.split(question):
            clause = self.fold(raw)
            if not clause:
                continue
            if any(self._owned(clause, m) for m in self._mentions(clause)):
                return True
            if any(self._short_owned(clause, m) for m in self._short_forms(raw, clause)):
                return True
            partner_own = partner_own or self._partner_own(clause)
        folded = self.fold(question)
        return partner_own and not any(p.search(folded) for p in self.patterns["programme"])

    def names_partner(self, question: str) -> bool:
        """Whether a message names a partner institution (Strasbourg, Dartmouth), not CQMU."""
        folded = self.fold(question)
        return any(_within(name, folded) for name in self.partner_names)

    def _partner_own(self, clause: str) -> bool:
        """Whether a clause names a partner and asks about its own courses, faculties, degrees
        or standing (``partner_own``); the caller checks that no word of the exchange is said."""
        return any(_within(name, clause) for name in self.partner_names) and any(
            p.search(clause) for p in self.patterns["partner_own"]
        )

    def _short_forms(self, raw: str, clause: str) -> list[tuple[int, int]]:
        """The spans, in the normalised clause, of short forms written in capitals (UM, UCAD)
        that are no word of the knowledge base, no stop word and no partner's name."""
        spans = []
        for found in SHORT_FORM.finditer(raw):
            word = found.group().casefold()
            if word in self.words or any(_within(word, k) for k in self.known):
                continue
            for inside in re.finditer(rf"(?<![a-z0-9]){word}(?![a-z0-9])", clause):
                spans.append(inside.span())
        return spans

    def _short_owned(self, clause: str, span: tuple[int, int]) -> bool:
        """Whether a short form is the owner of what its clause asks: after a locative ("à l'
        UCAD", "at UM") or before a possessive ("UM 的", "UM's"), and not the student's home."""
        start, end = span
        before, after = clause[:start], clause[end:]
        if any(p.search(before) for p in self.patterns["enrol_before"]):
            return True
        if any(p.search(clause[:end]) for p in self.patterns["home"]):
            return False
        if any(p.search(after) for p in self.patterns["home_after"]):
            return False
        return any(p.search(before) for p in self.patterns["short_before"]) or any(
            p.search(after) for p in self.patterns["short_after"]
        )

    def _mentions(self, clause: str) -> list[tuple[int, int]]:
        """The spans of the institutions a clause names that are not ours."""
        spans = []
        for pattern in self.patterns["names"]:
            for found in pattern.finditer(clause):
                span = self._extended(clause, found.start(), found.end())
                if span is None or self._ours(clause[span[0] : span[1]]):
                    continue
                if not any(k in clause[max(span[0] - 24, 0) : span[1]] for k in self.partners):
                    spans.append(span)  # "the first affiliated | hospital of chongqing"
        return spans

    def _extended(self, clause: str, start: int, end: int) -> tuple[int, int] | None:
        """The whole name around an institution's word, or None when it has no name ("my
        university", "法国医院", "l'université a …"). A name found alone ("McGill", "港大") is
        kept as it is; an institution's word takes the name words right before it ("Peking |
        University", "重庆|大学") and, behind a joiner, after it ("University | of Montreal")."""
        found = clause[start:end]
        if found.isascii():
            if found not in self.not_names:
                return start, end
            return self._latin(clause, start, end)
        if not any(found.endswith(w) for w in self._zh_not_names):
            return start, end
        first = start
        while first > 0 and start - first < 8 and clause[first - 1].strip():
            if any(clause[:first].endswith(w) for w in self._zh_not_names):
                break
            first -= 1
        return (first, end) if start - first > 1 else None

    def _latin(self, clause: str, start: int, end: int) -> tuple[int, int] | None:
        """The name around a Latin institution's word (see :meth:`_extended`)."""
        before = clause[:start].split()
        name_before = 0
        while name_before < len(before) and self._name_word(before[-1 - name_before]):
            name_before += 1
        after = clause[end:].split()
        name_after = 0
        if after and after[0] in self.joiners:
            while name_after < len(after) and not self._breaks(after[name_after]):
                name_after += 1
            while name_after and after[name_after - 1] in self.joiners:
                name_after -= 1
            if not any(self._name_word(w) for w in after[:name_after]):
                name_after = 0
        if not name_before and not name_after:
            return None
        first = start - len(" ".join(before[len(before) - name_before :])) - bool(name_before)
        last = end + len(" ".join(after[:name_after])) + bool(name_after)
        return max(first, 0), last

    def _name_word(self, word: str) -> bool:
        """Whether a Latin word can be part of a name (no stop word, no "my", "partner")."""
        return word.isascii() and word not in self.not_names and word not in self.stopwords

    def _breaks(self, word: str) -> bool:
        """Whether a word ends a name after its institution's word: a stop word that does not
        join a name's words (of, de, l…: "university of the west of england")."""
        return word in self.stopwords and word not in self.joiners

    @cached_property
    def _zh_not_names(self) -> tuple[str, ...]:
        """The Chinese non-name words and characters, longest first."""
        return tuple(sorted((w for w in self.not_names if not w.isascii()), key=len, reverse=True))

    def _ours(self, name: str) -> bool:
        """Whether a name is CQMU's, a partner's or one of the knowledge base's items."""
        if any(
            _within(known, name) or (len(name) > 3 and _within(name, known)) for known in self.known
        ):
            return True
        if not name.isascii():  # a Chinese name's own part within an item's (儿童医院: 儿童…)
            core = name
            for word in self._zh_not_names:
                core = core.replace(word, "")
            return any(core in item for item in self.items) if core else True
        words = {w for w in name.split() if w not in self.not_names}
        return bool(words) and any(words <= item for item in self.item_words)

    def _owned(self, clause: str, span: tuple[int, int]) -> bool:
        """Whether a name is the owner or subject of what its clause asks, not the home."""
        start, end = span
        before, after = clause[:start], clause[end:]
        if any(p.search(before) for p in self.patterns["enrol_before"]):
            return True  # "how do I enrol at X", "m'inscrire à X": never the home
        if any(p.search(clause[:end]) for p in self.patterns["home"]):
            return False
        if any(p.search(after) for p in self.patterns["home_after"]):
            return False
        if not before.strip() or all(w in self.not_names for w in before.split()):
            return True  # the subject of its clause
        return any(p.search(before) for p in self.patterns["owner_before"]) or any(
            p.search(after) for p in self.patterns["owner_after"]
        )


_WORD_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _within(inner: str, outer: str) -> bool:
    """Whether ``inner`` is in ``outer``: as whole words for Latin text ("rea" is not in
    "universite de montreal"), anywhere for Chinese. String searches, not a regular expression
    per pair: the pairs are too many for ``re``'s cache (a third of a question's time went on
    compiling them)."""
    if not inner.isascii():
        return inner in outer
    start = outer.find(inner)
    while start != -1:
        end = start + len(inner)
        if (start == 0 or outer[start - 1] not in _WORD_CHARACTERS) and (
            end == len(outer) or outer[end] not in _WORD_CHARACTERS
        ):
            return True
        start = outer.find(inner, start + 1)
    return False


def compiled_patterns(
    data: Mapping[str, Any], kinds: Iterable[str], section: str
) -> dict[str, tuple[re.Pattern[str], ...]]:
    """Each kind's regular expressions of a ``matching.yaml`` section, every language's
    together (messages mix languages); raises :class:`KnowledgeError` when a kind lacks a
    language or a pattern does not compile."""
    patterns: dict[str, tuple[re.Pattern[str], ...]] = {}
    for kind in kinds:
        per_language = data.get(kind)
        if not isinstance(per_language, Mapping) or set(per_language) != set(LANGUAGES):
            raise KnowledgeError([f"{section}: {kind} needs en, zh and fr"])
        compiled = []
        for lang in LANGUAGES:
            for pattern in per_language[lang] or ():
                try:
                    compiled.append(re.compile(str(pattern)))
                except re.error as error:
                    raise KnowledgeError([f"{section}: {kind} {lang}: {error}"]) from error
        patterns[kind] = tuple(compiled)
    return patterns
