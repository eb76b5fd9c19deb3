"""Text normalisation, tokenisation and language guessing for matching (no Telegram here).

Normalisation is for matching only: answers are always sent as written in the knowledge base.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from types import ModuleType


def _import_zhconv() -> ModuleType:
    """zhconv, imported without ``pkg_resources``: it only uses it to find its table, which
    it otherwise opens next to its module; the import alone takes 60 ms of every start."""
    absent = "pkg_resources" not in sys.modules
    if absent:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import fails
    try:
        import zhconv
    finally:
        if absent:
            del sys.modules["pkg_resources"]
    return zhconv


zhconv = _import_zhconv()

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CJK_RUN = re.compile(f"[{_CJK}]+")
_RUNS = re.compile(f"[{_CJK}]+|[a-z0-9]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": "'", "‘": "'"})
_ACCENTED = re.compile("[àâäçéèêëîïôöùûüÿœæ]")
# A French elision: c', d', j', l', m', n', s', t', qu' opening a word before a vowel or h
# ("conditions d'admission", "l'hôpital"); English clips the end of a word (I'd, don't).
_ELISION = re.compile(r"(?<![^\W\d_])(?:[cdjlmnst]|qu)['’](?=[aeiouyhàâäéèêëîïôöùûü])")
# A name: capitalised Latin words ("Université Paris Cité", "CQMU", "PhD"), with the short
# words linking them ("University of Oxford", "Université de Lyon"); the pronoun "I" is none.
_CAPITAL = r"(?!I\b)[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿ0-9'’-]*"
_LINK = r"(?:of|de|du|des|la|le|and|et|for|the|van|von|da|di|del|y)"
_NAME = re.compile(rf"{_CAPITAL}(?:\s+(?:{_LINK}\s+)?{_CAPITAL})*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;。！？：；\n]|^\W)\s*$")


def has_cjk(text: str) -> bool:
    """Whether the text contains a Chinese character."""
    return _CJK_CHAR.search(text) is not None


@lru_cache(maxsize=4096)
def searched_form(term: str) -> str:
    """A normalised name or marker as looked for in a normalised text padded with spaces:
    Latin as whole words (between spaces), Chinese anywhere (cached: the same few terms are
    looked for in every message)."""
    return term if has_cjk(term) else f" {term} "


def without_names(text: str) -> str:
    """A text without its names and acronyms: capitalised words that do not open a sentence
    (and the short words linking them), so that "Université de Lyon" in an English e-mail
    or "Harvard Medical School" in a Chinese one says nothing of the message's language."""

    def drop(found: re.Match[str]) -> str:
        name = found.group(0)
        opening = _SENTENCE_START.search(text, 0, found.start()) is not None
        if opening:  # the sentence's first word stays; the rest of the name goes
            first, _, rest = name.partition(" ")
            return first if not rest else first + " " + _NAME.sub(" ", rest)
        return " "

    return _NAME.sub(drop, text)


def chinese_runs(text: str) -> list[str]:
    """The runs of Chinese characters of a text."""
    return _CJK_RUN.findall(text)


@lru_cache(maxsize=8192)
def _simplified_char(char: str) -> str:
    return str(zhconv.convert(char, "zh-hans"))


def simplified(text: str) -> str:
    """A text in simplified characters: zhconv's phrase-level conversion, where it changes a
    traditional character; a character that is simplified already stays as written (zhconv
    turns 么半 into 幺半, the monoid of 幺半群, in "怎么半")."""
    converted = str(zhconv.convert(text, "zh-hans"))
    if converted == text or len(converted) != len(text):
        return converted
    return "".join(
        new if new == old or _simplified_char(old) != old else old
        for old, new in zip(text, converted, strict=True)
    )


# The knowledge base's phrases, names and markers are about 13,000 texts, normalised at load by
# several indexes: a cache that holds them all normalises each once (about 2 MB).
@lru_cache(maxsize=16384)
def normalize(text: str) -> str:
    """Fold a question to a canonical matching form.

    Unicode compatibility forms (full-width letters and punctuation) are folded, traditional
    Chinese becomes simplified, case and accents are dropped, and everything that is not a
    letter, digit or Chinese character becomes a single space.
    """
    text = unicodedata.normalize("NFKC", text)
    if has_cjk(text):
        text = simplified(text)
    text = text.casefold().translate(_LIGATURES)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(_RUNS.findall(text))


