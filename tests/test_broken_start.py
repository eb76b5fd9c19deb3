"""Every start on a broken disk, database or port (issue 23): ``python -m bot run`` against the
emulator prints exactly one line, exits non-zero, shows no traceback and no token.

Read-only mounts and a really full file system need ``mount`` (root in a container); a data
directory the bot's user cannot write needs a user without root's capabilities (``setpriv``
drops them when the tests run as root). Those cases are skipped where that is impossible; the
full database (SQLite's "database or disk is full") is simulated everywhere by
``tests/fixtures/full_disk/sitecustomize.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.settings import REPOSITORY
from bot.storage import Storage
from telegram_emulator import EmulatorServer
from tests.auxil.harness import BotProcess, run_bot

pytestmark = [pytest.mark.asyncio, pytest.mark.process]

FULL_DISK = REPOSITORY / "tests" / "fixtures" / "full_disk"


async def broken_start(
    server: EmulatorServer, env: dict[str, str], *, unprivileged: bool = False
) -> str:
    """Start the bot; assert one line, exit code 2, no traceback, no token; the line."""
    token = server.emulator.token
    common = {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": server.base_url}
    result = await asyncio.to_thread(run_bot, {**common, **env}, unprivileged=unprivileged)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert output.count("\n") == 1 and output.endswith("\n"), output
    assert "Traceback" not in output and token not in output
    assert output.startswith("error: the bot cannot start: ")
    return output.strip()


async def a_database(path: Path) -> None:
    """A real database with a few hundred questions in it."""
    storage = await Storage.open(path)
    for number in range(300):
        await storage.log_question(number, "en", f"question {number} about fees", None, 0.1)
    await storage.close()  # writes the buffered questions


@contextlib.contextmanager
def mounted(directory: Path, *options: str) -> Iterator[Callable[[str], None]]:
    """A tmpfs at ``directory`` (skips the test where mounting is impossible); yields a
    function remounting it with other options."""
    directory.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(directory)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a file system here (not root in a container?)")

    def remount(option: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{option}", str(directory)], check=True)

    try:
        yield remount
    finally:
        subprocess.run(["umount", str(directory)], check=False)


# --------------------------------------------------------------------------- the database


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("garbage", "file is not a database"),
        ("header only", "file is not a database"),
        ("truncated", "database disk image is malformed"),
    ],
)
async def test_a_damaged_database(
    server: EmulatorServer, tmp_path: Path, damage: str, expected: str
) -> None:
    database = tmp_path / "bot.sqlite3"
    if damage == "garbage":
        database.write_bytes(os.urandom(8192))
    elif damage == "header only":
        database.write_bytes(b"SQLite format 3\0" + b"\x13" * 4000)
    else:
        await a_database(database)
        with database.open("r+b") as handle:
            handle.truncate(database.stat().st_size // 2)
    line = await broken_start(server, {"BOT_DATA_DIR": str(tmp_path)})
    assert expected in line and str(database) in line and "restore a backup" in line


async def test_the_database_is_a_directory(server: EmulatorServer, tmp_path: Path) -> None:
    (tmp_path / "bot.sqlite3").mkdir()
    line = await broken_start(server, {"BOT_DATA_DIR": str(tmp_path)})
    assert "bot.sqlite3' is a directory, not a file" in line


async def test_the_data_dir_is_a_file(server: EmulatorServer, tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a directory")
    line = await broken_start(server, {"BOT_DATA_DIR": str(tmp_path / "data")})
    assert "BOT_DATA_DIR" in line and "is a file, not a directory" in line


@pytest.mark.parametrize("exists", [True, False])
async def test_a_data_dir_the_bot_may_not_write(
    server: EmulatorServer, tmp_path: Path, exists: bool
) -> None:
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("root writes anywhere, and setpriv is missing to drop that power")
    volume = tmp_path / "volume"  # a volume owned by someone else, as Docker mounts it
    volume.mkdir()
    volume.chmod(0o555)
    data = volume if exists else volume / "data"
    try:
        line = await broken_start(server, {"BOT_DATA_DIR": str(data)}, unprivileged=True)
    finally:
        volume.chmod(0o755)
    assert "Permission denied" in line and "chown" in line


async def test_a_read_only_mount(server: EmulatorServer, tmp_path: Path) -> None:
    with mounted(tmp_path / "ro", "size=2m") as remount:
        await a_database(tmp_path / "ro" / "bot.sqlite3")
        remount("ro")
        line = await broken_start(server, {"BOT_DATA_DIR": str(tmp_path / "ro")})
    assert "Read-only file system" in line


async def test_a_full_file_system(server: EmulatorServer, tmp_path: Path) -> None:
    with mounted(tmp_path / "full", "size=64k"):
        with contextlib.suppress(OSError), (tmp_path / "full" / "filler").open("wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        line = await broken_start(server, {"BOT_DATA_DIR": str(tmp_path / "full")})
    assert "No space left on device" in line and "disk is full" in line


async def test_a_full_database(server: EmulatorServer, tmp_path: Path) -> None:
    env = {"BOT_DATA_DIR": str(tmp_path), "PYTHONPATH": str(FULL_DISK)}
    line = await broken_start(server, env)
    assert "database or disk is full" in line and "the disk is full: free some space" in line


# --------------------------------------------------------------------------- files, ports


async def test_a_binary_learned_examples_file(server: EmulatorServer, tmp_path: Path) -> None:
    (tmp_path / "learned-examples.yaml").write_bytes(bytes(range(256)) * 4)
    line = await broken_start(server, {"BOT_DATA_DIR": str(tmp_path)})
    assert "learned-examples.yaml: not UTF-8 text" in line


async def test_a_webhook_port_in_use_removes_the_webhook(
    server: EmulatorServer, tmp_path: Path
) -> None:
    emulator = server.emulator
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        await emulator.respond(
            emulator.token, "setWebhook", {"url": f"http://127.0.0.1:{port}/hook"}
        )  # registered by an earlier run
        assert emulator.webhook.config.url
        env = {
            "BOT_DATA_DIR": str(tmp_path),
            "BOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
            "BOT_WEBHOOK_SECRET": "s3cret-value",
            "BOT_PORT": str(port),
        }
        line = await broken_start(server, env)
    assert f"cannot listen on BOT_PORT {port}: Address already in use" in line
    assert "the webhook was removed" in line and "s3cret-value" not in line
    assert emulator.webhook.config.url == "" and emulator.calls("deleteWebhook")
    assert not emulator.calls("setWebhook")[1:], "never registered again"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_RETENTION_DAYS", "9999999999"),
        ("BOT_PORT", "99999"),
        ("BOT_PORT", "0"),
        ("BOT_ERROR_REPORT_MINUTES", "99999999999999999999"),
        ("BOT_REPLY_MINUTES", "²"),
        ("BOT_COORDINATOR_IDS", "99999999999999999999"),
        ("BOT_COORDINATOR_CHAT_ID", "-99999999999999999999"),
        ("BOT_DIGEST_TIME", "²:00"),
    ],
)
async def test_settings_that_would_overflow_are_one_line(
    tmp_path: Path, name: str, value: str
) -> None:
    result = await asyncio.to_thread(
        run_bot, {"TELEGRAM_BOT_TOKEN": "1:A", "BOT_DATA_DIR": str(tmp_path), name: value}
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2 and output.count("\n") == 1, output
    assert output.startswith(f"error: {name}") and "Traceback" not in output


# --------------------------------------------------------------------------- at run time


async def test_a_disk_full_at_run_time_is_one_line_a_minute(
    server: EmulatorServer, tmp_path: Path
) -> None:
    emulator = server.emulator
    await a_database(tmp_path / "bot.sqlite3")  # every page used: the next one is refused
    bot = BotProcess(
        server.base_url,
        tmp_path,
        emulator.token,
        PYTHONPATH=str(FULL_DISK),
        FULL_DISK_PAGES="0",
        BOT_SEMANTIC="off",
    )
    await bot.start_and_wait_for_poll(emulator)
    try:
        student = emulator.add_user(4242, first_name="Léa", language_code="fr")
        for number in range(40):
            student.send(f"question {number} " + "x" * 300)

        def same_batch_fetched() -> int:
            """How many times the latest getUpdates asked for the same offset."""
            offsets = [c.params.get("offset") for c in emulator.calls("getUpdates") if c.result]
            return offsets.count(offsets[-1]) if offsets else 0

        while same_batch_fetched() < 4:  # the batch is fetched again and again: never stored
            await asyncio.sleep(0.05)
    finally:
        await bot.stop()
    log = bot.log.read_text(encoding="utf-8")
    full = [line for line in log.splitlines() if "disk is full" in line]
    assert "Traceback" not in log and emulator.token not in log
    assert len(full) == 1, log
    assert "could not store 40 updates in the inbox" in full[0]
