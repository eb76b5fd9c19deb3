"""Names are cleaned once, for every place a name is shown (issue 23): a right-to-left
override or a zero-width character in a Telegram display name or a stored name never reaches
a hand-off message, /handoffs, a notice, the digest or an export."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content.names import clean_name
from bot.storage import Lead
from bot.telegram.context import services_of
from tests.auxil.coordinators import COORDINATOR, group, start_with_coordinators
from tests.auxil.harness import LocalBot
from tests.auxil.signup import Student, sign_up

pytestmark = pytest.mark.asyncio

HIDDEN = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
TRICKY = "An\u202ea\u200b \u2066Li\u2069\ufeff\u200d"


async def test_the_one_cleaning() -> None:
    assert clean_name(TRICKY) == "Ana Li"
    assert clean_name("  Zoé\u200e  Hervé\u061c ") == "Zoé Hervé"
    assert clean_name(None) == ""


async def test_no_hidden_character_is_shown_anywhere(tmp_path: Path) -> None:
    bot = await start_with_coordinators(LocalBot, tmp_path)
    try:
        student = bot.user(2001, "en", TRICKY)
        await bot.send(student, "/menu")
        await bot.press(student, "1|coordinator")
        await bot.send(student, "A question")
        shown = [group(bot).messages[-1].text]
        assert "Ana Li" in shown[0]

        signer = bot.user(2002, "en", "Zoé")
        await sign_up(bot, signer, Student(2002, name="Zo\u202eé\u200b Martin"))
        shown.append(group(bot).messages[-1].text)
        assert "Zoé Martin" in shown[-1]

        assert bot.app is not None
        store = services_of(bot.app).storage
        old = Lead(  # a name stored before names were cleaned
            user_id=2003,
            name=f"Old\u202e{TRICKY}",
            email="old@example.org",
            language="en",
            consent_at=datetime.now(UTC),
        )
        await store.upsert_lead(old)
        me = bot.user(COORDINATOR, "en", "Li\u202e Coord")
        for command in ("/handoffs", "/digest", "/leads csv"):
            await bot.send(me, command)
            last = me.last
            shown.append(last.document.data.decode("utf-8-sig") if last.document else last.text)
        assert "Ana Li" in shown[2] and "OldAna Li" in shown[4]
        for text in shown:
            assert not HIDDEN.search(text), repr(text)
    finally:
        await bot.stop()
