"""`.ci/run` fails when a step fails: its `step` helper passes the step's exit code on (session 7:
it returned its last `echo`'s 0, so a red slow tier printed its failures and CI still passed)."""

from __future__ import annotations

import re
import subprocess

from bot.settings import REPOSITORY

CI = REPOSITORY / ".ci" / "run"


def _function(name: str) -> str:
    """The text of one shell function of `.ci/run`."""
    found = re.search(rf"^{name}\(\) \{{.*?^\}}", CI.read_text(encoding="utf-8"), re.S | re.M)
    assert found, f"no {name}() in .ci/run"
    return found.group(0)


def _bash(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{script}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_failing_step_fails_and_still_reports_its_time() -> None:
    done = _bash(f'{_function("step")}\nslow=0\nstep "slow tier" false || slow=$?\nexit "$slow"')
    assert done.returncode == 1
    assert "== slow tier: " in done.stdout


def test_a_passing_step_passes() -> None:
    assert _bash(f'{_function("step")}\nstep "ruff" true').returncode == 0


def test_every_static_check_runs_and_one_failure_fails_them() -> None:
    static = _function("static").replace(
        ".venv/bin/ruff check bot tests benchmarks scripts", "false"
    )
    static = re.sub(r"\.venv/bin/(mypy bot|python scripts/check_imports\.py)", "true", static)
    done = _bash(f"{_function('step')}\n{static}\nstatic")
    assert done.returncode == 1
    assert "== mypy: " in done.stdout and "== import rules: " in done.stdout
