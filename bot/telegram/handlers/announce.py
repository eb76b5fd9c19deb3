"""/announce for coordinators: write a message (and optionally a version per language), see a
preview and the audience per language, confirm; the bot then sends it in the background
(:mod:`bot.telegram.announcer`) and reports progress by editing the summary message.

The flow (a persistent ``ConversationHandler`` per coordinator, in a private chat)::

    /announce ─▶ WRITING ──text──▶ PREVIEW ──✅ Send──▶ sending (END)
                    ▲                │  ──✏️ <language> version──▶ WRITING (that version)
                    └──text again────┘  ──✖️ Cancel / /cancel──▶ END

The draft lives in the coordinator's ``user_data`` with a random key; the announcement is
created under that key, so a Confirm pressed twice or handled again after a restart creates
one announcement only.
"""

from __future__ import annotations

import html
import secrets
from typing import Any, cast

from telegram import Message, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.content.buttons import Button
from bot.content.languages import LANGUAGES
from bot.content.texts import Texts
from bot.storage.announcements import DEFAULT_TEXT
from bot.telegram import announcer, callbacks
from bot.telegram.announcer import Progress, announcer_of, compose
from bot.telegram.callbacks import decode
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import CoordinatorButtonHandler, only_coordinators
from bot.telegram.handlers.common import (
    answer_query,
    persistent_conversation,
    send,
    show,
    user_language,
)
from bot.telegram_rules import utf16_len

TEXTS = (
    frozenset(
        {
            "announce_button_cancel",
            "button_invalid",
            "announce_button_send",
            "announce_button_version",
            "announce_cancelled",
            "announce_closed",
            "announce_nobody",
            "announce_preview",
            "announce_prompt",
            "announce_prompt_language",
            "announce_ready",
            "announce_too_long",
        }
    )
    | announcer.TEXTS
)

NAME = "announce"  # the ConversationHandler's name
DRAFT = "announce"  # the draft's key in user_data
WRITING, PREVIEW = "announce_writing", "announce_preview"
END = ConversationHandler.END
# Every "ann" press reaches press() or closed(), which accept exactly these actions and answer
# anything else (a forged "cancel\n", an unknown language) "no longer valid": nothing is sent.
ACTIONS = frozenset({"ann:send", "ann:cancel", *(f"ann:lang:{code}" for code in LANGUAGES)})
PATTERN = ANY_PATTERN = callbacks.family("ann")
# An announcement and the line on how to stop must fit Telegram's 4,096 characters.
MAX_TEXT = 3500


def _draft(context: BotContext) -> dict[str, Any] | None:
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    return cast(dict[str, Any], draft) if isinstance(draft, dict) else None


def _language_name(texts: Texts, code: str, lang: str) -> str:
    return texts.get(f"language_name_{code}", lang)


async def begin(update: Update, context: BotContext) -> str:
    """/announce: a new draft; ask for the text for everyone."""
    lang = await user_language(context.services, update.effective_user)
    if context.user_data is not None:
        context.user_data[DRAFT] = {
            "key": secrets.token_hex(8),
            "texts": {},
            "writing": DEFAULT_TEXT,
        }
    await send(update, context.services.content.texts.get("announce_prompt", lang))
    return WRITING


async def take_text(update: Update, context: BotContext) -> str | int:
    """The text of the version being written (or a correction of it): show the preview."""
    services, message = context.services, update.effective_message
    draft = _draft(context)
    lang = await user_language(services, update.effective_user)
    texts = services.content.texts
    if draft is None or message is None or message.text is None:
        return END
    body = message.text_html
    if utf16_len(body) > MAX_TEXT:
        await send(update, texts.get("announce_too_long", lang, limit=MAX_TEXT))
        return WRITING if not draft["texts"] else PREVIEW
    draft["texts"][draft["writing"]] = body
    await _preview(update, context, draft, lang)
    return PREVIEW


