"""A synthetic knowledge base N times the size of the real one, built in memory.

Every entry and named item is cloned N - 1 times under new ids (``fees-x3``), next to the
originals. A clone's matching phrases (titles, examples, keywords, item names and aliases) are
perturbed copies of the original's: words shuffled, some swapped for random words of the same
language's vocabulary, and random extra tokens added, part of them new made-up words (and, in
Chinese, characters) so that the vocabulary and the inverted index genuinely grow instead of
repeating the same postings. Answers, related ids, actions and list memberships are kept,
pointing at the clone's own copies.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterable, Mapping

from bot.content.knowledge import Entry, Item, KnowledgeBase, Membership
from bot.content.languages import LANGUAGES

_PIECES = re.compile(r"[A-Za-zÀ-ÿœŒæÆ0-9'’-]+|[^\sA-Za-z0-9]{1,2}")
_CJK_FIRST, _CJK_LAST = 0x4E00, 0x9FA5


def _pieces(text: str, lang: str) -> list[str]:
    """Words of a Latin-script phrase. A Chinese phrase has no spaces: its "words" are runs of
    two characters (and embedded Latin words), so that shuffling them keeps most of the
    phrase's character pairs instead of inventing a new pair at every character."""
    return _PIECES.findall(text) if lang == "zh" else text.split()


class Perturber:
    """Makes varied, reproducible copies of matching phrases."""

    def __init__(
        self,
        kb: KnowledgeBase,
        seed: int = 0,
        swap_rate: float = 0.25,
        extra_tokens: tuple[int, int] = (1, 2),
        new_word_rate: float = 0.3,
    ) -> None:
        self.rng = random.Random(seed)
        self.swap_rate = swap_rate
        self.extra_tokens = extra_tokens
        self.new_word_rate = new_word_rate
        vocabulary: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
        for lang, phrase in _all_phrases(kb):
            vocabulary[lang].update(_pieces(phrase, lang))
        self.vocabulary = {lang: sorted(words) for lang, words in vocabulary.items()}

    def _new_word(self, lang: str) -> str:
        if lang == "zh":
            return chr(self.rng.randint(_CJK_FIRST, _CJK_LAST))
        return "".join(self.rng.choices(string.ascii_lowercase, k=self.rng.randint(4, 10)))

    def phrase(self, text: str, lang: str) -> str:
        pieces = _pieces(text, lang)
        self.rng.shuffle(pieces)
        pieces = [
            self.rng.choice(self.vocabulary[lang]) if self.rng.random() < self.swap_rate else p
            for p in pieces
        ]
        for _ in range(self.rng.randint(*self.extra_tokens)):
            extra = (
                self._new_word(lang)
                if self.rng.random() < self.new_word_rate
                else self.rng.choice(self.vocabulary[lang])
            )
            pieces.insert(self.rng.randint(0, len(pieces)), extra)
        return ("" if lang == "zh" else " ").join(pieces)

    def localized(self, texts: Mapping[str, str]) -> dict[str, str]:
        return {lang: self.phrase(text, lang) for lang, text in texts.items()}

    def phrases(self, texts: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return {
            lang: tuple(self.phrase(text, lang) for text in values)
            for lang, values in texts.items()
        }


def _all_phrases(kb: KnowledgeBase) -> Iterable[tuple[str, str]]:
    for entry in kb.entries.values():
        for lang in LANGUAGES:
            yield lang, entry.title[lang]
            for text in (*entry.examples.get(lang, ()), *entry.keywords.get(lang, ())):
                yield lang, text
    for item in kb.items.values():
        for lang in LANGUAGES:
            yield lang, item.name[lang]
            for text in item.aliases.get(lang, ()):
                yield lang, text


def synthetic_kb(kb: KnowledgeBase, factor: int = 20, seed: int = 0) -> KnowledgeBase:
    """The real entries and items plus ``factor - 1`` perturbed clones of each."""
    perturb = Perturber(kb, seed)
    entries: dict[str, Entry] = dict(kb.entries)
    items: dict[str, Item] = dict(kb.items)
    for copy in range(1, factor):
        suffix = f"-x{copy}"
        for entry in kb.entries.values():
            clone = Entry(
                id=entry.id + suffix,
                source=f"synthetic-{copy}.yaml",
                title=perturb.localized(entry.title),
                answer=entry.answer,
                examples=perturb.phrases(entry.examples),
                keywords=perturb.phrases(entry.keywords),
                related=tuple(r + suffix for r in entry.related),
                action=entry.action,
                item_ids=tuple(i + suffix for i in entry.item_ids),
            )
            entries[clone.id] = clone
        for item in kb.items.values():
            clone_item = Item(
                id=item.id + suffix,
                name=perturb.localized(item.name),
                aliases=perturb.phrases(item.aliases),
                memberships=tuple(
                    Membership(m.entry_id + suffix, m.text) for m in item.memberships
                ),
            )
            items[clone_item.id] = clone_item
    return KnowledgeBase(entries, items)


def phrase_count(kb: KnowledgeBase) -> int:
    return sum(1 for _ in _all_phrases(kb))
