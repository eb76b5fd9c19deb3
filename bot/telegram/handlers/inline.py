"""Inline mode: ``@<bot> is housing free`` in any chat lists answer cards from the knowledge
base; choosing one sends the full answer there, with a button to the bot's private chat.

Nothing personal is ever part of a result. The reply language is the query's; when the query
is empty or its language unclear, it is the student's own (their /language choice or their
Telegram's), and only then are the results marked personal for Telegram's cache.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import InlineQueryHandler, MessageHandler, filters

from bot.content.sharing import SharingSettings, main_topics
from bot.telegram.context import App, BotContext, Services, services_of
from bot.telegram.handlers.common import user_language
from bot.telegram.sharing import (
    MAX_QUESTION,
    answer_topics,
    clear_language,
    private_chat_button,
    shared_answer,
)

TEXTS = frozenset(
    {
        "button_inline_private",
        "button_open_private",
        "group_private_only",
        "group_unknown",
        "inline_unknown_preview",
        "inline_unknown_title",
    }
)

_LOGGER = logging.getLogger(__name__)
UNKNOWN_ID = "unknown"


def _article(
    services: Services, sharing: SharingSettings, bot_username: str, topic_id: str, lang: str
) -> InlineQueryResultArticle:
    """The card of one topic: title, one-line preview, the full answer when chosen."""
    shared = shared_answer(services.content.assistant, topic_id, lang, sharing.preview_length)
    label = services.content.texts.get("button_open_private", lang)
    return InlineQueryResultArticle(
        id=topic_id,
        title=shared.title,
        description=shared.preview,
        input_message_content=InputTextMessageContent(shared.text, parse_mode=ParseMode.HTML),
        reply_markup=private_chat_button(label, bot_username, shared.payload),
    )


def _unknown(services: Services, bot_username: str, lang: str) -> InlineQueryResultArticle:
    """The one honest card for a question the knowledge base cannot answer."""
    texts = services.content.texts
    return InlineQueryResultArticle(
        id=UNKNOWN_ID,
        title=texts.get("inline_unknown_title", lang),
        description=texts.get("inline_unknown_preview", lang),
        input_message_content=InputTextMessageContent(
            texts.get("group_unknown", lang), parse_mode=ParseMode.HTML
        ),
        reply_markup=private_chat_button(
            texts.get("button_open_private", lang), bot_username, None
        ),
    )


def _results(
    services: Services, bot_username: str, text: str, lang: str
) -> Sequence[InlineQueryResultArticle]:
    """The cards for ``text`` in ``lang``: the main topics for an empty query."""
    sharing = services.content.sharing
    if not text:
        topics = main_topics(services.content.menus)
    else:
        match = services.content.assistant.match(text)
        reply = services.content.assistant.answer(text, lang)
        topics = answer_topics(services.content.assistant, match, reply, sharing)
    if not topics:
        return [_unknown(services, bot_username, lang)]
    return [_article(services, sharing, bot_username, t, lang) for t in topics]


async def answer_inline(update: Update, context: BotContext) -> None:
    """An inline query: the cards, with the tunables of ``groups.yaml`` as last (re)loaded."""
    query = update.inline_query
    if query is None:
        return
    services = context.services
    sharing = services.content.sharing
    text = " ".join(query.query.split())[:MAX_QUESTION]
    lang = (
        clear_language(services.content.assistant.match(text), text, sharing.min_words)
        if text
        else None
    )
    personal = lang is None
    if lang is None:
        lang = await user_language(services, query.from_user)
    results = _results(services, context.bot.username, text, lang)
    button = InlineQueryResultsButton(
        text=services.content.texts.get("button_inline_private", lang),
        start_parameter=sharing.start_parameter,
    )
    try:
        await query.answer(
            results, cache_time=sharing.cache_time, is_personal=personal, button=button
        )
    except BadRequest as error:
        if "query is too old" not in error.message.lower():
            raise
        _LOGGER.debug("inline query expired before it was answered")


class _ViaThisBot(filters.MessageFilter):
    """Messages a user sent through this bot's inline mode."""

    def filter(self, message: Message) -> bool:
        return message.via_bot is not None and message.via_bot.id == message.get_bot().id


async def _ignore(update: Update, context: BotContext) -> None:
    """An answer card a student sent: not a question, nor an answer to a form step."""


def register(app: App) -> None:
    """Inline queries; and, before the sign-up form and the questions, the cards students
    send through inline mode (not replies: a coordinator may answer a hand-off with one)."""
    settings = services_of(app).settings
    app.add_handler(InlineQueryHandler(answer_inline))
    cards = _ViaThisBot() & ~filters.REPLY
    if settings.coordinator_chat_id is not None:
        cards &= ~filters.Chat(chat_id=settings.coordinator_chat_id)
    app.add_handler(MessageHandler(cards, _ignore))
