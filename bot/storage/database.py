"""One aiosqlite connection to the bot's database file, its lock, and what every store builds on.

Every store (languages, leads, questions, state, privacy …) is a :class:`Store` holding the one
:class:`Database`; :class:`bot.storage.Storage` creates them and delegates to them. All access
goes through the database's lock: :meth:`Database.transaction` for a write,
:meth:`Database.fetchall` for a read, and :meth:`Database.locked` for several steps that must
not interleave with other coroutines (a :class:`Session`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

import aiosqlite

from bot.storage import schema
from bot.storage.codec import iso
from bot.storage.errors import DatabaseFileError, StorageError

_LOGGER = logging.getLogger(__name__)
_DIR_MODE: Final = 0o700
_BUSY_TIMEOUT_MS: Final = 5000
Synchronous = Literal["NORMAL", "FULL"]


class Session:
    """The connection while the database's lock is held: reads, transactions and checkpoints
    that follow each other without another coroutine's in between."""

    def __init__(self, database: Database, conn: aiosqlite.Connection) -> None:
        self._database, self.connection = database, conn

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """The rows ``sql`` selects."""
        return list(await self.connection.execute_fetchall(sql, tuple(params)))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any | None:
        """The first row ``sql`` selects, or None."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    @contextlib.asynccontextmanager
    async def transaction(self, *, relaxed: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error). ``relaxed``: committed
        without waiting for the disk (``synchronous=NORMAL``)."""
        db, synchronous = self.connection, self._database.synchronous
        relax = relaxed and synchronous != "NORMAL"
        if relax:
            await db.execute("PRAGMA synchronous=NORMAL")
        try:
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                try:
                    await db.rollback()
                except Exception:  # pragma: no cover - rollback itself failing
                    _LOGGER.exception("ROLLBACK failed on %s", self._database.path)
                raise
            await db.execute("COMMIT")
        finally:
            if relax:
                await db.execute(f"PRAGMA synchronous={synchronous}")

    async def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it to 0 bytes (deleted personal data
        leaves the ``-wal`` file too)."""
        row = await self.fetchone("PRAGMA wal_checkpoint(TRUNCATE)")
        if row and row[0]:
            _LOGGER.warning(
                "WAL checkpoint of %s was blocked by another connection; deleted data may "
                "remain in the -wal file until the next checkpoint",
                self._database.path,
            )


class Database:
    """The connection, one asyncio lock around every use of it, transactions, and the clock.

    It is meant to be the only writer of its file (one bot process): the stores' in-memory
    caches rely on that.
    """

    def __init__(
        self,
        path: Path,
        conn: aiosqlite.Connection,
        *,
        clock: Callable[[], datetime],
        synchronous: Synchronous,
    ) -> None:
        """Internal: use :meth:`open`."""
        self.path = path
        self.clock = clock
        self.synchronous = synchronous
        self._conn: aiosqlite.Connection | None = conn
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls, path: Path, clock: Callable[[], datetime], synchronous: Synchronous
    ) -> Database:
        """Open (creating or upgrading) the database at ``path``.

        Raises :class:`SchemaVersionError` if the file comes from a newer version of the bot,
        :class:`SchemaError` if a migration fails (the file is then left as it was) and
        :class:`DatabaseFileError` if SQLite cannot use the file.
        """
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous must be 'NORMAL' or 'FULL', not {synchronous!r}")
        try:
            conn = await _connect(path, synchronous)
        except sqlite3.Error as error:
            raise DatabaseFileError(path, str(error)) from error
        # The WAL/SHM files exist now; make sure they are private too (older files).
        schema.create_private_file(path)
        return cls(path, conn, clock=clock, synchronous=synchronous)

    async def close(self) -> None:
        """Close the connection (waiting for the transaction in progress). Safe twice."""
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                await conn.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._conn is None

    def now(self) -> datetime:
        """The storage clock (UTC)."""
        return self.clock()

    @property
    def connection(self) -> aiosqlite.Connection:
        """The open connection (raises :class:`StorageError` once closed)."""
        if self._conn is None:
            raise StorageError(f"storage {self.path} is closed")
        return self._conn

    @contextlib.asynccontextmanager
    async def locked(self) -> AsyncIterator[Session]:
        """Hold the lock for several steps."""
        async with self._lock:
            yield Session(self, self.connection)

    @contextlib.asynccontextmanager
    async def transaction(self, *, relaxed: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """Hold the lock for one transaction (see :meth:`Session.transaction`)."""
        async with self.locked() as session, session.transaction(relaxed=relaxed) as db:
            yield db

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """The rows ``sql`` selects."""
        async with self.locked() as session:
            return await session.fetchall(sql, params)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any | None:
        """The first row ``sql`` selects, or None."""
        async with self.locked() as session:
            return await session.fetchone(sql, params)

    async def delete(self, sql: str, params: Iterable[Any] = (), *, checkpoint: bool) -> int:
        """Run a ``DELETE`` in its own transaction; how many rows went. With ``checkpoint``
        (personal data) the WAL is then truncated when anything was deleted."""
        async with self.locked() as session:
            async with session.transaction() as db:
                cursor = await db.execute(sql, tuple(params))
                count = max(cursor.rowcount, 0)
            if count and checkpoint:
                await session.checkpoint()
        return count

    async def delete_older(
        self,
        sql: str,
        older_than: timedelta,
        now: datetime | None = None,
        *,
        checkpoint: bool = True,
    ) -> int:
        """:meth:`delete` with ``sql``'s one parameter the cutoff ``now - older_than``
        (``now`` defaults to the clock's)."""
        cutoff = iso((now if now is not None else self.clock()) - older_than)
        return await self.delete(sql, (cutoff,), checkpoint=checkpoint)


class Store:
    """One concern's tables, over the shared :class:`Database`. The facade calls the hooks:
    :meth:`load` after opening, :meth:`before_close`, and :meth:`forget` /
    :meth:`drop_cached` for ``/forget``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def load(self, session: Session) -> None:
        """Load what the store caches in memory."""

    async def before_close(self) -> None:
        """Write what the store buffers."""

    async def forget(self, db: aiosqlite.Connection, user_id: int, counts: dict[str, int]) -> None:
        """Delete the user's rows inside ``/forget``'s transaction, counting them per kind."""

    def drop_cached(self, user_id: int) -> None:
        """Forget the user in memory once ``/forget`` committed."""


async def _connect(path: Path, synchronous: Synchronous) -> aiosqlite.Connection:
    path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
    schema.create_private_file(path)
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        await conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        schema.check_version(int(await schema.pragma(conn, "PRAGMA user_version")), path)
        journal = await schema.pragma(conn, "PRAGMA journal_mode=WAL")
        if str(journal).lower() != "wal":
            _LOGGER.warning("SQLite refused WAL mode for %s (journal_mode=%s)", path, journal)
        await conn.execute(f"PRAGMA synchronous={synchronous}")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA secure_delete=ON")
        await schema.migrate(conn, path)
        await schema.check_columns(conn, path)
    except BaseException:
        await conn.close()
        raise
    return conn
