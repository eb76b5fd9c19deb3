"""The coordinators' console: a Telegram Mini App served by the bot's own process.

:func:`install` is the one hook: it makes the application start the console's server after
its ``post_init`` and stop it at ``post_shutdown`` — only when ``BOT_WEB_URL`` is set.
"""

from __future__ import annotations

from typing import Any


def install(application: Any) -> None:
    """Chain the console's start and stop onto ``application``'s post_init/post_shutdown;
    without ``BOT_WEB_URL`` nothing at all (not even an import)."""
    from bot.telegram.context import services_of

    if not services_of(application).settings.web_url:
        return
    from bot.web import server  # the handlers, only for a bot whose console is on

    started, stopped = application.post_init, application.post_shutdown

    async def post_init(app: Any) -> None:
        if started is not None:
            await started(app)
        await server.start(app)

    async def post_shutdown(app: Any) -> None:
        await server.stop(app)
        if stopped is not None:
            await stopped(app)

    application.post_init, application.post_shutdown = post_init, post_shutdown
