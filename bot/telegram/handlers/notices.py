"""A notice to the coordinators for each new or updated sign-up, with the buttons Contacted,
Not relevant and Reply to student.

The sign-up form calls :func:`lead_confirmed` right after the lead is committed. The notice
is queued in the database first (one per confirmed sign-up: a confirmation handled twice finds
it queued), sent, then marked sent together with the messages that carry it; a job sends any
notice left queued (the bot stopped in between, or Telegram failed). The buttons act on the
student stored with the pressed notice (its chat and message id), never on anything in the
callback data, and only for listed coordinators.
"""

from __future__ import annotations

import html
from dataclasses import replace

from telegram import Message, Update
from telegram.error import TelegramError

from bot.content.buttons import Button
from bot.content.names import clean_name
from bot.storage import Lead, Notice, PendingReply, SentMessage
from bot.telegram import callbacks
from bot.telegram.callbacks import decode
from bot.telegram.context import App, BotContext, Services, services_of
from bot.telegram.coordinators import CoordinatorButtonHandler
from bot.telegram.handlers.common import answer_query, show, user_language
from bot.telegram.keyboards import markup
from bot.telegram.relay import (
    MESSAGE_LIMIT,
    Keyboard,
    chat_language,
    html_length,
    language_name,
    send_to_coordinators,
    shown_name,
)

TEXTS = frozenset(
    {
        "coordinator_button_contacted",
        "coordinator_button_not_relevant",
        "coordinator_button_reply",
        "coordinator_notice_gone",
        "coordinator_notice_language",
        "coordinator_notice_new",
        "coordinator_notice_shortened",
        "coordinator_notice_status",
        "coordinator_notice_status_set",
        "coordinator_notice_updated",
        "button_invalid",
        "coordinator_button_cancel_reply",
        "coordinator_reply_cancelled",
        "coordinator_reply_prompt",
    }
)

CONTACTED, NOT_RELEVANT, REPLY = "ln:contacted", "ln:not_relevant", "ln:reply"
CANCEL_REPLY = "ln:cancel_reply"
# callback actions only coordinators use
COORDINATOR_BUTTONS = (CONTACTED, NOT_RELEVANT, REPLY, CANCEL_REPLY)
RETRY_EVERY = 600  # seconds between two runs of the job sending queued notices
_STATUS = {CONTACTED: "contacted", NOT_RELEVANT: "not_relevant"}


async def lead_confirmed(context: BotContext, lead: Lead, *, updated: bool) -> None:
    """The sign-up form committed ``lead``: queue its notice (once per confirmed sign-up) and
    send it. Does nothing when notices are off or nobody could act on them."""
    services = context.services
    settings = services.settings
    if not settings.lead_notices or not settings.coordinator_ids:
        return
    notice = await services.storage.queue_notice(lead.user_id, lead.consent_at, updated=updated)
    if notice.sent_at is None:
        await deliver(context, notice)


async def deliver(context: BotContext, notice: Notice) -> bool:
    """Send a queued notice to the coordinators' chats and mark it sent; False when Telegram
    refused it everywhere (it stays queued)."""
    services = context.services
    lead = await services.storage.get_lead(notice.user_id)
    if lead is None:  # the student deleted their data meanwhile: nothing to send
        await services.storage.drop_notice(notice.id)
        return True

    def build(lang: str) -> tuple[list[str], Keyboard]:
        text = notice_text(services, lead, lang, updated=notice.updated)
        return [text], markup(_rows(services, lang))

    sent = await send_to_coordinators(
        context,
        build,
        about=lead.user_id,
        language=lead.language,
        notice_id=notice.id,
        record=False,
    )
    if sent:
        await services.storage.mark_notice_sent(notice.id, sent)
    return bool(sent)


async def deliver_queued(context: BotContext) -> None:
    """The job: send the notices still queued."""
    for notice in await context.services.storage.unsent_notices():
        if not await deliver(context, notice):
            return  # Telegram is failing: try again at the next run


def notice_text(
    services: Services, lead: Lead, lang: str, *, updated: bool, status_line: str | None = None
) -> str:
    """The notice: what kind of sign-up, every detail (escaped), language and status; the
    student's message is shortened if the whole would not fit in one message."""
    texts = services.assistant.texts
    status = texts.get(f"coordinator_status_{lead.status}", lang)
    status_line = status_line or texts.get("coordinator_notice_status", lang, status=status)
    head = texts.get("coordinator_notice_updated" if updated else "coordinator_notice_new", lang)
    language = texts.get(
        "coordinator_notice_language", lang, language=language_name(texts, lead.language)
    )

    def render(shown: Lead, shortened: bool) -> str:
        details = services.form.details(shown.as_dict(), lang)
        note = f"\n{texts.get('coordinator_notice_shortened', lang)}" if shortened else ""
        return f"{head}\n\n{details}{note}\n{language}\n{status_line}"

    text = render(lead, False)
    message = lead.message or ""
    while html_length(text) > MESSAGE_LIMIT and message:
        excess = html_length(text) - MESSAGE_LIMIT
        message = message[: max(len(message) - max(excess // 6, 1) - 1, 0)]
        text = render(replace(lead, message=f"{message}…"), True)
    return text


async def on_button(update: Update, context: BotContext) -> None:
    """Contacted / Not relevant / Reply to student, on the lead stored with the notice."""
    services, query, user = context.services, update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    texts, storage = services.assistant.texts, services.storage
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
    await show(update, text, _rows(services, chat_lang))


def _rows(services: Services, lang: str) -> list[list[Button]]:
    texts = services.assistant.texts
    return [
        [
            Button(texts.get("coordinator_button_contacted", lang), CONTACTED),
            Button(texts.get("coordinator_button_not_relevant", lang), NOT_RELEVANT),
        ],
        [Button(texts.get("coordinator_button_reply", lang), REPLY)],
    ]


async def _ask_reply(update: Update, context: BotContext, lead: Lead, lang: str) -> None:
    """Tell the coordinator that their next message in this chat goes to the student, for
    ``BOT_REPLY_MINUTES``, with a Cancel button (a reply to the prompt reaches the bot in a
    group with privacy mode too)."""
    services, query, user = context.services, update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    chat_id = query.message.chat.id
    texts = services.assistant.texts
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
    texts, storage = services.assistant.texts, services.storage
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
