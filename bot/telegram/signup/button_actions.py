"""Button presses of the sign-up form at a step (choices, areas, months, consent) and at the
summary (Confirm stores the lead and notifies the coordinators, Edit)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from bot.content.form_steps import Step
from bot.content.forms import Draft, Form
from bot.content.pager import paginate
from bot.storage import Lead
from bot.telegram import callbacks, notices
from bot.telegram.handlers.common import answer_query, send, show
from bot.telegram.signup.screens import edit_screen, screen, summary_screen
from bot.telegram.signup.turn import Turn
from bot.telegram.signup.typed_answers import take_month


async def step_action(turn: Turn, step: Step, value: str) -> None:
    month = callbacks.month(value) if step.kind == "month" else None
    if step.kind == "areas":
        await _areas_action(turn, step, value)
    elif step.kind == "consent" and value in ("yes", "no"):
        await _consent(turn, agreed=value == "yes")
    elif step.kind == "choice" and value in step.choices:
        turn.draft["answers"][step.id] = value
        await turn.advance(echo=turn.text(step.choice_key(value)))
    elif month is not None:
        await take_month(turn, step, month)
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


async def summary_action(turn: Turn, value: str) -> None:
    verb, _, arg = value.partition(":")
    if verb == "confirm":
        await _confirm(turn)
    elif verb == "field" and arg in {s.id for s in turn.form.fields}:
        await turn.move(arg, editing=True)
        await turn.ask()
    elif verb == "edit":
        await show(turn.update, *edit_screen(turn))
    elif verb == "back":
        await show(turn.update, *summary_screen(turn))
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
    await send(turn.update, text, [[services.content.assistant.menu_button(turn.lang)]])
