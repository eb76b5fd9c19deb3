"""What a student sees when asking a question: the reply's text, intent and buttons.

These tests go through ``Assistant.answer`` (matcher, thresholds and reply building together)
over the real knowledge base, and gate the evaluation sets against regression.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.content.languages import LANGUAGES
from bot.telegram_rules import MESSAGE_LIMIT
from bot.understanding.answers import ANSWER, FALLBACK, MAX_SUGGESTIONS, SUGGEST, Assistant, Reply
from bot.understanding.context import Dialogue
from bot.understanding.evaluation import Report, evaluate, load_cases, unknown_ids
from bot.understanding.matcher import Candidate, Match

EVAL = Path(__file__).parent / "eval"
TELEGRAM_MAX_TEXT = MESSAGE_LIMIT
MENU, COORDINATOR, SIGNUP = "menu:main", "coordinator", "signup"


def actions(reply: Reply) -> list[str]:
    return [button.action for button in reply.buttons]


def labels(reply: Reply) -> list[str]:
    return [button.label for button in reply.buttons]


def all_topics(assistant: Assistant) -> list[str]:
    return [*assistant.kb.entries, *assistant.kb.items]


# ─────────────────────────── clear questions, in each language ───────────────────────────

CLEAR = [
    # question, language, expected id, facts the reply must state
    ("how long is the programme", "en", "duration", ["4", "6", "weeks", "months"]),
    ("项目多长时间", "zh", "duration", ["4", "6", "周", "月"]),
    ("le programme dure combien de temps", "fr", "duration", ["4", "6", "semaines", "mois"]),
    ("is accommodation free", "en", "housing", ["Dartmouth", "free accommodation at CQMU"]),
    ("住宿免费吗", "zh", "housing", ["Dartmouth", "免费住宿"]),
    ("le logement est-il gratuit", "fr", "housing", ["Dartmouth", "logement gratuit à la CQMU"]),
    ("where will I live", "en", "housing", ["Dartmouth"]),
    ("住在哪里", "zh", "housing", ["Dartmouth"]),
    ("où vais-je loger", "fr", "housing", ["Dartmouth"]),
    ("how much does it cost", "en", "fees", ["waived"]),
    ("费用", "zh", "fees", ["免除"]),
    ("combien ça coûte", "fr", "fees", ["exonérés"]),
    ("how many students can go each year", "en", "places", ["5", "10"]),
    ("每年有多少名额", "zh", "places", ["5", "10"]),
    ("combien de places par an", "fr", "places", ["5", "10"]),
    ("学费多少", "zh", "fees", ["免除"]),  # "how much is tuition": not housing's 住宿费多少
]


@pytest.mark.parametrize(("question", "lang", "intent", "facts"), CLEAR)
def test_clear_question_is_answered_with_the_right_entry_in_its_language(
    assistant: Assistant, question: str, lang: str, intent: str, facts: list[str]
) -> None:
    reply = assistant.answer(question)
    assert (reply.intent, reply.kind, reply.language) == (intent, ANSWER, lang)
    # The student gets that entry's own answer, written in their language.
    assert reply.text == assistant.topic_reply(intent, lang).text
    for fact in facts:
        assert fact in reply.text
    assert actions(reply)[-1] == MENU


@pytest.mark.parametrize(
    ("question", "intent", "french"),
    [
        ("how long is the programme", "duration", "semaines"),
        ("住宿免费吗", "housing", "Logement"),
        ("can I do cardiology?", "cardiovascular-medicine", "Médecine cardiovasculaire"),
    ],
)
def test_lang_forces_the_reply_language(
    assistant: Assistant, question: str, intent: str, french: str
) -> None:
    reply = assistant.answer(question, lang="fr")
    assert (reply.intent, reply.language) == (intent, "fr")
    assert french in reply.text
    assert reply.text == assistant.topic_reply(intent, "fr").text
    assert labels(reply)[-1] == assistant.texts.get("button_main_menu", "fr")


def test_lang_forces_the_language_of_a_decline_too(assistant: Assistant) -> None:
    reply = assistant.answer("", lang="zh")
    assert (reply.intent, reply.kind, reply.language) == (None, FALLBACK, "zh")
    assert reply.text == assistant.texts.get("fallback", "zh")


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("住宿免費嗎", "住宿免费吗"),
        ("項目多長時間", "项目多长时间"),
        ("需要簽證嗎", "需要签证吗"),
        ("有眼科嗎", "有眼科吗"),
        ("可以去心內科嗎", "可以去心内科吗"),
        ("名額有多少", "名额有多少"),
    ],
)
def test_traditional_chinese_matches_like_simplified(
    assistant: Assistant, traditional: str, simplified: str
) -> None:
    expected = assistant.answer(simplified)
    reply = assistant.answer(traditional)
    assert expected.intent is not None
    assert (reply.intent, reply.kind, reply.language) == (expected.intent, ANSWER, "zh")
    assert reply.text == expected.text


@pytest.mark.parametrize(
    ("question", "lang", "intent"),
    [
        ("accomodation", "en", "housing"),
        ("scolarship", "en", "stipend"),
        ("is there a scolarship", "en", "stipend"),
        ("how long is the programe", "en", "duration"),
        ("combien de temps dur l'echange", "fr", "duration"),
    ],
)
def test_misspelt_question_still_answers(
    assistant: Assistant, question: str, lang: str, intent: str
) -> None:
    reply = assistant.answer(question)
    assert (reply.intent, reply.kind, reply.language) == (intent, ANSWER, lang)
    assert reply.text == assistant.topic_reply(intent, lang).text


# ───────────────────────────── named items of the lists ─────────────────────────────


@pytest.mark.parametrize(
    ("question", "lang", "item", "name"),
    [
        ("can I do cardiology?", "en", "cardiovascular-medicine", "Cardiovascular Medicine"),
        ("我可以选心内科吗", "zh", "cardiovascular-medicine", "心血管内科"),
        (
            "est-ce que je peux faire de la cardiologie",
            "fr",
            "cardiovascular-medicine",
            "Médecine cardiovasculaire",
        ),
        ("有眼科吗", "zh", "ophthalmology", "眼科"),
        ("ophthalmology", "en", "ophthalmology", "Ophthalmology"),
        ("neurochirurgie ?", "fr", "neurosurgery", "Neurochirurgie"),
        ("can I do neurosurgery?", "en", "neurosurgery", "Neurosurgery"),
    ],
)
def test_named_item_is_answered_with_its_name(
    assistant: Assistant, question: str, lang: str, item: str, name: str
) -> None:
    reply = assistant.answer(question)
    assert (reply.intent, reply.kind, reply.language) == (item, ANSWER, lang)
    assert name in reply.text
    # The official English name is given alongside the translation.
    assert assistant.kb.items[item].name["en"] in reply.text
    # ... and a button opens the list it belongs to.
    assert "topic:hospital-specialties" in actions(reply)


@pytest.mark.parametrize(
    ("question", "lang"),
    [("can i do neurology", "en"), ("有神经病学吗", "zh"), ("neurologie ?", "fr")],
)
def test_item_in_two_lists_names_both(assistant: Assistant, question: str, lang: str) -> None:
    reply = assistant.answer(question)
    assert (reply.intent, reply.language) == ("neurology", lang)
    memberships = assistant.kb.items["neurology"].memberships
    assert {m.entry_id for m in memberships} == {"state-key-disciplines", "hospital-specialties"}
    for membership in memberships:
        assert membership.text[lang] in reply.text
        assert f"topic:{membership.entry_id}" in actions(reply)
    # "one of the 4 state key disciplines", "one of the 21 specialties"
    assert "4" in reply.text
    assert "21" in reply.text


def test_every_item_reply_names_the_item_and_every_list(assistant: Assistant) -> None:
    for item in assistant.kb.items.values():
        for lang in LANGUAGES:
            reply = assistant.topic_reply(item.id, lang)
            assert item.name[lang] in html.unescape(reply.text), (item.id, lang)
            for membership in item.memberships:
                assert membership.text[lang] in reply.text, (item.id, lang)
                assert f"topic:{membership.entry_id}" in actions(reply), (item.id, lang)


# ─────────────────────────── off-topic and unknown questions ───────────────────────────

OFF_TOPIC = [
    "what's the weather in Chongqing",
    "tell me a joke",
    "best hotel near the airport",
    "who won the football game",
    "讲个笑话",
    "quel temps fait-il à Chongqing ?",
]


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_question_is_declined(assistant: Assistant, question: str) -> None:
    reply = assistant.answer(question)
    assert reply.intent is None
    assert reply.kind in (FALLBACK, SUGGEST)
    assert MENU in actions(reply)


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather in Chongqing",
        "tell me a joke",
        "best hotel near the airport",
        "who won the football game",
        "讲个笑话",
    ],
)
def test_declined_off_topic_question_offers_menu_and_coordinator(
    assistant: Assistant, question: str
) -> None:
    reply = assistant.answer(question)
    assert reply.intent is None
    assert MENU in actions(reply)
    assert COORDINATOR in actions(reply)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fallback_offers_menu_coordinator_and_signup(assistant: Assistant, lang: str) -> None:
    reply = assistant.fallback(lang)
    assert (reply.intent, reply.kind, reply.language) == (None, FALLBACK, lang)
    assert actions(reply) == [MENU, COORDINATOR, SIGNUP]
    assert reply.text == assistant.texts.get("fallback", lang)


@pytest.mark.parametrize("question", ["", "   ", "???", "🙂"])
def test_empty_or_meaningless_question_is_declined(assistant: Assistant, question: str) -> None:
    reply = assistant.answer(question)
    assert (reply.intent, reply.kind) == (None, FALLBACK)
    assert reply.text


@pytest.mark.parametrize(
    ("question", "lang", "intent", "honest"),
    [
        ("what is the application deadline", "en", "application-deadline", "publish"),
        ("申请截止日期是什么时候", "zh", "application-deadline", "公布"),
        ("quelle est la date limite de candidature", "fr", "application-deadline", "publi"),
        ("do I need a visa", "en", "visa", "publish"),
        ("需要签证吗", "zh", "visa", "公布"),
        ("ai-je besoin d'un visa", "fr", "visa", "publi"),
    ],
)
def test_unknown_but_on_topic_is_answered_honestly(
    assistant: Assistant, question: str, lang: str, intent: str, honest: str
) -> None:
    reply = assistant.answer(question)
    assert (reply.intent, reply.kind, reply.language) == (intent, ANSWER, lang)
    assert honest in reply.text  # "not published" / "没有公布" / "n'est publiée"
    assert COORDINATOR in actions(reply)
    assert SIGNUP in actions(reply)


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("on est noté sur quoi pendant le stage ?", "assessment"),
        ("est-ce qu'on a une machine à laver à la résidence ?", "room-details"),
        ("faut souscrire une mutuelle pour partir ?", "insurance-details"),
    ],
)
def test_a_french_unknown_in_everyday_words_gets_the_honest_reply(
    assistant: Assistant, question: str, intent: str
) -> None:
    """Issue 18 (session 8): needs the pages do not answer, said as French students say them
    ("noté", "machine à laver" was read "machine à l'avec", "mutuelle")."""
    reply = assistant.answer(question)
    assert reply.text == assistant.topic_reply(intent, "fr").text
    assert "ne d" in reply.text  # "Les pages du programme ne disent / ne décrivent pas …"
    assert COORDINATOR in actions(reply)


@pytest.mark.parametrize(
    ("question", "honest"),
    [("visa for coming over?", "publish"), ("签证要怎么弄才能过来", "公布")],
)
def test_an_unsure_not_published_topic_gets_the_honest_reply_not_a_did_you_mean(
    assistant: Assistant, question: str, honest: str
) -> None:
    reply = assistant.answer(question)
    assert (reply.intent, reply.kind) == ("visa", ANSWER)
    assert honest in reply.text
    assert COORDINATOR in actions(reply)


@pytest.mark.parametrize(
    "question",
    ["how do I get a Schengen visa to visit Germany on holiday", "去日本旅游签证怎么办"],
)
def test_a_tourist_visa_question_is_still_declined(assistant: Assistant, question: str) -> None:
    assert assistant.answer(question).intent is None


# ─────────────────────────────────── did you mean ───────────────────────────────────


def test_did_you_mean_offers_at_most_three_topics_and_the_menu(assistant: Assistant) -> None:
    config = assistant.config
    score = (config.suggest_threshold + config.answer_threshold) / 2
    topics = ["duration", "fees", "housing", "places", "institutes", "programme-contents"]
    candidates = tuple(Candidate(t, score, 1.0, 1.0) for t in topics)
    reply = assistant.reply_to_match(Match("en", candidates), "en")
    assert (reply.intent, reply.kind) == (None, SUGGEST)
    assert reply.text == assistant.texts.get("did_you_mean", "en")
    expected = [f"topic:{t}" for t in topics[:MAX_SUGGESTIONS]] + [COORDINATOR, MENU]
    assert actions(reply) == expected


VAGUE = [
    "fee housing duration",
    "something about research",
    "what's the weather in Chongqing",
    "tell me a joke",
    "best hotel near the airport",
    "what can you do",
    "天气怎么样",
    "what is the capital of France",
    "recommend a good restaurant",
    "clinical stuff",
    "hospital lab research",
    "Wie lange dauert das Austauschprogramm",
    "frais logement durée",
    "disciplines labs specialties",
]


def test_real_did_you_mean_replies_stay_short(assistant: Assistant) -> None:
    suggested = 0
    for question in VAGUE:
        reply = assistant.answer(question)
        if reply.kind != SUGGEST:
            continue
        suggested += 1
        assert reply.intent is None
        assert 3 <= len(reply.buttons) <= MAX_SUGGESTIONS + 2, question
        assert actions(reply)[-1] == MENU, question
        assert MENU not in actions(reply)[:-1], question
        assert len(set(actions(reply))) == len(reply.buttons), question
    assert suggested, "none of the vague questions got a 'did you mean' reply"


# ──────────────────────────── every reply Telegram can send ────────────────────────────


def test_every_reply_is_non_empty_and_fits_one_message(assistant: Assistant) -> None:
    for topic in all_topics(assistant):
        for lang in LANGUAGES:
            reply = assistant.topic_reply(topic, lang)
            assert reply.text.strip(), (topic, lang)
            assert len(reply.text) <= TELEGRAM_MAX_TEXT, (topic, lang, len(reply.text))
            assert reply.buttons, (topic, lang)
            assert all(b.label.strip() for b in reply.buttons), (topic, lang)
    for lang in LANGUAGES:
        for key in ("fallback", "did_you_mean"):
            assert 0 < len(assistant.texts.get(key, lang)) <= TELEGRAM_MAX_TEXT


ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "span",
    "tg-spoiler",
}
ALLOWED_ENTITIES = {"lt", "gt", "amp", "quot"}
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z-]*(?:\s[^<>]*)?>")
_ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


class _TelegramHTML(HTMLParser):
    """Collects what Telegram's HTML parse mode would reject."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed")
        names = dict(attrs)
        if tag == "a" and not names.get("href"):
            self.problems.append("<a> without href")
        if tag == "span" and names.get("class") != "tg-spoiler":
            self.problems.append("<span> must be class=tg-spoiler")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/> is not allowed")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in ALLOWED_ENTITIES:
            self.problems.append(f"entity &{name}; is not supported")

    def handle_comment(self, data: str) -> None:
        self.problems.append("HTML comment")


