"""The bot in groups: knowledge-base answers when it is mentioned or replied to, nothing else.

In a group or supergroup (except the coordinators' chat, where coordinator features work)
every update is handled here, before the student features (which are private-chat-only
anyway), so nothing else ever answers in a group:

- a message mentioning the bot (``@<bot> …``, by its message entities) or replying to one of
  its messages is answered from the knowledge base, in the question's language, as a reply with
  one button to the private chat at that topic; an unknown or off-topic question gets a short
  honest answer with that button;
- a command addressed to the bot (``/mydata@<bot>``, ``/signup``…) gets one line inviting the
  student to a private chat (a deep link), never personal data;
- a button pressed there is answered with the same invitation;
- everything else (chatter, edits, media, other bots' commands) is ignored.

No personal data is read or stored here: no stored language, no question log, no form.
"""

from __future__ import annotations

import re

from telegram import CallbackQuery, Message, MessageEntity, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.telegram.context import COMMANDS, App, BotContext, Services, services_of
from bot.telegram.handlers.common import answer_query, telegram_language
from bot.telegram.sharing import (
    MAX_QUESTION,
    answer_topics,
    clear_language,
    is_action,
    private_chat_button,
    shared_answer,
)
from bot.understanding.answers import ANSWER

TEXTS = frozenset(
    {
        "button_open_private",
        "button_private_chat",
        "group_hello",
        "group_private_only",
        "group_unknown",
    }
)

GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+(\S+))?")


def _addresses_bot(message: Message, username: str, bot_id: int) -> bool:
    """Whether the message mentions the bot (a ``mention`` entity with its username, or a
    ``text_mention`` of it) or replies to one of its messages."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return True
    for entity, text in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).items():
        if entity.type == MessageEntity.TEXT_MENTION:
            if entity.user is not None and entity.user.id == bot_id:
                return True
        elif text[1:].casefold() == username.casefold():
            return True
    return False


def _without_mentions(text: str, username: str) -> str:
    """The question with the bot's @username taken out."""
    return " ".join(re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.I).split())


class GroupAnswers:
    """The group handlers, with the tunables of ``groups.yaml`` as last (re)loaded."""

    @staticmethod
    def _language(message: Message) -> str:
        """The sender's Telegram language (never a stored setting), else English."""
        user = message.from_user
        return telegram_language(user.language_code if user else None) or "en"

    async def _reply(
        self,
        message: Message,
        context: BotContext,
        text: str,
        label: str,
        payload: str | None,
    ) -> None:
        """Reply to ``message`` with ``text`` and the one private-chat button."""
        await message.reply_text(
            text,
            reply_markup=private_chat_button(label, context.bot.username, payload),
            reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
        )

    async def _invite(self, message: Message, context: BotContext, payload: str | None) -> None:
        texts = context.services.content.texts
        lang = self._language(message)
        await self._reply(
            message,
            context,
            texts.get("group_private_only", lang),
            texts.get("button_private_chat", lang),
            payload,
        )

    def _invite_payload(self, services: Services, command: str, argument: str | None) -> str | None:
        """Where a command's invitation opens the private chat."""
        if command == "start" and argument:
            known = (
                services.content.assistant.kb.entries.keys()
                | services.content.assistant.kb.items.keys()
            )
            if argument in known or argument in services.content.menus.menus:
                return argument
        return services.content.sharing.invite_payloads.get(command)

    async def on_message(self, update: Update, context: BotContext) -> None:
        """Answer what is addressed to the bot; ignore everything else."""
        message = update.message
        if (
            message is None
            or message.text is None
            or message.via_bot is not None
            or (message.from_user is not None and message.from_user.is_bot)
        ):
            return
        bot = context.bot
        command = _COMMAND.match(message.text)
        if command is not None:
            name, target, argument = command.groups()
            if target is not None and target.casefold() != bot.username.casefold():
                return  # another bot's command
            if target is None and name not in COMMANDS:
                return  # a bare command the bot does not have: maybe another bot's
            await self._invite(
                message, context, self._invite_payload(context.services, name, argument)
            )
            return
        if _addresses_bot(message, bot.username, bot.id):
            await self._answer(message, context, _without_mentions(message.text, bot.username))

    async def _answer(self, message: Message, context: BotContext, question: str) -> None:
        """A knowledge-base answer in the question's language, with the private-chat button."""
        services = context.services
        assistant, texts = services.content.assistant, services.content.texts
        sharing = services.content.sharing
        lang = self._language(message)
        topics: list[str] = []
        if question and len(question) <= MAX_QUESTION:
            match = assistant.match(question)
            lang = clear_language(match, question, sharing.min_words) or lang
            reply = assistant.answer(question, lang)
            if reply.kind == ANSWER:
                topics = answer_topics(assistant, match, reply, sharing)
        if not topics:  # a bare mention is greeted; anything else it cannot answer, declined
            key = "group_unknown" if question else "group_hello"
            label = texts.get("button_private_chat", lang)
            await self._reply(message, context, texts.get(key, lang), label, None)
            return
        shared = shared_answer(assistant, topics[0], lang, sharing.preview_length)
        label = "button_private_chat" if is_action(assistant, topics[0]) else "button_open_private"
        await self._reply(message, context, shared.text, texts.get(label, lang), shared.payload)

    async def on_button(self, update: Update, context: BotContext) -> None:
        """A button pressed in a group (a menu an older version posted there): only the
        invitation to the private chat, as the button's answer; nothing is opened there."""
        query: CallbackQuery | None = update.callback_query
        if query is None:
            return
        texts = context.services.content.texts
        user = query.from_user
        lang = telegram_language(user.language_code if user else None) or "en"
        await answer_query(update, texts.get("group_private_only", lang))


class _GroupButtons(CallbackQueryHandler[BotContext, None]):
    """Button presses on messages in a group other than the coordinators' chat."""

    def __init__(self, callback: object, coordinator_chat_id: int | None) -> None:
        super().__init__(callback)  # type: ignore[arg-type]
        self.coordinator_chat_id = coordinator_chat_id

    def check_update(self, update: object) -> bool | object | None:
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        chat = update.effective_chat
        if chat is None or chat.type not in GROUP_TYPES or chat.id == self.coordinator_chat_id:
            return None
        return super().check_update(update)


def register(app: App) -> None:
    """Every update of a group but the coordinators' chat (messages, edits, buttons)."""
    settings = services_of(app).settings
    answers = GroupAnswers()
    groups: filters.BaseFilter = filters.ChatType.GROUPS
    if settings.coordinator_chat_id is not None:
        groups &= ~filters.Chat(chat_id=settings.coordinator_chat_id)
    app.add_handler(MessageHandler(groups, answers.on_message))
    app.add_handler(_GroupButtons(answers.on_button, settings.coordinator_chat_id))
