"""`python -m bot chat`: the offline terminal chat needs no token and no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import REPOSITORY
from tests.auxil.harness import share_matcher_cache

pytestmark = pytest.mark.process


def chat(lines: list[str], tmp_path: Path, *args: str, command: tuple[str, ...] = ("chat",)) -> str:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    share_matcher_cache(tmp_path / "cache")
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
    assert "Warning" not in result.stderr  # nothing the student did not ask for at start-up
    return result.stdout


def test_without_a_command_or_a_token_the_bot_opens_the_offline_chat(tmp_path: Path) -> None:
    out = chat(["what are the fees?"], tmp_path, command=())
    assert "Offline chat" in out and "waived" in out


def test_chat_answers_and_presses_numbered_buttons(tmp_path: Path) -> None:
    out = chat(["what are the fees?", "1"], tmp_path)
    assert "Hello Student!" in out and "[2.1] ℹ️ About the programme" in out
    assert "waived" in out
    assert "Dartmouth" in out, "typing 1 pressed the first button (Housing)"


def test_chat_in_french_with_the_sign_up_form(tmp_path: Path) -> None:
    out = chat(["/signup", "Léa Martin", "pas-un-email"], tmp_path, "--lang", "fr")
    assert "Bonjour Student" in out
    assert "adresse e-mail" in out.lower()


def test_a_new_session_continues_the_form_and_lang_wins_over_an_earlier_choice(
    tmp_path: Path,
) -> None:
    first = chat(["/signup", "Léa Martin", "/language", "1"], tmp_path)  # [5.1] English
    assert "e-mail address" in first and "I'll answer in English" in first
    second = chat(["lea.martin@unistra.fr"], tmp_path, "--lang", "fr")
    assert "Language: fr" in second
    assert "Bonjour Student" in second
    assert "(votre université d'origine)" in second, "the form went on in the new session"


def test_lang_is_for_one_session_only(tmp_path: Path) -> None:
    assert "Bonjour Student" in chat(["/help"], tmp_path, "--lang", "fr")
    later = chat(["/help"], tmp_path)
    assert "Language: en" in later and "Hello Student" in later


def test_old_buttons_stay_pressable_and_out_of_range_numbers_are_not_sent(tmp_path: Path) -> None:
    out = chat(["what are the fees?", "9", "3.7", "2.3", "/mydata"], tmp_path)
    assert "Message #3 has buttons 3.1 to 3.4; 9 is not one of them (nothing was sent)" in out
    assert "3.7 is not one of them" in out
    assert "#2 (edited) Housing" in out, "2.3 pressed Housing on the first menu"
    assert "Your questions (1)" in out, "only the fees question was logged, not 9 or 3.7"


SIGN_UP = ["/signup", "Ana Lopez", "ana@example.cl", "Universidad de Chile", "Chile"]
SIGN_UP += ["1", "4", "1", "1", "1", "1", "1"]  # level, not sure, duration, start, skip, consent,
# confirm: the buttons of the latest message


def test_a_coordinator_offline_gets_the_notice_answers_and_gets_files(tmp_path: Path) -> None:
    answer = ["14.1", "2.12", "Can I come in March?", "/reply 18 Yes, March is fine."]
    answer += ["/reply 14 Welcome, Ana!", "/reply 99 nobody", "20.1"]
    out = chat([*SIGN_UP, *answer, "/leads", "/leads csv", "/stats"], tmp_path, "--coordinator")
    assert "You are a coordinator" in out
    notice = out.split("🤖 #14 ")[1]
    assert notice.startswith("🆕 New sign-up") and "[14.1] ✅ Contacted" in notice
    assert "🤖 #14 (edited) 🆕 New sign-up" in out and "Status: ✅ contacted" in out
    assert "🤖 #18 ❓ Conversation #1 — a new question" in out
    assert "Answer from a coordinator:\nYes, March is fine." in out
    assert "Answer from a coordinator:\nWelcome, Ana!" in out, "a reply to the notice"
    assert "There is no message #99." in out
    assert "Message #20 has no buttons." in out
    saved = [line.split("saved: ")[1] for line in out.splitlines() if "📎 saved: " in line]
    assert [Path(p).suffix for p in saved] == [".xlsx", ".csv", ".png"]
    for path in map(Path, saved):
        assert path.parent == tmp_path / "chat-files" and path.stat().st_size > 100
    assert "Ana Lopez" in Path(saved[1]).read_text(encoding="utf-8-sig")
    assert Path(saved[2]).read_bytes().startswith(b"\x89PNG")


def test_without_coordinator_the_coordinators_commands_do_not_exist(tmp_path: Path) -> None:
    out = chat(["/leads"], tmp_path)
    assert "I don't know that command" in out and "saved:" not in out
