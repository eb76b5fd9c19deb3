"""Conversations between a student and the coordinators ("hand-offs"), kept as threads.

"Talk to a coordinator" opens a thread. Everything the student then types goes to the
coordinators' chats, marked with the thread's number, until a coordinator presses Close, the
student sends /cancel, or 48 hours pass without a message (checked on each message and by a
job every few minutes); the student is told. Any coordinator answers by replying to any of
the thread's messages; the bot finds the student from the replied-to message's chat and id,
which it stored when it sent it — never from a message's text (a student may call themselves
anything). Threads live in the database and survive restarts; /forget erases them.

A student's message is stored in the relay outbox and the handler returns at once: the
outbox's job passes it on, combined with the others that came meanwhile
(:mod:`bot.telegram.relay_batches`), so a student writing fast never waits for — or fills —
the coordinators' chat's send limit.
"""

from __future__ import annotations

import contextlib
import html
from datetime import timedelta

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.content.names import clean_name
from bot.settings import Settings
from bot.storage import OPEN_THREAD, WAITING_THREAD, SentMessage, Thread
from bot.telegram import callbacks
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.coordinators import (
    CoordinatorButtonHandler,
    coordinator_chats,
    coordinator_places,
)
from bot.telegram.handlers.common import PrivateButtons, answer_query, send, user_language
from bot.telegram.keyboards import markup
from bot.telegram.relay import (
    display_name,
    html_length,
    join_lines,
    language_name,
    pass_to_student,
    send_to_coordinators,
    shown_name,
    student_language,
)
from bot.telegram.relay_batches import CLOSE
from bot.telegram.relay_batches import TEXTS as RELAY_TEXTS

TEXTS = RELAY_TEXTS | frozenset(
    {
        "coordinator_answer_copy",
        "coordinator_handoffs_hint",
        "coordinator_handoffs_item",
        "coordinator_handoffs_none",
        "coordinator_handoffs_signed_up",
        "coordinator_handoffs_title",
        "coordinator_relayed",
        "coordinator_reply_cancelled",
        "coordinator_reply_failed",
        "coordinator_reply_text_only",
        "coordinator_reply_unknown",
        "coordinator_thread_already_closed",
        "coordinator_thread_closed_by",
        "coordinator_thread_closed_by_student",
        "coordinator_thread_expired",
        "handoff_cancelled",
        "handoff_unavailable",
        "thread_already_open",
        "thread_closed",
        "thread_ended_by_student",
        "thread_expired",
        "thread_expired_unsent",
        "thread_followup_sent",
        "thread_prompt",
        "thread_sent",
    }
)

IDLE = timedelta(hours=48)  # a thread without a message for this long is closed
CHECK_EVERY = 600  # seconds between two runs of the expiry job
_COPY_LIMIT = 3500
COORDINATOR_BUTTONS = (CLOSE,)  # callback actions only coordinators may use


# --------------------------------------------------------------------------- the student


async def begin(update: Update, context: BotContext) -> None:
    """The "Talk to a coordinator" button: open a thread (or say that one is open)."""
    services, user = context.services, update.effective_user
    await answer_query(update)
    texts = services.content.texts
    lang = await user_language(services, user)
    if user is None or not services.settings.coordinator_ids:
        await send(update, texts.get("handoff_unavailable", lang))
        return
    thread = services.storage.current_thread(user.id)
    if thread is not None and _expired(context, thread):
        await _expire(context, thread)
        thread = None
    if thread is not None and thread.status == OPEN_THREAD:
        await send(update, texts.get("thread_already_open", lang))
        return
    if thread is None:
        await services.storage.start_thread(
            user.id, clean_name(user.full_name), lang, WAITING_THREAD
        )
    await send(update, texts.get("thread_prompt", lang))


