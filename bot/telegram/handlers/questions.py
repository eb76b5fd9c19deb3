"""Free-text questions: answered through the matcher, with related topics as buttons."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.storage import JSONDict
from bot.storage.state import FOCUS_KEY
from bot.telegram.context import DRAFT, App, BotContext, services_of
from bot.telegram.handlers.common import (
    PRIVATE,
    chosen_language,
    reply_rows,
    send,
    user_language,
)
from bot.telegram.sharing import MAX_QUESTION
from bot.understanding.answers import Reply
from bot.understanding.combining import TEXTS as COMBINING_TEXTS
from bot.understanding.context import TEXTS as CONTEXT_TEXTS
from bot.understanding.context import Dialogue, Focus

TEXTS = frozenset({"too_long"}) | CONTEXT_TEXTS | COMBINING_TEXTS

AHEAD = 3  # texts of one getUpdates batch matched ahead (a lone question is the case that waits)


async def question(update: Update, context: BotContext) -> None:
    """Answer in the chosen language, else the question's; then log the question for reports.

    The answer is the only Bot API call (no typing indicator: it takes milliseconds, see
    :mod:`bot.telegram.responsiveness`). The log is written with the update's done mark
    (:mod:`bot.storage.inbox`), so a question is logged exactly once even if the process dies
    after the reply."""
    services = context.services
    message, user = update.effective_message, update.effective_user
    if message is None or message.text is None or user is None:
        return
    text = message.text
    if len(text) > MAX_QUESTION:
        lang = await user_language(services, user)
        await send(update, services.content.texts.get("too_long", lang, limit=MAX_QUESTION))
        return
    reply = answer_in_context(context, text, await chosen_language(services, user))
    try:
        await send(update, reply.text, reply_rows(reply))
    finally:  # logged even if the reply could not be delivered (in memory: no disk access)
        await services.storage.log_question(
            user.id,
            reply.language,
            text,
            reply.intent,
            reply.score,
            kind=reply.kind,
            update_id=update.update_id,
        )


def match_ahead(app: App) -> Callable[[Sequence[JSONDict]], None]:
    """For the inbox (``InboxUpdater.prepare``): match the first texts of a batch of updates
    while the batch is committed to disk, so that the handlers find the match in the
    assistant's cache and the student does not wait for the fsync and the matching one after
    the other. Only new private texts that may be questions: no command, no answer to the
    sign-up form."""

    def prepare(updates: Sequence[JSONDict]) -> None:
        assistant = services_of(app).content.assistant
        texts = [text for update in updates if (text := _question_text(app, update))]
        for text in texts[:AHEAD]:
            assistant.match(text)

    return prepare


def _question_text(app: App, update: JSONDict) -> str | None:
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    text, chat, sender = message.get("text"), message.get("chat"), message.get("from")
    if not (isinstance(text, str) and isinstance(chat, dict) and isinstance(sender, dict)):
        return None
    if chat.get("type") != "private" or text.startswith("/") or len(text) > MAX_QUESTION:
        return None
    user_id = sender.get("id")
    if not isinstance(user_id, int) or DRAFT in app.user_data.get(user_id, {}):
        return None
    return text


def answer_in_context(context: BotContext, text: str, lang: str | None) -> Reply:
    """The reply to a message read in the student's conversation; the focus it leaves is
    kept in ``user_data`` (stored with the update, forgotten with ``/forget``)."""
    services = context.services
    data = context.user_data
    focus = Focus.from_json(data.get(FOCUS_KEY)) if data is not None else Focus()
    idle = services.settings.context_idle_minutes * 60
    dialogue = Dialogue(services.content.assistant, focus, idle=idle)
    reply = dialogue.reply(text, lang)
    if data is not None:
        data[FOCUS_KEY] = dialogue.focus.to_json()
    return reply


def register(app: App) -> None:
    """Any new private text that is not a command (an edited message is not a question)."""
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & PRIVATE, question))
