"""Issue 18 (session 10): the second part of a two-part question read with the first part's
subject ("… Strasbourg ? Et qui part là-bas ?" asks who goes to Strasbourg), through the
conversation path a chat uses."""

from __future__ import annotations

import pytest

from bot.understanding.answers import Assistant
from bot.understanding.context import Dialogue


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        (
            "Depuis quand vous avez un partenariat avec Strasbourg ? "
            "Et qui part là-bas exactement ?",
            "fr",
        ),
        ("斯特拉斯堡那个合作是哪年开始的，都有什么人过去？", "zh"),
    ],
)
def test_a_part_that_asks_who_goes_is_read_with_the_programme_the_first_part_names(
    assistant: Assistant, question: str, lang: str
) -> None:
    """Alone, "who goes there" reads as the places or what one does there; with the part
    before it, it asks who takes part in the Strasbourg programme: both answers, in order."""
    reply = Dialogue(assistant).reply(question)
    partnership, participants = (
        assistant.topic_reply(topic, lang).text
        for topic in ("strasbourg-partnership", "csc-participants")
    )
    assert reply.text.index(partnership) < reply.text.index(participants)
    assert reply.language == lang


@pytest.mark.parametrize(
    ("question", "lang", "topic", "not_added"),
    [
        # the other side of a choice is no part of its own to re-read
        (
            "who can take part? only doctors or also nurses?",
            "en",
            "admission-requirements",
            "places",
        ),
        ("is housing free and how long can I stay?", "en", "housing", "institutes"),
    ],
)
def test_a_choice_or_a_part_with_its_own_answer_gets_no_other_reading(
    assistant: Assistant, question: str, lang: str, topic: str, not_added: str
) -> None:
    reply = Dialogue(assistant).reply(question)
    assert assistant.topic_reply(topic, lang).text in reply.text
    assert assistant.topic_reply(not_added, lang).text not in reply.text
