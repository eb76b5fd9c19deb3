"""The documentation as a newcomer follows it (issue 21): a short README linking every page,
an architecture map that names every module, and every shell command of the docs run here —
the offline tour with the very lines the README says to type."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.settings import REPOSITORY
from bot.storage import Storage
from telegram_emulator import BotAPIEmulator, EmulatorServer
from tests.auxil.harness import share_matcher_cache

README = REPOSITORY / "README.md"
DOCS = REPOSITORY / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
_FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.M | re.S)


@dataclass(frozen=True)
class Command:
    """A shell command of the docs, with the lines a following ``text`` block says to type."""

    page: str
    command: str
    typed: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.page}: {self.command}"


def documented_commands() -> list[Command]:
    """Every command of every ``sh`` block of the README and docs/ (comments left out,
    continuation lines joined)."""
    commands = []
    for page in PAGES:
        blocks = list(_FENCE.finditer(page.read_text(encoding="utf-8")))
        for number, block in enumerate(blocks):
            if block[2] != "sh":
                continue
            following = blocks[number + 1] if number + 1 < len(blocks) else None
            typed: tuple[str, ...] = ()
            if following is not None and following[2] == "text":
                between = page.read_text(encoding="utf-8")[block.end() : following.start()]
                if not between.strip():
                    lines = following[3].splitlines()
                    typed = tuple(line[2:] for line in lines if line.startswith("> "))
            source = re.sub(r"\\\n\s*", " ", block[3])
            for line in source.splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    commands.append(Command(page.relative_to(REPOSITORY).as_posix(), line, typed))
    return commands


COMMANDS = documented_commands()


# ---------------------------------------------------------------- the pages themselves


def test_the_readme_is_a_short_front_door() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert "## Contents" in text
    for command in (
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/python -m bot",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest",
    ):
        assert command in text
    assert "`.env` in the" in text, "the README says which settings file is read"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    pages = sorted(DOCS.glob("*.md"))
    assert len(pages) >= 5
    for page in pages:
        assert f"](docs/{page.name})" in text, f"README does not link docs/{page.name}"
        assert page.read_text(encoding="utf-8").startswith("# "), page.name


def test_relative_links_lead_to_files() -> None:
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


def test_the_architecture_page_names_every_package_and_module() -> None:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    bot = REPOSITORY / "bot"
    missing = [
        f"{path.relative_to(REPOSITORY).as_posix()}"
        for path in sorted(bot.rglob("*.py"))
        if path.name != "__init__.py"  # a package is named by its folder
        and f"`{path.relative_to(REPOSITORY).as_posix()}`" not in text
    ]
    packages = {init.parent for init in bot.rglob("__init__.py")}
    missing += [
        f"{package.relative_to(REPOSITORY).as_posix()}/"
        for package in sorted(packages)
        if f"`{package.relative_to(REPOSITORY).as_posix()}/`" not in text
    ]
    assert missing == [], f"docs/architecture.md does not name: {missing}"
    named = set(re.findall(r"`(bot/[\w/]+\.py)`", text))
    stale = sorted(n for n in named if not (REPOSITORY / n).exists())
    assert stale == [], f"docs/architecture.md names modules that do not exist: {stale}"


# ---------------------------------------------------------------- running the commands


def _env(**extra: str) -> dict[str, str]:
    """This environment without its BOT_* and TELEGRAM_* variables, plus ``extra``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    return {**inherited, "PYTHONUNBUFFERED": "1", **extra}


