"""Spelling correction of a message before lexical matching: regional Chinese words replaced by
mainland ones (``matching.yaml`` ``regional:``), chat spellings written out (``shorthand:``), then
misspelt words corrected against the knowledge base's own vocabulary
(:mod:`bot.understanding.spelling`, :mod:`bot.understanding.chinese_spelling`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

from bot.content.knowledge import KnowledgeBase, KnowledgeError
from bot.content.languages import LANGUAGES
from bot.understanding.chinese_spelling import ChineseSpeller
from bot.understanding.matching_config import MatchingConfig
from bot.understanding.spelling import Speller
from bot.understanding.text import chinese_runs, has_cjk, normalize, simplified, zhconv


def chinese_cjk(text: str) -> str:
    """The Chinese characters of a text."""
    return "".join(chinese_runs(text))


_ACRONYM = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z0-9]+(?![A-Za-z0-9])")
_CLAUSE = re.compile(r"[^,.!?;:，。！？；：、\n]+")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# a space between two Chinese characters: a comma typed by voice input or by a writer who
# leaves punctuation out (住宿免费吗 最长能待多久)
_SPACED = re.compile(r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")
# a writer who punctuates between clauses (a mark with Chinese after it) means a space as a
# space: only a message without such marks has its spaces read as commas
_CLAUSE_MARK = re.compile(r"[，。？！；,.?!;\n]")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_LATIN_RUN = re.compile(r"(?<![A-Za-z0-9'])[A-Za-z]+(?:(?: +|-)[A-Za-z]+)*(?![A-Za-z0-9'])")


def spoken_commas(message: str) -> str:
    """A message as typed with each space between two Chinese characters read as a comma
    (住宿要钱吗 最多能待多久 → 住宿要钱吗，最多能待多久), when the writer puts no punctuation
    between clauses (voice input, fast pinyin typing). Only for the message as the student
    sent it: texts the bot joins from its pieces keep their spaces."""
    last = _CHINESE.search(message[::-1])  # the last Chinese character, read from the end
    if last is None or _CLAUSE_MARK.search(message, 0, len(message) - 1 - last.start()):
        return message  # no Chinese, or a mark before the last Chinese character
    return _SPACED.sub("，", message)


class RegionalWords:
    """Taiwanese, Hong Kong and Cantonese words (``matching.yaml`` ``regional:``) replaced by
    the mainland words the knowledge base uses, in the message as written, longest first, so
    that every later step (asking part, parts, lexical and semantic signals) reads mainland
    words (呢個計劃係咪… → 这个项目是不是…). Only texts with Chinese characters are changed.

    A word is found as written and in the other script too (計劃 and 计划), except a single
    character whose other form is used by the knowledge base's own phrases (係 is not 系:
    关系). Each replacement must be a word of the knowledge base's Chinese phrases (``known``,
    not-listed names included) or stop words: :class:`KnowledgeError` otherwise.
    """

    def __init__(
        self, regional: Mapping[str, str], known: list[str], stopwords: frozenset[str]
    ) -> None:
        text = "|".join(known)
        unknown = [
            f"{word}: {mainland}"
            for word, mainland in regional.items()
            if not word
            or (
                mainland not in text
                and mainland not in stopwords
                and not all(char in stopwords for char in mainland)
            )
        ]
        if unknown:
            raise KnowledgeError(
                [f"matching.yaml: regional: not a word of the knowledge base: {', '.join(unknown)}"]
            )
        used = {char for phrase in known for char in phrase}
        self._words: dict[str, str] = {}
        self._latin = {
            " ".join(w.casefold().split()): m for w, m in regional.items() if w.isascii()
        }
        self._latin_longest = max((len(w.split()) for w in self._latin), default=0)
        for word, mainland in regional.items():
            if word.isascii():
                continue
            self._words.setdefault(word, mainland)
            for form in (zhconv.convert(word, "zh-hans"), zhconv.convert(word, "zh-hant")):
                if form != word and (len(form) > 1 or form not in used):
                    self._words.setdefault(form, mainland)
        ordered = sorted(self._words, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None

    def mainland(self, text: str, terms: bool = True) -> str:
        """The text with its regional words replaced and in simplified characters (unchanged
        without Chinese: the meaning signal read 交流項目住哪里 and 交流项目住哪里 apart), and
        (with ``terms``) the English terms of its Chinese clauses written in Chinese."""
        if not has_cjk(text):
            return text
        if self._pattern is not None:
            text = self._pattern.sub(lambda m: self._words[m.group(0)], text)
        text = simplified(text)
        if terms and self._latin:
            text = _CLAUSE.sub(self._chinese_clause, text)
        return text

    def _chinese_clause(self, clause: re.Match[str]) -> str:
        """A clause with its English terms in Chinese (有没有 lab → 有没有 实验室) when it is
        Chinese: as many Chinese characters as Latin words at least ("can I join a lab
        there" stays as it is, and so does the reply's language)."""
        text = clause.group(0)
        if len(chinese_cjk(text)) < len(_LATIN_WORD.findall(text)):
            return text
        return _LATIN_RUN.sub(self._latin_run, text)

    def _latin_run(self, run: re.Match[str]) -> str:
        """A run of English words in Chinese, written in Chinese when every word is a term of
        the table ("public health", "lab"); otherwise as it is: "general surgery" is a name,
        "breathing problem" more than a term."""
        words = re.split(r" +|-", run.group(0).casefold())  # self-funded: self funded
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(self._latin_longest, len(words) - i), 0, -1):
                term = " ".join(words[i : i + n])
                if term in self._latin:
                    out.append(self._latin[term])
                    i += n
                    break
            else:
                return run.group(0)
        return "".join(out)


