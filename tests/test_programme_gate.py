"""The programme gate and acknowledgements alone (issue 17, session 14, conv14b): a reply to a
follow-up about the programme in focus is never the other programme's fact, whichever reading
answered it; "ok interesting" alone is acknowledged and leaves the focus where it was."""

from __future__ import annotations

import pytest

from bot.understanding.answers import Assistant
from bot.understanding.context import Dialogue
from bot.understanding.followups import reader_of


@pytest.mark.parametrize(
    "text", ["ok interesting", "d'accord", "好的", "ok 👍", "Intéressant !", "原来如此", "nice."]
)
def test_an_acknowledgement_alone_is_read_as_one(assistant: Assistant, text: str) -> None:
    assert reader_of(assistant.kb).only_acknowledges(text)


@pytest.mark.parametrize(
    "text",
    ["ok, and the fee?", "interesting, how long is it?", "ok?", "好的那住宿呢", "okay Strasbourg"],
)
def test_a_message_that_asks_is_no_acknowledgement(assistant: Assistant, text: str) -> None:
    assert not reader_of(assistant.kb).only_acknowledges(text)


@pytest.mark.parametrize(
    ("first", "ack", "said"),
    [
        ("What's the Sino-French programme?", "ok interesting", "Noted"),
        ("Parlez-moi du programme CSC", "d'accord", "C'est noté"),
        ("介绍一下中法项目", "好的", "还有其他问题"),
    ],
)
def test_an_acknowledgement_alone_keeps_the_focus(
    assistant: Assistant, first: str, ack: str, said: str
) -> None:
    dialogue = Dialogue(assistant)
    dialogue.reply(first)
    before = (dialogue.focus.programme, dialogue.focus.topic, dialogue.focus.list)
    reply = dialogue.reply(ack)
    assert said in reply.text
    assert (dialogue.focus.programme, dialogue.focus.topic, dialogue.focus.list) == before


def test_an_acknowledgement_as_a_first_message_is_read_alone(assistant: Assistant) -> None:
    reply = Dialogue(assistant).reply("ok interesting")
    assert "Noted" not in reply.text


def test_a_list_of_the_other_programme_is_not_given_for_the_one_in_focus(
    assistant: Assistant,
) -> None:
    """ "学什么？" after the CSC programme: its honest "not published", not the exchange's
    disciplines (a list answer, read before the programme check until the gate)."""
    dialogue = Dialogue(assistant)
    dialogue.reply("中法项目")
    reply = dialogue.reply("学什么？")
    assert "没有公布" in reply.text
    assert "17个硕士学科" not in reply.text
    assert reply.programme == "csc"


def test_the_other_programme_named_in_the_follow_up_is_answered(assistant: Assistant) -> None:
    dialogue = Dialogue(assistant)
    dialogue.reply("Tell me about the CSC programme")
    reply = dialogue.reply("How long is the exchange?")
    assert "4 weeks to 6 months" in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "the programme where CQMU sends students abroad",
        "le programme qui envoie des étudiants à l'étranger",
    ],
)
def test_a_programme_described_by_a_clause_after_its_word(assistant: Assistant, text: str) -> None:
    assert reader_of(assistant.kb).programmes_named(text) == {"csc"}