def telegram_html_problems(text: str) -> list[str]:
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    problems = parser.problems + [f"unclosed <{tag}>" for tag in parser.open]
    bare = set(_ENTITY.sub("", _TAG.sub("", text))) & set("<>&")
    if bare:
        problems.append(f"bare {' '.join(sorted(bare))} (write &lt; &gt; &amp;)")
    return problems


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ('<b>Fees</b> &amp; <a href="https://x.org">more</a> &lt;3', True),
        ('<span class="tg-spoiler">x</span><blockquote>q</blockquote>', True),
        ("<div>no</div>", False),
        ("<b>unclosed", False),
        ("<b><i>crossed</b></i>", False),
        ("fish & chips", False),
        ("5 < 6", False),
        ("6 > 5", False),
        ("&nbsp;", False),
        ("<br/>", False),
    ],
)
def test_html_checker(text: str, ok: bool) -> None:
    assert (telegram_html_problems(text) == []) is ok, telegram_html_problems(text)


def test_answers_use_only_telegram_html(assistant: Assistant) -> None:
    problems = {}
    for topic in all_topics(assistant):
        for lang in LANGUAGES:
            found = telegram_html_problems(assistant.topic_reply(topic, lang).text)
            if found:
                problems[(topic, lang)] = found
    for lang in LANGUAGES:
        for key in ("fallback", "did_you_mean"):
            found = telegram_html_problems(assistant.texts.get(key, lang))
            if found:
                problems[(key, lang)] = found
    assert not problems


