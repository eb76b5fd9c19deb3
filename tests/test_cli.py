"""The command-line contract (``python -m bot ask|kb|eval``), run as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant
from bot.understanding.context import Dialogue
from tests.auxil.harness import share_matcher_cache
from tests.auxil.paths import FIXTURES, KNOWLEDGE

pytestmark = pytest.mark.process

JSON_KEYS = {"question", "intent", "score", "language", "text", "buttons"}


_DATA: list[Path] = []  # the commands' data dir, the session's matcher cache linked in


@pytest.fixture(autouse=True, scope="module")
def _warm_data_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The commands start warm (a first start is test_first_start.py's): on a fresh clone the
    repository's data dir has no cache, and each worker's first command would compute it."""
    data = tmp_path_factory.mktemp("cli-data")
    share_matcher_cache(data / "cache")
    _DATA[:] = [data]


def run_bot(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` from the repository, with no BOT_/TELEGRAM_ settings leaking in
    (the data dir aside: see ``_warm_data_dir``)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    clean["PYTHONIOENCODING"] = "utf-8"
    clean.update({"BOT_DATA_DIR": str(_DATA[0])} if _DATA else {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPOSITORY,
        env={**clean, **(env or {})},
        timeout=120,
        check=False,
    )


def json_lines(stdout: str) -> list[dict[str, object]]:
    lines = stdout.splitlines()
    records = [json.loads(line) for line in lines]
    for record in records:
        assert isinstance(record, dict)
    return records


def assert_contract(record: dict[str, object]) -> None:
    assert set(record) == JSON_KEYS
    assert isinstance(record["question"], str)
    assert record["intent"] is None or isinstance(record["intent"], str)
    assert isinstance(record["score"], float)
    assert 0.0 <= record["score"] <= 1.0
    assert record["language"] in ("en", "zh", "fr")
    assert isinstance(record["text"], str)
    assert record["text"]
    buttons = record["buttons"]
    assert isinstance(buttons, list)
    assert buttons
    assert all(isinstance(label, str) and label for label in buttons)


# ───────────────────────────────────── ask --json ─────────────────────────────────────

STDIN_QUESTIONS = [
    "how long is the programme",
    "住宿免费吗",
    "",  # blank lines are not questions: skipped (issue 21)
    "   ",
    "neurochirurgie ?",
    "what is the application deadline",
    "who won the football game",
]


def test_ask_json_answers_stdin_questions_in_order_one_object_per_line(
    assistant: Assistant,
) -> None:
    result = run_bot("ask", "--json", stdin="".join(f"{q}\n" for q in STDIN_QUESTIONS))
    assert result.returncode == 0, result.stderr
    # Nothing but, on a first start (a fresh clone) or after a knowledge change, the one line
    # saying what it prepares.
    assert result.stderr == "" or (
        len(result.stderr.splitlines()) == 1
        and result.stderr.startswith(("First start: ", "Computing the embeddings of "))
    )
    records = json_lines(result.stdout)
    assert [r["question"] for r in records] == [q for q in STDIN_QUESTIONS if q.strip()]
    for record in records:
        assert_contract(record)
        # The CLI prints exactly what the chat answers to a first message.
        reply = Dialogue(assistant).reply(str(record["question"]))
        assert record["intent"] == reply.intent
        assert record["language"] == reply.language
        assert record["text"] == reply.text
        assert record["buttons"] == [b.label for b in reply.buttons]
        assert record["score"] == pytest.approx(reply.score, abs=1e-4)
    intents = [r["intent"] for r in records]
    assert intents[0] == "duration"
    assert intents[1] == "housing"
    assert intents[2] == "neurosurgery"
    assert intents[3] == "application-deadline"
    assert intents[4] is None, "the off-topic question is declined"


def test_ask_answers_as_the_chat_does() -> None:
    """A programme named gets its own facts and a letter's thanks is not answered: `ask` goes
    through the chat's conversation path, not the bare matcher."""
    result = run_bot(
        "ask", "--json", "how long is the CSC programme?", "Is there a fee for it? Thanks a lot!"
    )
    assert result.returncode == 0, result.stderr
    csc, fees = json_lines(result.stdout)
    assert "Strasbourg" in str(csc["text"]) and "does not give" in str(csc["text"])
    assert fees["intent"] == "fees"
    assert "welcome" not in str(fees["text"]).lower()


def test_ask_json_with_question_arguments() -> None:
    result = run_bot("ask", "--json", "fees", "frais", "费用")
    assert result.returncode == 0, result.stderr
    records = json_lines(result.stdout)
    assert [r["question"] for r in records] == ["fees", "frais", "费用"]
    assert [r["intent"] for r in records] == ["fees"] * 3
    assert [r["language"] for r in records] == ["en", "fr", "zh"]
    for record in records:
        assert_contract(record)


def test_ask_json_keeps_windows_line_endings_out_of_questions() -> None:
    result = run_bot("ask", "--json", stdin="fees\r\nhousing\r\n")
    assert result.returncode == 0, result.stderr
    records = json_lines(result.stdout)
    assert [(r["question"], r["intent"]) for r in records] == [
        ("fees", "fees"),
        ("housing", "housing"),
    ]


def test_ask_json_last_line_without_newline_is_answered() -> None:
    result = run_bot("ask", "--json", stdin="fees\nhousing")
    assert result.returncode == 0, result.stderr
    assert [r["intent"] for r in json_lines(result.stdout)] == ["fees", "housing"]


def test_ask_lang_zh_forces_chinese(assistant: Assistant) -> None:
    questions = ["how long is the programme", "le logement est-il gratuit", "tell me a joke"]
    result = run_bot("ask", "--json", "--lang", "zh", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    records = json_lines(result.stdout)
    assert len(records) == len(questions)
    for question, record in zip(questions, records, strict=True):
        assert_contract(record)
        assert record["language"] == "zh"
        assert record["text"] == assistant.answer(question, "zh").text
        assert assistant.texts.get("button_main_menu", "zh") in record["buttons"]
    assert records[0]["intent"] == "duration"
    assert "4周" in str(records[0]["text"])
    assert records[1]["intent"] == "housing"
    assert "免费住宿" in str(records[1]["text"])


def test_ask_rejects_an_unknown_language() -> None:
    result = run_bot("ask", "--lang", "de", "fees")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--lang" in result.stderr


# ───────────────────────────────────── ask (text) ─────────────────────────────────────


def test_ask_without_json_prints_readable_text() -> None:
    result = run_bot("ask", stdin="how long is the programme\ncan I do cardiology?\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "> how long is the programme\n" in out
    assert "> can I do cardiology?\n" in out
    assert out.index("> how long") < out.index("> can I do cardiology?")
    assert "4 weeks to 6 months" in out
    assert "Cardiovascular Medicine" in out
    assert "[🏠 Main menu]" in out
    # No HTML markup, and not JSON.
    assert not re.search(r"</?(b|i|a|u|s|code|pre|blockquote)\b", out)
    assert not out.lstrip().startswith("{")


# ─────────────────────────────────────── kb check ───────────────────────────────────────


def test_kb_check_accepts_the_real_knowledge_base() -> None:
    result = run_bot("kb", "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
    assert re.search(r"\d+ entries", result.stdout)


@pytest.fixture
def broken_knowledge(tmp_path: Path) -> Path:
    """A knowledge folder whose entry 'fees' names an unknown related id."""
    shutil.copy(FIXTURES / "kb" / "bad_related" / "entries.yaml", tmp_path / "entries.yaml")
    shutil.copy(KNOWLEDGE / "matching.yaml", tmp_path / "matching.yaml")
    return tmp_path


@pytest.mark.parametrize("command", [["kb", "check"], ["ask", "--json", "fees"]])
def test_broken_knowledge_base_exits_2_naming_file_and_entry(
    broken_knowledge: Path, command: list[str]
) -> None:
    result = run_bot(*command, env={"BOT_KNOWLEDGE_DIR": str(broken_knowledge)})
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "entries.yaml" in result.stderr
    assert "'fees'" in result.stderr
    assert "housing" in result.stderr


def test_missing_knowledge_dir_exits_2_without_traceback(tmp_path: Path) -> None:
    result = run_bot("kb", "check", env={"BOT_KNOWLEDGE_DIR": str(tmp_path / "nowhere")})
    assert result.returncode == 2
    assert "BOT_KNOWLEDGE_DIR" in result.stderr
    assert "Traceback" not in result.stderr


# ───────────────────────────────────────── eval ─────────────────────────────────────────


def test_eval_prints_accuracy_per_language_and_off_topic_declined(tmp_path: Path) -> None:
    # A few rows in each language, a miss among them (the slow tier's floors score the sets)
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        '- {q: "how much are the fees?", lang: en, expect: fees}\n'
        '- {q: "fees", lang: en, expect: housing}\n'
        '- {q: "住宿免费吗？", lang: zh, expect: housing}\n'
        '- {q: "combien coûtent les frais ?", lang: fr, expect: fees}\n'
        '- {q: "tell me a joke", lang: en, expect: null}\n',
        encoding="utf-8",
    )
    result = run_bot("eval", str(cases), "--no-misses")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for lang in ("en", "zh", "fr"):
        assert re.search(rf"^\s+{lang}:\s+\d+\.\d%\s+\(\d+/\d+\)$", out, re.MULTILINE), out
    assert re.search(r"^off-topic declined:\s+\d+\.\d%\s+\(\d+/\d+\)$", out, re.MULTILINE), out
    assert "misses:" not in out


def test_eval_lists_misses_unless_told_not_to(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        '- {q: "fees", lang: en, expect: housing}\n'
        '- {q: "tell me a joke", lang: en, expect: null}\n',
        encoding="utf-8",
    )
    result = run_bot("eval", str(cases))
    assert result.returncode == 0, result.stderr
    assert "misses:" in result.stdout
    assert "[en] 'fees': expected housing, got fees" in result.stdout


def test_eval_refuses_unknown_expected_ids(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"q": "fees", "lang": "en", "expect": "no-such-entry"}\n', encoding="utf-8")
    result = run_bot("eval", str(cases))
    assert result.returncode == 1
    assert "no-such-entry" in result.stderr
    assert "Traceback" not in result.stderr
