"""A first start says what it prepares, and an image's prebuilt cache makes it warm (issue 19).

The matcher's caches (the sentence encoder ready to load, the knowledge base's embeddings)
take seconds to build: the command line prints one line about it before the pause. The
Dockerfile builds them with ``python -m bot prepare``; the bot links them into its data dir.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.settings import REPOSITORY, Settings, SettingsError
from bot.understanding import embedding

DOCKERFILE = (REPOSITORY / "Dockerfile").read_text(encoding="utf-8")


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPOSITORY,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.process
def test_a_first_start_says_what_it_prepares_and_a_prebuilt_cache_starts_warm(
    tmp_path: Path,
) -> None:
    prebuilt, data = tmp_path / "prebuilt", tmp_path / "data"
    built = _cli("prepare", str(prebuilt), BOT_DATA_DIR=str(data))
    assert built.returncode == 0, built.stderr
    notice = built.stderr.splitlines()
    assert len(notice) == 1, "one line"
    assert notice[0].startswith("First start: preparing the sentence encoder")
    assert "usually 5-15 s" in notice[0] and str(prebuilt) in notice[0]
    assert "prepared: 3 files" in built.stdout

    # A container: an empty volume, the image's cache linked in; nothing to prepare.
    asked = _cli(
        "ask", "what are the fees?", BOT_DATA_DIR=str(data), BOT_PREBUILT_CACHE_DIR=str(prebuilt)
    )
    assert asked.returncode == 0 and asked.stderr == ""
    assert "waived" in asked.stdout
    cache = sorted((data / "cache").iterdir())
    assert [p.name for p in cache] == sorted(p.name for p in prebuilt.iterdir())
    assert all(p.is_symlink() for p in cache), "the volume holds links, not copies"


class _Fake:
    name, dim = "fake-1", 4

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), self.dim), dtype=np.float32) / 2


def test_new_embeddings_are_announced_with_their_duration(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedding, "_ANNOUNCED", [])  # no first-start line pending
    texts = [f"phrase {n}" for n in range(3400)]
    with caplog.at_level(logging.INFO, logger=embedding.__name__):
        embedding.encode_all(_Fake(), texts, tmp_path)
        embedding.encode_all(_Fake(), texts[:10], tmp_path)  # too few to make anyone wait
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        f"Computing the embeddings of 3400 knowledge-base phrases in {tmp_path} "
        "(new or changed knowledge; usually 2-6 s)..."
    ]


def test_links_to_an_older_image_are_dropped(tmp_path: Path) -> None:
    prebuilt, cache = tmp_path / "prebuilt", tmp_path / "cache"
    prebuilt.mkdir()
    (prebuilt / "embeddings-new.npy").write_bytes(b"new")
    cache.mkdir()
    (cache / "embeddings-old.npy").symlink_to(tmp_path / "gone.npy")
    (cache / "embeddings-mine.npy").write_bytes(b"computed here")
    assert embedding.link_prebuilt(cache, prebuilt) == 1
    assert sorted(p.name for p in cache.iterdir()) == ["embeddings-mine.npy", "embeddings-new.npy"]
    assert embedding.link_prebuilt(cache, prebuilt) == 0
    assert embedding.link_prebuilt(cache, None) == 0


def test_a_prebuilt_cache_dir_that_is_not_a_directory_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"BOT_PREBUILT_CACHE_DIR .* is not a directory"):
        Settings.from_env({"BOT_PREBUILT_CACHE_DIR": str(tmp_path / "missing")})


def test_the_image_builds_the_cache_it_points_the_bot_to() -> None:
    lines = [
        line.strip()
        for line in re.sub(r"\\\n\s*", " ", DOCKERFILE).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]

    def index(prefix: str) -> int:
        return next(n for n, line in enumerate(lines) if line.startswith(prefix))

    prepare = index("RUN python -m bot prepare /app/cache")
    assert "chmod -R a+rX /app/cache" in lines[prepare], "readable by the bot's user"
    assert index("COPY knowledge") < prepare and index("COPY conversations") < prepare
    assert index("RUN pip install --no-deps .") < prepare < index("USER bot")
    assert "ENV BOT_PREBUILT_CACHE_DIR=/app/cache" in lines
