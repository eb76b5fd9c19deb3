"""`python -m bot chat`: the offline terminal chat needs no token and no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import REPOSITORY

pytestmark = pytest.mark.process


def chat(lines: list[str], tmp_path: Path, *args: str, command: tuple[str, ...] = ("chat",)) -> str:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", *command, *args],
        input="\n".join(lines) + "\n",
        cwd=REPOSITORY,
        env={**env, "BOT_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_without_a_command_or_a_token_the_bot_opens_the_offline_chat(tmp_path: Path) -> None:
    out = chat(["what are the fees?"], tmp_path, command=())
    assert "Offline chat" in out and "waived" in out


def test_chat_answers_and_presses_numbered_buttons(tmp_path: Path) -> None:
    out = chat(["what are the fees?", "1"], tmp_path)
    assert "Hello Student!" in out and "[1] ℹ️ About the programme" in out
    assert "waived" in out
    assert "Dartmouth" in out, "typing 1 pressed the first button (Housing)"


def test_chat_in_french_with_the_sign_up_form(tmp_path: Path) -> None:
    out = chat(["/signup", "Léa Martin", "pas-un-email"], tmp_path, "--lang", "fr")
    assert "Bonjour Student" in out
    assert "adresse e-mail" in out.lower()


def test_a_new_session_continues_the_form_and_lang_wins_over_an_earlier_choice(
    tmp_path: Path,
) -> None:
    first = chat(["/signup", "Léa Martin", "/language", "1"], tmp_path)  # [1] English
    assert "e-mail address" in first and "I'll answer in English" in first
    second = chat(["lea.martin@unistra.fr"], tmp_path, "--lang", "fr")
    assert "Language: fr" in second
    assert "Bonjour Student" in second
    assert "(votre université d'origine)" in second, "the form went on in the new session"
