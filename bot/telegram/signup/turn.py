"""One update of a student whose sign-up form is open (:class:`Turn`): the draft, the language
and the replies; where the form's draft, language and conversation state come from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from telegram import Message, Update
from telegram.ext import ConversationHandler

from bot.content.forms import SUMMARY, Draft, Form
from bot.content.languages import LANGUAGES
from bot.content.texts import Texts
from bot.telegram.context import DRAFT, BotContext
from bot.telegram.handlers.common import answer_query, chosen_language, send, user_language
from bot.telegram.signup.screens import screen

RESUME, STOP = "resume:yes", "resume:no"  # the reminder's buttons (values of the current step)
SEEN = 20  # update ids remembered per draft


def form_of(context: BotContext) -> Form:
    """The form loaded at start."""
    return context.services.content.form


def draft_of(context: BotContext) -> Draft | None:
    """The student's sign-up draft, if a form is open."""
    data = context.user_data
    return cast(Draft, data[DRAFT]) if data is not None and DRAFT in data else None


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
        return self.context.services.content.texts

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


async def form_language(update: Update, context: BotContext) -> str:
    """The form's language: the one chosen with /language, else the language of the message
    that started the form (kept in the draft), else the student's Telegram language."""
    user = update.effective_user
    chosen = await chosen_language(context.services, user)
    if chosen is not None:
        return chosen
    draft = draft_of(context)
    if draft is not None and draft.get("lang") in LANGUAGES:
        return str(draft.get("lang"))
    message = update.effective_message
    typed = message.text if message is not None and update.callback_query is None else None
    if typed and not typed.startswith("/"):
        return context.services.content.assistant.matcher.language(typed)
    return await user_language(context.services, user)


def conversation_state(context: BotContext) -> str | int:
    """The conversation state: the draft's step, or END when there is no draft."""
    draft = draft_of(context)
    return draft["step"] if draft is not None else ConversationHandler.END
