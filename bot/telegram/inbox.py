"""Durable intake of updates: nothing a student sends is lost when the process dies.

python-telegram-bot's ``Updater`` confirms a batch to Telegram (the next ``getUpdates``
offset) as soon as the batch is queued, before any handler ran, and its webhook answers 200
before handling: a crash loses every update fetched and not yet handled (with 30 messages a
second, a backlog builds up quickly). :class:`InboxUpdater` changes only that:

- Every update is committed to the inbox (:mod:`bot.storage.inbox`) *before* Telegram learns
  it was received: polling asks for the next batch with the higher offset only after the
  batch's commit; the webhook answers 200 only after it.
- It leaves the inbox when its handlers have finished and the persistence was written
  (:meth:`done`, called by ``ExchangeApplication.process_update``). At start, updates left in
  the inbox are queued first, in ``update_id`` order, then polling (or the webhook) resumes.
- A redelivered update (an ``update_id`` in the inbox, pending or done) is not queued again.
- Each update is parsed alone from the raw JSON
  (:func:`bot.telegram.ptb_private.post_unparsed`): one that python-telegram-bot cannot read
  is logged with its id and the error type only, marked done, and polling goes on.
- Fairness: the flood guard (:mod:`bot.telegram.flood`) judges each update as it arrives,
  before anything is handled; an update it drops is marked done at once. Of one sender's
  updates at most ``per_sender`` are given to the application at a time; the sender's others
  wait here, committed and in order, without taking any of the application's slots — so one
  user whose updates are slow to handle (or who floods) never holds more than a few slots,
  and polling goes on for everyone else.
- Back-pressure: at most ``max_in_flight`` updates are given to the application and not yet
  handled; polling waits below that, so unhandled updates wait at Telegram rather than in
  memory. Updates waiting behind their sender's earlier ones are held in memory too (each
  sender's rate is bounded by Telegram, and each is handled as soon as the previous one is).
- "Conflict: terminated by other getUpdates request": an instance whose first poll ends so is
  the newcomer and stops (:attr:`fatal_error`, exit code 2 through :func:`run_polling`); an
  instance that polled before retries after a second (which ends the newcomer's poll), and
  stops too if the conflict lasts :data:`CONFLICT_GRACE` seconds.

- The webhook is served by a tornado server of its own on ``BOT_PORT`` — or, when the console
  is on (``BOT_WEB_URL``), by the console's server on its port (:attr:`webhook_host`, set by
  :mod:`bot.web.server` in ``post_init``, before the webhook starts). Either way the same
  handler (:mod:`bot.telegram.webhook`: the secret checked before any byte of the body is
  read, at most 1 MB, 400 — never 500 — for what is not an update, 200 only once the update
  is committed).

Why a subclass of ``Updater`` rather than a loop of our own: ``Application.run_polling`` and
``run_webhook`` keep doing what they do (signals, bootstrap retries, start-up and shut-down
order, ``post_init``/``post_shutdown``), and the updates still go through the application's
update queue and its update processor, so each student's updates stay in order and different
students concurrent (:mod:`bot.telegram.updates`), exactly as before. Only the private start
and stop hooks are replaced, through the fence :mod:`bot.telegram.ptb_private`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import tornado.httpserver
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from bot.storage import JSONDict, Storage
from bot.storage.inbox import sender_of
from bot.telegram.delivery import retry_delay
from bot.telegram.flood import FloodGuard, Verdict, kind_of
from bot.telegram.ptb_private import HookedUpdater, PollingStart, WebhookStart, post_unparsed
from bot.telegram.webhook import WebhookHost, webhook_route, webhook_server

_LOGGER = logging.getLogger(__name__)

MAX_IN_FLIGHT: Final = 256  # updates taken and not handled; PerUserUpdateProcessor's limit
PER_SENDER: Final = 2  # of one sender's updates, at most this many given to the application
BATCH: Final = 100  # getUpdates' maximum
CONFLICT_GRACE: Final = 30.0  # seconds of conflicts after which an older poller gives up too
CONFLICT_RETRY: Final = 1.0
MAX_BACKOFF: Final = 30.0
PRUNE_EVERY: Final = 3600.0  # seconds between deletions of old tombstones


class PollingConflictError(Conflict):
    """Another process polls the same bot token."""


class InboxUpdater(HookedUpdater):
    """python-telegram-bot's Updater with the inbox between Telegram and the update queue."""

    def __init__(
        self,
        bot: Bot,
        update_queue: asyncio.Queue[object],
        storage: Callable[[], Awaitable[Storage]],
        stop: Callable[[], None],
        *,
        max_in_flight: int = MAX_IN_FLIGHT,
        per_sender: int = PER_SENDER,
        flood: Callable[[], FloodGuard | None] = lambda: None,
    ) -> None:
        super().__init__(bot=bot, update_queue=update_queue)
        self._storage = storage
        self._stop_application = stop
        self.max_in_flight = max_in_flight
        self.per_sender = per_sender
        self._flood = flood
        self.fatal_error: TelegramError | None = None
        self._in_flight: set[int] = set()
        self._lanes: dict[int, _Lane] = {}  # sender -> their updates in flight and waiting
        self._lane_of: dict[int, int] = {}  # update id -> its sender's lane
        self._room = asyncio.Event()
        self._room.set()
        self._stopping = asyncio.Event()
        self._poll_task: asyncio.Task[None] | None = None
        self._fetch: asyncio.Future[Any] | None = None
        self._offset = 0
        self._pruned = 0.0
        self.webhook_host: WebhookHost | None = None  # the console's server, when it is on
        self.webhook_open = False
        self._webhook_server: tornado.httpserver.HTTPServer | None = None
        # Work for the handlers done while a batch is committed (the disk, not the CPU, is busy
        # then): see bot/telegram/handlers/questions.py, match_ahead.
        self.prepare: Callable[[Sequence[JSONDict]], None] | None = None

    @property
    def in_flight(self) -> int:
        """Updates given to the application and not yet handled."""
        return len(self._in_flight)

    @property
    def waiting(self) -> int:
        """Updates committed to the inbox, waiting for their sender's earlier ones."""
        return sum(len(lane.waiting) for lane in self._lanes.values())

    # ----------------------------------------------------------------- handled

    async def done(self, update: object) -> None:
        """The update's handlers finished and the persistence is written: out of the inbox."""
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id not in self._in_flight:
            return  # not from the inbox (a test feeding the application directly)
        try:
            await (await self._storage()).inbox_done([update_id])
        finally:
            self._release(update_id)

    def abandon(self, update: object) -> None:
        """Handling failed before the end (the persistence could not be written): the update
        stays in the inbox and is handled again at the next start."""
        if isinstance(update, Update):
            self._release(update.update_id)

    def _release(self, update_id: int | None) -> None:
        """The update is out of the application: its sender's next waiting update goes in."""
        if update_id is None or update_id not in self._in_flight:
            return
        self._in_flight.discard(update_id)
        flood = self._flood()
        if flood is not None:
            flood.settle(update_id)
        key = self._lane_of.pop(update_id, None)
        lane = self._lanes.get(key) if key is not None else None
        if key is not None and lane is not None:
            lane.active -= 1
            while lane.waiting and lane.active < self.per_sender:
                self._put(lane.waiting.popleft(), key)
            if not lane.active and not lane.waiting:
                del self._lanes[key]
        if len(self._in_flight) < self.max_in_flight:
            self._room.set()

    # ----------------------------------------------------------------- intake

    async def receive(self, updates: Sequence[JSONDict]) -> None:
        """Commit updates to the inbox, then queue the ones not received before."""
        storage = await self._storage()
        commit = asyncio.ensure_future(storage.inbox_add(updates))
        if self.prepare is not None:
            await asyncio.sleep(0)  # the commit is now the database thread's
            try:
                self.prepare(updates)
            except Exception:  # only a head start: the handlers do it again if need be
                _LOGGER.exception("preparing %d updates failed", len(updates))
        fresh = await commit
        await self._dispatch(storage, fresh)
        if time.monotonic() - self._pruned > PRUNE_EVERY:
            self._pruned = time.monotonic()
            await storage.inbox_prune()

    async def _replay(self) -> None:
        """Queue the updates left in the inbox by the previous run, oldest first (judged by
        the flood guard then: not counted again)."""
        storage = await self._storage()
        pending = await storage.inbox_pending()
        if pending:
            _LOGGER.info("handling %d updates left in the inbox first", len(pending))
        await self._dispatch(storage, pending, fresh=False)

    async def _dispatch(
        self, storage: Storage, payloads: Sequence[JSONDict], *, fresh: bool = True
    ) -> None:
        """Give committed updates to the application, each sender's in order and at most
        ``per_sender`` of them at a time; the flood guard judges each fresh one (a dropped
        one is marked done at once, never handled)."""
        finished: list[int] = []
        flood = self._flood()
        for payload in payloads:
            update_id = int(payload["update_id"])
            if update_id in self._lane_of:
                continue
            try:
                update = Update.de_json(payload, self.bot)
            except Exception as error:  # any parsing error: skip this one only
                _LOGGER.warning(
                    "update %d dropped: python-telegram-bot cannot read it (%s)",
                    update_id,
                    type(error).__name__,
                )
                finished.append(update_id)
                continue
            sender = sender_of(payload)
            if flood is not None:
                verdict = flood.arrived(update_id, sender, kind_of(payload), count=fresh)
                if verdict is Verdict.DROP:
                    finished.append(update_id)
                    continue
            lane_key = sender if sender is not None else -update_id - 1  # no sender: alone
            lane = self._lanes.setdefault(lane_key, _Lane())
            if lane.active < self.per_sender and not lane.waiting:
                self._put(update, lane_key)
            else:
                lane.waiting.append(update)
                self._lane_of[update_id] = lane_key
        if finished:
            await storage.inbox_done(finished)

    def _put(self, update: Update, lane_key: int) -> None:
        """Hand one update to the application."""
        self._lanes[lane_key].active += 1
        self._lane_of[update.update_id] = lane_key
        self._in_flight.add(update.update_id)
        if len(self._in_flight) >= self.max_in_flight:
            self._room.clear()
        self.update_queue.put_nowait(update)

    async def wait_for_room(self) -> int:
        """Wait until fewer than ``max_in_flight`` updates are in flight; how many may come."""
        while len(self._in_flight) >= self.max_in_flight and not self._stopping.is_set():
            self._room.clear()
            await _first(self._room.wait(), self._stopping.wait())
        return max(1, min(BATCH, self.max_in_flight - len(self._in_flight)))

    # ----------------------------------------------------------------- polling

    async def begin_polling(self, start: PollingStart) -> None:
        """Remove any webhook, queue what the inbox holds, then poll."""
        await self.bootstrap(
            start.bootstrap_retries,
            drop_pending_updates=start.drop_pending_updates,
            webhook_url="",
            allowed_updates=None,
        )
        await self._replay()
        self._stopping.clear()
        self._poll_task = asyncio.create_task(
            self._poll(start.poll_interval, start.timeout, start.allowed_updates),
            name="InboxUpdater:poll",
        )
        start.ready.set()

    async def _poll(
        self, interval: float, timeout: float, allowed_updates: Sequence[str] | None
    ) -> None:
        polled = False
        conflict_since: float | None = None
        failures = 0
        while not self._stopping.is_set():
            limit = await self.wait_for_room()
            if self._stopping.is_set():
                break
            try:
                raw = await self._get_updates(limit, timeout, allowed_updates)
            except asyncio.CancelledError:
                if self._stopping.is_set():
                    break
                raise
            except Conflict:
                now = time.monotonic()
                conflict_since = conflict_since if conflict_since is not None else now
                if not polled or now - conflict_since >= CONFLICT_GRACE:
                    self._fail(
                        PollingConflictError(
                            "another instance of this bot is polling the same token "
                            "(Telegram: terminated by other getUpdates request); this one stops"
                        )
                    )
                    return
                _LOGGER.warning(
                    "another getUpdates ended this one (a second instance?); polling again in "
                    "%.0f s",
                    CONFLICT_RETRY,
                )
                await self._pause(CONFLICT_RETRY)
                continue
            except InvalidToken as error:
                self._fail(error)
                return
            except TelegramError as error:
                failures += 1
                wait = (
                    retry_delay(error)
                    if isinstance(error, RetryAfter)
                    else min(MAX_BACKOFF, 0.5 * 2 ** min(failures, 8))
                )
                _LOGGER.warning(
                    "getUpdates failed (%s); retrying in %.1f s", type(error).__name__, wait
                )
                await self._pause(wait)
                continue
            polled, conflict_since, failures = True, None, 0
            updates = [
                u for u in raw if isinstance(u, dict) and isinstance(u.get("update_id"), int)
            ]
            if updates:
                try:
                    await self.receive(updates)
                except Exception:  # the offset stays: the batch comes again
                    _LOGGER.exception("could not store %d updates in the inbox", len(updates))
                    await self._pause(1.0)
                    continue
                self._offset = max(u["update_id"] for u in updates) + 1
            if interval:
                await self._pause(interval)

    async def _get_updates(
        self, limit: int, timeout: float, allowed_updates: Sequence[str] | None
    ) -> list[Any]:
        """getUpdates, unparsed. Cancelled (nothing lost) when polling stops."""
        data: JSONDict = {"timeout": timeout, "offset": self._offset or None, "limit": limit}
        if allowed_updates is not None:
            data["allowed_updates"] = list(allowed_updates)
        read_timeout = (self.bot.request.read_timeout or 0) + timeout
        self._fetch = asyncio.ensure_future(
            post_unparsed(self.bot, "getUpdates", data, read_timeout=read_timeout)
        )
        try:
            result = await self._fetch
        finally:
            self._fetch = None
        return result if isinstance(result, list) else []

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _fail(self, error: TelegramError) -> None:
        """Stop the application; :func:`run_polling` raises ``error`` afterwards."""
        self.fatal_error = error
        self._stopping.set()
        self._stop_application()

    async def end_intake(self) -> None:
        """Stop the webhook, or polling. The last batch is not confirmed with one more
        getUpdates (as python-telegram-bot does, waiting up to its read timeout on an
        unresponsive Bot API): sent again at the next start, it is recognised by the inbox's
        tombstones."""
        await self._close_webhook()
        task, self._poll_task = self._poll_task, None
        if task is None:
            return
        self._stopping.set()
        if self._fetch is not None:
            self._fetch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    # ----------------------------------------------------------------- webhook

    async def begin_webhook(self, start: WebhookStart) -> None:
        """Listen (on the console's server if there is one, else on ``start.port``), then
        tell Telegram the URL, queue what the inbox holds, and set ``start.ready``."""
        path = start.url_path if start.url_path.startswith("/") else f"/{start.url_path}"
        route = webhook_route(path, self, start.secret_token)
        # Listen first: Telegram is told the URL only once the server can take its calls (a
        # server that cannot start makes ``run`` remove the webhook an earlier run registered).
        port = start.port
        if self.webhook_host is not None:
            self.webhook_host.add_webhook(*route)
            port = self.webhook_host.port
        else:
            self._webhook_server = webhook_server(route, port, start.listen)
        self.webhook_open = True
        try:
            await self.bootstrap(
                start.bootstrap_retries,
                drop_pending_updates=start.drop_pending_updates,
                webhook_url=start.webhook_url or f"http://{start.listen}:{port}{path}",
                allowed_updates=start.allowed_updates,
                ip_address=start.ip_address,
                max_connections=start.max_connections,
                secret_token=start.secret_token,
            )
            await self._replay()
        except BaseException:
            await self._close_webhook()
            raise
        if start.ready is not None:
            start.ready.set()

    async def _close_webhook(self) -> None:
        """Take no more webhook calls: a shared server answers them 503 (Telegram retries;
        the console goes on), our own server stops."""
        self.webhook_open = False
        server, self._webhook_server = self._webhook_server, None
        if server is not None:
            server.stop()
            await server.close_all_connections()


