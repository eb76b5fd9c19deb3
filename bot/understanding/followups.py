"""The words that tell whether a message stands alone: follow-up markers and programme names.

``knowledge/context.yaml`` (``followups:``) gives the ellipsis markers ("and neurology?",
"et pour le CSC ?", "那住宿呢？"), the pronouns and deixis ("how long is it", "y", "那个项目")
and the words that say a programme is meant; ``knowledge/programmes.yaml`` gives the names of
the programmes. :func:`reader_of` prepares them once per knowledge base.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from bot.content.knowledge import KnowledgeBase
from bot.content.languages import LANGUAGES
from bot.understanding.sentences import SentenceReader
from bot.understanding.text import has_cjk, normalize, searched_form

MAX_FOLLOWUP_WORDS = 9
# what may stand between an acknowledgement and the follow-up it opens ("明白,ESI 的呢?")
_ACK_SEPARATORS = " ,.!;:，。！；：、…~～"
BRIEF_WORDS = 6  # a message this short that names a programme and asks nothing clear is about it
QUESTION_MARKS = ("?", "？", "吗", "嘛", "谁")  # a message with one of them asks
SENTENCE_END = re.compile(r"(?<=[.?!。？！])")  # a message cut after each sentence's end
ELLIPTIC_WORDS = 3  # a message this short does not stand alone ("Statistics?", "is oncology one?")
RELATIVE_SPAN = 9  # a relative clause's describing word at most this many words after "one"
MEMO_SIZE = 512  # messages whose reading is remembered
CLAUSE_CUT = re.compile(r"([,，;；:：()（）.?!。？！]+)")  # what ends a clause, kept


@dataclass(frozen=True)
class FollowupReader:
    """The markers of ``context.yaml`` and the programmes' names, prepared for reading."""

    sentences: SentenceReader
    max_words: int
    ellipsis_markers: Mapping[str, tuple[str, ...]]
    pronoun_markers: Mapping[str, tuple[str, ...]]
    programme_words: Mapping[str, tuple[str, ...]]
    other_markers: Mapping[str, tuple[str, ...]]  # "the other programme", "l'autre", "另一个"
    names: tuple[tuple[str, str], ...]  # (programme id, normalised name), longest first
    # (programme id, language, normalised describing word)
    described: tuple[tuple[str, str, str], ...] = ()
    which_one: frozenset[str] = frozenset()  # normalised words that make a description a name
    one: frozenset[str] = frozenset()  # normalised "one" words ("the CSC one", "斯特拉斯堡那个")
    need_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "do I need"
    same_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "the same"
    who_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "who", "谁"
    doing_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "do there"
    doing_topic: str | None = None  # what participants do: the exchange's contents
    owns_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "does X have"
    # the entries every list is related to (its overview: "Disciplines")
    list_overviews: frozenset[str] = frozenset()
    # normalised phrases that hold a pronoun's word but point at nothing, longest first
    no_pronoun: tuple[str, ...] = ()
    # normalised words that may stand between a describing word and a programme word
    linking: frozenset[str] = frozenset()
    # "the first one", "the latter": the first or second of two programmes named before
    first_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    second_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # normalised relative words ("the one that…", "celui qui…"): a clause describing the "one"
    relative: frozenset[str] = frozenset()
    # "forget", "laisse tomber", "不考虑": the programme named or described beside it is set aside
    dismiss_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # "ok", "明白", "d'accord": an acknowledgement opening a follow-up ("明白,ESI 的呢?")
    acknowledge_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # "interesting", "有意思", "intéressant": words that acknowledge too, when the message holds
    # nothing else ("ok interesting"), but open no follow-up
    acknowledge_alone: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # "I'm a resident", "如果我们学校", "moi qui suis": the asker describes themself or a case
    asker_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    pronoun_max_words: int = MAX_FOLLOWUP_WORDS  # a message with a pronoun: a follow-up up to this
    person: tuple[str, ...] = ()  # normalised pronouns for a person ("she", "她"), longest first
    # "or", "还是", "ou bien": a sentence opening with one offers another answer to the question
    alternative_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    counting_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "how many"
    counting_topic: str | None = None  # how many take part: the exchange's places
    # "what else", "除了", "à part": the message asks for what is not the thing it sets apart
    besides_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    others_markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "other"
    # "the second one", "第二个", "le dernier": a place among the things shown (0, 1, 2; -1 last)
    ordinal_markers: tuple[tuple[int, Mapping[str, tuple[str, ...]]], ...] = ()
    # "this", "这个", "cette": a demonstrative before a kind's word names the thing in focus
    demonstratives: frozenset[str] = frozenset()
    # (the entries a kind may stand for, its normalised words): "collaboration", "合作", "forum"
    kinds: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    # what was read of the last messages (a message is asked these several times)
    _named: Callable[[str], frozenset[str]] = field(init=False, compare=False, repr=False)
    _pronoun: Callable[[str], bool] = field(init=False, compare=False, repr=False)
    # the acknowledgements, longest first: those opening a follow-up, language by language
    # (``unacknowledged``), and every one of both lists (``only_acknowledges``)
    _openers: tuple[str, ...] = field(init=False, compare=False, repr=False)
    _acknowledgements: tuple[str, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_named", lru_cache(maxsize=MEMO_SIZE)(self._programmes_named))
        object.__setattr__(self, "_pronoun", lru_cache(maxsize=MEMO_SIZE)(self._has_pronoun))
        openers = tuple(
            marker
            for lang in LANGUAGES
            for marker in sorted(self.acknowledge_markers.get(lang, ()), key=len, reverse=True)
        )
        every = {
            marker
            for lists in (self.acknowledge_markers, self.acknowledge_alone)
            for words in lists.values()
            for marker in words
        }
        object.__setattr__(self, "_openers", openers)
        object.__setattr__(self, "_acknowledgements", tuple(sorted(every, key=len, reverse=True)))

    def programmes_named(self, text: str) -> set[str]:
        """The programmes a message names ("the CSC one", "交流项目", "l'échange")."""
        return set(self._named(text))

    def _programmes_named(self, text: str) -> frozenset[str]:
        norm = f" {normalize(text)} "
        found = set()
        for programme, name in self.names:
            if searched_form(name) in norm:
                found.add(programme)
        for programme, lang, word in self.described:
            if programme not in found and self._described(norm, word, lang):
                found.add(programme)
        return frozenset(found)

    def in_order(self, text: str) -> tuple[str, ...]:
        """The programmes a message names, in the order it names them first."""
        named = self.programmes_named(text)
        if not named:
            return ()  # the common case: no name to place
        joined = normalize(text).replace(" ", "")  # one place for Latin and Chinese names
        words = [*self.names, *((p, word) for p, _, word in self.described)]
        at: dict[str, int] = {}
        for programme in named:
            places = [joined.find(w.replace(" ", "")) for p, w in words if p == programme]
            at[programme] = min((f for f in places if f >= 0), default=len(joined))
        return tuple(sorted(at, key=lambda p: (at[p], p)))

    def ordinal(self, text: str, before: tuple[str, ...]) -> str | None:
        """The programme a message points at as the first or the second of the two the
        message before named ("in the first one", "后者", "ce dernier"), if any."""
        if len(before) != 2 or not self.first_markers:
            return None
        first = has_marker(text, self.first_markers, start=False)
        second = has_marker(text, self.second_markers, start=False)
        if first == second:
            return None
        return before[0] if first else before[1]

    def place(self, text: str) -> int | None:
        """The place among the things shown that a message points at ("the second one": 1,
        "le dernier": -1), when it points at one place only; else None."""
        places = {
            p for p, markers in self.ordinal_markers if has_marker(text, markers, start=False)
        }
        return next(iter(places)) if len(places) == 1 else None

    def kind_named(self, text: str) -> tuple[set[str], str]:
        """The entries a message names by a generic word for their kind after a demonstrative
        ("cette collaboration-là", "that partnership", "这个合作", "ce forum"), and the message
        without that word; (empty, the message) when it has none."""
        if not self.kinds or not self.demonstratives:
            return set(), text
        norm = normalize(text)
        words = norm.split()
        for topics, kind_words in self.kinds:
            for word in sorted(kind_words, key=len, reverse=True):
                if has_cjk(word):
                    joined = norm.replace(" ", "")
                    at = joined.find(word)
                    before = joined[max(0, at - 3) : at] if at > 0 else ""
                    if before and any(before.endswith(d) for d in self.demonstratives):
                        return set(topics), joined[:at] + joined[at + len(word) :]
                    continue
                size = len(word.split())
                for at in range(1, len(words) - size + 1):
                    if " ".join(words[at : at + size]) != word:
                        continue
                    if self.demonstratives & set(words[max(0, at - 2) : at]):
                        return set(topics), " ".join(words[:at] + words[at + size :])
        return set(), text

    def hinted(self, text: str) -> set[str]:
        """The programmes a message's describing words point at, beside a programme word or
        not ("the clinical clerkship in the French hospital", "外国学生来重庆的"): no name,
        but a hint of what the message is about."""
        norm = f" {normalize(text)} "
        chinese = norm.replace(" ", "")
        return {
            programme
            for programme, _, word in self.described
            if (word in chinese if has_cjk(word) else f" {word} " in norm)
        }

    def dismissed(self, text: str) -> set[str]:
        """The programmes a message sets aside ("ok forget france", "laisse tomber le CSC"):
        those it names or describes beside a dismissing word; none without one."""
        if not has_marker(text, self.dismiss_markers, start=False):
            return set()
        return self.programmes_named(text) | self.hinted(text)

    def pointed(self, text: str, programmes: set[str]) -> set[str]:
        """Of the programmes a message names, those named beside a "one" word ("for the
        Strasbourg one, …", "斯特拉斯堡那个…", "celui de Strasbourg"): the one it asks about."""
        norm = f" {normalize(text)} "
        words, chinese = norm.split(), norm.replace(" ", "")
        found = set()
        for programme, name in self.names:
            if programme not in programmes:
                continue
            if has_cjk(name):
                start = chinese.find(name)
                after = chinese[start + len(name) : start + len(name) + 3] if start >= 0 else ""
                if any(has_cjk(w) and w in after for w in self.one):
                    found.add(programme)
                continue
            size = len(name.split())
            for at in range(len(words) - size + 1):
                if " ".join(words[at : at + size]) == name:
                    near = words[max(0, at - 2) : at] + words[at + size : at + size + 2]
                    if any(w in self.one for w in near):
                        found.add(programme)
        if has_marker(text, self.dismiss_markers, start=False):
            return found  # "not the French one", "法国那个我先不考虑了": set aside, not asked
        for programme, lang, word in self.described:
            # "…, and the French one how long?", "法国那个呢", "et celui en France ?"
            if programme in programmes and self._described(norm, word, lang, self.one):
                found.add(programme)
        return found

    def _described(
        self, norm: str, word: str, lang: str, beside: frozenset[str] | None = None
    ) -> bool:
        """Whether a describing word stands beside a programme word or "one", in the order of
        its language: before it in English and Chinese ("the French one", "法国那个项目",
        within two words or four characters), after it in French ("celui en France",
        "programme français", within two words). "Is the programme taught in French?" names
        nothing. ``beside``: the words that make it a name (all "which one" words unless
        given)."""
        beside = self.which_one if beside is None else beside
        if has_cjk(word):
            chinese = norm.replace(" ", "")
            start = chinese.find(word)
            if start < 0:
                return False
            after = chinese[start + len(word) : start + len(word) + 4]
            return any(has_cjk(w) and w in after for w in beside)
        if f" {word} " not in norm:
            return False  # the word is not in the message (most are not): nothing to read
        words = norm.split()
        for at, token in enumerate(words):
            if token != word:
                continue
            window = words[max(0, at - 2) : at] if lang == "fr" else words[at + 1 : at + 3]
            if any(w in beside for w in window):
                return True
            # farther, over linking words only ("le programme avec la France")
            step = -1 if lang == "fr" else 1
            near = at + step
            while 0 <= near < len(words) and words[near] in self.linking:
                near += step
            linked = 0 <= near < len(words) and words[near] in beside
            clause = words[max(0, at - RELATIVE_SPAN) : at]
            if linked or self._in_relative_clause(clause, beside):
                return True
        return False

    def _in_relative_clause(self, before: list[str], beside: frozenset[str]) -> bool:
        """Whether the words before a describing word hold a "one" word (or a programme word,
        with ``beside`` all "which one" words) followed by a relative word ("the one that
        sends students to France", "the programme where CQMU sends students abroad", "celui
        qui envoie les gens dans les hôpitaux français"): the clause describes the one meant."""
        return any(w in beside and nxt in self.relative for w, nxt in pairwise(before))

    def words(self, text: str) -> list[str]:
        """The words of a message (Chinese: one for every two characters; the Latin words of
        a mixed message count as words: "法医学有吗 forensic medicine" is four)."""
        norm = normalize(text)
        if has_cjk(norm):
            chinese = [c for c in norm if has_cjk(c)]
            latin = "".join(" " if has_cjk(c) else c for c in norm).split()
            return chinese[::2] + latin
        return norm.split()

    def is_followup(self, text: str) -> bool:
        """A short message with an ellipsis or a pronoun: it does not stand alone."""
        if not self.short(text):
            return False
        return self.ellipsis(text) or self.pronoun(text)

    def thing_pronoun(self, text: str) -> bool:
        """Whether a message holds a pronoun or deixis for a thing ("whats the objective of
        it"), not only one for a person ("she wants a pain clinic")."""
        if not self.pronoun(text):
            return False
        rest = f" {normalize(self._without_no_pronoun(text))} "
        for word in self.person:
            rest = rest.replace(searched_form(word), " ")
        return has_marker(rest, self.pronoun_markers, start=False)

    def asks_on(self, remark: str) -> bool:
        """Whether a sentence after a question still asks it: it offers another answer
        ("还是只收学生", "or only PhDs", "ou seulement les doctorants"), as a remark saying why
        ("C'est mon deuxième choix", "she wants a pain clinic") does not."""
        if self.sentences.asks(remark):
            return True
        return has_marker(remark, self.alternative_markers, start=True)

    def points_back(self, text: str) -> bool:
        """Whether a message holds a pronoun and is short enough for it to point at what was
        just said: a pronoun points back over a few more words than an ellipsis
        (``followups.pronoun_max_words``: "since when do they hold it? and how many times?")."""
        if not self.pronoun(text):
            return False
        count = len(self.words(text))
        if count <= self.max_words:
            return True
        if count > self.pronoun_max_words:
            return False
        # a longer message: a pronoun for a thing ("is it open…?"), not only for a person
        # ("她想知道住在哪里…" after a schoolmate: "she" is no topic)
        return self.thing_pronoun(text)

    def elliptic(self, text: str) -> bool:
        """Whether a message does not stand alone: a follow-up (an ellipsis, a pronoun) or a
        few words ("Statistics?", "is oncology one?", "肿瘤学算吗？")."""
        return self.is_followup(text) or len(self.words(text)) <= ELLIPTIC_WORDS

    def ellipsis(self, text: str) -> bool:
        """Whether a message opens with an ellipsis marker ("and", "et pour", "那")."""
        return has_marker(text, self.ellipsis_markers, start=True)

    def pronoun(self, text: str) -> bool:
        """Whether a message holds a pronoun or deixis ("it", "y", "那个项目")."""
        return self._pronoun(text)

    def _has_pronoun(self, text: str) -> bool:
        rest = self._without_no_pronoun(text)
        return has_marker(rest, self.pronoun_markers, start=False)

    def _without_no_pronoun(self, text: str) -> str:
        """A message without the phrases that hold a pronoun's word but point at nothing
        ("is there", "il y a", "其他")."""
        if not self.no_pronoun:
            return text
        rest = f" {normalize(text)} "
        for phrase in self.no_pronoun:
            rest = rest.replace(phrase if has_cjk(phrase) else f" {phrase} ", " ")
        return rest

    def asks_what_is_needed(self, text: str) -> bool:
        """Whether a message asks what is needed or required ("do I need", "faut-il", "需要"):
        about criteria, not about who takes part."""
        return bool(self.need_markers) and has_marker(text, self.need_markers, start=False)

    def describes_asker(self, text: str) -> bool:
        """Whether a message describes the asker or their case ("I'm a resident", "如果我们
        学校不是合作院校", "moi qui suis doctorant"): asked with "can I join?", it asks whether
        someone like them may take part."""
        return bool(self.asker_markers) and has_marker(text, self.asker_markers, start=False)

    def without_asker(self, text: str) -> str:
        """A message without its clauses that describe the asker ("我是nurse来的，可以在那边
        observe 吗", "je pourrais y faire ma partie manip ? (je suis en neuro)"): what is left
        asks the question; the message as it is when none opens a clause, or all do."""
        if not self.describes_asker(text):
            return text  # (most messages: no description of the asker)
        parts = CLAUSE_CUT.split(text)
        kept, dropping = [], False
        for at, part in enumerate(parts):
            if at % 2:  # a cut: kept with the clause before it
                if not dropping:
                    kept.append(part)
                continue
            dropping = bool(part.strip()) and has_marker(part, self.asker_markers, start=True)
            if not dropping:
                kept.append(part)
        left = " ".join("".join(kept).split()).rstrip(" (（")
        return left if left.strip(" ,，;；:：()（）.?!。？！") else text

    def asks_doing(self, text: str) -> bool:
        """Whether a message asks what participants do ("what do they do", "做什么",
        "font quoi")."""
        return bool(self.doing_markers) and has_marker(text, self.doing_markers, start=False)

    def asked_fact(self, text: str) -> str | None:
        """The programme-wide fact a message asks by its words: what participants do
        (``doing_topic``: "what do they do", "做什么") or how many take part
        (``counting_topic``: "how many students", "combien d'étudiants", "收几个学生");
        else None."""
        if self.asks_doing(text):
            return self.doing_topic
        if self.counting_markers and has_marker(text, self.counting_markers, start=False):
            return self.counting_topic
        return None

    def asks_besides(self, text: str) -> bool:
        """Whether a message asks for what is not the thing it sets apart ("what else",
        "除了…还有", "à part celui-là")."""
        return bool(self.besides_markers) and has_marker(text, self.besides_markers, start=False)

    def says_other(self, text: str) -> bool:
        """Whether a message says "other" ("other labs", "别的实验室", "autres labos")."""
        return bool(self.others_markers) and has_marker(text, self.others_markers, start=False)

    @property
    def other_words(self) -> tuple[str, ...]:
        """The words for "other", normalised."""
        return tuple(sorted({normalize(m) for ms in self.others_markers.values() for m in ms}))

    def compares(self, text: str) -> bool:
        """Whether a message compares with what was just said ("the same", "也", "pareil")."""
        return bool(self.same_markers) and has_marker(text, self.same_markers, start=False)

    def within_reach(self, text: str) -> bool:
        """Whether a message is short enough for a pronoun to point back
        (``followups.pronoun_max_words``)."""
        return len(self.words(text)) <= self.pronoun_max_words

    def says_owns(self, text: str) -> bool:
        """Whether a message says that something has or offers ("have", "有", "propose")."""
        return bool(self.owns_markers) and has_marker(text, self.owns_markers, start=False)

    def asks_who(self, text: str) -> bool:
        """Whether a message holds a question word asking who ("who", "哪些人", "qui")."""
        return bool(self.who_markers) and has_marker(text, self.who_markers, start=False)

    def names_a_programme_word(self, text: str) -> bool:
        """Whether a message says a programme is meant ("le programme avec Strasbourg")."""
        return has_marker(text, self.programme_words, start=False)

    def names_the_other(self, text: str) -> bool:
        """Whether a message points at the other programme than the one in focus ("the
        other one", "l'autre programme", "另一个项目") up to its last question: a remark after
        the question is no pointer at what is asked ("那公共管理呢？另一个师妹是读这个的":
        another schoolmate; "c'est plutôt l'autre. Il coûte combien ?" is the programme)."""
        if not has_marker(text, self.other_markers, start=False):
            return False  # the common case: one reading of the whole message
        pieces = [p for p in SENTENCE_END.split(text) if p.strip()]
        last = max((n for n, p in enumerate(pieces) if asks(p)), default=len(pieces) - 1)
        return any(has_marker(p, self.other_markers, start=False) for p in pieces[: last + 1])

    def stripped(self, text: str) -> str:
        """The message without its leading ellipsis words ("and", "et", "那")."""
        lowered = " ".join(text.lower().split())
        for lang in LANGUAGES:
            for marker in sorted(self.ellipsis_markers[lang], key=len, reverse=True):
                if has_cjk(marker):
                    if lowered.startswith(marker):
                        return lowered[len(marker) :]
                elif lowered.startswith(marker + " "):
                    return lowered[len(marker) + 1 :]
        return lowered

    def unacknowledged(self, text: str) -> str:
        """A follow-up without the acknowledgement that opens it ("明白,ESI 的呢?": "ESI 的呢?",
        "ok, and the fee?": "and the fee?"), with what separates them (a comma, a stop, an
        exclamation mark or a space; none needed after a Chinese one before Latin letters);
        the message as it is when it opens with none or nothing follows."""
        stripped = text.strip()
        lowered = stripped.lower().replace("\u2019", "'")
        for marker in self._openers:
            if not lowered.startswith(marker):
                continue
            if any(
                len(m) > len(marker) and lowered.startswith(m)
                for markers in self.ellipsis_markers.values()
                for m in markers
            ):
                return text  # "ok et pour …", "好的那…": an ellipsis marker as it is
            rest = stripped[len(marker) :]
            parted = rest.lstrip(_ACK_SEPARATORS)
            apart = len(parted) < len(rest) or (has_cjk(marker) and not has_cjk(rest[:1]))
            asked = asks(parted) or self.ellipsis(parted)  # not "thank you, God bless"
            if apart and parted.strip(_ACK_SEPARATORS + "?？") and asked:
                return parted
        return text

    def only_acknowledges(self, text: str) -> bool:
        """Whether a message does nothing but acknowledge the last reply ("ok interesting",
        "d'accord", "好的", "ok 明白了 👍"): one or more acknowledgement words
        (``followups.acknowledge`` and ``acknowledge_alone``, any language) and nothing else
        but separators, stops and emoji; no question mark."""
        if "?" in text or "？" in text:
            return False
        markers = self._acknowledgements
        rest = " ".join(text.lower().replace("\u2019", "'").split())
        rest = "".join(c for c in rest if c.isalnum() or c in " '" or has_cjk(c))
        found = False
        while rest.strip():
            rest = rest.strip()
            marker = next((m for m in markers if rest.startswith(m)), None)
            if marker is None:
                return False
            after = rest[len(marker) :]
            if after and not after.startswith(" ") and not (has_cjk(marker) or has_cjk(after[0])):
                return False  # "okay" is not "ok" + "ay"
            rest, found = after, True
        return found

    def brief(self, text: str) -> bool:
        """A message of a few words ("Présente-moi le programme avec Strasbourg")."""
        return len(self.words(text)) <= BRIEF_WORDS

    def short(self, text: str) -> bool:
        """A message short enough to be a follow-up (``followups.max_words``)."""
        return len(self.words(text)) <= self.max_words

    def names_removed(self, text: str) -> str:
        """A message without the names of the programmes (longest names first), the words
        that describe them and those that point at the other one ("l'autre programme")."""
        rest = f" {normalize(text)} "
        others = sorted({normalize(m) for ms in self.other_markers.values() for m in ms}, key=len)
        named = (*(n for _, n in self.names), *(w for _, _, w in self.described))
        for name in (*named, *reversed(others)):
            rest = rest.replace(name if has_cjk(name) else f" {name} ", " ")
        return " ".join(rest.split())

    def same_removed(self, text: str) -> str:
        """A message without the words that compare with what was just said ("the same",
        "也", "autant"): what it asks besides the comparison."""
        rest = f" {normalize(text)} "
        words = {normalize(m) for ms in self.same_markers.values() for m in ms}
        for word in sorted(words, key=len, reverse=True):
            rest = rest.replace(word if has_cjk(word) else f" {word} ", " ")
        return " ".join(rest.split())

    def only_names(self, text: str) -> bool:
        """Whether a message says little more than a programme's name ("and CSC students?")."""
        return len(self.words(self.names_removed(self.stripped(text)))) <= 3


_PREPARED: dict[int, tuple[KnowledgeBase, FollowupReader]] = {}


# the places an ordinal marker kind points at among the things shown (-1: the last)
ORDINALS = ((0, "first"), (1, "second"), (2, "third"), (-1, "last"))


def reader_of(kb: KnowledgeBase) -> FollowupReader:
    """The prepared reader of a knowledge base (kept for the last few knowledge bases)."""
    known = _PREPARED.get(id(kb))
    if known is not None and known[0] is kb:
        return known[1]
    followups = kb.markers.get("followups") or {}
    names = {
        (programme.id, normalize(name))
        for programme in kb.programmes.programmes.values()
        for lang in LANGUAGES
        for name in (*programme.names[lang], programme.name[lang])
    }
    prepared = FollowupReader(
        SentenceReader(kb.markers.get("sentences") or {}),
        int(followups.get("max_words", MAX_FOLLOWUP_WORDS)),
        _marker_lists(followups.get("ellipsis")),
        _marker_lists(followups.get("pronoun")),
        _marker_lists(followups.get("programme")),
        _marker_lists(followups.get("other")),
        tuple(sorted(names, key=lambda n: (-len(n[1]), n[1], n[0]))),  # longest first, stable
        tuple(
            sorted(
                (programme.id, lang, normalize(word))
                for programme in kb.programmes.programmes.values()
                for lang in LANGUAGES
                for word in programme.described_by.get(lang, ())
            )
        ),
        frozenset(
            normalize(word)
            for kind in ("which_one", "programme")
            for words in _marker_lists(followups.get(kind)).values()
            for word in words
        ),
        frozenset(
            normalize(word)
            for words in _marker_lists(followups.get("which_one")).values()
            for word in words
        ),
        _marker_lists(followups.get("need")),
        _marker_lists(followups.get("same")),
        _marker_lists(followups.get("who")),
        _marker_lists(followups.get("doing")),
        str(followups.get("doing_topic") or "") or None,
        _marker_lists(followups.get("owns")),
        _list_overviews(kb),
        tuple(
            sorted(
                {
                    normalize(m)
                    for ms in _marker_lists(followups.get("no_pronoun")).values()
                    for m in ms
                },
                key=lambda phrase: (-len(phrase), phrase),
            )
        ),
        frozenset(
            normalize(w) for ws in _marker_lists(followups.get("linking")).values() for w in ws
        ),
        _marker_lists(followups.get("first")),
        _marker_lists(followups.get("second")),
        relative=frozenset(
            normalize(w) for ws in _marker_lists(followups.get("relative")).values() for w in ws
        ),
        dismiss_markers=_marker_lists(followups.get("dismiss")),
        acknowledge_markers=_marker_lists(followups.get("acknowledge")),
        acknowledge_alone=_marker_lists(followups.get("acknowledge_alone")),
        asker_markers=_marker_lists(followups.get("asker")),
        counting_markers=_marker_lists(followups.get("counting")),
        counting_topic=str(followups.get("counting_topic") or "") or None,
        pronoun_max_words=int(followups.get("pronoun_max_words", MAX_FOLLOWUP_WORDS)),
        person=tuple(
            sorted(
                {
                    normalize(word)
                    for words in _marker_lists(followups.get("person")).values()
                    for word in words
                },
                key=lambda word: (-len(word), word),
            )
        ),
        alternative_markers=_marker_lists(followups.get("alternative")),
        besides_markers=_marker_lists(followups.get("besides")),
        others_markers=_marker_lists(followups.get("others")),
        ordinal_markers=tuple(
            (place, _marker_lists(followups.get(f"ordinal_{kind}"))) for place, kind in ORDINALS
        ),
        demonstratives=frozenset(
            normalize(w)
            for ws in _marker_lists(followups.get("demonstrative")).values()
            for w in ws
        ),
        kinds=tuple(
            (
                frozenset(str(t) for t in kind.get("topics") or ()),
                frozenset(normalize(w) for ws in _marker_lists(kind).values() for w in ws),
            )
            for kind in followups.get("kinds") or ()
            if isinstance(kind, Mapping)
        ),
    )
    if len(_PREPARED) >= 4:
        _PREPARED.clear()
    _PREPARED[id(kb)] = (kb, prepared)
    return prepared


def _list_overviews(kb: KnowledgeBase) -> frozenset[str]:
    """The entries every list is related to: the overview of the lists ("Disciplines")."""
    every = [set(entry.related) for entry in kb.entries.values() if entry.item_ids]
    return frozenset(set.intersection(*every)) if every else frozenset()


def asks(text: str) -> bool:
    """Whether a message is a question (a sign-up wish is a statement): a question mark, or a
    Chinese question particle or word ("吗", "嘛", "谁")."""
    return any(mark in text for mark in QUESTION_MARKS)


def _marker_lists(raw: object) -> dict[str, tuple[str, ...]]:
    data = raw if isinstance(raw, Mapping) else {}
    return {lang: tuple(str(m).lower() for m in data.get(lang) or ()) for lang in LANGUAGES}


def has_marker(text: str, markers: Mapping[str, tuple[str, ...]], *, start: bool) -> bool:
    """Whether a message holds one of the markers (``start``: opens with it)."""
    prepared = _prepared(markers)
    lowered = " ".join(text.lower().replace("’", "'").split())
    words = f" {normalize(text)} "
    chinese = words.replace(" ", "")  # simplified characters ("這個" is "这个")
    if start:
        return bool(
            (prepared.cjk_start and prepared.cjk_start.match(chinese))
            or (prepared.cjk_anywhere_at_start and prepared.cjk_anywhere_at_start.search(chinese))
            or (prepared.raw_start and prepared.raw_start.match(lowered))
            or (prepared.words_start and prepared.words_start.match(words))
        )
    return bool(
        (prepared.cjk and prepared.cjk.search(chinese))
        or (prepared.words and prepared.words.search(words))
    )


@dataclass(frozen=True)
class _Markers:
    """One marker list as patterns: one search a message instead of one a marker (the same
    answers as comparing each marker in turn)."""

    cjk: re.Pattern[str] | None  # a Chinese marker anywhere
    words: re.Pattern[str] | None  # a Latin marker as whole normalised words, anywhere
    cjk_start: re.Pattern[str] | None  # a Chinese marker opening the message
    cjk_anywhere_at_start: re.Pattern[str] | None  # "呢" asks anywhere, even as an opener
    raw_start: re.Pattern[str] | None  # a Latin marker opening the lowered message
    words_start: re.Pattern[str] | None  # a Latin marker opening the normalised message


_MARKER_PATTERNS: dict[int, tuple[Mapping[str, tuple[str, ...]], _Markers]] = {}


def _prepared(markers: Mapping[str, tuple[str, ...]]) -> _Markers:
    """The patterns of a marker list, built once (kept with the list they are built from)."""
    known = _MARKER_PATTERNS.get(id(markers))
    if known is not None and known[0] is markers:
        return known[1]
    every = [m for lang in LANGUAGES for m in markers[lang]]
    cjk = [m for m in every if has_cjk(m)]
    latin = [m for m in every if not has_cjk(m)]

    def either(options: list[str], before: str = "", after: str = "") -> re.Pattern[str] | None:
        if not options:
            return None
        ordered = sorted(set(options), key=lambda o: (-len(o), o))
        return re.compile(before + "(?:" + "|".join(map(re.escape, ordered)) + ")" + after)

    prepared = _Markers(
        cjk=either(cjk),
        words=either([normalize(m) for m in latin], " ", " "),
        cjk_start=either([m for m in cjk if m != "呢"]),
        cjk_anywhere_at_start=either([m for m in cjk if m == "呢"]),
        raw_start=either(latin, "", " "),
        words_start=either([normalize(m) for m in latin], " ", " "),
    )
    if len(_MARKER_PATTERNS) >= 256:
        _MARKER_PATTERNS.clear()
    _MARKER_PATTERNS[id(markers)] = (markers, prepared)
    return prepared
