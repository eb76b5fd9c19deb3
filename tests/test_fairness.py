"""One student never stalls the bot for everyone (issue 23), as users see it: the real
application polling the emulator over HTTP, through the inbox.

The coordinators' chat (or a class group) is held by the emulator — nothing sent there
arrives — while one user floods: another student's answer must still arrive, before the
flooder's backlog could drain. The inbox's slots are cut to 8 (a constructor parameter), so a
user holding them all would stop polling within the first few updates. The flood guard's
window is 10 minutes, so what it lets through does not depend on how fast the test runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.telegram.context import services_of
from bot.telegram.flood import FloodGuard
from bot.telegram.inbox import inbox_of
from telegram_emulator import SimGroup
from tests.auxil.harness import HttpBot, LocalBot
from tests.auxil.waiting import Hold, until

pytestmark = pytest.mark.asyncio

COORDINATOR, COORDINATORS_CHAT, CLASS = 777, -100_777, -100_555
LIMIT, TAP_LIMIT = 12, 10


@pytest_asyncio.fixture
async def http(tmp_path: Path) -> AsyncIterator[HttpBot]:
    bot = HttpBot(
        tmp_path,
        coordinator_ids=frozenset({COORDINATOR}),
        coordinator_chat_id=COORDINATORS_CHAT,
    )
    bot.emulator.add_group(COORDINATORS_CHAT, "CQMU coordinators")
    async with bot:
        assert bot.app is not None
        services = services_of(bot.app)
        services.flood = FloodGuard(
            limit=LIMIT, window=600, tap_limit=TAP_LIMIT, exempt={COORDINATOR}
        )
        services.relays.every = 0.05  # the relay outbox's pace, scaled down
        inbox = inbox_of(bot.app)
        assert inbox is not None
        inbox.max_in_flight = 8
        yield bot


def pending_updates(bot: HttpBot) -> int:
    assert bot.app is not None
    inbox = inbox_of(bot.app)
    assert inbox is not None
    return inbox.in_flight + inbox.waiting


async def test_a_talker_flooding_a_handoff_delays_nobody_and_every_message_arrives(
    http: HttpBot,
) -> None:
    emulator = http.emulator
    coordinators: SimGroup = emulator.groups[COORDINATORS_CHAT]
    talker, other = http.user(1001, name="Tala"), http.user(1002, name="Omar")
    await http.send(talker, "/menu")
    await http.press(talker, "💬 Ask a coordinator")
    hold = Hold(emulator, chat_id=COORDINATORS_CHAT)
    burst = [f"question part {n:02d}" for n in range(40)]
    for text in burst:
        talker.send(text)
    other.send("what are the fees?")

    answer = await other.wait_for_message(15)
    assert "waived" in answer.text
    assert coordinators.messages == [], "the talker's backlog has not drained"
    # Every message is stored and confirmed to the talker while the coordinators' chat
    # still receives nothing: one relay at a time waits for it.
    await until(lambda: sum("Passed on" in m.text for m in talker.messages) == len(burst) - 1)
    assert hold.waiting == 1

    hold.released.set()
    await until(lambda: burst[-1] in "".join(m.text for m in coordinators.messages))
    await emulator.wait_idle()
    relayed = "\n".join(m.text for m in coordinators.messages)
    assert [relayed.count(text) for text in burst] == [1] * len(burst), "each once"
    positions = [relayed.index(text) for text in burst]
    assert positions == sorted(positions), "in the order written"
    assert len(coordinators.messages) <= 5, "combined, not one message each"
    assert any("new messages from Tala" in m.text for m in coordinators.messages)
    assert all(len(m.text) <= 4096 for m in coordinators.messages)
    assert coordinators.last.button_labels == ["🔒 Close"]
    said = [m.text for m in talker.messages]
    assert sum("very fast" in text for text in said) == 1, "warned once"
    assert sum("Passed on" in text for text in said) == len(burst) - 1
    assert pending_updates(http) == 0


async def test_a_coordinator_reply_to_a_combined_message_reaches_the_talker(
    http: HttpBot,
) -> None:
    emulator = http.emulator
    coordinators: SimGroup = emulator.groups[COORDINATORS_CHAT]
    coordinator = coordinators.add_member(http.user(COORDINATOR, name="Coord"))
    talker = http.user(1001, name="Tala")
    await http.send(talker, "/menu")
    await http.press(talker, "💬 Ask a coordinator")
    hold = Hold(emulator, chat_id=COORDINATORS_CHAT)
    for n in range(5):
        talker.send(f"detail {n}")
    await until(lambda: hold.waiting == 1)
    hold.released.set()
    await until(lambda: "detail 4" in "".join(m.text for m in coordinators.messages))
    combined = coordinators.last
    await http.feed(
        coordinators.make_message(coordinator, "Noted, thanks.", reply_to=combined.message_id)  # type: ignore[arg-type]
    )
    assert "Noted, thanks." in talker.last.text


async def test_a_user_flooding_a_group_with_mentions_delays_nobody(http: HttpBot) -> None:
    emulator = http.emulator
    classmate, other = http.user(1003, name="Cleo"), http.user(1004, name="Omar")
    group = emulator.add_group(CLASS, "Class of 2027", [classmate])
    hold = Hold(emulator, chat_id=CLASS)
    bot_name = emulator.bot_user["username"]
    for n in range(30):
        group.send(classmate, f"@{bot_name} what are the fees? ({n})")
    other.send("how long is the stay?")

    answer = await other.wait_for_message(15)
    assert "4 weeks" in answer.text
    assert group.messages == [], "the group's replies are still held"

    hold.released.set()
    await until(lambda: pending_updates(http) == 0)
    await emulator.wait_idle()
    assert 1 <= len(group.messages) <= LIMIT, "beyond the limit, mentions are dropped"
    assert not any("very fast" in m.text for m in group.messages), "nothing said in a group"
    assert classmate.messages == []


async def test_button_presses_beyond_the_limit_are_answered_but_not_acted_on(
    http: HttpBot,
) -> None:
    student = http.user(1005)
    await http.send(student, "/menu")
    menu = student.last
    topic = menu.buttons[0][0][1]
    presses = 25
    for _ in range(presses):
        student.press(topic, menu.message_id)
    await until(lambda: len(student.answers) == presses)
    await http.emulator.wait_idle()
    slow = [a for a in student.answers if a.text and "Too many taps" in a.text]
    assert len(slow) == presses - TAP_LIMIT
    assert len(student.messages) == 1, "the menu is edited in place, nothing else is sent"


async def test_inline_queries_beyond_the_limit_are_dropped(http: HttpBot) -> None:
    http.emulator.inline_mode = True
    student = http.user(1006)
    for n in range(25):
        student.inline_query(f"is housing free {n}")
    await until(lambda: pending_updates(http) == 0 and not http.emulator.updates.pending)
    await http.emulator.wait_idle()
    queries = [q for q in http.emulator.inline_queries.values() if q.user_id == student.id]
    assert sum(q.answered for q in queries) == TAP_LIMIT


async def test_long_messages_are_combined_within_telegrams_limit(http: HttpBot) -> None:
    emulator = http.emulator
    coordinators: SimGroup = emulator.groups[COORDINATORS_CHAT]
    talker = http.user(1001, name="Tala")
    await http.send(talker, "/menu")
    await http.press(talker, "💬 Ask a coordinator")
    hold = Hold(emulator, chat_id=COORDINATORS_CHAT)
    talker.send("first, a short one")
    await until(lambda: hold.waiting == 1)
    texts = [f"<start {n}> " + "R&D <lab> " * 300 + f"<end {n}>" for n in range(4)]
    texts.append("<start 4> " + "&" * 4000 + " <end 4>")  # 4,000 characters, 20,000 escaped
    for text in texts:
        talker.send(text)
    await until(lambda: sum("Passed on" in m.text for m in talker.messages) == len(texts))
    hold.released.set()
    await until(lambda: "<end 4>" in "".join(m.text for m in coordinators.messages))
    await emulator.wait_idle()
    assert emulator.errors == [], "every message within Telegram's limits"
    relayed = "".join(m.text for m in coordinators.messages)
    for n in range(len(texts)):
        assert relayed.count(f"<start {n}>") == 1 and relayed.count(f"<end {n}>") == 1
        assert relayed.index(f"<start {n}>") < relayed.index(f"<end {n}>")
    # cut at spaces, so each word is whole
    assert relayed.count("R&D") == relayed.count("<lab>") == 4 * 300, "nothing lost at the cuts"
    assert relayed.count("&") == 4 * 300 + 4000
    assert all(len(m.text) <= 4096 for m in coordinators.messages)
    assert any("(part 1 of" in m.text for m in coordinators.messages)


async def test_a_coordinator_who_never_started_the_bot_does_not_keep_messages_queued(
    tmp_path: Path,
) -> None:
    async with LocalBot(tmp_path, coordinator_ids=frozenset({777, 778})) as local:
        assert local.app is not None
        reached = local.user(777, name="Coord")
        local.emulator.add_user(778, first_name="Absent", started=False)
        student = local.user(1001, name="Tala")
        await local.send(student, "/menu")
        await local.press(student, "💬 Ask a coordinator")
        await local.send(student, "Can I come in January?")
        assert "Can I come in January?" in reached.last.text
        assert await services_of(local.app).storage.queued_relays() == []
