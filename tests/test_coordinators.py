"""The coordinators' side: hand-off threads, sign-up notices, their buttons and commands, and
what everyone else cannot do. Driven as students and coordinators would, over HTTP (polling,
as in production) where it says so, else in process."""

from __future__ import annotations

import html
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.settings import Settings, SettingsError
from bot.storage import Storage
from bot.telegram import notices
from bot.telegram.context import BotContext, services_of
from bot.telegram.handlers import handoff
from bot.telegram.handlers import notices as notice_buttons
from bot.telegram.handlers.coordinator_help import load_commands
from bot.telegram.relay import MESSAGE_LIMIT, html_length, split_escaped
from telegram_emulator import ChatMessage, SimUser
from tests.auxil.coordinators import (
    COORDINATOR,
    COORDINATORS,
    GROUP,
    SECOND,
    coordinator,
    forge,
    group,
    say,
    start_with_coordinators,
)
from tests.auxil.harness import HttpBot, LocalBot, start
from tests.auxil.signup import Student, sign_up

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def http(tmp_path: Path) -> AsyncIterator[LocalBot]:
    """The bot polling the emulator over HTTP, with two coordinators and their group."""
    bot = await start_with_coordinators(HttpBot, tmp_path)
    try:
        yield bot
        assert bot.emulator.errors == [], "the bot made calls Telegram would reject"
    finally:
        await bot.__aexit__()


@pytest_asyncio.fixture
async def local(tmp_path: Path) -> AsyncIterator[LocalBot]:
    """The same bot in process (fast, with restarts)."""
    bot = await start_with_coordinators(LocalBot, tmp_path)
    try:
        yield bot
        assert bot.emulator.errors == [], "the bot made calls Telegram would reject"
    finally:
        await bot.stop()


def storage(bot: LocalBot) -> Storage:
    assert bot.app is not None
    result: Storage = services_of(bot.app).storage
    return result


def group_messages(bot: LocalBot) -> list[ChatMessage]:
    return group(bot).messages


def first_button(message: ChatMessage) -> str:
    """The value (callback data) of the first button of ``message``."""
    return message.buttons[0][0][1]


async def ask(bot: LocalBot, student: SimUser, question: str) -> None:
    """The student taps "Ask a coordinator" in the main menu and asks."""
    await bot.send(student, "/menu")
    await bot.press(student, "1|coordinator")
    await bot.send(student, question)


# --------------------------------------------------------------------------- over HTTP


async def test_question_answer_and_follow_up_reach_the_right_people(http: LocalBot) -> None:
    student = http.user(1001, "fr", "Ana")
    bystander = http.user(1002, "en", "Ben")
    await http.send(bystander, "/start")
    bystander_count = len(bystander.messages)
    first, second = coordinator(http), coordinator(http, SECOND, "Marc")

    await ask(http, student, "Puis-je venir en janvier ?")
    assert "transmise aux coordinateurs" in student.last.text
    report = group_messages(http)[-1]
    assert "Conversation #1" in report.text and "Puis-je venir en janvier ?" in report.text
    assert "Français" in report.text and "Ana" in report.text and "not yet" in report.text

    await say(http, first, "Oui, janvier convient.", report)
    assert "Réponse d'un coordinateur" in student.last.text
    assert "Oui, janvier convient." in student.last.text
    assert "Sent to Ana (conversation #1)" in group_messages(http)[-1].text

    await http.send(student, "Merci ! Et le logement ?")
    assert "Transmis" in student.last.text
    follow_up = group_messages(http)[-1]
    assert "Conversation #1" in follow_up.text and "Et le logement ?" in follow_up.text

    await say(http, second, "Le logement est sur le campus.", follow_up)  # any coordinator
    assert "Le logement est sur le campus." in student.last.text
    assert len(bystander.messages) == bystander_count, "nothing reached anyone else"

    await http.feed(group(http).make_press(first, "🔒 Close"))
    assert "close" in student.last.text.lower()
    assert "closed" in group_messages(http)[-1].text
    await http.send(student, "Quels sont les frais ?")
    assert "frais" in student.last.text.lower() and "Transmis" not in student.last.text

    private = http.user(COORDINATOR, "en", "Li Coord")  # /stats counts the answered one
    await http.send(private, "/stats")
    stats = [m.text for m in private.messages if "Conversations with the coordinators" in m.text]
    assert stats and "Conversations with the coordinators: 1, answered: 1" in stats[-1]


