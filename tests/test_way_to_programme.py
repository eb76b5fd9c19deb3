"""Issue 18 (situ14b): a programme asked for as a way ("is there a way …", 有没有路子, "un moyen
de …") is answered with the programme, not with one of its details (who takes part, the
clerkships) that the situation's words rank first."""

from __future__ import annotations

import pytest

from bot.understanding.answers import Assistant


@pytest.mark.parametrize(
    ("message", "title"),
    [
        (
            "a friend doing her PhD at CQMU wants to train in a French hospital for a while, "
            "is there a way?",
            "Sino-French CSC programme",
        ),
        ("我室友在重医读博，想去法国的医院见习，学校有什么路子吗", "中法CSC项目"),
        (
            "Ma collègue est doctorante à la CQMU et rêve de stages cliniques en France, "
            "il y a un moyen ?",
            "Programme CSC sino-français",
        ),
    ],
)
def test_a_way_asked_gets_the_programme(assistant: Assistant, message: str, title: str) -> None:
    reply = assistant.answer(message)
    assert reply.kind == "answer"
    assert title in reply.text


def test_a_detail_asked_without_a_way_keeps_its_answer(assistant: Assistant) -> None:
    reply = assistant.answer("do CQMU students do clinical clerkships in Strasbourg?")
    assert "Clinical clerkships" in reply.text


@pytest.mark.parametrize(
    ("message", "title"),
    [
        ("is there a way to extend my stay to a year?", "Duration"),
        ("est-ce qu'il y a un moyen de loger gratuitement ?", "Logement"),
    ],
)
def test_a_way_to_a_fact_gets_the_fact(assistant: Assistant, message: str, title: str) -> None:
    """A way to something the programme gives (a longer stay, free housing) is that fact."""
    assert title in assistant.answer(message).text.split("\n")[0]


def test_a_way_asked_off_topic_is_no_programme(assistant: Assistant) -> None:
    reply = assistant.answer("is there a way to get a cheap flight from Paris to Chongqing?")
    assert "Sino-French CSC programme" not in reply.text
    assert "International Graduate Academic Exchange Program" not in reply.text.split("\n")[0]
