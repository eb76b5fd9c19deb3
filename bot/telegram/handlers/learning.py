"""Coordinators keep the bot learning: ``/unanswered`` (the questions it could not answer,
grouped, each group added as examples of an entry or ignored) and ``/reload``.

Everything here is for coordinators only: the commands are registered behind
:func:`only_coordinators` and the buttons behind the same list, so for a student they do not
exist (the unknown-command reply, the stale-button answer). A button names a short stored
group id (``un:add:<group>:<n>``); which questions it stands for is read from the database.
"""

from __future__ import annotations

import html
from datetime import timedelta

from telegram import Message, Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.content.buttons import Button
from bot.content.knowledge import KnowledgeError
from bot.content.learned import (
    count,
    load_learned,
)
from bot.storage import IGNORED, ReviewGroup
from bot.telegram import callbacks
from bot.telegram.content import learn_group, learned_path
from bot.telegram.context import App, BotContext, Services, services_of
from bot.telegram.coordinators import CoordinatorButtonHandler, only_coordinators
from bot.telegram.handlers.common import answer_query, send, show, user_language
from bot.understanding.answers import Assistant
from bot.understanding.grouping import Phrase, group_between, pick_samples

TEXTS = frozenset(
    {
        "button_add_example",
        "button_edit_example",
        "button_invalid",
        "button_ignore",
        "reload_done",
        "reload_failed",
        "unanswered_done",
        "unanswered_edit_cancelled",
        "unanswered_edit_prompt",
        "unanswered_failed",
        "unanswered_gone",
        "unanswered_group",
        "unanswered_ignored",
        "unanswered_learned",
        "unanswered_nearest",
        "unanswered_no_nearest",
        "unanswered_none",
        "unanswered_usage",
    }
)

DEFAULT_DAYS, MAX_DAYS = 30, 365
MAX_QUESTIONS = 500  # newest unreviewed questions grouped per listing
SAMPLES, SAMPLE_CHARS = 3, 300
MAX_PROBLEMS = 10  # the first problems listed in one reply (10 × 300 characters: under 4,096)
PATTERN = callbacks.family("un")  # on_button takes exactly _VALUES numbers after each verb
# un:add:<group>:<entry>, un:edit:<group>:<entry>, un:ign:<group>, un:pg:<listing>:<index>
_VALUES = {"add": 2, "edit": 2, "ign": 1, "pg": 2}
EDITING = "learning_edit"  # user_data: the group and entry the coordinator's next text is for
MAX_WRITTEN = 10  # phrasings taken from one message of the "Edit" step


# --------------------------------------------------------------------------- /unanswered