async def test_a_display_name_cannot_redirect_an_answer(http: LocalBot) -> None:
    victim = http.user(1002, "en", "Victim")
    await http.send(victim, "/start")
    seen_by_victim = len(victim.messages)
    attacker = http.user(1001, "en", "#u1002_en")  # the old report's tag of the victim
    await ask(http, attacker, "#u1002_en please answer #u1002_en")
    report = group_messages(http)[-1]
    assert "#u1002_en" in report.text

    await say(http, coordinator(http), "Here is your answer.", report)
    assert "Here is your answer." in attacker.last.text
    assert len(victim.messages) == seen_by_victim, "the victim received nothing"


async def test_a_4000_character_question_arrives_whole(http: LocalBot) -> None:
    student = http.user(1001, "en", "Ana")
    question = ('Is <b> & "this" allowed? ' * 200)[:4000]
    await ask(http, student, question)
    assert "passed on" in student.last.text
    parts = group_messages(http)
    assert len(parts) >= 2
    assert all(html_length(part.html) <= MESSAGE_LIMIT for part in parts)
    assert "".join(part.text.split("\n\n")[1] for part in parts) == question
    await say(http, coordinator(http), "Answered.", parts[0])  # any part can be answered
    assert "Answered." in student.last.text


async def test_a_sign_up_reaches_the_coordinators_who_mark_it_and_reply(http: LocalBot) -> None:
    name = '<a href="x">click</a> Zoé'
    student = http.user(2001, "fr", "Zoé")
    await sign_up(http, student, Student(2001, lang="fr", name=name, message="Bonjour & merci"))
    notice = group_messages(http)[-1]
    assert "New sign-up" in notice.text
    for detail in (name, "ana.lopez@uchile.cl", "Universidad de Chile", "Chile", "Français"):
        assert detail in notice.text
    assert "Bonjour & merci" in notice.text and "<a href" not in notice.html.replace(
        html.escape('<a href="x">'), ""
    )
    assert notice.button_labels == ["✅ Contacted", "🚫 Not relevant", "✍️ Reply to student"]

    first = coordinator(http)
    await http.feed(group(http).make_press(first, "✅ Contacted", notice.message_id))
    lead = await storage(http).get_lead(2001)
    assert lead is not None and lead.status == "contacted" and lead.status_by == COORDINATOR
    assert "contacted — Li Coord" in group_messages(http)[-1].text

    await http.feed(group(http).make_press(first, "✍️ Reply to student", notice.message_id))
    prompt = group_messages(http)[-1]
    assert "your next message in this chat goes to" in prompt.text
    assert prompt.button_labels == ["✖️ Cancel"]
    await say(http, first, "Bienvenue ! Quand pouvez-vous venir ?", prompt)
    assert "Réponse d'un coordinateur" in student.last.text
    assert "Bienvenue ! Quand pouvez-vous venir ?" in student.last.text
    assert "répondre ici" in student.last.text  # the student may answer: a thread is open

    await http.send(student, "En mars.")
    assert "En mars." in group_messages(http)[-1].text


async def test_forged_presses_and_commands_reveal_nothing(http: LocalBot) -> None:
    student = http.user(2001, "en", "Ana")
    await sign_up(http, student, Student(2001))
    notice = group_messages(http)[-1]
    count = len(group_messages(http))

    await http.send(student, "/nonexistent")
    unknown = student.last.text
    for command in ("coordinator", "handoffs", *load_commands(http.app)):  # type: ignore[arg-type]
        await http.send(student, f"/{command}")
        assert student.last.text == unknown, command

    await http.send(student, "/menu")
    menu = student.last
    await forge(http, student.make_press(first_button(menu), menu.message_id), "1|nonexistent")
    stale, stale_answer = student.last.text, student.answers[-1].text
    assert stale_answer is not None and "no longer valid" in stale_answer
    for action in (*handoff.COORDINATOR_BUTTONS, *notice_buttons.COORDINATOR_BUTTONS):
        latest = student.last
        press = student.make_press(first_button(latest), latest.message_id)
        await forge(http, press, f"1|{action}")
        assert student.last.text == stale, action
        assert student.answers[-1].text == stale_answer

    member = group(http).add_member(http.user(3001, "en", "Not a coordinator"))
    assert http.app is not None
    invalid = services_of(http.app).content.texts.get("button_invalid", "en")  # a toast only
    for action in (*handoff.COORDINATOR_BUTTONS, *notice_buttons.COORDINATOR_BUTTONS):
        press = group(http).make_press(member, first_button(notice), notice.message_id)
        await forge(http, press, f"1|{action}")
        assert member.answers[-1].text == invalid, action
    await say(http, member, "I am not a coordinator", notice)
    for command in ("handoffs", "coordinator"):  # in the coordinators' group: nothing
        await say(http, member, f"/{command}@cqmu_test_bot")

    lead = await storage(http).get_lead(2001)
    assert lead is not None and lead.status == "new"
    assert len(group_messages(http)) == count and not group_messages(http)[-1].edited
    assert all("not a coordinator" not in m.text for m in student.messages)
    assert storage(http).pending_reply(GROUP, 3001) is None


