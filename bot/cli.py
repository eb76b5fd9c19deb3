"""Command line: ``python -m bot {run,chat,ask,eval,kb}``."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from bot.content.knowledge import KnowledgeError
from bot.content.languages import LANGUAGES
from bot.settings import Settings, SettingsError
from bot.understanding.answers import Assistant, Reply

_TAG = re.compile(r"<[^>]+>")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="CQMU Exchange Assistant")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the Telegram bot (polling, or webhook if configured)")
    chat = commands.add_parser("chat", help="talk to the bot offline in this terminal")
    chat.add_argument("--lang", choices=LANGUAGES, help="Telegram language of the pretend user")
    ask = commands.add_parser("ask", help="answer questions (arguments, or one per stdin line)")
    ask.add_argument("--lang", choices=LANGUAGES, help="force the reply language")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("question", nargs="*")
    evaluate = commands.add_parser("eval", help="score a labelled question file")
    evaluate.add_argument("file")
    evaluate.add_argument("--no-misses", action="store_true", help="do not list the misses")
    kb = commands.add_parser("kb", help="knowledge-base tools")
    kb.add_argument("action", choices=["check"])
    return parser


def _plain(reply: Reply) -> str:
    text = _TAG.sub("", reply.text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    buttons = "  ".join(f"[{b.label}]" for b in reply.buttons)
    return f"{text}\n{buttons}\n" if buttons else f"{text}\n"


_BATCH = 256  # questions read and encoded together by ``ask``


def _batches(questions: Iterable[str]) -> Iterable[list[str]]:
    batch: list[str] = []
    for question in questions:
        batch.append(question.rstrip("\r\n"))
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _ask(assistant: Assistant, questions: Iterable[str], lang: str | None, as_json: bool) -> None:
    out = sys.stdout
    for batch in _batches(questions):
        assistant.matcher.prepare(batch)
        for question in batch:
            _ask_one(assistant, question, lang, as_json, out)
    out.flush()


def _ask_one(
    assistant: Assistant, question: str, lang: str | None, as_json: bool, out: TextIO
) -> None:
    reply = assistant.answer(question, lang)
    if as_json:
        record = {
            "question": question,
            "intent": reply.intent,
            "score": round(reply.score, 4),
            "language": reply.language,
            "text": reply.text,
            "buttons": [b.label for b in reply.buttons],
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        out.write(f"> {question}\n{_plain(reply)}\n")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import run  # Telegram is imported only by the commands that need it

    return run(settings)


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.chat import chat

    return chat(settings, language=args.lang)


def _ask_command(args: argparse.Namespace, settings: Settings) -> int:
    assistant = Assistant.load(
        settings.knowledge_dir, settings.conversations_dir, settings.data_dir / "cache"
    )
    _ask(assistant, args.question or sys.stdin, args.lang, args.json)
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.understanding.evaluation import evaluate, format_report, load_cases, unknown_ids

    assistant = Assistant.load(
        settings.knowledge_dir, settings.conversations_dir, settings.data_dir / "cache"
    )
    cases = load_cases(Path(args.file))
    unknown = unknown_ids(cases, assistant)
    if unknown:
        print(f"error: unknown expected ids: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 1
    print(format_report(evaluate(assistant, cases), misses=not args.no_misses))
    return 0


def _kb(args: argparse.Namespace, settings: Settings) -> int:
    from bot.checks import check_all

    kb = check_all(settings).kb
    examples = sum(len(p) for e in kb.entries.values() for p in e.examples.values())
    print(f"ok: {len(kb.entries)} entries, {len(kb.items)} items, {examples} examples")
    return 0


_COMMANDS = {"run": _run, "chat": _chat, "ask": _ask_command, "eval": _eval, "kb": _kb}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m bot`` and the ``exchange-bot`` script."""
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args, Settings.from_env())
    except (SettingsError, KnowledgeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
