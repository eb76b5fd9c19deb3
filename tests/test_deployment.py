"""The Docker image and .env.example agree (issue 7, item 12), and the health check works.
Docker does not run here: the Dockerfile is checked as text, its commands as processes."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.settings import HEARTBEAT_SECONDS, REPOSITORY, Settings
from bot.telegram.heartbeat import JOB_NAME
from tests.auxil.harness import HttpBot

DOCKERFILE = (REPOSITORY / "Dockerfile").read_text(encoding="utf-8")
INSTRUCTIONS = [
    line.split(maxsplit=1)
    for line in re.sub(r"\\\n\s*", " ", DOCKERFILE).splitlines()
    if line.strip() and not line.startswith("#")
]


def _index(keyword: str, contains: str) -> int:
    return next(
        n for n, (word, rest) in enumerate(INSTRUCTIONS) if word == keyword and contains in rest
    )


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    install = _index("RUN", "pip install -r")
    assert _index("COPY", "pyproject.toml") < install < _index("COPY", "bot ./bot")
    assert install < _index("COPY", "README.md")  # README edits do not reinstall either
    assert _index("COPY", "bot ./bot") < _index("RUN", "pip install --no-deps .")
    # The one-liner reads the same list as pyproject.toml.
    command = re.search(r'python -c "(.+?)"\s+>', INSTRUCTIONS[install][1])
    assert command is not None
    listed = subprocess.run(
        [sys.executable, "-c", command.group(1)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert "rapidfuzz>=3.9,<4" in listed and all(listed)


def test_the_image_keeps_the_database_on_its_volume_whatever_env_file_says() -> None:
    assert 'VOLUME ["/data"]' in DOCKERFILE and "--uid 10001" in DOCKERFILE
    for keyword in ("CMD", "HEALTHCHECK"):
        line = INSTRUCTIONS[_index(keyword, "bot")][1]
        assert '"BOT_DATA_DIR=/data"' in line, line
    example = (REPOSITORY / ".env.example").read_text(encoding="utf-8")
    assert not re.search(r"^BOT_DATA_DIR=", example, re.MULTILINE)
    assert 'python", "-m", "bot", "health"' in DOCKERFILE


def _health(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "health"],
        cwd=REPOSITORY,
        env={**os.environ, "BOT_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.process
def test_health_needs_a_fresh_heartbeat_and_a_readable_database(tmp_path: Path) -> None:
    assert _health(tmp_path).returncode == 1  # never ran
    settings = Settings(data_dir=tmp_path)
    settings.heartbeat_path.touch()
    result = _health(tmp_path)
    assert result.returncode == 1 and "database not readable" in result.stderr
    with sqlite3.connect(settings.database_path) as database:
        database.execute("CREATE TABLE t (x)")
    result = _health(tmp_path)
    assert result.returncode == 0, result.stderr
    stale = time.time() - 4 * HEARTBEAT_SECONDS
    os.utime(settings.heartbeat_path, (stale, stale))
    result = _health(tmp_path)
    assert result.returncode == 1 and "last heartbeat" in result.stderr


@pytest.mark.process
@pytest.mark.asyncio
async def test_the_running_bot_beats(tmp_path: Path) -> None:
    async with HttpBot(tmp_path) as bot:
        assert bot.app is not None and bot.app.job_queue is not None
        assert bot.app.job_queue.get_jobs_by_name(JOB_NAME)
        for _ in range(50):
            if bot.settings.heartbeat_path.exists():
                break
            await __import__("asyncio").sleep(0.1)
        assert _health(tmp_path).returncode == 0


def test_every_data_file_of_the_package_is_installed_by_a_plain_install() -> None:
    """The image runs ``pip install .`` (not editable): every file under ``bot/`` that is not
    Python must be named by ``[tool.setuptools.package-data]``, or the installed bot lacks it
    (the common Chinese words were missing once)."""
    import fnmatch
    import tomllib

    declared = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = declared["tool"]["setuptools"]["package-data"]
    tracked = subprocess.run(
        ["git", "ls-files", "bot"], cwd=REPOSITORY, capture_output=True, text=True, check=True
    ).stdout.split()
    missing = []
    for name in tracked:
        if name.endswith(".py") or "/__pycache__/" in name:
            continue
        covered = False
        for package, globs in patterns.items():
            root = package.replace(".", "/") + "/"
            if name.startswith(root):
                covered |= any(fnmatch.fnmatch(name[len(root) :], glob) for glob in globs)
        if not covered:
            missing.append(name)
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