# ─────────────────────────── regression gates on the eval sets ───────────────────────────

# Regression floors, NOT the acceptance targets. Each floor sits 3-5 points below the figure
# measured when it was set (`python -m bot eval FILE --no-misses`, in the comments), so that a
# change making matching clearly worse fails here while the noise of one or two questions does
# not. Raise them as matching improves; do not lower them to let a change pass.
# Reset for issue 9 (hybrid lexical + meaning matching, calibrated on dev, dev2 and real-dev):
# accuracy up everywhere, off-topic rejection on dev2 down (a deliberate trade, see BENCHMARKS.md).
DEV_FLOORS = {
    "en": 0.95,  # 99.3 % (148/149)
    "zh": 0.94,  # 98.5 % (134/136)
    "fr": 0.95,  # 99.3 % (134/135)
    "rejection": 0.97,  # 100 % (65/65) session 10 (scope10: places); 96.9 % session 5
    "language": 0.99,  # 99.4 % (482/485) issue 18 session 9 (off9: elisions); 98.8 %
}
DEV2_FLOORS = {
    "en": 0.94,  # 98.3 % (59/60)
    "zh": 0.94,  # 98.3 % (59/60)
    "fr": 0.90,  # 95.0 % (57/60) with issue 18's aliases (93.3 % with its comparisons)
    "rejection": 0.96,  # 97.2 % (175/180) with career advice (session 14; 96.1 % session 13)
    "language": 0.96,  # 99.4 % (358/360)
}
HOLDOUT_FLOORS = {
    "en": 0.90,  # 95.0 % (115/121)
    "zh": 0.91,  # 95.8 % (114/119)
    "fr": 0.91,  # 95.7 % (112/117)
    "rejection": 0.90,  # 90.4 % (47/52)
    "language": 0.97,  # 99.8 % (408/409)
}
# How students really write (situational, concept, two-part, abbreviations, not listed,
# off-topic in the programme's words, chatty): real-dev is calibrated on, real-holdout never.
# Recalibrated on real-dev2 too, with 222 more out-of-scope examples and 626 colloquial
# examples: real-dev en and fr rose, zh lost 3 questions (90.9 -> 84.1 %) and off-topic one.
REAL_DEV_FLOORS = {
    "en": 0.93,  # 98.0 % (49/50) concept10; 94.0 % (47/50)
    "zh": 0.86,  # 90.9 % (40/44) with issue 18's aliases (was 88.6 %)
    "fr": 0.90,  # 95.5 % (42/44) with French needs and examples (issue 18, session 7; was 88.6)
    "rejection": 0.93,  # 97.3 % (36/37) after issue 18 session 5 (94.6 % in session 4)
    "language": 0.97,  # 100.0 % (175/175)
    "kind:two-part": 0.86,  # 93.3 % (14/15): one question asking two things read like a letter
    "kind:not-listed": 0.90,  # 100.0 % (12/12)
    "kind:abbreviation": 0.90,  # 94.4 % (17/18) with issue 18's aliases (was 88.9 %)
}
REAL_HOLDOUT_FLOORS = {
    "en": 0.83,  # 88.6 % (39/44)
    "zh": 0.95,  # 100 % (41/41) session 9; 97.6 %
    "fr": 0.85,  # 90.2 % (37/41)
    "rejection": 0.85,  # 89.5 % (17/19) after issue 18 (78.9 % before)
    "language": 0.97,  # 100.0 % (145/145)
    "kind:two-part": 0.90,  # 100.0 % (15/15)
    "kind:not-listed": 0.83,  # 91.7 % (11/12)
}
# Off-topic declined 92.6 -> 87.0 % with the colloquial examples (on-topic en +2, zh +2, fr +7).
REAL_DEV2_FLOORS = {
    "en": 0.90,  # 94.7 % (72/76) with a piece deferring to the whole message (rank5; was 92.1)
    "zh": 0.88,  # 93.4 % (71/76) (issue 18, rank5; 89.5 % with issue 18's aliases)
    "fr": 0.95,  # 98.7 % (75/76) with French needs (issue 18, session 7; was 97.4 %)
    "rejection": 0.98,  # 100 % (54/54) with which ranking to trust (session 14; 98.1 % s6)
    "language": 0.97,  # 100.0 % (282/282)
    "kind:two-part": 0.87,  # 90.0 % (27/30): one question asking two things read like a letter
    "kind:not-listed": 0.85,  # 91.7 % (22/24)
    "kind:abbreviation": 0.93,  # 96.7 % (29/30) with issue 18's aliases (was 90.0 %)
}
REAL_HOLDOUT2_FLOORS = {
    "en": 0.86,  # 90.8 % (69/76) session 9; 89.5 %
    "zh": 0.82,  # 86.8 % (66/76)
    "fr": 0.79,  # 84.2 % (64/76)
    "rejection": 0.85,  # 90.7 % (49/54)
    "language": 0.97,  # 100.0 % (282/282)
    "kind:two-part": 0.63,  # 70.0 % (21/30)
    "kind:not-listed": 0.8,  # 87.5 % (21/24)
}


