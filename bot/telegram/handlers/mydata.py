"""/mydata shows everything stored about the student; /forget deletes it after a confirmation
button, ending an unfinished sign-up form too (its handlers are also fallbacks of the form)."""

from __future__ import annotations

import html
import logging
from datetime import datetime, tzinfo
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, ConversationHandler

from bot.content.buttons import Button
from bot.content.knowledge import KnowledgeError
from bot.content.texts import Texts
from bot.storage import JSONDict
from bot.telegram import callbacks, command_menu
from bot.telegram.callbacks import decode
from bot.telegram.content import prune_learned
from bot.telegram.context import DRAFT, App, BotContext
from bot.telegram.handlers.common import (
    PrivateButtons,
    carries_pressed_button,
    command,
    is_private,
    send,
    show,
    stale,
    user_language,
)
from bot.telegram_rules import split_lines

_LOGGER = logging.getLogger(__name__)

TEXTS = frozenset(
    {
        "forget_button_no",
        "forget_button_yes",
        "forget_done",
        "forget_item_handoffs",
        "forget_note_coordinators",
        "forget_item_announcements",
        "forget_item_lead",
        "forget_item_questions",
        "forget_item_settings",
        "forget_item_state",
        "forget_kept",
        "forget_nothing",
        "forget_prompt",
        "mydata_announcements",
        "mydata_announcements_stopped",
        "mydata_draft",
        "mydata_draft_empty",
        "mydata_footer",
        "mydata_handoff_closed",
        "mydata_handoff_open",
        "mydata_handoffs",
        "mydata_language",
        "mydata_lead",
        "mydata_lead_language",
        "mydata_nothing",
        "mydata_question",
        "mydata_questions",
        "mydata_state",
        "mydata_title",
    }
)

FORGET_PATTERN = callbacks.pattern("forget:(yes|no)$")
_STATE_KINDS = ("user_data", "chat_data", "conversations")


async def mydata(update: Update, context: BotContext) -> None:
    """Everything stored about the student, in their language (several messages if long)."""
    user = update.effective_user
    if user is None or not is_private(update):  # never in a group: the handler is private
        return
    lang = await user_language(context.services, user)
    report = await context.services.storage.user_report(user.id)
    threads = await context.services.storage.user_threads(user.id)
    report["handoffs"] = [(t.opened_at, t.status) for t in threads]
    announcements = await _announcement_lines(context, user.id, lang)
    for chunk in split_lines(_report_lines(context, report, lang, announcements)):
        await send(update, chunk)


def _report_lines(
    context: BotContext, report: JSONDict, lang: str, announcements: list[str]
) -> list[str]:
    form, zone = context.services.content.form, context.services.settings.tzinfo
    texts = context.services.content.texts
    lines: list[str] = []
    if report["settings"]:
        language = _language_name(texts, report["settings"]["language"])
        when = _when(report["settings"]["updated_at"], zone)
        lines += ["", texts.get("mydata_language", lang, language=language, date=when)]
    if report["lead"]:
        lines += ["", *_lead_lines(context, report["lead"], lang)]
    draft = (report["user_data"] or {}).get(DRAFT)
    if draft:
        details = form.details(draft.get("answers", {}), lang)
        lines += [
            "",
            texts.get("mydata_draft", lang),
            details or texts.get("mydata_draft_empty", lang),
        ]
    elif report["has_saved_state"]:
        lines += ["", texts.get("mydata_state", lang)]
    if report["questions"]:
        lines += ["", texts.get("mydata_questions", lang, count=len(report["questions"]))]
        lines += [
            texts.get(
                "mydata_question",
                lang,
                date=_when(q["asked_at"], zone),
                text=html.escape(q["text"]),
            )
            for q in report["questions"]
        ]
    if report.get("handoffs"):
        opened, status = report["handoffs"][-1]
        lines += [
            "",
            texts.get(
                "mydata_handoffs",
                lang,
                count=len(report["handoffs"]),
                date=opened.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                state=texts.get(
                    "mydata_handoff_closed" if status == "closed" else "mydata_handoff_open", lang
                ),
            ),
        ]
    if announcements:
        lines += ["", *announcements]
    if not lines:
        return [texts.get("mydata_nothing", lang)]
    return [texts.get("mydata_title", lang), *lines, "", texts.get("mydata_footer", lang)]


async def _announcement_lines(context: BotContext, user_id: int, lang: str) -> list[str]:
    """Whether the student stopped announcements, and how many they were sent."""
    storage, texts = context.services.storage, context.services.content.texts
    stopped = await storage.announcements_stopped(user_id)
    received = await storage.announcements_received(user_id)
    if stopped is not None:
        when = _when(stopped.isoformat(), context.services.settings.tzinfo)
        return [texts.get("mydata_announcements_stopped", lang, date=when, count=received)]
    if received:
        return [texts.get("mydata_announcements", lang, count=received)]
    return []