async def unanswered(update: Update, context: BotContext) -> None:
    """``/unanswered [days]``: group the questions of the last days (across languages when the
    matcher has its sentence encoder) and show the first group."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    texts = services.content.texts
    args = context.args or []
    if len(args) > 1 or (args and not (args[0].isdigit() and 1 <= int(args[0]) <= MAX_DAYS)):
        await send(update, texts.get("unanswered_usage", lang, limit=MAX_DAYS))
        return
    days = int(args[0]) if args else DEFAULT_DAYS
    assistant = services.content.assistant
    questions = await services.storage.unreviewed_questions(
        timedelta(days=days), assistant.config.answer_threshold, MAX_QUESTIONS
    )
    if not questions:
        await send(update, texts.get("unanswered_none", lang, days=days))
        return
    phrases = [Phrase(q.id, q.text) for q in questions]
    groups = await group_between(assistant, phrases)  # in steps: students are answered meanwhile
    listing = await services.storage.save_listing([(g.ids, g.entries) for g in groups])
    text, rows = await _page(services, listing, 0, lang)
    await send(update, text, rows)


async def _page(
    services: Services, listing: int, index: int, lang: str
) -> tuple[str, list[list[Button]]]:
    """Group ``index`` of a listing (the groups still to review), with its buttons."""
    texts, kb = services.content.texts, services.content.assistant.kb
    groups = await services.storage.listing_groups(listing)
    if not groups:
        return texts.get("unanswered_done", lang), []
    index = min(max(index, 0), len(groups) - 1)
    group = groups[index]
    entries = [e for e in group.entries if e in kb.entries]
    titles = " · ".join(f"<b>{html.escape(kb.title(e, lang))}</b>" for e in entries)
    nearest = (
        texts.get("unanswered_nearest", lang, titles=titles)
        if entries
        else texts.get("unanswered_no_nearest", lang)
    )
    text = texts.get(
        "unanswered_group",
        lang,
        number=index + 1,
        total=len(groups),
        count=len(group.questions),
        samples="\n".join(
            f"• <i>{html.escape(s)}</i>" for s in _samples(services.content.assistant, group)
        ),
        nearest=nearest,
    )
    rows: list[list[Button]] = [
        [
            Button(
                texts.get("button_add_example", lang, title=kb.title(entry_id, lang)),
                f"un:add:{group.id}:{group.entries.index(entry_id)}",
            ),
            Button(
                texts.get("button_edit_example", lang),
                f"un:edit:{group.id}:{group.entries.index(entry_id)}",
            ),
        ]
        for entry_id in entries
    ]
    rows.append([Button(texts.get("button_ignore", lang), f"un:ign:{group.id}")])
    navigation = []
    if index > 0:
        navigation.append(Button(f"◀️ {index}/{len(groups)}", f"un:pg:{listing}:{index - 1}"))
    if index < len(groups) - 1:
        navigation.append(Button(f"{index + 2}/{len(groups)} ▶️", f"un:pg:{listing}:{index + 1}"))
    if navigation:
        rows.append(navigation)
    return text, rows


def _samples(assistant: Assistant, group: ReviewGroup) -> list[str]:
    """Up to three different phrasings, newest first, one of each language the group was
    asked in first (as the matcher reads it), shortened if very long."""
    phrasings = [
        (" ".join(q.text.split()), assistant.matcher.language(q.text)) for q in group.questions
    ]
    return [
        s if len(s) <= SAMPLE_CHARS else s[: SAMPLE_CHARS - 1] + "…"
        for s in pick_samples(phrasings, SAMPLES)
    ]


# --------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: BotContext) -> None:
    """Add a group as examples of an entry, ignore it, or turn the page."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    parts = callbacks.parse(update.callback_query.data if update.callback_query else None)
    verb, *values = parts[1:] if parts and len(parts) > 1 else ("",)
    numbers = [callbacks.number(value) for value in values]
    invalid = services.content.texts.get("button_invalid", lang)
    if None in numbers or len(numbers) != _VALUES.get(verb):
        await answer_query(update, invalid)  # forged: 20 digits, "²", "07"…
        return
    if verb == "pg":
        await _turn_page(update, services, numbers[0] or 0, numbers[1] or 0, lang)
        return
    group = await services.storage.review_group(numbers[0] or 0)
    if group is None or group.resolved is not None or not group.questions:
        await _gone(update, services, lang)
        return
    shown = [g.id for g in await services.storage.listing_groups(group.listing)]
    index = shown.index(group.id) if group.id in shown else 0
    if verb == "ign":
        ignored = await services.storage.resolve_group(group.id, IGNORED)
        notice = services.content.texts.get("unanswered_ignored", lang, count=ignored)
    else:
        position = numbers[1] or 0
        entry_id = group.entries[position] if position < len(group.entries) else ""
        if entry_id not in services.content.assistant.kb.entries:
            await _gone(update, services, lang)
            return
        if verb == "edit":
            await _ask_phrasing(update, context, group, entry_id, lang)
            return
        learned = await _learn(update, services, group, entry_id, lang)
        if learned is None:
            return
        title = html.escape(services.content.assistant.kb.title(entry_id, lang))
        notice = services.content.texts.get("unanswered_learned", lang, count=learned, title=title)
    text, rows = await _page(services, group.listing, index, lang)
    await show(update, f"{notice}\n\n{text}", rows)


async def _turn_page(
    update: Update, services: Services, listing: int, index: int, lang: str
) -> None:
    """Show another group of the listing; a page that does not exist is no longer valid."""
    if index >= len(await services.storage.listing_groups(listing)):
        await answer_query(update, services.content.texts.get("button_invalid", lang))
        return
    text, rows = await _page(services, listing, index, lang)
    await show(update, text, rows)


async def _ask_phrasing(
    update: Update, context: BotContext, group: ReviewGroup, entry_id: str, lang: str
) -> None:
    """ "Edit": the coordinator's next message holds the phrasing(s) to learn instead of what
    the students typed (without names or details), one per line."""
    services = context.services
    if context.user_data is not None:
        context.user_data[EDITING] = {"group": group.id, "entry": entry_id}
    title = html.escape(services.content.assistant.kb.title(entry_id, lang))
    await answer_query(update)
    await send(update, services.content.texts.get("unanswered_edit_prompt", lang, title=title))


