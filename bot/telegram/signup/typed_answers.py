"""Typed answers while the sign-up form is open: the answer of a text step, a choice named by
its label, a month, a clear question answered on the way, or a reminder of the form."""

from __future__ import annotations

import time

from bot.content.form_answers import clean, valid_email
from bot.content.form_steps import TEXT_KINDS, Step
from bot.content.forms import SUMMARY, add_months, month_value
from bot.telegram.handlers.common import reply_rows, send
from bot.telegram.sharing import MAX_QUESTION
from bot.telegram.signup.turn import RESUME, STOP, Turn
from bot.understanding.answers import ANSWER, Button


async def answer_typed(turn: Turn, text: str) -> None:
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
        await take_month(turn, step, month, typed=text)
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
    reply = services.content.assistant.answer(text, turn.lang)
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


async def take_month(
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
