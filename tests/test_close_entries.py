"""Issue 18 (session 14, rank14): close entries that the students' questions confuse most
often on the dev sets. What separates them is said in the entries' own words (knowledge/
csc.yaml, programme.yaml): the CSC programme is what the programme *is* (its name, what the
abbreviation stands for, a way to train in France), who takes part is *who* it is meant for."""

from __future__ import annotations

import pytest

from bot.understanding.answers import Assistant


@pytest.mark.parametrize(
    ("message", "lang", "topic"),
    [
        # what the programme is, or what its name stands for
        ("CSC is short for what?", "en", "csc-programme"),
        ("CSC这三个字母代表什么", "zh", "csc-programme"),
        # who the programme is meant for
        ("which kind of people does the Strasbourg programme take", "en", "csc-participants"),
        ("中法项目一般派哪类人去法国", "zh", "csc-participants"),
    ],
)
def test_what_the_csc_programme_is_and_who_it_is_for(
    assistant: Assistant, message: str, lang: str, topic: str
) -> None:
    reply = assistant.answer(message)
    assert reply.text == assistant.topic_reply(topic, lang).text
