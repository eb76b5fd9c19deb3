"""General questions in the programme's words: a message that names a field, a lab or a
specialty of the lists but asks something general about it ("is ibuprofen safe during
pregnancy?", "explain how statins act on lipids", "推荐一本药理学的书") is no question about
the programme's item of that name. With the names taken out, such a message is closer in
meaning to the out-of-scope examples than to every entry of the knowledge base (its lists,
fees, housing…) by ``matching.yaml`` ``general_questions.margin``; "can I observe
cardiology?" without its name still asks for a placement. What is left being mostly words the
knowledge base does not know ("weather in Strasbourg in winter, very cold?", "重庆是哪一年成为
直辖市的"), a smaller margin is enough (``general_questions.unknown``; issue 18, session 8).
A message that names only places (a partner's city or country, Chongqing: "what state is
Dartmouth in?", "法国的首都是哪里", "best hotpot in Chongqing?") asks about the place when
what is left is closer to the out-of-scope examples than to every entry by
``general_questions.place_margin`` (issue 18, session 10). A message whose asking part says
nothing but a name ("I have chest pain when I climb stairs, is it my heart?") is judged whole.
A patient, a relative or a practitioner asking about an illness, its treatment, an appointment
or a doctor, and not as a student, is off topic too, and so is career advice that names no
programme (:class:`Askers`, issue 18, sessions 13 and 14)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.understanding.institutions import compiled_patterns
from bot.understanding.semantic import SemanticIndex
from bot.understanding.text import has_cjk, normalize

_KEPT = 1024  # judgements remembered
_PATIENTS = "matching.yaml: patients"
# career advice: the asker's patterns, and the words that make it the programme's (session 14)
CAREERS = (("career", "programme"), "matching.yaml: careers")

# What is left of a message: the share of its words the knowledge base does not know.
UnknownShare = Callable[[str], float]


def _word(name: str) -> str:
    """How a name is looked for in a padded normalised text: anywhere when it has Chinese
    characters, as whole words otherwise (one rule for finding and for taking out)."""
    return name if has_cjk(name) else f" {name} "


class GeneralQuestions:
    """Judges whether a message asks something general about the items it names."""

    def __init__(
        self,
        semantic: SemanticIndex,
        entries: list[str],
        names_in: Callable[[str], list[str]],
        margin: float,
        places: frozenset[str] = frozenset(),
        *,
        unknown: tuple[UnknownShare, float, float, float] | None = None,
        place_margin: float | None = None,
        stopwords: frozenset[str] = frozenset(),
    ) -> None:
        self._semantic = semantic
        self._entries = {semantic.topic_index[t] for t in entries if t in semantic.topic_index}
        self._item_names = names_in  # the item names a normalised text contains, word for word
        self._places = places  # the partners' places ("strasbourg", "法国"), taken out too
        self.margin = margin
        # (the unknown share of a text, the share from which, the margin then, and how close
        # to an out-of-scope example the rest must at least be)
        self._unknown = unknown
        self._place_margin = place_margin  # when only places are named (None: ``margin``)
        self._stopwords = stopwords  # normalised, every language's
        self._judgements: dict[str, bool] = {}  # the texts judged lately (``_KEPT`` at most)

    def judged(self, normalized: str) -> bool:
        """Whether a normalised text was judged lately (its judgement is remembered: no
        reading by meaning to foresee for it)."""
        return normalized in self._judgements

    def forget(self) -> None:
        """Forget the texts judged (benchmarks measure without them)."""
        self._judgements.clear()

    def general(self, normalized: str) -> bool:
        """Whether a normalised (spelt) message names an item and, without its names, is
        closer to the out-of-scope examples than to any entry by ``margin`` (remembered)."""
        found = self._judgements.get(normalized)
        if found is None:
            if len(self._judgements) >= _KEPT:
                self._judgements.clear()
            found = self._judgements[normalized] = self._general(normalized)
        return found

    def _names_in(self, normalized: str) -> list[str]:
        """The item names and the partners' places a normalised text contains."""
        padded = f" {normalized} "
        places = [p for p in self._places if _word(p) in padded]
        return [*self._item_names(normalized), *places]

    def without_names(self, normalized: str) -> str:
        """A normalised text with the item names it contains taken out, longest first."""
        text = f" {normalized} "
        for name in sorted(self._names_in(normalized), key=len, reverse=True):
            text = text.replace(_word(name), " ")
        return " ".join(text.split())

    def measured(self, normalized: str) -> str:
        """What of a normalised (spelt) message is measured by meaning: the message without
        its names when it names an item, else "" (nothing to measure)."""
        if not self._entries or not self._names_in(normalized):
            return ""
        return self.without_names(normalized)

    def bare(self, normalized: str) -> bool:
        """Whether a normalised text that names an item says nothing else: what is left
        without its names is stop words only ("is it my heart?": what it asks is said before
        it, "I have chest pain when I climb stairs")."""
        rest = self.measured(normalized)
        if not rest:
            return False
        words = [w for w in rest.split() if not has_cjk(w)]
        characters = [c for c in rest if has_cjk(c)]
        return all(w in self._stopwords for w in words) and all(
            c in self._stopwords for c in characters
        )

    def _general(self, normalized: str) -> bool:
        """:meth:`general`'s judgement of a text, made anew."""
        rest = self.measured(normalized)
        if not rest:
            return False  # no name, or a name alone ("cardiology?"): asks for the item
        embedded = self._semantic.embed([rest])
        cosines = self._semantic.topic_cosines(embedded, self._entries)
        closest_entry = max(float(cosines[i]) for i in self._entries)
        closer = self._semantic.off_topic(embedded) - closest_entry
        if closer > self.margin:
            return True
        place_margin = self._place_margin
        if place_margin is not None and closer > place_margin and not self._item_names(normalized):
            return True  # only places named: "what state is Dartmouth in?"
        if self._unknown is None:
            return False
        unknown_share, share, margin, closest = self._unknown
        return (
            closer > margin
            and self._semantic.off_topic(embedded) >= closest
            and unknown_share(rest) >= share
        )


