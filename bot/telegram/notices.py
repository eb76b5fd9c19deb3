"""A notice to the coordinators for each new or updated sign-up, with the buttons Contacted,
Not relevant and Reply to student (handled by :mod:`bot.telegram.handlers.notices`).

The sign-up form calls :func:`lead_confirmed` right after the lead is committed. The notice
is queued in the database first (one per confirmed sign-up: a confirmation handled twice finds
it queued), sent, then marked sent together with the messages that carry it; a job
(:func:`deliver_queued`) sends any notice left queued (the bot stopped in between, or Telegram
failed).
"""

from __future__ import annotations

from dataclasses import replace

from bot.content.buttons import Button
from bot.storage import Lead, Notice
from bot.telegram.context import BotContext, Services
from bot.telegram.keyboards import markup
from bot.telegram.relay import (
    MESSAGE_LIMIT,
    Keyboard,
    html_length,
    language_name,
    send_to_coordinators,
)

TEXTS = frozenset(
    {
        "coordinator_button_contacted",
        "coordinator_button_not_relevant",
        "coordinator_button_reply",
        "coordinator_notice_language",
        "coordinator_notice_new",
        "coordinator_notice_shortened",
        "coordinator_notice_status",
        "coordinator_notice_updated",
    }
)
CONTACTED, NOT_RELEVANT, REPLY = "ln:contacted", "ln:not_relevant", "ln:reply"
RETRY_EVERY = 600  # seconds between two runs of the job sending queued notices


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
        return [text], markup(notice_buttons(services, lang))

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
    texts = services.content.texts
    status = texts.get(f"coordinator_status_{lead.status}", lang)
    status_line = status_line or texts.get("coordinator_notice_status", lang, status=status)
    head = texts.get("coordinator_notice_updated" if updated else "coordinator_notice_new", lang)
    language = texts.get(
        "coordinator_notice_language", lang, language=language_name(texts, lead.language)
    )

    def render(shown: Lead, shortened: bool) -> str:
        details = services.content.form.details(shown.as_dict(), lang)
        note = f"\n{texts.get('coordinator_notice_shortened', lang)}" if shortened else ""
        return f"{head}\n\n{details}{note}\n{language}\n{status_line}"

    text = render(lead, False)
    message = lead.message or ""
    while html_length(text) > MESSAGE_LIMIT and message:
        excess = html_length(text) - MESSAGE_LIMIT
        message = message[: max(len(message) - max(excess // 6, 1) - 1, 0)]
        text = render(replace(lead, message=f"{message}…"), True)
    return text


def notice_buttons(services: Services, lang: str) -> list[list[Button]]:
    """Contacted, Not relevant (one row) and Reply to student under a notice."""
    texts = services.content.texts
    return [
        [
            Button(texts.get("coordinator_button_contacted", lang), CONTACTED),
            Button(texts.get("coordinator_button_not_relevant", lang), NOT_RELEVANT),
        ],
        [Button(texts.get("coordinator_button_reply", lang), REPLY)],
    ]
