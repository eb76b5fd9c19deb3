"""A newcomer's first hour (issue 21): /help lists every student command, start-up failures
are one line, the housing answer says whose accommodation each line is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import REPOSITORY
from bot.telegram.context import COMMANDS
from tests.auxil.harness import LocalBot, share_matcher_cache


@pytest.mark.asyncio
@pytest.mark.parametrize("language", ["en", "zh", "fr"])
async def test_help_lists_every_student_command(bot: LocalBot, language: str) -> None:
    student = bot.user(language_code=language)
    await bot.send(student, "/help")
    for command in COMMANDS:
        assert f"/{command}" in student.last.text, (language, command)


@pytest.mark.process
def test_an_unreachable_bot_api_is_exactly_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    # A first start (the encoder's ready copy prepared), the knowledge base's embeddings
    # linked: computing them cold is test_first_start.py's.
    share_matcher_cache(tmp_path / "cache", model=False)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,  # no .env here
        env={
            **env,
            "TELEGRAM_BOT_TOKEN": "123:ABC",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
            "BOT_DATA_DIR": str(tmp_path),
            "BOT_KNOWLEDGE_DIR": str(REPOSITORY / "knowledge"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    # A first start says first what it prepares (issue 19), then the error.
    assert len(lines) == 2, result.stderr
    assert "First start: preparing the sentence encoder" in lines[0], result.stderr
    assert lines[1].startswith("error: cannot reach the Bot API at http://127.0.0.1:9/bot")
    assert "Network Retry Loop" not in result.stderr


@pytest.mark.parametrize(
    ("language", "question", "cqmu", "dartmouth"),
    [
        ("en", "is housing free?", "For exchange students coming to CQMU",
         "from Dartmouth College"),
        ("zh", "住宿免费吗", "来重庆医科大学（CQMU）交流的学生",
         "由达特茅斯学院（Dartmouth College）提供"),
        ("fr", "le logement est gratuit ?", "qui viennent à la CQMU",
         "de la part du Dartmouth College"),
    ],
)  # fmt: skip
def test_the_housing_answer_says_whose_accommodation(
    assistant: object, language: str, question: str, cqmu: str, dartmouth: str
) -> None:
    reply = assistant.answer(question, language)  # type: ignore[attr-defined]
    assert reply.intent == "housing"
    first, second = reply.text.split("\n")[1:3]
    assert cqmu in first and "Dartmouth" not in first
    assert dartmouth in second, "the Dartmouth line is quoted from the page, source named"
    assert "CQMU students" not in second and "going there" not in second, "nothing invented"
