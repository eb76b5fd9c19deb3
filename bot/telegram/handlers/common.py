"""Helpers shared by the handlers: the student's language, sending, editing, screens."""

from __future__ import annotations

import html
import logging
import warnings
from collections.abc import Sequence
from typing import Any

from telegram import CallbackQuery, Message, Update, User
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, filters
from telegram.warnings import PTBUserWarning

from bot.content.buttons import Button, layout
from bot.content.languages import LANGUAGES
from bot.telegram.context import DRAFT, BotContext, Services
from bot.telegram.keyboards import markup
from bot.telegram.responsiveness import alongside, replying
from bot.understanding.answers import Reply

_LOGGER = logging.getLogger(__name__)
Rows = Sequence[Sequence[Button]]

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
"""What every student feature listens to: new messages in a private chat. Never a group or a
channel (a student's data is never shown there), never an edited message (an edit is not a
new answer or question: it is ignored)."""


def is_private(update: Update) -> bool:
    """Whether the update comes from a private chat with the bot."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def command(
    name: str, callback: Any, extra: filters.BaseFilter | None = None
) -> CommandHandler[Any, Any]:
    """A student command: a new message in a private chat (``extra`` narrows it further)."""
    return CommandHandler(name, callback, filters=PRIVATE & extra if extra else PRIVATE)


class PrivateButtons(CallbackQueryHandler[Any, Any]):
    """A ``CallbackQueryHandler`` for the buttons of student features: presses in a private
    chat only (anything else falls through to the stale-button answer)."""

    def check_update(self, update: object) -> Any:
        if not isinstance(update, Update) or not is_private(update):
            return None
        return super().check_update(update)


def carries_pressed_button(query: CallbackQuery) -> bool:
    """Whether the pressed message still shows a button with exactly the pressed data: a
    confirmation (``forget:yes``) counts only on the prompt that asked for it, never as data
    forged on another message or pressed again after the prompt was answered (its buttons
    are gone then)."""
    message = query.message
    markup_ = message.reply_markup if isinstance(message, Message) else None
    return markup_ is not None and any(
        button.callback_data == query.data for row in markup_.inline_keyboard for button in row
    )


def telegram_language(code: str | None) -> str | None:
    """One of our languages from a Telegram ``language_code`` ("zh-hans" → "zh")."""
    base = (code or "").lower().split("-")[0]
    return base if base in LANGUAGES else None


async def chosen_language(services: Services, user: User | None) -> str | None:
    """The language the student picked with /language, if any."""
    return await services.storage.get_language(user.id) if user else None


async def user_language(services: Services, user: User | None) -> str:
    """The student's chosen language, else their Telegram language, else English."""
    chosen = await chosen_language(services, user)
    return chosen or telegram_language(user.language_code if user else None) or "en"


async def send(update: Update, text: str, rows: Rows = ()) -> Message | None:
    """Send a new message to the chat of ``update`` (no typing indicator meanwhile)."""
    chat = update.effective_chat
    if chat is None:
        return None
    with replying():
        return await chat.send_message(text, reply_markup=markup(rows))


async def show(update: Update, text: str, rows: Rows = (), notice: str | None = None) -> None:
    """Show a screen: edit the pressed message in place, or send a new one for commands.

    An edit that would change nothing is skipped: Telegram refuses identical edits ("message
    is not modified"), which happens when a student taps the same button twice. The button's
    spinner is stopped, with ``notice`` shown if given, in the same round trip as the edit.
    """
    query: CallbackQuery | None = update.callback_query
    if query is None or not isinstance(query.message, Message):
        await send(update, text, rows)
        return
    await answer_query(update, notice)
    keyboard = markup(rows)
    shown = html.unescape(query.message.text_html) if query.message.text else None
    if shown != html.unescape(text) or query.message.reply_markup != keyboard:
        try:
            with replying():
                await query.edit_message_text(text, reply_markup=keyboard)
        except BadRequest as error:
            if "not modified" not in error.message:
                raise


async def answer_query(update: Update, text: str | None = None) -> None:
    """Stop the button's loading spinner, alongside the reply to the press
    (:func:`bot.telegram.responsiveness.alongside`): it never delays it. An already answered
    or expired query, or a call that failed after its retries, is fine: the reply is what
    matters."""
    query = update.callback_query
    if query is None:
        return

    async def answer() -> None:
        try:
            await query.answer(text)
        except BadRequest:
            _LOGGER.debug("callback query already answered or expired")
        except TelegramError as error:
            _LOGGER.info("callback query not answered (%s)", type(error).__name__)

    await alongside(answer())


async def stale(update: Update, context: BotContext) -> None:
    """A button from an older version of the bot or of the knowledge base, or forged data:
    say so politely and show the main menu. Outside a private chat only the button's own
    notice is shown (to the presser alone): nothing is posted in a group. (Its texts are
    declared by the navigation feature, which registers the stale-button handler.)"""
    services = context.services
    lang = await user_language(services, update.effective_user)
    if not is_private(update):
        await answer_query(update, services.content.texts.get("button_invalid", lang))
        return
    notice = services.content.texts.get("stale_button", lang)
    screen = services.content.menus.screen("main", lang)
    await show(update, f"{notice}\n\n{screen.text}", screen.rows, notice=notice)


def reply_rows(reply: Reply, navigation: Sequence[Button] = ()) -> list[list[Button]]:
    """Keyboard rows for a reply of the assistant."""
    return layout(reply.buttons, navigation)


def topic_rows(services: Services, reply: Reply, lang: str) -> list[list[Button]]:
    """Rows for a topic opened from a menu: a list's "browse" button, its related topics, and
    Back to where it is listed."""
    assert reply.intent is not None
    back = services.content.menus.back_button(lang, services.content.menus.home_of(reply.intent))
    browse = services.content.menus.browse_button(reply.intent, lang)
    return layout((browse, *reply.buttons) if browse else reply.buttons, (back,))


def persistent_conversation(**kwargs: Any) -> ConversationHandler[Any]:
    """A persistent ConversationHandler keyed by chat and user.

    python-telegram-bot warns that button presses are then tracked per chat rather than per
    message; that is what these forms want, so the warning is silenced here only.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(persistent=True, **kwargs)


def main_menu_text(context: BotContext, text: str, lang: str) -> str:
    """The main menu's text, with a line about an unfinished sign-up form when there is one."""
    data = context.user_data
    if data is None or DRAFT not in data:
        return text
    return f"{context.services.content.texts.get('signup_unfinished', lang)}\n\n{text}"
