"""Messages between students and coordinators: sending to the coordinators' chats (split to
fit Telegram's limit), and passing a coordinator's message on to a student.

Who a coordinator's message goes to is always decided by the caller from what the bot stored
when it sent the message being answered (its chat and message id), never from a text.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence

from telegram import InlineKeyboardMarkup, Message, User
from telegram.error import TelegramError

from bot.content.names import clean_name
from bot.content.texts import Texts
from bot.storage import OPEN_THREAD, Lead, SentMessage, Thread
from bot.telegram.context import BotContext, Services
from bot.telegram.coordinators import coordinator_chats
from bot.telegram_rules import MESSAGE_LIMIT, split_lines
from bot.telegram_rules import utf16_len as html_length  # of the source: Telegram counts less

_LOGGER = logging.getLogger(__name__)
Keyboard = InlineKeyboardMarkup | None


def split_escaped(text: str, budgets: Sequence[int]) -> list[str]:
    """``text`` HTML-escaped and cut into pieces, the n-th at most ``budgets[n]`` long (the last
    budget repeats), never inside an entity, preferably at a line break or a space."""
    pieces: list[str] = []
    rest = text
    while rest:
        budget = max(budgets[min(len(pieces), len(budgets) - 1)], 1)
        if html_length(html.escape(rest)) <= budget:
            pieces.append(html.escape(rest))
            break
        end, used = 0, 0
        while end < len(rest):
            cost = html_length(html.escape(rest[end]))
            if used + cost > budget:
                break
            used += cost
            end += 1
        cut = max(rest.rfind("\n", 0, end), rest.rfind(" ", 0, end))
        if cut > end // 2:
            end = cut + 1
        pieces.append(html.escape(rest[: max(end, 1)]))
        rest = rest[max(end, 1) :]
    return pieces


def framed_parts(
    texts: Texts, lang: str, *, first_header: str, next_header: str, body: str, footer: str
) -> list[str]:
    """Messages carrying ``body`` (plain text, escaped here) whole: the first under
    ``first_header``, any further ones under ``next_header`` with a "part n of m" mark, each
    with ``footer`` and within :data:`MESSAGE_LIMIT`."""
    whole = f"{first_header}\n\n{html.escape(body)}\n\n{footer}"
    if html_length(whole) <= MESSAGE_LIMIT:
        return [whole]
    mark = texts.get("coordinator_thread_part", lang, part=999, parts=999)
    overhead = html_length(mark) + html_length(footer) + 6
    budgets = [
        MESSAGE_LIMIT - html_length(first_header) - overhead,
        MESSAGE_LIMIT - html_length(next_header) - overhead,
    ]
    pieces = split_escaped(body, budgets)
    parts = []
    for number, piece in enumerate(pieces, start=1):
        head = first_header if number == 1 else next_header
        marked = texts.get("coordinator_thread_part", lang, part=number, parts=len(pieces))
        parts.append(f"{head}\n{marked}\n\n{piece}\n\n{footer}")
    return parts


def join_lines(lines: Sequence[str], limit: int = MESSAGE_LIMIT - 96) -> list[str]:
    """Lines joined into as few messages as fit ``limit`` (a line is cut only if longer)."""
    return split_lines(lines, limit)


async def chat_language(services: Services, chat_id: int) -> str:
    """The language of messages sent to a coordinators' chat: a coordinator's private chat
    follows their /language choice; a group chat reads English."""
    return await services.storage.get_language(chat_id) or "en"


def language_name(texts: Texts, code: str) -> str:
    """A language's own name ("Français")."""
    key = f"language_name_{code}"
    return texts.get(key, code) if key in texts.texts else html.escape(code)


def lead_summary(services: Services, lead: Lead | None, lang: str) -> str:
    """The lead of a student, for the coordinators (escaped), or "not signed up yet"."""
    texts = services.content.texts
    if lead is None:
        return texts.get("coordinator_thread_no_lead", lang)
    status = texts.get(f"coordinator_status_{lead.status}", lang)
    details = services.content.form.details(lead.as_dict(), lang)
    return texts.get("coordinator_thread_lead", lang, status=status, details=details)


