"""Long messages and e-mails cut into sentences that greet, introduce, ask, thank or sign.

Only the sentences that ask (questions and requests, in en, zh and fr) are answered; a
self-introduction ("I'm a PhD student in pharmacology at …") is context, never the question;
greetings, thanks and signatures are never answered when the message also asks something.
The marker words are data: ``knowledge/context.yaml`` (``sentences:``), prepared by
:mod:`bot.understanding.sentence_markers`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.understanding.sentence_markers import SentenceMarkers, lowered, normalised, simplified
from bot.understanding.text import has_cjk

GREETING, INTRO, QUESTION, THANKS, SIGNATURE, OTHER = (
    "greeting",
    "intro",
    "question",
    "thanks",
    "signature",
    "other",
)
KINDS = (GREETING, INTRO, QUESTION, THANKS)
SIGNATURE_WORDS = 4  # a short last line after the thanks is a signature
TOPIC_WORDS = 6  # a remark this short naming a topic ("About housing.") opens the next question
MIN_QUESTION_WORDS = 3  # a question without its leading words keeps at least this many
ANNOUNCING_WORDS = 2  # "I would like to ask the following:": a request then these few words

# A sentence ends at . ! ? (then a space), at 。！？； or at a line break, and before a number
# or a letter of a list ("1) …", "2. …", "(b) …", "①"); "Dr. M. Usman" and numbers ("1.5") are
# kept whole by requiring a space and a lower-case-free abbreviation check.
_END = re.compile(
    r"(?<=[.!?])\s+(?=\S)|(?<=[。！？?；])|\n+"
    r"|(?<=[～~\U0001f000-\U0001faff\u2600-\u27bf\ufe0f])\s*(?=[^\s～~\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d.,!?，。！？])"
    r"|\s+(?=\(?\d{1,2}[.)、]\s*\S)|\s+(?=\([a-z]\)\s)|(?=[①-⑩])"
    r"|(?<=[：:；;，,。\s])(?=第[一二三四五六七八九十][，,、：:])"
    r"|(?<=[：:；;])(?=[一二三四五六七八九十]是)"  # "想请教两个问题：一是…；二是…"
)
# What opens an item of a list: a number or letter ("1)", "2.", "(b)", "一、", "①") or a bullet.
_ENUMERATOR = re.compile(
    r"^(?:\(?\d{1,2}[.)、]|\(?[a-z]\)|[一二三四五六七八九十]、|第[一二三四五六七八九十][，,、：:]"
    r"|[①-⑩]|[-•*·–])\s*"
)
_COMMA = re.compile(r"\s*,\s*")
# An aside in brackets: with an emoji or a question mark in it ("(on n'a qu'une vie, n'est-ce
# pas ? 😄)", "(ce n'est pas mon fort 🙈)"); other brackets ("(IPA)", "(for housing and meals)")
# stay.
_BRACKETS = re.compile(r"\s*[(（]([^()（）]*)[)）]")
_ASIDE_MARK = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")
# "Dr. M. Usman": a title, or an initial (a capital letter), before a full stop; "zero o." ends
_ABBREVIATION = re.compile(r"(?:^|\s)(?:(?i:dr|mr|mrs|ms|prof|st|no|e\.g|i\.e)|[A-Z])\.$")
_PUNCTUATION_ONLY = re.compile(r"^[^\w\u4e00-\u9fff]+$")  # "?" of "??", "!!!", an emoji alone
_COLON_QUESTION = re.compile(r"[:：]\s*(?=[^:：]*[?？]\s*$)")
_WORD = re.compile(r"[\w'’-]+")
# Chinese dictated without punctuation ("老师好 我是…的硕士 想问…"): a space between two
# Chinese characters is where a comma would be.
_CHINESE_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])[ \t\u3000]+(?=[\u4e00-\u9fff])")
_CLAUSE_COMMA = re.compile(r"\s*[,，]\s*")
_NOT = ("没", "沒", "无", "無", "不")  # after 有: a question of "A not A" (还有没有…)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a message and what it does."""

    text: str
    kind: str
    part: bool = False  # the rest of the sentence before it (a question cut from its opening)


