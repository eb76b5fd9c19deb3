"""The sign-up form: a persistent ConversationHandler whose states are the step ids of
``conversations/signup.yaml`` (plus ``summary``).

The draft in ``user_data`` is the truth; it is committed before the reply that shows its
effect, so a killed bot never shows a step it would not remember. The conversation state only
mirrors it: every state accepts the same handlers, which act on the draft's step, and a draft
without a conversation (killed between the two writes) is picked up by an entry point.
Repeated updates are tolerated: a re-delivered update is recognised by its id, a re-sent answer
(typed again before the next question arrived) by its text, a re-pressed button by the step
named in its callback data (``1|su:<step>:<value>``).
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.content.buttons import in_columns
from bot.content.form_answers import clean, valid_email
from bot.content.form_steps import TEXT_KINDS, Step
from bot.content.forms import SUMMARY, Draft, Form, add_months, month_value, new_draft
from bot.content.languages import LANGUAGES
from bot.content.pager import page_buttons, paginate
from bot.content.texts import Texts
from bot.storage import Lead
from bot.storage.state import FOCUS_KEY
from bot.telegram import callbacks, notices
from bot.telegram.context import DRAFT, App, BotContext, services_of
from bot.telegram.handlers.common import (
    PRIVATE,
    PrivateButtons,
    answer_query,
    chosen_language,
    command,
    persistent_conversation,
    reply_rows,
    send,
    show,
    user_language,
)
from bot.telegram.sharing import MAX_QUESTION
from bot.understanding.answers import ANSWER, Button
from bot.understanding.context import Dialogue, Focus

TEXTS = frozenset(
    {
        "button_invalid",
        "signup_already_saved",
        "signup_cancelled",
        "signup_closed",
        "signup_reminder",
        "signup_button_continue",
        "signup_button_cancel",
    }
)
RESUME, STOP = "resume:yes", "resume:no"  # the reminder's buttons (values of the current step)

NAME = "signup"  # the ConversationHandler's name
END = ConversationHandler.END
PATTERN = callbacks.family("su")
DEEP_LINK = r"^/start(@\w+)?\s+signup\s*$"
SEEN = 20  # update ids remembered per draft

State = str | int | None
Rows = list[list[Button]]
Screen = tuple[str, Rows]


def form_of(context: BotContext) -> Form:
    """The form loaded at start."""
    return context.services.form


def _draft(context: BotContext) -> Draft | None:
    data = context.user_data
    return cast(Draft, data[DRAFT]) if data is not None and DRAFT in data else None


# --------------------------------------------------------------------------- one turn


@dataclass
class Turn:
    """One update of a student whose form is open: the draft, the language, the replies."""

    update: Update
    context: BotContext
    draft: Draft
    lang: str

    @property
    def form(self) -> Form:
        return form_of(self.context)

    @property
    def texts(self) -> Texts:
        return self.form.texts

    @property
    def today(self) -> date:
        return datetime.now(self.context.services.settings.tzinfo).date()

    def text(self, key: str, **values: object) -> str:
        return self.texts.get(key, self.lang, **values)

    def first_time(self) -> bool:
        """False for an update already handled (re-delivered after a restart)."""
        seen, update_id = self.draft["seen"], self.update.update_id
        if update_id in seen:
            return False
        self.draft["seen"] = [*seen[-(SEEN - 1) :], update_id]
        return True

    async def ask_unless_shown(self) -> None:
        """An update handled before (a crash, then redelivered): ask the question again only if
        the state says it was never shown (killed between the commit and the reply)."""
        if self.draft["shown"] is None:
            await self.ask()

    def is_resend(self, message: Message) -> bool:
        """The previous answer typed again before its next question was shown."""
        shown, sent = self.draft["shown"], int(message.date.timestamp())
        return message.text == self.draft["last_text"] and (shown is None or sent <= shown)

    async def commit(self) -> None:
        """Write the student's user_data (the draft) now, before the reply that shows it."""
        persistence = self.context.application.persistence
        user, data = self.update.effective_user, self.context.user_data
        if persistence is not None and user is not None and data is not None:
            await persistence.update_user_data(user.id, data)

    async def ask(self, lead: str | None = None) -> None:
        """Send the current question as a new message, ``lead`` above it."""
        text, rows = screen(self)
        message = await send(self.update, f"{lead}\n\n{text}" if lead else text, rows)
        self.draft["shown"] = int(message.date.timestamp()) if message else None
        self.draft["run"] = self.context.services.started

    async def repeat(self, key: str, **values: object) -> None:
        """Explain (text ``key``) and ask the same question again."""
        await self.ask(self.text(key, **values))

    async def move(self, step: str, *, editing: bool = False, typed: str | None = None) -> None:
        """Go to ``step`` and commit the draft."""
        self.draft["step"], self.draft["editing"] = step, editing
        self.draft["category"], self.draft["page"] = None, 0
        self.draft["shown"], self.draft["last_text"] = None, typed
        await self.commit()
        await answer_query(self.update)

    async def advance(self, *, typed: str | None = None, echo: str | None = None) -> None:
        """The answer is in the draft: commit it, then ask the next question (after an edit:
        show the summary again). ``echo`` repeats a pressed button's answer."""
        after = SUMMARY if self.draft["editing"] else self.form.after(self.draft["step"])
        await self.move(after, typed=typed)
        await self.ask(self.text("signup_echo", answer=echo) if echo else None)

    async def close(self) -> None:
        """Discard the draft (committed)."""
        if self.context.user_data is not None:
            self.context.user_data.pop(DRAFT, None)
        await self.commit()
        await answer_query(self.update)


