"""Issue 18 (session 6): the entries' needs, the everyday words of a need said without the
topic's words ("budget", "summer break", 手头紧), weigh as words characteristic of the entry."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.content.knowledge import Entry
from bot.understanding.answers import Assistant
from bot.understanding.matcher import Matcher


def _keywords_and_needs(entry: Entry) -> Entry:
    keywords = {
        lang: (*entry.keywords.get(lang, ()), *entry.needs.get(lang, ()))
        for lang in {*entry.keywords, *entry.needs}
    }
    return replace(entry, keywords=keywords, needs={})


@pytest.fixture(scope="module")
def lexical(assistant: Assistant) -> Matcher:
    """The real knowledge base, matched lexically."""
    return Matcher(assistant.kb, assistant.matcher.config)


@pytest.fixture(scope="module")
def as_keywords(assistant: Assistant) -> Matcher:
    """The real knowledge base with every entry's needs written as keywords instead."""
    kb = assistant.kb
    entries = {i: _keywords_and_needs(e) for i, e in kb.entries.items()}
    return Matcher(replace(kb, entries=entries), assistant.matcher.config)


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("my budget is super tight this year, I can pay the ticket and that's it", "fees"),
        ("我家境一般，预算不多，去重医会花很多钱吗", "fees"),
        ("my clinic only gives me a sabbatical of five weeks, would that work", "duration"),
        ("our dean wants to nominate a group of us from the dental faculty", "places"),
    ],
)
def test_a_need_said_once_in_a_long_message_counts_for_its_entry(
    lexical: Matcher, as_keywords: Matcher, message: str, topic: str
) -> None:
    """The need's words explain more of the message than the same words would as keywords,
    ordinary words of one phrase among many."""
    assert lexical.coverage(message, topic) > as_keywords.coverage(message, topic)


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("I can't afford much, is the programme expensive?", "fees"),
        ("我手头紧，去重医要花很多钱吗", "fees"),
        ("I only get a few weeks over the winter break, is that long enough?", "duration"),
        ("寒假就一个多月，时间够不够", "duration"),
        ("no idea where I'd sleep once I land", "housing"),
        ("several classmates want to go together, would they take a group of us?", "places"),
    ],
)
def test_situational_questions_get_the_entry_of_their_need(
    assistant: Assistant, message: str, topic: str
) -> None:
    assert assistant.answer(message).intent == topic


@pytest.mark.parametrize(
    "message",
    [
        "what's the cheapest airline to fly to China",
        "recommend a cheap hostel for backpackers in Beijing",
        "重庆哪里的火锅便宜",
        "how hot is Chongqing in summer",
    ],
)
def test_need_words_about_something_else_stay_declined(assistant: Assistant, message: str) -> None:
    """A need's words in a question that is not about the programme answer no entry."""
    assert assistant.answer(message).intent is None


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        # a number of people going together is the places (issue 18, situ14) ...
        ("我们实验室有五个人想一起去，可以都去吗", "places"),
        # ... and a spouse or children going along stays the family
        ("我老婆想跟我一起去，可以吗", "accompanying-family"),
        ("我有两个孩子，能一起带过去吗", "accompanying-family"),
    ],
)
def test_people_going_together_are_the_places_unless_they_are_family(
    assistant: Assistant, message: str, topic: str
) -> None:
    reply = assistant.answer(message)
    assert reply.text == assistant.topic_reply(topic, "zh").text
