"""Requests for a whole list: "which labs can I pick?", "有哪些专科可以去", "quelles disciplines
sont proposées ?".

A message is such a request when it asks which (one ``asking`` word of ``matching.yaml``
``list_requests:``: "which", 哪些, "quels"), names one list by one of its ``lists`` entries
(every word of the entry said: "phd fields", 实验室, "universites partenaires"; an entry whose
words are all in another list's entry said names nothing: "fields" in "phd fields"; two lists
named, "les labos ? et les services ?", is no such request) and has
nothing left once the programmes' names, those words, the ``filler`` words ("choose",
"available", 可以选, "proposer") and the stop words are taken out. Nothing else being asked,
the list is what is asked, whatever the ranking says: read by meaning, "which labs …" is close
to every lab of the knowledge base, and the bot offers a choice or answers one of them.
"Which labs work on infections?" (infections is left) is no such request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.content.knowledge import KnowledgeBase, KnowledgeError
from bot.content.languages import LANGUAGES
from bot.content.programmes import word_lists
from bot.understanding.followups import FollowupReader
from bot.understanding.leftover_words import LeftoverWords, said
from bot.understanding.text import normalize

KINDS = ("asking", "filler", "lists")


def _words(raw: Any, where: str) -> tuple[str, ...]:
    """The normalised words of a {en, zh, fr} block, every language given."""
    if not word_lists(raw) or not all(raw[lang] for lang in LANGUAGES):
        raise KnowledgeError([f"matching.yaml: list_requests: {where}: needs words in en, zh, fr"])
    found = (normalize(str(w)) for lang in LANGUAGES for w in raw[lang])
    return tuple(dict.fromkeys(w for w in found if w))


class ListRequests:
    """Tells which list a message asks for as a whole (see the module's docstring)."""

    def __init__(
        self,
        read: FollowupReader,
        kb: KnowledgeBase,
        raw: Mapping[str, Any],
        stopwords: Iterable[str],
    ) -> None:
        self._lists: tuple[tuple[str, tuple[str, ...]], ...] = ()
        if not raw:
            self._asking: tuple[str, ...] = ()
            return
        unknown = [k for k in raw if k not in KINDS]
        if unknown:
            raise KnowledgeError([f"matching.yaml: list_requests: unknown key(s) {unknown}"])
        self._asking = _words(raw.get("asking"), "asking")
        self._filler = _words(raw.get("filler"), "filler")
        lists = raw.get("lists")
        if not isinstance(lists, Mapping) or not lists:
            raise KnowledgeError(["matching.yaml: list_requests: lists: needs a list id: words"])
        entries = []
        for list_id, words in lists.items():
            if str(list_id) not in kb.entries:
                raise KnowledgeError([f"matching.yaml: list_requests: unknown entry {list_id}"])
            entries += [(str(list_id), tuple(w.split())) for w in _words(words, str(list_id))]
        self._lists = tuple(entries)
        self._leftover = LeftoverWords(read, stopwords)

    def asked(self, text: str) -> str | None:
        """The id of the list a message asks for as a whole; None when it asks something
        else."""
        if not self._lists:
            return None
        padded = f" {normalize(text)} "
        asking = [w for w in self._asking if said(w, padded)]
        if not asking:
            return None
        entries = [
            (list_id, words)
            for list_id, words in self._lists
            if all(said(w, padded) for w in words)
        ]
        named = {  # an entry inside another list's ("fields" in "phd fields") names nothing
            list_id
            for list_id, words in entries
            if not any(o != list_id and set(words) < set(w) for o, w in entries)
        }
        if len(named) != 1:
            return None
        list_words = [w for _, words in entries for w in words]
        if not self._leftover.nothing_left(text, (*asking, *list_words, *self._filler)):
            return None
        return named.pop()