# --------------------------------------------------------------------------- in process


async def test_threads_survive_a_restart(local: LocalBot) -> None:
    student = local.user(1001, "zh", "Wei")
    await ask(local, student, "可以一月去吗？")
    report = group_messages(local)[-1]
    await local.restart()
    await say(local, coordinator(local), "可以。", report)
    assert "可以。" in student.last.text and "老师的回复" in student.last.text
    await local.send(student, "谢谢")
    assert "谢谢" in group_messages(local)[-1].text


async def test_idle_threads_close_after_48_hours(local: LocalBot) -> None:
    student = local.user(1001, "en", "Ana")
    late = local.user(1002, "en", "Ben")
    await ask(local, student, "First question")
    await ask(local, late, "Another question")
    store = storage(local)
    later = store.now() + handoff.IDLE + timedelta(minutes=1)
    store.database.clock = lambda: later  # 48 hours pass

    await local.send(late, "Are you there?")
    assert "not</b> passed on" in late.last.html
    assert late.last.button_labels == ["💬 Ask a coordinator"]
    assert all("Are you there?" not in m.text for m in group_messages(local))

    assert local.app is not None
    await handoff.expire_idle(BotContext(local.app))
    assert "closed after 48 hours" in student.last.text
    assert store.current_thread(1001) is None and store.open_threads() == []
    assert "closed after 48 hours" in group_messages(local)[-1].text


async def test_the_student_can_end_a_thread_and_forget_erases_it(local: LocalBot) -> None:
    student = local.user(1001, "en", "Ana")
    await ask(local, student, "A question")
    report = group_messages(local)[-1]
    await local.send(student, "/cancel")
    assert "closed" in student.last.text
    assert "ended the conversation" in group_messages(local)[-1].text

    await ask(local, student, "Another question")
    await local.send(student, "/mydata")
    assert "Conversations with the coordinators</b>: 2" in student.last.html
    assert "still open" in student.last.text
    await local.send(student, "/forget")
    await local.press(student, "1|forget:yes")
    assert "stay in their chat" in student.last.text
    assert storage(local).current_thread(1001) is None
    before = len(student.messages)
    await say(local, coordinator(local), "Too late", report)
    assert len(student.messages) == before
    assert "not linked to a student" in group_messages(local)[-1].text
    await local.send(student, "what are the fees?")
    assert "waived" in student.last.text, "answered by the bot, not passed on"


async def test_handoffs_and_coordinator_commands_in_the_coordinators_language(
    local: LocalBot,
) -> None:
    await ask(local, local.user(1001, "fr", "Ana <script>"), "Question")
    silent = local.user(1002)
    await local.send(silent, "/menu")
    await local.press(silent, "💬 Ask a coordinator")  # opened, nothing asked: not listed
    chinese = local.user(COORDINATOR, "zh", "李老师")
    await local.send(chinese, "/handoffs")
    assert "进行中的学生对话" in chinese.last.text and "Ana <script>" in chinese.last.text
    assert "#1" in chinese.last.text and "#2" not in chinese.last.text
    await local.send(chinese, "/coordinator")
    listing = chinese.last.text
    assert "老师可用的命令" in listing
    for command in load_commands(local.app):  # type: ignore[arg-type]
        assert f"/{command} — " in listing
    await local.send(chinese, "/help")
    assert chinese.last.text == listing
    student = local.user(1003, "en")
    await local.send(student, "/help")
    assert "Commands for coordinators" not in student.last.text


