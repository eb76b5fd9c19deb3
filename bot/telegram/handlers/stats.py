"""/stats [days] for coordinators: the figures as a short text, then the chart as a photo.

The chart is drawn in a worker thread (matplotlib, imported there on the first chart), so the
bot keeps answering students meanwhile.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import InputFile, Update
from telegram.ext import CommandHandler

from bot.reports import charts, stats
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import only_coordinators
from bot.telegram.handlers.common import send, user_language

TEXTS = stats.TEXTS | {"stats_usage"}


def parse_days(args: list[str]) -> int | None:
    """The number of days asked for (the default without one), or None if it is not valid."""
    if not args:
        return stats.DEFAULT_DAYS
    if len(args) == 1 and args[0].isdigit() and 1 <= int(args[0]) <= stats.MAX_DAYS:
        return int(args[0])
    return None


async def stats_command(update: Update, context: BotContext) -> None:
    """The statistics of the last N days (30 by default), in the coordinator's language."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    texts = services.content.texts
    days = parse_days(context.args or [])
    if days is None:
        await send(update, texts.get("stats_usage", lang, max=stats.MAX_DAYS))
        return
    figures = await stats.collect(
        services.storage, days, datetime.now(UTC), services.settings.tzinfo
    )
    await send(update, stats.summary(figures, texts, services.content.assistant.kb, lang))
    png = await asyncio.to_thread(charts.draw, figures, stats.chart_labels(texts, lang))
    chat = update.effective_chat
    if chat is not None:
        await chat.send_photo(InputFile(png, filename=f"stats-{days}d.png"))


def register(app: App) -> None:
    """/stats, for coordinators only: anyone else gets the unknown-command reply."""
    settings = services_of(app).settings
    app.add_handler(CommandHandler("stats", stats_command, filters=only_coordinators(settings)))
