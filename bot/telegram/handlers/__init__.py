"""Telegram handlers, one module per feature. ``register_all`` fixes their order.

Each feature module exposes ``register(app)`` and ``TEXTS``, the UI text keys it uses; they
are checked in every language before anything is registered, so a missing or misspelt key
stops the start instead of failing in the middle of a student's chat.
"""

from __future__ import annotations

from importlib import import_module
from pkgutil import iter_modules

from bot.telegram.context import App, services_of
from bot.telegram.handlers import (
    announce,
    coordinator_help,
    digest,
    errors,
    exports,
    fallback,
    groups,
    guard,
    handoff,
    inline,
    language,
    learning,
    mydata,
    navigation,
    notices,
    questions,
    signup,
    start,
    stats,
    stop,
)

# Every handler module of this package (the shared helpers aside), found rather than listed:
# a new feature's TEXTS are checked without being registered anywhere else.
FEATURES = tuple(
    import_module(f"{__name__}.{module.name}")
    for module in iter_modules(__path__)
    if module.name != "common"
)


def register_all(app: App) -> None:
    """Register every handler. Within a group the first matching handler wins, so order
    matters."""
    texts = services_of(app).content.texts
    for feature in FEATURES:
        texts.require(feature.TEXTS, "conversations/texts.yaml")
    guard.register(app)  # group -1: drops message floods before anything else runs
    inline.register(app)  # inline queries; answer cards students send through inline mode
    # Every update of a group (but the coordinators' chat) is handled, or ignored, here, so
    # nothing below ever answers in a group, even though those features are private-only too.
    groups.register(app)
    handoff.register_coordinators(app)  # coordinators' replies, buttons and /handoffs
    announce.register(app)  # coordinators writing an announcement (before the form's texts)
    stats.register(app)  # coordinators' /stats
    # the sign-up form owns the messages of a student filling it in (/forget aside)
    signup.register(app, kept=mydata.forget_handlers())
    handoff.register(app)  # the student's side of a conversation with the coordinators
    notices.register(app)  # the buttons of sign-up notices (coordinators only)
    coordinator_help.register(app)  # /coordinator, and /help for coordinators
    start.register(app)  # /start and deep links, /help, /menu
    language.register(app)  # /language and its buttons
    mydata.register(app)  # /mydata, /forget
    digest.register(app)  # /digest (coordinators only)
    exports.register(app)  # /leads (coordinators only)
    learning.register(app)  # coordinators: /unanswered, its buttons, /reload
    stop.register(app)  # /stop and the button under announcements
    navigation.register(app)  # menu, item-list and topic buttons
    questions.register(app)  # any other text: answered by the matcher
    navigation.register_stale(app)  # buttons nobody recognised
    fallback.register(app)  # unknown commands, photos and stickers
    errors.register(app)  # the global error handler