async def from_student(update: Update, context: BotContext) -> None:
    """A message of a student whose thread is open: pass it on to the coordinators."""
    services, user, message = context.services, update.effective_user, update.effective_message
    if user is None or message is None or message.text is None:
        return
    storage, texts = services.storage, services.content.texts
    lang = await user_language(services, user)
    thread = storage.current_thread(user.id)
    if thread is None:
        return
    if _expired(context, thread):
        await _expire(context, thread, unsent=update)
        return
    chats = coordinator_chats(services.settings)
    if not chats:
        await send(update, texts.get("handoff_unavailable", lang))
        return
    first = thread.messages == 0
    await storage.queue_relays(  # committed; the outbox's job passes it on (relay_batches)
        chats,
        thread_id=thread.id,
        user_id=user.id,
        update_id=update.update_id,
        language=lang,
        name=display_name(user),
        text=message.text,
        first=first,
    )
    services.relays.kick(context.application)
    await storage.touch_thread(thread, student_message=True, name=clean_name(user.full_name))
    if first:
        await storage.log_question(user.id, lang, message.text, "handoff", 1.0, kind="handoff")
    await send(update, texts.get("thread_sent" if first else "thread_followup_sent", lang))


async def end_by_student(update: Update, context: BotContext) -> None:
    """/cancel in a thread: it is closed (the coordinators are told if it had begun)."""
    services, user = context.services, update.effective_user
    if user is None:
        return
    texts = services.content.texts
    lang = await user_language(services, user)
    thread = services.storage.current_thread(user.id)
    closed = await services.storage.close_thread(thread.id, "student") if thread else None
    if closed is None or thread is None or thread.status == WAITING_THREAD:
        await send(update, texts.get("handoff_cancelled", lang))
        return
    await send(update, texts.get("thread_ended_by_student", lang))
    await _tell_coordinators(context, closed, "coordinator_thread_closed_by_student")


def _expired(context: BotContext, thread: Thread) -> bool:
    return thread.last_message_at < context.services.storage.now() - IDLE


async def _expire(context: BotContext, thread: Thread, unsent: Update | None = None) -> None:
    """Close an idle thread. A thread the student wrote in: they and the coordinators are told
    (``unsent``: the student's message that arrived too late, and was not passed on)."""
    services = context.services
    closed = await services.storage.close_thread(thread.id, "expired")
    if closed is None or thread.status == WAITING_THREAD:
        return
    texts = services.content.texts
    lang = await student_language(services, thread.user_id, thread.language)
    again = [[services.content.assistant.action_button("coordinator", lang)]]
    if unsent is not None:
        await send(unsent, texts.get("thread_expired_unsent", lang), again)
    else:
        await context.bot.send_message(
            thread.user_id, texts.get("thread_expired", lang), reply_markup=markup(again)
        )
    await _tell_coordinators(context, closed, "coordinator_thread_expired")


async def expire_idle(context: BotContext) -> None:
    """The job: close every thread idle for 48 hours."""
    for thread in context.services.storage.expired_threads(IDLE):
        try:
            await _expire(context, thread)
        except TelegramError:  # one blocked student must not stop the others
            await context.services.storage.close_thread(thread.id, "expired")


async def _tell_coordinators(
    context: BotContext, thread: Thread, key: str, skip: int | None = None, **values: str
) -> None:
    """A note about ``thread`` in every coordinators' chat (but ``skip``); replying to it
    answers the student too."""
    texts = context.services.content.texts
    name = shown_name(thread.name)
    await context.services.relays.flush(context)  # the student's last messages come first

    def build(clang: str) -> tuple[list[str], None]:
        return [texts.get(key, clang, thread=thread.id, name=name, **values)], None

    await send_to_coordinators(
        context,
        build,
        about=thread.user_id,
        language=thread.language,
        thread_id=thread.id,
        skip=skip,
    )


# --------------------------------------------------------------------------- coordinators