def _shell(
    command: str, cwd: Path, *, stdin: str = "", timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """``command`` as the docs give it, with this interpreter for ``python`` and
    ``.venv/bin/python`` (the tests run in the documented venv or CI's)."""
    python = re.sub(r"(^|&& |\| )(\.venv/bin/python|python)(?= )", rf"\1{sys.executable}", command)
    result = subprocess.run(
        python,
        shell=True,
        cwd=cwd,
        env=_env(**env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _with_database(folder: Path) -> Path:
    """``folder/data`` with a bot database in it (as a bot that ran once leaves it)."""

    async def create() -> None:
        storage = await Storage.open(folder / "data" / "bot.sqlite3")
        await storage.close()

    (folder / "data").mkdir(parents=True, exist_ok=True)
    asyncio.run(create())
    return folder / "data"


def _student_tour(command: Command, tmp_path: Path) -> None:
    share_matcher_cache(tmp_path / "data" / "cache")
    out = _shell(command.command, tmp_path, stdin="\n".join(command.typed) + "\n").stdout
    assert command.typed[:2] == ("is accommodation free?", "3.1")
    assert "🤖 #3 Housing" in out and "[3.1] Fees" in out
    assert "🤖 #3 (edited) Fees" in out and "waived" in out, "3.1 pressed Fees"
    assert "Cardiovascular Medicine is offered at CQMU" in out


def _coordinator_tour(command: Command, tmp_path: Path) -> None:
    share_matcher_cache(tmp_path / "data" / "cache")
    out = _shell(command.command, tmp_path, stdin="\n".join(command.typed) + "\n").stdout
    if not command.typed:  # the coordinators' manual: the command alone
        assert "You are a coordinator" in out
        return
    notice = out.split("🤖 #14 ")[1]
    assert notice.startswith("🆕 New sign-up") and "Name: Ana Lopez" in notice
    assert "[14.1] ✅ Contacted   [14.2] 🚫 Not relevant   [14.3] ✍️ Reply to student" in notice
    assert "Areas of interest: not sure yet" in notice
    edited = out.split("🤖 #14 (edited) ")[1]
    assert "Status: ✅ contacted — Student" in edited, "14.1 pressed Contacted"
    assert "🤖 #18 ❓ Conversation #1 — a new question" in out
    assert "Can I come in March?" in out.split("🤖 #18 ")[1]
    assert "💬 Answer from a coordinator:\nYes, March is fine." in out
    saved = [line.split("saved: ")[1] for line in out.splitlines() if "📎 saved: " in line]
    assert saved == [
        "data/chat-files/21-leads-" + saved[0][-15:],
        "data/chat-files/23-stats-30d.png",
    ]
    workbook, chart = (tmp_path / path for path in saved)
    assert workbook.suffix == ".xlsx" and workbook.read_bytes().startswith(b"PK")
    assert chart.read_bytes().startswith(b"\x89PNG")
    from openpyxl import load_workbook

    rows = list(load_workbook(workbook).active.iter_rows(values_only=True))
    assert any("Ana Lopez" in row for row in rows)


def _copy_env_example(command: Command, tmp_path: Path) -> None:
    shutil.copy(REPOSITORY / ".env.example", tmp_path / ".env.example")
    assert _shell(command.command, tmp_path).returncode == 0
    (tmp_path / ".env").write_text(
        (tmp_path / ".env").read_text().replace("BOT_RETENTION_DAYS=365", "BOT_RETENTION_DAYS=30")
    )
    # Every command reads it; without a token, `python -m bot` is the offline chat.
    read = _shell("python -c 'from bot.settings import *; print(Settings.from_env())'", tmp_path)
    assert "retention_days=30" in read.stdout and "Asia/Shanghai" in read.stdout
    share_matcher_cache(tmp_path / "data" / "cache")
    out = _shell("python -m bot", tmp_path, stdin="/signup\n").stdout
    assert "Offline chat" in out and "Step 1 of 10" in out


def _kb(command: Command, tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPOSITORY / "knowledge", knowledge)
    result = _shell(
        command.command, tmp_path, BOT_KNOWLEDGE_DIR=str(knowledge), BOT_DATA_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    if command.command.endswith("check"):
        assert result.stdout.startswith("ok: ")
    if command.command.endswith("--merge"):
        assert "merged: 0 examples" in result.stdout


def _prepare(command: Command, tmp_path: Path) -> None:
    # Building the caches cold is test_first_start.py's (the same command, an empty folder).
    share_matcher_cache(tmp_path / "prebuilt")
    result = _shell(
        command.command.replace("/tmp/prebuilt", str(tmp_path / "prebuilt")),
        tmp_path,
        BOT_DATA_DIR=str(tmp_path / "data"),
    )
    assert result.returncode == 0, result.stderr
    assert "prepared: " in result.stdout


def _stats(command: Command, tmp_path: Path) -> None:
    _with_database(tmp_path)
    result = _shell(command.command, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Statistics, last 7 days" in result.stdout
    assert (tmp_path / "week.png").read_bytes().startswith(b"\x89PNG")


def _backup(command: Command, tmp_path: Path) -> None:
    _with_database(tmp_path)
    assert _shell(command.command, tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "bot-backup.sqlite3") as copy:
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
    assert {"leads", "questions", "inbox"} <= tables


def _run(command: Command, tmp_path: Path) -> None:
    """``python -m bot run`` with the settings in ./.env, against the emulator over HTTP."""

    async def scenario() -> str:
        async with EmulatorServer(BotAPIEmulator()) as server:
            (tmp_path / ".env").write_text(
                f"TELEGRAM_BOT_TOKEN={server.emulator.token}\n"
                f"TELEGRAM_API_BASE_URL={server.base_url}\n"
            )
            share_matcher_cache(tmp_path / "data" / "cache")
            python = command.command.replace(".venv/bin/python", sys.executable)
            process = subprocess.Popen(
                python.split(), cwd=tmp_path, env=_env(), stderr=subprocess.DEVNULL
            )
            try:
                student = server.emulator.add_user(77, first_name="Tour", language_code="en")
                student.send("/start")
                return (await student.wait_for_message(30)).text
            finally:
                process.terminate()
                while process.poll() is None:
                    await asyncio.sleep(0.01)

    assert "Hello Tour" in asyncio.run(scenario())


def _eval(command: Command, tmp_path: Path) -> None:
    share_matcher_cache(tmp_path / "cache")  # a first start is test_first_start.py's
    result = _shell(command.command, REPOSITORY, BOT_DATA_DIR=str(tmp_path), timeout=600)
    assert result.returncode == 0, result.stderr
    assert "accuracy" in result.stdout.lower()


def _calibrate(command: Command, tmp_path: Path) -> None:
    """The documented calibration, run on the smallest evaluation set it names only (on all
    of them it takes ~20 s of the slow tier; the grid search's cost grows with the rows,
    and the slow tier's floors score every set); every set it names must exist."""
    sets = re.findall(r"tests/eval/[\w-]+\.yaml", command.command)
    assert sets and all((REPOSITORY / name).is_file() for name in sets), sets
    smallest = min(sets, key=lambda name: (REPOSITORY / name).stat().st_size)
    one = re.sub(r"( tests/eval/[\w-]+\.yaml)+", f" {smallest}", command.command, count=1)
    share_matcher_cache(tmp_path / "cache")  # a first start is test_first_start.py's
    result = _shell(one, REPOSITORY, BOT_DATA_DIR=str(tmp_path), timeout=1800)
    assert result.returncode == 0, result.stderr
    assert "best objective" in result.stdout and f"== {smallest}" in result.stdout


def _fresh_install_and_chat(command: Command, tmp_path: Path) -> None:
    """The README's first command in a fresh copy of the repository's files."""
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPOSITORY, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        if (REPOSITORY / name).is_file():
            shutil.copy(REPOSITORY / name, tmp_path / name)
    # A first start in the new venv (the encoder's ready copy prepared from the package just
    # installed); the knowledge base's embeddings are linked: computing them cold is
    # test_first_start.py's.
    share_matcher_cache(tmp_path / "data" / "cache", model=False)
    result = subprocess.run(
        command.command,
        shell=True,
        cwd=tmp_path,
        # pip's --no-compile (its variable reads inverted: "0" turns compiling off): the
        # packages' byte code is an optimisation Python makes on import anyway, and writing
        # it for every module of numpy, matplotlib… was about 40 % of the install's CPU.
        env=_env(PIP_NO_COMPILE="0"),
        input="what are the fees?\n",
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Offline chat" in result.stdout and "waived" in result.stdout
    assert "First start: preparing the sentence encoder" in result.stderr


def _the_test_command(command: Command, tmp_path: Path) -> None:
    """Running the suite from inside the suite would recurse: CI runs exactly this command
    (.ci/run, with pip's -q)."""
    ci = (REPOSITORY / ".ci" / "run").read_text(encoding="utf-8")
    assert command.command in ci.replace("pip install -q -e", "pip install -e")


def _docker(command: Command, tmp_path: Path) -> None:
    docker = shutil.which("docker")
    info = docker and subprocess.run([docker, "info"], capture_output=True, check=False)
    if not info or info.returncode != 0:
        pytest.skip("no Docker daemon here (tests/test_deployment.py checks the Dockerfile)")
    if command.command.startswith("docker run"):
        pytest.skip("runs the bot on Telegram: needs a real token")
    result = subprocess.run(
        command.command, shell=True, cwd=REPOSITORY, capture_output=True, timeout=1800, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]


Runner = Callable[[Command, Path], None]
# Each documented command (a regular expression) and what runs it; a command of the docs
# matching none fails test_every_documented_command_is_run.
RUNNERS: list[tuple[str, Runner, bool]] = [  # (pattern, runner, slow)
    (r"\.venv/bin/python -m bot chat", _student_tour, False),
    (r"(\.venv/bin/)?python -m bot chat --coordinator", _coordinator_tour, False),
    (r"cp \.env\.example \.env", _copy_env_example, False),
    (r"python -m bot kb (check|learned|learned --merge)", _kb, False),
    (r"python -m bot stats --days 7 --png week\.png", _stats, False),
    (r"python -c \"import sqlite3; .*backup.*\"", _backup, False),
    (r"\.venv/bin/python -m bot run", _run, False),
    (r"python -m bot eval tests/eval/[\w-]+-dev[\w-]*\.yaml", _eval, True),
    (r"python scripts/calibrate\.py( tests/eval/[\w-]+\.yaml)+", _calibrate, True),
    (r"python3 -m venv \.venv && \.venv/bin/pip install -e \. && \.venv/bin/python -m bot",
     _fresh_install_and_chat, True),
    (r"python3 -m venv \.venv && \.venv/bin/pip install -e '\.\[test\]' && "
     r"\.venv/bin/python -m pytest", _the_test_command, False),
    (r"docker (build|run) .*", _docker, True),
    (r"\.venv/bin/python -m bot prepare /tmp/prebuilt", _prepare, True),
]  # fmt: skip


def _runner(command: Command) -> tuple[Runner, bool] | None:
    for pattern, runner, slow in RUNNERS:
        if re.fullmatch(pattern, command.command):
            return runner, slow
    return None


def test_every_documented_command_is_run() -> None:
    assert len(COMMANDS) >= 10
    unrun = [str(c) for c in COMMANDS if _runner(c) is None]
    assert unrun == [], f"documented commands no test runs (add them to RUNNERS): {unrun}"
    typed = [c for c in COMMANDS if c.typed]
    assert [c.command for c in typed] == [
        ".venv/bin/python -m bot chat",
        ".venv/bin/python -m bot chat --coordinator",
    ], "the README's tour: the lines to type follow each chat command"


def _parameters() -> list[object]:
    """One test a distinct command: one documented on two pages (``cp .env.example .env``,
    ``python -m bot kb learned``…) runs once, its runner reading only the command and the lines
    typed after it (each a process start, 2-3 s of CPU; session 14)."""
    params = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for number, command in enumerate(COMMANDS):
        if (command.command, command.typed) in seen:
            continue
        seen.add((command.command, command.typed))
        found = _runner(command)
        slow = found is not None and found[1]
        marks = [pytest.mark.slow] if slow else []
        if found is not None and found[0] is not _the_test_command:  # it starts a process:
            marks.append(pytest.mark.process)  # slow tier, `python -m bot run` aside
            if found[0] is _run:
                marks.append(pytest.mark.smoke)
        params.append(pytest.param(command, marks=marks, id=f"{number}-{command.command[:40]}"))
    return params


@pytest.mark.parametrize("command", _parameters())
def test_documented_command(command: Command, tmp_path: Path) -> None:
    found = _runner(command)
    if found is None:
        pytest.fail(f"no runner for {command}")
    found[0](command, tmp_path)