# --------------------------------------------------------------------------- screens


def screen(turn: Turn) -> Screen:
    """The question of the draft's step (or the summary), with its buttons."""
    step = turn.form.step(turn.draft["step"])
    if step is None:
        return _summary_screen(turn)
    head = turn.text("signup_progress", number=step.number, total=len(turn.form.steps))
    if step.kind == "areas":
        text, rows = _areas_screen(turn, step)
    elif step.kind == "consent":
        days = turn.context.services.settings.retention_days
        text, rows = turn.text(step.prompt_key, days=days), _step_buttons(turn, step)
    else:
        text, rows = turn.text(step.prompt_key), _step_buttons(turn, step)
    return f"{head}\n{text}", rows


def _step_buttons(turn: Turn, step: Step) -> Rows:
    if step.kind == "month":
        months = [month_value(*add_months(turn.today, n)) for n in range(1, step.buttons + 1)]
        labels = [(turn.form.month_label(m, turn.lang), m) for m in months]
    elif step.kind == "consent":
        labels = [(turn.text(step.choice_key(v)), v) for v in ("yes", "no")]
    elif step.optional:
        labels = [(turn.text("signup_button_skip"), "skip")]
    else:
        labels = [(turn.text(step.choice_key(c)), c) for c in step.choices]
    columns = 2 if step.kind == "consent" else step.columns
    return [
        list(row)
        for row in in_columns(
            [_button(turn, step, label, value) for label, value in labels], columns
        )
    ]


def _button(turn: Turn, step: Step | None, label: str, value: str) -> Button:
    return Button(label, f"su:{step.id if step else SUMMARY}:{value}")


