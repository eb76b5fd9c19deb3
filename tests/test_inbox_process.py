"""``python -m bot run`` as a process with the update inbox (issue 10): killed with updates
fetched and confirmed but not handled, Bot API faults, a second poller, a webhook killed
between the POST and the reply. Students never re-send."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from telegram_emulator import BotAPIEmulator, EmulatorServer, SimUser
from tests.auxil.harness import BotProcess
from tests.auxil.process import category_screen, chosen, say, tap
from tests.auxil.signup import NEXT_YEAR
from tests.auxil.waiting import Hold, until
from tests.auxil.webhook import WebhookProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.process]

Respond = Callable[[str, str, dict[str, Any]], Awaitable[tuple[int, dict[str, Any]]]]
QUESTIONS = ("what are the fees?", "how long is the stay?", "is housing provided?")


def inbox_rows(data_dir: Path) -> int:
    with sqlite3.connect(f"file:{data_dir / 'bot.sqlite3'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0])


async def test_sigkill_with_updates_fetched_but_not_handled_loses_nothing(
    server: EmulatorServer, bot_process: BotProcess, assistant: Assistant
) -> None:
    bot = bot_process
    emulator, t = server.emulator, assistant.texts
    hold = Hold(emulator)
    bot.start()
    students = [
        emulator.add_user(6000 + n, first_name=f"S{n}", language_code="en") for n in range(6)
    ]
    for student, question in zip(students[:5], itertools.cycle(QUESTIONS), strict=False):
        student.send(question)
    students[5].send("/signup")
    # The bot fetched every update and confirmed it to Telegram (its next getUpdates had a
    # higher offset); no reply has gone out: python-telegram-bot's own updater loses them here.
    await until(lambda: not emulator.updates.pending and hold.waiting == 6)
    bot.kill()
    await until(lambda: hold.waiting == 0)  # the killed process's calls are gone
    assert inbox_rows(Path(bot.env["BOT_DATA_DIR"])) == 6
    hold.released.set()
    bot.start()
    for student in students:
        await student.wait_for_message(20)
    await emulator.wait_idle(timeout=10)
    for student in students[:5]:
        assert len(student.messages) == 1, "one answer, nothing twice"
    assert [m.html for m in students[5].messages] == [
        m.html for m in students[5].messages if t.get("signup_name_prompt", "en") in m.html
    ]
    assert len(students[5].messages) == 1
    assert bot.terminate() == 0
    assert inbox_rows(Path(bot.env["BOT_DATA_DIR"])) == 0
    assert emulator.errors == []


class Faults:
    """Answers some Bot API calls with 429 (retry_after 1), 502, 500 or (once) a hang longer
    than the bot's read timeout (5 s), in a fixed rotation: every fourth send/edit/answer
    call, and the second getUpdates."""

    ROTATION = ("429", "hang", "502", "500", "429", "502", "500")

    def __init__(self, emulator: BotAPIEmulator, hang: float = 5.5) -> None:
        self.injected: list[tuple[str, str]] = []
        self._count = 0
        self._polls = 0
        self._faults = itertools.cycle(self.ROTATION)
        self._hung = False
        original: Respond = emulator.respond

        async def respond(token: str, method: str, params: dict[str, Any]) -> Any:
            fault = self._fault(method)
            if fault is not None:
                self.injected.append((method, fault))
                if fault == "429":
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 1",
                        "parameters": {"retry_after": 1},
                    }
                if fault == "hang":
                    await asyncio.sleep(hang)  # the bot times out and leaves first
                else:
                    code = int(fault)
                    return code, {"ok": False, "error_code": code, "description": "Bad Gateway"}
            return await original(token, method, params)

        emulator.respond = respond  # type: ignore[method-assign]

    def _fault(self, method: str) -> str | None:
        if method == "getUpdates":
            self._polls += 1
            return "502" if self._polls == 2 else None
        if not method.startswith(("send", "edit", "answer")) or method == "sendChatAction":
            return None
        self._count += 1
        if self._count % 4:
            return None
        fault = next(self._faults)
        if fault == "hang":
            fault, self._hung = ("429" if self._hung else "hang"), True
        return fault


async def test_bot_api_faults_every_message_answered_one_lead(
    server: EmulatorServer, bot_process: BotProcess, assistant: Assistant
) -> None:
    bot = bot_process
    emulator, t, en = server.emulator, assistant.texts, "en"
    faults = Faults(emulator)
    bot.start()

    async def asker(student: SimUser) -> int:
        for question in QUESTIONS:
            await asyncio.sleep(0.5)
            student.send(question)
            await student.wait_for_message(30)
        return len(student.messages)

    async def signer(user: SimUser) -> None:
        await say(user, "/signup", t.get("signup_name_prompt", en))
        await say(user, "Noor Haddad", t.get("signup_email_prompt", en))
        await say(user, "noor@uni.example", t.get("signup_university_prompt", en))
        await say(user, "Université de Lyon", t.get("signup_country_prompt", en))
        await say(user, "France", t.get("signup_level_prompt", en))
        await tap(user, t.get("signup_level_masters", en), t.get("signup_interests_prompt", en))
        labs = t.get("signup_interests_laboratories", en)
        await tap(user, labs, category_screen(t, labs, en))
        item = "ultrasonic-medicine"
        await tap(user, assistant.kb.title(item, en), chosen(assistant, item, en))
        await tap(user, t.get("signup_button_done", en), t.get("signup_duration_prompt", en))
        month = t.get("signup_start_month_prompt", en)
        await tap(user, t.get("signup_duration_6_weeks", en), month)
        await say(user, f"{NEXT_YEAR}-05", t.get("signup_message_prompt", en))
        consent = t.get("signup_consent_prompt", en, days=365)
        await tap(user, t.get("signup_button_skip", en), consent)
        await tap(user, t.get("signup_consent_yes", en), "Confirm")
        await tap(user, t.get("signup_button_confirm", en), "🎉")

    askers = [emulator.add_user(6100 + n, language_code="en") for n in range(3)]
    signing = emulator.add_user(6200, first_name="Noor", language_code="en")
    counts = await asyncio.gather(*(asker(s) for s in askers), signer(signing))
    assert counts[:3] == [3, 3, 3], "every question answered once"
    assert {fault for _, fault in faults.injected} >= {"429", "502", "hang", "500"}
    assert bot.process is not None and bot.process.poll() is None, "the bot never exits"
    data_dir = Path(bot.env["BOT_DATA_DIR"])
    with sqlite3.connect(f"file:{data_dir / 'bot.sqlite3'}?mode=ro", uri=True) as db:
        assert db.execute("SELECT user_id FROM leads").fetchall() == [(6200,)]
    apology = t.get("error_apology", en)
    for student in [*askers, signing]:
        assert all(apology not in m.html for m in student.messages)
    assert bot.terminate() == 0


async def test_a_second_poller_stops_with_one_clear_line(
    server: EmulatorServer, bot_process: BotProcess, tmp_path: Path
) -> None:
    bot = bot_process
    emulator = server.emulator
    bot.start()
    student = emulator.add_user(6300, language_code="en")
    student.send("what are the fees?")
    await student.wait_for_message(20)
    second = await asyncio.create_subprocess_exec(  # the emulator is served by this loop
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=REPOSITORY,
        env={**bot.env, "BOT_DATA_DIR": str(tmp_path / "second")},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(second.communicate(), 60)
    second_stderr = stderr.decode()
    assert second.returncode == 2
    errors = [line for line in second_stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: another instance of this bot is polling the same token "
        "(Telegram: terminated by other getUpdates request); this one stops"
    ]
    assert "Traceback" not in second_stderr
    student.send("how long is the stay?")
    assert "4 weeks" in (await student.wait_for_message(20)).text, "the first one goes on"
    assert bot.terminate() == 0


async def test_webhook_killed_between_the_post_and_the_reply(
    server: EmulatorServer, tmp_path: Path
) -> None:
    emulator = server.emulator
    bot = WebhookProcess(server, tmp_path)
    hold = Hold(emulator)
    try:
        await bot.start_and_wait_for_webhook()
        student = emulator.add_user(6400, language_code="en")
        update = student.send("what are the fees?")
        # Telegram got its 200 (the update is committed to the inbox); the reply is not sent.
        await until(lambda: (update["update_id"], 200) in emulator.webhook.config.deliveries)
        await until(lambda: hold.waiting == 1)
        bot.kill()
        await until(lambda: hold.waiting == 0)
        assert not emulator.updates.pending, "Telegram will not deliver it again"
        hold.released.set()
        bot.start()
        assert "waived" in (await student.wait_for_message(20)).text
        await emulator.wait_idle(timeout=10)
        assert len(student.messages) == 1
    finally:
        code = bot.terminate()
    assert code == 0
    assert inbox_rows(tmp_path) == 0
