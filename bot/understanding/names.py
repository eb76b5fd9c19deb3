"""Names in a message: the items named word for word, the lists named by their own words, and
fields that are not among a list's items ("dermatology": ``matching.yaml`` ``not_listed``)."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from bot.content.knowledge import KnowledgeBase, KnowledgeError
from bot.content.languages import LANGUAGES
from bot.understanding.matching_config import MatchingConfig, NotListed
from bot.understanding.text import chinese_runs, normalize


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
        self._pieces = lru_cache(maxsize=64)(self._all_pieces)

    def clear_cache(self) -> None:
        """Forget the pieces of the texts seen."""
        self._pieces.cache_clear()

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
        too."""
        pieces = self._pieces(normalized)
        if pieces & self.named.keys():
            return None
        found = [term for term in pieces if term in self._not_listed]
        if not found:
            return None
        term = max(found, key=len)  # "pediatric dermatology" before "dermatology"
        group, lang = self._not_listed[term]
        return term, lang, group

    def names_in(self, normalized: str) -> list[str]:
        """The item names and aliases a normalised text contains word for word."""
        return sorted(self._pieces(normalized) & self.named.keys())

    def items(self, normalized: str) -> set[str]:
        """The items whose name or alias a normalised text contains word for word."""
        found: set[str] = set()
        for piece in self._pieces(normalized) & self.named.keys():
            found |= self.named[piece]
        return found

    def lists(self, normalized: str) -> list[str]:
        """The lists a normalised text names by their own words ("a PhD in …", "a lab on …"),
        outside the names of items ("Medical Laboratory" names no lab)."""
        normalized = f" {normalized} "
        for name in sorted(self._pieces(normalized) & self.named.keys(), key=len, reverse=True):
            normalized = normalized.replace(name if not name.isascii() else f" {name} ", " ")
        pieces = self._pieces(normalized)
        return [list_id for list_id, words in self._config.list_words.items() if pieces & words]
