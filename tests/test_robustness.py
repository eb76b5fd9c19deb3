"""Issue 7's defects, as students and attackers meet them: student features in groups, edited
messages, forged buttons, typed answers at button steps, /cancel with nothing open, full-width
input. Each runs in process and over HTTP."""

from __future__ import annotations

import pytest

from bot.telegram.context import services_of
from tests.auxil.harness import BotSpec, LocalBot
from tests.auxil.signup import Student, draft_of, prompt, sign_up, storage, texts
from tests.auxil.updates import (
    GROUP,
    add_group,
    edited,
    forged_press,
    group_message,
    group_press,
    sent_to,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture
def bot_spec() -> BotSpec:
    """Every error the handlers raise is recorded, and none may happen; nor any call the Bot
    API would reject."""
    return BotSpec(no_handler_errors=True, no_rejected_calls=True)


def text(bot: LocalBot, key: str, lang: str = "en", **values: object) -> str:
    return texts(bot).get(key, lang, **values)


# --------------------------------------------------------------------------- 2: groups


async def test_no_student_feature_answers_in_a_group_or_channel(bot: LocalBot) -> None:
    s = Student(3001)
    student = bot.user(s.user_id)
    await sign_up(bot, student, s)
    add_group(bot.emulator)
    add_group(bot.emulator, -100_500_002, "channel")
    in_private = len(student.messages)
    name = bot.emulator.bot_user["username"]
    for command in (
        f"/mydata@{name}",
        "/mydata",
        "/signup",
        f"/start@{name}",
        "/start signup",
        "/forget",
        "/language",
        "/menu",
        "/help",
        "/cancel",
        "/nosuchcommand",
        "What are the fees?",
        "I'd like to apply",
    ):
        await bot.feed(group_message(bot.emulator, student, command))
        await bot.feed(group_message(bot.emulator, None, command, -100_500_002))
    for data in ("1|signup", "1|menu:main", "1|forget:yes", "1|lang:fr", "1|coordinator"):
        await bot.feed(group_press(bot.emulator, student, data))
        assert student.answers[-1].text == text(bot, "group_private_only")
    # In the group the bot says at most the one line inviting to a private chat (groups.py
    # answers the commands addressed to it and mentions; nothing else), never personal data.
    invitations = {text(bot, "group_private_only")}
    assert {call.params["text"] for call in sent_to(bot.emulator, GROUP)} <= invitations
    assert sent_to(bot.emulator, -100_500_002) == []
    assert len(student.messages) == in_private
    assert await storage(bot).get_lead(s.user_id) is not None  # /forget did nothing there


# --------------------------------------------------------------------------- 4: edits


async def test_an_edited_message_is_not_a_new_answer_or_question(bot: LocalBot) -> None:
    student = bot.user(3002)
    question = student.make_message("Is accommodation free?")
    await bot.feed(question)
    replies = len(student.messages)
    await bot.feed(edited(bot.emulator, question, "What are the fees?"))
    assert len(student.messages) == replies  # not answered a second time

    await bot.send(student, "/signup")
    name = student.make_message("Ana Lopez")
    await bot.feed(name)
    await bot.send(student, "ana@uchile.cl")
    assert prompt(bot, "university") in student.last.html
    shown = len(student.messages)
    await bot.feed(edited(bot.emulator, name, "Ana María López"))
    draft = draft_of(bot, student)
    assert draft is not None
    assert draft["step"] == "university"
    assert draft["answers"] == {"name": "Ana Lopez", "email": "ana@uchile.cl"}
    assert len(student.messages) == shown


# --------------------------------------------------------------------------- 6: forged data


FORGED_BROWSING = [
    "1|items:disciplines:²",
    "1|items:disciplines:99",
    "1|items:disciplines:01",
    "1|topic:no-such-topic",
    "1|menu:main:2",
    "1|lang:xx",
    "1|forget:maybe",
    "1|topic:fees\u0000",
    "1|",
    "0|menu:main",
]


async def test_forged_browsing_buttons_get_the_stale_answer(bot: LocalBot) -> None:
    student = bot.user(3003)
    await bot.send(student, "/menu")
    for data in FORGED_BROWSING:
        await bot.feed(forged_press(student, data))
        assert student.answers[-1].text == text(bot, "stale_button"), data
        assert text(bot, "menu_main") in student.last.html


@pytest.mark.smoke
async def test_forged_form_buttons_are_refused_and_the_form_goes_on(bot: LocalBot) -> None:
    s = Student(3004)
    student = bot.user(s.user_id)
    forged = {
        "level": ["1|su:level:emperor", "1|su:level:phd:extra:more"],
        "interests": [
            "1|su:interests:page:²",
            "1|su:interests:page:7",
            "1|su:interests:add:no-such-item",
            "1|su:interests:cat:nope",
        ],
        "start_month": ["1|su:start_month:2027-13", "1|su:start_month:２０２７-03"],
    }
    moves = {
        "level": ["1|su:level:phd", "1|su:interests:cat:specialties"],
        "interests": ["1|su:interests:back", "1|su:interests:unsure", "1|su:duration:3_months"],
        "start_month": [],
    }
    await bot.send(student, "/signup")
    for value in (s.name, s.email, s.university, s.country):
        await bot.send(student, value)
    for step, presses in forged.items():
        for data in presses:
            before = draft_of(bot, student)
            await bot.feed(forged_press(student, data))
            assert student.answers[-1].text == text(bot, "button_invalid"), data
            after = draft_of(bot, student)
            assert after is not None and before is not None
            assert after["step"] == step and after["answers"] == before["answers"]
        for data in moves[step]:
            await bot.press(student, data)
    await bot.send(student, "/mydata")  # still works: nothing malformed was stored
    assert text(bot, "mydata_draft") in student.messages[-1].html


# --------------------------------------------------------------------------- 8: typed choices


async def test_a_typed_choice_label_answers_the_step(bot: LocalBot) -> None:
    s = Student(3005)
    student = bot.user(s.user_id)
    for typed, expected in [
        ("PhD student", "phd"),
        ("博士生", "phd"),
        ("doctorante", "phd"),
        ("masters", "masters"),
    ]:
        await bot.send(student, "/signup")
        for value in (s.name, s.email, s.university, s.country):
            await bot.send(student, value)
        await bot.send(student, typed)
        draft = draft_of(bot, student)
        assert draft is not None
        assert draft["answers"]["level"] == expected, typed
        assert draft["step"] == "interests"
        assert text(bot, "signup_interests_prompt") in student.last.html
        await bot.send(student, "/cancel")


async def test_typed_durations_free_values_and_everything_else(bot: LocalBot) -> None:
    s = Student(3006)
    student = bot.user(s.user_id)
    await bot.send(student, "/signup")
    for value in (s.name, s.email, s.university, s.country):
        await bot.send(student, value)
    await bot.send(student, "student")  # both Master's and PhD student: ambiguous
    assert text(bot, "signup_use_buttons") in student.last.html
    await bot.send(student, "Is accommodation free?")  # clearly a question: answered
    assert text(bot, "signup_back_to_form") in student.last.html
    await bot.send(student, "PhD student")
    await bot.press(student, "1|su:interests:unsure")
    await bot.send(student, "hello there")  # neither a duration nor a question
    assert text(bot, "signup_use_buttons") in student.last.html
    await bot.send(student, "3 months")
    draft = draft_of(bot, student)
    assert draft is not None and draft["answers"]["duration"] == "3_months"
    await bot.send(student, "/cancel")

    await bot.send(student, "/signup")
    for value in (s.name, s.email, s.university, s.country):
        await bot.send(student, value)
    await bot.send(student, "博士生")
    await bot.press(student, "1|su:interests:unsure")
    await bot.send(student, "5 months")  # not a button, but the step takes a typed duration
    draft = draft_of(bot, student)
    assert draft is not None and draft["answers"]["duration"] == "5 months"
    assert prompt(bot, "start_month") in student.last.html


# --------------------------------------------------------------------------- 9, 10


async def test_cancel_with_nothing_to_cancel(bot: LocalBot) -> None:
    student = bot.user(3007, "fr")
    await bot.send(student, "/cancel")
    assert student.last.text == text(bot, "cancel_nothing", "fr")
    await bot.send(student, "/signup")
    await bot.send(student, "/cancel")
    assert student.last.text == text(bot, "signup_cancelled", "fr")


async def test_full_width_forms_in_form_input_are_folded(bot: LocalBot) -> None:
    s = Student(3008, lang="zh")
    student = bot.user(s.user_id, "zh")
    await bot.send(student, "/signup")
    await bot.send(student, "张伟")
    await bot.send(student, "zhang.wei＠ｃｑｍｕ.edu.cn")
    assert prompt(bot, "university", "zh") in student.last.html
    draft = draft_of(bot, student)
    assert draft is not None and draft["answers"]["email"] == "zhang.wei@cqmu.edu.cn"
    assert services_of(bot.app).content.form.parse_month("２０２７年３月") == (2027, 3)  # type: ignore[arg-type]
