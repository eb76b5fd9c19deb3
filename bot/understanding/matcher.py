"""Fuzzy, multilingual matching of a question against the knowledge base.

:class:`Matcher` puts the parts together: the message is parsed (:mod:`.parsing`), corrected
(:mod:`.correction`), scored lexically (:mod:`.lexical`) and by meaning, the two fused
(:mod:`.semantic`); names are found by :mod:`.names`; whether the best candidate is answered
is decided by :mod:`.decision` (through ``MatchingConfig.answer_of``). The settings live in
:mod:`.matching_config`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from bot.content.knowledge import KnowledgeBase
from bot.content.languages import LANGUAGES
from bot.understanding.candidates import Candidate, Match, message_length
from bot.understanding.chinese_described import described, described_pattern
from bot.understanding.correction import TextCorrector, respelled
from bot.understanding.decision import FEATURES, features
from bot.understanding.embedding import Encoder
from bot.understanding.general import CAREERS, Askers, GeneralQuestions
from bot.understanding.institutions import Institutions
from bot.understanding.lexical import LexicalIndex, LexicalScores, chinese_words, topic_phrases
from bot.understanding.matching_config import MatchingConfig, NotListed, SemanticConfig
from bot.understanding.names import NameFinder
from bot.understanding.options import Option, OptionFinder
from bot.understanding.parsing import QUOTED, MessageParser
from bot.understanding.semantic import Readings, SemanticIndex, fuse
from bot.understanding.sentences import SentenceReader
from bot.understanding.text import has_cjk, normalize, searched_form

_RECENT = 1024  # texts whose language, parts, options and names are kept
OTHER_WORDS = 3  # the rest of a message naming the writer's field asks about something else
# A programme asked for as a way (``Matcher._way_to_programme``): its overview leads when it is
# among this many first candidates and no further than this below the best.
WAY_CANDIDATES = 4
WAY_MARGIN = 0.2

__all__ = [
    "FEATURES",
    "Candidate",
    "Match",
    "Matcher",
    "MatchingConfig",
    "NotListed",
    "SemanticConfig",
    "features",
]


# A longer item's name said with other words between its own (issue 18, concept9)
_APART_WORDS = 3  # content words a Latin name needs to be recognised said apart
_APART_SHARED = 2  # content words it must share with the shorter name said word for word
# A name another item's description uses (issue 18, concept10): that item must explain the
# message's words clearly better (its lexical score by this much) and be closer in meaning
_DESCRIBED_LEXICAL = 0.1


class _Reading(NamedTuple):
    """How :meth:`Matcher.match` reads a standard question."""

    texts: list[str]  # scored lexically: the message, its asking part, a thing described
    forms: list[str]  # those texts respelt
    kind_described: str | None  # the thing a Chinese message describes before its kind
    meaning: list[str]  # read by meaning: the originals, then the respelt forms that differ
    originals: int  # how many of ``meaning`` are originals


def content_words(name: str, stop: frozenset[str]) -> frozenset[str]:
    """A name's words that are no stop words."""
    return frozenset(w for w in name.split() if w not in stop)


def scattered_names(
    named: dict[str, set[str]], stop: frozenset[str]
) -> tuple[tuple[frozenset[str], str], ...]:
    """The Latin names of one item with three content words or more ("chinese western
    medicine"), as content words and item."""
    found = []
    for name, items in named.items():
        words = content_words(name, stop)
        if name.isascii() and len(words) >= _APART_WORDS and len(items) == 1:
            found.append((words, next(iter(items))))
    return tuple(found)


def said_apart(
    named: set[str],
    text: str,
    *,
    said: list[str],
    names: dict[str, set[str]],
    scattered: tuple[tuple[frozenset[str], str], ...],
    stop: frozenset[str],
) -> set[str]:
    """The items named, where a longer name said with other words between its own (every
    content word of "chinese western medicine" in "chinese herbal medicine mixed with western
    medicine") takes the place of the items named word for word (``said``) only by shorter
    names that share two of its content words or more."""
    words = set(text.split())
    for name_words, item in scattered:
        if item in named or not name_words <= words:
            continue
        shorter: set[str] = set()
        longer: set[str] = set()
        for name in said:
            found = content_words(name, stop)
            if len(found) > len(name_words):
                longer.update(names.get(name, ()))
            elif len(found & name_words) >= _APART_SHARED:
                shorter.update(names.get(name, ()))
        replaced = (shorter - longer - {item}) & named
        if replaced:
            named = (named - replaced) | {item}
    return named