class SentenceReader:
    """Cuts a message into sentences and tells what each does."""

    def __init__(self, markers: Mapping[str, Mapping[str, Any]]) -> None:
        self.markers = SentenceMarkers(markers)
        # a message is read once, however many times it is asked about (cache per message)
        self.read = lru_cache(maxsize=256)(self._read)

    def split(self, text: str) -> list[str]:
        """The sentences of a message, in order (a colon before a question cuts too)."""
        return [piece for piece, _ in self._pieces(text)]

    def _pieces(self, text: str) -> list[tuple[str, bool]]:
        """The sentences of a message, each with whether it is an item of a list ("1) …")."""
        pieces: list[tuple[str, bool]] = []
        text = _CHINESE_SPACE.sub("，", _without_asides(text).strip())
        for raw in _END.split(text):
            piece = _ENUMERATOR.sub("", raw.strip()).strip()
            if not piece:
                continue
            if pieces and _PUNCTUATION_ONLY.match(piece):
                # "…Strasbourg??": the second mark ends the same sentence
                pieces[-1] = (pieces[-1][0] + piece, pieces[-1][1])
                continue
            if pieces and _ABBREVIATION.search(pieces[-1][0]) and not has_cjk(piece[:1]):
                pieces[-1] = (pieces[-1][0] + " " + piece, pieces[-1][1])
                continue
            pieces.append((piece, piece != raw.strip()))
        cut: list[tuple[str, bool]] = []
        for piece, listed in pieces:
            parts = _COLON_QUESTION.split(piece, maxsplit=1)
            if len(parts) > 1 and (
                self._bare_request(parts[0])  # "…, and I would like to ask: is housing free?"
                or self._only_lead(parts[0])  # "PS: est-ce que …"
                # "Qu'est-ce qu'on fait : du labo, des cours ?" (not "J'adore l'échographie :
                # vous avez un labo sur ça ?": what the writer is or likes, then the question)
                or (
                    not self.asks(parts[1])
                    and (self.asks(parts[0]) or not self._says_writer(parts[0]))
                )
            ):
                parts = [piece]
            cut.extend((p.strip(), listed) for p in parts if p.strip())
        return cut

    def _says_writer(self, text: str) -> bool:
        """Whether a text says who the writer is or what they wish or like ("Je suis
        passionné par l'échographie", "I love radiology"): ``intro`` or ``wish`` words."""
        norm = normalised(text)
        return self.markers.has(norm, INTRO, start=True) or self.markers.has(norm, "wish")

    def _announces_next(self, text: str) -> bool:
        """Whether a sentence ending with a colon is a request that has not said what it asks
        yet ("I would like to ask:", "I'd like to ask the following:", "想请问：")."""
        if not text.rstrip().endswith((":", "：")):
            return False
        if self._bare_request(text):
            return True
        ends = [found.end() for found in self.markers.request.finditer(lowered(text))]
        return bool(ends) and len(_WORD.findall(text[max(ends) :])) <= ANNOUNCING_WORDS

    def _only_lead(self, text: str) -> bool:
        """Whether a text is only words that lead into a question ("PS", "By the way")."""
        lead = self.markers.lead.match(lowered(text))
        return lead is not None and not text[lead.end() :].strip(" ,.:;：，")

    def _bare_request(self, text: str) -> bool:
        """Whether a text ends with a request that has not said what it asks yet ("I am a
        nurse, and I would like to ask", "j'aimerais savoir", "还想问一下")."""
        text = lowered(text).rstrip(" ,.:;：，")
        if has_cjk(text):
            norm = normalised(text)
            return norm.endswith(self.markers.chinese_requests)
        ends = [found.end() for found in self.markers.request.finditer(text)]
        return bool(ends) and ends[-1] == len(text)

    def _read(self, text: str) -> tuple[Sentence, ...]:
        """Every sentence with its kind (see :meth:`kind`), then read in its place:

        - an item of a list ("1) the length of the exchange") asks, unless it greets, thanks
          or introduces;
        - in a message of several sentences, a self-introduction that goes on to ask ("I'm a
          PhD student in pharmacology, and I would like to know …") is cut in two: the
          introduction, then the question;
        - before the first question, a sentence naming who the writer is ("Ibrahim Musa, MSc
          Public Health, Bayero University") is an introduction (``level`` words), unless it
          opens like a question ("does CQMU take PhD students.");
        - right after a question, a sentence opening with a conjunction ("Et l'endocrinologie,
          …", "And the labs.") asks too;
        - a short last line after the thanks is a signature."""
        pieces = self._pieces(text)
        sentences: list[Sentence] = []
        for piece, listed in pieces:
            sentence = Sentence(piece, self.kind(piece))
            if listed and sentence.kind == OTHER:  # "1) the length of the exchange"
                sentence = Sentence(piece, QUESTION)
            framed = self._framed(sentence, letter=len(pieces) > 1)
            # one sentence alone is no letter ("je travaille sur les lipides, vous avez un labo
            # là-dessus ?" asks about what it introduces), unless it is a whole letter on one
            # line ("老师好，我是…，想问…，谢谢")
            letter = len(pieces) > 1 or len(framed) > 1
            for part in framed:
                sentences.extend(self._introduced(part) if letter else [part])
        for i, sentence in enumerate(sentences[:-1]):
            # "I would like to ask the following:" / "j'aimerais savoir :" then the questions:
            # a request that has not said what it asks leads into them, asks nothing itself
            if (
                sentence.kind == QUESTION
                and sentences[i + 1].kind == QUESTION
                and self._announces_next(sentence.text)
            ):
                sentences[i] = Sentence(sentence.text, OTHER, sentence.part)
        sentences = self._topics_joined(sentences)
        for i, sentence in enumerate(sentences):
            # "I'm writing to enquire about the CSC programme. / Who is sent …?": a request that
            # only names what the letter is about, before what it asks, is its remark
            if (
                sentence.kind == QUESTION
                and any(s.kind == QUESTION for s in sentences[i + 1 :])
                and self._names_topic(sentence.text)
            ):
                sentences[i] = Sentence(sentence.text, OTHER, sentence.part)
        asked = [i for i, s in enumerate(sentences) if s.kind == QUESTION]
        first = asked[0] if asked else 0  # a letter that asks nothing: no line is its writer's
        for i, sentence in enumerate(sentences):
            if sentence.kind != OTHER:
                continue
            norm = normalised(sentence.text)
            if (
                i < first
                and self.markers.has(norm, "level")
                and not self.markers.has(norm, "clause", start=True)
            ):
                sentences[i] = Sentence(sentence.text, INTRO)
            elif (
                # after a question, even past the thanks ("谢谢 / 另外签证是…还是…")
                asked
                and i > first
                and sentences[i - 1].kind in (QUESTION, THANKS)
                and self.markers.has(norm, "conjunction", start=True)
            ) or (
                # right after a question, a wish added to it asks too ("I'd also like to
                # see the ICU.", "Je voudrais aussi voir la réanimation.")
                asked
                and i > first
                and sentences[i - 1].kind == QUESTION
                and self.markers.adds_wish(norm)
            ):
                sentences[i] = Sentence(sentence.text, QUESTION)
        thanked = False
        for i, sentence in enumerate(sentences):
            if sentence.kind == THANKS:
                thanked = True
            elif thanked and sentence.kind == OTHER and _short(sentence.text):
                sentences[i] = Sentence(sentence.text, SIGNATURE)
        signed = "\n" in text.strip()  # a signature is a line of its own
        if (
            signed
            and len(sentences) > 1
            and sentences[-1].kind == OTHER
            and _short(sentences[-1].text)
        ):
            sentences[-1] = Sentence(sentences[-1].text, SIGNATURE)
        return tuple(sentences)

    def _names_topic(self, text: str) -> bool:
        """Whether a sentence asks only by a request about what the whole letter is about ("I am
        writing to enquire about the exchange programme.", "I'm curious about the Sino-French
        program.", "Je souhaiterais me renseigner sur le programme CSC."): no question mark,
        after the request an ``about`` word, then a ``subject`` word and no question word."""
        if "?" in text or "？" in text or has_cjk(text):
            return False
        found = list(self.markers.request.finditer(lowered(text)))
        if not found:
            return False
        head, rest = normalised(found[-1].group(0)), normalised(text[found[-1].end() :])
        about = self.markers.about.match(rest)
        if about is not None:
            rest = rest[about.end() - 1 :]  # (the pattern ends on the next word's first letter)
        elif not any(head.endswith(f" {word}") for word in self.markers.all("about")):
            return False
        return self.markers.has(rest, "subject") and not (
            self.markers.has(rest, "ask")
            or self.markers.has(rest, "clause", start=True)
            or self.markers.has(rest, "request")
        )

    def _topics_joined(self, sentences: list[Sentence]) -> list[Sentence]:
        """A question spread over two sentences, joined: a short remark that only names what
        is asked about ("About housing. Is it free?", "Concernant le visa : faut-il …",
        "关于住宿。免费吗？", ``topic`` words) or that trails off ("so the French
        programme... do …"), then the question."""
        joined: list[Sentence] = []
        for sentence in sentences:
            before = joined[-1] if joined else None
            if (
                before is not None
                and before.kind == OTHER
                and sentence.kind == QUESTION
                and _short(before.text, TOPIC_WORDS)
                and self._announced(normalised(before.text)) is None  # "有两个问题："
                and (
                    self.markers.has(normalised(before.text), "topic", start=True)
                    or before.text.rstrip().endswith(("...", "…", ":", "："))
                )
            ):
                joined[-1] = Sentence(f"{before.text} {sentence.text}", QUESTION)
                continue
            joined.append(sentence)
        return joined

    def _framed(self, sentence: Sentence, *, letter: bool) -> list[Sentence]:
        """A whole letter written as one sentence ("老师好，我是…的硕士，想问…，谢谢，王敏"), cut
        from its frame: the greeting clauses that open it and the thanks that close it (with
        the signature after them), when it introduces its writer or thanks; what is left is
        read as a sentence. "Hi, how long is the exchange?" and "Bonjour, je suis interne, est-ce
        que …?" (no thanks: a question, not a letter) stay whole."""
        if sentence.kind == GREETING:
            return self._greeted(sentence) if letter else [sentence]
        if sentence.kind != QUESTION:
            return [sentence]
        clauses = [c for c in _CLAUSE_COMMA.split(sentence.text) if c]
        kinds = [self.kind(c) for c in clauses]
        start = 0
        while start < len(clauses) - 1 and kinds[start] == GREETING:
            start += 1
        end = len(clauses)
        for i in range(len(clauses) - 1, start, -1):
            if kinds[i] == THANKS and all(_short(c) for c in clauses[i + 1 :]):
                end = i
                break
        if end == len(clauses) or (not start and INTRO not in kinds):
            return [sentence]  # a letter closes with thanks; a question may open with "Hi,"
        comma = "，" if has_cjk(sentence.text) else ", "
        body = comma.join(clauses[start:end])
        framed = [Sentence(comma.join(clauses[:start]), GREETING)] if start else []
        framed.append(Sentence(body, self.kind(body)))
        if end < len(clauses):
            framed.append(Sentence(comma.join(clauses[end:]), THANKS))
        return framed

    def _greeted(self, sentence: Sentence) -> list[Sentence]:
        """A greeting that goes on to say more after a comma ("Hi, I work in a PICU and I want
        to see…"), cut in two: the greeting, then the rest read as a sentence of its own."""
        found = _CLAUSE_COMMA.search(sentence.text)
        if found is None:
            return [sentence]
        rest = sentence.text[found.end() :].strip()
        kind = self.kind(rest)
        if not rest or kind == GREETING or _short(rest):  # "Bonjour Madame, Monsieur,"
            return [sentence]
        return [Sentence(sentence.text[: found.start()], GREETING), Sentence(rest, kind)]

    def _introduced(self, sentence: Sentence) -> list[Sentence]:
        """A question that opens with a self-introduction, cut where the asking starts (after
        a comma or a conjunction): "我是港大的研究生，想了解…" is an introduction, then a
        request."""
        if sentence.kind != QUESTION or not self.markers.has(
            normalised(sentence.text), INTRO, start=True
        ):
            return [sentence]
        cuts = []
        for found in self.markers.cut.finditer(simplified(sentence.text)):
            left, right = sentence.text[: found.start()].strip(), sentence.text[found.end() :]
            right = right.strip()
            if left and right and self.kind(left) == INTRO and self.kind(right) == QUESTION:
                cuts.append((left, right))
        # first where the question opens asking ("…，对交流项目很感兴趣，想请问：…", "…, and I
        # would like to ask: …"), else where it asks on its own ("I am interested in imaging
        # and also in the ultrasound lab, are both available?": not before "in the ultrasound
        # lab")
        if not cuts:
            return [sentence]
        left, right = min(
            cuts, key=lambda cut: (not self._opens_request(cut[1]), not self.asks(cut[1]))
        )
        return [Sentence(left, INTRO), Sentence(right, QUESTION, part=True)]

    def _opens_request(self, clause: str) -> bool:
        """Whether a clause opens with a request or a question word ("想请问：…", "I would
        like to know…", "are both available?")."""
        norm = normalised(clause)
        return any(self.markers.has(norm, kind, start=True) for kind in ("request", "ask"))

    def kind(self, sentence: str) -> str:
        """What one sentence does: greeting, intro, question, thanks or other."""
        norm = normalised(sentence)
        asked = "?" in sentence or "？" in sentence
        announced = None if asked else self._announced(norm)
        if announced is not None:  # "I'd like to ask two things." / "Ma question porte sur…"
            if announced:
                return QUESTION
        elif asked or self._asking(norm):
            return QUESTION
        for kind in (GREETING, THANKS, INTRO):
            if self.markers.has(norm, kind, start=kind != THANKS):
                return kind
        if self.markers.has(norm, THANKS, start=False):
            return THANKS
        return OTHER

    def _announced(self, norm: str) -> bool | None:
        """For a sentence that speaks of questions ("I have two questions", "ma première
        question porte sur la durée", "有两个问题想请教"): whether it says what one is about
        (``announce`` then ``about`` words); None when it speaks of no question."""
        found = self.markers.announce.search(norm)
        if found is None:
            return None
        rest = norm[found.end() :].lstrip(" ,:：")
        return self.markers.about.match(rest) is not None

    def is_letter(self, text: str) -> bool:
        """Whether a message is read sentence by sentence, like a letter or an e-mail: several
        sentences, some of which greet, introduce, thank or sign (a plain two-question message
        is not), or one question asking two things joined by a conjunction."""
        sentences = self.read(text)
        asked = [i for i, s in enumerate(sentences) if s.kind == QUESTION]
        if len(sentences) < 2:
            return len(asked) == 1 and len(self.clauses(sentences[0].text)) > 1
        framed = any(s.kind in (GREETING, INTRO, THANKS, SIGNATURE) for s in sentences)
        # "super. et les repas ?": a remark, then the one question; "要交学费吗，还有哪些
        # 实验室可以选": one question that asks two things, joined by a conjunction
        joined = len(asked) == 1 and len(self.clauses(sentences[asked[0]].text)) > 1
        return framed or asked == [len(sentences) - 1] or joined

    def questions(self, text: str) -> list[str]:
        """The sentences (and clauses) that ask, in order; a message without any: its
        sentences that are not greeting, thanks, introduction or signature; else the message."""
        return [question for question, _ in self.asked(text)]

    def asked(self, text: str) -> list[tuple[str, str]]:
        """The questions of a message, each with the remark just before it ("" when none):
        "Je m'intéresse à la néonatologie : ce service est-il ouvert ?" asks about the remark."""
        sentences = self.read(text)
        asked = [
            # a later clause of a sentence reads the clause before it, not the remark
            (
                _asked_as(self._capitalised(self.question(clause), n), s.text),
                "" if n else self._remark(sentences, i) or self._before_request(clause),
            )
            for i, s in enumerate(sentences)
            if s.kind == QUESTION
            for n, clause in enumerate(self.clauses(s.text))
        ]
        if asked:
            return asked
        rest = [s.text for s in sentences if s.kind == OTHER]
        if not rest:
            # "I am a resident in urology and I would like to observe in a hospital": the
            # last introduction that says what the writer wishes asks it
            wishes = [
                s.text
                for s in sentences
                if s.kind == INTRO and self.markers.has(normalised(s.text), "wish")
            ]
            rest = wishes[-1:]
        # without the words that lead into it ("Oh, and one more thing: …")
        return [(self.question(" ".join(rest)), "")] if rest else [(text, "")]

    def _capitalised(self, question: str, place: int) -> str:
        """A later clause of a sentence (``place`` > 0) opening with a question word or verb,
        with a capital letter, as a sentence of its own opens ("is immunology one of …" cut
        from "Can I join …, and is immunology one of …?" is matched as "Is immunology one of
        …"); a sentence its writer began in lower case stays as written."""
        if (
            not place
            or not question[:1].islower()
            or not self.markers.has(normalised(question), "clause", start=True)
        ):
            return question
        return question[:1].upper() + question[1:]

    def _remark(self, sentences: tuple[Sentence, ...], i: int) -> str:
        """What a question may stand for: the remark just before it, or the opening of its own
        sentence when that says what the writer does or likes, not who they are ("I'm really
        into ultrasound research, is there a lab for that?"; not "I'm a PhD student in
        pharmacology, …": ``level`` words)."""
        if not i:
            return ""
        before = sentences[i - 1]
        if before.kind == THANKS:  # "Merci. / PS: vous avez un labo sur ça ?": the letter's body
            earlier = [s for s in sentences[: i - 1] if s.kind != THANKS]
            if earlier and earlier[-1].kind == OTHER:
                return earlier[-1].text
        if before.kind == OTHER:
            return "" if self._announces_next(before.text) else before.text
        if sentences[i].part and not self.markers.has(normalised(before.text), "level"):
            return before.text
        if before.kind == INTRO:  # "Interne à Dakar, je m'intéresse à la chirurgie thoracique."
            return self._wished(before.text)
        return ""

    def _before_request(self, clause: str) -> str:
        """What a question says before the request in its middle, as its remark ("J'ai lu sur
        votre site le programme avec Strasbourg, et je voudrais savoir si je peut en faire
        partie": the programme is what "en" stands for); "" when the request opens it, when
        little is said before it, or when that is who the writer is (``level`` words)."""
        if has_cjk(clause):
            return ""
        starts = [found.start() for found in self.markers.request.finditer(lowered(clause))]
        if not starts:
            return ""
        before = self.markers.join_at_end.sub("", clause[: max(starts)]).strip(" ,;:")
        norm = normalised(before)
        if len(_WORD.findall(before)) < MIN_QUESTION_WORDS or self.markers.has(norm, "level"):
            return ""
        return before

    def _wished(self, introduction: str) -> str:
        """The last clause of a self-introduction that says what the writer wishes or likes
        (``wish`` words, no ``level`` word): "je m'intéresse à la chirurgie thoracique" of
        "Interne en chirurgie à Dakar, je m'intéresse à la chirurgie thoracique"; "" when none
        (who the writer is, their level and field, is no remark)."""
        cuts = self.markers.cut.finditer(simplified(introduction))
        starts = [0, *(found.end() for found in cuts)]
        for start in reversed(starts):
            clause = normalised(introduction[start:])
            if self.markers.has(clause, "wish") and not self.markers.has(clause, "level"):
                return introduction[start:].strip()
        return ""

    def asking(self, text: str) -> list[str]:
        """The sentences of a message that ask, as written."""
        return [s.text for s in self.read(text) if s.kind == QUESTION]

    def question(self, clause: str) -> str:
        """A question as it is matched: without the words that only lead into it ("Further,",
        "P.S.", "Please advise whether", "Merci de m'indiquer si"),
        when at least a few words are left (``request`` phrases, then ``lead`` words), and
        without a reason given after a comma ("…, parce que …": ``reason``)."""
        markers = self.markers
        because = markers.reason.search(lowered(clause))
        if because is not None and _WORD.search(clause[: because.start()]):
            clause = clause[: because.start()]  # "…, parce que c'est ma spécialité …": no question
        purpose = markers.purpose.search(lowered(clause))
        if purpose is not None and self.asks(clause[: purpose.start()]):
            # "Are there cultural activities so that we can …?" asks "Are there cultural
            # activities?"
            clause = _asked_as(clause[: purpose.start()], clause)
        if has_cjk(clause):
            return self._chinese_question(clause)
        clause = self._without_examples(clause)
        ends = [found.end() for found in markers.request.finditer(lowered(clause))]
        rest = clause[max(ends, default=0) :]
        while True:
            lead = markers.lead.match(lowered(rest))
            if lead is None or not lead.group(0).strip(" ,:;"):
                break
            rest = rest[lead.end() :]
        rest = rest.strip().lstrip(":：").strip()  # "I would like to ask: …"
        if len(_WORD.findall(rest)) < MIN_QUESTION_WORDS:
            return clause
        return self._direct(rest) if max(ends, default=0) else rest

    def _direct(self, asked: str) -> str:
        """A question cut from the request that opened it, as a direct question when it opens
        with a question word ("je voudrais savoir qui peut partir …" asks "Qui peut partir
        … ?"); an indirect one ("si …", "whether …") stays as written."""
        norm = normalised(asked)
        if (
            not asked[:1].isalpha()
            or asked.rstrip()[-1:] in ("?", "？")
            or not self.markers.has(norm, "ask", start=True)
        ):
            return asked
        return _as_question(asked[:1].upper() + asked[1:])

    def _without_examples(self, clause: str) -> str:
        """A question without the examples listed after its colon ("Que fait-on sur place :
        de la recherche, des gardes, des cours ?" asks "Que fait-on sur place ?"): the words
        before the colon ask, those after list things (a comma, no question word)."""
        head, colon, examples = clause.partition(":")
        if not colon or "," not in examples or self.asks(examples) or not self.asks(head):
            return clause
        return _as_question(head)

    def _chinese_question(self, clause: str) -> str:
        """A Chinese question without the words that only lead into it ("另外医院的检验科可以
        去看看吗？": "医院的检验科…"), when a few characters are left; its request stays."""
        rest = clause
        while True:
            lead = self.markers.chinese_lead.match(simplified(rest))
            if lead is None or not lead.group(0).strip() or rest[lead.end() :].startswith(_NOT):
                break  # ("还有没有名额？" asks whether places are left: 还有 is no lead there)
            rest = rest[lead.end() :]
        return rest if len(rest.strip("？?。！!")) >= 2 * MIN_QUESTION_WORDS else clause

    def clauses(self, sentence: str) -> list[str]:
        """A sentence that asks two things joined by a conjunction ("…, and when is the
        deadline?", "…, et à qui dois-je écrire ?"), cut in two when both halves ask."""
        for found in self.markers.join.finditer(simplified(sentence)):
            left, right = sentence[: found.start()].strip(), sentence[found.end() :].strip()
            if left and right and self._left_asks(left) and self._opens_asking(right):
                return [*self.clauses(left), *self.clauses(right)]
            parallel = self._parallel(left, right)
            if parallel:  # "I'd love a list of the labs … and of the hospital specialties …"
                return [*self.clauses(left), *self.clauses(parallel)]
        if has_cjk(sentence):
            return [sentence]  # a Chinese comma is no cut: "想问下…入面，可唔可以…"
        for found in _COMMA.finditer(sentence):
            # "…quelles sont les spécialités, combien de temps dure l'échange…": a question
            # word after a comma, when the words before ask too ("If I come, what…" does not)
            left, right = sentence[: found.start()].strip(), sentence[found.end() :].strip()
            if (
                left
                and self._asks_something(left)
                and self.markers.has(normalised(right), "ask", start=True)
            ):
                return [left, *self.clauses(right)]
        return [sentence]

    def _parallel(self, left: str, right: str) -> str:
        """The second thing a request asks for, when a sentence names two after the same
        word ("I'd love a list of the labs I could join and of the hospital specialties …",
        "Je voudrais des précisions sur le logement et sur les frais"): the request with the
        words after the conjunction ("I'd love a list of the hospital specialties …"); ""
        when the words after the conjunction do not open with the request's last word."""
        if has_cjk(left) or not left or not right:
            return ""
        found = list(self.markers.request.finditer(lowered(left)))
        if not found:
            return ""
        last = found[-1].group(0).split()[-1:]
        words = right.split(maxsplit=1)
        if not last or len(words) < 2 or lowered(words[0]) != last[0]:
            return ""
        if not self.markers.has(normalised(last[0]), "about") and last[0] not in ("of", "des"):
            return ""
        return f"{left[: found[-1].end()].rstrip()} {words[1]}"

    def _left_asks(self, clause: str) -> bool:
        """Whether the first half of a sentence cut at a conjunction asks on its own (perhaps
        after a ``lead`` word: "Pls how do I apply…"); a Chinese one with a question word, not
        only the request that opens the sentence ("请问交流项目除了国际机票，还要…" asks one
        thing)."""
        if not has_cjk(clause):
            lead = self.markers.lead.match(lowered(clause))
            led = clause[lead.end() :] if lead and lead.group(0).strip(" ,:;") else ""
            # "For the Sino-French program, who is sent …, and what …?": after the topic it
            # opens with, a clause that asks
            fronted = _COMMA.split(clause, maxsplit=1)[1:]
            return (
                self.asks(clause)
                or (bool(led.strip()) and self.asks(led))
                or any(self.asks(rest) for rest in fronted if rest)
            )
        norm = normalised(clause.rstrip("?？ "))
        return self.markers.has(norm, "ask") or self.markers.has(norm, "clause")

    def _opens_asking(self, clause: str) -> bool:
        """Whether the second half of a sentence cut at a conjunction asks on its own: it opens
        with a question word ("…, and whether there is a fee", "… et à qui dois-je écrire"),
        perhaps after a word that leads into it, or holds a request; a Chinese half asks
        anywhere ("…，还有要交学费吗"). Not "Est-ce que les cours et les activités se font en
        anglais ?": two things asked about, one question."""
        if has_cjk(clause):
            return self.asks(clause)
        markers = self.markers
        lead = markers.lead.match(lowered(clause))
        for rest in {clause, clause[lead.end() :] if lead else clause}:
            norm = normalised(rest)
            if markers.has(norm, "clause", start=True) or markers.has(norm, "ask", start=True):
                return True
        return markers.request.search(lowered(clause)) is not None

    def _asks_something(self, clause: str) -> bool:
        """Whether a clause asks about something: a question word, or a request followed by
        what it asks ("je me demandais, tout bêtement" asks nothing yet)."""
        norm = normalised(clause)
        if self.markers.has(norm, "ask"):
            return True
        ends = [found.end() for found in self.markers.request.finditer(lowered(clause))]
        if not ends:
            return self.markers.has(norm, "request")
        return len(_WORD.findall(clause[max(ends) :])) >= MIN_QUESTION_WORDS

    def opens_asking(self, clause: str) -> bool:
        """Whether a clause opens with a question word or form ("who takes part in the CSC
        programme", "谁可以去"), perhaps after a word that leads into it; not "交流可以待多久我
        已经知道了" (a question word inside what is said)."""
        lead = self.markers.lead.match(lowered(clause))
        for rest in {clause, clause[lead.end() :] if lead else clause}:
            norm = normalised(rest)
            if self.markers.has(norm, "clause", start=True) or self.markers.has(
                norm, "ask", start=True
            ):
                return True
        return False

    def asks(self, clause: str) -> bool:
        """Whether a clause asks on its own (a question word, a request, a question form)."""
        norm = normalised(clause.rstrip("?？ "))
        return self._asking(norm) or self.markers.has(norm, "clause", start=True)

    def _asking(self, norm: str) -> bool:
        """Whether a sentence holds a request ("could you tell me") or a question word or
        phrase ("how long", "combien", "多久")."""
        return self.markers.has(norm, "request") or self.markers.has(norm, "ask")

    def body(self, text: str) -> str:
        """A letter without its signature (the name and home of who wrote it)."""
        return "\n".join(s.text for s in self.read(text) if s.kind != SIGNATURE)

    def content(self, text: str) -> str:
        """A letter without its greeting, thanks and signature: what is read when no question
        of it is answered alone (its thanks are never what it asks)."""
        kept = [s.text for s in self.read(text) if s.kind not in (GREETING, THANKS, SIGNATURE)]
        return ("，" if has_cjk(text) else "\n").join(kept) or text

    def without_introduction(self, text: str) -> str:
        """A letter's content (:meth:`content`) without its self-introduction: what it asks
        about, the writer's own level, field and university left out."""
        kept = [
            s.text for s in self.read(text) if s.kind not in (GREETING, THANKS, SIGNATURE, INTRO)
        ]
        return ("，" if has_cjk(text) else "\n").join(kept) or self.content(text)

    def writers_field(self, text: str) -> tuple[str, str]:
        """The clauses of a message that say the writer's own field of study or profession,
        and the rest of the message. In a self-introduction (a sentence read as one, or from
        a clause opening with an ``intro`` word up to the first clause that asks or wishes;
        cut at commas and conjunctions), a clause with a ``level`` or ``role`` word ("I'm a
        master's student in nursing", "je suis IDE en pédia", "dentist and master student of
        orthodontics"); ("", text) when none. "je travaille sur les lipides" (what the writer
        works on, no role) and "Basic Medicine master's students, can they take part?" (no
        introduction) name no such field."""
        own: list[str] = []
        rest: list[str] = []
        for sentence in self.read(text):
            introducing = sentence.kind == INTRO
            simple, start = simplified(sentence.text), 0
            for found in [*self.markers.cut.finditer(simple), None]:
                end = found.start() if found is not None else len(sentence.text)
                clause = sentence.text[start:end].strip()
                start = found.end() if found is not None else start
                if not clause:
                    continue
                norm = normalised(clause)
                if self.markers.has(norm, INTRO, start=True):
                    introducing = True
                if "?" in clause or "？" in clause or self._asking(norm):
                    introducing = False
                if self.markers.has(norm, "wish"):
                    introducing = False
                named = self.markers.has(norm, "level") or self.markers.has(norm, "role")
                (own if introducing and named else rest).append(clause)
        if not own:
            return "", text
        comma = "，" if has_cjk(text) else ", "
        return comma.join(own), comma.join(rest)

    def after_introduction(self, clause: str) -> str:
        """What a self-introduction goes on to wish or ask after a conjunction ("je suis IDE en
        pédia et je voudrais voir comment …": "je voudrais voir comment …"); "" when it only
        introduces ("Hi, I'm a nurse from Lyon")."""
        if has_cjk(clause):
            return ""
        for found in self.markers.cut.finditer(simplified(clause)):
            rest = clause[found.end() :].strip()
            norm = normalised(rest)
            if self.markers.has(norm, "wish", start=True) or self._opens_request(rest):
                return rest
        return ""

    def asks_anything(self, text: str) -> bool:
        """Whether a text asks: a question mark, a request ("想问下…"), or a clause with a
        question word that wishes nothing ("I would like to observe a skin clinic.", "想去看看
        …是怎么照顾的" wish, they do not ask)."""
        if "?" in text or "？" in text:
            return True
        for clause in self.markers.cut.split(simplified(text)):
            norm = normalised(clause or "")
            if self.markers.has(norm, "request") or (
                self.markers.has(norm, "ask") and not self.markers.has(norm, "wish")
            ):
                return True
        return False

    def points_at_own_field(self, text: str) -> bool:
        """Whether a question points back at the writer's own field ("do you have a lab on
        that?", "有这个方向的实验室吗？", ``own_field`` words)."""
        return self.markers.has(normalised(text), "own_field")

    def introduction(self, text: str) -> str:
        """The self-introduction sentences of a message (context: level, field, university)."""
        return " ".join(s.text for s in self.read(text) if s.kind == INTRO)


def _without_asides(text: str) -> str:
    """A message without its asides in brackets (see ``_BRACKETS``)."""

    def kept(found: re.Match[str]) -> str:
        inside = found.group(1)
        return "" if _ASIDE_MARK.search(inside) else found.group(0)

    return _BRACKETS.sub(kept, text)


def _asked_as(clause: str, sentence: str) -> str:
    """A clause of a sentence cut in two, with the sentence's question mark ("斯特拉斯堡项目
    都是哪些人可以去" of "…可以去，另外有没有生活补助？" asks as "…可以去？")."""
    mark = sentence.rstrip()[-1:]
    if mark not in ("?", "？") or clause.rstrip().endswith(("?", "？", ".", "。", "!", "！")):
        return clause
    return clause.rstrip(" ,，;；") + mark


def _short(text: str, size: int = SIGNATURE_WORDS) -> bool:
    """A few words (Chinese: a few characters), no question mark: a name, a sign-off."""
    if has_cjk(text):
        return len(text.strip()) <= 2 * size and "？" not in text
    return len(_WORD.findall(text)) <= size and "?" not in text


def _as_question(text: str) -> str:
    """A text ending with a question mark, put in place of any mark it ends with."""
    return text.rstrip(" .,;:") + "?"
