"""Sending announcements in the background, within Telegram's limits, resumable after a restart.

Every send goes through the application's rate limiter (``AIORateLimiter``: 30 messages a
second, retries after a 429). A few workers send concurrently so that the limiter, not the
round trip, sets the pace. Each recipient's outcome is committed right after the Bot API
answered; the next start resumes the announcements still ``sending`` with the recipients still
``pending`` (a ``run_once`` job). So a restart never sends anyone a second copy, except this
window: a process killed (SIGKILL, power loss) after Telegram delivered a message and before
its outcome was committed sends that message again after the restart — at most one student
per worker (:data:`WORKERS`). A clean stop (SIGTERM) lets the sends in flight finish and
records them. A send that timed out is recorded as ``failed`` and never retried: it may have
been delivered.

Right before each send the recipient is checked again: a student who used ``/stop`` or
``/forget`` since the announcement was confirmed is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, cast

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from bot.content.buttons import Button
from bot.content.texts import Texts
from bot.storage import Announcement, Recipient, Storage, StorageError
from bot.storage.announcements import BLOCKED, DONE, FAILED, PENDING, SENT
from bot.telegram.context import App, BotContext, services_of
from bot.telegram.keyboards import markup

_LOGGER = logging.getLogger(__name__)
ANNOUNCER = "announcer"  # its key in bot_data (which is not persisted)
WORKERS = 4
BATCH = 200  # recipients read from the database at a time
PROGRESS_INTERVAL = 3.0  # seconds between two edits of the progress message
MAX_RETRY_AFTER = 5  # 429s after the rate limiter's own retries
RESUME_JOB = "resume-announcements"
STOP_ACTION = "stop"  # the student's button under every announcement
AnyApp = Application[Any, Any, Any, Any, Any, Any]

TEXTS = frozenset(
    {"announce_done", "announce_progress", "announcement_footer", "button_stop_announcements"}
)


def compose(texts: Texts, text: str, lang: str) -> tuple[str, list[list[Button]]]:
    """What a student whose language is ``lang`` receives: the coordinator's ``text`` with the
    line on how to stop, and the stop button."""
    body = f"{text}\n\n{texts.get('announcement_footer', lang)}"
    return body, [[Button(texts.get("button_stop_announcements", lang), STOP_ACTION)]]


class Announcer:
    """Runs one sending task per announcement."""

    def __init__(self) -> None:
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def start(self, app: AnyApp, announcement_id: int) -> None:
        """Send (the rest of) the announcement in the background, unless already running.

        In a running application the task is made with ``Application.create_task``, so that
        stopping the application waits for the sends in flight (the task stops taking new
        recipients as soon as the application stops running)."""
        if announcement_id in self._tasks:
            return
        run = self._run(app, announcement_id)
        task = (
            app.create_task(run, name=f"announcement-{announcement_id}")
            if app.running
            else asyncio.get_running_loop().create_task(run)
        )
        self._tasks[announcement_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(announcement_id, None))

    @property
    def busy(self) -> bool:
        """Whether an announcement is being sent."""
        return bool(self._tasks)

    async def wait(self) -> None:
        """Until every announcement being sent is done (or stopped)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def resume(self, app: AnyApp) -> int:
        """Start the announcements a restart interrupted; how many."""
        unfinished = await services_of(app).storage.unfinished_announcements()
        for announcement in unfinished:
            _LOGGER.info("resuming announcement %d", announcement.id)
            self.start(app, announcement.id)
        return len(unfinished)

    async def _run(self, app: AnyApp, announcement_id: int) -> None:
        storage = services_of(app).storage
        try:
            announcement = await storage.get_announcement(announcement_id)
            if announcement is None or announcement.status == DONE:
                return
            progress = Progress(app, storage, announcement)
            watch = app.running  # a running application that stops ends the sending
            while not (watch and not app.running):
                batch = await storage.pending_recipients(announcement_id, BATCH)
                if not batch:
                    await storage.finish_announcement(announcement_id)
                    await progress.show(final=True)
                    _LOGGER.info("announcement %d sent", announcement_id)
                    return
                await self._send_batch(app, announcement, batch, progress, watch)
            _LOGGER.info("announcement %d paused: the bot is stopping", announcement_id)
        except StorageError:
            _LOGGER.warning("announcement %d paused: the storage was closed", announcement_id)

    async def _send_batch(
        self,
        app: AnyApp,
        announcement: Announcement,
        batch: list[Recipient],
        progress: Progress,
        watch: bool,
    ) -> None:
        todo = iter(batch)

        async def worker() -> None:
            for recipient in todo:  # the iterator is shared: each recipient is taken once
                if watch and not app.running:
                    return
                await self._deliver(app, announcement, recipient)
                await progress.show()

        await asyncio.gather(*(worker() for _ in range(WORKERS)))

    async def _deliver(self, app: AnyApp, announcement: Announcement, recipient: Recipient) -> None:
        """Send to one student and commit the outcome."""
        services = services_of(app)
        if not await services.storage.may_send(announcement.id, recipient.user_id):
            return
        lang = recipient.language
        text, rows = compose(services.content.texts, announcement.text_for(lang), lang)
        outcome = FAILED
        for _ in range(MAX_RETRY_AFTER):
            try:
                await app.bot.send_message(recipient.user_id, text, reply_markup=markup(rows))
                outcome = SENT
            except RetryAfter as error:  # not delivered: Telegram asked to wait
                await asyncio.sleep(_seconds(error.retry_after))
                continue
            except Forbidden:
                outcome = BLOCKED
            except TelegramError as error:
                _LOGGER.warning(
                    "announcement %d: a send failed (%s)", announcement.id, type(error).__name__
                )
            except Exception:
                _LOGGER.exception("announcement %d: a send failed", announcement.id)
            break
        await services.storage.record_outcome(announcement.id, recipient.user_id, outcome)


