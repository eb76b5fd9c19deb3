"""The answering core: a question in, the reply a student would see out (no Telegram here)."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from bot.content.buttons import Button
from bot.content.knowledge import Item, KnowledgeBase, load_knowledge
from bot.content.languages import LANGUAGES
from bot.content.learned import load_learned, with_learned
from bot.content.overrides import load_overrides, with_overrides
from bot.content.programmes import BOTH, NONE, Programme
from bot.content.texts import Texts
from bot.understanding.decision import match_features
from bot.understanding.embedding import Encoder, default_encoder
from bot.understanding.followups import reader_of
from bot.understanding.list_requests import ListRequests
from bot.understanding.matcher import Candidate, Match, Matcher, MatchingConfig
from bot.understanding.options import Option
from bot.understanding.overviews import OverviewRequests
from bot.understanding.text import normalize

ANSWER, SUGGEST, FALLBACK = "answer", "suggest", "fallback"
NOT_LISTED = "not_listed"  # a named field that is not among the lists (an answer too)
MAX_SUGGESTIONS = 3
QUESTION_MARKS = ("?", "？")  # a part ending in one is a question of its own
PART_RANK = 5  # a part's answer must be among this many best topics of the whole message
NEAR_BEST = 0.5  # ... and, to bear a letter's question out, score at least this share of its first
MAX_TEXT = 4000  # a two-part reply longer than this answers the first part only
# A fact the two programmes are compared on ("which is longer, …?") is read without their
# names: so little is left that it must be this close in meaning to one of the fact's phrases.
FACT_COSINE = 0.55
FAMILY_MIN = 6  # a one-word field this long names a family of items ("Pediatric …")
# UI texts a knowledge-base answer may include as {offer} and {handover} (what the student can
# do next, which depends on the deployment: conversations/texts.yaml).
ANSWER_TEXTS = ("offer", "handover")
CORE_TEXTS = {
    "did_you_mean",
    "fallback",
    "item_intro",
    "button_main_menu",
    "button_coordinator",
    "button_signup",
    "not_listed",
    "not_published_for",
    "option_programme",
    *ANSWER_TEXTS,
}


_ENCODERS: list[Encoder | None] = []


def _shared_encoder(cache_dir: Path | None = None) -> Encoder | None:
    """The sentence encoder, loaded once per process (from the first cache dir given)."""
    if not _ENCODERS:
        _ENCODERS.append(default_encoder(cache_dir))
    return _ENCODERS[0]


@dataclass(frozen=True)
class Reply:
    """What the student is sent: HTML text and buttons, with how it was chosen."""

    text: str
    buttons: tuple[Button, ...]
    intent: str | None
    score: float
    language: str
    kind: str
    topics: tuple[str, ...] = ()  # every topic answered (two for a two-part question)
    programme: str | None = None  # the programme the reply is about, when the context set it


class Assistant:
    """Answers questions from the knowledge base in the student's language."""

    def __init__(self, kb: KnowledgeBase, matcher: Matcher, texts: Texts) -> None:
        texts.require(CORE_TEXTS, "conversations/texts.yaml")
        self.kb, self.matcher, self.texts = kb, matcher, texts
        self.config = matcher.config
        # A message is often matched twice (the sign-up form's "wish to apply" check, then
        # the answer): remember recent matches.
        self.match = lru_cache(maxsize=1024)(matcher.match)
        # ... and asked whether it is declined twice (the answer, then the conversation's
        # check that a declined request stays declined whatever the context).
        self.declined = lru_cache(maxsize=1024)(matcher.declined)
        stopwords = tuple(w for words in self.config.stopwords.values() for w in words)
        self.overviews = OverviewRequests(reader_of(kb), kb.programmes, stopwords)
        self.list_requests = ListRequests(reader_of(kb), kb, self.config.list_requests, stopwords)

    @classmethod
    def load(
        cls,
        knowledge_dir: Path,
        conversations_dir: Path,
        *,
        learned: Path | None = None,
        overrides: Path | None = None,
        cache_dir: Path | None = None,
        semantic: bool = True,
    ) -> Assistant:
        """Load and validate the knowledge base, matching settings and UI texts.

        The examples of the file ``learned`` (coordinators' learned examples, if given) are
        added to the entries first. ``cache_dir`` (writable, e.g. the bot's data dir) keeps the
        knowledge base's sentence embeddings between runs, keyed by every text encoded;
        without it they are computed in memory. ``semantic=False`` matches lexically only (as
        when the embedding package is not installed).
        """
        kb = load_knowledge(knowledge_dir)
        if overrides is not None:  # answers edited in the console replace the files' texts
            kb = with_overrides(kb, load_overrides(overrides, kb))
        if learned is not None:
            kb = with_learned(kb, load_learned(learned, kb))
        config = MatchingConfig.load(knowledge_dir / "matching.yaml")
        encoder = _shared_encoder(cache_dir) if semantic else None
        matcher = Matcher(kb, config, encoder, cache_dir)
        return cls(kb, matcher, Texts.load(conversations_dir))

    def rebuild(self, kb: KnowledgeBase, cache_dir: Path | None = None) -> Assistant:
        """The same assistant over another knowledge base (with learned examples, say)."""
        encoder = self.matcher.encoder
        return Assistant(kb, Matcher(kb, self.config, encoder, cache_dir), self.texts)

    def answer(self, question: str, lang: str | None = None) -> Reply:
        """Reply to a free-text question; ``lang`` forces the reply language.

        A field that is not among the lists is answered honestly; a message that names two or
        three options to choose between or compare gets each one's answer, and a message asking
        two things that map to different topics both answers, in the order asked unless the
        whole message is confidently about one of them, which then comes first.
        """
        parts = self.matcher.parts(question)
        if len(parts) > 1:  # each part is matched (``_several``): read in the same pass
            self.matcher.foresee(parts, message=False)
        # and what the general-questions test reads of a message naming an item
        self.matcher.foresee_declined(question)
        match = self.match(question)
        reply_lang = lang or match.language
        if self.declined(question):
            return self.fallback(reply_lang)
        # "how does the exchange programme work?", "tell me about both programmes"
        programmes = self.kb.programmes.programmes
        asked = [programmes[p].overview for p in self.overviews.asked(question)]
        whole_list = self.list_requests.asked(question) if not asked else None
        asked += [whole_list] if whole_list else []  # "which labs can I choose?", 有哪些专科
        chosen = [Candidate(t, 1.0, 1.0, 1.0) for t in asked]
        if not chosen and self._way_asked(question, match):  # "is there a way …": the programme
            chosen = list(match.candidates[:1])
        if chosen:
            return self._together(chosen, reply_lang)
        unlisted = self._unlisted(question, match)
        if unlisted is not None:
            names, list_id, item = unlisted
            return self.not_listed_reply(names, list_id, reply_lang, item)
        reply = self._choice(question, match, parts, reply_lang)
        if reply is not None:
            return reply
        if len(parts) > 1:
            reply = self._several(match, parts, reply_lang)
            if reply is not None:
                return reply
        return self.reply_to_match(match, reply_lang)

    def _way_asked(self, question: str, match: Match) -> bool:
        """Whether a message asks for a way and the whole message ranks a programme's
        overview first, at least at the suggestion threshold and not out of scope ("… he'd
        like to train in a French hospital, does the school have a route for that?"): the
        programme is answered; the way is asked of the whole situation, and the parts read
        alone are its details (issue 18, situ14b; ``Matcher._way_to_programme``)."""
        if not match.candidates or not self.matcher.asks_for_way(
            normalize(self.matcher.standard(question))
        ):
            return False
        overviews = {p.overview for p in self.kb.programmes.programmes.values()}
        best = match.candidates[0]
        return (
            best.topic_id in overviews
            and best.score >= self.config.suggest_threshold
            and not self.out_of_scope(match)
        )

    def _unlisted(
        self, question: str, match: Match
    ) -> tuple[dict[str, str], str, Item | None] | None:
        """A field the message asks for as an option that is not among the lists: its name
        per language, the list it is asked in, and the listed item it is when it is one of
        another list ("a PhD in Public Administration", a master's discipline); None when the
        message asks for no such field.

        Two ways to name it: a common name of a field known not to be listed (matching.yaml
        ``not_listed``), or an item with the name of a list it is not in, the message being
        about the item or about that list ("a Clinical Pharmacy specialty at the hospital":
        the specialties answered, Pharmacy a discipline; issue 18, session 11)."""
        if self.out_of_scope(match):
            return None  # much closer to the out-of-scope examples than to any topic
        named_lists = self.matcher.named_lists(question)
        listed = self.matcher.not_listed(question)
        if listed is not None:
            words, _, group = listed
            list_id = named_lists[0] if named_lists else group.list_id
            if self._asks_for_field(question, words, list_id):
                return {lang: group.names[lang][0] for lang in group.names}, list_id, None
            return None
        named = self.matcher.named_items(self.matcher.asking_part(question))
        best = self._confident(match)
        if len(named) == 1 and named_lists and best is not None:
            item = self.kb.items[next(iter(named))]
            in_named = any(m.entry_id in named_lists for m in item.memberships)
            if (
                not in_named
                and (self._same(best.topic_id, item.id) or best.topic_id == named_lists[0])
                and self._named_together(question, item.id)
            ):
                return {lang: item.label(lang) for lang in LANGUAGES}, named_lists[0], item
        return None

    def _named_together(self, question: str, item_id: str) -> bool:
        """Whether one part of a message names both the item and a list: "Vous avez de la
        néonatologie ? et un labo sur …" asks for a ward and for a lab, not for a lab of
        neonatology."""
        parts = self.matcher.parts(question)
        return len(parts) < 2 or any(
            item_id in self.matcher.named_items(part) and self.matcher.named_lists(part)
            for part in parts
        )

    def _asks_for_field(self, question: str, words: str, list_id: str) -> bool:
        """Whether the message asks for the field as an option of the programme: with a listed
        field of the list in its place, it would be answered with that field or the list
        ("where is the ER in Chongqing?" is no request for a placement)."""
        entry = self.kb.entries[list_id]
        if not entry.item_ids:
            return True
        item = self.kb.items[entry.item_ids[0]]
        normalized = self.matcher.spelt(question)
        if not words.isascii():
            swapped = normalized.replace(words, item.name["zh"])
        else:
            swapped = f" {normalized} ".replace(f" {words} ", f" {item.name['en'].lower()} ")
        match = self.match(swapped)
        best = self._confident(match)
        return best is not None and (self._same(best.topic_id, item.id) or best.topic_id == list_id)

    def _confident(self, match: Match) -> Candidate | None:
        return self.config.answer_of(match)

    def certainty(self, match: Match) -> float:
        """How sure the answer model is of a match's best candidate (0 without one; 1 or 0 by
        the lexical thresholds when meaning was not measured)."""
        if not match.candidates:
            return 0.0
        if not match.by_meaning or not self.config.decision.confidence:
            return float(self._confident(match) is not None)
        return self.config.decision.probability(match_features(match))

    def surer_whole(self, whole: str, piece: str) -> Candidate | None:
        """The whole message's confident best topic when a piece of it read alone (a
        letter's one question) is about something else and its reading is the weaker
        evidence: the whole message does not rank the piece's topic among its best ("sup. tbh
        i just wanna see some rare cases 😅 would i get that?" asks what one learns; "would i
        get that?" alone reads as how to apply), unless the whole message's topic is a name
        said outside the piece (the writer's field); or the whole message is at least as sure
        and its topic is among the piece's own best. None when the piece is to be answered as
        it is."""
        whole_match = self.match(whole)
        best = self._confident(whole_match)
        if best is None:
            return None
        piece_match = self.match(piece)
        alone = piece_match.candidates[0].topic_id if piece_match.candidates else None
        if alone is not None and not best.named and self._kind_of(best.topic_id, alone):
            return best  # the piece asks for the kind, the letter describes which one (concept11)
        if alone is not None and self._same(alone, best.topic_id):
            return None
        if not best.named and alone is not None and alone not in self._near_best(whole_match):
            return best  # the letter does not bear the piece's reading out ("would i get that?")
        if best.topic_id not in self._among_best(piece_match):
            return None  # the rest of the letter is about something else (the writer's field)
        return best if self.certainty(whole_match) >= self.certainty(piece_match) else None

    def _first_only(self, first: Candidate, lang: str, offered: list[str]) -> Reply:
        """The answer of the first part alone, the other parts offered as buttons."""
        reply = self.topic_reply(first.topic_id, lang, extra=offered)
        topics = (first.topic_id,)
        return Reply(reply.text, reply.buttons, first.topic_id, first.score, lang, ANSWER, topics)

    def _several(self, whole: Match, parts: list[str], lang: str) -> Reply | None:
        """Both answers of a two-part question, or the confident one with the other offered."""
        if self.out_of_scope(whole):
            return None  # the message as a whole is out of scope ("斯特拉斯堡和巴黎哪个城市大")
        answered, offered = self._parts_answered(whole, parts)
        if not answered:
            return None
        whole_best = self._confident(whole)
        answered = self._led_by(whole_best, answered)
        first = answered[0]
        if len(answered) == 1:
            if whole_best is not None and whole_best.topic_id != first.topic_id:
                return None  # the message as a whole says more than its parts
            offered = [t for t in offered if not self._same(t, first.topic_id)]
            return self._first_only(first, lang, offered[:1])
        return self._together(answered, lang)

    def _led_by(self, whole_best: Candidate | None, answered: list[Candidate]) -> list[Candidate]:
        """The parts' answers, the whole message's confident best first when it is one of
        them: a part read alone is less sure of what the message asks than the whole message
        ("Could I join a research group there and learn how to plan a study…?" asks what one
        learns; "la biologie et la biochimie" names one field, not biology)."""
        if whole_best is None:
            return answered
        lead = [c for c in answered if self._same(c.topic_id, whole_best.topic_id)]
        return lead[:1] + [c for c in answered if c not in lead[:1]]

    def _parts_answered(self, whole: Match, parts: list[str]) -> tuple[list[Candidate], list[str]]:
        """The confident answers of a message's parts, in order (one per topic), and the
        unsure parts' best topics, to offer."""
        answered: list[Candidate] = []
        offered: list[str] = []
        # A part's topic must also be among the best of the whole message: a part alone
        # ("besides Beijing and Chongqing") can look like a topic the message is not about.
        plausible = self._among_best(whole)
        # an unsure part's guess is answered only beside a part answered with confidence
        # (never alone: "il fait combien en juillet a Chongqing?" is no question about places)
        confident_part = any(self._plausible_answer(part, whole, plausible) for part in parts)
        for part in parts:
            match = self.match(part)
            best = self._confident(match)
            if best is None and confident_part:
                best = self._guess_of_whole(match, whole)
            if (
                best is not None
                and best.topic_id not in plausible
                and not self._asked_alone(part, best, whole)
            ):
                continue
            if best is not None:
                if all(not self._same(best.topic_id, c.topic_id) for c in answered):
                    answered.append(best)
            elif match.candidates and match.candidates[0].score >= self.config.suggest_threshold:
                offered.append(match.candidates[0].topic_id)
        return answered, offered

    def _plausible_answer(self, part: str, whole: Match, plausible: set[str]) -> bool:
        """Whether a part has a confident answer that the whole message bears out."""
        best = self._confident(self.match(part))
        return best is not None and (
            best.topic_id in plausible or self._asked_alone(part, best, whole)
        )

    def _guess_of_whole(self, match: Match, whole: Match) -> Candidate | None:
        """An unsure part's best guess when it is the whole message's best topic too: "on a
        une chambre offerte ? et le séjour ça dure max combien" asks for the room, which the
        whole message ranks first, as the other part asks for the stay."""
        if not match.candidates or not whole.candidates:
            return None
        guess = match.candidates[0]
        if guess.score < self.config.suggest_threshold:
            return None
        return guess if guess.topic_id == whole.candidates[0].topic_id else None

    def _asked_alone(self, part: str, best: Candidate, whole: Match) -> bool:
        """Whether a part is a question of its own that another question hides: a sentence
        ending in a question mark whose answer scores at least the whole message's best, while
        the whole message is confidently about something else ("Quels sont les labos
        disponibles ? Et les services hospitaliers ?": the second question fills the whole
        message's first places, the first is no less asked). An unsure whole message keeps its
        parts to its best ("… y a une bourse ? combien ?": "combien ?" alone is the places)."""
        whole_best = self._confident(whole)
        if whole_best is None or self._same(whole_best.topic_id, best.topic_id):
            return False
        return part.rstrip().endswith(QUESTION_MARKS) and best.score >= whole_best.score

    def _near_best(self, whole: Match) -> set[str]:
        """The topics among the best of a whole message that score at least half as much as
        its first (a fifth-best topic far behind the first is no reading the message bears)."""
        first = whole.candidates[0].score if whole.candidates else 0.0
        candidates = {c.topic_id: c.score for c in whole.candidates}
        return {t for t in self._among_best(whole) if candidates[t] >= NEAR_BEST * first}

    def _among_best(self, whole: Match) -> set[str]:
        """The topics among the best of a whole message, entries also ranked among entries:
        the items of a list, described in many words, may fill the first places ("quels labos
        sont dispo et comment on postule ?")."""
        best = {c.topic_id for c in whole.candidates[:PART_RANK]}
        entries = [c.topic_id for c in whole.candidates if c.topic_id in self.kb.entries]
        return best | set(entries[:PART_RANK])

    def offers_options(self, question: str) -> bool:
        """Whether a message is answered as a choice between options it names or describes
        (a letter's "Pediatrics, neonatology and obstetrics: which one would you advise?" is
        one question, not a remark and a question)."""
        if not (
            self.matcher.options(question)
            or self.matcher.option_phrases(question)
            or self._described_programmes(question)
        ):
            return False  # nothing named or described to choose between: no match read
        match = self.match(question)
        return (
            self._choice(question, match, self.matcher.parts(question), match.language) is not None
        )

    def _choice(self, question: str, whole: Match, parts: list[str], lang: str) -> Reply | None:
        """The answer of a message that names or describes two or three options to choose
        between or to compare; None when it offers no such choice."""
        options = self.matcher.options(question)
        described = False  # the programmes named by what describes them ("法国那个项目")
        if not options:
            options = self._described_programmes(question)
            described = bool(options)
        phrases = self.matcher.option_phrases(question)
        if len(options) > len(phrases) == 2:
            # more names than sides of the choice: a side names its option in several words
            # ("le labo sur la bio moléculaire des maladies infectieuses vs le centre infection
            # et immunité"), each side is read as a question of its own
            chosen = self._described_options(whole, phrases)
            if chosen:
                return self._chosen(whole, chosen, parts, lang)
        if len(options) > 1:
            return self._options(question, whole, options, parts, lang, described=described)
        chosen = self._described_options(whole, phrases)
        if not chosen and len(phrases) > 2 and self.matcher.named_items(phrases[0]):
            # the field named before "A or B" is what they are of, no option ("En santé
            # publique, vaut mieux viser les disciplines de master ou celles de doctorat ?")
            chosen = self._described_options(whole, phrases[1:])
        return self._chosen(whole, chosen, parts, lang) if chosen else None

    def _described_programmes(self, question: str) -> list[Option]:
        """Both programmes, in the order said, when a message that asks to compare names one
        or both by what describes it beside a programme word ("去法国的那个CSC项目和来重医交流的
        那个项目，区别在哪", "the French one or the exchange, which …"); [] otherwise, and when
        it names an item too (an item and a programme are no choice)."""
        asking = self.matcher.asking_part(question)
        named = reader_of(self.kb).in_order(asking)
        if len(named) != 2 or not self.matcher.compares(question):
            return []
        if self.matcher.named_items(self.matcher.spelt(asking)):
            return []
        programmes = self.kb.programmes.programmes
        return [frozenset({programmes[p].overview}) for p in named]

    def _options(
        self,
        question: str,
        whole: Match,
        options: list[Option],
        parts: list[str],
        lang: str,
        *,
        described: bool = False,
    ) -> Reply | None:
        """Each option a message names to choose between or to compare ("A or B?", "A 和 B，
        哪个…"), in the order named, then what its other parts ask ("…, and how long can I
        stay?"); the two programmes compared on one of their facts ("which is longer, the CSC
        or the exchange?"): that fact for each; None when the message is out of scope or its
        best topic is something else it asks (the fees, not the two programmes)."""
        position = self._positions(whole)
        options = self._qualified_options(question, options)
        chosen: list[Candidate] = []
        for topics in options:
            # a name of two items (小儿重症监护病房): the one the message ranks best
            chosen.append(self._ranked(whole, topics, position))
        by_overview = self.kb.programmes.by_overview()
        if len(chosen) > 1 and all(c.topic_id in by_overview for c in chosen):
            if not self._asks_of_programmes(question, described):
                # nothing asked but the programmes compared ("quelle différence entre le
                # programme avec Strasbourg et …"): the best topic comes from their names
                return self._chosen(whole, chosen, parts, lang, named_only=True)
            fact = self._fact_compared(question, described)
            if fact is not None and not self.out_of_scope(whole):
                return self._fact_of_programmes(fact, [c.topic_id for c in chosen], lang)
            best = self._confident(whole)
            field = best is not None and best.topic_id in self.kb.items
            # "has", "offre", "有没有": a field named beside the two programmes is asked for
            if field and reader_of(self.kb).says_owns(question):
                return None  # "CSC or the exchange: which one has a pharmacy master?"
            takers = {p.participants for p in by_overview.values()}
            if best is not None and (best.topic_id in takers or field):
                # "which one is for foreigners like me?", "… for a pharmacy student?" (a field
                # is no fact of theirs): what each is and who takes part
                named = [by_overview[c.topic_id] for c in chosen]
                taken = [t for p in named for t in (p.overview, p.participants) if t]
                chosen = [self._ranked(whole, frozenset({t}), position) for t in taken]
        return self._chosen(whole, chosen, parts, lang)

    def _qualified_options(self, question: str, options: list[Option]) -> list[Option]:
        """The options with an item named with its qualifier read as the longer item it
        names ("le service des nouveau-nés ou la réanimation des enfants": Pediatric
        Intensive Care, not the adult ICU): an option whose item the message names only
        inside a qualified name is the one item so named that no other option is."""
        named = self.matcher.named_items(self.matcher.spelt(self.matcher.asking_part(question)))
        uncovered = named.difference(*options)
        if len(uncovered) != 1:
            return options
        items = self.kb.items.keys()
        return [
            frozenset(uncovered) if topics <= items and not topics & named else topics
            for topics in options
        ]

    def _positions(self, whole: Match) -> dict[str, int]:
        position: dict[str, int] = {}
        for index, candidate in enumerate(whole.candidates):
            position.setdefault(candidate.topic_id, index)
        return position

    def _ranked(self, whole: Match, topics: Option, position: dict[str, int]) -> Candidate:
        """Of the topics an option may stand for, the one the whole message ranks best."""
        topic = min(topics, key=lambda t: (position.get(t, len(position)), t))
        if topic in position:
            return whole.candidates[position[topic]]
        return Candidate(topic, self.config.answer_threshold, 1.0, 1.0)

    def out_of_scope(self, match: Match) -> bool:
        """Whether a match is closer to the out-of-scope examples than to any topic, by
        ``semantic.off_topic_margin`` (only when meaning was measured)."""
        closest = max((c.cosine for c in match.candidates), default=0.0)
        margin = self.config.semantic.off_topic_margin
        return match.by_meaning and match.off_topic > closest + margin

    def _chosen(
        self,
        whole: Match,
        chosen: list[Candidate],
        parts: list[str],
        lang: str,
        *,
        named_only: bool = False,
    ) -> Reply | None:
        """The answers of the options chosen, in order, then those of the message's other
        parts; None when the message is out of scope or asks something else about them
        (``named_only``: it asks nothing but them, whatever its best topic)."""
        if self.out_of_scope(whole):
            return None
        best = None if named_only else self._confident(whole)
        own = self.kb.programmes.own_topics()
        if best is not None and not any(self._same(best.topic_id, c.topic_id) for c in chosen):
            # what the programmes are and who takes part are the programmes' own topics; any
            # other best topic is asked about them ("which of the two has free housing?"), but
            # a field, the asker's ("which one suits a pharmacy student?")
            field = best.topic_id in self.kb.items and {c.topic_id for c in chosen} <= own
            if not field and (best.topic_id not in own or not own & {c.topic_id for c in chosen}):
                return None
        if len(parts) > 1 and all(c.topic_id in self.kb.items for c in chosen):
            # items compared, and something else asked; the parts of a comparison of the
            # programmes only say what is compared ("哪个是出国哪个是来重医")
            for other in self._parts_answered(whole, parts)[0]:
                if other.topic_id in self.kb.entries and all(
                    not self._same(other.topic_id, c.topic_id) for c in chosen
                ):
                    chosen.append(other)
        # chosen by name, word for word: as sure as an answer gets
        return replace(self._together(chosen, lang), score=1.0)

    def _described_options(self, whole: Match, phrases: list[str]) -> list[Candidate]:
        """The topics of the options a message offers in other words than their names ("the
        lab on infections or the lipid one", "la neuro pis la pedia", "housing or the fee"):
        each phrase read alone, confidently, or as its best guess when the whole message
        ranks that among its best; two or three different items, or two or three different
        facts (never the programmes' overviews, nor the bot's own topics). A first option
        listed before "A or B" that is none is left out. [] when they are not such options."""
        if not phrases or self.out_of_scope(whole):
            return []
        position = self._positions(whole)
        # an option must be among the best of the whole message too ("is that enough or is
        # the minimum longer?": "is that enough" alone looks like the language required)
        plausible = self._among_best(whole)
        chosen: list[Candidate] = []
        for index, phrase in enumerate(phrases):
            clipped = self.matcher.clipped(phrase)
            found = self._ranked(whole, clipped, position) if clipped else None
            if not clipped:
                found = self._described_option(phrase, position)
                found = found if found is not None and found.topic_id in plausible else None
            if found is None or not found.named:
                # the word next to "or": "cardio vs neuro for a 4 week observership"
                edge = self.matcher.clipped(phrase, 0 if index == len(phrases) - 1 else -1)
                found = self._ranked(whole, edge, position) if edge else found
            if found is None and index == 0 and len(phrases) > 2:
                continue  # "hello, neuro or cardio?"
            if found is None or any(self._same(found.topic_id, c.topic_id) for c in chosen):
                return []
            chosen.append(found)
        kinds = {self._option_kind(c.topic_id) for c in chosen}
        if len(chosen) < 2 or len(kinds) != 1 or None in kinds:
            return []
        # the facts of one choice are one programme's ("clerkships or observation?" in the
        # exchange is no choice between the CSC's clerkships and the exchange's contents)
        programmes = {self.kb.programme_of(c.topic_id) for c in chosen} - {BOTH}
        return chosen if len(programmes) <= 1 else []

    def _described_option(self, phrase: str, position: dict[str, int]) -> Candidate | None:
        """The topic an option's phrase describes: its confident answer, or an item that is
        its best guess and among the best of the whole message ("the kids' ICU")."""
        if not self.matcher.specific(phrase):
            return None  # "重医", "the programme": no option
        match = self.match(phrase)
        best = self._confident(match)
        if best is None and match.candidates:
            top = match.candidates[0]
            ranked = position.get(top.topic_id, PART_RANK) < PART_RANK
            if (
                top.score >= self.config.suggest_threshold
                and ranked
                and top.topic_id in self.kb.items
            ):
                best = top  # unsure alone, and among the best of the whole message
        if best is None or best.topic_id not in self.kb.items:
            return best
        lists = self.matcher.named_lists(phrase)
        if lists and not self._member(best.topic_id, lists):
            # "the lab on infectious diseases": a lab, not the hospital department
            members = [c for c in match.candidates[:PART_RANK] if self._member(c.topic_id, lists)]
            return members[0] if members else best
        return best

    def _member(self, topic: str, lists: list[str]) -> bool:
        item = self.kb.items.get(topic)
        return item is not None and any(m.entry_id in lists for m in item.memberships)

    def _option_kind(self, topic: str) -> str | None:
        """What an option is: an item, a fact of a programme, or None (an overview, an action,
        the bot's own topics)."""
        if topic in self.kb.items:
            return "item"
        if topic in self.kb.programmes.by_overview():
            return None
        return "fact" if self.kb.programme_of(topic) != NONE else None

    def _asks_of_programmes(self, question: str, described: bool = False) -> bool:
        """Whether a message naming both programmes says anything once their names, the
        comparison's words and generic words are out ("quelle différence entre le programme
        avec Strasbourg et le programme d'échange ?" says nothing more)."""
        rest = self.matcher.without_programmes(question, described)
        return bool(rest.strip()) and self.matcher.specific(rest)

    def _fact_compared(self, question: str, described: bool = False) -> str | None:
        """The fact a message compares the two programmes on, read without their names
        ("which is longer, …": the duration), when it is a fact of a programme other than
        what the programmes are and who takes part; None when it asks for no such fact."""
        rest = self.matcher.without_programmes(question, described)
        if not rest.strip() or not self.matcher.specific(rest):
            return None
        match = self.match(rest)
        best = self._confident(match)
        if best is None or (match.by_meaning and best.cosine < FACT_COSINE):
            return None  # what is left once the names are out says no fact ("lequel me va ?")
        own = self.kb.programmes.own_topics()
        if best.topic_id in own or self._option_kind(best.topic_id) != "fact":
            return None
        return best.topic_id

    def _fact_of_programmes(self, topic: str, overviews: list[str], lang: str) -> Reply:
        """One fact for each programme, in the order named, each under its programme's name:
        its own answer, its counterpart's, or "not published for this programme"."""
        by_overview = self.kb.programmes.by_overview()
        texts: list[str] = []
        buttons: list[Button] = []
        for overview in overviews:
            programme = by_overview[overview]
            own = self.kb.fact_for(programme, topic)
            if own is None:
                texts.append(self.not_published_text(programme, topic, lang))
                buttons.append(self.topic_button(programme.overview, lang))
                continue
            reply = self.topic_reply(own, lang)
            heading = self.texts.get("option_programme", lang, programme=programme.name[lang])
            texts.append(f"{heading}\n{reply.text}")
            buttons.extend(b for b in reply.buttons if b.action != "menu:main")
        kept: list[Button] = []
        for button in buttons:
            if all(b.action != button.action for b in kept):
                kept.append(button)
        buttons = [*kept[:4], self.menu_button(lang)]
        return Reply("\n\n".join(texts), tuple(buttons), topic, 1.0, lang, ANSWER, (topic,))

    def not_published_text(self, programme: Programme, topic: str, lang: str) -> str:
        """ "Not published for this programme", naming what was asked and saying what the
        programme's page does give."""
        return self.texts.get(
            "not_published_for",
            lang,
            title=self.kb.title(topic, lang),
            programme=programme.name[lang],
            summary=programme.summary[lang],
        )

    def _together(self, answered: list[Candidate], lang: str) -> Reply:
        """Several topics' answers in one reply, in order (the first alone, the others offered,
        when too long for one message)."""
        first = answered[0]
        replies = [self.topic_reply(c.topic_id, lang) for c in answered]
        text = "\n\n".join(r.text for r in replies)
        if len(text) > MAX_TEXT:
            return self._first_only(first, lang, [c.topic_id for c in answered[1:]])
        buttons: list[Button] = []
        for button in (b for r in replies for b in r.buttons):
            if button.action != "menu:main" and all(b.action != button.action for b in buttons):
                buttons.append(button)
        buttons = [b for b in buttons if b.action not in {f"topic:{c.topic_id}" for c in answered}]
        buttons = [*buttons[:4], self.menu_button(lang)]
        topics = tuple(c.topic_id for c in answered)
        score = min(c.score for c in answered)
        return Reply(text, tuple(buttons), first.topic_id, score, lang, ANSWER, topics)

    def family(self, item_id: str) -> list[Item]:
        """The items named after a one-word field ("Pediatrics": Pediatric Surgery, Pediatric
        Intensive Care…), shown with it."""
        name = normalize(self.kb.items[item_id].name["en"])
        stem = name[:-1] if name.endswith("s") else name  # pediatrics: pediatric
        if " " in name or len(stem) < FAMILY_MIN:
            return []
        return [
            other
            for other in self.kb.items.values()
            if other.id != item_id and normalize(other.name["en"]).startswith(stem + " ")
        ]

    def _same(self, a: str, b: str) -> bool:
        """Whether two topics are one answer (the same, or an item and its list)."""
        if a == b:
            return True
        for one, other in ((a, b), (b, a)):
            item = self.kb.items.get(one)
            if item is not None and any(m.entry_id == other for m in item.memberships):
                return True
        return False

    def _kind_of(self, item_id: str, list_id: str) -> bool:
        """Whether a topic is an item of a list ("is it available in the hospital?" asks for
        the hospital's specialties, of which the geriatrics a letter describes is one)."""
        item = self.kb.items.get(item_id)
        return item is not None and any(m.entry_id == list_id for m in item.memberships)

    def not_listed_reply(
        self, names: dict[str, str], list_id: str, lang: str, item: Item | None = None
    ) -> Reply:
        """ "X is not among the listed …": the field's name, the list it was asked in, and
        that list (generated from the lists, never a neighbouring item); for an item of
        another list, where it is listed."""
        intro = self.texts.get(
            "not_listed",
            lang,
            name=html.escape(names[lang]),
            list=html.escape(self.kb.title(list_id, lang)),
        )
        text = f"{intro}\n\n{self.kb.render(list_id, lang)}"
        buttons = [self.topic_button(list_id, lang)]
        if item is not None:
            text += "\n\n" + self.topic_reply(item.id, lang).text
            buttons += [self.topic_button(m.entry_id, lang) for m in item.memberships]
        buttons += [self.action_button("coordinator", lang), self.menu_button(lang)]
        return Reply(text, tuple(buttons), list_id, 1.0, lang, NOT_LISTED, (list_id,))

    def reply_to_match(self, match: Match, lang: str) -> Reply:
        """Answer, suggest or decline, following the thresholds of ``matching.yaml``."""
        best = match.candidates[0] if match.candidates else None
        confident = self.config.answer_of(match) is not None
        if best is None or (
            best.score < self.config.suggest_threshold
            and not (confident and best.coverage >= self.config.semantic.words_under_suggest)
        ):
            # thresholds.suggest is the lexical matcher's: with meaning measured, the answer
            # model decides ("more of a clinician than a lab rat tbh…": a fused score of 0.35)
            # when the words explain enough ("does CQMU have a swimming pool" is no housing)
            return self.fallback(lang, best.score if best else 0.0)
        close = [
            c.topic_id
            for c in match.candidates[1:]
            if c.score >= max(best.score - self.config.margin, self.config.suggest_threshold)
        ]
        if confident or self._honest_guess(match, best):
            reply = self.topic_reply(best.topic_id, lang, extra=close[: MAX_SUGGESTIONS - 1])
            return Reply(
                reply.text,
                reply.buttons,
                best.topic_id,
                best.score,
                lang,
                ANSWER,
                (best.topic_id,),
            )
        suggestions = [best.topic_id, *close][:MAX_SUGGESTIONS]
        buttons = [self.topic_button(t, lang) for t in suggestions]
        if all(b.action != "coordinator" for b in buttons):
            buttons.append(self.action_button("coordinator", lang))
        buttons.append(self.menu_button(lang))
        return Reply(
            self.texts.get("did_you_mean", lang), tuple(buttons), None, best.score, lang, SUGGEST
        )

    def _honest_guess(self, match: Match, best: Candidate) -> bool:
        """Whether an unsure best topic is an honest "not published" entry to give as it is
        (``semantic.honest`` of ``matching.yaml``): closer in meaning than the out-of-scope
        examples by ``semantic.honest_margin``, and not a close tie with a published fact."""
        entry = self.kb.entries.get(best.topic_id)
        if entry is None or entry.published or not match.by_meaning:
            return False
        semantic = self.config.semantic
        if best.score < semantic.honest or best.cosine < match.off_topic + semantic.honest_margin:
            return False
        runner_up = next(iter(match.candidates[1:2]), None)
        if runner_up is None or best.score - runner_up.score >= semantic.min_gap:
            return True
        other = self.kb.entries.get(runner_up.topic_id)
        return other is not None and not other.published

    def fallback(self, lang: str, score: float = 0.0) -> Reply:
        """The polite "not found" reply, offering the menu, a coordinator and the sign-up."""
        buttons = (
            self.menu_button(lang),
            self.action_button("coordinator", lang),
            self.action_button("signup", lang),
        )
        return Reply(self.texts.get("fallback", lang), buttons, None, score, lang, FALLBACK)

    def action_button(self, action: str, lang: str) -> Button:
        """The button of an action: ``signup`` or ``coordinator``."""
        return Button(self.texts.get(f"button_{action}", lang), action)

    def menu_button(self, lang: str) -> Button:
        """The button back to the main menu."""
        return Button(self.texts.get("button_main_menu", lang), "menu:main")

    def topic_button(self, topic_id: str, lang: str) -> Button:
        """A button opening a topic, or starting its action (sign-up, coordinator)."""
        entry = self.kb.entries.get(topic_id)
        if entry is not None and entry.action is not None:
            return self.action_button(entry.action, lang)
        return Button(self.kb.title(topic_id, lang), f"topic:{topic_id}")

    def _filled(self, answer: str, lang: str) -> str:
        """An answer with its ``{offer}``/``{handover}`` texts filled in (true for the
        deployment: their variants when no coordinator is configured)."""
        for key in ANSWER_TEXTS:
            if "{" + key + "}" in answer:
                answer = answer.replace("{" + key + "}", self.texts.get(key, lang))
        return answer

    def topic_reply(self, topic_id: str, lang: str, extra: list[str] | None = None) -> Reply:
        """The answer of an entry or item with buttons: ``extra`` suggestions, related
        topics (or an item's lists), then the main menu."""
        buttons: list[Button] = []
        if topic_id in self.kb.entries:
            entry = self.kb.entries[topic_id]
            text = self._filled(self.kb.render(topic_id, lang), lang)
            related = list(entry.related)
            if entry.action is not None:
                buttons.append(self.topic_button(topic_id, lang))
        else:
            item = self.kb.items[topic_id]
            name = html.escape(item.in_sentence(lang), quote=False)  # l'Oncologie stays as is
            lines = [self.texts.get("item_intro", lang, name=name)]
            lines += [f"• {m.text[lang]}" for m in item.memberships]
            for other in self.family(topic_id):  # Pediatrics: the pediatric specialties too
                for m in other.memberships:
                    lines.append(f"• {html.escape(other.label(lang))}: {m.text[lang]}")
            text = "\n".join(lines)
            related = [m.entry_id for m in item.memberships]
        for related_id in [*(extra or []), *related]:
            button = self.topic_button(related_id, lang)
            if related_id != topic_id and all(b.action != button.action for b in buttons):
                buttons.append(button)
        buttons.append(self.menu_button(lang))
        return Reply(text, tuple(buttons), topic_id, 1.0, lang, ANSWER)
