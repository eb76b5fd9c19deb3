"""The conversation with one student: follow-ups read in the context of the :class:`Focus`.

A message is answered as it would be alone; the focus is used only when the message does not
stand alone:

- it names no programme and its answer is a fact of the other programme than the one in
  focus: the fact's counterpart for the programme in focus, or the honest "not published for
  this programme" reply (:mod:`bot.understanding.programme_facts`), never the other
  programme's fact;
- it is a short follow-up (ellipsis: "and neurology?", "et pour le CSC ?", "那住宿呢？";
  pronouns and deixis: "how long is it", "y", "那个项目"; :mod:`bot.understanding.followups`)
  that is not answered confidently alone: it is read with the topic in focus ("et à
  Dartmouth ?" after housing is housing);
- a question is never a sign-up wish ("qui peut y participer ?").

A long message (an e-mail) is cut into sentences (:mod:`bot.understanding.sentences`): up to
three questions are answered, in the order asked, in one reply.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace

from bot.content.knowledge import Item, KnowledgeBase
from bot.content.languages import LANGUAGES
from bot.content.programmes import BOTH, NONE
from bot.understanding.answers import ANSWER, NOT_LISTED, SUGGEST, Assistant, Reply
from bot.understanding.combining import combine, topic_answer
from bot.understanding.correction import spoken_commas
from bot.understanding.focus import IDLE_SECONDS, Focus
from bot.understanding.followups import asks, reader_of
from bot.understanding.lists_in_focus import TEXTS as LIST_TEXTS
from bot.understanding.lists_in_focus import (
    item_in_focus,
    item_of_its_kind,
    others_in_focus,
    unlisted_in_focus,
    unnamed_in_focus,
)
from bot.understanding.participation import Participation
from bot.understanding.programme_facts import NOT_PUBLISHED, ProgrammeFacts
from bot.understanding.programme_facts import TEXTS as PROGRAMME_TEXTS
from bot.understanding.sentences import QUESTION
from bot.understanding.text import has_cjk, normalize

__all__ = ["IDLE_SECONDS", "NOT_PUBLISHED", "TEXTS", "Dialogue", "Focus"]

TEXTS = PROGRAMME_TEXTS | LIST_TEXTS | {"acknowledged"}
THANKS = "thanks"  # an acknowledgement with thanks gets the thanks entry's answer
MAX_QUESTIONS = 3  # questions of one message answered in one reply
# A programme's overview answered with at least this score is what was asked ("c'est quoi
# le programme CSC ?"); below, the message is matched without the programme's names too.
SURE_OVERVIEW = 0.8
CONTENDERS = 3  # a programme's unpublished fact among this many best topics may be what is asked
SURE_FACT = 0.9  # the other programme's own fact answered this surely, unmarked: what was asked
FRAME_ENTRIES = ("greeting", "thanks")  # the entries that answer a letter's frame, not its asking
UNSURE = 0.6  # a letter's question answered below this score alone may stand for its remark
REMARK_RANK = 3  # a remark's item's list among this many best topics of the question alone
OWN_GUESSES = 3  # a short message with guesses of its own: context answers among them
# A follow-up whose weighted words are this much unknown to the knowledge base ("and the
# nightlife?", "et la cantine ?") is about something else: context does not make it a question.
UNKNOWN_SHARE = 0.6
ACTIONS = frozenset({"signup", "talk-to-coordinator"})
SIGNUP = "signup"  # a question is never a sign-up wish
ANSWERED = (ANSWER, NOT_LISTED)
# every item's normalised name, by knowledge base and language (see Dialogue._item_names)
_ITEM_NAMES: dict[tuple[int, str], tuple[KnowledgeBase, tuple[tuple[str, str], ...]]] = {}
# Where a message may be cut into what it says and what it asks: after a sentence's end, a
# comma, a semicolon or a colon ("The exchange is free, but is the CSC one free too?").
_CLAUSE_END = re.compile(r"(?<=[.!?。！？;；,，:：])")


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
        self.read = reader_of(assistant.kb)  # prepared once per knowledge base
        self.facts = ProgrammeFacts(assistant)
        self.who = Participation(assistant, ACTIONS)
        # the answers without programme names of this message's texts (asked up to twice)
        self._unnamed: dict[tuple[str, str], Reply | None] = {}
        # the topic asked, for each topic answered in its stead by this message's last reply
        # mapped onto a programme (``ProgrammeFacts.for_programme``): what the focus keeps
        self._asked: dict[str, str] = {}
        self._message = ""  # the whole message of the questions answered
        self._switched = False  # the last question asked the topic in focus of another programme

    def reply(self, text: str, lang: str | None = None) -> Reply:
        """The reply to the next message (the focus is updated)."""
        text = spoken_commas(text)  # 住宿要钱吗 最多能待多久: a space typed for a comma
        text = self.assistant.matcher.standard(text, terms=False)  # 嗰個 → 那个, for the markers
        said_then_asked = self._said_then_asked(text)
        if said_then_asked is not None:
            # "The exchange is free, but is the CSC one free too?": what is said of one
            # programme is the context of the question about the other, as if said before it
            said, text = said_then_asked
            self.reply(said, lang)
        return self._reply(text, lang)

    def _said_then_asked(self, text: str) -> tuple[str, str] | None:
        """A message that says something of one programme, then asks about the other: what
        it says and what it asks ("The exchange lasts 4 weeks to 6 months. And the CSC
        one?", "交流项目是免费的，那CSC项目呢？", "L'échange est gratuit, mais le programme CSC
        aussi ?"); ``None`` for any other message (most name one programme or none). What is
        said names only the one programme, not pointed at ("For the CSC one, …"), and is no
        question of its own (no question mark: "交流計畫可以待多久我已經知道了，CSC 那個呢？"
        says what is known); what is asked names only the other (its longest such ending)."""
        read = self.read
        if len(read.programmes_named(text)) < 2:
            return None
        pieces = [p for p in _CLAUSE_END.split(text) if p.strip()]
        for at in range(1, len(pieces)):
            said, asked = "".join(pieces[:at]).strip(), "".join(pieces[at:]).strip()
            about, before = read.programmes_named(asked), read.programmes_named(said)
            if len(about) != 1 or len(before) != 1 or about == before:
                continue
            if asks(said) or read.sentences.opens_asking(said) or read.pointed(said, before):
                # it asks about both ("…?" twice, "who takes part in the CSC programme, and in
                # the exchange?"), or it points at the one asked about first
                # ("For the CSC one, is housing free like in the exchange?")
                return None
            if asks(asked) or read.sentences.asks(asked) or read.ellipsis(asked):
                return said, asked
            return None
        return None

    def _reply(self, text: str, lang: str | None) -> Reply:
        """The reply to a message as it stands (see :meth:`reply`)."""
        now = self.clock()
        self.focus = self.focus.fresh(now, self.idle)
        self._unnamed.clear()
        self._asked = {}
        self._message = text
        self._switched = False
        if self.focus.at > 0 and self.read.only_acknowledges(text):
            # "ok interesting", "d'accord", "好的" after a reply: no question, no new focus
            return self._acknowledged(text, lang, now)
        sentences = self.read.sentences
        asked = sentences.asked(text)[:MAX_QUESTIONS] if sentences.is_letter(text) else []
        # "and pain medicine? she wants a pain clinic": a follow-up's question, its remark after
        # (with a topic in focus: after unanswered messages, "…? <pool & gym>" stays whole)
        single = self._before_remarks(text) if not asked and self.focus.topic else text
        if not asked and self.focus.at > 0:
            single = self.read.unacknowledged(single)  # "明白,ESI 的呢?": "ESI 的呢?"
        questions = [question for question, _ in asked] or [single]
        # what is read by meaning next, in one forward pass with the first reading
        if len(asked) > 1:
            foreseen = questions  # a letter's questions, each matched
        elif asked and questions != [text]:
            foreseen = [text]  # a letter's one question: the whole letter is read to check it
        else:
            foreseen = []
        self.assistant.matcher.foresee(foreseen)  # (a new message: what was foreseen goes)
        if lang is None:  # a letter's: that of its questions, names left out
            matcher = self.assistant.matcher
            body = sentences.body(text)
            asking = sentences.asking(text)
            said = self.focus.language or "en"  # "Strasbourg ?" after French: French
            lang = (
                matcher.letter_language(asking, body, said)
                if asked
                else matcher.language(text, said)
            )
        named = self.read.programmes_named(" ".join(questions))
        if len(named) > 1 and not self.assistant.offers_options(text):
            # "For the CSC one, is housing free like in the exchange?" (in "CSC or the
            # exchange, which one…" the "one" points at neither: a choice)
            named = self.read.pointed(" ".join(questions), named) or named
        # "ok forget france", "laisse tomber le CSC" after the two programmes: the other one
        named = self._kept(text) or named
        # "tell me about both programmes" names them both (see :mod:`.overviews`)
        named = named or set(self.assistant.overviews.asked(text))
        other = self.kb.programmes.other(self.focus.programme or "")
        if not named and other is not None and self.read.names_the_other(text):
            named = {other}  # "et l'autre programme, il dure combien de temps ?"
        pointed = None if named else self.read.ordinal(text, self.focus.named)
        if pointed is not None:
            named = {pointed}  # "Dans le premier, il y a un nombre de places limité ?"
        if asked and not named:
            # a letter's questions about "ce programme" named in its introduction
            around = self.read.programmes_named(sentences.body(text))
            if len(around) == 1:
                self.focus = replace(self.focus, programme=next(iter(around)))
        replies = []
        read_as = text
        for question, remark in asked or [(single, "")]:
            # a letter naming two programmes: each question about the one it names
            own = self.read.programmes_named(question) if len(named) > 1 else set()
            one, read_as = self._one(question, lang, own or named), question
            asked_after = self._past_frame(question) if one.intent in FRAME_ENTRIES else None
            if asked_after is not None:
                # "Ok merci, et en master on la trouve aussi ?": the thanks are no question
                one, read_as = self._one(asked_after, lang, own or named), asked_after
            one = self._past_asker(question, lang, own or named, one)
            if remark and self._about_remark(question, remark, one):
                # "Je m'intéresse à la néonatologie : ce service est-il ouvert ?"
                read_as = f"{remark} {question}"
                one = self._one(read_as, lang, named)
            elif (
                remark
                and one.score < UNSURE
                and self.read.brief(question)
                and self.read.pronoun(question)
            ):
                # "On m'a parlé d'un forum sur le cancer du sein \n depuis quand existe-t-il ?":
                # an unsure answer alone, a surer one with the remark it stands for
                with_remark = self._one(f"{remark} {question}", lang, named)
                if with_remark.kind in ANSWERED and with_remark.score > one.score:
                    one, read_as = with_remark, f"{remark} {question}"
            replies.append(one)
            if len(asked) > 1:  # the next question of a letter reads this one as context
                self._remember(replies[-1], named, lang, now, question)
                self.focus = replace(self.focus, topic=None, item=None)
        facts = [r for r in replies if not self._unsure_overview(r)]
        if len(replies) > 1 and any(r.kind in (*ANSWERED, NOT_PUBLISHED) for r in facts):
            replies = facts  # a letter's "I want to join the exchange" is no question
        reply = combine(self.assistant, replies, lang)
        if len(asked) == 1 and reply.kind in (*ANSWERED, NOT_PUBLISHED) and not self._switched:
            # (not "Not on page. Ok. Graduate exchange then?": the topic in focus, switched)
            # the letter's one question read alone is less sure than the letter as a whole
            surer = self.assistant.surer_whole(text, read_as)
            if surer is not None and surer.topic_id not in (reply.topics or ()):
                whole = topic_answer(self.assistant, surer.topic_id, lang, surer.score)
                # about the programme the letter is about, as its question's reply is ("can I
                # join it? I am from Kazakhstan" after the CSC programme: not the exchange's)
                reply = self._for_programme(whole, self._about(named), lang)
        if reply.kind not in (*ANSWERED, NOT_PUBLISHED) and questions != [text]:
            whole = self._one(text, lang, self.read.programmes_named(text))
            if whole.intent in FRAME_ENTRIES:  # a letter's thanks are never what it asks
                content = sentences.content(text)
                whole = self._one(content, lang, self.read.programmes_named(content))
            if whole.kind == NOT_LISTED:
                whole = self._without_writers_field(text, lang) or whole
            if whole.kind in (*ANSWERED, NOT_PUBLISHED):
                reply = whole  # no sentence answered alone: the letter as a whole
        self._remember(reply, named, lang, now, text)
        return reply

    def _acknowledged(self, text: str, lang: str | None, now: float) -> Reply:
        """The reply to an acknowledgement alone in a conversation: the thanks entry's when it
        thanks ("ok merci"), else a short acknowledgement (``acknowledged``); the focus stays
        where it was (the programme, topic and list a next follow-up is about)."""
        assistant = self.assistant
        lang = lang or assistant.matcher.language(text, self.focus.language or "en")
        reply = assistant.answer(text, lang)
        if reply.kind != ANSWER or reply.intent != THANKS:
            text = assistant.texts.get("acknowledged", lang)
            reply = Reply(text, (assistant.menu_button(lang),), None, 1.0, lang, ANSWER)
        self.focus = replace(self.focus, at=now, language=lang)
        return reply

    def _past_frame(self, text: str) -> str | None:
        """What a message asks after the thanks or greeting it opens with ("Ok merci, et en
        master on la trouve aussi ?", "谢谢，那个要自己买吗？"), when it asks something; else
        None ("thank you so much, that helps" asks nothing)."""
        sentences = self.read.sentences
        pieces = [p for p in _CLAUSE_END.split(text) if p.strip()]
        at = 0
        while at < len(pieces) - 1 and sentences.kind(pieces[at]) in FRAME_ENTRIES:
            at += 1
        rest = "".join(pieces[at:]).strip()
        return rest if at and self._asks(rest) else None

    def _without_writers_field(self, text: str, lang: str) -> Reply | None:
        """A letter's reply read without its self-introduction when the unlisted field it
        gets is named only there, the writer's own field ("Je suis en master de maïeutique …
        Un accueil à l'aéroport est-il organisé ?" asks about arrival, not midwifery); None
        when the letter has no introduction or its questions name an unlisted field too."""
        sentences = self.read.sentences
        asked = sentences.without_introduction(text)
        if asked == sentences.content(text):
            return None  # no self-introduction
        reply = self._one(asked, lang, self.read.programmes_named(asked))
        return None if reply.kind == NOT_LISTED else reply

    def _past_asker(self, text: str, lang: str, named: set[str], reply: Reply) -> Reply:
        """A follow-up pointing back at the item or topic in focus past a clause describing
        the asker ("我是nurse来的，可以在那边 observe 吗" after Specialized Nursing, "je pourrais
        y faire ma partie manip ? (je suis en neuro)" after a lab): the asker's own field is
        not what the pronoun stands for. Read without that clause, when so read it is about
        the item or topic in focus and the reply was not; else the reply as it is."""
        read, pointed = self.read, self._pointed_facts()
        if not pointed or not read.describes_asker(text):
            return reply
        if pointed & {reply.intent, *(reply.topics or ())} or not read.pronoun(text):
            return reply
        question = read.without_asker(text)
        if question == text or not read.pronoun(question):
            return reply
        again = self._one(question, lang, named)
        return again if again.kind in ANSWERED and again.intent in pointed else reply

    def _before_remarks(self, text: str) -> str:
        """A follow-up's one question when remarks follow it ("Et la nutrition ? C'est mon
        deuxième choix", "ok what about a lab for malaria research? na wetin I wan do"): the
        remarks say why it is asked, not what; else the message as it is."""
        marks = [text.find(mark) for mark in "?？"]
        if not any(0 <= at < len(text.rstrip()) - 1 for at in marks):
            return text  # (most messages: no question mark with words after it)
        sentences = self.read.sentences
        parts = sentences.split(text)
        kinds = [sentences.kind(part) for part in parts]
        if kinds.count(QUESTION) != 1 or kinds[-1] == QUESTION:
            return text
        at = kinds.index(QUESTION)
        if any(self.read.asks_on(part) for part in parts[at + 1 :]):
            return text  # "…? 还是只收学生", "…? whats the objective of it": it asks too
        return parts[at]

    def _kept(self, text: str) -> set[str]:
        """The programme left when a message sets one aside ("ok forget france" after the CSC
        programme and the exchange, or after either): the other one; else none."""
        dropped = self.read.dismissed(text)
        if len(dropped) != 1:
            return set()
        other = self.kb.programmes.other(next(iter(dropped)))
        focus = self.focus
        talked = {*focus.named, *([focus.programme] if focus.programme else [])}
        return {other} if other is not None and talked & dropped else set()

    def _about(self, named: set[str]) -> str | None:
        """The programme a message is about: the one it names, else the one in focus."""
        if named:
            return next(iter(named)) if len(named) == 1 else None
        return self.focus.programme

    def _one(self, text: str, lang: str, named: set[str]) -> Reply:
        """One question answered, in context when it does not stand alone, through the gate of
        the programme it is about (:meth:`_own_programme`): whichever reading answered it (a
        list, an item, a "did you mean", the programme's own facts), another programme's fact
        is never the reply to a message about this one."""
        reply = self._read_one(text, lang, named)
        return self._own_programme(text, lang, reply, named)

    def _own_programme(self, text: str, lang: str, reply: Reply, named: set[str]) -> Reply:
        """The gate every reply to a question passes: a fact of the other programme than the
        one the message is about (the one it names, else the one in focus) becomes the
        programme's own answer, counterpart or honest "not published for this programme"
        (``_about_own_programme``), unless the message is clear alone; a message naming the
        other programme is about that one and passes as it is."""
        programme = self._about(named)
        if programme is None or not self.facts.is_other(reply, programme):
            return reply
        if not named:
            gated = self._about_own_programme(text, lang, reply, programme)
        elif programme not in self.read.programmes_named(text):
            return reply  # a letter's question about a programme named elsewhere in it
        else:
            # "I'm a PhD student, thinking about the Strasbourg CSC training": not the PhD list
            gated = self._without_names(text, lang) or reply
            if self.facts.is_other(gated, programme):
                overview = self.kb.programmes.programmes[programme].overview
                gated = topic_answer(self.assistant, overview, lang)
        return self._for_programme(gated, programme, lang)

    def _read_one(self, text: str, lang: str, named: set[str]) -> Reply:
        """One question read (see :meth:`_one`)."""
        assistant, facts, read = self.assistant, self.facts, self.read
        reply = self._facts_only(assistant.answer(text, lang), lang)
        partner_owns = self._partner_owns(text, reply)  # "does Strasbourg have a master?"
        if partner_owns or assistant.declined(text):
            # a request the bot declines ("translate my CV"), whatever the context
            return assistant.fallback(lang, reply.score) if partner_owns else reply
        focus = self.focus
        programme = self._about(named)
        followup = focus.at > 0  # an earlier message of this conversation is remembered
        # "please tell me more about the second one": the item shown there
        shown = self._shown_item(text, lang, reply, named) if followup else None
        listed = (
            self._for_programme(shown, programme, lang)
            if shown is not None
            else self._in_lists(text, lang, reply, named, programme)
        )
        its_item = followup and focus.item is not None and read.pronoun(text)
        if listed is None and followup and not named and not its_item:
            # "Et cette collaboration-là, elle a commencé quand ?" after the CSC programme
            kind = self._named_by_kind(text, lang, reply)
            listed = None if kind is None else self._for_programme(kind, programme, lang)
        if listed is not None:
            return listed
        if its_item:
            # "Ce labo, il travaille avec d'autres pays ?" after the lab: that lab
            reply = item_of_its_kind(assistant, focus, text, reply) or reply
        # "What do they do there?" after the CSC programme: its clinical clerkships
        doing = self._what_they_do(text, lang, reply, programme) if followup else reply
        # after the programme or who takes part ("who gets sent there?"), what they do is what
        # it asks, not the topic in focus; after a lab, "它是做啥子方向的" is about the lab
        done = doing is not reply and focus.topic in {None, *self.facts.overviews, *self.who.topics}
        reply = doing
        unsure = reply.kind not in ANSWERED or reply.score < UNSURE
        unfit = followup and not named and unsure and not self._fits(text)
        if unfit or (reply.kind not in ANSWERED and not self._plausible(text, named)):
            # closer to what is out of scope than to any topic ("the capital of France?",
            # "Strasbourg's Christmas market"), or of words the knowledge base does not know
            # ("and the nightlife?" after housing): declined, whatever the context, unless it
            # points at the topic in focus ("它办了几届了？" after the forum)
            about = self._pronoun_for_focus(text, lang)
            if about is None:
                return assistant.fallback(lang, reply.score)
            return self._for_programme(about, programme, lang)
        switched = reply if done else self._switched_programme(text, lang, reply, named)
        self._switched = switched is not None and not done
        if switched is not None:
            return self._for_programme(switched, programme, lang)
        if named and (reply.kind not in ANSWERED or self._name_only(text, lang, reply, named)):
            # "what activities does the exchange programme include": the name is no question
            # (a statement, "I read about the exchange on your website", is not read again)
            if self._asks(text):
                reply = self._without_names(text, lang) or reply
            if (
                len(named) == 1
                and reply.kind not in ANSWERED
                and read.brief(text)
                and read.names_a_programme_word(text)
            ):
                # "Présente-moi le programme avec Strasbourg": the programme named, when it is
                # the best guess
                overview = self.kb.programmes.programmes[next(iter(named))].overview
                candidates = assistant.match(text).candidates
                if candidates and candidates[0].topic_id == overview:
                    reply = topic_answer(assistant, overview, lang, candidates[0].score)
        if not self._goes_on(reply):  # ("C'est quel hôpital qui l'organise ?" after the forum)
            reply = self._who_takes_part(text, lang, reply, programme)
        if reply.kind == SUGGEST and not named and focus.programme is not None:
            # a "did you mean" whose best topic is the programme in focus's: that one
            reply = self._own_guess(text, lang, focus.programme) or reply
        if focus.topic is not None or focus.programme is not None:
            reply = self._followup(text, lang, reply, named, programme)
        if not named and programme is not None and facts.is_other(reply, programme):
            reply = self._about_own_programme(text, lang, reply, programme)
        if programme in read.programmes_named(text) and facts.is_other(reply, programme):
            # "I'm a PhD student, thinking about the Strasbourg CSC training": not the PhD list
            reply = self._without_names(text, lang) or reply
            if facts.is_other(reply, programme):
                overview = self.kb.programmes.programmes[programme].overview
                reply = topic_answer(assistant, overview, lang)
        if reply.kind == SUGGEST and not self._plausible(text):
            reply = assistant.fallback(lang, reply.score)
        own = facts.programme(programme)
        single = len(reply.topics or ()) <= 1  # "who goes, and since when?" asks two things
        if own is not None and single and reply.intent in self.who.topics and asks(text):
            # "PhD students fit join am?" answered with an entry on who takes part: the one
            # for the programme, people or criteria
            needs = read.asks_what_is_needed(text)
            topic = self.who.entry(text, own, needs=needs, asker=self._asker(text))
            topic = topic or reply.intent
            reply = topic_answer(assistant, topic, lang, reply.score)
        return self._for_programme(reply, programme, lang)

    def _shown_item(self, text: str, lang: str, reply: Reply, named: set[str]) -> Reply | None:
        """A follow-up pointing by its place at one of the items shown or named just before
        ("please tell me more about the second one" after two labs named, "le dernier que
        vous avez cité, il travaille sur quoi ?" after a list, "第二个可以去吗？"), not answered
        surely alone and naming no other item: read about that item (what
        the message asks of it when that is a fact answered surely, else the item)."""
        shown = self.focus.shown
        if (
            len(self.focus.named) > 1
            or not shown
            or (reply.kind in ANSWERED and reply.score >= SURE_FACT)
        ):  # (of two programmes named before, "the first one" is a programme)
            return None
        place = self.read.place(text)
        if place is None or place >= len(shown):
            return None
        item = shown[place]
        if self.assistant.matcher.named_items(text) - {item}:
            return None  # "the second one or Neurology?": it names its own item
        about = self._with_title(text, item, lang)
        if about is not None and about.kind in ANSWERED:
            own = about.intent == item
            fact = about.score >= SURE_FACT and about.intent not in self.kb.items
            if own or (fact and not self.kb.entries[about.intent or item].item_ids):
                return about
        return topic_answer(self.assistant, item, lang)

    def _named_by_kind(self, text: str, lang: str, reply: Reply) -> Reply | None:
        """A follow-up naming the topic in focus (or the programme in focus) by a generic word
        for its kind after a demonstrative ("Et cette collaboration-là, elle a commencé
        quand ?" after the CSC programme, "ce forum, il a lieu où ?"): the word is no topic of
        its own. The message without it, read with the thing's title, when that answers the
        thing more surely than the message alone answers anything; else None."""
        topics, rest = self.read.kind_named(text)
        if not topics:
            return None  # (most messages: no demonstrative before a kind's word)
        own = self.facts.programme(self.focus.programme)
        things = [self.focus.topic, own.overview if own is not None else None]
        thing = next((t for t in things if t is not None and t in topics), None)
        if thing is None:
            return None
        # the thing in focus, or another entry of that kind of the same programme ("cet
        # accord" after the CSC programme: its partnership with Strasbourg)
        theirs = self.kb.programme_of(thing)
        kin = sorted(t for t in topics if t != thing and self.kb.programme_of(t) == theirs)
        best = None
        for about in (thing, *kin):
            again = self._with_title(rest, about, lang)
            if again is not None and again.kind == ANSWER and again.intent == about:
                best = again if best is None or again.score > best.score else best
        if best is None or best.intent == reply.intent:
            return None
        alone = self.assistant.match(text).candidates[:1]
        return best if not alone or best.score > alone[0].score else None

    def _shown(self, reply: Reply, text: str, lang: str) -> tuple[str, ...]:
        """The items a follow-up may point at by their place: those the message named, in
        its order, when several; else those the reply shows, in its order (by their names in
        its text; a list's in its order); none when fewer than two."""
        items = self.kb.items
        lowered = normalize(text)
        named = self.assistant.matcher.named_items(text)
        if len(named) > 1:
            first = {i: _first_at(lowered, _names_of(items[i])) for i in named}
            return tuple(sorted(named, key=lambda i: (first[i], i)))
        if reply.intent in items:
            # one item answered: the others its text names are not shown as choices
            return self.focus.shown if reply.intent in self.focus.shown else ()
        if reply.kind not in ANSWERED or not reply.text:
            return ()
        entry = self.kb.entries.get(reply.intent or "")
        if entry is not None and len(entry.item_ids) > 1:
            return entry.item_ids  # a list, shown in its order
        shown = normalize(reply.text)
        spans: list[tuple[int, int, str]] = []
        for i, name in self._item_names(lang):
            at = shown.find(name)
            if at >= 0:
                spans.append((at, at + len(name), i))
        # a name within a longer one ("Biology" in "Molecular Biology on …") is not shown
        found = [
            (at, i)
            for at, end, i in spans
            if not any(a <= at and end <= e and (a, e) != (at, end) for a, e, _ in spans)
        ]
        return tuple(i for _, i in sorted(found)) if len(found) > 1 else ()

    def _item_names(self, lang: str) -> tuple[tuple[str, str], ...]:
        """Every item's normalised name in a language (prepared once per knowledge base)."""
        kb = self.kb
        known = _ITEM_NAMES.get((id(kb), lang))
        if known is not None and known[0] is kb:
            return known[1]
        names = ((i, normalize(item.name[lang])) for i, item in kb.items.items())
        prepared = tuple((i, n) for i, n in names if n)
        if len(_ITEM_NAMES) >= 12:
            _ITEM_NAMES.clear()
        _ITEM_NAMES[(id(kb), lang)] = (kb, prepared)
        return prepared

    def _in_lists(
        self, text: str, lang: str, reply: Reply, named: set[str], programme: str | None
    ) -> Reply | None:
        """A follow-up about the lists in focus: the others than the item set apart ("what
        else comes under that centre?" after Maternal-fetal Medicine), or "not among" the
        list in focus ("皮肤科呢？" after the hospital specialties), or the item in focus asked of
        another list ("Et un doctorat dans cette même discipline ?"); else None."""
        assistant, read, focus = self.assistant, self.read, self.focus
        if focus.at > 0 and not named and read.within_reach(text):
            besides = read.asks_besides(text)
            if besides or read.says_other(text):
                pointing = read.pronoun(text) or read.compares(text)  # "in the same group"
                other_words = () if besides else read.other_words
                others = others_in_focus(
                    assistant, focus, text, reply, pointing=pointing, other_words=other_words
                )
                if others is not None:
                    return self._for_programme(others, programme, lang)
        # (a longer follow-up opening with an ellipsis and pointing back: "Et la santé
        # publique, elle fait partie de ce top ?")
        longer = focus.list is not None and read.ellipsis(text) and read.points_back(text)
        unlisted = None
        if focus.list is not None and (read.short(text) or longer):
            elliptic = read.elliptic(text) or longer
            unlisted = unlisted_in_focus(assistant, focus, text, lang, elliptic=elliptic)
            pointing = read.pronoun(text)
            unlisted = unlisted or unnamed_in_focus(
                assistant, focus, text, lang, reply, pointing=pointing, elliptic=elliptic
            )
        # "Et un doctorat dans cette même discipline ?" after a master's discipline
        return unlisted or self._item_in_another_list(text, lang, reply)

    def _for_programme(self, reply: Reply, programme: str | None, lang: str) -> Reply:
        """The reply about the programme (``ProgrammeFacts.for_programme``, one mapping of its
        topics), noting the topic asked for each topic answered in its stead (kept by the
        focus)."""
        mapped, asked = self.facts.for_programme(reply, programme, lang)
        if asked is not None:
            self._asked = asked
        return mapped

    def _partner_owns(self, text: str, reply: Reply) -> bool:
        """Whether a question asks what a partner institution itself has or offers ("and does
        Strasbourg have a nursing master?", "斯特拉斯堡有护理硕士吗？"): it names a partner and
        a field of our lists (or is answered with one), says the partner has it, and says no
        programme word. Our lists are CQMU's: such a question is about another institution's
        own degrees, declined like the single questions of
        :mod:`bot.understanding.institutions`."""
        read, matcher = self.read, self.assistant.matcher
        if not asks(text) or read.names_a_programme_word(text) or not read.says_owns(text):
            return False
        if not matcher.names_partner(text):
            return False
        return bool(matcher.named_items(text)) or reply.intent in self.kb.items

    def _what_they_do(self, text: str, lang: str, reply: Reply, programme: str | None) -> Reply:
        """A short follow-up with a pronoun asking a programme-wide fact by its words
        (``followups.asked_fact``) about the programme in focus, not answered surely alone,
        or any such question answered with the programme as a whole or who takes part: that
        fact. What participants do ("What do they do there?", "他们去到那边做什么？":
        ``doing_topic``, the exchange's contents; the CSC programme's counterpart, its
        clinical clerkships); how many take part ("Combien d'étudiants par université ?",
        "一年收几个学生？": ``counting_topic``, the exchange's places; the honest "not
        published" for the CSC programme); else the reply as it is."""
        read, topic = self.read, self.read.asked_fact(text)
        if programme is None or topic is None or self.facts.programme(programme) is None:
            return reply
        if reply.intent in self.assistant.matcher.named_items(text):
            return reply  # "Et celui sur les lipides, il fait quoi ?": the lab it names
        # answered with the programme as a whole or with who takes part, a question asking
        # what participants do asks that, however long or sure ("in the academic exchange
        # what do students actually do", "in Strasbourg one what participants do?")
        broad = reply.kind not in ANSWERED or reply.intent in self._broad_topics(text)
        if not broad and reply.score >= SURE_FACT:
            return reply  # answered surely alone: what it asks
        if not (broad or (read.short(text) and read.pronoun(text))):
            return reply
        found = topic_answer(self.assistant, topic, lang, SURE_FACT)
        return self._for_programme(found, programme, lang)

    def _broad_topics(self, text: str) -> set[str]:
        """The topics that answer a programme as a whole: its overviews, and the entries on
        who takes part unless the message asks who."""
        who = set() if self.read.asks_who(text) else set(self.who.topics)
        return set(self.facts.overviews) | who

    def _followup(
        self, text: str, lang: str, reply: Reply, named: set[str], programme: str | None
    ) -> Reply:
        """A message read with the focus, when it does not stand alone."""
        read, focus = self.read, self.focus
        followup = read.is_followup(text)
        # the programme in focus named again by words that answer a topic of their own surely
        # ("Et les établissements partenaires ?" after the exchange's aims: its partners)
        renamed = named == {focus.programme} and self._sure_elsewhere(reply)
        if followup and named and focus.topic is not None and read.only_names(text) and not renamed:
            # "and CSC students?": the topic in focus, for the programme named
            return topic_answer(self.assistant, focus.topic, lang)
        listed = self._list_asked(text, lang, reply)
        if listed is not None:
            return listed
        # a wish ("I want to sign up") is the action it asks for, context or not
        if (followup or read.short(text)) and (
            reply.kind not in ANSWERED or (reply.intent in ACTIONS and self._asks(text))
        ):
            in_context = self._in_context(text, lang, programme)
            if in_context is not None and not followup and not self._own_guess_of(text, in_context):
                # "do u hav pediatrik rotashuns" after the language of teaching: a short
                # message with guesses of its own is no follow-up of another topic
                return reply
            return in_context or reply
        if reply.kind == ANSWER and read.pronoun(text):
            # "ce labo accueille-t-il des étudiants ?" after a lab: that lab, not the list
            item = item_in_focus(self.assistant, focus, text, reply)
            if item is not None:
                return item
        # a pointing-back message not answered alone ("Il y en a eu combien de sessions
        # jusqu'à maintenant ?" after the forum: a "did you mean") is read with the focus too
        unanswered = reply.kind not in (*ANSWERED, NOT_PUBLISHED)
        if (
            read.points_back(text)
            and (reply.kind == ANSWER or unanswered)
            # beyond a short follow-up's words, a sure answer alone is clear alone
            and (read.short(text) or reply.score < SURE_FACT)
            and focus.topic not in self.facts.overviews
            and (unanswered or reply.intent not in (focus.item, focus.topic, focus.list))
            # (an answer about the item, topic or list in focus is already about it)
            # "qui peut y participer ?" after a topic of the programme (not an item): the
            # programme's participants, the pronoun is the programme
            and not (
                reply.intent in self.who.topics and (focus.item is None or read.asks_who(text))
            )
        ):
            # "il a combien de sessions ?" after the forum: the forum; "and they give housing
            # there too?" after a partner (housing answered more surely alone): the housing
            about = self._about_focus(text, lang)
            if unanswered and about is not None and about.score < UNSURE:
                about = None  # "do they have good coffee machines in there?" after the labs
            if about is not None and named and programme and self.facts.is_other(about, programme):
                # "Et dans le programme d'échange, on fait aussi de la clinique ?" after the
                # CSC's clerkships: the programme named asks its own fact, not that one
                about = None
            # "那個也是免費的嗎" after housing (Dartmouth's too): compared with what was said and
            # answered surely by the topic in focus, the fact asked is that topic's, not one of
            # its own ("and they give housing there too?" after a partner: housing)
            same = about is not None and about.score >= SURE_FACT and read.compares(text)
            own = about is None or (not same and self._own_fact(reply, about))
            reply = about if about is not None and not own else reply
        return reply

    def _item_in_another_list(self, text: str, lang: str, reply: Reply) -> Reply | None:
        """A short follow-up pointing back at the item in focus and naming another list only
        ("Et un doctorat dans cette même discipline ?" after Statistics, a master's
        discipline; "is it a PhD subject too?"): "not among" that list when the item is not in
        it (in it, or answered surely alone with another topic, as it is)."""
        read, matcher = self.read, self.assistant.matcher
        item = self.kb.items.get(self.focus.item or "")
        if item is None or not read.short(text) or not read.pronoun(text):
            return None
        lists = matcher.named_lists(text)
        if len(lists) != 1 or matcher.named_items(text):
            return None
        wanted = lists[0]
        if wanted in {m.entry_id for m in item.memberships} or wanted not in self.kb.entries:
            return None
        if reply.kind in ANSWERED and reply.intent != wanted and reply.score >= UNSURE:
            return None  # "Ce labo dépend de quel ministère ?": a fact asked of its own
        listed = self.kb.entries[wanted].item_ids
        if item.id in listed or any(o.id in listed for o in self.assistant.family(item.id)):
            return None
        names = {language: item.label(language) for language in LANGUAGES}
        return self.assistant.not_listed_reply(names, wanted, lang, item)

    def _list_asked(self, text: str, lang: str, reply: Reply) -> Reply | None:
        """A short follow-up opening with an ellipsis that names a list by its own words and
        no item ("Et côté labos ?", "and the labs?", "那实验室呢？" after the hospital
        specialties): that list, unless the message is answered surely, or with the list,
        one of its items or an entry of the same list's kind."""
        read = self.read
        if not (read.ellipsis(text) and read.short(text)) or reply.score >= SURE_FACT:
            return None
        matcher = self.assistant.matcher
        lists = matcher.named_lists(text)
        if len(lists) != 1 or matcher.named_items(text):
            return None
        wanted = lists[0]
        rest = f" {normalize(read.names_removed(read.stripped(text)))} "
        for word in sorted(self.assistant.config.list_words.get(wanted, ()), key=len, reverse=True):
            rest = rest.replace(word if has_cjk(word) else f" {word} ", " ")
        if rest.strip() and matcher.specific(rest):
            # it asks something of its own ("那exchange那个有临床的吗？还是只有lab而已")
            best = self.assistant.match(rest).candidates[:1]
            threshold = self.assistant.config.suggest_threshold
            if best and best[0].score >= threshold and best[0].topic_id != wanted:
                return None
        topics = set(reply.topics or ()) | ({reply.intent} if reply.intent else set())
        items = {t for t in topics if t in self.kb.items}
        if wanted in topics or wanted in self._kinds_of(items):
            return None
        if reply.kind in ANSWERED and any(self.kb.programme_of(t) == NONE for t in topics):
            return None  # the bot's own entries ("thanks", "greeting")
        return topic_answer(self.assistant, wanted, lang)

    def _sure_elsewhere(self, reply: Reply) -> bool:
        """Whether a reply surely answers a fact other than the topic in focus (no overview)."""
        return (
            reply.kind in ANSWERED
            and reply.score >= SURE_OVERVIEW
            and reply.intent is not None
            and self._a_fact(reply.intent)
        )

    def _own_fact(self, reply: Reply, about: Reply) -> bool:
        """Whether a follow-up with a pronoun asks a fact of its own rather than about the
        topic in focus ("and they give housing there too?" after a partner institution): its
        answer alone is surer than read with the focus, and a published programme fact that
        is not the list of the item in focus, nor two topics (a pronoun for "the 111 Center"
        answered alone with the labs, the bot's help or an honest unknown is about the
        centre)."""
        topic = reply.intent
        if topic is None or reply.score <= about.score or self.kb.programme_of(topic) == NONE:
            return False
        if len(reply.topics or ()) > 1:
            return False  # "that lab is national level or ministry level?": options of it
        entry = self.kb.entries.get(topic)
        if entry is None or not entry.published or entry.item_ids or topic in self.facts.overviews:
            return False
        if topic in self.read.list_overviews:
            return False  # "which areas does it have?" after a centre: its areas, not all lists
        item = self.focus.item
        kinds = self._kinds_of({item}) if item is not None and item in self.kb.items else set()
        return reply.kind == ANSWER and not kinds & set(reply.topics or (topic,))

    def _own_guess_of(self, text: str, reply: Reply) -> bool:
        """Whether a reply found with the focus is among the message's own best guesses, or
        the message alone has none worth offering (below ``thresholds.suggest``)."""
        candidates = self.assistant.match(text).candidates
        if not candidates or candidates[0].score < self.assistant.config.suggest_threshold:
            return True
        own = {c.topic_id for c in candidates[:OWN_GUESSES]}
        return any(topic in own for topic in (reply.topics or (reply.intent,)))

    def _about_remark(self, question: str, remark: str, reply: Reply) -> bool:
        """Whether a letter's question with a pronoun or deixis stands for the remark before
        it: it is not answered alone, or the remark names an item, the question none, and
        the question alone is answered unsurely or is about that kind of item (the item's list
        among its best topics: "Neonatology is what I love most. Is this department open…?").
        A remark on the writer's field does not take over a question answered surely about
        something else ("My research is on oncology. When did CQMU sign its agreement with
        them?")."""
        if self.read.pronoun(question):  # the cheap reading first: it often decides alone
            if reply.kind not in (*ANSWERED, NOT_PUBLISHED):
                return True
            named_items = self.assistant.matcher.named_items
            items = named_items(remark)
            if items and not named_items(question):
                if reply.score < UNSURE:  # "i love peds 🥹 what stuff is there at the hospital"
                    return True
                best = self.assistant.match(question).candidates[:REMARK_RANK]
                kinds = self._kinds_of(items)
                if any(c.topic_id in kinds for c in best):
                    return True
        # "Pédiatrie, néonatologie et obstétrique : laquelle choisir ?"
        offers = self.assistant.offers_options
        return offers(f"{remark} {question}") and not offers(question)

    def _kinds_of(self, items: set[str]) -> set[str]:
        """The items, their lists, and the overview of every list (the entry each list is
        related to: "Disciplines", prepared once per knowledge base): what a question about
        one of the items may be answered with alone ("Is this department open to exchange
        students?")."""
        lists = {m.entry_id for i in items for m in self.kb.items[i].memberships}
        return set(items) | lists | self.read.list_overviews

    def _facts_only(self, reply: Reply, lang: str) -> Reply:
        """A reply of several topics without the actions and the programme overviews when it
        also gives a fact: "I want to join the exchange, whom do I write to?" asks the
        contact, the programme's name and the wish are no question."""
        topics = reply.topics or ()
        if reply.kind != ANSWER or len(topics) < 2 or self.facts.overviews <= set(topics):
            return reply  # (both overviews: the programmes compared, kept whole)
        kept = [t for t in topics if t not in ACTIONS and t not in self.facts.overviews]
        if not kept or len(kept) == len(topics):
            return reply
        parts = [topic_answer(self.assistant, t, lang, reply.score) for t in kept]
        return combine(self.assistant, parts, lang)

    def _name_only(self, text: str, lang: str, reply: Reply, named: set[str]) -> bool:
        """An unsure reply that the programme's name alone may have drawn: its overview, or
        another entry of a programme named when the message without the names surely asks a
        fact that programme's page does not give ("how long is the Sino-French program?" is
        its honest "not published", not the partnership with Strasbourg; issue 18, session 8)."""
        if self._unsure_overview(reply):
            return True
        if reply.score >= SURE_OVERVIEW or self.kb.programme_of(str(reply.intent)) not in named:
            return False
        owns = [own for p in named if (own := self.facts.programme(p)) is not None]
        if not owns or any(reply.intent in own.not_published for own in owns):
            return False  # already an honest "not published" of that programme
        unpublished = {topic for own in owns for topic in own.not_published}
        contenders = self.assistant.match(text).candidates[:CONTENDERS]  # (a cached match)
        if not any(c.topic_id in unpublished for c in contenders):
            return False  # no unpublished fact in the running: not worth reading it again
        unnamed = self._without_names(text, lang)  # surely a fact its page does not give
        if unnamed is None or unnamed.intent == reply.intent or unnamed.score < SURE_OVERVIEW:
            return False
        return unnamed.intent in unpublished

    def _unsure_overview(self, reply: Reply) -> bool:
        """A programme's overview given with a low score: the name was said, not asked about."""
        return reply.intent in self.facts.overviews and reply.score < SURE_OVERVIEW

    def _plausible(self, text: str, named: set[str] | None = None) -> bool:
        """Whether a "did you mean" shares meaning with the message, not only a word: its
        best topic is closer in meaning than the out-of-scope examples ("what's the weather
        like in Chongqing in winter?" is no question about start dates). A message naming a
        programme is read without its names too, when its best topic is then the programme's
        own or one its page does not give ("How long do the CSC people stay in Strasbourg?":
        the city is no sight-seeing question)."""
        own = self.facts.programme(next(iter(named))) if named and len(named) == 1 else None
        if own is not None and not self._plausible(text):
            rest = self.read.names_removed(text)
            if len(self.read.words(rest)) < 2 or not self._plausible(rest):
                return False
            return self.facts.belongs(self.assistant.match(rest).candidates[0].topic_id, own)
        match = self.assistant.match(text)
        if not match.by_meaning or not match.candidates:
            return True
        return match.candidates[0].cosine >= match.off_topic

    def _fits(self, text: str) -> bool:
        """Whether a message's own content fits what the knowledge base is about, so that
        context may help it: most of its weighted words are known ("what does it study?",
        "et les frais ?"), or its meaning is clearly closer to a topic than to the out-of-scope
        examples (by ``semantic.off_topic_margin``). "and the nightlife?" after housing, "et
        la cantine ?" after the labs do not fit: they are declined, not read with the focus."""
        matcher = self.assistant.matcher
        if matcher.unknown_share(text) < UNKNOWN_SHARE:
            return True
        match = self.assistant.match(text)
        if not match.by_meaning:
            return False
        closest = max((c.cosine for c in match.candidates), default=0.0)
        return closest >= match.off_topic + self.assistant.config.semantic.off_topic_margin

    def _without_names(self, text: str, lang: str) -> Reply | None:
        """The answer to a message with its programme names taken out: a confident one, or,
        for a question, its best guess when that is neither an action nor an overview ("Quel
        visa faut-il pour le programme d'échange ?": the name drowns the visa)."""
        if (text, lang) not in self._unnamed:
            self._unnamed[text, lang] = self._answer_without_names(text, lang)
        return self._unnamed[text, lang]

    def _answer_without_names(self, text: str, lang: str) -> Reply | None:
        rest = self.read.names_removed(text)
        if len(self.read.words(rest)) < 2 or not self.assistant.matcher.specific(rest):
            return None  # "what is the exchange programme?": the name is what it asks
        reply = self.assistant.answer(rest, lang)
        if reply.kind == SUGGEST and self.read.sentences.kind(text) == QUESTION:
            guess = self._best_guess(rest, lang)
            reply = guess if guess is not None else reply
        if reply.kind not in ANSWERED or reply.intent in ACTIONS:
            return None
        return None if reply.intent in self.facts.overviews else reply

    def _best_guess(self, text: str, lang: str) -> Reply | None:
        """The best topic of an unsure match, when it shares meaning with the message."""
        match = self.assistant.match(text)
        candidates = [c for c in match.candidates if c.topic_id not in ACTIONS]
        if not candidates or candidates[0].topic_id in self.facts.overviews:
            return None
        best = candidates[0]
        if best.score < self.assistant.config.suggest_threshold or not self._plausible(text):
            return None
        return topic_answer(self.assistant, best.topic_id, lang, best.score)

    def _in_context(self, text: str, lang: str, programme: str | None) -> Reply | None:
        """A follow-up read with the focus: a named item, or the message with the title of
        the item, topic or list in focus (then the programme's) added."""
        assistant, focus = self.assistant, self.focus
        named = assistant.matcher.named_items(text)
        if len(named) == 1:
            return topic_answer(assistant, next(iter(named)), lang)
        if not self._fits(text):
            return None  # "et la cantine ?" after the labs is no question about the labs
        anchors = [t for t in (focus.item, focus.topic, focus.list) if t is not None]
        own = self.facts.programme(programme)
        if own is not None:
            anchors.append(own.overview)
        for anchor in dict.fromkeys(anchors):
            reply = self._with_title(text, anchor, lang)
            # the same overview, or the same item of a list, is no answer to "and X?" (a
            # pronoun for a thing points at the item: "can exchange students train in it")
            pointed = anchor == focus.item and self.read.thing_pronoun(text)
            repeated = anchor in self.facts.overviews or (anchor in self.kb.items and not pointed)
            if reply is not None and not (repeated and reply.intent == anchor):
                return reply
        if own is not None:  # the best guess, when it is about the programme in focus
            threshold = assistant.config.suggest_threshold
            first = [c for c in assistant.match(text).candidates if c.topic_id not in ACTIONS][:1]
            for candidate in first:
                if candidate.score >= threshold and self.facts.belongs(candidate.topic_id, own):
                    return topic_answer(assistant, candidate.topic_id, lang, candidate.score)
        return None

    def _with_title(self, text: str, anchor: str, lang: str) -> Reply | None:
        title = self.kb.title(anchor, lang)
        match = self.assistant.match(f"{self.read.stripped(text)} {title}")
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
        if not self._fits(text):
            return None  # "does it have a nice view?": not what the bot knows of it
        reply = self._with_title(text, topic, lang)
        if reply is None or reply.intent is None:
            return None
        return reply if reply.intent in {topic, focus.topic, focus.list} else None

    def _pronoun_for_focus(self, text: str, lang: str) -> Reply | None:
        """A follow-up with a pronoun that looks out of scope alone but not clearly so
        ("它办了几届了？" after the breast cancer forum), read as about the topic in focus."""
        read = self.read
        if self.focus.topic is None or not read.points_back(text):
            return None  # (a pronoun over a few more words than an ellipsis points back too)
        if self.assistant.out_of_scope(self.assistant.match(text)):
            return None  # "what's the weather like there?": out of scope, whatever "there" is
        about = self._about_focus(text, lang)
        if about is not None and not read.short(text) and about.score < UNSURE:
            return None  # a longer message, "do they have good coffee machines in there?"
        return about

    def _switched_programme(
        self, text: str, lang: str, reply: Reply, named: set[str]
    ) -> Reply | None:
        """A follow-up that names the other programme and asks nothing of its own ("Right. For
        the academic exchange?" after the CSC's places, "et pour le programme CSC ?" after the
        exchange's housing): the topic in focus, for the programme named (its counterpart, or
        the honest "not published" when its page does not give it)."""
        focus, read, facts = self.focus, self.read, self.facts
        if len(named) != 1 or focus.topic is None or focus.topic in ACTIONS:
            return None
        programme = facts.programme(next(iter(named)))
        if programme is None or programme.id == focus.programme:
            return None
        if not (read.short(text) or read.ellipsis(text)) or self._asks_more(text, reply):
            return None
        if focus.topic in facts.overviews:
            return topic_answer(self.assistant, programme.overview, lang)
        if not facts.maps(focus.topic, programme):
            return None
        return topic_answer(self.assistant, focus.topic, lang)

    def _asks_more(self, text: str, reply: Reply) -> bool:
        """Whether a message naming a programme asks a fact of its own, besides the name: its
        best guess without the names (or, when little is left, its answer) is a topic that is
        neither the one in focus, an overview, nor one of the bot's own ("merci", "ok")."""
        rest = self.read.same_removed(self.read.names_removed(self.read.stripped(text)))
        if not rest or not self.assistant.matcher.specific(rest):
            return False  # "and the other one?", "is it the same for the academic exchange?"
        if len(self.read.words(rest)) < 2:
            return (
                reply.kind in ANSWERED and reply.intent is not None and self._a_fact(reply.intent)
            )
        candidates = self.assistant.match(rest).candidates
        threshold = self.assistant.config.suggest_threshold
        return (
            bool(candidates)
            and candidates[0].score >= threshold
            and self._a_fact(candidates[0].topic_id)
        )

    def _a_fact(self, topic: str) -> bool:
        """A fact other than the topic in focus (no overview, action or bot's own entry)."""
        if topic == self.focus.topic or topic in self.facts.overviews or topic in ACTIONS:
            return False
        return self.kb.programme_of(topic) != NONE

    def _about_own_programme(self, text: str, lang: str, reply: Reply, programme: str) -> Reply:
        """A message that does not stand alone, answered with the other programme's fact:
        the programme in focus's best candidate ("Combien d'étudiants par université
        partenaire ?" in the exchange), else, for a follow-up, the honest "not published for
        this programme" ("Et de la recherche aussi ?" about the CSC programme)."""
        read = self.read
        hints = read.hinted(text)
        if hints and programme not in hints:
            # it describes the other programme ("since when has CQMU worked with French
            # institutions?" after the exchange's housing): not about the one in focus
            return reply
        # a pronoun, an ellipsis or a word describing the programme in focus: about it
        hinted = programme in hints
        marked = read.pronoun(text) or read.ellipsis(text) or hinted
        unsure = reply.kind != ANSWER or reply.score < UNSURE
        if not (read.short(text) or marked or unsure):
            return reply  # clear alone: answered as it is
        # a brief message naming nothing of its own, no item nor list ("学什么？" after the CSC
        # programme; not "Which CQMU disciplines are in ESI top 1%?") is about the programme in
        # focus as a follow-up is: the other programme's fact it asks surely is not published
        # for this one
        matcher = self.assistant.matcher
        bare = read.brief(text) and not (matcher.named_items(text) or matcher.named_lists(text))
        sure = not marked and reply.kind == ANSWER and reply.score >= SURE_FACT
        if sure and not bare:
            return reply  # "How many sessions has the breast cancer forum had?": its own
        own = None if sure else self._own_candidate(text, lang, programme, counterparts=marked)
        if own is not None:
            return own
        mine = self.facts.programme(programme)
        about_it = read.is_followup(text) or unsure or hinted or bare
        if mine is not None and reply.intent is not None and about_it:
            return self.facts.not_published(mine, reply.intent, lang)
        return reply

    def _own_candidate(
        self, text: str, lang: str, programme: str, *, counterparts: bool = False
    ) -> Reply | None:
        """The best candidate of the programme in focus (or of both), when it is a guess;
        with ``counterparts`` (a message with a pronoun or an ellipsis: it is about the
        programme in focus), a candidate of the other programme stands for its counterpart
        ("whats the objective of it" about the CSC programme is its overview)."""
        own = self.facts.programme(programme)
        if own is None:
            return None
        threshold = self.assistant.config.suggest_threshold
        for candidate in self.assistant.match(text).candidates:
            topic = candidate.topic_id
            if candidate.score < threshold:
                break
            if topic in ACTIONS:
                continue
            if self.facts.belongs(topic, own) or self.kb.programme_of(topic) == BOTH:
                return topic_answer(self.assistant, topic, lang, candidate.score)
            counterpart = own.counterparts.get(topic) if counterparts else None
            if counterpart is not None:
                return topic_answer(self.assistant, counterpart, lang, candidate.score)
        return None

    def _own_guess(self, text: str, lang: str, programme: str) -> Reply | None:
        """The best candidate of an unsure match when it belongs to the programme in focus."""
        own = self.facts.programme(programme)
        candidates = [c for c in self.assistant.match(text).candidates if c.topic_id not in ACTIONS]
        if own is None or not candidates:
            return None
        best = candidates[0]
        if self.kb.programme_of(best.topic_id) != own.id or best.topic_id == own.overview:
            return None
        return topic_answer(self.assistant, best.topic_id, lang, best.score)

    def _who_takes_part(self, text: str, lang: str, reply: Reply, programme: str | None) -> Reply:
        """A question is no sign-up wish; one about who may take part in a programme ("qui
        peut y participer ?", "am I eligible?", "哪些人能参加？") gets that programme's entry
        (:mod:`bot.understanding.participation`), when the reply is unsure, the sign-up, or
        an entry about who takes part."""
        # (a question mark, or, for a message not answered alone, a question word asking who
        # without one: "who can take part in it"; "那具体咋报名参加，流程是啥样的" asks the
        # procedure, "主要是想培养什么样的人才" the aims, not who takes part)
        unanswered = reply.kind not in ANSWERED
        question = asks(text) or (unanswered and self.read.asks_who(text) and self._asks(text))
        if not question or len(reply.topics or ()) > 1:
            return reply  # a wish to join; or a question of two topics, both answered
        joining = reply.intent == SIGNUP
        if joining:
            reply = self._without_actions(text, lang) or reply
        own = self.facts.programme(programme)
        if own is None:
            return reply
        # the sign-up among the best candidates of a question ("什么人可以参加？" is
        # answered on what participants learn, the sign-up close behind): who takes part
        guess = reply.kind == SUGGEST or (reply.kind == ANSWER and reply.score < SURE_FACT)
        guess = guess and reply.intent not in self.who.topics
        unsure = guess and self._close_to_signup(text)
        # "哪些人可以来参加？", "who can come?": a question word asking who, and an entry on who
        # takes part (or the sign-up) among the candidates
        unsure = unsure or (guess and self.read.asks_who(text) and self._who_among(text))
        about = joining or reply.intent in self.who.topics
        # "can I join even if I'm a resident?", "Can I go? I am not a CQMU student.": whether
        # someone like the asker may take part (the description may be a remark of the message)
        asker = (
            (guess or about)
            and self.read.describes_asker(self._message)
            and (self.who.asks_who(text) or self._close_to_signup(text))
        )
        if unsure or asker or (about and self.who.asks_who(text)) or reply.intent == SIGNUP:
            needs = self.read.asks_what_is_needed(text)
            topic = self.who.entry(text, own, needs=needs, asker=asker)
            if topic is not None:
                return topic_answer(self.assistant, topic, lang, reply.score)
        return reply

    def _goes_on(self, reply: Reply) -> bool:
        """Whether a follow-up is answered alone with the item or topic in focus, a fact that
        is neither a programme's overview nor who takes part: it goes on about that, it does
        not ask who may take part ("C'est quel hôpital qui l'organise ?" after the forum)."""
        return reply.kind == ANSWER and reply.intent in self._pointed_facts()

    def _pointed_facts(self) -> set[str]:
        """The item and topic in focus that a follow-up may point back at: facts, not a
        programme's overview nor who takes part; none before the first message."""
        focus = self.focus
        if focus.at <= 0:
            return set()
        left_out = {*self.facts.overviews, *self.who.topics}
        return {t for t in (focus.item, focus.topic) if t is not None and t not in left_out}

    def _asks(self, text: str) -> bool:
        """Whether a message is a question: a question mark, or a question word or form
        without one ("who can take part in it", "c quoi les etapes": students often leave
        the mark out); a wish ("I want to sign up") is none."""
        return asks(text) or self.read.sentences.asks(text)

    def _asker(self, text: str) -> bool:
        """Whether a question answered with an entry on who takes part describes the asker
        ("can i join even if im a resident?"), or the message does and the question is close
        to a wish to join ("can I join? I'm a GP"; a letter's introduction before "which
        schools take part?" is not)."""
        read = self.read
        if read.describes_asker(text):
            return True
        return read.describes_asker(self._message) and self._close_to_signup(text)

    def _close_to_signup(self, text: str) -> bool:
        """Whether the sign-up is among the best candidates of a message (within the margin
        of the best): a question that close to a wish to join asks who can take part."""
        candidates = self.assistant.match(text).candidates
        if not candidates:
            return False
        margin = self.assistant.config.margin
        return any(
            c.topic_id == SIGNUP and c.score >= candidates[0].score - margin for c in candidates
        )

    def _who_among(self, text: str) -> bool:
        """Whether an entry on who takes part, or the sign-up, is a candidate of a message
        (at or above the suggestion threshold)."""
        threshold = self.assistant.config.suggest_threshold
        return any(
            c.score >= threshold and (c.topic_id in self.who.topics or c.topic_id == SIGNUP)
            for c in self.assistant.match(text).candidates
        )

    def _talked_about(self, text: str) -> str | None:
        """The best topic of a statement's unsure match (a "did you mean" offered), if any."""
        best = [c for c in self.assistant.match(text).candidates if c.topic_id not in ACTIONS][:1]
        sure = best and best[0].score >= self.assistant.config.suggest_threshold
        return best[0].topic_id if sure else None

    def _without_actions(self, text: str, lang: str) -> Reply | None:
        """The best answer that is not an action (a question is no sign-up wish)."""
        for candidate in self.assistant.match(text).candidates:
            if candidate.topic_id in ACTIONS:
                continue
            if candidate.score >= self.assistant.config.suggest_threshold:
                return topic_answer(self.assistant, candidate.topic_id, lang, candidate.score)
            break
        return None

    def _remember(self, reply: Reply, named: set[str], lang: str, now: float, text: str) -> None:
        """The focus after a reply: the programme named or answered about, its topic, list
        and item (an item's list: the one the message names, else its first)."""
        focus = self.focus
        programme = next(iter(named)) if len(named) == 1 else focus.programme
        hinted = self.read.hinted(text) if not named and reply.kind == SUGGEST else set()
        if len(hinted) == 1:
            # "my classmate said CQMU sends students to France, is that true?" offered a "did
            # you mean": the programme it describes is still what it is about
            programme = next(iter(hinted))
        topic = self._asked.get(reply.intent or "", reply.intent)  # what was asked
        guessed = reply.kind == SUGGEST and not self.read.short(text)
        if guessed and not self._asks(text):
            # "My cousin did a clerkship abroad through CQMU's partner": no question, but
            # what a "where was it?" after it is about (the best guess, when one is offered;
            # it does not change the programme in focus)
            topic = self._talked_about(text)
        elif reply.kind == ANSWER and topic in self.facts.overviews and not self._asks(text):
            # "Mon cousin a fait un stage clinique dans le cadre de la coopération entre CQMU
            # et Strasbourg": no question, answered with the programme it names; what a "c'est
            # où ?" after it is about is the fact it tells of (its own best guess), if any
            told = self._talked_about(text) if not self.read.short(text) else None
            topic = told if told is not None and self._a_fact(told) else topic
        # the programmes compared, in order: "the first one" points into them until a message
        # names a programme again
        order = self.read.in_order(text)
        several = order if len(order) > 1 else () if order else focus.named
        if topic is None or topic in ACTIONS or self.kb.programme_of(topic) == NONE:
            shown = self._shown(reply, text, lang) or focus.shown
            self.focus = replace(
                focus, programme=programme, language=lang, at=now, named=several, shown=shown
            )
            return
        theirs = reply.programme or self.kb.programme_of(topic)
        if theirs in self.kb.programmes.programmes and not named and not guessed:
            programme = theirs
        item = topic if topic in self.kb.items else None
        entry = self.kb.entries.get(topic)
        if item is not None:
            lists = [m.entry_id for m in self.kb.items[item].memberships]
            named_lists = [n for n in self.assistant.matcher.named_lists(text) if n in lists]
            list_id: str | None = (named_lists or lists)[0]
        else:
            list_id = topic if entry is not None and entry.item_ids else focus.list
        listed = item is not None and bool(named_lists)
        shown = self._shown(reply, text, lang)
        self.focus = Focus(programme, topic, list_id, item, lang, now, several, listed, shown)


def _names_of(item: Item) -> list[str]:
    """An item's names and aliases in every language, normalised."""
    names = [*item.name.values(), *(a for aliases in item.aliases.values() for a in aliases)]
    return [normalize(n) for n in names if n]


def _first_at(text: str, names: list[str]) -> int:
    """Where the first of the names occurs in a normalised text (its length when none do)."""
    places = [text.find(n) for n in names]
    return min((p for p in places if p >= 0), default=len(text))