async def close(update: Update, context: BotContext) -> None:
    """Close: the thread of the pressed report (as stored when it was sent) is closed and the
    student told."""
    services, query, user = context.services, update.callback_query, update.effective_user
    if query is None or user is None or not isinstance(query.message, Message):
        return
    texts = services.content.texts
    lang = await user_language(services, user)
    target = await services.storage.sent_message(query.message.chat.id, query.message.message_id)
    thread_id = target.thread_id if target is not None else None
    closed = (
        await services.storage.close_thread(thread_id, "coordinator", by=user.id)
        if (thread_id is not None)
        else None
    )
    if closed is None:
        await answer_query(update, texts.get("coordinator_thread_already_closed", lang))
        return
    student_lang = await student_language(services, closed.user_id, closed.language)
    with contextlib.suppress(TelegramError):  # closed even if the student blocked the bot
        await context.bot.send_message(closed.user_id, texts.get("thread_closed", student_lang))
    await query.edit_message_reply_markup(None)
    await answer_query(update)
    await _tell_coordinators(
        context, closed, "coordinator_thread_closed_by", coordinator=shown_name(user.full_name)
    )


async def relay_reply(update: Update, context: BotContext) -> None:
    """A coordinator replied to one of the bot's messages: pass it on to the student stored
    with that message."""
    message = update.effective_message
    original = message.reply_to_message if message else None
    if message is None or original is None:
        return
    target = await context.services.storage.sent_message(message.chat.id, original.message_id)
    await _relay(update, context, target)


async def relay_pending(update: Update, context: BotContext) -> None:
    """The message after "Reply to student": to the student stored with that notice."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    pending = context.services.storage.pending_reply(
        message.chat.id, user.id, reply_window(context.services.settings)
    )
    if pending is None:
        return
    target = SentMessage(message.chat.id, pending.prompt_id or 0, pending.user_id, pending.language)
    await _relay(update, context, target)


async def _relay(update: Update, context: BotContext, target: SentMessage | None) -> None:
    services, message, user = context.services, update.effective_message, update.effective_user
    if message is None or user is None:
        return
    texts, storage = services.content.texts, services.storage
    lang = await user_language(services, user)
    if target is None:
        await message.reply_text(texts.get("coordinator_reply_unknown", lang))
        return
    if not message.text:
        await message.reply_text(texts.get("coordinator_reply_text_only", lang))
        return
    # Whatever this message answers, it ends the coordinator's "Reply to student" here: a
    # reply to another student's message must not leave the next ordinary message going to
    # the first one.
    await storage.clear_pending_reply(message.chat.id, user.id)
    delivered, thread = await pass_to_student(context, message, target)
    if not delivered or thread is None:
        await message.reply_text(texts.get("coordinator_reply_failed", lang))
        return
    name = shown_name(thread.name)
    await message.reply_text(texts.get("coordinator_relayed", lang, name=name, thread=thread.id))
    if len(coordinator_chats(services.settings)) > 1:  # each coordinator in a private chat
        await _tell_coordinators(
            context,
            thread,
            "coordinator_answer_copy",
            skip=message.chat.id,
            coordinator=shown_name(user.full_name),
            answer=_copy_of(message),
        )


def reply_window(settings: Settings) -> timedelta:
    """How long a pressed "Reply to student" waits for the coordinator's message."""
    return timedelta(minutes=settings.reply_minutes)