def _seconds(retry_after: Any) -> float:
    return float(
        retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else retry_after
    )


class Progress:
    """The progress message in the coordinator's chat, edited at most every few seconds and
    once at the end; an edit that would change nothing is not made."""

    def __init__(self, app: AnyApp, storage: Storage, announcement: Announcement) -> None:
        self.app, self.storage, self.announcement = app, storage, announcement
        self.message_id = announcement.message_id
        self._shown: str | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    async def show(self, *, final: bool = False) -> None:
        """Update the progress message (throttled unless ``final``)."""
        if not final and time.monotonic() - self._at < PROGRESS_INTERVAL:
            return
        async with self._lock:
            self._at = time.monotonic()
            text = await self.text(final=final)
            if text == self._shown:
                return
            self._shown = text
            await self._put(text)

    async def text(self, *, final: bool) -> str:
        """The progress, or the final report, in the coordinator's language."""
        counts = await self.storage.announcement_counts(self.announcement.id)
        total = sum(counts.values())
        texts = services_of(self.app).content.texts
        return texts.get(
            "announce_done" if final else "announce_progress",
            self.announcement.language,
            id=self.announcement.id,
            done=total - counts[PENDING],
            total=total,
            **{key: counts[key] for key in ("sent", "blocked", "failed", "skipped")},
        )

    async def _put(self, text: str) -> None:
        bot, chat = self.app.bot, self.announcement.chat_id
        if self.message_id is not None:
            try:
                await bot.edit_message_text(text, chat_id=chat, message_id=self.message_id)
                return
            except BadRequest as error:
                if "not modified" in error.message:
                    return
                self.message_id = None  # deleted, too old…: post a new one
            except TelegramError:
                _LOGGER.warning("announcement %d: progress not shown", self.announcement.id)
                return
        with contextlib.suppress(TelegramError):
            message = await bot.send_message(chat, text)
            self.message_id = message.message_id
            await self.storage.set_progress_message(self.announcement.id, message.message_id)


def announcer_of(app: AnyApp) -> Announcer:
    """The application's announcer (made by :func:`install`)."""
    return cast(Announcer, app.bot_data[ANNOUNCER])


async def _resume_job(context: BotContext) -> None:
    await announcer_of(context.application).resume(context.application)


def install(app: App) -> None:
    """Give the application its announcer, and resume interrupted announcements once the
    application runs (a ``run_once`` job right after start)."""
    app.bot_data[ANNOUNCER] = Announcer()
    if app.job_queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    app.job_queue.run_once(_resume_job, when=0, name=RESUME_JOB)