# Issue 18: sets written by independent writers from the two programme pages only (never by
# the person tuning); *-dev calibrated on, *-holdout never. Floors 3-5 points below the figure
# after issue 18 (the first held-out figures, before it, are in BENCHMARKS.md).
# en 84.3 -> 87.0 % with a piece of a message deferring to the whole message (issue 18, rank5)
# en 89.8 % (session 7), off-topic 100 %, reply language 99.2 % (off8, session 8); 91.7 % concept10
INDEP_EN_DEV_FLOORS = {"en": 0.88, "rejection": 0.83, "language": 0.98}
# held-out figures at session 8's end: en 76.9, fr 77.8, zh 83.6 %; typos 90.0 / 83.3 / 90.0 %
# (session 7: en 76.9, fr 75.9, zh 84.5)
# (session 6: en 75.9; typos 93.3 / 83.3 / 93.3: those floors kept)
INDEP_EN_HOLDOUT_FLOORS = {"en": 0.76, "rejection": 0.83, "language": 0.94}  # 78.7 (s9), 83.3, 96.7
# indep-fr-dev fr 84.3 -> 87.0 % with issue 18's aliases; rejection 91.7 % with issue 18's other
# institutions (was 83.3 %)
# fr 87.0 -> 89.8 % with French chat reading (emoticons, chatter ends a clause, c koi) and
# "neuro" (session 6); 87.0 -> 88.9 % with a piece of a message deferring to the whole message
# (issue 18, rank5, before the merge)
INDEP_FR_DEV_FLOORS = {"fr": 0.92, "rejection": 0.9, "language": 0.96}  # 96.3 (concept10), 100, 100
INDEP_FR_HOLDOUT_FLOORS = {"fr": 0.77, "rejection": 0.91, "language": 0.96}  # 79.6 s10, 91.7, 99.2
# rejection 100 % with issue 18's other institutions (was 90.0 %)
INDEP_ZH_DEV_FLOORS = {"zh": 0.88, "rejection": 0.9, "language": 0.96}  # 90.0 (s8), 100, 100
INDEP_ZH_HOLDOUT_FLOORS = {"zh": 0.81, "rejection": 0.90, "language": 0.96}  # 84.5, 100, 99.2
# Four or more typos in 6-10 words (zh: pinyin homophones), 30 questions a language.
TYPOS_DEV_FLOORS = {"en": 0.85, "zh": 0.95, "fr": 0.90}  # 90.0, 96.7 (session 9), 93.3 (chat13)
TYPOS_HOLDOUT_FLOORS = {"en": 0.88, "zh": 0.79, "fr": 0.88}  # 93.3, 83.3, 93.3
# Round 2 single questions by independent writers (en, fr, zh), merged; a dev set, first scored
# in issue 18 session 4 as the check of the items' descriptions written before it was read
# (58.9 % of all rows before them, 67.8 % after, on main with typos3 merged).
# 79.6, 70.4, 53.7, 66.7 %; with the comparisons (issue 18, session 4): 79.6, 79.6, 63.0, 66.7 %,
# comparisons 83.3 % (15/18; 38.9 % before); off-topic 66.7 -> 83.3 % (15/18) with issue 18's
# other institutions (session 4); fr 68.5 -> 72.2 % and indirect names 75.0 -> 79.2 % with the
# aliases (issue 18, session 4); fr 70.4 -> 74.1 % and chatty 76.7 -> 83.3 % (80.0 % with
# decide4 and zh4 merged) with issue 17's chat reading (emoji ends a sentence, asides; session 5);
# fr 75.9 -> 79.6 %, indirect names 79.2 -> 83.3 % with French chat reading and "neuro"
# (session 6)
QUESTIONS_DEV2_FLOORS = {
    "en": 0.84,  # 87.0 % (47/54) with the decision of session 7
    "zh": 0.75,
    "fr": 0.81,  # 85.2 % (46/54) with French needs and examples (session 7; was 79.6 %)
    "kind:chatty": 0.85,  # session 6: leads into the question, chat spellings: 80.0 -> 86.7 %
    "kind:indirect-name": 0.88,  # 91.7 % (22/24) the American partner without its name (concept9)
    "rejection": 0.94,  # 100 % (18/18) with issue 18 session 6 (94.4 % with the general questions)
    "kind:comparison": 0.94,  # session 5: options in other words, 15/18 -> 17/18
    "kind:situational": 0.80,  # 83.3 % (30/36) session 9 (69.4 % with the decision of session 7)
    "kind:concept": 0.90,  # 93.3 % (28/30) session 9
}

# Round 4 single questions by four independent writers (session 6), a dev set: first scored on
# main 9d227cb: off-topic 70.8 %, unknown 90.6 %; with issue 18 session 6 (partners' own offer,
# short forms and enrolling elsewhere, translation and writing requests): 100 %, 96.9 %.
QUESTIONS_DEV3_FLOORS = {
    "en": 0.83,  # 85.2 % (92/108) with the English askers' families (session 7; was 79.6 %)
    "zh": 0.88,  # 90.7 % (49/54) session 8 pair8 (was 77.8 %, 42/54)
    "fr": 0.90,  # 92.6 % (50/54) session 8 pair8 (was 85.2 %, 46/54)
    "rejection": 0.95,  # 100 % (24/24)
    "kind:unknown": 0.93,  # 96.9 % (31/32)
    "kind:comparison": 0.91,  # 95.8 % (23/24) choices said in more words (session 8 pair8)
    "kind:concept": 0.92,  # 95.0 % (38/40) a name said apart (concept9; was 92.5 %)
    "kind:indirect-name": 0.90,  # 93.8 % (30/32) the American partner (concept9; was 87.5 %)
    "kind:situational": 0.74,  # 77.1 % (37/48) session 9
}

# Round 5 (session 7): seven more independent writers, first scored on main 78.8 % (331/420).
# Issue 18 session 7 (off7): off-topic 88.1 -> 97.6 %, unknown 85.7 -> 92.9 %, zh 73.1 -> 75.0 %.
QUESTIONS_DEV4_FLOORS = {
    "en": 0.87,  # 90.1 % (146/162) concept10; 87.0 % with the English askers' families (s7)
    "zh": 0.85,  # 87.0 % (94/108) session 9 zh9; 85.2 % session 8 zh8 (78.7 % before)
    "fr": 0.90,  # 93.5 % (101/108) concept10; 90.7 % session 8 pair8
    "rejection": 0.97,  # 100 % (42/42) session 10 (scope10: places); 97.6 % (41/42) off7
    "kind:unknown": 0.94,  # 96.4 % (54/56) off8 (was 94.6 %; 92.9 % off7)
    "kind:situational": 0.80,  # 83.3 % (70/84) concept10; 82.1 % concept9 (67.9 % session 7)
    "kind:concept": 0.92,  # 95.7 % (67/70) concept10; 94.3 % a name said apart (concept9)
    "kind:indirect-name": 0.87,  # 91.1 % (51/56) concept10's OB/OBG; 87.5 % concept9
    "kind:comparison": 0.90,  # 92.9 % (39/42) choices said in more words (session 8 pair8)
}

# Round 3 single questions by four independent writers: a validation set in sessions 5 to 8 (its
# misses were not read; a dev set since session 9), first scored on main in session 5:
# 64.8 / 70.4 / 70.4 %, off-topic 91.7 %.
# Session 5 (compare4): comparisons 62.5 -> 75.0 % (aggregate only).
# en 68.5 -> 70.4, fr 74.1 -> 79.6 %, chatty 57.5 -> 70.0 % with issue 17's chat reading
# (session 5, email4: aggregate figures only); fr 81.5 -> 83.3 %, chatty 72.5 -> 75.0 % with
# French chat reading and "neuro" (session 6, aggregate only); 76.2 -> 77.1 % of all rows with a
# piece of a message deferring to the whole message (rank5, before the merge): en 72.2, zh 75.9
QUESTIONS_DEV5_FLOORS = {
    "en": 0.77,  # 77.8 % (84/108) issue 18 session 9: the asker's field beside two programmes
    "zh": 0.83,  # 85.2 % (46/54) session 9 zh9 (81.5 % at its start); 79.6 % session 7
    "fr": 0.88,  # 88.9 % (48/54) issue 18 session 9 (was 87.0 %)
    "rejection": 0.95,  # 100 % (24/24) with issue 18 session 8 (aggregate only; was 95.8 %)
    "language": 0.99,  # 100 %
    "kind:unknown": 0.90,  # 93.8 % (30/32) issue 18 session 9 (off9); 87.5 % session 7
    "kind:chatty": 0.70,
    "kind:comparison": 0.91,  # 91.7 % (22/24) issue 18 session 9 (was 79.2 %)
    "kind:situational": 0.72,  # 75.0 % (36/48) concept9 (72.9 % before; 70.8 % session 7)
    "kind:concept": 0.87,  # 90.0 % (36/40) session 9
    "kind:indirect-name": 0.87,  # 90.6 % (29/32) the American partner (concept9; was 84.4 %)
}

