"""The screens of the sign-up form: each step's question with its buttons, the areas of
interest as paged categories, the summary and the choice of a field to edit."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from bot.content.buttons import in_columns
from bot.content.form_steps import Step
from bot.content.forms import SUMMARY, add_months, month_value
from bot.content.pager import page_buttons, paginate
from bot.understanding.answers import Button

if TYPE_CHECKING:
    from bot.telegram.signup.turn import Turn

Rows = list[list[Button]]
Screen = tuple[str, Rows]


def screen(turn: Turn) -> Screen:
    """The question of the draft's step (or the summary), with its buttons."""
    step = turn.form.step(turn.draft["step"])
    if step is None:
        return summary_screen(turn)
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
            [button(turn, step, label, value) for label, value in labels], columns
        )
    ]


def button(turn: Turn, step: Step | None, label: str, value: str) -> Button:
    return Button(label, f"su:{step.id if step else SUMMARY}:{value}")


def _areas_screen(turn: Turn, step: Step) -> Screen:
    """The categories, or one category's areas as paged ✓ buttons."""
    chosen: list[str] = turn.draft["answers"].get(step.id) or []
    summary = (
        turn.text("signup_interests_chosen", areas=turn.form.value_html(step, chosen, turn.lang))
        if chosen
        else turn.text("signup_interests_none")
    )
    done = [button(turn, step, turn.text("signup_button_done"), "done")] if chosen else []
    category = step.category(turn.draft["category"])
    if category is None:
        rows = [
            [button(turn, step, turn.text(step.choice_key(c.id)), f"cat:{c.id}")]
            for c in step.categories
        ]
        rows.append([button(turn, step, turn.text("signup_button_not_sure"), "unsure"), *done])
        return f"{turn.text(step.prompt_key)}\n\n{summary}", rows
    page = paginate(len(category.items), turn.draft["page"], turn.form.page_size)
    rows = [[_area_button(turn, step, item, item in chosen)] for item in page.of(category.items)]
    action = f"su:{step.id}:page"
    paging = list(page_buttons(page, lambda n: f"{action}:{n}", turn.texts, turn.lang))
    back = button(turn, step, turn.text("signup_button_categories"), "back")
    rows += [paging, [back, *done]]
    title = html.escape(turn.text(step.choice_key(category.id)))
    return f"{turn.text('signup_interests_category', category=title)}\n\n{summary}", rows


def _area_button(turn: Turn, step: Step, item: str, selected: bool) -> Button:
    label = turn.form.kb.title(item, turn.lang)
    if selected:
        return button(turn, step, f"✓ {label}", f"del:{item}")
    return button(turn, step, label, f"add:{item}")


def summary_screen(turn: Turn) -> Screen:
    details = turn.form.details(turn.draft["answers"], turn.lang)
    rows = [
        [
            button(turn, None, turn.text("signup_button_confirm"), "confirm"),
            button(turn, None, turn.text("signup_button_edit"), "edit"),
        ]
    ]
    return turn.text("signup_summary", details=details), rows


def edit_screen(turn: Turn) -> Screen:
    fields = [button(turn, None, turn.text(s.label_key), f"field:{s.id}") for s in turn.form.fields]
    back = button(turn, None, turn.text("signup_button_back"), "back")
    return turn.text("signup_edit_prompt"), [*(list(row) for row in in_columns(fields, 2)), [back]]
