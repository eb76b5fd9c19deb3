"""Conversations written as data (tests/dialogues/*.yaml), played against the real bot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.auxil.harness import BotSpec, LocalBot

COORDINATOR = 777
FILES = [
    yaml.safe_load(path.read_text(encoding="utf-8"))
    for path in sorted((Path(__file__).parent / "dialogues").glob("*.yaml"))
]
DIALOGUES = [dialogue for dialogues in FILES for dialogue in dialogues]
# Over HTTP, the first dialogue of each file: the transport is the same for every dialogue
# (what they test is what the bot understands), and each file's feature crosses it once.
FIRSTS = [dialogues[0] for dialogues in FILES if dialogues]


@pytest.fixture
def bot_spec() -> BotSpec:
    """The bot as deployed with a coordinator (without one, its buttons are hidden)."""
    return BotSpec(settings={"coordinator_ids": frozenset({COORDINATOR})})


@pytest.fixture
def transport(request: pytest.FixtureRequest) -> str:
    """In process, unless a test asks for ``http`` (its HTTP twin, in the slow tier)."""
    return str(getattr(request, "param", "in-process"))


@pytest.mark.asyncio
@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[d["name"] for d in DIALOGUES])
async def test_dialogue(bot: LocalBot, dialogue: dict[str, Any]) -> None:
    await _play(bot, dialogue)


@pytest.mark.asyncio
@pytest.mark.http
@pytest.mark.parametrize("transport", ["http"], indirect=True)
@pytest.mark.parametrize("dialogue", FIRSTS, ids=[d["name"] for d in FIRSTS])
async def test_dialogue_over_http(bot: LocalBot, dialogue: dict[str, Any]) -> None:
    await _play(bot, dialogue)


async def _play(bot: LocalBot, dialogue: dict[str, Any]) -> None:
    """Play a dialogue's steps as a student and check what each reply shows."""
    student = bot.user(language_code=dialogue["language"])
    for number, step in enumerate(dialogue["steps"], 1):
        if "say" in step:
            await bot.send(student, str(step["say"]))
        else:
            await bot.press(student, str(step["press"]))
        shown = student.last
        where = f"step {number} ({step.get('say') or step.get('press')}): {shown.text!r}"
        for text in step.get("contains", []):
            assert str(text) in shown.text, where
        for text in step.get("not_contains", []):
            assert str(text) not in shown.text, where
        for label in step.get("buttons", []):
            assert label in shown.button_labels, f"{where} {shown.button_labels}"
    # Nothing refused in the student's chat (the coordinator 777 never opened the bot: a digest
    # the job queue may send there meanwhile is refused, as Telegram would).
    refused = [e for e in bot.emulator.errors if str(e.params.get("chat_id")) != str(COORDINATOR)]
    assert refused == []