@dataclass(frozen=True)
class Askers:
    """Who is asking, and about what: a message that says what one kind of asker says is off
    topic whatever it names, unless it also says what makes it a question about the programme.

    Two sections of ``matching.yaml`` are read this way, each with two kinds of patterns:

    - ``patients:`` (issue 18, session 13): a patient, a relative or a practitioner about an
      illness, its treatment, an appointment or a doctor ("my mother has breast cancer, can she
      be treated there?", "我妈想去看甲状腺，专家号咋挂", "je peux me faire opérer chez vous ?",
      "PEEP设多少合适"), and (session 14) medical knowledge asked as a fact ("what causes
      Alzheimer's disease?", "二甲双胍的作用机制是什么", "j'ai mal à la gorge, c'est grave ?"),
      unless the message also says what a student asking about training says (``student``: a
      level, the exchange, to observe, train or learn: "can I observe how they treat breast
      cancer?");
    - ``careers:`` (session 14): career advice (jobs, salaries, prospects after a degree, a
      CV: "what jobs can I get with a master's in public health?", "护士在法国好找工作吗",
      "quels débouchés après un master ?"), unless the message names the exchange or the
      programme (``programme``: "what will the exchange bring to my career?" asks what one
      learns there).
    """

    asker: tuple[re.Pattern[str], ...] = ()  # what the asker says
    unless: tuple[re.Pattern[str], ...] = ()
    fold: Callable[[str], str] = normalize  # a message as the patterns read it

    @classmethod
    def read(
        cls,
        data: Mapping[str, Any],
        kinds: tuple[str, str] = ("patient", "student"),
        section: str = _PATIENTS,
        fold: Callable[[str], str] = normalize,
    ) -> Askers:
        """A section as read from ``matching.yaml``: ``kinds`` names its asker's patterns and
        its exceptions (none: nothing is declined); raises :class:`KnowledgeError` on a
        missing language or a bad pattern."""
        if not data:
            return cls(fold=fold)
        found = compiled_patterns(data, kinds, section)
        return cls(found[kinds[0]], found[kinds[1]], fold)

    def asks(self, question: str) -> bool:
        """Whether a message is this kind of asker's and says none of the exceptions (every
        language's patterns read every message: they mix languages)."""
        if not self.asker:
            return False
        folded = self.fold(question)
        return any(p.search(folded) for p in self.asker) and not any(
            p.search(folded) for p in self.unless
        )
