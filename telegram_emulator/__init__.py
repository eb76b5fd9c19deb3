"""A local Telegram Bot API for tests and the offline chat mode.

- :class:`BotAPIEmulator` (``core``): the fake Telegram, its simulated users (``users``),
  groups (``groups``) and records.
- :class:`EmulatorRequest` (``request``): an in-process PTB transport to it.
- :class:`EmulatorServer` (``server``): the same over real HTTP.
"""

from typing import TYPE_CHECKING, Any

from telegram_emulator.core import BotAPIEmulator
from telegram_emulator.errors import APIError, EmulatorError, WaitTimeoutError
from telegram_emulator.groups import SimGroup
from telegram_emulator.params import UploadedFile
from telegram_emulator.request import EmulatorRequest, application_builder, emulator_bot
from telegram_emulator.state import CallbackQuery, ChatMessage, RecordedRequest, StoredFile
from telegram_emulator.users import SimUser

if TYPE_CHECKING:
    from telegram_emulator.server import EmulatorServer


def __getattr__(name: str) -> Any:
    # Imported lazily so that ``python -m telegram_emulator.server`` runs the module only once.
    if name == "EmulatorServer":
        from telegram_emulator.server import EmulatorServer

        return EmulatorServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "APIError",
    "BotAPIEmulator",
    "CallbackQuery",
    "ChatMessage",
    "EmulatorError",
    "EmulatorRequest",
    "EmulatorServer",
    "RecordedRequest",
    "SimGroup",
    "SimUser",
    "StoredFile",
    "UploadedFile",
    "WaitTimeoutError",
    "application_builder",
    "emulator_bot",
]
