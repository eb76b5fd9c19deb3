"""Drive the real bot as students would: in process, over HTTP, or as a process.

- ``LocalBot``: the application from ``build_application`` on the in-process emulator; each
  ``send``/``press`` is handled completely before it returns (fast, deterministic).
- ``HttpBot``: the same application polling an ``EmulatorServer`` over real HTTP on
  127.0.0.1, as in production; ``send``/``press`` return once the bot is idle again.
- ``BotProcess``: ``python -m bot run`` in a subprocess, polling an ``EmulatorServer`` —
  the production path, which can be killed and restarted (the benchmarks use it too).

``LocalBot`` and ``HttpBot`` run the session's one loaded content for their files
(:func:`shared_content`) unless their data directory holds learned examples: loading and
checking the knowledge base and building the matcher costs about half a second a bot.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from telegram import Update
from telegram.request import HTTPXRequest

from bot.settings import REPOSITORY, Settings
from bot.telegram.application import ExchangeApplication, build_application, post_init
from bot.telegram.content import Content, learned_path, load_content
from bot.telegram.context import BotContext, services_of
from bot.telegram.flood import FloodGuard
from telegram_emulator import BotAPIEmulator, EmulatorRequest, EmulatorServer, SimUser

_SHARED: dict[tuple[str, bool], Content] = {}
_SHARED_CACHES: dict[tuple[str, bool], Path] = {}  # the matcher cache each one was built in


def _fingerprint(*folders: Path) -> str:
    """A digest of every file's path (relative to its folder) and bytes."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
        digest.update(b"\1")
    return digest.hexdigest()


def shared_content(settings: Settings) -> Content | None:
    """The session's one loaded content for these files: what ``settings`` would load when its
    knowledge/ and conversations/ hold the same files as a version loaded before (copies a test
    has not edited yet included) and its data directory no learned examples. Otherwise None:
    the bot loads its own (files a test edited, examples it taught). Nothing changes a loaded
    content (``/reload`` builds a new one), so bots may share it."""
    if learned_path(settings).exists():
        return None
    key = (_fingerprint(settings.knowledge_dir, settings.conversations_dir), settings.semantic)
    if key not in _SHARED:
        kept = key[0] == repository_fingerprint()  # the repository's own files: kept
        folder = _shared_folder(f"{key[0][:16]}-{int(key[1])}", kept)  # its matcher cache
        with _locked(folder.with_suffix(".lock")):  # one pytest-xdist worker computes it
            _SHARED[key] = load_content(replace(settings, data_dir=folder))
        _SHARED_CACHES[key] = replace(settings, data_dir=folder).cache_dir
    return _SHARED[key]


SHARED_ROOT: list[Path] = []  # set by tests/conftest.py: one folder for every xdist worker
# Set by tests/conftest.py: a folder kept from one pytest run to the next (in pytest's cache
# dir), for the matcher cache of the repository's own files, so that the next run (.ci/run's
# slow tier after the default tier, a developer's next run) does not compute it again.
KEPT_ROOT: list[Path] = []


@functools.cache
def repository_fingerprint() -> str:
    """The fingerprint of the repository's own knowledge/ and conversations/."""
    settings = Settings()
    return _fingerprint(settings.knowledge_dir, settings.conversations_dir)


