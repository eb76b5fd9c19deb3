"""Static checks run with the tests, so CI enforces them: ruff and mypy."""

from __future__ import annotations

import subprocess
import sys

from bot.settings import REPOSITORY


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPOSITORY, capture_output=True, text=True, check=False
    )


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", "bot", "tests", "benchmarks", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = _run("mypy", "bot")
    assert result.returncode == 0, result.stdout + result.stderr