async def _preview(update: Update, context: BotContext, draft: dict[str, Any], lang: str) -> None:
    """What each language's students will receive, then the audience and the buttons."""
    services = context.services
    texts = services.content.texts
    audience = await services.storage.announcement_audience()
    total = sum(audience.values())
    shown = [code for code in LANGUAGES if audience.get(code) or code in draft["texts"]]
    for code in shown or [lang]:
        header = texts.get(
            "announce_preview",
            lang,
            language=_language_name(texts, code, lang),
            count=audience.get(code, 0),
        )
        version = draft["texts"].get(code) or draft["texts"][DEFAULT_TEXT]
        body, _ = compose(texts, version, code)
        await send(update, f"{header}\n\n{body}")
    versions = [
        Button(
            texts.get("announce_button_version", lang, language=_language_name(texts, c, lang)),
            f"ann:lang:{c}",
        )
        for c in LANGUAGES
    ]
    cancel = Button(texts.get("announce_button_cancel", lang), "ann:cancel")
    if not total:
        await send(update, texts.get("announce_nobody", lang), [[cancel]])
        return
    counts = ", ".join(
        f"{_language_name(texts, code, lang)} {audience[code]}"
        for code in LANGUAGES
        if audience.get(code)
    )
    send_button = Button(texts.get("announce_button_send", lang, count=total), "ann:send")
    await send(
        update,
        texts.get("announce_ready", lang, total=total, audience=html.escape(counts)),
        [[send_button], versions, [cancel]],
    )


async def press(update: Update, context: BotContext) -> str | int:
    """Send, write a language's version, or cancel."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    texts = services.content.texts
    draft = _draft(context)
    action = decode(update.callback_query.data if update.callback_query else None) or ""
    if action not in ACTIONS:
        await answer_query(update, texts.get("button_invalid", lang))  # nothing is sent
        return PREVIEW if draft is not None else END
    if draft is None or not draft["texts"].get(DEFAULT_TEXT):
        await show(update, texts.get("announce_closed", lang))
        return END
    if action.startswith("ann:lang:"):
        draft["writing"] = action.removeprefix("ann:lang:")
        language = _language_name(texts, draft["writing"], lang)
        await show(update, texts.get("announce_prompt_language", lang, language=language))
        return WRITING
    if action == "ann:cancel":
        _drop(context)
        await show(update, texts.get("announce_cancelled", lang))
        return END
    return await _confirm(update, context, draft, lang)  # exactly "ann:send"


async def _confirm(update: Update, context: BotContext, draft: dict[str, Any], lang: str) -> int:
    """Create the announcement with its recipients, turn the summary into the progress
    message, and start sending."""
    user, query = update.effective_user, update.callback_query
    message = query.message if query is not None else None
    if user is None or not isinstance(message, Message):
        return END
    storage = context.services.storage
    announcement, _ = await storage.create_announcement(
        draft["key"],
        created_by=user.id,
        language=lang,
        chat_id=message.chat_id,
        texts=draft["texts"],
    )
    _drop(context)
    if announcement.message_id is None:
        await storage.set_progress_message(announcement.id, message.message_id)
    progress = Progress(context.application, storage, announcement)
    await show(update, await progress.text(final=False))
    announcer_of(context.application).start(context.application, announcement.id)
    return END


def _drop(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel: nothing is sent."""
    lang = await user_language(context.services, update.effective_user)
    _drop(context)
    await send(update, context.services.content.texts.get("announce_cancelled", lang))
    return END


async def closed(update: Update, context: BotContext) -> None:
    """A coordinator pressed a button of an announcement that is no longer being written (or
    forged data: no longer valid)."""
    lang = await user_language(context.services, update.effective_user)
    action = decode(update.callback_query.data if update.callback_query else None)
    key = "announce_closed" if action in ACTIONS else "button_invalid"
    await answer_query(update, context.services.content.texts.get(key, lang))


def register(app: App) -> None:
    """/announce and its buttons, for coordinators in a private chat only; anyone else gets
    the unknown-command reply and the stale-button answer."""
    announcer.install(app)
    settings = services_of(app).settings
    coordinators = only_coordinators(settings) & filters.ChatType.PRIVATE
    text = filters.TEXT & ~filters.COMMAND & coordinators
    buttons = CoordinatorButtonHandler(settings, press, PATTERN)
    app.add_handler(
        persistent_conversation(
            entry_points=[CommandHandler("announce", begin, filters=coordinators)],
            states={
                WRITING: [MessageHandler(text, take_text), buttons],
                PREVIEW: [buttons, MessageHandler(text, take_text)],
            },
            fallbacks=[
                CommandHandler("cancel", cancel, filters=coordinators),
                CommandHandler("announce", begin, filters=coordinators),
            ],
            name=NAME,
            allow_reentry=True,
        )
    )
    app.add_handler(CoordinatorButtonHandler(settings, closed, ANY_PATTERN))
