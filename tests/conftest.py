"""Fixtures shared by every test module, and the test tiers (see docs/testing.md).

Tiers: a test marked ``process`` (it starts ``python -m bot``), ``http`` (the ``bot`` fixture
over HTTP: the twin of an in-process test) or ``browser`` (headless Chromium) is also marked
``slow`` unless it is marked ``smoke``. ``pytest`` runs the default tier (``-m "not slow"``,
from pyproject.toml); ``pytest -m "slow or not slow"`` runs every test, as ``.ci/run`` does.

Helpers (bots, students, paths) live in :mod:`tests.auxil`; no test module imports another.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from telegram_emulator import BotAPIEmulator, EmulatorServer
from tests.auxil.harness import (
    KEPT_ROOT,
    SHARED_ROOT,
    TRANSPORTS,
    BotProcess,
    BotSpec,
    LocalBot,
    repository_fingerprint,
    running_bot,
)
from tests.auxil.harness import shared_content as _shared_content

WORKERS = 2  # pytest-xdist workers for a whole tier: the machine's 2 cores


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (pyproject.toml): ``WORKERS`` when pytest runs its test paths (a tier),
    none when the command names modules or tests (starting workers costs more than it
    saves). ``-n N`` on the command line decides instead."""
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        return 0
    return WORKERS


SLOW_KINDS = ("process", "http", "browser")  # markers whose tests cost seconds each