def described_names(kb: KnowledgeBase, named: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    """The names of items that another item's lay description uses as a plain word, or as
    its plural, with those other items: "grossesse", an alias of Obstetrics, in "les
    problèmes de la mère et du bébé pendant la grossesse" of Maternal-fetal Medicine; "nurse"
    in "nurses who care for sick children" of Pediatric Clinical Nursing."""
    # each item's descriptions in one string, a line each: a key (no line break) is found in
    # it exactly when it is found in one of them
    descriptions = {
        item.id: "\n".join(
            f" {normalize(t)} " for texts in item.descriptions.values() for t in texts
        )
        for item in kb.items.values()
    }
    every = "\n".join(descriptions.values())  # most names are in no description
    found: dict[str, frozenset[str]] = {}
    for name, items in named.items():
        keys = [name] if has_cjk(name) else [f" {name} ", f" {name}s "]  # a plural too
        if not any(k in every for k in keys):
            continue
        others = {
            other
            for other, text in descriptions.items()
            if other not in items and any(k in text for k in keys)
        }
        if others:
            found[name] = frozenset(others)
    return found


def described_instead(
    named: set[str],
    said: list[str],
    names: dict[str, set[str]],
    described: dict[str, frozenset[str]],
    candidates: Sequence[Candidate],
) -> set[str]:
    """The items named only by words another item's description uses, where that other item
    (not named) explains the message better by both signals, its lexical score (by
    ``_DESCRIBED_LEXICAL``) and its cosine: a description's word, not a name ("la grossesse
    et le bébé avant la naissance": Maternal-fetal Medicine's description, not Obstetrics
    named by "grossesse")."""
    by_topic = {c.topic_id: c for c in candidates}
    found = set()
    for item in named:
        said_for = [n for n in said if item in names.get(n, ())]
        if not said_for or any(n not in described for n in said_for):
            continue
        own = by_topic.get(item)
        others = set().union(*(described[n] for n in said_for)) - named
        if own is not None and any(
            o in by_topic
            and by_topic[o].lexical >= own.lexical + _DESCRIBED_LEXICAL
            and by_topic[o].cosine > own.cosine
            for o in others
        ):
            found.add(item)
    return found


class Matcher:
    """Scores questions against every topic of a knowledge base.

    ``encoder`` adds matching by meaning (sentence embeddings; None: lexical only), with the
    knowledge base's embeddings cached in ``cache_dir`` when given. To add examples (learned
    ones), build a new Matcher from a KnowledgeBase that has them.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        config: MatchingConfig,
        encoder: Encoder | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.config = config
        self.kb = kb
        # a way asked for (``overview_requests.ways`` of programmes.yaml), normalised
        ways = kb.programmes.overview_requests.get("ways", {})
        self._ways = tuple(
            w for w in (normalize(x) for lang in LANGUAGES for x in ways.get(lang, ())) if w
        )
        # Chinese stop characters apply to every language (a question may mix scripts).
        stopwords = {lang: config.stopwords[lang] | config.stopwords["zh"] for lang in LANGUAGES}
        # Items' lay descriptions match by words and by meaning, but never name an item.
        raw_phrases = topic_phrases(kb)
        phrases = {
            topic_id: [(lang, normalize(text)) for lang, text in raw]
            for topic_id, raw in raw_phrases.items()
        }
        language_words = {lang: set(config.stopwords[lang]) for lang in LANGUAGES}
        for found in phrases.values():
            for lang, phrase in found:
                language_words[lang].update(phrase.split())
        markers = {lang: frozenset(words) for lang, words in language_words.items()}
        self._corrector = TextCorrector(kb, config, phrases)
        # Short Chinese names and keywords are never cut at a stop character (申请 keeps 请).
        chinese = chinese_words(kb, config.particles)
        self._lexical = LexicalIndex(kb, config, phrases, stopwords, chinese)
        self._names = NameFinder(kb, config)
        self._stop = frozenset().union(*config.stopwords.values())
        self._scattered = scattered_names(self._names.named, self._stop)
        self._described_names = described_names(kb, self._names.named)
        self._described_items = frozenset(
            i for n in self._described_names for i in self._names.named[n]
        )
        self._institutions = Institutions.read(
            config.institutions,
            self._names.named,
            (w for ws in stopwords.values() for w in ws),
            lambda text: normalize(self.standard(text)),
            (w for ws in language_words.values() for w in ws),
        )

        def folded(text: str) -> str:
            return normalize(self.standard(text))

        self._patients = Askers.read(config.patients, fold=folded)
        self._careers = Askers.read(config.careers, *CAREERS, fold=folded)
        self._sentences = SentenceReader(kb.markers.get("sentences") or {})
        self._parser = MessageParser(
            config,
            self._names.named,
            markers,
            self.spelt,
            self.specific,
            standard=self.standard,
            after_introduction=self._sentences.after_introduction,
        )
        self._options = OptionFinder(kb, config, self._names.named)
        described_words = config.described
        self._described_pattern = (
            described_pattern(
                described_words["demonstratives"],
                described_words["kinds"],
                described_words.get("openers", ()),
            )
            if described_words.get("demonstratives") and described_words.get("kinds")
            else None
        )
        # A message's language, parts, options and names are asked for several times on its
        # way (the answer, the conversation's checks, a letter's pieces): kept for recent
        # texts (as tuples and frozensets, copied for each caller).
        self._languages = lru_cache(maxsize=_RECENT)(self._parser.language)
        self._parts = lru_cache(maxsize=_RECENT)(
            lambda question: tuple(self._parser.parts(question))
        )
        self._options_of = lru_cache(maxsize=_RECENT)(
            lambda question: tuple(self._options.options(self.spelt(self.asking_part(question))))
        )
        self._phrases_of = lru_cache(maxsize=_RECENT)(
            lambda question: tuple(self._options.phrases(self.standard(self.asking_part(question))))
        )
        self._items_named = lru_cache(maxsize=_RECENT)(
            lambda question: frozenset(self._names.items(normalize(question)))
        )
        self._writers_fields = lru_cache(maxsize=_RECENT)(self._find_writers_field)
        self._lists_named = lru_cache(maxsize=_RECENT)(
            lambda question: tuple(self._names.lists(self.spelt(self.asking_part(question))))
        )
        # a form's lexical candidates (read only): a part of one message is often another's
        self._lexical_scores = lru_cache(maxsize=_RECENT)(self._lexical.scores)
        self._semantic: SemanticIndex | None = None
        self._general: GeneralQuestions | None = None
        if encoder is not None and config.semantic.weight > 0:
            self._semantic = SemanticIndex(
                config, encoder, raw_phrases, list(self._lexical.topics), cache_dir
            )
            self._general = GeneralQuestions(
                self._semantic,
                list(kb.entries),
                self._names.names_in,
                config.general_margin,
                config.general_places,
                unknown=(self.unknown_share, *config.general_unknown),
                place_margin=config.general_place_margin,
                stopwords=self._stop,
            )

    @property
    def by_meaning(self) -> bool:
        """Whether matching by meaning is on."""
        return self._semantic is not None

    @property
    def encoder(self) -> Encoder | None:
        """The sentence encoder, or None (lexical matching only)."""
        return self._semantic.encoder if self._semantic is not None else None

    @property
    def topic_ids(self) -> list[str]:
        """Every entry and item id the matcher knows."""
        return list(self._lexical.topics)

    def clear_caches(self) -> None:
        """Empty the parts' caches of analysed texts (benchmarks measure without them)."""
        self._corrector.clear_cache()
        self._lexical.clear_caches()
        self._names.clear_cache()
        self._parser.clear_cache()
        self.clear_message_caches()
        if self._general is not None:
            self._general.forget()

    def clear_message_caches(self) -> None:
        """Empty the caches of whole texts' languages, parts, options, names and lexical
        candidates (the context benchmark times every message as new)."""
        for cache in (
            self._languages,
            self._parts,
            self._options_of,
            self._phrases_of,
            self._items_named,
            self._writers_fields,
            self._lists_named,
            self._lexical_scores,
        ):
            cache.cache_clear()
        if self._semantic is not None:
            self._semantic.forget_foreseen()

    def _embed(self, texts: list[str]) -> Readings:
        """The embeddings of texts (prepared or foreseen ones reused; see
        :meth:`SemanticIndex.embed`); meaning must be on."""
        assert self._semantic is not None
        return self._semantic.embed(texts)

    def prepare(self, questions: list[str]) -> None:
        """Encode many questions at once (and the parts they will be matched by), which is
        several times faster than one by one: ``ask`` with many questions does this."""
        if self._semantic is None:
            return
        texts: list[str] = []
        for question in map(self.standard, questions):
            read = [question, self.asking_part(question)]
            parts = self.parts(question)
            if len(parts) > 1:
                read.extend(parts)
                read.extend(self.asking_part(part) for part in parts)
            texts.extend(read)  # and as :meth:`match` reads them when respelt
            texts.extend(
                f for t, f in zip(read, map(self.spelt, read), strict=True) if respelled(t, f)
            )
            if self._general is not None:  # what :meth:`declined` measures, when it names an item
                measured = self._general.measured(self.spelt(self.asking_part(question)))
                if measured:
                    texts.append(measured)
        self._semantic.prepare(texts)

    def _described(self, asking: str) -> str | None:
        """What a Chinese message describes before naming its kind, with the kind's word
        (看牙 学科; see :mod:`.chinese_described`), None without such a phrase."""
        if self._described_pattern is None:
            return None
        return described(
            asking,
            self._described_pattern,
            self.config.described.get("leads", ()),
            self.config.stopwords["zh"],
        )

    def asking_part(self, question: str) -> str:
        """The part of a message that asks (see :meth:`MessageParser.asking_part`)."""
        return self._parser.asking_part(question)

    def parts(self, question: str) -> list[str]:
        """The questions of a message that asks several things (see
        :meth:`MessageParser.parts`)."""
        return list(self._parts(question))

    def language(self, question: str, default: str = "en") -> str:
        """The language a question is written in (that of :meth:`match`, without matching);
        ``default`` when its words do not tell."""
        return self._languages(question, default)

    def letter_language(self, asking: Sequence[str], body: str, default: str = "en") -> str:
        """The language of a letter, from the sentences that ask, else from its body."""
        return self._parser.letter_language(asking, body, default)

    def build_spelling(self) -> None:
        """Build the spelling correctors now (see :meth:`.correction.TextCorrector.build`);
        the bot does it in a worker thread at start."""
        self._corrector.build()

    def spelt(self, text: str) -> str:
        """A text normalised, its misspelt words corrected (see :mod:`.correction`)."""
        return self._corrector.spelt(text)

    def standard(self, text: str, terms: bool = True) -> str:
        """A text with its regional Chinese words replaced by mainland ones (see
        :class:`.correction.RegionalWords`): what every signal reads; ``terms``: English terms
        of Chinese clauses written in Chinese too."""
        return self._corrector.standard(text, terms)

    def declined(self, question: str) -> bool:
        """Whether a message is a request the bot declines whatever it names: a translation
        (``matching.yaml`` ``declined:``), a question about another university's programme,
        fees or city (``institutions:``, see :mod:`.institutions`), a patient's or a
        practitioner's question or medical knowledge asked as a fact (``patients:``), career advice
        (``careers:``, :class:`.general.Askers`), or a general question
        about a field it names, unless it names items to choose between (see :mod:`.general`)."""
        decided = self._declined_by_words(question)
        if decided is not None or self._general is None:
            return bool(decided)
        asking = self.spelt(self.asking_part(self.standard(question)))
        if self._general.general(asking):
            return True
        # "I have chest pain when I climb stairs, is it my heart?": the asking part says
        # nothing but a name, what it asks about is said before it
        whole = self.spelt(self.standard(question))
        return whole != asking and self._general.bare(asking) and self._general.general(whole)

    def _declined_by_words(self, question: str) -> bool | None:
        """What :meth:`declined` decides before the general-questions test: declined (a
        declined pattern, another university's question), not declined (no test, or items to
        choose between), or None (the test decides)."""
        normalized = normalize(question)
        if any(pattern.search(normalized) for pattern in self.config.declined):
            return True
        if self._institutions.elsewhere(question) or self._patients.asks(question):
            return True
        if self._careers.asks(question):  # career advice naming no programme (session 14)
            return True
        if self._general is None or len(self.options(question)) > 1:
            return False  # a choice between named items is about the items
        return None

    def foresee_declined(self, question: str) -> None:
        """The text :meth:`declined` will read by meaning (a message naming an item, without
        its names: the general-questions test), foreseen for the next pass (see
        :meth:`foresee`) unless that test has already judged the message."""
        if self._semantic is None or self._general is None:
            return
        if self._declined_by_words(question) is not None:
            return
        asking = self.spelt(self.asking_part(self.standard(question)))
        if self._general.judged(asking):
            return
        measured = self._general.measured(asking)
        if measured:
            self._semantic.foresee([measured])

    def names_partner(self, question: str) -> bool:
        """Whether a message names a partner institution ("Strasbourg", "达特茅斯")."""
        return self._institutions.names_partner(question)

    def specific(self, text: str) -> bool:
        """Whether a text has a word that is not generic (重庆, university…)."""
        weights = self._lexical.text(normalize(text), self.language(text)).question.weights
        generic = self.config.generic
        return any(
            t not in generic and (t.isascii() or not any(t in g for g in generic)) for t in weights
        )

    def unknown_share(self, text: str) -> float:
        """The share of a text's weighted words that the knowledge base does not know (0 for
        a text without words): all of "and the nightlife?", none of "what does it study?"."""
        analysed = self._lexical.text(normalize(self.spelt(text)), self.language(text))
        return analysed.question.unknown / analysed.total if analysed.total else 0.0

    def coverage(self, text: str, topic_id: str) -> float:
        """The share of a text's weighted words that a topic's phrases explain (lexically)."""
        return self._lexical.scores_for([self.spelt(text)], self.language(text), topic_id).coverage

    def not_listed(self, question: str) -> tuple[str, str, NotListed] | None:
        """A field named in the question that is not among a list's items ("dermatology"):
        the words that named it, their language and its group; None when the question names
        a listed item too."""
        return self._names.not_listed(self.spelt(self.asking_part(question)))

    def named_items(self, question: str) -> set[str]:
        """The items whose name or alias the question contains word for word."""
        return set(self._items_named(question))

    def _find_writers_field(self, question: str) -> frozenset[str]:
        """The items a message names only in a clause saying the writer's own field of study
        or profession ("I'm a master's student in nursing and I'd like to go to France for
        clinical training": Nursing), when the rest of it asks about something else: words
        that ask (not only a wish), with at least ``OTHER_WORDS`` words that are not generic
        ("我是学生物医学工程的，可以选吗" asks about the field), none pointing back at that
        field ("…, do you have a lab on that?"). These get no name bonus."""
        sentences = self._sentences
        own, rest = sentences.writers_field(question)
        if not own or not rest or not sentences.asks_anything(rest):
            return frozenset()  # (a wish alone: "… and I'd like to observe a skin clinic.")
        items = self.named_items(self.spelt(own)) - self.named_items(self.spelt(rest))
        if not items or sentences.points_at_own_field(rest):
            return frozenset()
        weights = self._lexical.text(normalize(rest), self.language(rest)).question.weights
        said = [t for t in weights if t not in self.config.generic]
        return frozenset(items) if len(said) >= OTHER_WORDS else frozenset()

    def options(self, question: str) -> list[Option]:
        """The two or three items, or programmes, the part that asks names to choose between
        or to compare, in the order named (see :mod:`.options`)."""
        return list(self._options_of(question))

    def option_phrases(self, question: str) -> list[str]:
        """The texts of the options the part that asks offers to choose between, when its
        names do not say them (see :meth:`.options.OptionFinder.phrases`)."""
        return list(self._phrases_of(question))

    def compares(self, question: str) -> bool:
        """Whether the part that asks asks to choose or compare ("which", "区别", "lequel")."""
        return self._options.compares(self.spelt(self.asking_part(question)))

    def without_programmes(self, question: str, described: bool = False) -> str:
        """The part that asks, normalised, without the programmes' names (``described``:
        and their describing words, see :meth:`.options.OptionFinder.without_programmes`)."""
        asking = self.spelt(self.asking_part(question))
        return self._options.without_programmes(asking, described)

    def clipped(self, phrase: str, edge: int | None = None) -> Option:
        """The items a one-word option clips the name of ("neuro", "pedia"); ``edge``: the
        phrase's first (0) or last (-1) word only."""
        return self._options.clipped(self.spelt(phrase), edge)

    def named_lists(self, question: str) -> list[str]:
        """The lists the part that asks names by their own words ("a PhD in …", "a lab on …"),
        outside the names of items ("Medical Laboratory" names no lab)."""
        return list(self._lists_named(question))

    def _read_as(self, question: str, language: str) -> _Reading:
        """How :meth:`match` reads a standard question (see :class:`_Reading`)."""
        asking = self.asking_part(question)
        # Closeness to the out-of-scope examples is measured on the whole message too (quoted
        # text included: "translate 'the fee is waived'" is a translation request).
        originals = [question] if asking == question else [question, asking]
        # scored lexically: the asking part alone when the message quotes (what is quoted is
        # not what is asked)
        texts = [asking] if QUOTED.search(question) and asking != question else list(originals)
        kind_described = self._described(asking) if language == "zh" else None
        if kind_described is not None:  # the thing described before its kind (看牙的那个学科)
            texts.append(kind_described)
            originals.append(kind_described)
        forms = [self.spelt(t) for t in texts]  # meaning reads the original texts
        # A message with several typos is also read by meaning as corrected (one batch).
        respelt = [f for t, f in zip(texts, forms, strict=True) if respelled(t, f)]
        return _Reading(texts, forms, kind_described, originals + respelt, len(originals))

    def _bare(self, normalized: str) -> bool:
        """Whether a normalised message is nothing to match: empty, a bare number or month."""
        return not normalized or all(
            w in self.config.not_topics or w.isdigit() for w in normalized.split()
        )

    def _stop_words_only(self, normalized: str, language: str) -> bool:
        """Whether a normalised message holds stop words only (matched by them alone)."""
        return not self._lexical.text(normalized, language).question.words

    def _meaning_texts(self, question: str) -> list[str]:
        """The texts :meth:`match` will read by meaning for a question (none when it reads
        none: a bare number, stop words only)."""
        question = self.standard(question)
        normalized = normalize(question)
        language = self.language(question)
        if self._bare(normalized) or self._stop_words_only(normalized, language):
            return []
        return self._read_as(question, language).meaning

    def foresee(self, questions: Sequence[str], *, message: bool = True) -> None:
        """Texts the message being read will match next (a letter's questions, the parts of
        a message asking several things), read by meaning in the same forward pass as the
        next reading (one pass costs far less than several: the encoder's weights are read
        once) and kept until matched. ``message``: a new message begins, the readings
        foreseen for the last one and not read go."""
        if self._semantic is None:
            return
        if message:
            self._semantic.forget_foreseen()
        self._semantic.foresee([t for question in questions for t in self._meaning_texts(question)])

    def match(self, question: str) -> Match:
        """Score a question against all topics; the best candidates come first.

        The whole message and the part that asks are scored (lexically and by meaning), and
        each topic keeps its best; the fused score weighs the lexical score and the scaled
        cosine similarity by ``semantic.weight``.
        """
        question = self.standard(question)
        normalized = normalize(question)
        language = self.language(question)
        if self._bare(normalized):
            return Match(language, ())  # a bare number or month means nothing here
        if self._stop_words_only(normalized, language):
            return Match(language, self._lexical.match_stop_words(normalized))
        texts, forms, kind_described, read, originals = self._read_as(question, language)
        lexical: dict[str, LexicalScores] = {}
        for form in forms:
            for topic_id, scores in self._lexical_scores(form, language).items():
                if topic_id not in lexical or scores.score > lexical[topic_id].score:
                    lexical[topic_id] = scores
        semantic = self._semantic
        if semantic is None:
            ranked = [
                Candidate(t, c.score, c.coverage, c.similarity, 0.0, c.score)
                for t, c in lexical.items()
            ]
            ranked.sort(key=lambda c: (c.score, c.coverage), reverse=True)
            return Match(language, tuple(ranked))
        # the parts of a message asking several things are read next (``Assistant._several``):
        # by meaning in the same forward pass (one pass costs far less than several)
        encoded = self._embed(read)
        embedded = encoded.take(list(range(originals)))
        queries = encoded.take(list(range(originals - len(texts), len(encoded))))
        said = " ".join(forms)
        named = self.named_items(said)
        if named:  # (most messages name no item: the scattered names are not looked at)
            words = set(said.split())
            apart = tuple(
                (w, item) for w, item in self._scattered if item not in named and w <= words
            )
            if apart:  # a longer name said apart from its words (issue 18, concept9)
                named = said_apart(
                    named,
                    said,
                    said=self._names.names_in(said),
                    names=self._names.named,
                    scattered=apart,
                    stop=self._stop,
                )
        must = {semantic.topic_index[t] for t in (*lexical, *named)}
        cosines = semantic.topic_cosines(queries, must)
        scope = originals - (kind_described is not None)  # what the message itself says
        off_topic = semantic.off_topic(embedded.take(list(range(scope))))
        for topic_id in semantic.closest_topics(cosines):
            if topic_id not in lexical:
                lexical[topic_id] = self._lexical.scores_for(forms, language, topic_id)
        for topic_id in named - lexical.keys():
            lexical[topic_id] = self._lexical.scores_for(forms, language, topic_id)
        topic_cosines = {t: float(cosines[semantic.topic_index[t]]) for t in lexical}
        if named:  # the writer's own field, when the message asks about something else
            named = named - self._writers_fields(question)
        candidates = fuse(lexical, topic_cosines, named, self.config.semantic)
        if named & self._described_items:  # issue 18, concept10
            said_names = self._names.names_in(said)
            plain = described_instead(
                named, said_names, self._names.named, self._described_names, candidates
            )
            if plain:  # kept when the describing item then leads (it takes the name's place)
                instead = fuse(lexical, topic_cosines, named - plain, self.config.semantic)
                if any(instead[0].topic_id in self._described_names.get(n, ()) for n in said_names):
                    candidates = instead
        candidates = self._way_to_programme(normalized, candidates)
        length = message_length(question, language)
        return Match(language, tuple(candidates), round(off_topic, 4), True, length)

    def asks_for_way(self, normalized: str) -> bool:
        """Whether a normalised message asks for a way (``overview_requests.ways``)."""
        padded = f" {normalized} "
        return any(searched_form(w) in padded for w in self._ways)

    def _way_to_programme(self, normalized: str, candidates: list[Candidate]) -> list[Candidate]:
        """A programme asked for as a way ("is there a way …", 有没有路子, "un moyen de …":
        ``overview_requests.ways`` of ``programmes.yaml``): when the best is one of a
        programme's facts and the programme's overview is among the next candidates, within
        ``WAY_MARGIN`` of it, the two swap places and scores (issue 18, situ14b)."""
        if not candidates or not self.asks_for_way(normalized):
            return candidates
        best = candidates[0]
        programmes = self.kb.programmes.programmes
        programme = programmes.get(self.kb.programme_of(best.topic_id))
        if programme is None or programme.overview == best.topic_id:
            return candidates
        for i, candidate in enumerate(candidates[1:WAY_CANDIDATES], 1):
            if candidate.topic_id == programme.overview:
                if candidate.score < best.score - WAY_MARGIN:
                    return candidates
                lead = best._replace(topic_id=candidate.topic_id, named=candidate.named)
                fact = candidate._replace(topic_id=best.topic_id, named=best.named)
                return [lead, *candidates[1:i], fact, *candidates[i + 1 :]]
        return candidates