def _copy_of(message: Message) -> str:
    """A coordinator's answer as the other coordinators see it (shortened if very long)."""
    answer = message.text_html
    if html_length(answer) <= _COPY_LIMIT:
        return answer
    return html.escape((message.text or "")[: _COPY_LIMIT // 6]) + "…"


async def cancel_pending(update: Update, context: BotContext) -> None:
    """/cancel after "Reply to student": nothing is sent."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    await context.services.storage.clear_pending_reply(message.chat.id, user.id)
    lang = await user_language(context.services, user)
    await message.reply_text(
        context.services.content.texts.get("coordinator_reply_cancelled", lang)
    )


async def list_handoffs(update: Update, context: BotContext) -> None:
    """/handoffs: the open threads, oldest first."""
    services = context.services
    texts, storage = services.content.texts, services.storage
    lang = await user_language(services, update.effective_user)
    threads = storage.open_threads()
    if not threads:
        await send(update, texts.get("coordinator_handoffs_none", lang))
        return
    lines = [texts.get("coordinator_handoffs_title", lang, count=len(threads))]
    zone = services.settings.tzinfo
    for thread in threads:
        signed = await storage.get_lead(thread.user_id) is not None
        lines.append(
            texts.get(
                "coordinator_handoffs_item",
                lang,
                thread=thread.id,
                name=shown_name(thread.name),
                language=language_name(texts, thread.language),
                messages=thread.messages,
                date=thread.last_message_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                lead=texts.get("coordinator_handoffs_signed_up", lang) if signed else "",
            )
        )
    lines.append(texts.get("coordinator_handoffs_hint", lang))
    for chunk in join_lines(lines):
        await send(update, chunk)


# --------------------------------------------------------------------------- registration


class _InThread(filters.MessageFilter):
    """Messages of a student with a thread: open, or waiting for its first message and not
    idle for 48 hours (read from the storage's memory)."""

    def __init__(self, app: App) -> None:
        super().__init__(name="InHandoffThread")
        self._app = app

    def filter(self, message: Message) -> bool:
        user = message.from_user
        if user is None:
            return False
        storage = services_of(self._app).storage
        thread = storage.current_thread(user.id)
        if thread is None:
            return False
        return thread.status == OPEN_THREAD or thread.last_message_at >= storage.now() - IDLE


class _PendingReply(filters.MessageFilter):
    """Messages of a coordinator who pressed "Reply to student" in this chat, less than
    ``BOT_REPLY_MINUTES`` ago."""

    def __init__(self, app: App) -> None:
        super().__init__(name="PendingReply")
        self._app = app

    def filter(self, message: Message) -> bool:
        user = message.from_user
        services = services_of(self._app)
        window = reply_window(services.settings)
        return (
            user is not None
            and services.storage.pending_reply(message.chat.id, user.id, window) is not None
        )


class _RepliesToBot(filters.MessageFilter):
    """Replies to a message the bot sent."""

    def filter(self, message: Message) -> bool:
        original = message.reply_to_message
        sender = original.from_user if original else None
        return sender is not None and sender.id == message.get_bot().id


def register_coordinators(app: App) -> None:
    """Coordinators' replies, their Close button and /handoffs, for listed coordinators only
    (registered before the sign-up form, so that a coordinator's answer is never taken for
    anything else)."""
    settings = services_of(app).settings
    coordinator = coordinator_places(settings)
    new_message = filters.UpdateType.MESSAGE & ~filters.COMMAND
    app.add_handler(
        CommandHandler("cancel", cancel_pending, filters=coordinator & _PendingReply(app))
    )
    app.add_handler(MessageHandler(coordinator & new_message & _RepliesToBot(), relay_reply))
    app.add_handler(MessageHandler(coordinator & new_message & _PendingReply(app), relay_pending))
    app.add_handler(CommandHandler("handoffs", list_handoffs, filters=coordinator))
    app.add_handler(CoordinatorButtonHandler(settings, close, callbacks.pattern(f"{CLOSE}$")))


def register(app: App) -> None:
    """The student's side: the button, their messages in a thread, /cancel; the expiry job."""
    private = filters.ChatType.PRIVATE
    new_text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler("cancel", end_by_student, filters=private & _InThread(app)))
    app.add_handler(MessageHandler(private & new_text & _InThread(app), from_student))
    app.add_handler(PrivateButtons(begin, pattern=callbacks.pattern("coordinator$")))
    if app.job_queue is not None and services_of(app).settings.coordinator_ids:
        app.job_queue.run_repeating(expire_idle, interval=CHECK_EVERY, first=5, name="handoffs")
        services_of(app).relays.kick(app)  # what the previous run left queued goes first
