"""The options a message names to choose between or to compare ("A or B?", "A vs B", "A 和 B，
哪个…", "lequel des deux"): two or three items, or both programmes, in the order named.

A message names an option by an item's name or alias (``knowledge/*.yaml``) or a programme's
name (``knowledge/programmes.yaml``), word for word in its normalised, corrected text; the
longest names win where two overlap ("applied statistics" before "statistics"). It asks about
them together when it has a choice or comparison word anywhere (``matching.yaml``
``comparisons.asks``, and ``choice_words``), or when only a word of ``comparisons.between``
("or", "ou", "还是"), stop words and generic words ("lab") stand between each two names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise

from bot.content.knowledge import KnowledgeBase
from bot.content.languages import LANGUAGES
from bot.understanding.matching_config import MatchingConfig
from bot.understanding.text import has_cjk, normalize, stem

MAX_OPTIONS = 3  # more names than this make a list, not a choice

Option = frozenset[str]  # the topics one name stands for (an ambiguous name: several)


def _found(marker: str, padded: str) -> bool:
    """Whether a normalised marker is in a padded normalised text (Latin: as whole words)."""
    return marker in padded if has_cjk(marker) else f" {marker} " in padded


_Name = tuple[str, int, int, Option]  # text searched, spaces before the name, length, topics


def _searched(names: Mapping[str, Option]) -> list[_Name]:
    """Names as searched in a padded text (Latin ones between spaces), longest first."""
    found = [
        (name, 0, len(name), topics) if has_cjk(name) else (f" {name} ", 1, len(name), topics)
        for name, topics in names.items()
    ]
    return sorted(found, key=lambda n: -n[2])


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
        asks = [*config.comparisons.get("asks", {}).items(), *config.choice_words.items()]
        self._asks = tuple({normalize(w) for _, words in asks for w in words} - {""})
        between = config.comparisons.get("between", {})
        self._between = frozenset(normalize(w) for words in between.values() for w in words)
        self._fillers = frozenset(w for words in config.stopwords.values() for w in words)
        # generic words and the lists' own words: "the X lab or the Y centre"
        self._generic = config.generic | {w for ws in config.list_words.values() for w in ws}

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
        elif len(programmes) > 1 and not items:
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

    def _spans(self, padded: str, names: list[_Name]) -> list[tuple[int, int, Option]]:
        """Where names occur (first occurrence, longest names first, no overlaps), in order."""
        taken: list[tuple[int, int, Option]] = []
        for target, skip, length, topics in names:
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
