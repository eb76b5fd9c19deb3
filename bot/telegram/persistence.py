"""PTB persistence backed by :class:`bot.storage.Storage` (JSON in SQLite, never pickle).

Stores ``user_data``, ``chat_data`` and conversation states; ``bot_data`` and
``callback_data`` are not stored. Values must be plain JSON data (dicts with str keys, lists,
str, int, float, bool, None); anything else raises :class:`bot.storage.DataNotJSONError`
naming the offending key, which PTB reports to the error handlers.

Ownership: pass an open :class:`Storage` (shared with the rest of the bot; the caller closes
it, :meth:`SQLitePersistence.flush` leaves it alone) or a path (the persistence opens it on
the first ``get_*`` call and closes it in :meth:`SQLitePersistence.flush`, i.e. on
``Application.shutdown``).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from telegram.ext import BasePersistence, PersistenceInput

from bot.storage import ConversationKey, JSONDict, Storage
from bot.telegram.ptb_private import CDCData

__all__ = ["SQLitePersistence"]


class SQLitePersistence(BasePersistence[JSONDict, JSONDict, JSONDict]):
    """:class:`telegram.ext.BasePersistence` on top of :class:`Storage`.

    ``update_user_data``/``update_chat_data`` compare the data with what was last stored and
    skip the write when it is unchanged, so running ``update_persistence`` after every update
    costs a dict comparison per touched user/chat.

    Args:
        storage: an open :class:`Storage` (not owned) or a database path (owned).
        update_interval: seconds between PTB's automatic persistence runs.
    """

    def __init__(
        self,
        storage: Storage | str | os.PathLike[str],
        *,
        update_interval: float = 60,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        if isinstance(storage, Storage):
            self._storage: Storage | None = storage
            self._path: Path | None = None
        else:
            self._storage = None
            self._path = Path(storage)
        self._open_lock = asyncio.Lock()

    @property
    def owns_storage(self) -> bool:
        """True when this persistence opened the Storage itself (and closes it in flush)."""
        return self._path is not None

    async def storage(self) -> Storage:
        """The Storage, opened on first use when constructed with a path."""
        if self._storage is not None and not self._storage.closed:
            return self._storage
        if self._path is None:
            # Not owned and closed by its owner: nothing sensible to reopen.
            raise RuntimeError("the Storage given to SQLitePersistence has been closed")
        async with self._open_lock:
            if self._storage is None or self._storage.closed:
                self._storage = await Storage.open(self._path)
            return self._storage

    # ----------------------------------------------------------------- get

    async def get_user_data(self) -> dict[int, JSONDict]:
        return await (await self.storage()).load_user_data()

    async def get_chat_data(self) -> dict[int, JSONDict]:
        return await (await self.storage()).load_chat_data()

    async def get_bot_data(self) -> JSONDict:
        return {}  # not stored (store_data.bot_data is False)

    async def get_callback_data(self) -> CDCData | None:
        return None  # not stored (store_data.callback_data is False)

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        return await (await self.storage()).load_conversations(name)

    # ----------------------------------------------------------------- update

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await (await self.storage()).save_conversation(name, key, new_state)

    async def update_user_data(self, user_id: int, data: JSONDict) -> None:
        await (await self.storage()).save_user_data(user_id, data)

    async def update_chat_data(self, chat_id: int, data: JSONDict) -> None:
        await (await self.storage()).save_chat_data(chat_id, data)

    async def update_bot_data(self, data: JSONDict) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    # ----------------------------------------------------------------- drop

    async def drop_user_data(self, user_id: int) -> None:
        await (await self.storage()).delete_user_data(user_id)

    async def drop_chat_data(self, chat_id: int) -> None:
        await (await self.storage()).delete_chat_data(chat_id)

    # ----------------------------------------------------------------- refresh

    # This process is the only writer, so the in-memory data is always current.
    async def refresh_user_data(self, user_id: int, user_data: JSONDict) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: JSONDict) -> None:
        return None

    async def refresh_bot_data(self, bot_data: JSONDict) -> None:
        return None

    # ----------------------------------------------------------------- flush

    async def flush(self) -> None:
        """Every write is already committed. Closes the Storage only if this object owns it."""
        if self._path is not None and self._storage is not None:
            storage, self._storage = self._storage, None
            await storage.close()