@dataclass
class _Lane:
    """One sender's updates: how many the application holds, and the ones waiting (committed
    to the inbox, in order)."""

    active: int = 0
    waiting: deque[Update] = field(default_factory=deque)


async def _first(*awaitables: Awaitable[Any]) -> None:
    """Wait until one of ``awaitables`` is done; cancel the others."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def install(
    application: Application[Any, Any, Any, Any, Any, Any],
    storage: Callable[[], Awaitable[Storage]],
    flood: Callable[[], FloodGuard | None] = lambda: None,
) -> InboxUpdater:
    """Give ``application`` an :class:`InboxUpdater` in place of python-telegram-bot's;
    ``flood`` returns the flood guard that judges updates as they arrive."""
    updater = InboxUpdater(
        application.bot,
        application.update_queue,
        storage,
        application.stop_running,
        flood=flood,
    )
    application.updater = updater
    return updater


def inbox_of(application: Application[Any, Any, Any, Any, Any, Any]) -> InboxUpdater | None:
    """The application's InboxUpdater, if it has one."""
    updater = application.updater
    return updater if isinstance(updater, InboxUpdater) else None


def run_polling(application: Application[Any, Any, Any, Any, Any, Any], **kwargs: Any) -> None:
    """``application.run_polling(**kwargs)``; then raise the error that stopped polling, if
    any (another instance polling the same token, a revoked token)."""
    application.run_polling(**kwargs)
    inbox = inbox_of(application)
    if inbox is not None and inbox.fatal_error is not None:
        raise inbox.fatal_error
