"""A heartbeat for container health checks: while the bot's event loop runs, a job touches
``BOT_DATA_DIR/heartbeat`` every ``HEARTBEAT_SECONDS``; ``python -m bot health`` checks that
the file is fresh and the database readable (Docker's ``HEALTHCHECK``)."""

from __future__ import annotations

import logging

from bot.settings import HEARTBEAT_SECONDS
from bot.telegram.context import App, BotContext

_LOGGER = logging.getLogger(__name__)
JOB_NAME = "heartbeat"


async def beat(context: BotContext) -> None:
    """Touch the heartbeat file (a failure is logged: the health check will then say so)."""
    try:
        context.services.settings.heartbeat_path.touch()
    except OSError as error:
        _LOGGER.warning("heartbeat not written: %s", type(error).__name__)


def schedule(app: App) -> None:
    """Beat now and every ``HEARTBEAT_SECONDS`` while the application runs."""
    assert app.job_queue is not None  # retention.schedule has checked it
    # Jobs are scheduled when the application is built, before the job queue starts: a
    # repeating job's first run then moves a whole interval later, a one-off job runs at start
    # (however late: no misfire grace).
    app.job_queue.run_once(beat, 0, name=JOB_NAME, job_kwargs={"misfire_grace_time": None})
    app.job_queue.run_repeating(beat, interval=HEARTBEAT_SECONDS, name=JOB_NAME)
