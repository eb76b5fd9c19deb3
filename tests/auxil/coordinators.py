"""Coordinators and their group around a :class:`~tests.auxil.harness.LocalBot`: the bot
started with two coordinators, the group, and what a coordinator does there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram_emulator import ChatMessage, SimGroup, SimUser
from tests.auxil.harness import LocalBot, start

COORDINATOR, SECOND = 777, 778
GROUP = -1001234567890
COORDINATORS = frozenset({COORDINATOR, SECOND})


async def start_with_coordinators(
    kind: type[LocalBot], tmp_path: Path, **settings: Any
) -> LocalBot:
    """A started ``kind`` bot whose coordinators are ``COORDINATORS``, their chat ``GROUP``."""
    local = kind(tmp_path, coordinator_ids=COORDINATORS, coordinator_chat_id=GROUP, **settings)
    local.emulator.add_group(GROUP, "CQMU coordinators")
    return await start(local)


def group(bot: LocalBot) -> SimGroup:
    """The coordinators' group."""
    return bot.emulator.groups[GROUP]


def coordinator(bot: LocalBot, user_id: int = COORDINATOR, name: str = "Li Coord") -> SimUser:
    """A coordinator, a member of the coordinators' group."""
    return group(bot).add_member(bot.user(user_id, "en", name))


async def say(bot: LocalBot, who: SimUser, text: str, to: ChatMessage | None = None) -> None:
    """``who`` writes ``text`` in the coordinators' group, as a reply to ``to``."""
    update = group(bot).make_message(who, text, reply_to=to.message_id if to else None)
    assert update is not None, "group privacy keeps the message from the bot"
    await bot.feed(update)


async def forge(bot: LocalBot, press: dict[str, Any], data: str) -> None:
    """Feed the button press ``press`` with its callback data replaced by ``data``."""
    press["callback_query"]["data"] = data
    await bot.feed(press)