async def test_reply_to_student_in_a_private_chat_takes_the_next_message(tmp_path: Path) -> None:
    bot = await start(LocalBot(tmp_path, coordinator_ids=COORDINATORS))  # no group: privately
    try:
        student = bot.user(2001, "en", "Ana")
        me, other = bot.user(COORDINATOR, "en", "Li"), bot.user(SECOND, "fr", "Marc")
        await sign_up(bot, student, Student(2001))
        notice = me.last
        assert "New sign-up" in notice.text and "New sign-up" in other.last.text
        await bot.feed(me.make_press("✍️ Reply to student", notice.message_id))
        await bot.send(me, "Hello Ana, welcome!")  # not a reply: the next message still goes
        assert "Hello Ana, welcome!" in student.last.text
        assert "Li answered Ana" in other.last.text  # the other coordinator sees the answer
        await bot.send(student, "Thank you!")
        assert "Thank you!" in me.last.text and "Thank you!" in other.last.text
        await bot.feed(other.make_message("De rien.", reply_to=other.last.message_id))
        assert "De rien." in student.last.text
        notice_of_other = next(m for m in other.messages if "New sign-up" in m.text)
        await bot.feed(other.make_message("Et bienvenue.", reply_to=notice_of_other.message_id))
        assert "Et bienvenue." in student.last.text  # a reply to a notice reaches the student
        await bot.send(me, "what are the fees?")  # and only that one
        assert "waived" in me.last.text
        await bot.feed(me.make_press("✍️ Reply to student", notice.message_id))
        await bot.send(me, "/cancel")
        assert "nothing was sent" in me.last.text
    finally:
        await bot.stop()


async def test_a_notice_is_sent_once_and_a_queued_one_after_a_crash(local: LocalBot) -> None:
    student = local.user(2001, "en", "Ana")
    await sign_up(local, student, Student(2001, message="&" * 1000))
    notices_sent = [m for m in group_messages(local) if "sign-up" in m.text]
    assert len(notices_sent) == 1 and "shortened" in notices_sent[0].text
    store = storage(local)
    lead = await store.get_lead(2001)
    assert lead is not None
    assert local.app is not None
    context = BotContext(local.app)
    await notices.lead_confirmed(context, lead, updated=False)  # the confirmation again
    assert len([m for m in group_messages(local) if "sign-up" in m.text]) == 1

    later = replace(lead, consent_at=lead.consent_at + timedelta(days=1))
    await store.queue_notice(2001, later.consent_at, updated=True)  # queued, then a crash
    await local.restart()
    await notices.deliver_queued(BotContext(local.app))
    assert "Updated sign-up" in group_messages(local)[-1].text
    await notices.deliver_queued(BotContext(local.app))
    assert len([m for m in group_messages(local) if "sign-up" in m.text]) == 2


async def test_lead_notices_can_be_turned_off(tmp_path: Path) -> None:
    assert Settings.from_env({"BOT_LEAD_NOTICES": "off"}).lead_notices is False
    assert Settings.from_env({}).lead_notices is True
    with pytest.raises(SettingsError):
        Settings.from_env({"BOT_LEAD_NOTICES": "maybe"})
    bot = await start_with_coordinators(LocalBot, tmp_path, lead_notices=False)
    try:
        await sign_up(bot, bot.user(2001), Student(2001))
        assert group_messages(bot) == []
    finally:
        await bot.stop()


async def test_without_coordinators_the_start_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        bot = await start(LocalBot(tmp_path))
        await bot.stop()
    lines = [r.getMessage() for r in caplog.records if "hand-offs" in r.getMessage()]
    assert len(lines) == 1 and "off" in lines[0]


async def test_split_never_cuts_an_entity_and_keeps_every_character() -> None:
    text = "a&b<c> " * 50
    pieces = split_escaped(text, [40, 30])
    assert html.unescape("".join(pieces)) == text
    assert html_length(pieces[0]) <= 40 and all(html_length(p) <= 30 for p in pieces[1:])
    assert all(html.unescape(p) == html.unescape(html.unescape(p)) for p in pieces[:1])
    assert not any(p.endswith(("&", "&a", "&am", "&amp", "&l", "&lt")) for p in pieces)


async def test_settings_default_keeps_notices_on() -> None:
    assert replace(Settings()).lead_notices is True


async def test_a_coordinators_command_menu_lists_their_commands(local: LocalBot) -> None:
    coordinator_chat = local.user(COORDINATOR, "fr", "Li Coord")
    student = local.user(2001, "en", "Ana")
    assert "digest" not in dict(coordinator_chat.commands)  # Telegram knows no chat yet
    await local.send(coordinator_chat, "/coordinator")
    listed = dict(coordinator_chat.commands)
    assert "digest" in listed and "handoffs" in listed and "start" in listed
    assert "digest" not in dict(student.commands)
    await local.send(coordinator_chat, "/language")
    await local.press(coordinator_chat, "1|lang:zh")
    assert "digest" in dict(coordinator_chat.commands)  # /language keeps them, localised
    assert dict(coordinator_chat.commands)["digest"] != listed["digest"]
    await local.restart()  # registered again at start for a coordinator known to the bot
    assert "digest" in dict(coordinator_chat.commands)
    assert "digest" not in dict(student.commands)
