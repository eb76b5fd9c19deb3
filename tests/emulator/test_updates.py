"""getUpdates: updates stay until a higher offset confirms them; long polls wake up at once."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from telegram import Bot
from telegram.error import Conflict

from telegram_emulator import BotAPIEmulator, WaitTimeoutError, emulator_bot

pytestmark = pytest.mark.asyncio


async def test_an_update_stays_until_a_higher_offset_confirms_it(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001)
    first = user.send("one")
    assert await emu.call("getUpdates", {"offset": 0}) == [first]
    # Not confirmed yet: a bot killed now gets it again after a restart.
    async with emulator_bot(emu) as restarted:
        again = await restarted.get_updates()
    assert [u.update_id for u in again] == [first["update_id"]]
    second = user.send("two")
    assert await emu.call("getUpdates", {"offset": str(first["update_id"] + 1)}) == [second]
    assert await emu.call("getUpdates", {"offset": second["update_id"] + 1}) == []
    assert emu.updates.pending == []


async def test_limit_negative_offset_and_allowed_updates(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001)
    updates = [user.send(str(n)) for n in range(3)]
    assert await emu.call("getUpdates", {"limit": 2}) == updates[:2]
    assert await emu.call("getUpdates", {"offset": -1}) == updates[2:]
    assert len(emu.updates.pending) == 1
    assert (
        await emu.call("getUpdates", {"offset": 0, "allowed_updates": '["callback_query"]'}) == []
    )
    assert emu.updates.pending == []  # a message the bot does not want is dropped


async def test_a_long_poll_returns_as_soon_as_an_update_comes(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001)
    started = time.monotonic()
    poll = asyncio.create_task(emu.call("getUpdates", {"timeout": 10}))
    await asyncio.sleep(0.05)
    assert not poll.done()
    update = user.send("hello")
    assert await asyncio.wait_for(poll, 1) == [update]
    assert time.monotonic() - started < 1


async def test_a_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dt.timedelta(seconds=0.1)) == ()
    assert 0.09 <= time.monotonic() - started < 1


async def test_a_second_poller_terminates_the_first(emu: BotAPIEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.02)
    second = asyncio.create_task(emu.call("getUpdates", {"timeout": 0.05}))
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first
    assert await second == []


async def test_webhook_and_polling_exclude_each_other(emu: BotAPIEmulator, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.02)
    assert await bot.set_webhook("https://bot.example.org/hook")
    with pytest.raises(Conflict, match="terminated by setWebhook request"):
        await poll
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_wait_idle_needs_the_bot_to_fetch_the_updates(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001)
    user.send("nobody polls")
    with pytest.raises(WaitTimeoutError, match="1 update"):
        await emu.wait_idle(timeout=0.1)
    await emu.call("getUpdates", {})
    await emu.wait_idle(quiet=0.01, timeout=1)
