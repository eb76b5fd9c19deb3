"""The options a message names to choose between or to compare ("A or B?", "A vs B", "A 和 B，
哪个…", "lequel des deux"): two or three items, or both programmes, in the order named.

A message names an option by an item's name or alias (``knowledge/*.yaml``) or a programme's
name (``knowledge/programmes.yaml``), word for word in its normalised, corrected text; the
longest names win where two overlap ("applied statistics" before "statistics"). It asks about
them together when it has a choice or comparison word anywhere (``matching.yaml``
``comparisons.asks``, and ``choice_words``), or when only a word of ``comparisons.between``
("or", "ou", "还是"), stop words and generic words ("lab") stand between each two names.

When no two names are found, the message may still offer a choice in other words: options
named by a description or a short form ("the lab on infections or the lipid one", "la neuro
pis la pedia"), or topics rather than items ("is housing or the fee the bigger cost?").
:meth:`OptionFinder.phrases` then gives the texts of the options, cut at a word of
``comparisons.between`` ("or", "ou", "还是") or, when the message asks to choose or compare,
of ``comparisons.and`` ("and", "et", "和", "跟"); the options of a list before it count too
("A, B or C", "A、B和C"). The assistant reads each phrase as a question of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from itertools import pairwise

from bot.content.knowledge import KnowledgeBase
from bot.content.languages import LANGUAGES
from bot.understanding.matching_config import MatchingConfig
from bot.understanding.text import has_cjk, normalize, searched_form, stem

MAX_OPTIONS = 3  # more names than this make a list, not a choice
MAX_LISTED = 4  # words of an option listed before "A or B" ("pediatrics, neonatology or …")
MAX_SPLITS = 2  # joining words tried in a clause (a CJK one may be part of a word: 同学)
MIN_CLIPPED = 4  # letters of a clipped name ("neuro", "pedia", "cardio")
CLAUSES = re.compile(r"[?？!！。;；:：…\n]+|(?<![0-9])\.(?![0-9])|\s[-–—]+\s")
LISTED = re.compile(r"[,，、/]")  # between the options of a list (and between clauses)

Option = frozenset[str]  # the topics one name stands for (an ambiguous name: several)


def _found(marker: str, padded: str) -> bool:
    """Whether a normalised marker is in a padded normalised text (Latin: as whole words)."""
    return searched_form(marker) in padded


_Name = tuple[str, int, int, Option]  # text searched, spaces before the name, length, topics


def _searched(names: Mapping[str, Option]) -> list[_Name]:
    """Names as searched in a padded text (Latin ones between spaces), longest first."""
    found = [
        (name, 0, len(name), topics) if has_cjk(name) else (f" {name} ", 1, len(name), topics)
        for name, topics in names.items()
    ]
    return sorted(found, key=lambda n: -n[2])


def _first_keys(names: list[_Name]) -> dict[str, list[int]]:
    """The positions of searched names by what a text must hold for each to occur: a Latin
    name's first word, a CJK one's first character ("" : names always searched)."""
    index: dict[str, list[int]] = {}
    for position, (target, skip, _, _) in enumerate(names):
        words = target.split()
        key = (words[0] if words else "") if skip else target[:1]
        index.setdefault(key, []).append(position)
    return index


class OptionFinder:
    """Finds the options a normalised message names and asks about together.

    ``named`` maps each normalised item name or alias to the items it names."""

    def __init__(
        self, kb: KnowledgeBase, config: MatchingConfig, named: Mapping[str, Iterable[str]]
    ) -> None:
        items = {name: frozenset(ids) for name, ids in named.items() if name}
        programmes: dict[str, frozenset[str]] = {}
        for programme in kb.programmes.programmes.values():
            for lang in LANGUAGES:
                for name in (*programme.names[lang], programme.name[lang]):
                    if normalize(name):
                        programmes[normalize(name)] = frozenset({programme.overview})
        # longest first: a longer name found hides the shorter ones inside it
        self._items = _searched(items)
        self._programmes = _searched(programmes)
        # what describes a programme ("french", "来重医"): no fact asked of it either
        described = {
            normalize(word): frozenset({programme.overview})
            for programme in kb.programmes.programmes.values()
            for lang in LANGUAGES
            for word in programme.described_by.get(lang, ())
        }
        self._described = _searched({w: ids for w, ids in described.items() if w})
        # two words a joining word ties inside one side ("paid or free", "min and max")
        self._pairs = tuple(
            normalize(pair) for lang in LANGUAGES for pair in config.joined_pairs.get(lang, ())
        )
        # the "one" beside a describing word ("the French one", "法国那个", "celui en France")
        which_one = (kb.markers.get("followups") or {}).get("which_one") or {}
        self._pointers = frozenset(normalize(w) for ws in which_one.values() for w in ws or ())
        # only the names whose first word (or character) a text holds are searched in it
        self._keys = {id(self._items): _first_keys(self._items)}
        self._keys[id(self._programmes)] = _first_keys(self._programmes)
        asks = [*config.comparisons.get("asks", {}).items(), *config.choice_words.items()]
        # longest first, as names are taken out: "which one" before "which" (a set's order
        # would change with the hash seed, and the reply with it)
        found = {normalize(w) for _, words in asks for w in words} - {""}
        self._asks = tuple(sorted(found, key=lambda w: (-len(w), w)))
        between = config.comparisons.get("between", {})
        self._between = frozenset(normalize(w) for words in between.values() for w in words)
        self._fillers = frozenset(w for words in config.stopwords.values() for w in words)
        # generic words and the lists' own words: "the X lab or the Y centre"
        self._generic = config.generic | {w for ws in config.list_words.values() for w in ws}
        joining = config.comparisons.get("and", {})
        self._joining = frozenset(normalize(w) for words in joining.values() for w in words)
        self._joining -= {""}
        # clipped names: the first word of every item name, for "neuro", "pedia"
        self._first_words: dict[str, set[str]] = {}
        for name, ids in items.items():
            if not has_cjk(name) and name.split():
                self._first_words.setdefault(name.split()[0], set()).update(ids)
        self._fields: dict[str, set[str]] = {}  # one-word official names: fields ("neurology")
        for item in kb.items.values():
            for lang in LANGUAGES:
                name = normalize(item.name.get(lang, ""))
                if name and not has_cjk(name) and len(name.split()) == 1:
                    self._fields.setdefault(name, set()).add(item.id)

    def options(self, normalized: str) -> list[Option]:
        """The two or three options a normalised text names and asks about together, in the
        order named: items, else the two programmes (their overviews); [] when it names fewer,
        more, items and a programme, or does not ask to choose or compare."""
        padded = f" {normalized} "
        asks = any(_found(marker, padded) for marker in self._asks)
        if not asks and not any(_found(word, padded) for word in self._between):
            return []
        items = self._spans(padded, self._items)
        programmes = self._spans(padded, self._programmes)
        if len(items) > 1 and not programmes:
            spans = items
        elif len(programmes) > 1 and all(start > programmes[-1][0] for start, _, _ in items):
            # a field named after both programmes is the asker's ("… which one suits a
            # pharmacy student?"), no option
            spans = programmes
        else:
            return []
        options: list[Option] = []
        for _, _, topics in spans:
            if topics not in options:
                options.append(topics)
        if not 1 < len(options) <= MAX_OPTIONS:
            return []
        gaps = [padded[end:start] for (_, end, _), (start, _, _) in pairwise(spans)]
        if not asks and not all(self._joined(gap) for gap in gaps):
            return []
        return options

    def compares(self, normalized: str) -> bool:
        """Whether a normalised text asks to choose or compare (a word of
        ``comparisons.asks`` or ``choice_words``: "which", "difference", "lequel", "区别")."""
        padded = f" {normalized} "
        return any(_found(marker, padded) for marker in self._asks)

    def _spans(self, padded: str, names: list[_Name]) -> list[tuple[int, int, Option]]:
        """Where names occur (first occurrence, longest names first, no overlaps), in order."""
        taken: list[tuple[int, int, Option]] = []
        index = self._keys[id(names)]
        held = {"", *padded.split(), *padded}  # the words and characters of the text
        positions = sorted(p for key in held for p in index.get(key, ()))
        for target, skip, length, topics in (names[p] for p in positions):
            start = padded.find(target)
            if start < 0:
                continue
            start += skip  # a Latin name without the spaces around it
            end = start + length
            crossing = [i for i, (s, e, _) in enumerate(taken) if s < end and start < e]
            if not crossing:
                taken.append((start, end, topics))
                continue
            s, e, known = taken[crossing[0]]
            if len(crossing) == 1 and not s <= start < end <= e:
                # two names sharing words (小儿重症监护 / 重症监护病房): either may be meant
                taken[crossing[0]] = (s, e, known | topics)
        return sorted(taken, key=lambda span: span[0])

    def _joined(self, gap: str) -> bool:
        """Whether the text between two names is a word of ``between`` with stop words."""
        words = gap.split()
        if has_cjk(gap):
            rest = "".join(words)
            for word in sorted(self._between, key=len, reverse=True):
                if has_cjk(word) and word in rest:
                    return rest.replace(word, "", 1).strip() in ("", *self._fillers)
            return False
        return any(w in self._between for w in words) and all(
            w in self._between or w in self._fillers or {w, stem(w)} & self._generic for w in words
        )

    def phrases(self, text: str) -> list[str]:
        """The texts (normalised) of the two or three options a message offers to choose
        between, when its names do not say them: the two sides of a word of
        ``comparisons.between`` in a clause (or, when the message asks to choose or compare, of
        ``comparisons.and``), and the option listed just before ("A, B or C"); [] when no
        clause offers a choice. Which topics they are is for the matcher to say."""
        padded = f" {normalize(text)} "
        asks = any(_found(marker, padded) for marker in self._asks)
        joining = self._between | self._joining if asks else self._between
        for sentence in CLAUSES.split(text):
            pieces = [p for p in map(normalize, LISTED.split(sentence)) if p]
            for index, piece in enumerate(pieces):
                sides = self._sides(piece, joining)
                if sides is None:
                    continue
                before = pieces[index - 1] if index else ""
                if before and len(before.split()) <= MAX_LISTED and not self._asked(before):
                    return [before, *sides]
                return list(sides)
        return []

    def without_programmes(self, normalized: str, described: bool = False) -> str:
        """A normalised text without the programmes' names (longest first), the words that
        join them ("or", "和") and generic words ("programme", "项目"): what it asks of them;
        ``described``: without their describing words ("french", "来重医") and the words that
        point at them beside those ("one", "那个") too, when those name them."""
        padded = f" {normalized} "
        for target, _, _, _ in (*self._programmes, *(self._described if described else ())):
            padded = padded.replace(target, " ")
        for marker in self._asks:  # "which", "区别": the comparison, not the fact
            padded = padded.replace(marker if has_cjk(marker) else f" {marker} ", " ")
        joining = self._between | self._joining | (self._pointers if described else frozenset())
        words = [w for w in padded.split() if w not in joining and not {w, stem(w)} & self._generic]
        rest = " ".join(words)
        for word in sorted(joining | self._generic, key=len, reverse=True):
            if has_cjk(word):
                rest = rest.replace(word, " ")
        return " ".join(rest.split())

    def _asked(self, piece: str) -> bool:
        padded = f" {piece} "
        return any(_found(marker, padded) for marker in self._asks if not has_cjk(marker))

    def _sides(self, piece: str, joining: frozenset[str]) -> tuple[str, str] | None:
        """The texts on either side of the first joining word of a piece of a clause that
        is not inside an item's name ("Infection and Immunity"), "or" words before "and"."""
        padded = f" {piece} "
        names = self._spans(padded, self._items)
        for pair in self._pairs:  # "is housing paid or free": no choice between two options
            target = pair if has_cjk(pair) else f" {pair} "
            start = padded.find(target)
            while start >= 0:
                names.append((start, start + len(target), frozenset()))
                start = padded.find(target, start + 1)
        for words in (joining & self._between, joining - self._between):
            found: list[tuple[int, int]] = []
            for word in words:
                target = word if has_cjk(word) else f" {word} "
                start = padded.find(target)
                while start >= 0 and len(found) < 2 * MAX_SPLITS:
                    found.append((start, start + len(target)))
                    start = padded.find(target, start + 1)
            for start, end in sorted(found)[:MAX_SPLITS]:
                if any(s < end and start < e for s, e, _ in names):
                    continue  # a joining word inside a name
                left, right = padded[:start].strip(), padded[end:].strip()
                if left and right:
                    return left, right
        return None

    def clipped(self, phrase: str, edge: int | None = None) -> Option:
        """The items a one-word option clips the name of ("neuro", "pedia", "cardio"): the
        field with the shortest one-word name it starts ("neuro": neurology, not neurosurgery
        nor neuroscience), else every item whose name's first word it starts; empty when
        none. ``edge`` 0 or -1: the phrase's first or last word, whatever follows or comes
        before it, when it clips a field ("cardio vs neuro for a 4 week observership")."""
        words = [
            w
            for w in phrase.split()
            if w not in self._fillers and w not in self._asks and not {w, stem(w)} & self._generic
        ]
        if edge is not None and words:
            words = [words[edge]]
        if len(words) != 1 or len(words[0]) < MIN_CLIPPED or not words[0].isascii():
            return frozenset()
        word = words[0]
        fields = [name for name in self._fields if name.startswith(word)]
        if fields:
            return frozenset(self._fields[min(fields, key=len)])
        if edge is not None:
            return frozenset()  # beside other words, only a field ("unit" is no option)
        found = {
            i for first, ids in self._first_words.items() if first.startswith(word) for i in ids
        }
        return frozenset(found)
