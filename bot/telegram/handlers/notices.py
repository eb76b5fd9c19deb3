"""The buttons under the sign-up notices (:mod:`bot.telegram.notices`): Contacted, Not
relevant and Reply to student, and the job sending queued notices.

The buttons act on the student stored with the pressed notice (its chat and message id),
never on anything in the callback data, and only for listed coordinators.
"""

from __future__ import annotations

import html

from telegram import Message, Update
from telegram.error import TelegramError

from bot.content.buttons import Button
from bot.content.names import clean_name
from bot.storage import Lead, PendingReply, SentMessage
from bot.telegram import callbacks, notices
from bot.telegram.callbacks import decode
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import CoordinatorButtonHandler
from bot.telegram.handlers.common import answer_query, show, user_language
from bot.telegram.keyboards import markup
from bot.telegram.notices import (
    CONTACTED,
    NOT_RELEVANT,
    REPLY,
    RETRY_EVERY,
    deliver_queued,
    notice_buttons,
    notice_text,
)
from bot.telegram.relay import chat_language, shown_name

TEXTS = notices.TEXTS | {
    "coordinator_notice_gone",
    "coordinator_notice_status_set",
    "button_invalid",
    "coordinator_button_cancel_reply",
    "coordinator_reply_cancelled",
    "coordinator_reply_prompt",
}

CANCEL_REPLY = "ln:cancel_reply"
# callback actions only coordinators use
COORDINATOR_BUTTONS = (CONTACTED, NOT_RELEVANT, REPLY, CANCEL_REPLY)
_STATUS = {CONTACTED: "contacted", NOT_RELEVANT: "not_relevant"}


async def on_button(update: Update, context: BotContext) -> None:
    """Contacted / Not relevant / Reply to student, on the lead stored with the notice."""
    services, query, user = context.services, update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    texts, storage = services.content.texts, services.storage
    lang = await user_language(services, user)
    chat_id, message_id = query.message.chat.id, query.message.message_id
    target = await storage.sent_message(chat_id, message_id)
    notice = await storage.get_notice(target.notice_id) if target and target.notice_id else None
    lead = await storage.get_lead(target.user_id) if target is not None and notice else None
    if target is None or notice is None or lead is None:
        await answer_query(update, texts.get("coordinator_notice_gone", lang))
        return
    action = decode(query.data)
    if action == REPLY:
        await _ask_reply(update, context, lead, lang)
        return
    status = _STATUS.get(action or "")
    if status is None:  # the pattern lets through no other action; never a default
        await answer_query(update, texts.get("button_invalid", lang))
        return
    lead = await storage.set_lead_status(lead.user_id, status, by=user.id) or lead
    chat_lang = await chat_language(services, chat_id)
    when = (lead.status_at or storage.now()).astimezone(services.settings.tzinfo)
    line = texts.get(
        "coordinator_notice_status_set",
        chat_lang,
        status=texts.get(f"coordinator_status_{status}", chat_lang),
        coordinator=shown_name(user.full_name),
        date=when.strftime("%Y-%m-%d %H:%M"),
    )
    text = notice_text(services, lead, chat_lang, updated=notice.updated, status_line=line)
    await show(update, text, notice_buttons(services, chat_lang))


async def _ask_reply(update: Update, context: BotContext, lead: Lead, lang: str) -> None:
    """Tell the coordinator that their next message in this chat goes to the student, for
    ``BOT_REPLY_MINUTES``, with a Cancel button (a reply to the prompt reaches the bot in a
    group with privacy mode too)."""
    services, query, user = context.services, update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    chat_id = query.message.chat.id
    texts = services.content.texts
    mention = f'<a href="tg://user?id={user.id}">{html.escape(clean_name(user.first_name))}</a>'
    prompt_text = texts.get(
        "coordinator_reply_prompt",
        lang,
        coordinator=mention,
        name=html.escape(clean_name(lead.name)),
        minutes=services.settings.reply_minutes,
    )
    cancel = Button(texts.get("coordinator_button_cancel_reply", lang), CANCEL_REPLY)
    await answer_query(update)
    try:
        prompt = await context.bot.send_message(
            chat_id, prompt_text, reply_markup=markup([[cancel]])
        )
    except TelegramError:
        return
    await services.storage.record_sent(
        [SentMessage(chat_id, prompt.message_id, lead.user_id, lead.language)]
    )
    await services.storage.set_pending_reply(
        PendingReply(chat_id, user.id, lead.user_id, lead.language, prompt.message_id)
    )


async def cancel_reply(update: Update, context: BotContext) -> None:
    """Cancel under a "Reply to student" prompt: the presser's own pending reply of that
    prompt ends; anyone else's press (or a prompt already used or expired) is no longer
    valid."""
    services, query, user = context.services, update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    texts, storage = services.content.texts, services.storage
    lang = await user_language(services, user)
    chat_id = query.message.chat.id
    pending = storage.pending_reply(chat_id, user.id)
    if pending is None or pending.prompt_id != query.message.message_id:
        await answer_query(update, texts.get("button_invalid", lang))
        return
    await storage.clear_pending_reply(chat_id, user.id)
    await show(update, texts.get("coordinator_reply_cancelled", lang))


def register(app: App) -> None:
    """The notice buttons (coordinators only) and the job sending queued notices."""
    settings = services_of(app).settings
    pattern = callbacks.pattern("ln:(contacted|not_relevant|reply)$")
    app.add_handler(CoordinatorButtonHandler(settings, on_button, pattern))
    cancel = callbacks.pattern(f"{CANCEL_REPLY}$")
    app.add_handler(CoordinatorButtonHandler(settings, cancel_reply, cancel))
    if app.job_queue is not None and settings.coordinator_ids and settings.lead_notices:
        app.job_queue.run_repeating(
            deliver_queued, interval=RETRY_EVERY, first=1, name="lead-notices"
        )