# Round 6 single questions by seven independent writers (Nigerian, German, Vietnamese, Moroccan,
# Cameroonian, Hong Kong, Dongbei): a VALIDATION set (never tuned on; its misses are not read),
# first scored on main in session 8: all 85.0 %, en 87.0 / zh 82.4 / fr 81.5 %, off-topic 92.9 %.
QUESTIONS_VAL2_FLOORS = {
    "en": 0.85,  # 87.0 % (141/162)
    "zh": 0.86,  # 88.9 % (96/108) session 9; 85.2 % session 8 zh8; 82.4 % (89/108)
    "fr": 0.79,  # 81.5 % (88/108)
    "rejection": 0.90,  # 92.9 % (39/42)
    "language": 0.98,  # 100 %
    "kind:unknown": 0.83,  # 85.7 % (48/56)
    "kind:situational": 0.73,  # 75.0 % (63/84)
    "kind:indirect-name": 0.86,  # 89.3 % (50/56) concept9 (85.7 %, 48/56, before; aggregate only)
}


# Round 7 single questions by three independent writers (an Indian pathology resident, a Québécois
# public-health PhD, a Taiwanese nursing student): a VALIDATION set (never tuned on; its misses are
# not read), first scored on main in session 11: all 85.0 %, en 88.9 / zh 77.8 / fr 88.9 %,
# off-topic 83.3 %.
# Round 8 (session 12: a Brazilian nursing student, a Senegalese resident, a Chengdu student):
# first scored on main 85.0 % (153/180)
QUESTIONS_DEV6_FLOORS = {
    "en": 0.87,  # 89.3 % (50/56) session 12 (two12); 87.5 % (yesno12); 85.7 % first
    "zh": 0.91,  # 92.9 % (52/56) session 12's end (yesno12); 87.5 % first
    "fr": 0.85,  # 87.5 % (49/56) session 12 (two12); 85.7 % (yesno12); 83.9 % first
    "rejection": 0.95,  # 100 % (12/12) with who is asking (session 13); 75.0 % (9/12) first
    "language": 0.98,  # 100 %
}

QUESTIONS_DEV7_FLOORS = {
    "en": 0.87,  # 89.3 % (50/56) session 13's end; 83.9 % (off13); 82.1 % first
    "zh": 0.94,  # 96.4 % (54/56) first
    "fr": 0.87,  # 89.3 % (50/56) session 13's end; 87.5 % first
    "rejection": 0.88,  # 91.7 % (11/12) session 13 (off13: revising for exams); 83.3 % first
    "language": 0.98,  # 100 %
}

QUESTIONS_VAL3_FLOORS = {
    "en": 0.86,  # 88.9 % (32/36)
    "zh": 0.75,  # 77.8 % (28/36)
    "fr": 0.86,  # 88.9 % (32/36)
    "rejection": 0.75,  # 83.3 % (10/12)
    "language": 0.98,  # 100 %
}


# Round 10 (session 14: a Nigerian MPH student, a paediatrics resident in Dakar, a Malaysian
# Chinese master's student): first scored on main 87.2 % (157/180)
QUESTIONS_DEV8_FLOORS = {
    "en": 0.89,  # 91.2 % (52/57) session 14's end; 93.0 % first
    "zh": 0.85,  # 87.7 % (50/57) session 14's end; 86.0 % first
    "fr": 0.80,  # 82.5 % (47/57) session 14's end; 80.7 % first
    "rejection": 0.88,  # 100 % (9/9)
    "language": 0.98,  # 99.4 %
}

# Round 10, a VALIDATION set (a German neuroscience PhD, a Belgian pharmacy PhD, a Hong Kong
# nursing student writing Cantonese): first scored on main 87.2 % (157/180), the same at the end
QUESTIONS_VAL4_FLOORS = {
    "en": 0.89,  # 91.2 % (52/57)
    "zh": 0.80,  # 82.5 % (47/57)
    "fr": 0.84,  # 86.0 % (49/57)
    "rejection": 0.88,  # 100 % (9/9)
    "language": 0.98,  # 100 %
}


def _figures(report: Report) -> dict[str, float]:
    figures = {lang: report.accuracy(lang) for lang in LANGUAGES}
    figures["rejection"] = report.rejection
    figures["language"] = report.language_accuracy
    figures.update({f"kind:{tag}": report.kind_accuracy(tag) for tag in report.kind_total})
    return figures


@pytest.mark.parametrize(
    ("file", "floors"),
    [
        ("dev.yaml", DEV_FLOORS),
        ("dev2.yaml", DEV2_FLOORS),
        ("holdout.yaml", HOLDOUT_FLOORS),
        ("real-dev.yaml", REAL_DEV_FLOORS),
        ("real-holdout.yaml", REAL_HOLDOUT_FLOORS),
        ("real-dev2.yaml", REAL_DEV2_FLOORS),
        ("real-holdout2.yaml", REAL_HOLDOUT2_FLOORS),
        ("indep-en-dev.yaml", INDEP_EN_DEV_FLOORS),
        ("indep-en-holdout.yaml", INDEP_EN_HOLDOUT_FLOORS),
        ("indep-fr-dev.yaml", INDEP_FR_DEV_FLOORS),
        ("indep-fr-holdout.yaml", INDEP_FR_HOLDOUT_FLOORS),
        ("indep-zh-dev.yaml", INDEP_ZH_DEV_FLOORS),
        ("indep-zh-holdout.yaml", INDEP_ZH_HOLDOUT_FLOORS),
        ("typos-dev.yaml", TYPOS_DEV_FLOORS),
        ("typos-holdout.yaml", TYPOS_HOLDOUT_FLOORS),
        ("questions-dev2.yaml", QUESTIONS_DEV2_FLOORS),
        ("questions-dev3.yaml", QUESTIONS_DEV3_FLOORS),
        ("questions-dev4.yaml", QUESTIONS_DEV4_FLOORS),
        ("questions-dev5.yaml", QUESTIONS_DEV5_FLOORS),
        ("questions-dev6.yaml", QUESTIONS_DEV6_FLOORS),
        ("questions-dev7.yaml", QUESTIONS_DEV7_FLOORS),
        ("questions-val2.yaml", QUESTIONS_VAL2_FLOORS),
        ("questions-val3.yaml", QUESTIONS_VAL3_FLOORS),
        ("questions-dev8.yaml", QUESTIONS_DEV8_FLOORS),
        ("questions-val4.yaml", QUESTIONS_VAL4_FLOORS),
    ],
)
def test_evaluation_set_stays_above_its_regression_floors(
    assistant: Assistant, file: str, floors: dict[str, float]
) -> None:
    cases = load_cases(EVAL / file)
    assert not unknown_ids(cases, assistant)
    figures = _figures(evaluate(assistant, cases))
    below = {
        name: f"{figures[name]:.1%} < floor {floor:.0%}"
        for name, floor in floors.items()
        if figures[name] < floor
    }
    assert not below, below