def display_name(user: User | None) -> str:
    """A Telegram user's name (and @username) as the coordinators see it, escaped."""
    if user is None:
        return "?"
    name = shown_name(user.full_name)
    return f"{name} (@{html.escape(user.username)})" if user.username else name


def shown_name(name: str | None) -> str:
    """A name as the coordinators see it: cleaned of invisible characters
    (:func:`bot.content.names.clean_name`) and HTML-escaped; "?" when empty."""
    return html.escape(clean_name(name) or "?")


async def send_to_coordinators(
    context: BotContext,
    build: Callable[[str], tuple[list[str], Keyboard]],
    *,
    about: int,
    language: str,
    thread_id: int | None = None,
    notice_id: int | None = None,
    record: bool = True,
    skip: int | None = None,
) -> list[SentMessage]:
    """Send the messages ``build(lang)`` returns to every coordinators' chat but ``skip`` (the
    keyboard on the last one); remember each as being about student ``about``. Chats that
    fail are logged and skipped."""
    services = context.services
    sent: list[SentMessage] = []
    for chat_id in coordinator_chats(services.settings):
        if chat_id == skip:
            continue
        parts, keyboard = build(await chat_language(services, chat_id))
        try:
            for number, part in enumerate(parts, start=1):
                message = await context.bot.send_message(
                    chat_id, part, reply_markup=keyboard if number == len(parts) else None
                )
                sent.append(
                    SentMessage(chat_id, message.message_id, about, language, thread_id, notice_id)
                )
        except TelegramError as error:
            _LOGGER.warning("could not reach a coordinators' chat: %s", type(error).__name__)
    if record:
        await services.storage.record_sent(sent)
    return sent


async def student_language(services: Services, user_id: int, fallback: str) -> str:
    """The student's chosen language, else the one stored with the message answered."""
    return await services.storage.get_language(user_id) or fallback


async def pass_to_student(
    context: BotContext, message: Message, target: SentMessage
) -> tuple[bool, Thread | None]:
    """Send a coordinator's ``message`` to the student of ``target`` in their language's
    framing, inside the student's conversation with the coordinators (opened if none is):
    their answer comes back to the coordinators. Returns (delivered, thread)."""
    services = context.services
    storage, texts = services.storage, services.content.texts
    lang = await student_language(services, target.user_id, target.language)
    thread = storage.current_thread(target.user_id)
    opened = thread is None or thread.status != OPEN_THREAD
    if thread is None:
        name = await _known_name(services, target)
        thread = await storage.start_thread(target.user_id, name, lang, "open")
    answer = message.text_html if message.text else ""
    framed = texts.get("handoff_answer", lang, answer=answer)
    hint = texts.get("thread_reply_hint", lang) if opened else ""
    chunks = [f"{framed}\n\n{hint}" if hint else framed]
    if html_length(chunks[0]) > MESSAGE_LIMIT:
        heading = texts.get("handoff_answer", lang, answer="")
        chunks = framed_parts(
            texts,
            lang,
            first_header=heading,
            next_header=heading,
            body=message.text or "",
            footer=hint,
        )
    try:
        for chunk in chunks:
            await context.bot.send_message(target.user_id, chunk)
    except TelegramError as error:
        _LOGGER.info("a coordinator's message could not be delivered: %s", type(error).__name__)
        return False, thread
    thread = await storage.touch_thread(thread, student_message=False)
    return True, thread


async def _known_name(services: Services, target: SentMessage) -> str:
    """The student's name from their earlier thread, else from their lead."""
    earlier = await services.storage.get_thread(target.thread_id) if target.thread_id else None
    if earlier is not None and earlier.name:
        return earlier.name
    lead = await services.storage.get_lead(target.user_id)
    return lead.name if lead is not None else ""
