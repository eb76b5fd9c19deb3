"""The announcements store: audience, recipients snapshot, idempotent creation, outcomes,
opt-outs, /forget and retention."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.storage import Lead, Recipient, Storage

pytestmark = pytest.mark.asyncio


def lead(user_id: int, lang: str = "en") -> Lead:
    return Lead(
        user_id=user_id,
        name=f"S{user_id}",
        email=f"s{user_id}@example.org",
        language=lang,
        consent_at=datetime.now(UTC),
    )


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = await Storage.open(tmp_path / "bot.sqlite3")
    for user_id, lang in ((1, "en"), (2, "fr"), (3, "zh"), (4, "en")):
        await storage.upsert_lead(lead(user_id, lang))
    yield storage
    await storage.close()


async def create(store: Storage, key: str = "k") -> int:
    announcement, created = await store.create_announcement(
        key, created_by=9, language="en", chat_id=9, texts={"all": "Hi", "fr": "Salut"}
    )
    assert created
    return announcement.id


async def test_audience_uses_the_chosen_language_and_leaves_out_stopped(store: Storage) -> None:
    await store.set_language(4, "zh")  # /language wins over the sign-up's language
    await store.stop_announcements(1)
    assert await store.announcement_audience() == {"fr": 1, "zh": 2}
    await store.resume_announcements(1)
    assert await store.announcement_audience() == {"en": 1, "fr": 1, "zh": 2}


async def test_creation_snapshots_recipients_once_per_key(store: Storage) -> None:
    number = await create(store)
    again, created = await store.create_announcement(
        "k", created_by=9, language="en", chat_id=9, texts={"all": "Other"}
    )
    assert not created and again.id == number and again.texts["all"] == "Hi"
    assert again.text_for("fr") == "Salut" and again.text_for("zh") == "Hi"
    await store.upsert_lead(lead(5))  # signed up after the confirmation: not a recipient
    pending = await store.pending_recipients(number)
    assert pending == [
        Recipient(1, "en"),
        Recipient(2, "fr"),
        Recipient(3, "zh"),
        Recipient(4, "en"),
    ]
    with pytest.raises(ValueError, match="text for everyone"):
        await store.create_announcement("k2", created_by=9, language="en", chat_id=9, texts={})


async def test_outcomes_and_skips(store: Storage) -> None:
    number = await create(store)
    assert await store.may_send(number, 1)
    await store.record_outcome(number, 1, "sent")
    assert not await store.may_send(number, 1), "sent once"
    await store.record_outcome(number, 2, "blocked")
    await store.stop_announcements(3)  # pending rows of a stopped student are skipped
    await store.forget_user(4)  # rows of a forgotten student are gone
    assert not await store.may_send(number, 4)
    await store.record_outcome(number, 4, "sent")  # a send that raced /forget adds nothing
    counts = await store.announcement_counts(number)
    assert counts == {"pending": 0, "sent": 1, "blocked": 1, "failed": 0, "skipped": 1}
    assert await store.unfinished_announcements() != []
    await store.finish_announcement(number)
    assert await store.unfinished_announcements() == []
    assert await store.announcements_received(1) == 1
    assert await store.announcements_stopped(3) is not None


async def test_a_student_who_loses_the_lead_is_skipped(store: Storage) -> None:
    number = await create(store)
    await store.purge_leads(timedelta(days=-1))  # every lead
    assert not await store.may_send(number, 1)
    assert (await store.announcement_counts(number))["skipped"] == 1


async def test_retention_removes_records_without_a_lead(store: Storage) -> None:
    number = await create(store)
    for user_id in (1, 2, 3, 4):
        await store.record_outcome(number, user_id, "sent")
    await store.finish_announcement(number)
    assert await store.purge_recipients_without_lead() == 0
    await store.forget_user(2)  # the rows went with /forget
    await store.purge_leads(timedelta(days=-1))  # the daily purge: every lead is too old
    await store.upsert_lead(lead(1))  # signed up again since
    assert await store.purge_recipients_without_lead() == 2
    assert (await store.announcement_counts(number))["sent"] == 1
