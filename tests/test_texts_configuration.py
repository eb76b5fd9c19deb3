"""Every text is true for the configuration (issue 17): a text that names a button appears
only when that button is shown. Walks every answer and every UI text with and without
coordinators configured, then checks what a student sees through the emulator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.content.buttons import HIDDEN_ACTIONS
from bot.content.languages import LANGUAGES
from bot.understanding.answers import Assistant, Reply
from tests.auxil.harness import LocalBot, start

ACTIONS = ("coordinator", "signup")
# Texts shown only when a coordinator is configured (hand-offs, coordinators' own screens).
COORDINATOR_ONLY = re.compile(
    r"^(thread_|handoff_|coordinator_|stats_|mydata_handoffs|forget_item_handoffs|"
    r"forget_note_coordinators|button_coordinator)"
)


@contextmanager
def hidden(actions: frozenset[str]) -> Iterator[None]:
    token = HIDDEN_ACTIONS.set(actions)
    try:
        yield
    finally:
        HIDDEN_ACTIONS.reset(token)


def label(assistant: Assistant, action: str, lang: str) -> str:
    """A button's label without its emoji, lower case (as a text would name it)."""
    with hidden(frozenset()):
        text = assistant.texts.get(f"button_{action}", lang)
    return re.sub(r"^[^\w]+", "", text).strip().lower()


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text).lower()


def every_reply(assistant: Assistant) -> Iterator[tuple[str, Reply]]:
    for lang in LANGUAGES:
        for topic in (*assistant.kb.entries, *assistant.kb.items):
            yield f"{topic}/{lang}", assistant.topic_reply(topic, lang)
        yield f"fallback/{lang}", assistant.fallback(lang)


@pytest.mark.parametrize(
    "without", [frozenset(), frozenset({"coordinator"})], ids=["with", "without"]
)
def test_every_answer_names_only_buttons_it_shows(
    assistant: Assistant, without: frozenset[str]
) -> None:
    wrong = []
    with hidden(without):
        for where, reply in every_reply(assistant):
            shown = {b.action for b in reply.buttons if b.action not in without}
            for action in ACTIONS:
                named = label(assistant, action, reply.language) in plain(reply.text)
                if named and action not in shown:
                    wrong.append(f"{where} names '{action}' without its button")
    assert wrong == []


def test_no_ui_text_names_the_hidden_coordinator_button(assistant: Assistant) -> None:
    wrong = []
    with hidden(frozenset({"coordinator"})):
        for key in assistant.texts.texts:
            if COORDINATOR_ONLY.match(key) or key.endswith("_no_coordinator"):
                continue
            for lang in LANGUAGES:
                text = plain(assistant.texts.texts[key][lang])
                variant = assistant.texts.texts.get(f"{key}_no_coordinator")
                if variant is not None:
                    text = plain(variant[lang])
                if label(assistant, "coordinator", lang) in text:
                    wrong.append(f"{key}/{lang}")
    assert wrong == []


@pytest.mark.asyncio
@pytest.mark.parametrize("coordinators", [frozenset(), frozenset({777})], ids=["without", "with"])
async def test_a_student_is_offered_only_what_is_there(
    tmp_path: Path, coordinators: frozenset[int]
) -> None:
    bot = await start(LocalBot(tmp_path, coordinator_ids=coordinators))
    try:
        student = bot.user(language_code="en")
        await bot.send(student, "what is the application deadline?")
        text = student.last.text.lower()
        buttons = [label.lower() for label in student.last.button_labels]
        if coordinators:
            assert "ask a coordinator" in text and any("ask a coordinator" in b for b in buttons)
        else:
            assert "ask a coordinator" not in text
            assert not any("coordinator" in b for b in buttons)
            assert "sign up" in text and any("sign up" in b for b in buttons)
    finally:
        await bot.stop()
