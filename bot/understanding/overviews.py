"""Requests for a programme's overview: "how does the exchange programme work?", "交流项目怎么
运作？", "comment fonctionne le programme d'échange ?", "tell me about the two programmes".

A message is such a request when it is about a programme (it names one or both, or says both
programmes: "both programmes", "两个项目", "les deux programmes"), asks for an overview (every
word of one ``asking`` entry of ``programmes.yaml`` ``overview_requests:``: "how … work",
"tell … about", 介绍, "c'est quoi") and has nothing left once the programmes' names, those
words, the ``filler`` words and the stop words are taken out. Nothing specific being asked,
the overview is what is asked, whatever the ranking says: read by meaning, "how does X work"
is close to every "how does …" question of the knowledge base. "Can I work in the exchange
programme?" ("work" without "how") and "那交流项目去了做啥子" (去, 做 are left) are no such
requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from bot.content.languages import LANGUAGES
from bot.content.programmes import Programmes
from bot.understanding.followups import FollowupReader
from bot.understanding.leftover_words import LeftoverWords, said
from bot.understanding.text import has_cjk, normalize, searched_form


class OverviewRequests:
    """Tells which programmes' overviews a message asks for (see the module's docstring)."""

    def __init__(
        self, read: FollowupReader, programmes: Programmes, stopwords: Iterable[str]
    ) -> None:
        self._read = read
        self._order = tuple(programmes.programmes)
        words = programmes.overview_requests

        def listed(kind: str) -> tuple[str, ...]:
            found = (normalize(w) for lang in LANGUAGES for w in words.get(kind, {}).get(lang, ()))
            return tuple(w for w in found if w)

        # an asking entry: its words, all said ("how … work"; a Chinese entry is one word)
        self._asking = tuple(
            tuple(entry.split()) for entry in listed("asking") if not has_cjk(entry)
        ) + tuple((entry,) for entry in listed("asking") if has_cjk(entry))
        self._both = listed("both")
        self._programme = listed("programme")
        self._filler = listed("filler")
        self._leftover = LeftoverWords(read, stopwords)
        # each asking entry's words as looked for (:func:`searched_form`), prepared once
        self._asking_forms = tuple(tuple(map(searched_form, entry)) for entry in self._asking)
        # asked of the same message by the answer and by the conversation's reading of it
        self.asked = lru_cache(maxsize=1024)(self._asked)

    def _asked(self, text: str) -> tuple[str, ...]:
        """The programmes (in the file's order) whose overview a message asks for; () when it
        asks something else."""
        if not self._asking:
            return ()
        padded = f" {normalize(text)} "
        asking = [
            entry
            for entry, forms in zip(self._asking, self._asking_forms, strict=True)
            if all(form in padded for form in forms)
        ]
        if not asking:
            return ()
        named = self._read.programmes_named(text)
        both = any(said(w, padded) for w in self._both)
        if not named and not (both and any(said(w, padded) for w in self._programme)):
            return ()
        asked = [w for entry in asking for w in entry]
        if not self._leftover.nothing_left(
            text, (*asked, *self._both, *self._programme, *self._filler)
        ):
            return ()
        about = named or set(self._order)
        return tuple(p for p in self._order if p in about)