async def take_phrasing(update: Update, context: BotContext) -> None:
    """The coordinator's phrasing after "Edit": learned as examples of the chosen entry (the
    group is then handled), and the listing goes on."""
    services, message = context.services, update.effective_message
    editing = context.user_data.pop(EDITING, None) if context.user_data is not None else None
    if message is None or not message.text or not isinstance(editing, dict):
        return
    lang = await user_language(services, update.effective_user)
    group = await services.storage.review_group(int(editing.get("group", 0)))
    entry_id = str(editing.get("entry", ""))
    if (
        group is None
        or group.resolved is not None
        or entry_id not in services.content.assistant.kb.entries
    ):
        await send(update, services.content.texts.get("unanswered_gone", lang))
        return
    written = [" ".join(line.split()) for line in message.text.splitlines() if line.strip()]
    learned = await _learn(update, services, group, entry_id, lang, written=written[:MAX_WRITTEN])
    if learned is None:
        return
    title = html.escape(services.content.assistant.kb.title(entry_id, lang))
    notice = services.content.texts.get("unanswered_learned", lang, count=learned, title=title)
    shown = [g.id for g in await services.storage.listing_groups(group.listing)]
    index = shown.index(group.id) if group.id in shown else 0
    text, rows = await _page(services, group.listing, index, lang)
    await send(update, f"{notice}\n\n{text}", rows)


async def cancel_phrasing(update: Update, context: BotContext) -> None:
    """/cancel after "Edit": nothing is learned."""
    if context.user_data is not None:
        context.user_data.pop(EDITING, None)
    lang = await user_language(context.services, update.effective_user)
    await send(update, context.services.content.texts.get("unanswered_edit_cancelled", lang))


class _Editing(filters.MessageFilter):
    """Messages of a coordinator who pressed "Edit" and has not written the phrasing yet."""

    def __init__(self, app: App) -> None:
        super().__init__(name="EditingExample")
        self._app = app

    def filter(self, message: Message) -> bool:
        user = message.from_user
        data = self._app.user_data.get(user.id) if user is not None else None
        return bool(data and data.get(EDITING))


async def _learn(
    update: Update,
    services: Services,
    group: ReviewGroup,
    entry_id: str,
    lang: str,
    *,
    written: list[str] | None = None,
) -> int | None:
    """:func:`bot.telegram.content.learn_group`; on a problem, nothing changes and the problems
    are shown (None)."""
    try:
        return await learn_group(services, group, entry_id, written)
    except KnowledgeError as error:
        text = services.content.texts.get("unanswered_failed", lang, problems=_problems(error))
        await show(update, text)
        return None


async def _gone(update: Update, services: Services, lang: str) -> None:
    """A button of a group already handled (or of a list too old to keep)."""
    notice = services.content.texts.get("unanswered_gone", lang)
    await show(update, notice, notice=notice)


# --------------------------------------------------------------------------- /reload


async def reload_command(update: Update, context: BotContext) -> None:
    """``/reload``: re-read knowledge, conversations and learned examples; keep the running
    version and list the problems if anything is invalid."""
    services = context.services
    lang = await user_language(services, update.effective_user)
    async with services.content.lock:
        try:
            content = await services.content.reload()
        except KnowledgeError as error:
            texts = services.content.texts
            await send(update, texts.get("reload_failed", lang, problems=_problems(error)))
            return
    kb, texts = content.assistant.kb, content.texts
    path = learned_path(services.settings)
    learned = count(load_learned(path, kb)) if path.exists() else 0
    examples = sum(len(p) for e in kb.entries.values() for p in e.examples.values())
    await send(
        update,
        texts.get(
            "reload_done",
            lang,
            entries=len(kb.entries),
            items=len(kb.items),
            examples=examples,
            learned=learned,
        ),
    )


def _problems(error: KnowledgeError) -> str:
    """The problems as lines, escaped, at most :data:`MAX_PROBLEMS` of them."""
    lines = [f"• {html.escape(p[:300])}" for p in error.problems[:MAX_PROBLEMS]]
    if len(error.problems) > MAX_PROBLEMS:
        lines.append(f"• … (+{len(error.problems) - MAX_PROBLEMS})")
    return "\n".join(lines)


# --------------------------------------------------------------------------- registration


def register(app: App) -> None:
    """``/unanswered`` (in a private chat), ``/reload`` and the review buttons, for
    coordinators only."""
    coordinators = only_coordinators(services_of(app).settings)
    # What students typed is shown in a coordinator's private chat only, never in a group.
    private = filters.ChatType.PRIVATE
    editing = coordinators & private & _Editing(app)
    app.add_handler(CommandHandler("cancel", cancel_phrasing, filters=editing))
    text = filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(editing & text, take_phrasing))
    app.add_handler(CommandHandler("unanswered", unanswered, filters=coordinators & private))
    app.add_handler(CommandHandler("reload", reload_command, filters=coordinators))
    app.add_handler(CoordinatorButtonHandler(services_of(app).settings, on_button, PATTERN))
