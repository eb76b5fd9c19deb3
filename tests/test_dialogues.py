"""Conversations written as data (tests/dialogues/*.yaml), played against the real bot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.auxil.harness import BotSpec, LocalBot

COORDINATOR = 777
DIALOGUES = [
    dialogue
    for path in sorted((Path(__file__).parent / "dialogues").glob("*.yaml"))
    for dialogue in yaml.safe_load(path.read_text(encoding="utf-8"))
]


@pytest.fixture
def bot_spec() -> BotSpec:
    """The bot as deployed with a coordinator (without one, its buttons are hidden)."""
    return BotSpec(settings={"coordinator_ids": frozenset({COORDINATOR})})


@pytest.mark.asyncio
@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[d["name"] for d in DIALOGUES])
async def test_dialogue(bot: LocalBot, dialogue: dict[str, Any]) -> None:
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