# The evaluation floors (tests/test_matching.py, tests/test_conversation_context.py): each set
# costs 1-4 s of CPU, all of them about 40 s, a third of the default tier. The default tier
# checks one set of each kind (docs/testing.md); every other set, including any new one, is
# checked in the slow tier. ``-m evaluation`` checks them all.
FLOOR_TESTS = (
    "test_evaluation_set_stays_above_its_regression_floors",
    "test_conversation_sets_stay_above_their_floors",
)
QUICK_EVALUATION_SETS = frozenset(
    {
        "indep-en-dev.yaml",  # questions of independent writers, one language each
        "indep-fr-dev.yaml",
        "indep-zh-dev.yaml",
        "real-dev.yaml",  # real students' questions
        "typos-dev.yaml",  # misspelt questions
        "conv-dev.yaml",  # conversations (follow-ups, pronouns, programmes)
        "emails-dev.yaml",  # e-mails of several paragraphs
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Process tests, HTTP twins and browser tests go to the slow tier, unless marked
    ``smoke``; so do the evaluation floors of the sets not in ``QUICK_EVALUATION_SETS``.
    Every evaluation floor is marked ``evaluation``."""
    for item in items:
        tiered = any(item.get_closest_marker(kind) for kind in SLOW_KINDS)
        if tiered and not item.get_closest_marker("smoke"):
            item.add_marker(pytest.mark.slow)
        if getattr(item, "originalname", None) in FLOOR_TESTS:
            item.add_marker(pytest.mark.evaluation)
            if item.callspec.params["file"] not in QUICK_EVALUATION_SETS:
                item.add_marker(pytest.mark.slow)


class UnmarkedProcessWarning(UserWarning):
    """A test not marked ``process`` started ``python -m bot``."""


@pytest.fixture(autouse=True)
def _processes_are_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    """Warn when a test not marked ``process`` starts ``python -m bot``: each start costs
    seconds of CPU, so it belongs in the slow tier (or is marked ``smoke``)."""
    if request.node.get_closest_marker("process"):
        yield
        return
    started: list[str] = []
    original = subprocess.Popen.__init__

    def noting(self: subprocess.Popen[Any], args: Any, *more: Any, **options: Any) -> None:
        started.append(str(args))
        original(self, args, *more, **options)

    subprocess.Popen.__init__ = noting  # type: ignore[method-assign]
    try:
        yield
    finally:
        subprocess.Popen.__init__ = original  # type: ignore[method-assign]
    plain = [command.replace("'", "").replace(",", "") for command in started]
    if any(sys.executable in command and " -m bot" in command for command in plain):
        warnings.warn(
            f"{request.node.nodeid} starts `python -m bot`: mark it "
            "@pytest.mark.process (slow tier; see docs/testing.md)",
            UnmarkedProcessWarning,
            stacklevel=1,
        )


def _kept_matcher_caches(config: pytest.Config) -> Path | None:
    """Where the matcher cache of the repository's own files is kept from one run to the
    next: pytest's cache dir (none with ``-p no:cacheprovider``), in a folder named by the
    code that computes it (``bot/understanding``), so that a change there starts afresh."""
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    digest = hashlib.sha256()
    for path in sorted((REPOSITORY / "bot" / "understanding").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return Path(cache.mkdir("shared-content")) / digest.hexdigest()[:16]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Only the current kept matcher cache stays (older code's and files' go: 90 MB each),
    dropped by the run's main process before its workers start."""
    kept = _kept_matcher_caches(session.config)
    if kept is None or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    current = f"{repository_fingerprint()[:16]}-"
    for old in kept.parent.iterdir():
        if old != kept:
            shutil.rmtree(old, ignore_errors=True)
    for old in kept.iterdir() if kept.is_dir() else ():
        if not old.name.startswith(current):
            (shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink())


@pytest.fixture(scope="session", autouse=True)
def _shared_content_folder(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> None:
    """The session's loaded content keeps its matcher cache (model copy, embeddings) under
    the run's temporary folder, the one all pytest-xdist workers share: one worker computes
    it, the others read it. For the repository's own files it is kept in pytest's cache dir
    for the next run (``.ci/run``'s slow tier reads what its default tier computed)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    SHARED_ROOT[:] = [root / "shared-content"]
    kept = _kept_matcher_caches(pytestconfig)
    KEPT_ROOT[:] = [kept] if kept is not None else []


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The assistant over the real knowledge base: the session's one loaded content's."""
    from bot.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("assistant"))
    content = _shared_content(settings)
    assert content is not None
    return content.assistant


@pytest.fixture(scope="session")
def lexical(assistant: Assistant) -> Assistant:
    """The assistant without its sentence encoder (as without the package, or
    BOT_SEMANTIC=off), over the session's loaded knowledge base and texts: built once."""
    from bot.understanding.matcher import Matcher

    return Assistant(assistant.kb, Matcher(assistant.kb, assistant.config), assistant.texts)


@pytest.fixture(params=["in-process", pytest.param("http", marks=pytest.mark.http)])
def transport(request: pytest.FixtureRequest) -> str:
    """How ``bot`` reaches the emulator: in process, or polling it over HTTP as in production
    (the HTTP twins are in the slow tier but for ``smoke`` tests). A module returning one
    transport runs its tests once."""
    return str(request.param)


@pytest.fixture
def bot_spec() -> BotSpec:
    """How ``bot`` is set up: a module overrides this fixture (coordinators, own content,
    strict checks at the end)."""
    return BotSpec()


@pytest_asyncio.fixture
async def bot(transport: str, bot_spec: BotSpec, tmp_path: Path) -> AsyncIterator[LocalBot]:
    """The real bot (``build_application``) on the emulator, data in ``tmp_path``, set up by
    ``bot_spec``; by default with a relaxed flood guard (test students type fast)."""
    async with running_bot(TRANSPORTS[transport], tmp_path, bot_spec) as running:
        yield running


@pytest_asyncio.fixture
async def server() -> AsyncIterator[EmulatorServer]:
    """The emulator served over HTTP on loopback, for tests of ``python -m bot`` processes."""
    emulator = BotAPIEmulator()
    async with EmulatorServer(emulator) as running:
        yield running
    await emulator.aclose()


@pytest.fixture
def bot_process_env() -> dict[str, str]:
    """Extra environment of ``bot_process`` (a module overrides it, e.g. debug logs)."""
    return {}


@pytest.fixture
def bot_process(
    server: EmulatorServer, tmp_path: Path, bot_process_env: dict[str, str]
) -> Iterator[BotProcess]:
    """``python -m bot run`` for ``server`` (not started yet), data in ``tmp_path/data``;
    killed at the end."""
    process = BotProcess(
        server.base_url, tmp_path / "data", server.emulator.token, **bot_process_env
    )
    try:
        yield process
    finally:
        process.kill()
