"""The sign-up form's handlers: a persistent ConversationHandler whose states are the step ids
of ``conversations/signup.yaml`` (plus ``summary``); the conversation itself is in
:mod:`bot.telegram.signup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.content.forms import SUMMARY, new_draft
from bot.storage.state import FOCUS_KEY
from bot.telegram import callbacks
from bot.telegram.context import DRAFT, App, BotContext, services_of
from bot.telegram.handlers.common import (
    PRIVATE,
    PrivateButtons,
    answer_query,
    command,
    persistent_conversation,
    send,
    show,
)
from bot.telegram.sharing import MAX_QUESTION
from bot.telegram.signup.button_actions import step_action, summary_action
from bot.telegram.signup.screens import screen
from bot.telegram.signup.turn import (
    RESUME,
    STOP,
    Turn,
    conversation_state,
    draft_of,
    form_language,
    form_of,
)
from bot.telegram.signup.typed_answers import answer_typed
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
NAME = "signup"  # the ConversationHandler's name
END = ConversationHandler.END
PATTERN = callbacks.family("su")
DEEP_LINK = r"^/start(@\w+)?\s+signup\s*$"

State = str | int | None


async def begin(update: Update, context: BotContext) -> State:
    """/signup, the Sign up button, ``/start signup`` or a typed wish: start the form, or
    continue an unfinished one where it stopped."""
    user = update.effective_user
    if user is None or context.user_data is None:
        return None
    await answer_query(update)
    lang = await form_language(update, context)
    draft = draft_of(context)
    if draft is not None:
        turn = Turn(update, context, draft, lang)
        if turn.first_time():
            await turn.ask(turn.text("signup_resume"))
        else:
            await turn.ask_unless_shown()
        return conversation_state(context)
    had_lead = await context.services.storage.get_lead(user.id) is not None
    context.user_data[DRAFT] = draft = new_draft(
        form_of(context).first.id, had_lead, update.update_id
    )
    draft["lang"] = lang
    turn = Turn(update, context, draft, lang)
    await turn.commit()
    intro = turn.text("signup_intro")
    await turn.ask(f"{intro}\n{turn.text('signup_existing')}" if had_lead else intro)
    return conversation_state(context)


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel: the draft is discarded."""
    user = update.effective_user
    lang = await form_language(update, context)
    if user is not None:
        draft = draft_of(context)
        if draft is not None:
            await Turn(update, context, draft, lang).close()
    await send(update, context.services.content.texts.get("signup_cancelled", lang))
    return END


# --------------------------------------------------------------------------- typed answers


async def on_text(update: Update, context: BotContext) -> State:
    """A message while the form is open: an answer, a question, or a re-sent answer."""
    message, user = update.effective_message, update.effective_user
    if message is None or message.text is None or user is None:
        return None
    lang = await form_language(update, context)
    draft = draft_of(context)
    if draft is None:
        return END
    turn = Turn(update, context, draft, lang)
    if not turn.first_time():
        await turn.ask_unless_shown()
    elif turn.is_resend(message):
        await turn.ask()
    else:
        await answer_typed(turn, message.text)
    return conversation_state(context)


async def on_button(update: Update, context: BotContext) -> State:
    """A button of the form (``1|su:<step>:<value>``)."""
    user = update.effective_user
    if user is None:
        return None
    parsed = _parse_action(update)
    lang = await form_language(update, context)
    if parsed is None:  # forged: nothing the bot ever produced
        await answer_query(update, context.services.content.texts.get("button_invalid", lang))
        return None
    step_id, value = parsed
    draft = draft_of(context)
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
        await summary_action(turn, value)
    else:
        await step_action(turn, step, value)
    return conversation_state(context)


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
    texts = services.content.texts
    saved = confirm and user is not None and await services.storage.get_lead(user.id)
    if saved:
        await answer_query(update)
        await send(update, texts.get("signup_already_saved", lang))
    else:
        await answer_query(update, texts.get("signup_closed", lang))


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
        dialogue = Dialogue(services_of(self._app).content.assistant, focus)
        return dialogue.reply(text).intent == "signup"


def register(app: App, kept: Sequence[BaseHandler[Update, BotContext, Any]] = ()) -> None:
    """The sign-up conversation over the form loaded at start. ``kept`` are handlers of other
    features that stay available while the form is open (/forget and its buttons), given by
    :func:`bot.telegram.handlers.register_all`."""
    services = services_of(app)
    form = services.content.form
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