# ───────────────────── issue 18: spelling, regional words, choices ─────────────────────


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("infection n immunity or the lipid lab", "infection and immunity or the lipid lab"),
        ("abeg wetin una get for phd", "please what you get for phd"),
        ("je n ai pas de bourse", "je n ai pas de bourse"),  # French's n' stays
        ("is a ct scan part of it", "is a ct scan part of it"),  # a name's word stays
    ],
)
def test_a_shorthand_is_read_in_its_own_language(
    assistant: Assistant, typed: str, read: str
) -> None:
    assert assistant.matcher.spelt(typed) == read


@pytest.mark.parametrize(
    ("message", "asking"),
    [
        ("ngl long day at the clinic haha but fr how long can i stay", "how long can i stay"),
        ("刚下班好累😂 所以想问一下住宿要钱吗", "住宿要钱吗"),
        ("中法项目到底是干嘛的", "中法项目到底是干嘛的"),  # mid-clause 到底 keeps its subject
        ("my prof asked me to check the fee", "my prof asked me to check the fee"),
    ],
)
def test_small_talk_before_a_lead_is_not_the_asking_part(
    assistant: Assistant, message: str, asking: str
) -> None:
    assert assistant.matcher.asking_part(message) == asking


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("a colleague told me", "a colleague told me"),  # not "cold"
        ("je connais rien a la chine", "je connais rien a la chine"),  # not "compte"
        ("the fess for the exchnage", "the fees for the exchange"),  # typos still corrected
        ("good morning sir", "good morning sir"),  # a common three-letter word: not "six"
        ("i saw a pic of the lab", "i saw a pic of the lab"),  # not "say a pick"
        ("en troisieme bac", "en troisieme bac"),  # not "back"
        ("the vsa for the stay", "the visa for the stay"),  # a rare short word is corrected
    ],
)
def test_a_common_word_is_no_typo(assistant: Assistant, typed: str, read: str) -> None:
    assert assistant.matcher.spelt(typed) == read


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("mais c koi ce programme", "mais c est quoi ce programme"),  # a lone c is c'est
        ("c est possible", "c est possible"),  # … not before the verb it has
        ("je connais rien mdr", "je connais rien mdr"),  # chatter is no typo (not "mer")
        ("le kot est payant", "le logement est payant"),  # regional words: Belgium's kot
        ("pis le stage", "puis le stage"),  # Québec's pis is puis, not "pas"
    ],
)
def test_french_chat_is_read_as_the_knowledge_base_writes(
    assistant: Assistant, typed: str, read: str
) -> None:
    assert assistant.matcher.spelt(typed) == read


def test_a_sound_is_heard_in_the_messages_language(assistant: Assistant) -> None:
    spelt = assistant.matcher.spelt("i am eating a servo pie so what is the program")
    assert spelt == "i am eating a servo pie so what is the program"  # not "cerveau"
    assert assistant.matcher.spelt("classes taught in englsh") == "classes taught in english"


def test_an_emoticon_and_chatter_end_a_clause_of_the_asking_part(assistant: Assistant) -> None:
    asking = assistant.matcher.asking_part("salut :) bon j'avoue mdr mais c koi ce programme ?")
    assert asking == "mais c koi ce programme ?"
    assert "https://x.fr" in assistant.matcher.asking_part("c quoi https://x.fr ?")


def test_a_clipped_field_name_is_read_whole(assistant: Assistant) -> None:
    assert assistant.matcher.spelt("un doctorat en stomato") == "un doctorat en stomatologie"
    assert assistant.matcher.spelt("a strong lab") == "a strong lab"  # not "strongest"
    assert assistant.answer("un doctorat en stomato, ça existe ?").intent == "stomatology"


def test_taiwanese_word_for_the_icu_answers_the_icu(assistant: Assistant) -> None:
    reply = assistant.answer("我是住院醫師，想去加護病房見習，有開放嗎？")
    assert reply.text == assistant.topic_reply("intensive-care-unit", "zh").text


@pytest.mark.parametrize(
    "question", ["can I do pediatrics or neonatology?", "pédiatrie ou néonatologie ?"]
)
def test_a_choice_between_two_specialties_answers_both(assistant: Assistant, question: str) -> None:
    reply = assistant.answer(question)
    assert reply.topics == ("pediatrics", "neonatology")
    for topic in reply.topics:
        assert assistant.topic_reply(topic, reply.language).text in reply.text


@pytest.mark.parametrize(
    ("question", "topics"),
    [
        # described rather than named; clipped names; topics rather than items
        (
            "the kids' ICU or the newborn ward, which is better?",
            ("pediatric-intensive-care", "neonatology"),
        ),
        ("la neuro ou la pédia, laquelle ?", ("neurology", "pediatrics")),
        ("cardio vs neuro for a 4 week observership?", ("cardiovascular-medicine", "neurology")),
        ("is housing or the programme fee the bigger cost?", ("housing", "fees")),
        ("住宿和项目费，哪个花钱多？", ("housing", "fees")),
        # facts of two programmes are no choice; a name with "and" in it is one option
        ("想问一下重医和斯特拉斯堡大学是哪一年签的合作协议？", ("strasbourg-partnership",)),
        ("which lab works on infection and immunity?", ("infection-immunity",)),
    ],
)
def test_options_said_in_other_words_than_their_names_are_each_answered(
    assistant: Assistant, question: str, topics: tuple[str, ...]
) -> None:
    reply = assistant.answer(question)
    assert reply.topics == topics
    for topic in reply.topics:
        assert assistant.topic_reply(topic, reply.language).text in reply.text


@pytest.mark.parametrize(
    "question",
    ["which is longer, the CSC or the exchange?", "CSC项目和交流项目哪个时间更长？"],
)
def test_the_programmes_compared_on_a_fact_get_it_for_each(
    assistant: Assistant, question: str
) -> None:
    reply = assistant.answer(question)
    lang = reply.language
    assert (reply.intent, reply.kind) == ("duration", ANSWER)
    programmes = assistant.kb.programmes.programmes
    assert reply.text.index(programmes["csc"].name[lang]) < reply.text.index(
        programmes["exchange"].name[lang]
    )  # in the order named, the CSC's "not published", then the exchange's duration
    assert assistant.topic_reply("duration", lang).text in reply.text


@pytest.mark.parametrize(
    ("question", "topic", "kind"),
    [
        ("呢個項目係咪要交學費㗎？", "fees", ANSWER),
        ("宿舍使唔使俾錢㗎？", "housing", ANSWER),
        # the self-description 我係護士 is a preamble once 係 reads 是; 急诊 is no typo of 几诊
        ("我係護士，重醫有冇急症室可以去睇下？", "hospital-specialties", "not_listed"),
    ],
)
def test_cantonese_questions_are_read_in_mainland_words(
    assistant: Assistant, question: str, topic: str, kind: str
) -> None:
    reply = assistant.answer(question)
    assert (reply.kind, reply.intent) == (kind, topic)


