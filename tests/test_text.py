"""Normalisation, tokenisation and language guessing."""

from __future__ import annotations

import re

import pytest

from bot.understanding.text import (
    chinese_runs,
    guess_language,
    normalize,
    segments,
    stem,
    tokenize,
    without_names,
)

STOP = frozenset({"the", "is", "what", "de", "le", "的", "吗", "是"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("What are the FEES?", "what are the fees"),
        ("Ｆｅｅｓ？", "fees"),  # full-width letters and punctuation
        ("Où est le LOGEMENT ?", "ou est le logement"),  # accents folded
        ("l'hôpital", "l hopital"),
        ("cœur", "coeur"),
        ("請問學費多少？", "请问学费多少"),  # traditional to simplified
        ("CQMU的住宿免费吗？", "cqmu 的住宿免费吗"),
        ("出了问题怎么半", "出了问题怎么半"),  # simplified stays as written (zhconv: 幺半)
        ("乾燥的天氣", "干燥的天气"),  # a traditional character by its phrase
        ("  many   spaces\t\n", "many spaces"),
        ("4–6 months!!!", "4 6 months"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_stem_folds_plurals_only() -> None:
    assert stem("specialties") == "specialty"
    assert stem("fees") == "fee"
    assert stem("class") == "class"
    assert stem("bus") == "bus"


def test_tokenize_latin_drops_stopwords_and_stems() -> None:
    assert tokenize(normalize("What is the fees?"), STOP) == ["fee"]


def test_tokenize_chinese_gives_characters_and_pairs_within_segments() -> None:
    tokens = tokenize(normalize("住宿是免费的吗"), STOP)
    assert tokens == ["住", "宿", "住宿", "免", "费", "免费"]


def test_a_known_word_is_not_cut_at_its_stop_character() -> None:
    stop = frozenset({"请", "么", "怎"})
    assert segments(normalize("怎么申请"), stop) == ["申"]
    assert segments(normalize("怎么申请"), stop, frozenset({"申请"})) == ["申请"]
    assert tokenize(normalize("怎么申请"), stop, frozenset({"申请"})) == ["申", "请", "申请"]


def test_a_chinese_stop_word_of_several_characters_always_cuts() -> None:
    stop = frozenset({"的", "大概"})
    assert segments(normalize("大概住宿的费用"), stop) == ["住宿", "费用"]
    assert segments(normalize("费用大概多少"), stop, frozenset({"大概"})) == ["费用", "多少"]


def test_latin_stop_words_are_whole_words_only() -> None:
    stop = frozenset({"when", "the", "is"})
    assert segments(normalize("When is the deadline?"), stop) == ["deadline"]
    assert segments(normalize("whenever deadlines"), stop) == ["whenever", "deadline"]


def test_chinese_runs() -> None:
    assert chinese_runs("CQMU 的住宿, 免费吗") == ["的住宿", "免费吗"]
    assert chinese_runs("no chinese here") == []


MARKERS = {
    "en": frozenset({"the", "is", "fees", "housing"}),
    "fr": frozenset({"le", "est", "frais", "logement"}),
}


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("what is the fee", "en"),
        ("quel est le logement", "fr"),
        ("logement", "fr"),
        ("housing", "en"),
        ("durée", "fr"),  # an accent is French evidence
        ("住宿免费吗", "zh"),
        ("CQMU的宿舍", "zh"),
        ("Strasbourg", "en"),  # no evidence: the default
    ],
)
def test_guess_language(question: str, language: str) -> None:
    assert guess_language(question, normalize(question).split(), MARKERS) == language


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("I study at Université de Montréal, Faculté de Médecine.", "I study at"),
        ("我是Harvard Medical School的PhD student", "我是 的 student"),
        ("Je suis à la London School of Hygiene and Tropical Medicine.", "Je suis à la"),
        ("Is housing free? Can I stay?", "Is housing free Can I stay"),  # sentences open
        ("Dear Sir,\nMy name is Ana Lima.", "Dear My name is"),
    ],
)
def test_names_and_acronyms_are_left_out_of_the_language_evidence(text: str, left: str) -> None:
    assert re.findall(r"\w+", without_names(text)) == left.split()
