"""sendPhoto: uploads over HTTP, earlier photos by file_id, and Telegram's limits."""

from __future__ import annotations

import struct
import zlib

import pytest
from telegram import Bot
from telegram.error import BadRequest

from telegram_emulator import BotAPIEmulator, EmulatorServer
from telegram_emulator.images import image_size


def png(width: int, height: int) -> bytes:
    """A valid, tiny, all-black greyscale PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\0" + b"\0" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0" + b"\1\1\0\0\1\0\1\0\0"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\1\x11\0"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def test_image_sizes() -> None:
    assert image_size(png(30, 20)) == (30, 20)
    assert image_size(jpeg_header(640, 480)) == (640, 480)
    assert image_size(b"GIF89a") is None


@pytest.mark.asyncio
async def test_send_photo_over_http(emu: BotAPIEmulator) -> None:
    user = emu.add_user(1001)
    async with EmulatorServer(emu) as server, Bot(emu.token, base_url=server.base_url) as bot:
        sent = await bot.send_photo(1001, png(40, 30), caption="<b>Chart</b>", parse_mode="HTML")
        assert sent.photo and (sent.photo[-1].width, sent.photo[-1].height) == (40, 30)
        assert sent.caption == "Chart"
        again = await bot.send_photo(1001, sent.photo[-1].file_id)
        assert again.photo[-1].file_id == sent.photo[-1].file_id
        with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
            await bot.send_photo(1001, b"not an image")
        with pytest.raises(BadRequest, match=r"(?i)photo_invalid_dimensions"):
            await bot.send_photo(1001, png(2100, 100))
        document = await bot.send_document(1001, b"a;b\n", filename="x.csv")
        assert document.document is not None
        with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
            await bot.send_photo(1001, document.document.file_id)
    assert user.messages[0].photo is not None and user.messages[0].caption == "Chart"
    assert image_size(user.messages[0].photo.data) == (40, 30)
