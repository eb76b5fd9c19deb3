"""The conversation's focus (issue 17): kept with the student's state, so it survives a
restart and goes with /forget; written with the update's "handled" mark, never on its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import Storage
from bot.storage.state import FOCUS_KEY
from bot.telegram.context import services_of
from bot.understanding.answers import Assistant
from bot.understanding.context import Dialogue, Focus
from tests.auxil.harness import LocalBot, start

CSC = "Tell me about the Sino-French CSC programme"
HOW_LONG = "how long does it last?"


def rows(path: Path) -> dict[int, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT user_id, data FROM user_data").fetchall())


@pytest.mark.asyncio
async def test_the_focus_survives_a_restart_and_goes_with_forget(tmp_path: Path) -> None:
    bot = await start(LocalBot(tmp_path))
    try:
        student = bot.user(3001)
        await bot.send(student, CSC)
        await start(bot)  # restart: the focus comes back from the database
        await bot.send(student, HOW_LONG)
        assert "does not give this" in student.last.text
        assert "4 weeks to 6 months" not in student.last.text
        await bot.send(student, "/forget")
        assert bot.app is not None
        texts = services_of(bot.app).content.texts
        await bot.press(student, texts.get("forget_button_yes", "en"))
        await bot.send(student, HOW_LONG)  # no focus any more: the message alone
        assert "4 weeks to 6 months" in student.last.text
    finally:
        await bot.stop()


@pytest.mark.asyncio
async def test_a_change_of_the_focus_alone_is_written_with_the_handled_mark(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path)
    try:
        await storage.save_user_data(7, {"lang": "fr"})
        await storage.inbox_add([{"update_id": 41, "message": {"from": {"id": 7}}}])
        await storage.save_user_data(7, {"lang": "fr", FOCUS_KEY: {"programme": "csc"}})
        assert FOCUS_KEY not in rows(path)[7]  # not written on its own ...
        await storage.inbox_done([41])
        assert FOCUS_KEY in rows(path)[7]  # ... but with the update's done mark
        await storage.save_user_data(7, {"lang": "fr", FOCUS_KEY: {"programme": "exchange"}})
    finally:
        await storage.close()
    assert '"exchange"' in rows(path)[7]  # written at close at the latest


def test_the_focus_is_forgotten_after_the_idle_time(assistant: Assistant) -> None:
    now = [1000.0]
    dialogue = Dialogue(assistant, idle=30 * 60, clock=lambda: now[0])
    dialogue.reply(CSC)
    assert dialogue.focus.programme == "csc"
    now[0] += 29 * 60
    assert dialogue.reply(HOW_LONG).kind == "not_published"  # still in focus
    now[0] += 31 * 60
    assert "4 weeks to 6 months" in dialogue.reply(HOW_LONG).text  # forgotten: alone
    assert Focus.from_json(dialogue.focus.to_json()) == dialogue.focus
    assert Focus.from_json("garbage") == Focus()
