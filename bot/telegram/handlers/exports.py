"""/leads: every lead as an Excel workbook (or CSV), for coordinators only.

``/leads`` all leads as .xlsx; ``csv`` a CSV file (UTF-8 with BOM) instead; a number ``N``
only leads created or updated in the last N days; ``new`` only leads nobody has contacted
yet. Arguments combine in any order; anything else gets the usage.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import InputFile, Update
from telegram.ext import CommandHandler

from bot.content.names import clean_name
from bot.reports.export import Exporter
from bot.storage import Lead
from bot.storage.digests import NOT_CONTACTED
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import coordinator_places
from bot.telegram.handlers.common import send, user_language

TEXTS = frozenset(
    {
        "export_field_consent_at",
        "export_field_created_at",
        "export_field_language",
        "export_field_status",
        "export_field_status_at",
        "export_field_status_by",
        "export_field_updated_at",
        "leads_caption",
        "leads_none",
        "leads_scope_all",
        "leads_scope_days",
        "leads_scope_new",
        "leads_sheet_title",
        "leads_usage",
    }
)
MAX_DAYS = 3650


@dataclass(frozen=True)
class Query:
    """What /leads was asked for."""

    csv: bool = False
    days: int | None = None
    new_only: bool = False


def parse(args: list[str]) -> Query | None:
    """The arguments of /leads, or None if one is not understood."""
    csv, days, new_only = False, None, False
    for arg in (a.lower() for a in args):
        if arg in ("csv", "xlsx"):
            csv = arg == "csv"
        elif arg == "new":
            new_only = True
        elif arg.isdigit() and 1 <= int(arg) <= MAX_DAYS:
            days = int(arg)
        else:
            return None
    return Query(csv, days, new_only)


async def leads(update: Update, context: BotContext) -> None:
    """Send the leads asked for as a document, or the usage."""
    services = context.services
    texts = services.content.texts
    user = update.effective_user
    lang = await user_language(services, user)
    query = parse(context.args or [])
    if query is None:
        await send(update, texts.get("leads_usage", lang))
        return
    now = datetime.now(services.settings.tzinfo)
    since = now - timedelta(days=query.days) if query.days else None
    found: list[Lead] = await services.storage.list_leads(since)
    if query.new_only:
        found = [lead for lead in found if lead.status in NOT_CONTACTED]
    scopes = []
    if query.days:
        scopes.append(texts.get("leads_scope_days", lang, days=query.days))
    if query.new_only:
        scopes.append(texts.get("leads_scope_new", lang))
    scope = ", ".join(scopes) or texts.get("leads_scope_all", lang)
    if not found:
        await send(update, texts.get("leads_none", lang, scope=scope))
        return
    exporter = Exporter(
        services.content.assistant.kb,
        texts,
        lang,
        services.settings.tzinfo,
        names={user.id: clean_name(user.full_name)} if user else None,
    )
    stamp = now.strftime("%Y-%m-%d")
    # Written in a worker thread: a workbook of thousands of leads takes a CPU second or
    # more (BENCHMARKS.md), which must not stop the bot answering students meanwhile.
    if query.csv:
        data, name = await asyncio.to_thread(exporter.csv, found), f"leads-{stamp}.csv"
    else:
        sheet = texts.get("leads_sheet_title", lang)
        data = await asyncio.to_thread(exporter.xlsx, found, sheet)
        name = f"leads-{stamp}.xlsx"
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_document(
        InputFile(data, filename=name),
        caption=texts.get("leads_caption", lang, count=len(found), scope=scope),
    )


def register(app: App) -> None:
    """/leads, for coordinators only."""
    places = coordinator_places(services_of(app).settings)  # never another group
    app.add_handler(CommandHandler("leads", leads, filters=places))
