"""/digest: the coordinators' digest now — the leads since the last scheduled digest, which
still go into the next one (the watermark does not move)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.reports.digest import render_digest
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import coordinator_places
from bot.telegram.handlers.common import send, user_language

TEXTS = frozenset(
    {
        "digest_area",
        "digest_area_not_sure",
        "digest_backlog",
        "digest_by_language",
        "digest_by_level",
        "digest_lead",
        "digest_no_leads",
        "digest_no_questions",
        "digest_not_contacted",
        "digest_question",
        "digest_questions",
        "digest_since_start",
        "digest_status_contacted",
        "digest_status_new",
        "digest_status_not_relevant",
        "digest_status_updated",
        "digest_title",
        "digest_title_now",
        "digest_totals",
    }
)


async def digest_now(update: Update, context: BotContext) -> None:
    """Send the digest of everything since the last scheduled one, in the coordinator's
    language (several messages if long)."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    since = await services.storage.digest_watermark()
    data = await services.storage.digest_data(since)
    parts = render_digest(
        data,
        kb=services.content.assistant.kb,
        texts=services.content.texts,
        lang=lang,
        zone=services.settings.tzinfo,
    )
    for part in parts:
        await send(update, part)


def register(app: App) -> None:
    """/digest, for coordinators only."""
    places = coordinator_places(services_of(app).settings)  # never another group
    app.add_handler(CommandHandler("digest", digest_now, filters=places))
