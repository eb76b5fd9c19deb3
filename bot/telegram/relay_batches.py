"""A student's hand-off messages, combined for the coordinators: the relay outbox's flush.

The hand-off handler queues each message of a student in the relay outbox
(:mod:`bot.storage.relays`) and returns; :func:`flush`, run by the outbox's job
(:mod:`bot.telegram.outbox`), sends what is queued, per coordinators' chat and thread, in the
order received: one message alone under the usual heading, several as one message ("3 new
messages from …", numbered), cut to Telegram's 4,096 characters where needed. A flush sends
at most :data:`MAX_MESSAGES` messages per thread and chat (more waits for the next flush, so
no thread starves the others), so a talker's burst costs the coordinators' chat one message
every few seconds, never one per message typed. Each message is recorded as sent, with the
rows it completes, as soon as Telegram has it: at worst (a kill exactly between the two) that
one message is sent again at the next start; nothing queued is lost. A transient failure
(after the rate limiter's retries) leaves the rest queued for a later run; a chat that refuses
for good (the bot was removed, a coordinator never started it) does not keep it queued.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Sequence
from typing import Final

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.content.buttons import Button
from bot.content.texts import Texts
from bot.storage import Relay, SentMessage
from bot.telegram.context import BotContext
from bot.telegram.keyboards import markup
from bot.telegram.outbox import Flushed
from bot.telegram.relay import (
    MESSAGE_LIMIT,
    Keyboard,
    chat_language,
    html_length,
    language_name,
    lead_summary,
    split_escaped,
)

_LOGGER = logging.getLogger(__name__)
CLOSE: Final = "ho:close"  # the Close button of a conversation's messages
MAX_MESSAGES: Final = 3  # per thread and chat in one flush
PRUNE_EVERY: Final = 3600.0  # seconds between deletions of old sent marks
TEXTS: Final = frozenset(
    {
        "coordinator_button_close",
        "coordinator_thread_batch",
        "coordinator_thread_followup",
        "coordinator_thread_footer",
        "coordinator_thread_item",
        "coordinator_thread_new",
        "coordinator_thread_part",
    }
)
_pruned = [0.0]


def close_keyboard(texts: Texts, lang: str) -> Keyboard:
    """The Close button under a conversation's message."""
    return markup([[Button(texts.get("coordinator_button_close", lang), CLOSE)]])


async def flush(context: BotContext) -> Flushed:
    """Send what the relay outbox holds (see the module's documentation)."""
    storage = context.services.storage
    if time.monotonic() - _pruned[0] > PRUNE_EVERY:
        _pruned[0] = time.monotonic()
        await storage.prune_relays()
    batches: dict[tuple[int, int], list[Relay]] = {}
    for relay in await storage.queued_relays():
        batches.setdefault((relay.chat_id, relay.thread_id), []).append(relay)
    outcomes = {await _send(context, relays) for relays in batches.values()}
    for outcome in (Flushed.FAILED, Flushed.MORE):
        if outcome in outcomes:
            return outcome
    return Flushed.DONE


async def _send(context: BotContext, relays: Sequence[Relay]) -> Flushed:
    """Send one thread's queued messages to one chat (its share of them)."""
    services = context.services
    texts, storage = services.content.texts, services.storage
    first, last = relays[0], relays[-1]
    chat_id, thread = first.chat_id, first.thread_id
    lang = await chat_language(services, chat_id)
    name, language = last.name, language_name(texts, last.language)
    follow = texts.get(
        "coordinator_thread_followup", lang, thread=thread, name=name, language=language
    )

    def batch(count: int) -> str:
        return texts.get(
            "coordinator_thread_batch",
            lang,
            thread=thread,
            name=name,
            language=language,
            count=count,
        )

    if first.first:
        lead = await storage.get_lead(first.user_id)
        head = texts.get(
            "coordinator_thread_new",
            lang,
            thread=thread,
            name=name,
            language=language,
            lead=lead_summary(services, lead, lang),
        )
    elif len(relays) > 1:
        head = batch(len(relays))
    else:
        head = follow
    footer = texts.get("coordinator_thread_footer", lang)
    messages = pack(texts, lang, relays, head=head, follow=follow, footer=footer)
    taken = sum(len(done) for _, done in messages)
    if not first.first and len(relays) > 1 and taken != len(relays):
        head = batch(taken)
        messages = pack(texts, lang, relays[:taken], head=head, follow=follow, footer=footer)
    keyboard = close_keyboard(texts, lang)
    for number, (text, done) in enumerate(messages, start=1):
        try:
            message = await context.bot.send_message(
                chat_id, text, reply_markup=keyboard if number == len(messages) else None
            )
        except (BadRequest, Forbidden) as error:  # the chat is gone, or refuses this
            _LOGGER.warning(
                "a coordinators' chat refused a student's messages (%s); not passed on there",
                type(error).__name__,
            )
            await storage.relays_sent(done, [])
            continue
        except TelegramError as error:  # still failing after the rate limiter's retries
            _LOGGER.warning(
                "could not pass a student's messages on to a coordinators' chat (%s); "
                "they stay queued",
                type(error).__name__,
            )
            return Flushed.FAILED
        sent = SentMessage(chat_id, message.message_id, first.user_id, last.language, thread)
        await storage.relays_sent(done, [sent])
    return Flushed.MORE if taken < len(relays) else Flushed.DONE


def pack(
    texts: Texts, lang: str, relays: Sequence[Relay], *, head: str, follow: str, footer: str
) -> list[tuple[str, list[int]]]:
    """The messages carrying ``relays`` in order (at most :data:`MAX_MESSAGES`, unless the
    first alone needs more), each with the ids of the relays it completes: several relays
    are numbered, a relay too long for one message is cut (never inside an HTML entity)."""
    mark = html_length(texts.get("coordinator_thread_part", lang, part=999, parts=999))
    room = MESSAGE_LIMIT - html_length(footer) - mark - 8
    budgets = (room - html_length(head), room - html_length(follow))
    bodies: list[list[str]] = [[]]
    done: list[list[int]] = [[]]
    used = 0
    numbered = len(relays) > 1
    for index, relay in enumerate(relays, start=1):
        prefix = (
            texts.get("coordinator_thread_item", lang, number=index, text="") if numbered else ""
        )
        whole = prefix + html.escape(relay.text)
        cost = html_length(whole) + 2
        budget = budgets[len(bodies) > 1]
        if used + cost <= budget:
            bodies[-1].append(whole)
            done[-1].append(relay.id)
            used += cost
            continue
        if index > 1 and len(bodies) >= MAX_MESSAGES:
            break  # the rest goes with the next flush
        if bodies[-1]:
            bodies.append([])
            done.append([])
            used = 0
        if cost <= budgets[len(bodies) > 1]:
            bodies[-1].append(whole)
            done[-1].append(relay.id)
            used = cost
            continue
        pieces = split_escaped(relay.text, [budgets[len(bodies) > 1] - html_length(prefix) - 2])
        for number, piece in enumerate(pieces):
            if number:
                bodies.append([])
                done.append([])
            bodies[-1].append(prefix + piece if number == 0 else piece)
        done[-1].append(relay.id)
        used = budgets[1]  # a cut relay fills its last message
    parts = len(bodies)
    messages = []
    for number, (body, ids) in enumerate(zip(bodies, done, strict=True), start=1):
        header = head if number == 1 else follow
        if parts > 1:
            header += "\n" + texts.get("coordinator_thread_part", lang, part=number, parts=parts)
        messages.append((f"{header}\n\n" + "\n\n".join(body) + f"\n\n{footer}", ids))
    return messages
