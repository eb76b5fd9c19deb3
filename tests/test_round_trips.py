"""The Bot API calls of every student-facing path (issue 19): what a student waits for is round
trips to Telegram, so each path makes the fewest calls its feature needs, and none that only
courtesy asks for comes before the reply.

Counted through the emulator, on both transports (in process and polling over HTTP); the
``getUpdates`` of the HTTP transport are left out. A button press makes two calls, its
answer (stopping the spinner) and the reply, sent together: their order is not asserted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable

import pytest

from bot.telegram.application import ExchangeApplication
from bot.telegram.context import services_of
from tests.auxil.harness import LocalBot
from tests.auxil.signup import TYPED_MARCH, Student, form, texts

pytestmark = pytest.mark.asyncio

PRESS = Counter({"answerCallbackQuery": 1, "editMessageText": 1})  # a screen edited in place
PRESS_THEN_ASK = Counter({"answerCallbackQuery": 1, "sendMessage": 1})  # a form's next question


async def calls(bot: LocalBot, action: Awaitable[None]) -> list[str]:
    """The Bot API methods the bot called while handling ``action``, in order."""
    before = len(bot.emulator.requests)
    await action
    made = bot.emulator.requests[before:]
    assert all(r.ok for r in made), [r for r in made if not r.ok]
    return [r.method for r in made if r.method != "getUpdates"]


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        ("en", "what are the fees?", "waived"),
        ("zh", "住宿免费吗？", "Dartmouth"),
        ("fr", "combien de temps dure l'échange ?", "4 semaines"),
    ],
)
async def test_a_free_text_answer_is_exactly_one_send_message(
    bot: LocalBot, lang: str, question: str, expected: str
) -> None:
    student = bot.user(language_code=lang)
    assert await calls(bot, bot.send(student, question)) == ["sendMessage"]
    assert expected in student.last.text
    assert student.actions == [], "no typing indicator for an answer that is ready at once"


async def test_start_is_the_welcome_and_the_menu_and_nothing_else(bot: LocalBot) -> None:
    # Two messages: the welcome stays in the chat while the menu message is edited in place.
    student = bot.user(language_code="fr")
    assert await calls(bot, bot.send(student, "/start")) == ["sendMessage", "sendMessage"]
    assert "Bonjour Ana" in student.messages[-2].text
    assert student.last.button_labels, "the main menu"
    assert await calls(bot, bot.send(student, "/menu")) == ["sendMessage"]


async def test_a_menu_button_answers_its_query_and_edits_in_one_round_trip(bot: LocalBot) -> None:
    student = bot.user()
    await bot.send(student, "/menu")
    menu = student.last
    assert Counter(await calls(bot, bot.press(student, "🏥 Hospital specialties"))) == PRESS
    assert student.last.message_id == menu.message_id, "edited in place, no new message"
    assert student.last.text.startswith("Hospital specialties")
    assert len(student.answers) == 1, "the spinner stopped"
    assert Counter(await calls(bot, bot.press(student, "⬅️ Back"))) == PRESS
    assert Counter(await calls(bot, bot.press(student, "1|topic:fees"))) == PRESS
    assert "waived" in student.last.text


async def test_each_step_of_the_sign_up_form(bot: LocalBot) -> None:
    """A typed answer: the next question, one call. A button that moves on: its answer and the
    next question. A button that changes the screen (areas): its answer and one edit."""
    s, user = Student(3001), bot.user(3001)
    t, kb = texts(bot), form(bot).kb

    async def typed(text: str) -> None:
        assert await calls(bot, bot.send(user, text)) == ["sendMessage"], text

    async def pressed(label: str, expected: Counter[str]) -> None:
        assert Counter(await calls(bot, bot.press(user, label))) == expected, label

    await typed("/signup")
    for value in (s.name, s.email, s.university, s.country):
        await typed(value)
    await pressed(t.get("signup_level_phd", "en"), PRESS_THEN_ASK)
    await pressed(t.get("signup_interests_disciplines", "en"), PRESS)
    for area in s.areas:
        await pressed(kb.title(area, "en"), PRESS)
    await pressed(t.get("signup_button_done", "en"), PRESS_THEN_ASK)
    await pressed(t.get("signup_duration_3_months", "en"), PRESS_THEN_ASK)
    await typed(TYPED_MARCH["en"])
    await typed(s.message or "")
    await pressed(t.get("signup_consent_yes", "en"), PRESS_THEN_ASK)
    await pressed(t.get("signup_button_confirm", "en"), PRESS_THEN_ASK)
    assert "Thank you" in user.last.text
    assert await services_of(_app(bot)).storage.get_lead(user.id) is not None
    assert user.actions == []


async def test_a_slow_reply_shows_typing_first(bot: LocalBot) -> None:
    """The typing indicator appears when a reply is not ready within the delay; here the
    delay is 0, so a form step that writes the draft to disk before its next question shows
    it."""
    user = bot.user(3002)
    await bot.send(user, "/signup")
    _app(bot).typing_delay = 0.0
    await bot.send(user, "Ana Lopez")
    assert user.actions == ["typing"]
    assert "e-mail" in user.last.text


async def test_a_refused_typing_indicator_does_not_stop_the_reply(bot: LocalBot) -> None:
    user = bot.user(3003)
    await bot.send(user, "/signup")
    _app(bot).typing_delay = 0.0
    bot.emulator.fail_next("sendChatAction", 429, "Too Many Requests: retry after 5", 5)
    await bot.send(user, "Ana Lopez")
    assert "e-mail" in user.last.text


def _app(bot: LocalBot) -> ExchangeApplication:
    assert bot.app is not None
    return bot.app
