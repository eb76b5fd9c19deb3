"""The types every handler shares: the services, the typed callback context, the application.

Handlers import this module, never the factory (:mod:`bot.telegram.application`), which
imports the handlers: the arrows point one way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, cast

from telegram.ext import Application, CallbackContext, ExtBot

from bot.settings import Settings
from bot.storage import Storage
from bot.telegram.content import LiveContent
from bot.telegram.error_reports import ErrorReports
from bot.telegram.flood import FloodGuard
from bot.telegram.outbox import Outbox

SERVICES = "services"
COMMANDS = ("start", "menu", "help", "signup", "language", "mydata", "forget", "stop", "cancel")
DRAFT = "signup"  # the sign-up draft's key in user_data


@dataclass
class Services:
    """What handlers need besides Telegram, reached typed through ``context.services``.

    ``content`` is everything the bot says (knowledge, texts, menus, the form, the group
    settings), swapped whole by ``/reload``; ``storage`` is opened in the application's
    ``post_init`` and closed at shutdown.
    """

    settings: Settings
    content: LiveContent
    flood: FloodGuard
    storage: Storage = field(init=False)
    error_reports: ErrorReports = field(default_factory=lambda: ErrorReports(600))
    relays: Outbox = field(init=False)  # students' hand-off messages for the coordinators
    started: float = field(default_factory=time.time)  # when this application was built


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context of this bot, with typed access to its services."""

    @property
    def services(self) -> Services:
        """Settings, content, storage and the rest of :class:`Services`."""
        return services_of(self.application)


App = Application[Any, BotContext, Any, Any, Any, Any]


def services_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    """The services of an application built by ``build_application``."""
    return cast(Services, app.bot_data[SERVICES])
