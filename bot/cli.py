"""Command line: ``python -m bot {run,chat,ask,eval,kb,stats}``."""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import logging
import re
import sqlite3
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.content.knowledge import KnowledgeError
from bot.content.languages import LANGUAGES
from bot.settings import HEARTBEAT_SECONDS, Settings, SettingsError

if TYPE_CHECKING:  # the matcher is imported only by the commands that need it (health is fast)
    from bot.understanding.answers import Assistant, Reply

_TAG = re.compile(r"<[^>]+>")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="CQMU Exchange Assistant. Without a command: run on Telegram when "
        "TELEGRAM_BOT_TOKEN is set, else the offline chat.",
    )
    parser.set_defaults(command=None, lang=None)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the Telegram bot (polling, or webhook if configured)")
    chat = commands.add_parser("chat", help="talk to the bot offline in this terminal")
    chat.add_argument(
        "--lang", choices=LANGUAGES, help="the pretend user's language, for this session only"
    )
    chat.add_argument(
        "--coordinator",
        action="store_true",
        help="the pretend user is also a coordinator (this session only)",
    )
    ask = commands.add_parser("ask", help="answer questions (arguments, or one per stdin line)")
    ask.add_argument("--lang", choices=LANGUAGES, help="force the reply language")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("question", nargs="*")
    evaluate = commands.add_parser("eval", help="score a labelled question file")
    evaluate.add_argument("file")
    evaluate.add_argument("--no-misses", action="store_true", help="do not list the misses")
    kb = commands.add_parser("kb", help="knowledge-base tools")
    kb.add_argument(
        "action",
        choices=["check", "learned", "overrides"],
        help="check: validate everything; learned: print the examples coordinators added; "
        "overrides: print the answers edited in the console",
    )
    kb.add_argument(
        "--merge",
        action="store_true",
        help="with 'learned' or 'overrides': move them into the knowledge files",
    )
    prepare = commands.add_parser(
        "prepare", help="build the matcher's caches (model, embeddings) now, e.g. in an image"
    )
    prepare.add_argument(
        "directory", nargs="?", type=Path, help="where (default: BOT_DATA_DIR/cache)"
    )
    commands.add_parser("health", help="exit 0 if the running bot is alive (for Docker)")
    stats = commands.add_parser("stats", help="the coordinators' statistics (as /stats)")
    stats.add_argument("--days", type=int, default=30, help="the last N days (default 30)")
    stats.add_argument("--png", type=Path, metavar="FILE", help="also draw the chart in FILE")
    stats.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the text")
    return parser


def _unhtml(text: str) -> str:
    """Telegram HTML as plain text for a terminal."""
    return html.unescape(_TAG.sub("", text))


def _plain(reply: Reply) -> str:
    text = _unhtml(reply.text)
    buttons = "  ".join(f"[{b.label}]" for b in reply.buttons)
    return f"{text}\n{buttons}\n" if buttons else f"{text}\n"


_BATCH = 256  # questions read and encoded together by ``ask``


def _batches(questions: Iterable[str]) -> Iterable[list[str]]:
    """The questions in batches of ``_BATCH``; blank lines are not questions and are skipped."""
    batch: list[str] = []
    for question in questions:
        if not question.strip():
            continue
        batch.append(question.rstrip("\r\n"))
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _ask(assistant: Assistant, questions: Iterable[str], lang: str | None, as_json: bool) -> None:
    for batch in _batches(questions):
        assistant.matcher.prepare(batch)
        # One write a batch: with PYTHONUNBUFFERED set, a write a line costs a system call each.
        sys.stdout.write("".join(_ask_one(assistant, q, lang, as_json) for q in batch))
        sys.stdout.flush()


def _ask_one(assistant: Assistant, question: str, lang: str | None, as_json: bool) -> str:
    """One question answered as the private chat answers a first message (an e-mail is read
    sentence by sentence, a programme named gets its own facts), with no earlier turns."""
    from bot.understanding.context import Dialogue

    reply = Dialogue(assistant).reply(question, lang)
    if as_json:
        record = {
            "question": question,
            "intent": reply.intent,
            "score": round(reply.score, 4),
            "language": reply.language,
            "text": reply.text,
            "buttons": [b.label for b in reply.buttons],
        }
        return json.dumps(record, ensure_ascii=False) + "\n"
    return f"> {question}\n{_plain(reply)}\n"


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.telegram.runner import run  # Telegram is imported only by the commands that need it
    from bot.web import install  # the coordinators' console (off without BOT_WEB_URL)

    return run(settings, install)


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.chat import chat

    return chat(settings, language=args.lang, coordinator=getattr(args, "coordinator", False))


def _assistant(settings: Settings) -> Assistant:
    """The answering core as the bot loads it (embeddings cached in the data dir)."""
    from bot.understanding.answers import Assistant
    from bot.understanding.embedding import link_prebuilt

    if settings.semantic:
        link_prebuilt(settings.cache_dir, settings.prebuilt_cache_dir)
    return Assistant.load(
        settings.knowledge_dir,
        settings.conversations_dir,
        cache_dir=settings.cache_dir,
        semantic=settings.semantic,
    )


