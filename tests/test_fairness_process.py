"""``python -m bot run`` killed (SIGKILL) in the middle of a talker's burst into a hand-off
(issue 23): after the restart every message reaches the coordinators once, in order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from telegram_emulator import EmulatorServer, SimGroup
from tests.auxil.harness import BotProcess
from tests.auxil.waiting import Hold, until

pytestmark = [pytest.mark.asyncio, pytest.mark.process]

COORDINATOR, COORDINATORS_CHAT = 777, -100_777


@pytest.fixture
def bot(server: EmulatorServer, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(
        server.base_url,
        tmp_path / "data",
        server.emulator.token,
        BOT_COORDINATOR_IDS=str(COORDINATOR),
        BOT_COORDINATOR_CHAT_ID=str(COORDINATORS_CHAT),
    )
    try:
        yield process
    finally:
        process.kill()


async def test_sigkill_in_the_middle_of_a_burst_loses_nothing_and_repeats_nothing(
    server: EmulatorServer, bot: BotProcess
) -> None:
    emulator = server.emulator
    coordinators: SimGroup = emulator.add_group(COORDINATORS_CHAT, "CQMU coordinators")
    talker = emulator.add_user(1001, first_name="Tala", language_code="en")
    bot.start()
    talker.send("/menu")
    await talker.wait_for_message(30)
    talker.press("💬 Ask a coordinator")
    await talker.wait_for_message(10)

    # Nothing reaches the coordinators before the kill.
    hold = Hold(emulator, chat_id=COORDINATORS_CHAT)
    burst = [f"part {n:02d} of my question" for n in range(30)]
    for text in burst:
        talker.send(text)
    await until(lambda: sum("Passed on" in m.text for m in talker.messages) >= 8)
    bot.kill()  # some handled, some waiting in the inbox, some not even fetched
    await until(lambda: hold.waiting == 0)  # the killed process's call is gone
    assert coordinators.messages == []
    hold.released.set()

    bot.start()
    await until(lambda: burst[-1] in "".join(m.text for m in coordinators.messages), 60)
    await emulator.wait_idle(quiet=0.5, timeout=20)
    relayed = "\n".join(m.text for m in coordinators.messages)
    assert [relayed.count(text) for text in burst] == [1] * len(burst), "each once"
    positions = [relayed.index(text) for text in burst]
    assert positions == sorted(positions), "in the order written"
    assert len(coordinators.messages) < len(burst) // 2, "combined"
    assert bot.terminate() == 0