def stem(word: str) -> str:
    """A light, language-neutral plural folding (specialties → specialty, frais → frai)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
        return word[:-1]
    return word


def segments(
    normalized: str, stopwords: frozenset[str], words: frozenset[str] = frozenset()
) -> list[str]:
    """Meaningful pieces of a normalised text: stemmed Latin words that are not stop words, and
    runs of Chinese characters cut at their stop words.

    A Chinese stop word of several characters (大概) always cuts; a stop character (的, 请)
    cuts unless it is inside one of ``words`` (申请 stays whole).
    """
    pieces: list[str] = []
    for run in _RUNS.findall(normalized):
        if run[0].isascii():
            if run not in stopwords:
                pieces.append(stem(run))
            continue
        stops = {i for i, char in enumerate(run) if char in stopwords} - _within(run, words)
        stops |= _within(run, stopwords)
        segment = ""
        for i, char in enumerate(run):
            if i in stops:
                if segment:
                    pieces.append(segment)
                segment = ""
            else:
                segment += char
        if segment:
            pieces.append(segment)
    return pieces


def _within(run: str, words: frozenset[str]) -> set[int]:
    """Positions of a Chinese run inside one of ``words`` of 2 to 4 characters."""
    inside: set[int] = set()
    for i in range(len(run) - 1):
        for length in (2, 3, 4):
            if run[i : i + length] in words:
                inside.update(range(i, i + length))
    return inside


def pairs(segment: str) -> list[str]:
    """The adjacent character pairs of a Chinese segment (费用啊 → 费用, 用啊)."""
    return [segment[i : i + 2] for i in range(len(segment) - 1)]


def tokenize(
    normalized: str, stopwords: frozenset[str], words: frozenset[str] = frozenset()
) -> list[str]:
    """Content tokens of a normalised text (see :func:`segments` for ``words``).

    Latin words are stemmed and stop words dropped. In Chinese each character of a segment is
    a token and so is each adjacent pair, which stands in for word segmentation
    (费用 → 费, 用, 费用).
    """
    tokens: list[str] = []
    for piece in segments(normalized, stopwords, words):
        if piece.isascii():
            tokens.append(piece)
        else:
            tokens.extend(piece)
            tokens.extend(pairs(piece))
    return tokens


def guess_language(
    text: str,
    normalized_words: Iterable[str],
    markers: dict[str, frozenset[str]],
    default: str = "en",
) -> str:
    """Guess whether a question is English, Chinese or French.

    Chinese wins when Chinese characters outnumber Latin words. Otherwise each word that is a
    marker of only one of English or French (stop words and knowledge-base vocabulary) counts
    for it, and French accents and elisions (d'admission) count for French; a tie gives
    ``default``. Names say nothing of the language (issue 18, session 7): the words and
    accents of a capitalised name that does not open a sentence ("what about the Faculté de
    Médecine de Strasbourg?", "哈佛 Medical School 的项目") are left out, unless nothing else
    decides.
    """
    words = [w for w in normalized_words if w.isascii()]
    unnamed = without_names(text)
    if unnamed != text:
        named = Counter(normalize(text).split()) - Counter(normalize(unnamed).split())
        kept = _without_counted(words, named)
        found = _guess(unnamed, kept, markers)
        if found:
            return found
    return _guess(text, words, markers) or default


def word_count(text: str) -> float:
    """The words of a text, a run of Chinese characters counted as one word per two
    characters ("去这个交流会有帮助吗" is a clause of five words, not one)."""
    runs = _CJK_RUN.findall(text)
    latin = len(_CJK_RUN.sub(" ", text).split())
    return latin + sum(len(run) for run in runs) / 2


def _without_counted(words: list[str], counted: Counter[str]) -> list[str]:
    """``words`` with each word of ``counted`` taken out as many times as counted."""
    left, kept = Counter(counted), []
    for word in words:
        if left[word] > 0:
            left[word] -= 1
        else:
            kept.append(word)
    return kept


def _guess(text: str, words: list[str], markers: dict[str, frozenset[str]]) -> str:
    """The language of :func:`guess_language`, or "" on a tie."""
    cjk = len(_CJK_CHAR.findall(text))
    if cjk and cjk >= len(words):
        return "zh"
    en_markers, fr_markers = markers.get("en", frozenset()), markers.get("fr", frozenset())
    folded = text.casefold()
    score = 2 * len(_ACCENTED.findall(folded)) + 2 * len(_ELISION.findall(folded))
    for word in words:
        in_en, in_fr = word in en_markers, word in fr_markers
        if in_fr and not in_en:
            score += 1
        elif in_en and not in_fr:
            score -= 1
    if score > 0:
        return "fr"
    if score < 0:
        return "en"
    return ""