def _areas_screen(turn: Turn, step: Step) -> Screen:
    """The categories, or one category's areas as paged ✓ buttons."""
    chosen: list[str] = turn.draft["answers"].get(step.id) or []
    summary = (
        turn.text("signup_interests_chosen", areas=turn.form.value_html(step, chosen, turn.lang))
        if chosen
        else turn.text("signup_interests_none")
    )
    done = [_button(turn, step, turn.text("signup_button_done"), "done")] if chosen else []
    category = step.category(turn.draft["category"])
    if category is None:
        rows = [
            [_button(turn, step, turn.text(step.choice_key(c.id)), f"cat:{c.id}")]
            for c in step.categories
        ]
        rows.append([_button(turn, step, turn.text("signup_button_not_sure"), "unsure"), *done])
        return f"{turn.text(step.prompt_key)}\n\n{summary}", rows
    page = paginate(len(category.items), turn.draft["page"], turn.form.page_size)
    rows = [[_area_button(turn, step, item, item in chosen)] for item in page.of(category.items)]
    action = f"su:{step.id}:page"
    paging = list(page_buttons(page, lambda n: f"{action}:{n}", turn.texts, turn.lang))
    back = _button(turn, step, turn.text("signup_button_categories"), "back")
    rows += [paging, [back, *done]]
    title = html.escape(turn.text(step.choice_key(category.id)))
    return f"{turn.text('signup_interests_category', category=title)}\n\n{summary}", rows


def _area_button(turn: Turn, step: Step, item: str, selected: bool) -> Button:
    label = turn.form.kb.title(item, turn.lang)
    if selected:
        return _button(turn, step, f"✓ {label}", f"del:{item}")
    return _button(turn, step, label, f"add:{item}")


def _summary_screen(turn: Turn) -> Screen:
    details = turn.form.details(turn.draft["answers"], turn.lang)
    rows = [
        [
            _button(turn, None, turn.text("signup_button_confirm"), "confirm"),
            _button(turn, None, turn.text("signup_button_edit"), "edit"),
        ]
    ]
    return turn.text("signup_summary", details=details), rows


def _edit_screen(turn: Turn) -> Screen:
    fields = [
        _button(turn, None, turn.text(s.label_key), f"field:{s.id}") for s in turn.form.fields
    ]
    back = _button(turn, None, turn.text("signup_button_back"), "back")
    return turn.text("signup_edit_prompt"), [*(list(row) for row in in_columns(fields, 2)), [back]]


# --------------------------------------------------------------------------- starting


async def _form_language(update: Update, context: BotContext) -> str:
    """The form's language: the one chosen with /language, else the language of the message
    that started the form (kept in the draft), else the student's Telegram language."""
    user = update.effective_user
    chosen = await chosen_language(context.services, user)
    if chosen is not None:
        return chosen
    draft = _draft(context)
    if draft is not None and draft.get("lang") in LANGUAGES:
        return str(draft.get("lang"))
    message = update.effective_message
    typed = message.text if message is not None and update.callback_query is None else None
    if typed and not typed.startswith("/"):
        return context.services.assistant.matcher.language(typed)
    return await user_language(context.services, user)


def _state(context: BotContext) -> str | int:
    """The conversation state: the draft's step, or END when there is no draft."""
    draft = _draft(context)
    return draft["step"] if draft is not None else END


