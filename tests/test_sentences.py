"""Long messages and e-mails read sentence by sentence (bot/understanding/sentences.py), with
the marker words of knowledge/context.yaml; several answers combined in one reply."""

from __future__ import annotations

import pytest
import yaml

from bot.settings import REPOSITORY
from bot.understanding.answers import ANSWER, MAX_TEXT, Assistant, Reply
from bot.understanding.combining import combine
from bot.understanding.context import Dialogue
from bot.understanding.sentences import GREETING, INTRO, QUESTION, SIGNATURE, THANKS, SentenceReader


@pytest.fixture(scope="module")
def reader() -> SentenceReader:
    markers = yaml.safe_load((REPOSITORY / "knowledge" / "context.yaml").read_text("utf-8"))
    return SentenceReader(markers["sentences"])


def kinds(reader: SentenceReader, text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in reader.read(text)]


def test_a_numbered_list_asks_each_of_its_items(reader: SentenceReader) -> None:
    text = "Dear Sir,\nI have two questions: 1) the length of the stay 2) the fees\nThanks,\nAli"
    assert reader.questions(text) == ["the length of the stay", "the fees"]
    bullets = "Hello,\nI am a nurse.\n- is housing free\n- how long can I stay\nBest,\nAli"
    assert reader.questions(bullets) == ["is housing free", "how long can I stay"]


def test_a_question_after_the_thanks_is_still_a_question(reader: SentenceReader) -> None:
    text = "Hi,\nI am a PhD student in Oslo.\nThanks a lot!\nBy the way, is there a fee?\nKari"
    assert kinds(reader, text) == [
        (GREETING, "Hi,"),
        (INTRO, "I am a PhD student in Oslo."),
        (THANKS, "Thanks a lot!"),
        (QUESTION, "By the way, is there a fee?"),
        (SIGNATURE, "Kari"),
    ]
    assert reader.questions(text) == ["is there a fee?"]  # the leading words left out


def test_a_line_naming_who_writes_is_an_introduction(reader: SentenceReader) -> None:
    text = "Good morning,\nAmina Bello, MSc Nursing, University of Jos.\nIs housing free?\nAmina"
    assert kinds(reader, text)[1] == (INTRO, "Amina Bello, MSc Nursing, University of Jos.")


def test_a_self_introduction_that_goes_on_to_ask_is_cut_in_two(reader: SentenceReader) -> None:
    text = "Hello,\nI'm a PhD student in pharmacology, and I would like to know the fee.\nBest,\nMo"
    assert kinds(reader, text)[1:3] == [
        (INTRO, "I'm a PhD student in pharmacology"),
        (QUESTION, "I would like to know the fee."),
    ]
    # one sentence alone is no letter: what it introduces may be what it asks about
    alone = "je travaille sur les lipides, vous avez un labo là-dessus ?"
    assert kinds(reader, alone) == [(QUESTION, alone)]


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        ("Kindly let me know whether I would need a visa for the stay.", "I would need a visa"),
        ("Je vous remercie de bien vouloir m'indiquer si le logement est gratuit.", "le logement"),
        ("J'aimerais connaître la date limite des candidatures.", "la date limite"),
        ("I heard that the hospital has a burns unit, is that true?", "the hospital has"),
        ("Et la gériatrie, parce que c'est ma spécialité.", "Et la gériatrie"),
    ],
)
def test_requests_are_questions_matched_without_their_leading_words(
    reader: SentenceReader, sentence: str, question: str
) -> None:
    text = f"Bonjour,\nJe suis interne à Lyon.\nQuelle est la durée ?\n{sentence}\nMerci,\nZoé"
    asked = reader.questions(text)
    assert len(asked) == 2
    assert asked[-1].startswith(question)


def test_chinese_questions_are_cut_at_semicolons_and_conjunctions(reader: SentenceReader) -> None:
    text = (
        "老師好：\n我是護理系的碩士生。\n請問住宿免費嗎；能待多久，還有要交學費嗎？\n謝謝！\n小陳"
    )
    assert reader.questions(text) == ["請問住宿免費嗎；", "能待多久", "要交學費嗎？"]
    assert kinds(reader, text)[0] == (GREETING, "老師好：")  # traditional characters read


def test_a_letter_is_answered_in_the_language_of_its_questions(assistant: Assistant) -> None:
    english = "Hello,\nI study at Université de Montréal.\nIs housing free?\nMerci,\nLéa"
    chinese = "您好，\n我是Johns Hopkins University的PhD student。\n住宿免费吗？\nBest,\nTom"
    assert Dialogue(assistant).reply(english).language == "en"
    assert Dialogue(assistant).reply(chinese).language == "zh"


def test_answers_that_do_not_fit_one_message_are_offered_as_buttons(
    assistant: Assistant,
) -> None:
    long = "x" * (MAX_TEXT // 2)
    replies = [
        Reply(long, (), topic, 1.0, "en", ANSWER, (topic,))
        for topic in ("housing", "fees", "duration")
    ]
    reply = combine(assistant, replies, "en")
    assert reply.topics == ("housing",)  # a second answer would go over the limit
    assert len(reply.text) <= MAX_TEXT
    assert [b.action for b in reply.buttons][:2] == ["topic:fees", "topic:duration"]
    short = [Reply("short", (), t, 1.0, "en", ANSWER, (t,)) for t in ("housing", "fees")]
    assert combine(assistant, short, "en").text == "short\n\nshort"


def test_a_sentence_announcing_questions_asks_only_when_it_says_about_what(
    reader: SentenceReader,
) -> None:
    text = "Dear Madam,\nI am a nurse. I'd like to ask two things. First, is there a fee?\nJoy"
    assert reader.questions(text) == ["is there a fee?"]
    french = "Bonjour,\nJe suis interne.\nMa première question porte sur la durée.\nMerci,\nZoé"
    assert reader.questions(french) == ["Ma première question porte sur la durée."]
    chinese = (
        "老师好：\n我是硕士生。有两个问题想请教：第一，能待多久；第二，是否要交费。\n谢谢！\n小张"
    )
    assert reader.questions(chinese) == ["能待多久；", "是否要交费。"]