def vocabulary_speller(
    kb: KnowledgeBase, config: MatchingConfig, phrases: dict[str, list[tuple[str, str]]]
) -> Speller:
    """The knowledge base's vocabulary, for correcting misspelt words: the words of every
    phrase, stop word, out-of-scope example and not-listed name, and the one-word chat fillers
    (known, but never the correction of another word). The words only the items' lay
    descriptions use are, like names, never the correction of a short word."""
    words = [w for found in phrases.values() for _, text in found for w in text.split()]
    words += [w for lang in LANGUAGES for w in config.stopwords[lang]]
    in_descriptions = Counter(
        w
        for item in kb.items.values()
        for texts in item.descriptions.values()
        for text in texts
        for w in normalize(text).split()
    )
    elsewhere = Counter(words) - in_descriptions
    described = [w for w in in_descriptions if not elsewhere[w]]
    outside = [
        w
        for texts in (
            *config.out_of_scope.values(),
            *(group.names[lang] for group in config.not_listed for lang in LANGUAGES),
        )
        for text in texts
        for w in normalize(text).split()
    ]
    # chat fillers are known words, never the correction of another ("velez" is no "welp")
    chat = [w for words in _chat_words(config).values() for w in words]
    runs = [r for found in phrases.values() for _, text in found for r in chinese_runs(text)]
    keep = [
        r
        for texts in (
            config.out_of_scope.get("zh", ()),
            *(group.names["zh"] for group in config.not_listed),
        )
        for text in texts
        for r in chinese_runs(normalize(text))
    ]
    names = [
        w
        for item in kb.items.values()
        for lang in LANGUAGES
        for text in (item.name[lang], *item.aliases.get(lang, ()))
        for w in normalize(text).split()
    ]
    unlisted = [
        r
        for group in config.not_listed
        for n in group.names["zh"]
        for r in chinese_runs(normalize(n))
    ]
    lexicon = [
        r
        for text in (
            *(t for e in kb.entries.values() for t in (e.title["zh"], *e.keywords.get("zh", ()))),
            *(t for i in kb.items.values() for t in (i.name["zh"], *i.aliases.get("zh", ()))),
        )
        for r in chinese_runs(normalize(text))
    ]
    return Speller(
        [*words, *outside],
        keep=chat,
        names=names,
        described=described,
        unlisted=[
            w
            for group in config.not_listed
            for lang in LANGUAGES
            for n in group.names[lang]
            for w in normalize(n).split()
        ],
        chinese=ChineseSpeller(
            runs,
            keep,
            standing=[*config.stopwords["zh"], *config.particles],
            particles=config.particles,
            names=unlisted,
            lexicon=lexicon,
        ),
        languages=language_words(config, phrases),
        shorthand=config.shorthand,
    )


def _chat_words(config: MatchingConfig) -> dict[str, list[str]]:
    """Each language's one-word chat fillers (mdr, lol, bah): known words, never typos ("mdr"
    is no "mer") and words of their language."""
    return {
        lang: [normalize(w) for w in words if " " not in normalize(w)]
        for lang, words in config.chatter.items()
    }