async def begin(update: Update, context: BotContext) -> State:
    """/signup, the Sign up button, ``/start signup`` or a typed wish: start the form, or
    continue an unfinished one where it stopped."""
    user = update.effective_user
    if user is None or context.user_data is None:
        return None
    await answer_query(update)
    lang = await _form_language(update, context)
    draft = _draft(context)
    if draft is not None:
        turn = Turn(update, context, draft, lang)
        if turn.first_time():
            await turn.ask(turn.text("signup_resume"))
        else:
            await turn.ask_unless_shown()
        return _state(context)
    had_lead = await context.services.storage.get_lead(user.id) is not None
    context.user_data[DRAFT] = draft = new_draft(
        form_of(context).first.id, had_lead, update.update_id
    )
    draft["lang"] = lang
    turn = Turn(update, context, draft, lang)
    await turn.commit()
    intro = turn.text("signup_intro")
    await turn.ask(f"{intro}\n{turn.text('signup_existing')}" if had_lead else intro)
    return _state(context)


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel: the draft is discarded."""
    user = update.effective_user
    lang = await _form_language(update, context)
    if user is not None:
        draft = _draft(context)
        if draft is not None:
            await Turn(update, context, draft, lang).close()
    await send(update, context.services.assistant.texts.get("signup_cancelled", lang))
    return END


# --------------------------------------------------------------------------- typed answers


async def on_text(update: Update, context: BotContext) -> State:
    """A message while the form is open: an answer, a question, or a re-sent answer."""
    message, user = update.effective_message, update.effective_user
    if message is None or message.text is None or user is None:
        return None
    lang = await _form_language(update, context)
    draft = _draft(context)
    if draft is None:
        return END
    turn = Turn(update, context, draft, lang)
    if not turn.first_time():
        await turn.ask_unless_shown()
    elif turn.is_resend(message):
        await turn.ask()
    else:
        await _typed(turn, message.text)
    return _state(context)


async def _typed(turn: Turn, text: str) -> None:
    """A typed message: the answer of a text step; at a button step, a choice named by its
    label (in any language), a month, or a free value the step allows. Otherwise a clear
    question is answered, and anything else is asked to use the buttons."""
    form, step = turn.form, turn.form.step(turn.draft["step"])
    kind = step.kind if step is not None else SUMMARY
    question = form.looks_like_question(text)
    if step is not None and kind in TEXT_KINDS:
        if question and await _answer_question(turn, text):
            return
        if _paused(turn) and not _fits(turn, step, text):
            await _remind(turn)
            return
        await _take_text(turn, step, text)
        return
    choice = form.match_choice(step, text) if step is not None and kind == "choice" else None
    month = form.parse_month(text) if kind == "month" else None
    if step is not None and choice is not None:
        turn.draft["answers"][step.id] = choice
        await turn.advance(typed=text, echo=turn.text(step.choice_key(choice)))
    elif step is not None and month is not None:
        await _take_month(turn, step, month, typed=text)
    elif question and await _answer_question(turn, text):
        return
    elif step is not None and (free := form.free_value(step, text)) is not None:
        turn.draft["answers"][step.id] = free
        await turn.advance(typed=text)
    elif _paused(turn):
        await _remind(turn)
    else:
        await turn.repeat("signup_month_invalid" if kind == "month" else "signup_use_buttons")


def _paused(turn: Turn) -> bool:
    """Whether the form's question was shown before a restart or a long pause (the idle time
    of the conversation): a message that does not fit it is probably not an answer."""
    shown = turn.draft["shown"]
    idle = turn.context.services.settings.context_idle_minutes * 60
    restarted = turn.draft.get("run") != turn.context.services.started
    return shown is None or restarted or time.time() - shown > idle


def _fits(turn: Turn, step: Step, text: str) -> bool:
    """Whether a typed text would be taken as the answer of a text step."""
    value = clean(text, step.multiline)
    if not value or len(value) > step.max_length:
        return False
    return step.kind != "email" or valid_email(value)


async def _remind(turn: Turn) -> None:
    """The form in progress, with Continue / Cancel, rather than a validation error."""
    step_id = turn.draft["step"]
    buttons = [
        [Button(turn.text("signup_button_continue"), f"su:{step_id}:{RESUME}")],
        [Button(turn.text("signup_button_cancel"), f"su:{step_id}:{STOP}")],
    ]
    message = await send(turn.update, turn.text("signup_reminder"), buttons)
    turn.draft["shown"] = int(message.date.timestamp()) if message else None
    turn.draft["run"] = turn.context.services.started


async def _answer_question(turn: Turn, text: str) -> bool:
    """Answer ``text`` if the assistant is confident, then ask the same question again."""
    services, user = turn.context.services, turn.update.effective_user
    if user is None or len(text) > MAX_QUESTION:
        return False
    reply = services.assistant.answer(text, turn.lang)
    if reply.kind != ANSWER:
        return False
    await services.storage.log_question(
        user.id,
        turn.lang,
        text,
        reply.intent,
        reply.score,
        kind=reply.kind,
        update_id=turn.update.update_id,
    )
    await send(turn.update, reply.text, reply_rows(reply))
    await turn.repeat("signup_back_to_form")
    return True


async def _take_text(turn: Turn, step: Step, text: str) -> None:
    value = clean(text, step.multiline)
    if not value:
        await turn.repeat("signup_empty")
    elif len(value) > step.max_length:
        await turn.repeat("signup_too_long", limit=step.max_length)
    elif step.kind == "email" and not valid_email(value):
        await turn.repeat("signup_email_invalid")
    else:
        turn.draft["answers"][step.id] = value
        await turn.advance(typed=text)


async def _take_month(
    turn: Turn, step: Step, month: tuple[int, int], *, typed: str | None = None
) -> None:
    """A month from next month (the first button) to ``months_ahead`` months away."""
    first, last = add_months(turn.today, 1), add_months(turn.today, step.months_ahead)
    if month < first or month > last:
        key, bound = ("signup_month_past", first) if month < first else ("signup_month_far", last)
        await turn.repeat(key, month=turn.form.month_label(month_value(*bound), turn.lang))
        return
    turn.draft["answers"][step.id] = value = month_value(*month)
    echo = None if typed else turn.form.month_label(value, turn.lang)
    await turn.advance(typed=typed, echo=echo)


# --------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: BotContext) -> State:
    """A button of the form (``1|su:<step>:<value>``)."""
    user = update.effective_user
    if user is None:
        return None
    parsed = _parse_action(update)
    lang = await _form_language(update, context)
    if parsed is None:  # forged: nothing the bot ever produced
        await answer_query(update, context.services.assistant.texts.get("button_invalid", lang))
        return None
    step_id, value = parsed
    draft = _draft(context)
    if draft is None:
        await _closed(update, context, lang, confirm=(step_id, value) == (SUMMARY, "confirm"))
        return END
    turn = Turn(update, context, draft, lang)
    step = turn.form.step(step_id)
    if not turn.first_time():
        if step is not None and step.kind == "areas" and step_id == draft["step"]:
            # Killed between the commit and the edit in place: show the screen again (an edit
            # already made is "not modified", which show() tolerates).
            await show(update, *screen(turn))
        else:
            await answer_query(update)
            await turn.ask_unless_shown()
    elif step_id != draft["step"]:
        await answer_query(update, turn.text("signup_stale"))
        await turn.ask()
    elif value == RESUME:
        await answer_query(update)
        await turn.ask()
    elif value == STOP:
        await turn.close()
        await send(update, turn.text("signup_cancelled"))
        return END
    elif step is None:
        await _summary_action(turn, value)
    else:
        await _step_action(turn, step, value)
    return _state(context)


def _parse_action(update: Update) -> tuple[str, str] | None:
    """(step, value) of a form button (``su:level:phd`` → ("level", "phd"), ``su:interests:
    page:2`` → ("interests", "page:2")), or None for data the bot never produces."""
    query = update.callback_query
    parts = callbacks.parse(query.data if query else None)
    if parts is None or len(parts) < 3 or parts[0] != "su" or len(parts) > 4:
        return None
    return parts[1], ":".join(parts[2:])


async def _closed(update: Update, context: BotContext, lang: str, *, confirm: bool) -> None:
    """A form button after the form ended; Confirm pressed again is answered properly."""
    services, user = context.services, update.effective_user
    texts = services.assistant.texts
    saved = confirm and user is not None and await services.storage.get_lead(user.id)
    if saved:
        await answer_query(update)
        await send(update, texts.get("signup_already_saved", lang))
    else:
        await answer_query(update, texts.get("signup_closed", lang))


async def _step_action(turn: Turn, step: Step, value: str) -> None:
    month = callbacks.month(value) if step.kind == "month" else None
    if step.kind == "areas":
        await _areas_action(turn, step, value)
    elif step.kind == "consent" and value in ("yes", "no"):
        await _consent(turn, agreed=value == "yes")
    elif step.kind == "choice" and value in step.choices:
        turn.draft["answers"][step.id] = value
        await turn.advance(echo=turn.text(step.choice_key(value)))
    elif month is not None:
        await _take_month(turn, step, month)
    elif step.optional and value == "skip":
        turn.draft["answers"][step.id] = None
        await turn.advance()
    else:
        await _invalid(turn)


async def _invalid(turn: Turn) -> None:
    """A value no button of this step carries (forged data): the form does not move."""
    await answer_query(turn.update, turn.text("button_invalid"))


async def _areas_action(turn: Turn, step: Step, value: str) -> None:
    """Categories, pages and ✓ edit the message in place; Done and Not sure move on.
    Buttons add or remove (never toggle), so a button pressed twice does no harm."""
    verb, _, arg = value.partition(":")
    category = step.category(turn.draft["category"])
    pages = paginate(len(category.items), 0, turn.form.page_size).count if category else 0
    page = callbacks.number(arg, below=pages) if verb == "page" else None
    known = any(arg in c.items for c in step.categories)
    if not (
        (verb in ("done", "unsure", "back") and not arg)
        or (verb in ("add", "del") and known)
        or (verb == "cat" and step.category(arg) is not None)
        or page is not None
    ):
        await _invalid(turn)
        return
    chosen: list[str] = turn.draft["answers"].setdefault(step.id, [])
    if verb in ("done", "unsure"):
        if verb == "unsure":
            chosen.clear()
        await turn.advance(echo=None if chosen else turn.text("signup_value_not_sure"))
        return
    if verb == "add" and arg not in chosen:
        if len(chosen) >= step.max_choices:
            limit = turn.text("signup_interests_limit", limit=step.max_choices)
            await answer_query(turn.update, limit)
            return
        chosen.append(arg)
    elif verb == "del" and arg in chosen:
        chosen.remove(arg)
    elif verb == "cat" and step.category(arg) is not None:
        turn.draft["category"], turn.draft["page"] = arg, 0
    elif page is not None:
        turn.draft["page"] = page
    elif verb == "back":
        turn.draft["category"] = None
    await turn.commit()
    await show(turn.update, *screen(turn))


async def _consent(turn: Turn, *, agreed: bool) -> None:
    """Yes: on to the summary. No: the draft is discarded and the student told."""
    if agreed:
        turn.draft["consent_at"] = datetime.now(UTC).isoformat()
        await turn.advance()
        return
    await turn.close()
    await send(turn.update, turn.text("signup_no_consent"))


# --------------------------------------------------------------------------- summary


async def _summary_action(turn: Turn, value: str) -> None:
    verb, _, arg = value.partition(":")
    if verb == "confirm":
        await _confirm(turn)
    elif verb == "field" and arg in {s.id for s in turn.form.fields}:
        await turn.move(arg, editing=True)
        await turn.ask()
    elif verb == "edit":
        await show(turn.update, *_edit_screen(turn))
    elif verb == "back":
        await show(turn.update, *_summary_screen(turn))
    else:
        await _invalid(turn)


def _missing(form: Form, draft: Draft) -> str | None:
    """The first question without a usable answer (normally none at the summary)."""
    answers = draft["answers"]
    for step in form.fields:
        if step.id not in answers or (answers[step.id] in (None, "") and not step.optional):
            return step.id
    return None if draft["consent_at"] else "consent"


def _lead(turn: Turn, user_id: int) -> Lead:
    answers = turn.draft["answers"]
    interests = [i for i in answers.get("interests") or [] if i in turn.form.kb.items]
    return Lead(
        user_id=user_id,
        name=answers["name"],
        email=answers["email"],
        university=answers.get("university"),
        country=answers.get("country"),
        level=answers.get("level"),
        interests=tuple(interests),
        duration=answers.get("duration"),
        start_month=answers.get("start_month"),
        message=answers.get("message"),
        language=turn.lang,
        consent_at=datetime.fromisoformat(turn.draft["consent_at"] or ""),
    )


async def _confirm(turn: Turn) -> None:
    """Store the lead (committed), close the form, then thank the student."""
    services, user = turn.context.services, turn.update.effective_user
    missing = _missing(turn.form, turn.draft)
    if missing is not None:  # only after a damaged draft: ask it, then back to the summary
        await turn.move(missing, editing=True)
        await turn.ask()
        return
    if user is None:
        return
    lead = _lead(turn, user.id)
    stored = await services.storage.get_lead(user.id)
    if stored is not None and stored.consent_at == lead.consent_at:
        updated = turn.draft["had_lead"]  # this Confirm was stored before a crash: not again
    else:
        updated = await services.storage.upsert_lead(lead) and turn.draft["had_lead"]
    # The notice's outbox is keyed by the sign-up, so a Confirm handled again sends none twice.
    await notices.lead_confirmed(turn.context, lead, updated=updated)
    await turn.close()
    key = "signup_updated" if updated else "signup_done"
    text = turn.text(key, name=html.escape(lead.name), email=html.escape(lead.email))
    await send(turn.update, text, [[services.assistant.menu_button(turn.lang)]])


# --------------------------------------------------------------------------- registration


class _HasDraft(filters.MessageFilter):
    """Messages of a student with an unfinished form (read from the application's user_data,
    so it also holds after a restart)."""

    def __init__(self, app: App) -> None:
        super().__init__(name="HasSignupDraft")
        self._app = app

    def filter(self, message: Message) -> bool:
        user = message.from_user
        return user is not None and DRAFT in self._app.user_data.get(user.id, {})


class _SignupWish(filters.MessageFilter):
    """A typed wish to sign up ("I'd like to register", "我想报名"), as the running assistant
    sees it (looked up at each message: ``/reload`` may have replaced it)."""

    def __init__(self, app: App) -> None:
        super().__init__(name="SignupWish")
        self._app = app

    def filter(self, message: Message) -> bool:
        text = message.text or ""
        if not 0 < len(text) <= MAX_QUESTION:
            return False
        user = message.from_user
        data = self._app.user_data.get(user.id, {}) if user is not None else {}
        focus = Focus.from_json(data.get(FOCUS_KEY))
        dialogue = Dialogue(services_of(self._app).assistant, focus)
        return dialogue.reply(text).intent == "signup"


def register(app: App, kept: Sequence[BaseHandler[Update, BotContext, Any]] = ()) -> None:
    """The sign-up conversation over the form loaded at start. ``kept`` are handlers of other
    features that stay available while the form is open (/forget and its buttons), given by
    :func:`bot.telegram.handlers.register_all`."""
    services = services_of(app)
    form = services.form
    private_text = filters.TEXT & ~filters.COMMAND & PRIVATE
    answers: MessageHandler[BotContext, object] = MessageHandler(
        private_text & _HasDraft(app), on_text
    )
    buttons: CallbackQueryHandler[BotContext, object] = PrivateButtons(on_button, pattern=PATTERN)
    wish: MessageHandler[BotContext, object] = MessageHandler(
        private_text & _SignupWish(app), begin
    )
    conversation = persistent_conversation(
        entry_points=[*_starts(), answers, buttons, wish],
        states={state: [answers, buttons] for state in [*(s.id for s in form.steps), SUMMARY]},
        fallbacks=[command("cancel", cancel), *kept, *_starts()],
        name=NAME,
    )
    app.add_handler(conversation)


def _starts() -> list[
    CommandHandler[BotContext, object] | CallbackQueryHandler[BotContext, object]
]:
    """/signup, ``/start signup`` and the Sign up button of menus and answers."""
    return [
        command("signup", begin),
        command("start", begin, filters.Regex(DEEP_LINK)),
        PrivateButtons(begin, pattern=callbacks.pattern("signup$")),
    ]
