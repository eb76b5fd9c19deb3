"""The marker words of sentences (``knowledge/context.yaml``, ``sentences:``), prepared once:
the words that greet, ask, introduce, thank, lead into a question or join two questions, in
en, zh and fr, and the patterns that find them in a sentence."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from bot.content.languages import LANGUAGES
from bot.content.programmes import MARKER_KINDS
from bot.understanding.text import has_cjk, zhconv

SENTENCE_KINDS = MARKER_KINDS["sentences"]  # request, ask, greeting… (knowledge/context.yaml)
_PUNCTUATION = re.compile(r"[^\w'’\s-]")
_CHINESE_BEFORE = r"(?<=[\u4e00-\u9fff])"
SHORT_WORD = 3  # a marker word this short keeps its accents only ("où")


class SentenceMarkers:
    """The marker lists of every kind and language, and the patterns built from them."""

    def __init__(self, markers: Mapping[str, Mapping[str, Any]]) -> None:
        self.words: dict[str, dict[str, tuple[str, ...]]] = {
            kind: {
                lang: _with_unaccented(
                    normalised(str(m)) for m in (markers.get(kind) or {}).get(lang) or ()
                )
                for lang in LANGUAGES
            }
            for kind in SENTENCE_KINDS
        }
        joins = self.all("conjunction")
        # a word that joins two questions, after a comma or not ("…, and when …", "… and
        # whether …", "…，还有…")
        # ("还是" is "or": one question of a choice, "…是英语还是中文")
        self.join = pattern(rf"(?:[,，;；]\s*|(?<=\s)|{_CHINESE_BEFORE})", joins, r"(?!是)\s*")
        # a conjunction ending a text ("J'ai lu sur le programme, et")
        self.join_at_end = pattern(r"[\s,，;；]*(?<![\w'’-])", joins, r"\s*$")
        # where a self-introduction may stop and a question start: a comma, or a conjunction
        latin = [j for j in joins if not has_cjk(j)]
        self.cut = re.compile(
            r"[,，;；]\s*(?:" + words(joins) + ")?" + (r"|\s" + words(latin) if latin else ""),
            re.I,
        )
        # the phrases that ask ("i would like to know", "pourriez-vous", "m'indiquer"); a
        # plain word ("what") is no phrase
        phrases = [m for m in self.all("request") if not has_cjk(m) and not re.fullmatch(r"\w+", m)]
        # an indirect question, as a grammar: a `want` phrase, a few words on a `learn` verb,
        # then a `clause` word ("je voudrais bien comprendre qui…", "merci de me dire si…");
        # it ends before the clause word, which stays in the question
        self.indirect = self._indirect()
        self.request = re.compile(
            r"(?<![\w'’-])(?:" + words(phrases) + "|" + self.indirect.pattern + ")", re.I
        )
        # the Chinese ones, each with the marks after it ("另外，", "顺便问下：")
        chinese_leads = [m for m in self.all("lead") if has_cjk(m)]
        self.chinese_lead = (
            re.compile(r"\s*" + words(chinese_leads) + r"[\s,，:：;；、]*")
            if chinese_leads
            else re.compile(r"(?!)")
        )
        leads = [m for m in self.all("lead") if not has_cjk(m)]
        additions = [m for m in self.all("addition") if not has_cjk(m)]
        self.addition = pattern(r"\s*(?<![\w'’-])", additions)
        # ("Oh, and one more thing:": a comma may stand between the words of a lead)
        self.lead = re.compile(
            r"[\s,:;]*(?:" + words(leads, loose=True) + r"[\s,:;]*)?" if leads else r"(?!)"
        )
        self.reason = pattern(r"\s*[,，;；]\s*", self.all("reason"))
        self.purpose = pattern(rf"[\s,，]*(?:(?<![\w'’-])|{_CHINESE_BEFORE})", self.all("purpose"))
        self.announce = pattern(rf"(?:(?<![\w'’-])|{_CHINESE_BEFORE})", self.all("announce"))
        self.about = pattern("", self.all("about"), r"\s*\S")
        self._lookup = {kind: self._prepared(kind) for kind in SENTENCE_KINDS}
        # the requests written in Chinese characters ("还想问一下"), for a text ending with one
        self.chinese_requests = tuple(m for m in self.all("request") if has_cjk(m))

    def _indirect(self) -> re.Pattern[str]:
        """The pattern of an indirect question (``want``, ``learn`` then ``clause`` words, Latin
        script; Chinese asks with its `request` phrases); a never-matching one without them."""
        want, learn, clause = (
            [m for m in self.all(kind) if not has_cjk(m)] for kind in ("want", "learn", "clause")
        )
        if not (want and learn and clause):
            return re.compile(r"(?!)")
        few_words = r"(?:\s+[\w'’-]+){0,3}?\s+"
        return re.compile(
            words(want) + few_words + words(learn) + r"(?=\s+" + words(clause) + ")", re.I
        )

    def _prepared(self, kind: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """A kind's markers as :meth:`has` looks for them, prepared once: the Chinese ones
        (found anywhere), the Latin ones that count only at the start (a request or question
        word of one plain word), the other Latin ones, spaced as they stand between words."""
        chinese, opening, anywhere = [], [], []
        for lang in LANGUAGES:
            for marker in self.words[kind][lang]:
                if lang == "zh" or has_cjk(marker):
                    chinese.append(marker)
                elif kind in ("request", "ask") and re.fullmatch(r"\w+", marker):
                    opening.append(_spaced(marker))
                else:
                    anywhere.append(_spaced(marker))
        return tuple(chinese), tuple(opening), tuple(anywhere)

    def adds_wish(self, norm: str) -> bool:
        """Whether a normalised sentence adds a wish to what was asked ("I'd also like to see
        the ICU", "je voudrais aussi…", "我也想…"): an ``addition`` word and, without it, a
        ``wish``."""
        return self.has(norm, "addition") and self.has(self.addition.sub("", norm), "wish")

    def all(self, kind: str) -> list[str]:
        """The markers of a kind in every language."""
        return [m for lang in LANGUAGES for m in self.words[kind][lang]]

    def has(self, norm: str, kind: str, *, start: bool = False) -> bool:
        """Whether a normalised sentence holds one of a kind's markers (``start``: opens with
        it). A request or question word of one plain word ("what", "où") counts only at the
        start; a longer one ("i would like to know", "pourriez-vous", "m'indiquer") anywhere."""
        padded = " " + " ".join(_PUNCTUATION.sub(" ", norm).split()) + " "
        chinese, opening, anywhere = self._lookup[kind]
        if kind == "request":  # an indirect question ("j'aimerais comprendre comment …")
            found = self.indirect.search(norm)
            if found is not None and (not start or not found.start()):
                return True
        if start:
            return any(map(norm.startswith, chinese)) or any(
                map(padded.startswith, opening + anywhere)
            )
        return (
            any(m in norm for m in chinese)
            or any(map(padded.startswith, opening))
            or any(m in padded for m in anywhere)
        )


def _spaced(marker: str) -> str:
    """A marker as it stands between words: with a space either side, but an elided one
    ("qu'est-ce qu'", "s'il") runs into the next word ("qu'est-ce qu'on fait")."""
    return f" {marker}" if marker.endswith(("'", "’")) else f" {marker} "


def _with_unaccented(markers: Iterable[str]) -> tuple[str, ...]:
    """Markers, each also written without its accents ("je souhaiterais connaitre", "a qui":
    many write French without them), except a short word, which would then be another word
    ("où" is not "ou")."""
    found: dict[str, None] = {}
    for marker in markers:
        found[marker] = None
        if " " in marker or len(marker) > SHORT_WORD:
            found.setdefault(unaccented(marker), None)
    return tuple(found)


def unaccented(text: str) -> str:
    """A text without accents, character for character (é: e; Chinese as it is)."""
    return "".join(c if c.isascii() else unicodedata.normalize("NFD", c)[0] for c in text)


def pattern(before: str, markers: Iterable[str], after: str = "") -> re.Pattern[str]:
    """A pattern of any of the markers (none: a pattern that never matches)."""
    markers = list(markers)
    return re.compile(before + words(markers) + after if markers else r"(?!)", re.I)


def words(markers: Iterable[str], *, loose: bool = False) -> str:
    """Any of the markers, longest first, each ending a word (or open: "qu'", "还有");
    ``loose``: a comma may stand between the words of one ("oh, and" for "oh and")."""
    ordered = sorted(set(markers), key=len, reverse=True)
    between = r"[\s,]+" if loose else r"\ "
    return (
        "(?:"
        + "|".join(
            between.join(map(re.escape, m.split(" "))) + ("" if _open(m) else r"(?![\w'’-])")
            for m in ordered
        )
        + ")"
    )


def _open(marker: str) -> bool:
    """Whether a marker may run on into the next word: an elision ("qu'"), Chinese (还有)."""
    return marker.endswith("'") or has_cjk(marker)


def simplified(text: str) -> str:
    """Chinese in simplified characters (還有: 还有), when that keeps every position."""
    if not has_cjk(text):
        return text
    simple = str(zhconv.convert(text, "zh-hans"))
    return simple if len(simple) == len(text) else text


def normalised(text: str) -> str:
    """Lower case, curly apostrophes straight, spaces single (accents kept), Chinese in
    simplified characters (請問: 请问)."""
    if has_cjk(text):
        text = zhconv.convert(text, "zh-hans")
    return " ".join(text.lower().replace("’", "'").split())


def lowered(text: str) -> str:
    """Lower case with straight apostrophes, every character in its place (positions stay)."""
    return text.lower().replace("’", "'")
