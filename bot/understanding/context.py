"""The conversation with one student: what is in focus, and follow-ups read in that context.

A :class:`Focus` (the programme, topic, list and item last talked about, and the language) is
kept per student with the student's other state and forgotten after an idle time. A message
is answered as it would be alone; the focus is used only when the message does not stand
alone:

- it names no programme and its answer is a fact of the other programme than the one in
  focus: the fact's counterpart for the programme in focus, or the honest "not published for
  this programme" reply (``knowledge/programmes.yaml``), never the other programme's fact;
- it is a short follow-up (ellipsis: "and neurology?", "et pour le CSC ?", "那住宿呢？";
  pronouns and deixis: "how long is it", "y", "那个项目") that is not answered confidently
  alone: it is read with the topic in focus ("et à Dartmouth ?" after housing is housing);
- a question is never a sign-up wish ("qui peut y participer ?").

A long message (an e-mail) is cut into sentences (:mod:`bot.understanding.sentences`): up to
three questions are answered, in the order asked, in one reply.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.content.buttons import Button
from bot.content.knowledge import KnowledgeBase
from bot.content.languages import LANGUAGES
from bot.content.programmes import BOTH, NONE, Programme
from bot.understanding.answers import ANSWER, MAX_TEXT, NOT_LISTED, SUGGEST, Assistant, Reply
from bot.understanding.sentences import SentenceReader
from bot.understanding.text import has_cjk, normalize

TEXTS = frozenset({"not_published_for"})
NOT_PUBLISHED = "not_published"
IDLE_SECONDS = 30 * 60  # the default idle time after which the focus is forgotten
MAX_QUESTIONS = 3  # questions of one message answered in one reply
MAX_FOLLOWUP_WORDS = 9
# A programme's overview answered with at least this score is what was asked ("c'est quoi
# le programme CSC ?"); below, the message is matched without the programme's names too.
SURE_OVERVIEW = 0.8
BRIEF_WORDS = 6  # a message this short that names a programme and asks nothing clear is about it
ACTIONS = {"signup", "talk-to-coordinator"}
SIGNUP = "signup"  # a question is never a sign-up wish


@dataclass(frozen=True)
class Focus:
    """What the conversation is about: plain JSON data, stored with the student's state."""

    programme: str | None = None
    topic: str | None = None
    list: str | None = None
    item: str | None = None
    language: str | None = None
    at: float = 0.0  # when it was last set (seconds since the epoch)

    def to_json(self) -> dict[str, Any]:
        """The focus as JSON data (``None`` values left out)."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: object) -> Focus:
        """A focus from stored data; anything unreadable is an empty focus."""
        if not isinstance(data, Mapping):
            return cls()
        text = {
            k: v if isinstance(v, str) else None
            for k, v in data.items()
            if k in ("programme", "topic", "list", "item", "language")
        }
        at = data.get("at")
        return cls(**text, at=float(at) if isinstance(at, int | float) else 0.0)

    def fresh(self, now: float, idle: float) -> Focus:
        """This focus, or an empty one after ``idle`` seconds without a message."""
        return self if now - self.at <= idle else Focus()


class Dialogue:
    """One student's conversation, message after message (see the module's docstring)."""

    def __init__(
        self,
        assistant: Assistant,
        focus: Focus | None = None,
        *,
        idle: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.assistant, self.kb = assistant, assistant.kb
        self.focus = focus or Focus()
        self.idle, self.clock = idle, clock
        markers = _markers(assistant.kb)  # read once per knowledge base, not per message
        self.sentences = markers.sentences
        self.max_words = markers.max_words
        self.ellipsis, self.pronouns = markers.ellipsis, markers.pronouns
        self.programme_words = markers.programme_words
        self.names = markers.names

    # ----------------------------------------------------------------- the reply

    def reply(self, text: str, lang: str | None = None) -> Reply:
        """The reply to the next message (the focus is updated)."""
        now = self.clock()
        self.focus = self.focus.fresh(now, self.idle)
        questions = [text]
        if self.sentences.is_letter(text):
            questions = self.sentences.questions(text)[:MAX_QUESTIONS]
        lang = lang or self.assistant.matcher.language(text)
        named = (
            self.programmes_named(" ".join(questions))
            if len(questions) > 1 or (questions != [text])
            else self.programmes_named(text)
        )
        replies = [self._one(q, lang, named) for q in questions]
        reply = self._combine(replies, lang)
        if reply.kind not in (ANSWER, NOT_LISTED, NOT_PUBLISHED) and questions != [text]:
            whole = self._one(text, lang, self.programmes_named(text))
            if whole.kind in (ANSWER, NOT_LISTED, NOT_PUBLISHED):
                reply = whole  # no sentence answered alone: the letter as a whole
        self._remember(reply, named, lang, now)
        return reply

    def _one(self, text: str, lang: str, named: set[str]) -> Reply:
        """One question answered, in context when it does not stand alone."""
        assistant = self.assistant
        reply = assistant.answer(text, lang)
        if reply.kind not in (ANSWER, NOT_LISTED) and not self._plausible(text):
            # closer to what is out of scope than to any topic ("the capital of France?",
            # "Strasbourg's Christmas market"): declined, whatever the context
            return assistant.fallback(lang, reply.score)
        focus = self.focus
        programme = next(iter(named)) if len(named) == 1 else None
        if programme is None and not named:
            programme = focus.programme
        unsure_overview = reply.intent in self._overviews() and reply.score < SURE_OVERVIEW
        if named and (reply.kind not in (ANSWER, NOT_LISTED) or unsure_overview):
            # "what activities does the exchange programme include": the name is no question
            alone = self._without_names(text, lang)
            if alone is not None:
                reply = alone
            if (
                len(named) == 1
                and reply.kind not in (ANSWER, NOT_LISTED)
                and self._brief(text)
                and _has_marker(text, self.programme_words, start=False)
            ):
                # "Présente-moi le programme avec Strasbourg": the programme named, when it is
                # the best guess
                overview = self.kb.programmes.programmes[next(iter(named))].overview
                candidates = assistant.match(text).candidates
                if candidates and candidates[0].topic_id == overview:
                    reply = self._topic(overview, lang, candidates[0].score)
        if reply.intent == SIGNUP and _asks(text):
            reply = self._without_actions(text, lang) or reply
            own = self.kb.programmes.programmes.get(programme or "")
            if reply.intent == SIGNUP and own is not None and own.participants:
                # "qui peut y participer ?" about a programme: who takes part in it
                reply = self._topic(own.participants, lang, reply.score)
        if reply.kind == SUGGEST and not named and focus.programme is not None:
            # a "did you mean" whose best topic is the programme in focus's: that one
            reply = self._own_guess(text, lang, focus.programme) or reply
        if focus.topic is not None or focus.programme is not None:
            followup = self._is_followup(text)
            if followup and named and focus.topic is not None and self._only_names(text):
                # "and CSC students?": the topic in focus, for the programme named
                reply = self._topic(focus.topic, lang)
            elif (followup or self._short(text)) and (
                reply.kind not in (ANSWER, NOT_LISTED) or reply.intent in ACTIONS
            ):
                reply = self._in_context(text, lang, programme) or reply
            elif (
                followup
                and reply.kind == ANSWER
                and self._pronoun(text)
                and focus.topic not in self._overviews()
            ):
                reply = self._about_focus(text, lang) or reply
        if programme in named and self._other_programme(reply, programme):
            # "I'm a PhD student, thinking about the Strasbourg CSC training": not the PhD list
            reply = self._without_names(text, lang) or reply
            if self._other_programme(reply, programme):
                reply = self._topic(self.kb.programmes.programmes[programme].overview, lang)
        if reply.kind == SUGGEST and not self._plausible(text):
            reply = assistant.fallback(lang, reply.score)
        return self._for_programme(reply, programme, lang)

    def _plausible(self, text: str) -> bool:
        """Whether a "did you mean" shares meaning with the message, not only a word: its
        best topic is closer in meaning than the out-of-scope examples ("what's the weather
        like in Chongqing in winter?" is no question about start dates)."""
        match = self.assistant.match(text)
        if not match.semantic or not match.candidates:
            return True
        return match.candidates[0].semantic >= match.off_topic

    def _overviews(self) -> set[str]:
        return {p.overview for p in self.kb.programmes.programmes.values()}

    def _without_names(self, text: str, lang: str) -> Reply | None:
        """The confident answer to a message with its programme names taken out."""
        rest = self._names_removed(text)
        if len(self._words(rest)) < 2:
            return None
        reply = self.assistant.answer(rest, lang)
        if reply.kind not in (ANSWER, NOT_LISTED) or reply.intent in ACTIONS:
            return None
        return None if reply.intent in self._overviews() else reply

    def _in_context(self, text: str, lang: str, programme: str | None) -> Reply | None:
        """A follow-up read with the focus: a named item, or the message with the title of
        the item, topic or list in focus (then the programme's) added."""
        assistant, focus = self.assistant, self.focus
        named = assistant.matcher.named_items(text)
        if len(named) == 1:
            return self._topic(next(iter(named)), lang)
        anchors = [t for t in (focus.item, focus.topic, focus.list) if t is not None]
        own = self.kb.programmes.programmes.get(programme or "")
        if own is not None:
            anchors.append(own.overview)
        for anchor in dict.fromkeys(anchors):
            reply = self._with_title(text, anchor, lang)
            if reply is not None and not (anchor in self._overviews() and reply.intent == anchor):
                return reply
        if own is not None:  # the best guess, when it is about the programme in focus
            match = assistant.match(text)
            threshold = assistant.config.suggest_threshold
            first = [c for c in match.candidates if c.topic_id not in ACTIONS][:1]
            for candidate in first:
                topic = candidate.topic_id
                mine = self.kb.programme_of(topic) == own.id or topic in own.not_published
                if candidate.score >= threshold and mine and topic not in ACTIONS:
                    return self._topic(topic, lang, candidate.score)
        return None

    def _other_programme(self, reply: Reply, programme: str) -> bool:
        """Whether a reply is a fact of the other programme that has no place in this one."""
        if reply.intent is None or reply.kind == NOT_LISTED:
            return False
        own = self.kb.programmes.programmes[programme]
        topic = reply.intent
        if topic in own.not_published or topic in own.counterparts:
            return False
        return self.kb.programme_of(topic) == self.kb.programmes.other(programme)

    def _with_title(self, text: str, anchor: str, lang: str) -> Reply | None:
        title = self.kb.title(anchor, lang)
        match = self.assistant.match(f"{self._stripped(text)} {title}")
        best = self.assistant.config.answer_of(match)
        if best is None or best.topic_id in ACTIONS:
            return None
        return self.assistant.reply_to_match(match, lang)

    def _about_focus(self, text: str, lang: str) -> Reply | None:
        """A pronoun that stands for the topic in focus ("how many times has it been held"
        after the forum): the message read with its title, when that answers the topic."""
        focus = self.focus
        topic = focus.item or focus.topic
        if topic is None or self.assistant.matcher.named_items(text):
            return None  # "那儿科的呢？" names its own item
        reply = self._with_title(text, topic, lang)
        if reply is None or reply.intent is None:
            return None
        related = {topic, focus.topic, focus.list}
        return reply if reply.intent in related else None

    def _own_guess(self, text: str, lang: str, programme: str) -> Reply | None:
        """The best candidate of an unsure match when it belongs to the programme in focus."""
        own = self.kb.programmes.programmes.get(programme)
        candidates = [c for c in self.assistant.match(text).candidates if c.topic_id not in ACTIONS]
        if own is None or not candidates:
            return None
        best = candidates[0]
        if self.kb.programme_of(best.topic_id) != own.id or best.topic_id == own.overview:
            return None
        return self._topic(best.topic_id, lang, best.score)

    def _without_actions(self, text: str, lang: str) -> Reply | None:
        """The best answer that is not an action (a question is no sign-up wish)."""
        match = self.assistant.match(text)
        for candidate in match.candidates:
            if candidate.topic_id in ACTIONS:
                continue
            if candidate.score >= self.assistant.config.suggest_threshold:
                return self._topic(candidate.topic_id, lang, candidate.score)
            break
        return None

    # ----------------------------------------------------------------- programmes

    def programmes_named(self, text: str) -> set[str]:
        """The programmes a message names ("the CSC one", "交流项目", "l'échange")."""
        norm = f" {normalize(text)} "
        found = set()
        for programme, name in self.names:
            if (name in norm) if has_cjk(name) else (f" {name} " in norm):
                found.add(programme)
        return found

    def _for_programme(self, reply: Reply, programme: str | None, lang: str) -> Reply:
        """A reply about the programme in focus: another programme's fact becomes its
        counterpart or the honest "not published for this programme"."""
        programmes = self.kb.programmes.programmes
        if programme is None or programme not in programmes or reply.intent is None:
            return reply
        if reply.kind == NOT_LISTED:
            return reply
        own = programmes[programme]
        topics = reply.topics or (reply.intent,)
        mapped = [self._topic_for(own, topic) for topic in topics]
        if mapped == list(topics):
            return replace(reply, programme=self._programme_of(reply.intent, own))
        parts = [
            self._not_published(own, topic, lang)
            if kind == NOT_PUBLISHED
            else self._topic(topic, lang)
            for kind, topic in mapped_kinds(mapped)
        ]
        return self._combine(parts, lang)

    def _topic_for(self, own: Programme, topic: str) -> tuple[str, str] | str:
        theirs = self.kb.programme_of(topic)
        if theirs in (own.id, BOTH, NONE) and topic not in own.not_published:
            return topic
        if topic in own.counterparts:
            return ANSWER, own.counterparts[topic]
        if topic in own.not_published:
            if theirs == own.id:
                return topic  # the programme's own honest answer
            return NOT_PUBLISHED, topic
        return topic

    def _programme_of(self, topic: str, own: Programme) -> str | None:
        theirs = self.kb.programme_of(topic)
        return theirs if theirs not in (BOTH, NONE) else None

    def _not_published(self, own: Programme, topic: str, lang: str) -> Reply:
        """ "Not published for this programme", with what its page does say."""
        texts = self.assistant.texts
        text = texts.get(
            "not_published_for",
            lang,
            title=self.kb.title(topic, lang),
            programme=own.name[lang],
            summary=own.summary[lang],
        )
        buttons = (
            self.assistant.topic_button(own.overview, lang),
            self.assistant.action_button("coordinator", lang),
            self.assistant.menu_button(lang),
        )
        return Reply(text, buttons, topic, 1.0, lang, NOT_PUBLISHED, (topic,), own.id)

    # ----------------------------------------------------------------- composing

    def _topic(self, topic: str, lang: str, score: float = 1.0) -> Reply:
        reply = self.assistant.topic_reply(topic, lang)
        return replace(reply, score=score, topics=(topic,))

    def _combine(self, replies: list[Reply], lang: str) -> Reply:
        """Several answers in one reply, in order (declines dropped when one answers)."""
        answered = [r for r in replies if r.intent is not None]
        if len(replies) == 1 or not answered:
            return replies[0]
        kept: list[Reply] = []
        for reply in answered:
            if all(
                set(r.topics or (r.intent,)) != set(reply.topics or (reply.intent,)) for r in kept
            ):
                kept.append(reply)
        if len(kept) == 1:
            return kept[0]
        text = "\n\n".join(r.text for r in kept)
        if len(text) > MAX_TEXT:
            text = kept[0].text
            kept = kept[:1]
        buttons: list[Button] = []
        for button in (b for r in kept for b in r.buttons):
            if button.action != "menu:main" and all(b.action != button.action for b in buttons):
                buttons.append(button)
        buttons = [*buttons[:4], self.assistant.menu_button(lang)]
        topics = tuple(t for r in kept for t in (r.topics or (r.intent,)) if t is not None)
        first = kept[0]
        kind = first.kind if all(r.kind == first.kind for r in kept) else ANSWER
        programme = first.programme
        score = min(r.score for r in kept)
        return Reply(text, tuple(buttons), first.intent, score, lang, kind, topics, programme)

    # ----------------------------------------------------------------- the focus

    def _remember(self, reply: Reply, named: set[str], lang: str, now: float) -> None:
        focus = self.focus
        programme = focus.programme
        if len(named) == 1:
            programme = next(iter(named))
        topic = reply.intent
        if topic is None or topic in ACTIONS or self.kb.programme_of(topic) == NONE:
            self.focus = replace(focus, programme=programme, language=lang, at=now)
            return
        theirs = reply.programme or self.kb.programme_of(topic)
        if theirs in self.kb.programmes.programmes and not named:
            programme = theirs
        item = topic if topic in self.kb.items else None
        entry = self.kb.entries.get(topic)
        if item is not None:
            list_id: str | None = self.kb.items[item].memberships[0].entry_id
        else:
            list_id = topic if entry is not None and entry.item_ids else focus.list
        self.focus = Focus(programme, topic, list_id, item, lang, now)

    # ----------------------------------------------------------------- reading

    def _words(self, text: str) -> list[str]:
        norm = normalize(text)
        if has_cjk(norm):
            return list(norm.replace(" ", ""))[::2]
        return norm.split()

    def _is_followup(self, text: str) -> bool:
        """A short message with an ellipsis or a pronoun, or one that names only a
        programme: it does not stand alone."""
        if len(self._words(text)) > self.max_words:
            return False
        return self._ellipsis(text) or self._pronoun(text)

    def _ellipsis(self, text: str) -> bool:
        return _has_marker(text, self.ellipsis, start=True)

    def _pronoun(self, text: str) -> bool:
        return _has_marker(text, self.pronouns, start=False)

    def _stripped(self, text: str) -> str:
        """The message without its leading ellipsis words ("and", "et", "那")."""
        lowered = " ".join(text.lower().split())
        for lang in LANGUAGES:
            for marker in sorted(self.ellipsis[lang], key=len, reverse=True):
                if has_cjk(marker):
                    if lowered.startswith(marker):
                        return lowered[len(marker) :]
                elif lowered.startswith(marker + " "):
                    return lowered[len(marker) + 1 :]
        return lowered

    def _brief(self, text: str) -> bool:
        """A message of a few words ("Présente-moi le programme avec Strasbourg")."""
        return len(self._words(text)) <= BRIEF_WORDS

    def _short(self, text: str) -> bool:
        return len(self._words(text)) <= self.max_words

    def _names_removed(self, text: str) -> str:
        """A message without the names of the programmes (longest names first)."""
        rest = f" {normalize(text)} "
        for _, name in self.names:
            rest = rest.replace(name if has_cjk(name) else f" {name} ", " ")
        return " ".join(rest.split())

    def _only_names(self, text: str) -> bool:
        """Whether a message says little more than a programme's name ("and CSC students?")."""
        return len(self._words(self._names_removed(self._stripped(text)))) <= 3


@dataclass(frozen=True)
class _Markers:
    """The words of ``context.yaml`` and the programmes' names, prepared for reading."""

    sentences: SentenceReader
    max_words: int
    ellipsis: Mapping[str, tuple[str, ...]]
    pronouns: Mapping[str, tuple[str, ...]]
    programme_words: Mapping[str, tuple[str, ...]]
    names: tuple[tuple[str, str], ...]  # (programme id, normalised name), longest first


_PREPARED: dict[int, tuple[KnowledgeBase, _Markers]] = {}


def _markers(kb: KnowledgeBase) -> _Markers:
    """The prepared markers of a knowledge base (kept for the last few knowledge bases)."""
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
    prepared = _Markers(
        SentenceReader(kb.markers.get("sentences") or {}),
        int(followups.get("max_words", MAX_FOLLOWUP_WORDS)),
        _marker_lists(followups.get("ellipsis")),
        _marker_lists(followups.get("pronoun")),
        _marker_lists(followups.get("programme")),
        tuple(sorted(names, key=lambda n: len(n[1]), reverse=True)),
    )
    if len(_PREPARED) >= 4:
        _PREPARED.clear()
    _PREPARED[id(kb)] = (kb, prepared)
    return prepared


def mapped_kinds(mapped: list[tuple[str, str] | str]) -> list[tuple[str, str]]:
    """Each topic with how to answer it: ``answer`` (the topic's own) or ``not_published``."""
    return [m if isinstance(m, tuple) else (ANSWER, m) for m in mapped]


def _asks(text: str) -> bool:
    """Whether a message is a question (a sign-up wish is a statement)."""
    return "?" in text or "？" in text or "吗" in text or "谁" in text


def _marker_lists(raw: object) -> dict[str, tuple[str, ...]]:
    data = raw if isinstance(raw, Mapping) else {}
    return {lang: tuple(str(m).lower() for m in data.get(lang) or ()) for lang in LANGUAGES}


def _has_marker(text: str, markers: Mapping[str, tuple[str, ...]], *, start: bool) -> bool:
    lowered = " ".join(text.lower().replace("’", "'").split())
    words = f" {normalize(text)} "
    for lang in LANGUAGES:
        for marker in markers[lang]:
            if has_cjk(marker):
                if lowered.startswith(marker) if start and marker != "呢" else marker in lowered:
                    return True
            elif start:
                if lowered.startswith(marker + " ") or words.startswith(f" {normalize(marker)} "):
                    return True
            elif f" {normalize(marker)} " in words:
                return True
    return False
