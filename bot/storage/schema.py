"""The database schema: the migrations (:mod:`bot.storage.migrations`) applied in order at open,
and the tables checked after."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any, Final

import aiosqlite

from bot.storage.errors import SchemaError, SchemaVersionError
from bot.storage.migrations import MIGRATIONS, Migration

_LOGGER = logging.getLogger(__name__)
FILE_MODE: Final = 0o600


SCHEMA_VERSION: Final = len(MIGRATIONS)


def create_private_file(path: Path) -> None:
    """Create ``path`` with mode 0600 if missing; tighten it (and WAL/SHM) if it exists.

    SQLite creates the -wal and -shm files with the mode of the database file, so creating the
    database file ourselves with 0600 is enough for new files; chmod covers older ones.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if candidate.stat().st_mode & 0o777 != FILE_MODE:
                os.chmod(candidate, FILE_MODE)


async def pragma(conn: aiosqlite.Connection, sql: str) -> Any:
    """The first value a PRAGMA returns."""
    rows = list(await conn.execute_fetchall(sql))
    return rows[0][0] if rows else None


def check_version(version: int, path: Path) -> None:
    """Refuse a file written by a newer version of the bot."""
    known = len(MIGRATIONS)
    if version > known:
        raise SchemaVersionError(
            f"{path} has schema version {version}, but this version of the bot only knows "
            f"versions up to {known}; it was written by a newer bot. Upgrade the bot (or "
            "restore a backup) instead of opening it with this one."
        )


async def migrate(conn: aiosqlite.Connection, path: Path) -> None:
    """Apply the migrations the file lacks, each in its own transaction."""
    for index, migration in enumerate(MIGRATIONS, start=1):
        if migration.version != index:
            raise SchemaError(
                f"MIGRATIONS is misordered: entry {index} has version {migration.version}"
            )
    version = int(await pragma(conn, "PRAGMA user_version"))
    check_version(version, path)
    for migration in MIGRATIONS[version:]:
        await conn.execute("BEGIN IMMEDIATE")
        step = "BEGIN"
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            current = int(await pragma(conn, "PRAGMA user_version"))
            if current >= migration.version:
                await conn.execute("COMMIT")
                continue
            for statement in migration.statements:
                step = " ".join(statement.split())
                await conn.execute(statement)
            step = f"PRAGMA user_version={int(migration.version)}"
            await conn.execute(step)
            await conn.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(Exception):
                await conn.rollback()
            if isinstance(exc, Exception):
                raise SchemaError(
                    f"migrating {path} to schema version {migration.version} "
                    f"({migration.description}) failed at {step[:120]!r}: {exc}; "
                    f"that migration was rolled back and the file stays at version "
                    f"{migration.version - 1}"
                ) from exc
            raise
        _LOGGER.info(
            "Migrated %s to schema version %d (%s)", path, migration.version, migration.description
        )


async def check_columns(conn: aiosqlite.Connection, path: Path) -> None:
    """Refuse a table of the same name but another shape (e.g. from an unversioned prototype):
    every table must have the columns the migrations give it."""
    for table, expected in expected_columns(MIGRATIONS).items():
        rows = await conn.execute_fetchall("SELECT name FROM pragma_table_info(?)", (table,))
        missing = expected - {row[0] for row in rows}
        if missing:
            raise SchemaError(
                f"table {table!r} in {path} lacks the columns {sorted(missing)}; it was "
                "not created by this bot's migrations"
            )


@functools.cache
def expected_columns(migrations: tuple[Migration, ...]) -> dict[str, frozenset[str]]:
    """The columns of each table that ``migrations`` create, read from an empty database in
    memory they are applied to."""
    conn = sqlite3.connect(":memory:")
    try:
        for migration in migrations:
            for statement in migration.statements:
                conn.execute(statement)
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: frozenset(
                row[0] for row in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))
            )
            for table in tables
        }
    finally:
        conn.close()
