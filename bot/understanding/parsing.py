"""Message parsing: the part of a message that asks, the several questions of one message
(cut at question ends and conjunctions, options of a choice), and the language it is in."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from bot.content.languages import LANGUAGES
from bot.understanding.matching_config import MatchingConfig
from bot.understanding.text import (
    guess_language,
    has_cjk,
    normalize,
    simplified,
    without_names,
    word_count,
)

# Where a clause ends when a message mixes languages: punctuation, a line break, a dash or an
# ellipsis, and a colon before a space ("Je fais de la pédiatrie — is pediatrics one of your
# fields?", "Question rapide : …"; never "8:30").
MIXED_CLAUSE = re.compile(r"[,.!?;，。！？；\n…—–]|\s-\s|:\s|：")
CLAUSE = re.compile(r"(?<=[.!?。！？;；,，:：\n])")
# Quoted text; a straight quote opens and closes only outside a word (j'avoue … d'échange
# is no quotation).
QUOTED = re.compile(r"(?<!\w)'[^']{3,}'(?!\w)|\"[^\"]{3,}\"|“[^”]{2,}”|«[^»]{2,}»|「[^」]{2,}」")
# Emojis (and the playful tilde) end a clause the way punctuation does in chat, and so do
# typed emoticons, as words of their own: :) ;-) :D :p xD ^^ <3 (never "https://" nor "8:30").
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d~\uff5e]+"
    r"|(?<![A-Za-z0-9_:/])(?:[:;=][-']?[()\[\]DPpOo/|*3]+|[xX]D+|\^\^|<3)(?![\w/])"
)
REPEATED = re.compile(r"([a-z])\1{2,}")  # hiii, heyyy, sooo
LED_WORDS = 3  # words after a lead that ask something, specific or not ("what do u do there")
HELD = re.compile("\x00(\\d+)\x00")  # a name held whole while a message is cut
QUESTION_END = re.compile(r"(?<=[?？，；;])|(?<=[吗呢],)")


def _conjunction_patterns(words: Iterable[str]) -> list[re.Pattern[str]]:
    """A Latin conjunction between spaces; a Chinese one anywhere (commas and spaces before)."""
    return [
        re.compile(rf"(?i)\s+{re.escape(c)}\s+" if c.isascii() else rf"[,，\s]*{re.escape(c)}")
        for c in words
    ]


_ACCENTS = {"a": "aàâä", "c": "cç", "e": "eéèêë", "i": "iîï", "o": "oôö", "u": "uùûü", "y": "yÿ"}


def _latin_letter(char: str, repeat: bool) -> str:
    """A folded letter as a pattern over the text as written (accents aside)."""
    if char == " ":
        return r"[\s'’-]+"
    pattern = f"[{_ACCENTS[char]}]" if char in _ACCENTS else re.escape(char)
    return pattern + "+" if repeat else pattern


def _held_pattern(words: str) -> str:
    """Normalised words as written: Latin ones accents, case and apostrophes aside, between
    word boundaries; Chinese ones as they are."""
    if not words.isascii():
        return re.escape(words)
    return rf"(?<![^\W\d_]){''.join(_latin_letter(c, False) for c in words)}(?![^\W\d_])"


def _chatter_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """Laughter, chat fillers and asides anywhere in a message: a Latin word on its own, each
    of its letters perhaps repeated (lol, lolll, mdrrr); a Latin phrase word for word, accents
    and apostrophes aside ("désolé si c'est bête"); a Chinese one wherever it is (哈哈)."""
    latin, chinese = [], []
    for word in words:
        folded = normalize(word)
        if folded.isascii():
            repeat = " " not in folded
            latin.append("".join(_latin_letter(c, repeat) for c in folded))
        else:
            chinese.append(re.escape(word))
    latin.sort(key=len, reverse=True)
    alternatives = [rf"(?<![^\W\d_])(?:{'|'.join(latin)})(?![^\W\d_])"] if latin else []
    if chinese:
        alternatives.append("|".join(sorted(chinese, key=len, reverse=True)))
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


class MessageParser:
    """Cuts messages into what they ask.

    ``names`` are the knowledge base's normalised item names (a name with a conjunction in it
    is never cut); ``markers`` are each language's known words; ``spelt`` normalises and
    corrects a text; ``specific`` tells whether a text has a word that is not generic;
    ``standard`` replaces regional Chinese words and chat shorthand; ``after_introduction``
    gives what a self-introduction goes on to wish or ask after a conjunction. The asking part
    of a message is kept in a bounded cache.
    """

    def __init__(
        self,
        config: MatchingConfig,
        names: Iterable[str],
        markers: dict[str, frozenset[str]],
        spelt: Callable[[str], str],
        specific: Callable[[str], bool],
        *,
        standard: Callable[[str], str] = str,
        after_introduction: Callable[[str], str] = lambda clause: "",
    ) -> None:
        self._markers, self._spelt, self._specific = markers, spelt, specific
        self._after_introduction = after_introduction
        self._standard = standard
        # the grammar words of the Latin languages: a Chinese message without any has only
        # borrowed terms in Latin letters
        self._grammar = frozenset(w for lang in ("en", "fr") for w in config.stopwords[lang])
        self._preamble = {
            lang: tuple(normalize(m) for m in config.preamble.get(lang, ())) for lang in LANGUAGES
        }
        self._chatter = _chatter_pattern(
            w for lang in LANGUAGES for w in config.chatter.get(lang, ())
        )
        conjunctions = [c for lang in LANGUAGES for c in config.conjunctions.get(lang, ())]
        self._conjunctions = [
            re.compile(
                rf"(?i)\s+{re.escape(c)}[\s,]+|,\s*{re.escape(c)}[\s,]+"
                if c.isascii()
                else rf"[,，\s]*{re.escape(c)}"
            )
            for c in conjunctions
        ]
        self._choice_conjunctions = _conjunction_patterns(
            c for lang in LANGUAGES for c in config.choice_conjunctions.get(lang, ())
        )
        self._choice_words = tuple(
            normalize(w) for lang in LANGUAGES for w in config.choice_words.get(lang, ())
        )
        latin_conjunctions = {normalize(c) for c in conjunctions if c.isascii()}
        self._joined_names = tuple(
            f" {n} "
            for n in sorted(names)
            if n.isascii() and latin_conjunctions.intersection(n.split())
        )
        # the same names as written (accents, case and apostrophes aside), and the pairs of
        # words a conjunction joins inside one question ("paid or free"), held whole while a
        # message is cut at its conjunctions
        pairs = {normalize(p) for lang in LANGUAGES for p in config.joined_pairs.get(lang, ())}
        joined = {n.strip() for n in self._joined_names} | pairs
        self._joined_pattern = (
            re.compile(
                "|".join(_held_pattern(n) for n in sorted(joined, key=len, reverse=True)),
                re.IGNORECASE,
            )
            if joined
            else None
        )
        leads = [normalize(w) for lang in LANGUAGES for w in config.leads.get(lang, ())]
        self._leads = _chatter_pattern(w for w in leads if w) if leads else None
        self._asking_parts = lru_cache(maxsize=8192)(self._find_asking_part)

    def clear_cache(self) -> None:
        """Forget the asking parts found."""
        self._asking_parts.cache_clear()

    def asking_part(self, question: str) -> str:
        """The part of a message that asks: quoted text (talked about, not asked: "translate
        'the fee is waived'"), laughter and chat fillers (``matching.yaml`` ``chatter:``) and
        emojis, and leading greetings, wishes and self-descriptions ("Hi, I'm a nurse from
        Lyon, …", ``preamble:``) dropped, as long as something is left (cached)."""
        return self._asking_parts(question)

    def _find_asking_part(self, question: str) -> str:
        question = self._standard(question)
        unquoted = QUOTED.sub(" ", question)
        if unquoted != question and len(normalize(unquoted).split()) >= 2:
            question = unquoted
        plain = EMOJI.sub("\n", question)
        if self._chatter is not None:
            plain = self._chatter.sub("\n", plain)  # "… rien mdr mais …": a clause ends
        if not normalize(plain):
            plain = question
        clauses = [c for c in CLAUSE.split(plain) if normalize(c)]
        kept = list(clauses)
        while len(kept) > 1 and self._is_preamble(kept[0]):
            wished = self._after_introduction(kept[0])
            if wished:  # "je suis IDE en pédia et je voudrais voir comment …, c possible ?"
                kept[0] = wished
                break
            kept.pop(0)
        asking = " ".join(c.strip() for c in kept)
        led = self._led(asking)
        if led is not None:
            return led
        if len(kept) == len(clauses) and plain == question:
            return question
        return asking

    def _led(self, text: str) -> str | None:
        """What follows the last phrase that leads from small talk into the question ("…, so
        I wanted to ask …", "…所以想问…", ``matching.yaml`` ``leads:``), when it says something
        specific; None when no such phrase is found."""
        if self._leads is None:
            return None
        simple = simplified(text) if has_cjk(text) else text
        if len(simple) != len(text):
            simple = text
        # a Chinese lead opens its clause: mid-clause, 到底 keeps its subject (重医那个项目到底…)
        found = [
            m
            for m in self._leads.finditer(simple)
            if not has_cjk(m.group()) or m.start() == 0 or not has_cjk(simple[m.start() - 1])
        ]
        if not found:
            return None
        rest = text[found[-1].end() :].strip(" ,，:：…")
        return rest if len(normalize(rest).split()) >= LED_WORDS or self._specific(rest) else None

    def _is_preamble(self, clause: str) -> bool:
        normalized = REPEATED.sub(r"\1", normalize(clause))
        if "?" in clause or "？" in clause:
            return False
        for lang in LANGUAGES:
            for marker in self._preamble[lang]:
                if normalized == marker or normalized.startswith(
                    marker if lang == "zh" else marker + " "
                ):
                    return True
        return False

    def parts(self, question: str) -> list[str]:
        """The questions of a message that asks several things, in order ("is housing free
        and how long can I stay?"); the asking part alone when it asks one thing. A name that
        contains a conjunction ("Public Health and Preventive Medicine") is not cut."""
        text = self.asking_part(question)
        normalized = f" {normalize(text)} "
        held, names = self._held_names(text)
        if any(name in f" {normalize(held)} " for name in self._joined_names):
            return [text]  # a name written otherwise than the pattern reads it: not cut
        pieces: list[str] = []
        for sentence in QUESTION_END.split(held):
            pieces.extend(self._split(sentence, self._conjunctions))
        pieces = [HELD.sub(lambda found: names[int(found.group(1))], p) for p in pieces]
        if any(word in normalized for word in self._choice_words):  # "A 和 B，哪个…"
            options = []
            for piece in pieces:
                split = self._split(piece, self._choice_conjunctions)
                specific = all(self._specific(option) for option in split)  # not "重庆和成都…"
                options.extend(split if specific else [piece])
            pieces = options
        pieces = [p.strip(" ,，、;；") for p in pieces]
        # A part is a word at least: three letters, or two Chinese characters (儿科).
        pieces = [p for p in pieces if len(normalize(p).replace(" ", "")) >= 3 - has_cjk(p)]
        return pieces if len(pieces) > 1 else [text]

    def _held_names(self, text: str) -> tuple[str, list[str]]:
        """A text with each name that contains a conjunction ("Public Health and Preventive
        Medicine", "santé publique et médecine préventive") replaced by a mark that no
        conjunction cuts, and the names replaced, in order: the message's other conjunctions
        still join two questions."""
        names: list[str] = []
        if self._joined_pattern is None:
            return text, names

        def hold(found: re.Match[str]) -> str:
            names.append(found.group())
            return f"\x00{len(names) - 1}\x00"

        return self._joined_pattern.sub(hold, text), names

    def _split(self, piece: str, patterns: list[re.Pattern[str]]) -> list[str]:
        for conjunction in patterns:
            split = [p for p in conjunction.split(piece) if p.strip()]
            if len(split) > 1:
                return [q for p in split for q in self._split(p, patterns)]
        return [piece]

    def language(self, question: str, default: str = "en") -> str:
        """The language a question is written in; ``default`` (the conversation's language)
        when its words do not tell ("Strasbourg ?", "visa").

        A message mixing languages is answered in the language of its last clause of three
        words or more, two Chinese characters making a word ("我想问一下, 普外科 general
        surgery, can I observe there?": English; "research design 跟 data analysis 都弱,
        去这个交流会有帮助吗": Chinese). Chinese with Latin terms and no Latin grammar word
        is Chinese ("infectious disease 咧？"). Quoted text is talked about, not written in
        ('what is the "programme d'échange" exactly?': English), when words are left."""
        unquoted = QUOTED.sub(" ", question)
        if unquoted != question and word_count(unquoted) >= 2:
            question = unquoted
        return self._written(question, default) or default

    def _written(self, question: str, default: str = "en") -> str:
        """:meth:`language` with ``default`` on a tie ("" for a letter's asking part, whose
        body then decides)."""
        spelt, markers = self._spelt, self._markers
        if self._borrowing(question):
            return "zh"
        whole = guess_language(question, spelt(question).split(), markers, default=default)
        clauses = [c for c in MIXED_CLAUSE.split(question) if word_count(spelt(c)) >= 3]
        if len(clauses) < 2 or not self._mixed(question):
            return whole
        return guess_language(clauses[-1], spelt(clauses[-1]).split(), markers) or whole

    def _borrowing(self, question: str) -> bool:
        """Whether a message is Chinese with Latin terms in it: Chinese characters, and Latin
        words none of which is an English or French grammar word (a term, a name, an
        acronym: "CQMU 的 international exchange", "infectious disease 咧？")."""
        if not has_cjk(question):
            return False
        latin = [w for w in self._spelt(question).split() if w.isascii() and w.isalpha()]
        return not any(w in self._grammar for w in latin)

    def letter_language(self, asking: Sequence[str], body: str, default: str = "en") -> str:
        """The language of a letter: that of the sentences that ask, else that of its body
        (without the signature), names, acronyms and quoted terms left out ("Université de
        Montréal" in an English e-mail, "Harvard Medical School" in a Chinese one); else
        ``default``."""
        for part in (" ".join(asking), body):
            text = without_names(QUOTED.sub(" ", part))
            found = self._written(text, default="")  # mixed: its last clause (issue 18)
            if found:
                return found
        return self.language(body, default)

    def _mixed(self, question: str) -> bool:
        """Whether a message mixes Chinese with Latin words, or English with French."""
        words = self._spelt(question).split()
        latin = [w for w in words if w.isascii() and w.isalpha()]
        if has_cjk(question):
            return len(latin) >= 3
        en, fr = self._markers["en"], self._markers["fr"]
        english = sum(1 for w in latin if w in en and w not in fr)
        french = sum(1 for w in latin if w in fr and w not in en)
        return english >= 2 and french >= 2