def test_a_cantonese_word_is_replaced_only_where_it_is_one(assistant: Assistant) -> None:
    mainland = assistant.matcher.standard
    assert mainland("兩間學校係咩關係？") == "两间学校是什么关系？"  # 關係 is no 關是; simplified
    assert mainland("这两个院系有什么联系") == "这两个院系有什么联系"  # simplified 系 stays
    assert mainland("Is it free?") == "Is it free?"
    assert mainland("你哋啲宿舍係點㗎？") == "你们的宿舍是怎么样啊？"  # 啲 after a pronoun: 的
    assert mainland("學費係點樣？") == "学费是怎么样？"  # not 是怎么样樣: the longer word first
    assert mainland("啥子时候开始，莫得名额了吗") == "什么时候开始，没有名额了吗"  # Sichuanese


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("有没有 public health 的master？", "有没有 公共卫生 的硕士？"),  # terms of the table
        ("普外科 general surgery 可以去吗", "普外科 general surgery 可以去吗"),  # a name stays
        ("我想问一下, can I join a lab there?", "我想问一下, can I join a lab there?"),
        ("我是 self-funded 的，钱不多", "我是 自费 的，钱不多"),  # a hyphen joins words
        ("我做过 follow-up 的工作", "我做过 follow-up 的工作"),  # no term: stays
        ("宿舍有冲凉房吗", "宿舍有浴室吗"),  # Malaysian / Cantonese
    ],
)
def test_english_terms_in_a_chinese_clause_are_read_in_chinese(
    assistant: Assistant, typed: str, read: str
) -> None:
    assert assistant.matcher.standard(typed) == read


def test_a_short_form_in_capitals_is_no_typo_in_chinese(assistant: Assistant) -> None:
    assert assistant.matcher.spelt("我是PGY，想来交流") == "我是 pgy 想来交流"  # no "pay"


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("jsuis en 2e année, c koi ?", "je suis en 2e annee c est quoi"),  # c: c'est (session 6)
        ("derm or ortho?", "derm or ortho"),  # not-listed fields keep their short names
    ],
)
def test_chat_shorthand_is_written_out(assistant: Assistant, typed: str, read: str) -> None:
    assert assistant.matcher.spelt(typed) == read


def test_shorthand_must_write_out_words_of_the_knowledge_base(tmp_path: Path) -> None:
    from bot.content.knowledge import KnowledgeError
    from bot.settings import REPOSITORY

    for source in (REPOSITORY / "knowledge").glob("*.yaml"):
        (tmp_path / source.name).write_text(source.read_text("utf-8"), "utf-8")
    matching = tmp_path / "matching.yaml"
    text = matching.read_text("utf-8").replace("pls: please,", "pls: pleasezzz,")
    matching.write_text(text, "utf-8")
    with pytest.raises(KnowledgeError, match="shorthand"):
        Assistant.load(tmp_path, REPOSITORY / "conversations", semantic=False)


def test_a_regional_word_must_map_to_a_word_of_the_knowledge_base(tmp_path: Path) -> None:
    from bot.content.knowledge import KnowledgeError
    from bot.settings import REPOSITORY

    for source in (REPOSITORY / "knowledge").glob("*.yaml"):
        (tmp_path / source.name).write_text(source.read_text("utf-8"), "utf-8")
    matching = tmp_path / "matching.yaml"
    matching.write_text(
        matching.read_text("utf-8").replace("  揀: 选\n", "  揀: 揀選喵\n"), "utf-8"
    )
    with pytest.raises(KnowledgeError, match="regional"):
        Assistant.load(tmp_path, REPOSITORY / "conversations", semantic=False)


@pytest.mark.parametrize(
    "question",
    [
        "帮我把“免费住宿”翻译成韩语",
        "how do you say clinical clerkship in Spanish?",
        "traduis stage en chinois",
    ],
)
def test_a_translation_request_is_declined_whatever_it_names(
    assistant: Assistant, question: str
) -> None:
    assert assistant.answer(question).kind == FALLBACK


def test_a_master_in_translation_is_no_translation_request(assistant: Assistant) -> None:
    reply = assistant.answer("Un master en traduction, ça existe à CQMU ?")
    assert reply.kind == ANSWER and reply.intent == "translation"


def test_a_chinese_comparison_with_he_answers_both(assistant: Assistant) -> None:
    reply = assistant.answer("神经内科和心血管内科，哪个更适合短期观摩？")
    assert reply.topics == ("neurology", "cardiovascular-medicine")


def test_a_comparison_of_two_cities_is_no_question_about_the_programme(
    assistant: Assistant,
) -> None:
    assert assistant.answer("重庆和斯特拉斯堡哪个城市大").kind != ANSWER


# ───────────── issue 18 (session 4): options named to choose between or compare ─────────────


@pytest.mark.parametrize(
    ("question", "topics"),
    [
        (
            "Statistics vs Applied Statistics, what's the difference?",
            ("statistics", "applied-statistics"),
        ),
        ("j'hésite entre la neurochirurgie et la neurologie", ("neurosurgery", "neurology")),
        ("肿瘤科跟产科，两个都能选吗", ("oncology", "obstetrics")),
        (
            "Is the exchange or the CSC programme better for me?",
            ("programme-overview", "csc-programme"),
        ),
        ("中法项目同交流项目有咩唔同？", ("csc-programme", "programme-overview")),
    ],
)
def test_options_named_together_are_each_answered_in_the_order_named(
    assistant: Assistant, question: str, topics: tuple[str, ...]
) -> None:
    reply = assistant.answer(question)
    assert reply.topics == topics
    texts = [assistant.topic_reply(topic, reply.language).text for topic in topics]
    assert reply.text == "\n\n".join(texts)


def test_options_compared_come_before_what_else_the_message_asks(assistant: Assistant) -> None:
    reply = assistant.answer("Is pediatrics or neonatology available, and how long can I stay?")
    assert reply.topics == ("pediatrics", "neonatology", "duration")


def test_a_name_with_and_in_it_is_one_option(assistant: Assistant) -> None:
    reply = assistant.answer("which lab works on infection and immunity?")
    assert reply.topics == ("infection-immunity",)
    assert reply.text == assistant.topic_reply("infection-immunity", "en").text


def test_a_question_about_the_programmes_compared_is_answered_not_their_overviews(
    assistant: Assistant,
) -> None:
    reply = assistant.answer("CSC or the exchange, which one has free housing?")
    assert "housing" in reply.topics and "programme-overview" not in reply.topics
    assert assistant.topic_reply("housing", "en").text in reply.text


def test_a_french_elision_is_no_quotation(assistant: Assistant) -> None:
    question = "Ma collègue hésite entre l'oncologie et la cardio pour son stage d'observation"
    assert assistant.matcher.asking_part(question) == question
    assert assistant.matcher.asking_part("translate 'the fee is waived' please") != (
        "translate 'the fee is waived' please"
    )


# ─────────────────── issue 18 (session 4): items described in lay words ───────────────────


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("is there a department for babies born too early?", "neonatology"),
        ("les médecins qui endorment les patients au bloc, c'est possible ?", "anesthesiology"),
        ("有没有专门研究不孕不育的实验室", "reproduction-development"),
        ("有看牙的专业吗", "stomatology"),
    ],
)
def test_an_item_described_in_lay_words_is_answered_without_being_named(
    assistant: Assistant, question: str, item: str
) -> None:
    """An item's ``descriptions`` match (by words and by meaning) but are no name: the reply
    is the item's, and the question names no item (no name bonus)."""
    reply = assistant.answer(question)
    assert (reply.kind, reply.intent) == (ANSWER, item)
    assert not assistant.matcher.named_items(question)


def test_descriptions_are_never_names_to_correct_to(assistant: Assistant) -> None:
    """The speller corrects a long word to a description's word as to any known word, never
    a short one ("pool" is not the "pouls" nor the "poor vision" of a description), and the
    words of descriptions never make an item named ("incubators" names no Neonatology)."""
    assert assistant.matcher.spelt("incubatrs") == "incubators"
    assert assistant.matcher.spelt("a pool") == "a pool"
    assert assistant.answer("<pool & gym>").kind == FALLBACK
    assert not assistant.matcher.named_items("babies in incubators")


