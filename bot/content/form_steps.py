"""The typed steps of the sign-up form (``conversations/signup.yaml``): a question, its kind
and the keys of its texts."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("text", "email", "choice", "areas", "month", "consent")
TEXT_KINDS = ("text", "email")


@dataclass(frozen=True)
class Category:
    """A group of areas of interest: the named items of some knowledge-base lists."""

    id: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Step:
    """One question of the form. ``id`` is the Lead field it fills (or ``consent``)."""

    id: str
    kind: str
    number: int
    max_length: int = 0
    optional: bool = False
    multiline: bool = False
    choices: tuple[str, ...] = ()
    columns: int = 1
    categories: tuple[Category, ...] = ()
    max_choices: int = 0
    buttons: int = 0
    months_ahead: int = 0
    free_length: int = 0
    free_pattern: str = ""

    @property
    def prompt_key(self) -> str:
        return f"signup_{self.id}_prompt"

    @property
    def label_key(self) -> str:
        return f"signup_field_{self.id}"

    def choice_key(self, choice: str) -> str:
        """The text of a choice, category or consent answer (``yes``/``no``)."""
        return f"signup_{self.id}_{choice}"

    def category(self, category_id: str | None) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)
