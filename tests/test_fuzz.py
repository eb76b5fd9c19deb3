"""A seeded fuzz run (issue 7's acceptance): a few hundred random updates of every kind —
random Unicode and control characters, 4,096-character texts, forged callback data, commands
with @botname, edited messages, group and channel messages, media — through the real
application. No handler may raise, every call must be one Telegram accepts (the emulator checks
HTML, lengths, callback data), and nothing personal may reach a group or channel."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from bot.telegram.context import services_of
from telegram_emulator import SimUser
from tests.auxil.harness import LocalBot, start
from tests.auxil.updates import (
    CHANNEL,
    GROUP,
    add_group,
    edited,
    forged_press,
    group_message,
    group_press,
    sent_to,
)

pytestmark = pytest.mark.asyncio

SEED = 20261128
UPDATES = 320
COORDINATOR = 777
STUDENTS = ("Zoë <b>Fuzz</b>", "Mateus &amp; Co", "王小明", "Jean-Éloi", "\u202eevil")
PERSONAL = ("zoe.fuzz@example.edu", "Universidad Fuzz", "Fuzzistan", "Zoë <b>Fuzz</b>")
COMMANDS = (
    "start", "menu", "help", "signup", "language", "mydata", "forget", "cancel", "nosuch",
    "start fees", "start signup", "start disciplines", "start ../../etc",
)  # fmt: skip
ACTIONS = (
    "topic:fees", "menu:main", "items:hospital-specialties:1", "items:disciplines:²",
    "lang:fr", "lang:xx", "forget:yes", "forget:no", "signup", "coordinator", "language",
    "su:level:phd", "su:interests:page:²", "su:interests:page:99", "su:start_month:2027-13",
    "su:start_month:2027-03", "su:summary:confirm", "su:summary:field:email", "su:consent:yes",
    "su:interests:add:neurosurgery", "su:interests:cat:specialties", "su:duration:3_months",
)  # fmt: skip
ALPHABETS = (
    "abcdefghijklmnopqrstuvwxyz ?!.,'",
    "学科费用住宿多久可以申请吗？，。您",
    "éèàçôûœ«»’ ",
    "\u0000\u0001\u0007\u000b\u001b\u007f\u0085\u200b\u200e\u202e\u2066\ufeff\n\t\r",
    "<>&\"'/\\{}[]%$#@＠ｃｑｍｕ１２３",
    "😀🎓🏥🇫🇷👨‍👩‍👧",
)


def random_text(rng: random.Random) -> str:
    """Random characters, or something form-like, or the longest message Telegram allows."""
    roll = rng.random()
    if roll < 0.08:
        return rng.choice("x学é<😀") * 4096
    if roll < 0.3:
        return rng.choice(
            [*PERSONAL, "PhD student", "博士生", "5 months", "March 2027", "２０２７年３月",
             "what are the fees?", "I'd like to apply", "yes", "skip", "🤔"]
        )  # fmt: skip
    alphabet = "".join(rng.sample(ALPHABETS, rng.randint(1, 3)))
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))


def media(user: SimUser, rng: random.Random) -> dict[str, Any]:
    """A photo, sticker, voice note, document, location or contact from the student."""
    update = user.make_message("media")
    message = update["message"]
    del message["text"]
    message.pop("entities", None)
    file = {"file_id": "AgAD", "file_unique_id": "u1"}
    kind, payload = rng.choice(
        [
            ("photo", [{**file, "width": 90, "height": 90}]),
            ("sticker", {**file, "type": "regular", "width": 512, "height": 512,
                         "is_animated": False, "is_video": False}),
            ("voice", {**file, "duration": 3}),
            ("document", {**file, "file_name": "cv <b>.pdf"}),
            ("location", {"latitude": 29.56, "longitude": 106.55}),
            ("contact", {"phone_number": "+8613800000000", "first_name": "Zoë"}),
        ]
    )  # fmt: skip
    message[kind] = payload
    if rng.random() < 0.5:
        message["caption"] = random_text(rng)[:1024]
    return update


def next_update(  # noqa: PLR0911 - one return per kind of update
    bot: LocalBot, rng: random.Random, users: list[SimUser], sent: list[dict[str, Any]]
) -> dict[str, Any]:
    """One random update of a random kind."""
    emulator, user = bot.emulator, rng.choice(users)
    name = emulator.bot_user["username"]
    roll = rng.random()
    if roll < 0.22:
        update = user.make_message(random_text(rng))
        sent.append(update)
        return update
    if roll < 0.34:
        command = rng.choice(COMMANDS)
        mention = f"@{name}" if rng.random() < 0.4 else ""
        head, _, tail = command.partition(" ")
        return user.make_message(f"/{head}{mention} {tail}".rstrip())
    if roll < 0.5 and any(m.buttons for m in user.messages):
        buttons = [b for m in user.messages[-3:] for row in m.buttons for b in row]
        return user.make_press(rng.choice(buttons)[1]) if buttons else user.make_message("hi")
    if roll < 0.62 and user.messages:
        data = rng.choice(
            [
                f"1|{rng.choice(ACTIONS)}",
                f"1|{random_text(rng)}"[:40],
                random_text(rng)[:30],
                "0|menu:main",
            ]
        )
        return (
            forged_press(user, data) if any(m.buttons for m in user.messages) else media(user, rng)
        )
    if roll < 0.7 and sent:
        return edited(emulator, rng.choice(sent), random_text(rng))
    if roll < 0.8:
        text = rng.choice([f"/{rng.choice(COMMANDS)}@{name}", random_text(rng), "/mydata"])
        return group_message(emulator, user, text)
    if roll < 0.85:
        return group_message(emulator, None, random_text(rng), CHANNEL)
    if roll < 0.9:
        return group_press(emulator, user, f"1|{rng.choice(ACTIONS)}")
    return media(user, rng)


async def test_a_few_hundred_random_updates(tmp_path: Path) -> None:
    bot = await start(LocalBot(tmp_path, coordinator_ids=frozenset({COORDINATOR})))
    try:
        assert bot.app is not None
        errors: list[BaseException] = []

        async def record(update: object, context: Any) -> None:
            errors.append(context.error)

        bot.app.add_error_handler(record)
        add_group(bot.emulator)
        add_group(bot.emulator, CHANNEL, "channel")
        rng = random.Random(SEED)
        users = [
            bot.user(9000 + n, rng.choice(["en", "zh", "fr", "de", None]), name)
            for n, name in enumerate(STUDENTS)
        ]  # type: ignore[arg-type]
        bot.user(COORDINATOR, "en", "Coordinator")
        for user in users:  # everyone has seen the menu, some are in the form
            await bot.send(user, "/start")
        await bot.send(users[0], "/signup")
        sent: list[dict[str, Any]] = []
        for _ in range(UPDATES):
            await bot.feed(next_update(bot, rng, users, sent))
        assert errors == [], f"the error handler ran: {errors[:3]}"
        assert bot.emulator.errors == [], "a call Telegram would refuse"
        for chat_id in (GROUP, CHANNEL):
            for call in sent_to(bot.emulator, chat_id):
                text = str(call.params.get("text", ""))
                assert not any(p in text for p in PERSONAL + STUDENTS), text
        assert services_of(bot.app).storage is not None
        answered = sum(len(u.messages) for u in users)
        assert answered > UPDATES / 3  # the students were answered along the way
    finally:
        await bot.stop()
