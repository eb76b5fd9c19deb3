"""Who may take part in a programme: "can I join?", "qui peut y participer ?", "谁有资格参加？"
asked about a programme are questions, never a wish to sign up. They get the programme's
participants entry ("who goes to Strasbourg"), or its entry on who may apply in general
(``eligibility``) when the message's words are about criteria rather than people ("do I need
IELTS?"; for the CSC programme that one is "not published"). A question whose words, the
programme's names left out, surely ask a matter the programme's page does not give ("who pays
the flight?", "how many months?") and nothing about people gets that matter (its honest "not
published"), not who takes part.

Which entries these are is data (``knowledge/programmes.yaml``: ``participants``,
``eligibility``); no word of a message is special-cased here.
"""

from __future__ import annotations

from bot.content.programmes import Programme
from bot.understanding.answers import Assistant

# The participants entry answers a question about who may take part when it explains at least
# this share of what the eligibility entry explains of the message's words.
WHO_SHARE = 0.4
# The message without the programme's names surely asks this matter at this score (as a
# programme's name alone is no question, ``context.SURE_OVERVIEW``).
SURE_MATTER = 0.8


class Participation:
    """The entries that say who takes part in each programme, prepared once per assistant."""

    def __init__(self, assistant: Assistant, actions: frozenset[str]) -> None:
        self.assistant, self.actions = assistant, actions
        programmes = assistant.kb.programmes.programmes.values()
        self.topics = frozenset(
            topic for p in programmes for topic in (p.participants, p.eligibility) if topic
        )

    def asks_who(self, text: str) -> bool:
        """Whether a message asks who may take part: an entry saying so is its best candidate
        that is no action, or within the margin of it ("qui peut participer ?")."""
        candidates = [
            c for c in self.assistant.match(text).candidates if c.topic_id not in self.actions
        ]
        config = self.assistant.config
        if not candidates or candidates[0].score < config.suggest_threshold:
            return False
        floor = candidates[0].score - config.margin
        return any(c.topic_id in self.topics and c.score >= floor for c in candidates)

    def entry(
        self, text: str, programme: Programme, *, needs: bool, asker: bool = False
    ) -> str | None:
        """The programme's entry for a question about who may take part: its participants,
        unless the message asks what is needed (``needs``: "do I need IELTS?", "faut-il un
        niveau B2 ?") or its words are about the criteria rather than people; a question
        whether someone like the asker may (``asker``: "can I join? I'm a resident") gets the
        programme's ``profile`` entry. A matter its page does not give, surely asked and not
        about people, comes first (:meth:`unpublished_matter`)."""
        people, criteria = programme.participants, programme.eligibility
        matter = self.unpublished_matter(text, programme)
        if matter is not None:
            return matter
        if people is None or criteria is None:
            return people or criteria
        if needs:
            return criteria
        if asker:
            return programme.profile or people
        coverage = self.assistant.matcher.coverage
        about_people = coverage(text, people) >= WHO_SHARE * coverage(text, criteria)
        return people if about_people else criteria

    def unpublished_matter(self, text: str, programme: Programme) -> str | None:
        """The matter the part that asks surely names once the programme's names are taken
        out, when the programme's page does not give it and the participants entry explains
        none of those words: "qui paie le voyage pour le programme CSC ?" asks the fees, "how
        many months is the Sino-French programme?" the duration, never who goes (the
        programme's name alone drew its participants). ``None`` otherwise."""
        matcher, people = self.assistant.matcher, programme.participants
        rest = matcher.without_programmes(text)
        if not rest or not programme.not_published:
            return None
        # decided by the words alone, before the rest is read by meaning (a reading fewer)
        if people is not None and matcher.coverage(rest, people) > 0:
            return None  # the words ask about people too: who takes part decides below
        candidates = [
            c for c in self.assistant.match(rest).candidates if c.topic_id not in self.actions
        ]
        if not candidates or candidates[0].score < SURE_MATTER:
            return None
        matter = candidates[0].topic_id
        return matter if matter in programme.not_published and matter != people else None