def test_the_comparison_words_go_longest_first_whatever_the_hash_seed(
    assistant: Assistant,
) -> None:
    """ "which one" is taken out before "which": the rest, and so the fact the programmes are
    compared on, was once the order of a set, which changes with PYTHONHASHSEED."""
    question = "csc strasbourg vs the grad exchange which one can i even do"
    assert assistant.matcher.without_programmes(question) == "the grad can i even do"


@pytest.mark.parametrize(
    ("question", "item", "name"),
    [
        (
            "is western medicine taught together with chinese herbal medicine there?",
            "integrated-chinese-western-medicine",
            "Combined traditional Chinese medicine and Western medicine",
        ),
        (
            "can I study chinese herbal medicine?",
            "traditional-chinese-medicine",
            "Traditional Chinese Medicine",
        ),
    ],
)
def test_a_longer_name_said_apart_wins_over_the_shorter_name_inside_it(
    assistant: Assistant, question: str, item: str, name: str
) -> None:
    """Every content word of "Chinese-Western medicine" said with other words between them
    names the integrated discipline, not the traditional medicine named word for word inside
    (issue 18, concept9); the shorter name alone still names its own item."""
    reply = assistant.answer(question)
    assert (reply.kind, reply.intent) == (ANSWER, item)
    assert name in reply.text


@pytest.mark.parametrize(
    "question", ["does the American partner college help with rooms?", "美国那所合作大学管住宿吗"]
)
def test_the_american_partner_said_without_its_name_gets_the_housing_answer(
    assistant: Assistant, question: str
) -> None:
    """The pages name Dartmouth College in the housing section only: a student who calls it
    "the American college" is answered with housing, which names it."""
    reply = assistant.answer(question)
    assert (reply.kind, reply.intent) == (ANSWER, "housing")
    assert "Dartmouth" in reply.text or "达特茅斯" in reply.text


@pytest.mark.parametrize(
    ("question", "item"),
    [
        (
            "je cherche une équipe qui travaille sur la grossesse et la santé du fœtus",
            "maternal-fetal-medicine",
        ),
        (
            "as a nurse I'd like to watch how the nurses look after sick kids on the wards",
            "pediatric-clinical-nursing",
        ),
        ("la grossesse, on peut la suivre en stage ?", "obstetrics"),
        ("I am a nurse, can I observe nursing in China?", "nursing-science"),
    ],
)
def test_a_name_another_item_describes_with_does_not_outweigh_that_description(
    assistant: Assistant, question: str, item: str
) -> None:
    """A word one item's name or description uses and another item's description uses too:
    the item that explains the message better by its words and by meaning is answered (issue
    18, concept10); "grossesse" is no name since session 13, and said plainly about a
    placement it still gets Obstetrics."""
    reply = assistant.answer(question)
    assert (reply.kind, reply.intent) == (ANSWER, item)


@pytest.mark.parametrize("question", ["do you have an OB department?", "can I rotate through OBG?"])
def test_the_short_forms_of_obstetrics_name_it(assistant: Assistant, question: str) -> None:
    """OB and OBG, the short forms students use for obstetrics (issue 18, concept10)."""
    reply = assistant.answer(question)
    assert (reply.kind, reply.intent) == (ANSWER, "obstetrics")
    assert "Obstetrical" in reply.text


# ────────── issue 18 (session 12): yes/no premises and the programmes compared ──────────


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("the french program is with university of paris né", "en"),
        ("le partenaire français c'est l'université de Lyon, non ?", "fr"),
        ("CSC那个中法项目是跟巴黎大学合作的吧", "zh"),
    ],
)
def test_a_wrong_partner_in_a_premise_gets_the_real_partner(
    assistant: Assistant, question: str, lang: str
) -> None:
    """A university a programme is said to be WITH is a premise about the partner, not
    another university's question: the reply names Strasbourg. ("Le programme CSC, c'est bien
    avec l'université de Lyon ?" is no longer declined either, but the conversation reads it
    without the programme's name, as how to apply: still open.)"""
    reply = Dialogue(assistant).reply(question)
    assert reply.kind == ANSWER and reply.language == lang
    assert {"csc-programme", "strasbourg-partnership"} & set(reply.topics)
    assert "Strasbourg" in reply.text or "斯特拉斯堡" in reply.text


def test_a_university_whose_own_exchange_is_asked_about_is_still_declined(
    assistant: Assistant,
) -> None:
    for question in ("北京大学的交换项目怎么申请？", "does Peking University have an exchange?"):
        assert assistant.answer(question).intent is None


def test_a_portuguese_tag_question_costs_an_english_question_nothing(
    assistant: Assistant,
) -> None:
    reply = Dialogue(assistant).reply("accommodation in cqmu is free né")
    assert (reply.kind, reply.intent) == (ANSWER, "housing")


@pytest.mark.parametrize(
    "question",
    [
        "Quelle différence entre le programme avec Strasbourg et le programme d'échange ?",
        "去法国的那个CSC项目和来重医交流的那个项目，区别在哪啊",
        "法国那个项目和来重医那个项目有什么区别",
    ],
)
def test_the_programmes_compared_by_name_or_description_get_both_overviews(
    assistant: Assistant, question: str
) -> None:
    """Both programmes, named or described beside a programme word ("去法国的那个项目",
    "来重医那个"), compared with nothing else asked: each one's overview, in the order said."""
    reply = Dialogue(assistant).reply(question)
    assert reply.topics == ("csc-programme", "programme-overview")
    texts = [assistant.topic_reply(t, reply.language).text for t in reply.topics]
    assert reply.text == "\n\n".join(texts)


@pytest.mark.parametrize(
    ("turns", "programme", "other_topic"),
    [
        (
            [
                "i found two programs, the exchange and the strasbourg one",
                "the exchange is 4 weeks to 6 months, and the french one how long",
            ],
            "csc",
            "duration",
        ),
        (["有交流项目和CSC项目", "交流项目住宿免费，法国那个呢？"], "csc", "housing"),
        (
            ["CSC项目是啥", "想去重医附一院麻醉科蹲一阵子，交换有这个科吗"],
            "exchange",
            "csc-programme",
        ),
    ],
)
def test_a_follow_up_pointing_at_a_programme_never_gets_the_others_fact(
    assistant: Assistant, turns: list[str], programme: str, other_topic: str
) -> None:
    """A message naming both programmes asks about the one it points at by description ("the
    French one", "法国那个"); "交换" names the exchange as "exchange" does: the other
    programme's fact is never the reply."""
    dialogue = Dialogue(assistant)
    for turn in turns:
        reply = dialogue.reply(turn)
    other = assistant.topic_reply(other_topic, reply.language).text
    assert other.split("\n")[0] not in reply.text
    if programme == "csc":  # its page gives neither: the honest reply, naming the programme
        assert assistant.kb.programmes.programmes["csc"].name[reply.language] in reply.text


def test_a_programme_described_and_set_aside_is_not_the_one_asked(assistant: Assistant) -> None:
    """ "Not the French one" sets the CSC programme aside: the exchange's partners are given."""
    dialogue = Dialogue(assistant)
    dialogue.reply("im looking at the grad exchange not the french one")
    reply = dialogue.reply("which schools r in it")
    assert assistant.topic_reply("institutes", "en").text.split("\n")[0] in reply.text