def _lead_lines(context: BotContext, lead: JSONDict, lang: str) -> list[str]:
    form, zone = context.services.content.form, context.services.settings.tzinfo
    texts = context.services.content.texts
    dates = {key: _when(lead[f"{key}_at"], zone) for key in ("created", "updated", "consent")}
    language = _language_name(texts, lead["language"])
    return [
        texts.get("mydata_lead", lang, **dates),
        form.details(lead, lang),
        texts.get("mydata_lead_language", lang, language=language),
    ]


def _when(iso: str, zone: tzinfo) -> str:
    """A stored UTC timestamp as local date and time, with its offset from UTC (the student
    may live in another time zone): ``2026-11-28 17:05 (UTC+08:00)``."""
    local = datetime.fromisoformat(iso).astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"


async def ask_forget(update: Update, context: BotContext) -> None:
    """/forget: ask for confirmation with two buttons (a form in progress stays open)."""
    texts = context.services.content.texts
    lang = await user_language(context.services, update.effective_user)
    rows = [
        [
            Button(texts.get("forget_button_yes", lang), "forget:yes"),
            Button(texts.get("forget_button_no", lang), "forget:no"),
        ]
    ]
    await send(update, texts.get("forget_prompt", lang), rows)


async def confirm_forget(update: Update, context: BotContext) -> int | None:
    """Yes: delete everything about the student, in the database and in memory, and say what
    was deleted; an open form ends. No: nothing happens."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or update.callback_query is None:
        return None
    texts = context.services.content.texts
    lang = await user_language(context.services, user)  # before the setting is deleted
    if not carries_pressed_button(update.callback_query):
        await stale(update, context)  # forged, or a prompt answered already: nothing happens
        return None
    if decode(update.callback_query.data) != "forget:yes":
        await show(update, texts.get("forget_kept", lang))
        return None
    counts = await context.services.storage.forget_user(user.id)
    context.application.drop_user_data(user.id)
    context.application.drop_chat_data(user.id)
    await forget_learned(context)
    if counts.get("settings") and chat is not None:
        await _reset_commands(context, chat.id, user.id)
    await show(update, _deleted_text(texts, counts, lang))
    return ConversationHandler.END


async def forget_learned(context: BotContext) -> None:
    """The learned examples copied from the deleted questions go too (a failure to rebuild
    the knowledge base is logged: the student's data is deleted all the same)."""
    try:
        removed = await prune_learned(context.services)
    except (KnowledgeError, OSError) as error:
        _LOGGER.warning("learned examples not pruned after /forget: %s", type(error).__name__)
        return
    if removed:
        _LOGGER.info("/forget removed %d learned example(s)", removed)


async def _reset_commands(context: BotContext, chat_id: int, user_id: int) -> None:
    """The command list /language localised for this chat goes with the language setting."""
    try:
        await command_menu.reset_chat(context.bot, context.services, chat_id, user_id)
    except TelegramError:
        return


def _deleted_text(texts: Texts, counts: dict[str, int], lang: str) -> str:
    items = []
    if counts.get("lead"):
        items.append(texts.get("forget_item_lead", lang))
    if counts.get("settings"):
        items.append(texts.get("forget_item_settings", lang))
    if counts.get("questions"):
        items.append(texts.get("forget_item_questions", lang, count=counts["questions"]))
    if any(counts.get(kind) for kind in _STATE_KINDS):
        items.append(texts.get("forget_item_state", lang))
    if counts.get("handoffs"):
        items.append(texts.get("forget_item_handoffs", lang))
    if counts.get("announcements"):
        items.append(texts.get("forget_item_announcements", lang))
    if not items:
        return texts.get("forget_nothing", lang)
    note = (
        [texts.get("forget_note_coordinators", lang)] if counts.get("coordinator_messages") else []
    )
    return "\n".join([texts.get("forget_done", lang), *items, *note])


def forget_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """/forget and its confirmation buttons (also used as fallbacks of the sign-up form)."""
    return [
        command("forget", ask_forget),
        PrivateButtons(confirm_forget, pattern=FORGET_PATTERN),
    ]


def register(app: App) -> None:
    """/mydata, /forget."""
    app.add_handler(command("mydata", mydata))
    for handler in forget_handlers():
        app.add_handler(handler)


def _language_name(texts: Texts, code: str) -> str:
    """A language's own name ("Français"), or its code if unknown."""
    key = f"language_name_{code}"
    return texts.get(key, code) if key in texts.texts else code