def language_words(
    config: MatchingConfig, phrases: dict[str, list[tuple[str, str]]]
) -> dict[str, set[str]]:
    """Each language's own words: those of its phrases, stop words, out-of-scope examples and
    not-listed names."""
    found = {lang: set(config.stopwords[lang]) for lang in LANGUAGES}
    for lang in LANGUAGES:
        for text in (
            *config.out_of_scope.get(lang, ()),
            *_chat_words(config).get(lang, ()),
            *(n for group in config.not_listed for n in group.names[lang]),
        ):
            found[lang].update(normalize(text).split())
    for texts in phrases.values():
        for lang, text in texts:
            found[lang].update(text.split())
    return found


def check_shorthand(
    shorthand: Mapping[str, Mapping[str, str]], words: Mapping[str, set[str]]
) -> None:
    """Every language of ``matching.yaml`` ``shorthand:`` is known, and each spelling stands
    for words of that language (its phrases and stop words) or, in Chinese, for text of its
    phrases."""
    problems = [
        f"matching.yaml: shorthand: unknown language {lang}"
        for lang in shorthand
        if lang not in words
    ]
    text = "|".join(words.get("zh", ()))
    for lang, table in shorthand.items():
        own = words.get(lang, set())
        for spelling, full in table.items():
            known = (
                (full in text or all(w in own for w in full.split()))
                if lang == "zh"
                else all(w in own for w in full.split())
            )
            if not spelling or spelling == full or not full or not known:
                problems.append(
                    f"matching.yaml: shorthand: {lang}: {spelling}: {full}: "
                    "not words of the knowledge base in that language"
                )
    if problems:
        raise KnowledgeError(problems)


class TextCorrector:
    """Normalises texts and corrects their spelling, with a bounded cache of corrected texts.

    ``phrases`` are every topic's normalised matching phrases with their language. The speller
    is built at the first text, not at start-up (0.15 s).
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        config: MatchingConfig,
        phrases: dict[str, list[tuple[str, str]]],
    ) -> None:
        self._kb, self._config, self._phrases = kb, config, phrases
        known = [p for found in phrases.values() for lang, p in found if lang == "zh"]
        known += [normalize(n) for group in config.not_listed for n in group.names["zh"]]
        self.regional = RegionalWords(config.regional, known, config.stopwords["zh"])
        check_shorthand(config.shorthand, language_words(config, phrases))
        chinese = config.shorthand.get("zh", {})
        self._chinese_shorthand = (
            re.compile("|".join(re.escape(w) for w in sorted(chinese, key=len, reverse=True)))
            if chinese
            else None
        )
        self._speller: Speller | None = None
        self._corrected = lru_cache(maxsize=1024)(self._correct)

    def standard(self, text: str, terms: bool = True) -> str:
        """A message as written with its regional Chinese words replaced: what every signal
        reads (chat shorthand is written out by the speller, in the message's language);
        ``terms``: English terms of Chinese clauses written in Chinese too."""
        return self.regional.mainland(text, terms)

    def spelt(self, text: str) -> str:
        """A text normalised, its misspelt words corrected (cached)."""
        return self._corrected(text)

    def clear_cache(self) -> None:
        """Forget the corrected texts."""
        self._corrected.cache_clear()

    def speller(self) -> Speller:
        """The speller of the Latin and Chinese words (built at the first call)."""
        if self._speller is None:
            self._speller = vocabulary_speller(self._kb, self._config, self._phrases)
        return self._speller

    def build(self) -> None:
        """Build the speller and load its word tables now, rather than at the first text
        (0.2-0.3 s in one piece: on the event loop, every update in flight would wait)."""
        self.speller().load_tables()

    def _correct(self, text: str) -> str:
        normalized = normalize(self.standard(text))
        if self._chinese_shorthand is not None and has_cjk(normalized):
            chinese = self._config.shorthand["zh"]
            normalized = self._chinese_shorthand.sub(lambda m: chinese[m.group(0)], normalized)
        # in Chinese, a short form in capitals is a term read as such (PGY is no "pay")
        keep = frozenset(a.casefold() for a in _ACRONYM.findall(text)) if has_cjk(text) else None
        return self.speller().correct(normalized, keep or frozenset())


RESPELT = 2  # corrected words (or Chinese characters) from which a message is read as corrected


def respelled(text: str, form: str, at_least: int = RESPELT) -> bool:
    """Whether spelling correction changed at least ``at_least`` words (Latin) or characters
    (Chinese) of a text into its corrected ``form``: such a message is read by meaning as
    corrected too, beside the original."""
    original = normalize(text)
    if original == form:
        return False
    added = Counter(_tokens(form)) - Counter(_tokens(original))
    return sum(added.values()) >= at_least


def _tokens(text: str) -> list[str]:
    """Latin words and single Chinese characters."""
    return [t for w in text.split() for t in ([w] if w.isascii() else list(w))]
