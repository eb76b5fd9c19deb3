"""Answers shared outside the private chat, without Telegram: tunables, previews, topics,
languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.knowledge import KnowledgeError
from bot.content.menus import Menus
from bot.content.sharing import SharingSettings, is_start_parameter, main_topics, preview
from bot.telegram.sharing import answer_topics, clear_language, shared_answer
from bot.understanding.answers import Assistant
from tests.auxil.paths import CONVERSATIONS

SHARING = SharingSettings.load(CONVERSATIONS / "groups.yaml")


def test_the_tunables_are_data() -> None:
    assert SHARING.max_results == 5 and SHARING.cache_time == 300
    assert SHARING.invite_payloads == {"signup": "signup"}


@pytest.mark.parametrize(
    ("yaml", "problem"),
    [
        ("inline: {max_results: 51}", "inline.max_results must be a number in [1, 50]"),
        ("inline: {cache_time: -1}", "inline.cache_time"),
        ("inline: {min_score: yes}", "inline.min_score"),
        ("inline: {start_parameter: 'a b'}", "inline.start_parameter"),
        ("groups: {invite_payloads: {signup: 'x y'}}", "groups.invite_payloads"),
    ],
)
def test_bad_tunables_fail_at_start(tmp_path: Path, yaml: str, problem: str) -> None:
    path = tmp_path / "groups.yaml"
    path.write_text(yaml, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        SharingSettings.load(path)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_a_preview_is_one_plain_line() -> None:
    html = "<b>Housing</b>\n• <b>Free</b> accommodation at CQMU &amp; more\n• Dartmouth"
    assert preview(html, 90, "Housing") == "• Free accommodation at CQMU & more • Dartmouth"
    short = preview(html, 30, "Housing")
    assert short == "• Free accommodation at CQMU…" and len(short) <= 30
    assert preview("<i>Only</i> a line", 90, "Only a line") == "Only a line"


def test_start_parameters() -> None:
    assert is_start_parameter("hospital-specialties") and is_start_parameter("a_b-9")
    assert not is_start_parameter("") and not is_start_parameter("x" * 65)
    assert not is_start_parameter("fees?") and not is_start_parameter("日本")


def test_the_main_topics_follow_the_main_menu(assistant: Assistant) -> None:
    menus = Menus.load(CONVERSATIONS / "menus.yaml", assistant.kb, assistant.texts)
    topics = main_topics(menus)
    assert topics[:3] == ["programme-overview", "fees", "housing"]
    assert "signup" not in topics and len(topics) == len(set(topics))
    assert all(t in assistant.kb.entries for t in topics)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("is housing free", "en"),
        ("住宿免费吗", "zh"),
        ("le logement est-il gratuit ?", "fr"),
        ("logement", "fr"),
        ("CSC", None),
        ("visa", None),
        ("", None),
    ],
)
def test_a_query_language_is_clear_or_not(
    assistant: Assistant, text: str, language: str | None
) -> None:
    assert clear_language(assistant.match(text), text, SHARING.min_words) == language


def test_the_answering_topic_comes_first(assistant: Assistant) -> None:
    text = "is housing free"
    topics = answer_topics(assistant, assistant.match(text), assistant.answer(text), SHARING)
    assert topics[0] == "housing" and len(topics) <= SHARING.max_results
    off = "what is the weather in paris tomorrow"
    assert answer_topics(assistant, assistant.match(off), assistant.answer(off), SHARING) == []


def test_an_action_is_shared_as_an_invitation(assistant: Assistant) -> None:
    shared = shared_answer(assistant, "signup", "fr", 90)
    assert shared.text == assistant.texts.get("group_private_only", "fr")
    assert shared.payload == "signup" and shared.title == assistant.kb.title("signup", "fr")
