"""The sign-up form in production shape: ``python -m bot run`` polling the Bot API emulator over
HTTP, killed with SIGKILL in the middle of a form and started again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.understanding.answers import Assistant
from telegram_emulator import EmulatorServer
from tests.auxil.harness import BotProcess
from tests.auxil.process import (
    category_screen,
    chosen,
    reply,  # noqa: F401 - still imported from here by older modules
    say,
    summary_heading,
    tap,
)
from tests.auxil.signup import NEXT_YEAR

pytestmark = [pytest.mark.asyncio, pytest.mark.process]


@pytest.fixture
def bot_process_env() -> dict[str, str]:
    """Debug logs: even they must hold no personal data."""
    return {"BOT_LOG_LEVEL": "DEBUG"}


def leads(bot: BotProcess) -> list[tuple[int, str, str, str | None, str | None]]:
    """The stored leads, read from the database file like any other SQLite reader."""
    path = Path(bot.env["BOT_DATA_DIR"]) / "bot.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return list(
            db.execute("SELECT user_id, name, email, interests, start_month FROM leads ORDER BY 1")
        )


async def test_a_sign_up_by_buttons_and_typing_over_http(
    server: EmulatorServer, bot_process: BotProcess, assistant: Assistant
) -> None:
    bot = bot_process
    bot.start()
    t, fr = assistant.texts, "fr"
    user = server.emulator.add_user(5001, first_name="Camille", language_code=fr)
    await say(user, "/signup", t.get("signup_name_prompt", fr))
    await say(user, "Camille Martin", t.get("signup_email_prompt", fr))
    await say(user, "camille.martin@unistra.fr", t.get("signup_university_prompt", fr))
    await say(user, "Université de Strasbourg", t.get("signup_country_prompt", fr))
    await say(user, "France", t.get("signup_level_prompt", fr))
    await tap(user, t.get("signup_level_masters", fr), t.get("signup_interests_prompt", fr))
    specialties = t.get("signup_interests_specialties", fr)
    await tap(user, specialties, category_screen(t, specialties, fr))
    await tap(user, assistant.kb.title("oncology", fr), chosen(assistant, "oncology", fr))
    await tap(user, t.get("signup_button_done", fr), t.get("signup_duration_prompt", fr))
    six_weeks = t.get("signup_duration_6_weeks", fr)
    await tap(user, six_weeks, t.get("signup_start_month_prompt", fr))
    await say(user, f"septembre {NEXT_YEAR}", t.get("signup_message_prompt", fr))
    message = "Je souhaite rejoindre le service d'oncologie."
    await say(user, message, t.get("signup_consent_prompt", fr, days=365))
    summary = await tap(user, t.get("signup_consent_yes", fr), summary_heading(t, fr))
    assert "camille.martin@unistra.fr" in summary.html
    thanks = await tap(user, t.get("signup_button_confirm", fr), "🎉")
    email = "camille.martin@unistra.fr"
    assert thanks.html == t.get("signup_done", fr, name="Camille Martin", email=email)
    assert leads(bot) == [(5001, "Camille Martin", email, '["oncology"]', f"{NEXT_YEAR}-09")]
    assert server.emulator.errors == []
    log = bot.log.read_text(encoding="utf-8")
    assert "Camille" not in log and email not in log and message not in log, "no personal data"


async def test_a_form_survives_sigkill_and_is_stored_once(
    server: EmulatorServer, bot_process: BotProcess, assistant: Assistant
) -> None:
    bot = bot_process
    bot.start()
    t, en = assistant.texts, "en"
    user = server.emulator.add_user(5002, first_name="Lucas", language_code=en)
    await say(user, "/signup", t.get("signup_name_prompt", en))
    await say(user, "Lucas Weber", t.get("signup_email_prompt", en))
    await say(user, "lucas.weber@unistra.fr", t.get("signup_university_prompt", en))
    await say(user, "Université de Strasbourg", t.get("signup_country_prompt", en))
    await say(user, "France", t.get("signup_level_prompt", en))
    await tap(user, t.get("signup_level_phd", en), t.get("signup_interests_prompt", en))
    laboratories = t.get("signup_interests_laboratories", en)
    await tap(user, laboratories, category_screen(t, laboratories, en))
    ultrasonic = chosen(assistant, "ultrasonic-medicine", en)
    await tap(user, assistant.kb.title("ultrasonic-medicine", en), ultrasonic)

    bot.kill()  # SIGKILL in the middle of choosing areas
    bot.start()

    maternal = chosen(assistant, "maternal-fetal-medicine", en)
    areas = await tap(user, assistant.kb.title("maternal-fetal-medicine", en), maternal)
    assert ultrasonic in areas.html  # the area chosen before the kill is still there
    await tap(user, t.get("signup_button_done", en), t.get("signup_duration_prompt", en))
    await tap(user, t.get("signup_duration_2_months", en), t.get("signup_start_month_prompt", en))
    await say(user, f"{NEXT_YEAR}-04", t.get("signup_message_prompt", en))
    await tap(user, t.get("signup_button_skip", en), t.get("signup_consent_prompt", en, days=365))
    await tap(user, t.get("signup_consent_yes", en), summary_heading(t, en))
    thanks = await tap(user, t.get("signup_button_confirm", en), "🎉")
    email = "lucas.weber@unistra.fr"
    assert thanks.html == t.get("signup_done", en, name="Lucas Weber", email=email)
    stored = leads(bot)
    assert [row[:3] for row in stored] == [(5002, "Lucas Weber", email)]
    assert stored[0][3:] == (
        '["ultrasonic-medicine", "maternal-fetal-medicine"]',
        f"{NEXT_YEAR}-04",
    )
    # The press handled just before the kill may be handled again from the inbox (it was not
    # yet marked done): its screen is shown again, and Telegram refuses the identical edit,
    # and the answer to its query (sent with the edit the first time) as too old.
    harmless = ("not modified", "query is too old")
    refused = [
        call
        for call in server.emulator.errors
        if not (call.error and any(h in call.error.description for h in harmless))
    ]
    assert refused == []