def _prepare(args: argparse.Namespace, settings: Settings) -> int:
    """Build the sentence encoder's ready copy and the knowledge base's embeddings (without
    learned examples) in a directory: the Dockerfile's build step, so containers start warm."""
    from bot.understanding.answers import Assistant

    directory: Path = args.directory or settings.cache_dir
    Assistant.load(settings.knowledge_dir, settings.conversations_dir, cache_dir=directory)
    files = sorted(p for p in directory.iterdir() if p.suffix in (".npy", ".pickle"))
    size = sum(p.stat().st_size for p in files) / 1e6
    print(f"prepared: {len(files)} files, {size:.0f} MB in {directory}")
    return 0


def _ask_command(args: argparse.Namespace, settings: Settings) -> int:
    _ask(_assistant(settings), args.question or sys.stdin, args.lang, args.json)
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.understanding.evaluation import evaluate, format_report, load_cases, unknown_ids

    assistant = _assistant(settings)
    cases = load_cases(Path(args.file))
    unknown = unknown_ids(cases, assistant)
    if unknown:
        print(f"error: unknown expected ids: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 1
    print(format_report(evaluate(assistant, cases), misses=not args.no_misses))
    return 0


def _kb(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "learned":
        return _learned(merge=args.merge, settings=settings)
    if args.action == "overrides":
        from bot.web.commands import overrides_command

        return overrides_command(settings, merge=args.merge)
    from bot.checks import check_all

    kb = check_all(settings).kb
    examples = sum(len(p) for e in kb.entries.values() for p in e.examples.values())
    print(f"ok: {len(kb.entries)} entries, {len(kb.items)} items, {examples} examples")
    return 0


def _learned(*, merge: bool, settings: Settings) -> int:
    """Print the learned examples as YAML to review; ``--merge`` moves them into the knowledge
    files (keeping every other line) and empties the learned-examples file."""
    from bot.content.knowledge import load_knowledge
    from bot.content.learned import (
        FILE_NAME,
        load_learned,
        merge_into_knowledge,
        review_yaml,
        write_learned,
    )

    kb = load_knowledge(settings.knowledge_dir)
    path = settings.data_dir / FILE_NAME
    learned = load_learned(path, kb)
    if not merge:
        sys.stdout.write(review_yaml(learned, kb))
        return 0
    added = merge_into_knowledge(settings.knowledge_dir, learned)
    if path.exists():
        write_learned(path, {})
    for name, number in sorted(added.items()):
        print(f"{name}: {_examples(number)} added")
    print(f"merged: {_examples(sum(added.values()))}; {path} emptied")
    return 0


def _examples(number: int) -> str:
    """ "1 example", "2 examples" (this tool speaks English only)."""
    return f"{number} example" if number == 1 else f"{number} examples"


def _health(args: argparse.Namespace, settings: Settings) -> int:
    """The bot's heartbeat is recent (its event loop runs) and its database is readable."""
    try:
        age = time.time() - settings.heartbeat_path.stat().st_mtime
    except OSError:
        print("unhealthy: no heartbeat yet (is the bot running?)", file=sys.stderr)
        return 1
    if age > 3 * HEARTBEAT_SECONDS:
        print(f"unhealthy: last heartbeat {age:.0f} s ago", file=sys.stderr)
        return 1
    try:
        uri = f"{settings.database_path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as database:
            database.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as error:
        print(f"unhealthy: database not readable ({error})", file=sys.stderr)
        return 1
    print(f"ok: heartbeat {age:.0f} s ago, database readable")
    return 0


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio  # only here: a 40 ms import that the other commands do without
    from datetime import UTC, datetime

    from bot.content.knowledge import load_knowledge
    from bot.content.texts import Texts
    from bot.reports import stats
    from bot.storage import Storage, StorageError

    if not 1 <= args.days <= stats.MAX_DAYS:
        print(f"error: --days must be between 1 and {stats.MAX_DAYS}", file=sys.stderr)
        return 2
    path = settings.database_path
    if not path.exists():
        print(f"error: no database at {path} (set BOT_DATA_DIR)", file=sys.stderr)
        return 1

    async def collect() -> stats.Stats:
        storage = await Storage.open(path)
        try:
            return await stats.collect(storage, args.days, datetime.now(UTC), settings.tzinfo)
        finally:
            await storage.close()

    try:
        figures = asyncio.run(collect())
    except StorageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    kb, texts = load_knowledge(settings.knowledge_dir), Texts.load(settings.conversations_dir)
    print(_unhtml(stats.summary(figures, texts, kb, args.lang)))
    if args.png is not None:
        from bot.reports import charts

        args.png.write_bytes(charts.draw(figures, stats.chart_labels(texts, args.lang)))
        print(f"chart: {args.png}")
    return 0


_COMMANDS = {
    "run": _run,
    "chat": _chat,
    "ask": _ask_command,
    "eval": _eval,
    "kb": _kb,
    "health": _health,
    "stats": _stats,
    "prepare": _prepare,
}
_PREPARING = ("chat", "ask", "eval", "prepare")  # say on stderr what a first start prepares


def _show_preparation() -> None:
    """The matcher's one-line notice before it builds its caches (a first start), on stderr
    as a plain line (``run`` logs it with its other lines)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    notices = logging.getLogger("bot.understanding.embedding")
    notices.addHandler(handler)
    notices.setLevel(logging.INFO)
    notices.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m bot`` and the ``exchange-bot`` script."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        command = args.command or ("run" if settings.telegram_token else "chat")
        if command in _PREPARING:
            _show_preparation()
        return _COMMANDS[command](args, settings)
    except (SettingsError, KnowledgeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
