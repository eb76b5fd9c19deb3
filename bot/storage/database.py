"""One aiosqlite connection to the bot's database file, and what every store builds on.

The concrete stores (languages, leads, questions, state, privacy …) are mixins over
:class:`Database`; :class:`bot.storage.Storage` combines them. A store takes part in the life
cycle and in ``/forget`` by extending the cooperative hooks ``_after_open``,
``_before_close``, ``_forget`` and ``_drop_cached`` (each calls ``super()``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self

import aiosqlite

from bot.storage import schema
from bot.storage.codec import iso, utcnow
from bot.storage.errors import DatabaseFileError, StorageError

_LOGGER = logging.getLogger(__name__)
_DIR_MODE: Final = 0o700
_BUSY_TIMEOUT_MS: Final = 5000


class Database:
    """The connection, one asyncio lock around every use of it, and transactions.

    It is meant to be the only writer of its file (one bot process): the stores' in-memory
    caches rely on that.
    """

    def __init__(
        self, path: Path, conn: aiosqlite.Connection, *, clock: Callable[[], datetime], **_: Any
    ) -> None:
        """Internal: use :meth:`open`."""
        self.path = path
        self._conn: aiosqlite.Connection | None = conn
        self._clock = clock
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        clock: Callable[[], datetime] = utcnow,
        synchronous: Literal["NORMAL", "FULL"] = "FULL",
        **options: Any,
    ) -> Self:
        """Open (creating or upgrading) the database at ``path``; ``options`` go to the stores.

        Raises :class:`SchemaVersionError` if the file comes from a newer version of the bot
        and :class:`SchemaError` if a migration fails (the file is then left as it was).
        """
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous must be 'NORMAL' or 'FULL', not {synchronous!r}")
        path = Path(path)
        try:
            return await cls._open(path, clock=clock, synchronous=synchronous, **options)
        except sqlite3.Error as error:
            raise DatabaseFileError(path, str(error)) from error

    @classmethod
    async def _open(
        cls,
        path: Path,
        *,
        clock: Callable[[], datetime],
        synchronous: Literal["NORMAL", "FULL"],
        **options: Any,
    ) -> Self:
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
            storage = cls(path, conn, clock=clock, **options)
            await storage._after_open()
        except BaseException:
            await conn.close()
            raise
        # The WAL/SHM files exist now; make sure they are private too (older files).
        schema.create_private_file(path)
        return storage

    async def close(self) -> None:
        """Let the stores write what they buffer, then close the connection. Safe twice."""
        if self._conn is None:
            return
        try:
            await self._before_close()
        finally:
            async with self._lock:
                conn, self._conn = self._conn, None
                if conn is not None:
                    await conn.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._conn is None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ----------------------------------------------------------------- hooks for the stores

    async def _after_open(self) -> None:
        """Load caches. Extended by stores."""

    async def _before_close(self) -> None:
        """Write buffered rows. Extended by stores."""

    async def _forget(self, db: aiosqlite.Connection, user_id: int, counts: dict[str, int]) -> None:
        """Delete the user's rows inside ``/forget``'s transaction, counting them per kind.
        Extended by every store that keeps personal data."""

    def _drop_cached(self, user_id: int) -> None:
        """Forget the user in memory once ``/forget`` committed. Extended by stores."""

    async def _write_deferred(self, db: aiosqlite.Connection) -> None:
        """Write, inside a transaction that commits anyway (an update marked handled), what
        the stores deferred to it. Extended by stores."""

    # ----------------------------------------------------------------- helpers for the stores

    @property
    def _db(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError(f"storage {self.path} is closed")
        return self._conn

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error). Caller holds the lock."""
        db = self._db
        await db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            try:
                await db.rollback()
            except Exception:  # pragma: no cover - rollback itself failing
                _LOGGER.exception("ROLLBACK failed on %s", self.path)
            raise
        await db.execute("COMMIT")

    async def _fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """Read rows. Caller holds the lock."""
        return list(await self._db.execute_fetchall(sql, tuple(params)))

    async def _checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it to 0 bytes. Caller holds the lock."""
        rows = await self._fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        if rows and rows[0][0]:
            _LOGGER.warning(
                "WAL checkpoint of %s was blocked by another connection; deleted data may "
                "remain in the -wal file until the next checkpoint",
                self.path,
            )

    async def _delete_older(self, sql: str, older_than: timedelta, now: datetime | None) -> int:
        """Run ``sql`` with the cutoff ``now - older_than``; checkpoint so deleted personal data
        leaves the WAL too. Returns how many rows went."""
        cutoff = iso((now if now is not None else self._clock()) - older_than)
        async with self._lock:
            async with self._transaction() as db:
                cursor = await db.execute(sql, (cutoff,))
                count = max(cursor.rowcount, 0)
            if count:
                await self._checkpoint()
        return count
