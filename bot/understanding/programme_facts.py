"""Facts are about a programme: another programme's fact becomes the programme in focus's
counterpart or the honest "not published for this programme" reply.

Which programme a topic belongs to, its counterparts and the topics a programme's page does
not give are data (``knowledge/programmes.yaml``, read into ``kb.programmes``).
"""

from __future__ import annotations

from dataclasses import replace

from bot.content.programmes import BOTH, NONE, Programme
from bot.understanding.answers import ANSWER, NOT_LISTED, Assistant, Reply
from bot.understanding.combining import combine, topic_answer

TEXTS = frozenset({"not_published_for"})
NOT_PUBLISHED = "not_published"


class ProgrammeFacts:
    """Maps replies onto the programme a conversation is about."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant, self.kb = assistant, assistant.kb
        self.overviews = frozenset(self.kb.programmes.by_overview())

    def programme(self, programme: str | None) -> Programme | None:
        """The programme of an id (``None`` for none or an unknown id)."""
        return self.kb.programmes.programmes.get(programme or "")

    def belongs(self, topic: str, own: Programme) -> bool:
        """Whether a topic is the programme's own (its fact or its honest answer)."""
        return self.kb.programme_of(topic) == own.id or topic in own.not_published

    def maps(self, topic: str, own: Programme) -> bool:
        """Whether a topic has an answer for a programme: its own or a shared one, a
        counterpart, or the honest "not published for this programme"."""
        return self.kb.fact_for(own, topic) is not None or topic in own.not_published

    def is_other(self, reply: Reply, programme: str) -> bool:
        """Whether a reply is a fact of the other programme that has no place in this one."""
        own = self.programme(programme)
        if own is None or reply.intent is None or reply.kind in (NOT_LISTED, NOT_PUBLISHED):
            # (a focus stored with another knowledge base names no programme here; the honest
            # "not published" names the topic asked, for this programme)
            return False
        topic = reply.intent
        if topic in own.not_published or topic in own.counterparts:
            return False
        return self.kb.programme_of(topic) == self.kb.programmes.other(programme)

    def for_programme(
        self, reply: Reply, programme: str | None, lang: str
    ) -> tuple[Reply, dict[str, str] | None]:
        """A reply about the programme in focus: another programme's fact becomes its
        counterpart or the honest "not published for this programme"; with the topic asked,
        for each topic answered in its stead with the honest "not published" ("is the CSC
        programme free?" is answered on its stipend, the question was the fee; ``None`` when
        the reply is no programme's fact to map). The topics are mapped once for both."""
        own = self.programme(programme)
        if own is None or reply.intent is None or reply.kind in (NOT_LISTED, NOT_PUBLISHED):
            return reply, None
        topics = reply.topics or (reply.intent,)
        mapped = [self._topic_for(own, topic) for topic in topics]
        asked = {
            answered: topic
            for topic, (kind, answered) in zip(topics, mapped, strict=True)
            if kind == NOT_PUBLISHED and answered != topic
        }
        if [topic for _, topic in mapped] == list(topics) and all(
            kind == ANSWER for kind, _ in mapped
        ):
            return replace(reply, programme=self._programme_of(reply.intent)), asked
        parts = [
            self.not_published(own, topic, lang)
            if kind == NOT_PUBLISHED
            else topic_answer(self.assistant, topic, lang)
            for kind, topic in mapped
        ]
        return combine(self.assistant, parts, lang), asked

    def _topic_for(self, own: Programme, topic: str) -> tuple[str, str]:
        """How to answer a topic for a programme: its own answer, the counterpart's, or
        ``not_published``."""
        found = self.kb.fact_for(own, topic)
        if found is not None and found != topic and found in own.not_published:
            return NOT_PUBLISHED, found  # a counterpart its page does not give either
        if found is not None:
            return ANSWER, found
        theirs = self.kb.programme_of(topic)
        if topic in own.not_published and theirs != own.id:
            return NOT_PUBLISHED, topic
        if topic in self.overviews:
            return ANSWER, own.overview  # another programme's overview: this one's
        return ANSWER, topic  # the programme's own honest answer, or another fact

    def _programme_of(self, topic: str) -> str | None:
        theirs = self.kb.programme_of(topic)
        return theirs if theirs not in (BOTH, NONE) else None

    def not_published(self, own: Programme, topic: str, lang: str) -> Reply:
        """ "Not published for this programme", with what its page does say."""
        assistant = self.assistant
        text = assistant.not_published_text(own, topic, lang)
        buttons = (
            assistant.topic_button(own.overview, lang),
            assistant.action_button("coordinator", lang),
            assistant.menu_button(lang),
        )
        return Reply(text, buttons, topic, 1.0, lang, NOT_PUBLISHED, (topic,), own.id)