def _shared_folder(name: str, kept: bool = False) -> Path:
    """A folder for the shared content's caches: in ``KEPT_ROOT`` for the repository's own
    files (``kept``) when set; else in ``SHARED_ROOT`` (the session's, seen by every
    pytest-xdist worker of the run) when set; else a temporary one (benchmarks)."""
    roots = [*KEPT_ROOT, *SHARED_ROOT] if kept else SHARED_ROOT
    if roots:
        folder = roots[0] / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    folder = Path(tempfile.mkdtemp(prefix="shared-content-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` across processes (released on exit or death)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _repository_cache() -> Path:
    """The matcher cache (model copy, embeddings) of the session's content for the
    repository's own files, loaded if no bot loaded it yet."""
    empty = Path(tempfile.mkdtemp(prefix="no-learned-examples-"))
    atexit.register(shutil.rmtree, empty, ignore_errors=True)
    settings = Settings(data_dir=empty)
    shared_content(settings)
    key = (_fingerprint(settings.knowledge_dir, settings.conversations_dir), settings.semantic)
    return _SHARED_CACHES[key]


class LocalBot:
    """The full application over the in-process emulator, with restarts."""

    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.emulator = BotAPIEmulator()
        self.settings = replace(
            Settings(), telegram_token=self.emulator.token, data_dir=data_dir, **settings
        )
        self.app: ExchangeApplication | None = None

    async def start(self) -> LocalBot:
        """Build and initialise a fresh application (the data directory is kept)."""
        self.app = build_application(
            self.settings,
            request=EmulatorRequest(self.emulator),
            rate_limit=False,
            content=shared_content(self.settings),
        )
        await self.app.initialize()
        await post_init(self.app)
        return self

    async def stop(self) -> None:
        """Shut the application down cleanly."""
        if self.app is not None:
            await self.app.shutdown()
            self.app = None

    async def restart(self) -> None:
        """A new process in all but name: state survives only through the database."""
        await self.stop()
        await self.start()

    async def __aenter__(self) -> LocalBot:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def user(self, user_id: int = 1001, language_code: str = "en", name: str = "Ana") -> SimUser:
        """A student with a private chat."""
        return self.emulator.add_user(user_id, first_name=name, language_code=language_code)

    async def feed(self, update: dict[str, Any]) -> None:
        """Handle one update completely (what it queued for the coordinators sent too)."""
        assert self.app is not None
        await self.app.process_update(Update.de_json(update, self.app.bot))
        await self.flush()

    async def flush(self) -> None:
        """Send what the relay outbox holds now, as its job would a moment later."""
        assert self.app is not None
        await services_of(self.app).relays.flush(BotContext(self.app))

    async def send(self, user: SimUser, text: str) -> None:
        """The student types ``text``."""
        await self.feed(user.make_message(text))

    async def press(self, user: SimUser, label_or_data: str) -> None:
        """The student presses a button of the latest bot message that has it."""
        await self.feed(user.make_press(label_or_data))


@functools.cache
def _certificates() -> ssl.SSLContext:
    """httpx's default TLS context (the CA bundle read: ~24 ms of CPU), made once per
    process; each new ``httpx.AsyncClient`` reads the bundle again, and each bot has two."""
    return httpx.create_ssl_context()


def production_requests() -> tuple[HTTPXRequest, HTTPXRequest]:
    """The two HTTP clients python-telegram-bot's ``ApplicationBuilder`` makes when given
    none (as in production: 256 connections for calls, 1 for ``getUpdates``, its default
    timeouts), sharing one TLS context (the emulator is served over plain HTTP anyway)."""
    shared = {"verify": _certificates()}
    return (
        HTTPXRequest(connection_pool_size=256, httpx_kwargs=shared),
        HTTPXRequest(connection_pool_size=1, httpx_kwargs=shared),
    )


class HttpBot(LocalBot):
    """The full application polling the emulator over HTTP (python-telegram-bot's own
    updater and HTTP client, the production transport). Restarts keep the server."""

    def __init__(self, data_dir: Path, **settings: Any) -> None:
        super().__init__(data_dir, **settings)
        self.server = EmulatorServer(self.emulator)
        self.serving = False
        self.handled: set[int] = set()
        self._progress = asyncio.Condition()

    async def start(self) -> LocalBot:
        if not self.serving:
            self.settings = replace(self.settings, api_base_url=await self.server.start())
            self.serving = True
        request, updates_request = production_requests()
        self.app = build_application(
            self.settings,
            request=request,
            updates_request=updates_request,
            rate_limit=False,
            content=shared_content(self.settings),
        )
        process_update = self.app.process_update

        async def tracked(update: object) -> None:
            """The application's own handling, noting when each update is done."""
            try:
                await process_update(update)
            finally:
                if isinstance(update, Update):
                    async with self._progress:
                        self.handled.add(update.update_id)
                        self._progress.notify_all()

        self.app.process_update = tracked  # type: ignore[method-assign]
        await self.app.initialize()
        await post_init(self.app)
        assert self.app.updater is not None
        await self.app.updater.start_polling(poll_interval=0, timeout=1)
        await self.app.start()
        return self

    async def stop(self) -> None:
        if self.app is not None:
            assert self.app.updater is not None
            await self.app.updater.stop()
            await self.app.stop()
            await self.app.shutdown()
            self.app = None

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
        await self.server.stop()
        self.serving = False

    async def feed(self, update: dict[str, Any]) -> None:
        """Queue the update for the bot's next poll and wait until it has been handled."""
        self.emulator.enqueue(update)
        async with self._progress:
            await asyncio.wait_for(  # a bound against a hang: a rebuild under load takes seconds
                self._progress.wait_for(lambda: update["update_id"] in self.handled), 60
            )
        await self.flush()


_WARM_CACHE: list[Path] = []


def share_matcher_cache(cache: Path, *, model: bool = True) -> None:
    """Link the files of the session's matcher cache into ``cache`` (computing it takes
    seconds; every bot process would otherwise start cold): under pytest, the one the
    in-process bots' shared content was built with; elsewhere (benchmarks), the first bot
    process's, unless a benchmark set ``_WARM_CACHE`` first. ``model=False`` links the
    knowledge base's embeddings only: the process still starts as a first start (it
    announces it and prepares the encoder's ready copy, about a second of CPU) without
    computing the embeddings again (4-5 s; ``test_first_start.py`` computes them cold)."""
    if not _WARM_CACHE:
        if not SHARED_ROOT:
            _WARM_CACHE.append(cache)
            return
        _WARM_CACHE.append(_repository_cache())
    warm = _WARM_CACHE[0]
    if warm == cache or not warm.is_dir():
        return
    cache.mkdir(parents=True, exist_ok=True)
    for file in warm.iterdir():
        wanted = model or file.name.startswith("embeddings-")
        if wanted and file.suffix in (".npy", ".pickle") and not (cache / file.name).exists():
            (cache / file.name).symlink_to(file)


def copy_model_cache(cache: Path) -> None:
    """The session's model cache in ``cache``, for a test that rewrites it: the pickled
    model copied, its table (65 MB, only ever replaced, never written in place) linked."""
    warm = _repository_cache()
    cache.mkdir(parents=True, exist_ok=True)
    for file in warm.iterdir():
        if file.suffix == ".pickle":
            shutil.copyfile(file, cache / file.name)
        elif file.suffix == ".npy":
            (cache / file.name).symlink_to(file)


class FirstCalls:
    """When (``time.perf_counter``) an emulator received its first request and its first
    ``getUpdates``; ``spawned`` is set by whoever starts the bot."""

    def __init__(self, emulator: BotAPIEmulator) -> None:
        self.spawned = time.perf_counter()
        self.request: float | None = None
        self.poll: float | None = None
        self.polled = asyncio.Event()
        respond = emulator.respond

        async def noted(token: str, method: str, params: Any) -> tuple[int, dict[str, Any]]:
            now = time.perf_counter()
            if self.request is None:
                self.request = now
            if method.lower() == "getupdates" and self.poll is None:
                self.poll = now
                self.polled.set()
            return await respond(token, method, params)

        emulator.respond = noted  # type: ignore[method-assign]


UNPRIVILEGED = ["setpriv", "--inh-caps=-all", "--bounding-set=-all"]


def run_bot(env: dict[str, str], *, unprivileged: bool = False) -> subprocess.CompletedProcess[str]:
    """``python -m bot run`` (as a user without root's powers if asked), to its exit."""
    prefix = UNPRIVILEGED if unprivileged and os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot", "run"],
        cwd=REPOSITORY,
        env={**os.environ, "BOT_SEMANTIC": "off", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class BotProcess:
    """``python -m bot run`` polling an emulator served over HTTP."""

    def __init__(
        self, base_url: str, data_dir: Path, token: str, *, clean: bool = False, **env: str
    ) -> None:
        """``clean``: leave out this environment's ``BOT_*`` and ``TELEGRAM_*`` variables (the
        defaults of production, whatever the shell says); ``env`` is added last."""
        inherited = {
            name: value
            for name, value in os.environ.items()
            if not (clean and name.startswith(("BOT_", "TELEGRAM_")))
        }
        self.env = {
            **inherited,
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_API_BASE_URL": base_url,
            "BOT_DATA_DIR": str(data_dir),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "bot.log"

    def start(self) -> None:
        """Start the bot process (logs go to ``data_dir/bot.log``), with the matcher's cache
        (model copy, knowledge-base embeddings) of the first bot process of the session."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        share_matcher_cache(Path(self.env["BOT_DATA_DIR"]) / "cache")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=REPOSITORY,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def start_and_wait_for_poll(
        self, emulator: BotAPIEmulator, timeout: float = 30.0
    ) -> FirstCalls:
        """Start the process and wait (serving the emulator meanwhile) for its first
        ``getUpdates``; returns when the spawn, the first request and that poll happened."""
        calls = FirstCalls(emulator)
        calls.spawned = time.perf_counter()
        self.start()
        try:
            await asyncio.wait_for(calls.polled.wait(), timeout)
        except TimeoutError:
            self.kill()
            raise RuntimeError(f"no getUpdates within {timeout:g} s; see {self.log}") from None
        return calls

    async def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, waiting for the exit while this event loop keeps serving the emulator (it
        answers the aborted poll); SIGKILL after ``timeout``. The exit code, None if killed."""
        if self.process is None:
            return 0
        process, self.process = self.process, None
        process.send_signal(signal.SIGTERM)
        deadline = time.perf_counter() + timeout
        while process.poll() is None and time.perf_counter() < deadline:
            await asyncio.sleep(0.002)
        code = process.poll()
        if code is None:
            process.kill()
            process.wait()
        return code

    def kill(self) -> None:
        """SIGKILL: no clean-up at all."""
        self._stop(signal.SIGKILL)

    def terminate(self) -> int:
        """SIGTERM, as Docker and systemd stop services; returns the exit code."""
        return self._stop(signal.SIGTERM)

    def _stop(self, sig: int) -> int:
        if self.process is None:
            return 0
        self.process.send_signal(sig)
        code = self.process.wait(timeout=15)
        self.process = None
        return code


TRANSPORTS = {"in-process": LocalBot, "http": HttpBot}


async def start(bot: LocalBot) -> LocalBot:
    """Start (or restart) a bot for tests whose students type faster than the flood guard
    lets real people: it is relaxed."""
    if bot.app is None:
        await bot.start()
    else:
        await bot.restart()
    assert bot.app is not None
    services_of(bot.app).flood = FloodGuard(limit=100_000)
    return bot


@dataclass(frozen=True)
class BotSpec:
    """How the ``bot`` fixture sets a bot up; a test module overrides the ``bot_spec`` fixture
    (and ``transport`` to run one transport only) instead of defining its own ``bot``."""

    settings: Mapping[str, Any] = field(default_factory=dict)  # Settings fields
    relaxed_flood: bool = True  # test students type faster than the flood guard lets people
    own_content: bool = False  # copies of knowledge/ and conversations/ the test may edit
    no_rejected_calls: bool = False  # at the end: no call the Bot API refused
    no_handler_errors: bool = False  # at the end: no error raised by a handler


@contextlib.asynccontextmanager
async def running_bot(
    kind: type[LocalBot], tmp_path: Path, spec: BotSpec
) -> AsyncIterator[LocalBot]:
    """A started bot of ``kind`` set up by ``spec``, data in ``tmp_path`` (``tmp_path/data``
    with ``own_content``, next to the copies); stopped (its server too) when done."""
    settings = dict(spec.settings)
    data_dir = tmp_path
    if spec.own_content:
        data_dir = tmp_path / "data"
        settings["knowledge_dir"] = tmp_path / "knowledge"
        settings["conversations_dir"] = tmp_path / "conversations"
        shutil.copytree(REPOSITORY / "knowledge", settings["knowledge_dir"])
        shutil.copytree(REPOSITORY / "conversations", settings["conversations_dir"])
    running = kind(data_dir, **settings)
    # Coordinators have opened the bot, as deployed (a digest the job queue sends at start
    # would otherwise be refused, racing the test); a test may add them again with its names.
    for coordinator in settings.get("coordinator_ids", ()):
        running.emulator.add_user(coordinator, first_name="Coordinator", language_code="en")
    try:
        if spec.relaxed_flood:
            await start(running)
        else:
            await running.start()
        assert running.app is not None
        errors: list[BaseException] = []

        async def record(update: object, context: Any) -> None:
            errors.append(context.error)

        if spec.no_handler_errors:
            running.app.add_error_handler(record)
        yield running
        assert errors == [], "a handler raised"
        if spec.no_rejected_calls:
            assert running.emulator.errors == [], "the bot made calls Telegram would reject"
    finally:
        await running.__aexit__(None, None, None)
