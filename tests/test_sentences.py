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
    # (each clause asks with its sentence's question mark)
    assert reader.questions(text) == ["請問住宿免費嗎；", "能待多久？", "要交學費嗎？"]
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


def test_a_remark_naming_a_topic_opens_the_next_question(reader: SentenceReader) -> None:
    text = "Hello,\nI am a PhD student in Lagos.\nRegarding the visa. Do I need one?\nThanks,\nAde"
    assert kinds(reader, text)[2] == (QUESTION, "Regarding the visa. Do I need one?")
    assert reader.questions(text) == ["the visa. Do I need one?"]
    french = "Bonjour,\nJe suis interne.\nConcernant le logement : est-il gratuit ?\nMerci,\nZoé"
    assert reader.questions(french) == ["le logement est-il gratuit ?"]
    # a sentence announcing questions is no topic ("有两个问题想请教：")
    chinese = "老师好：\n有两个问题想请教：第一，能待多久；第二，是否要交费。\n谢谢！\n小张"
    assert reader.questions(chinese) == ["能待多久；", "是否要交费。"]


def test_repeated_marks_end_one_sentence_and_a_lower_case_letter_is_no_initial(
    reader: SentenceReader,
) -> None:
    assert reader.split("Is housing free?? Where do we stay") == [
        "Is housing free??",
        "Where do we stay",
    ]
    assert reader.split("Are lectures in English? My Chinese is zero o. Thank you") == [
        "Are lectures in English?",
        "My Chinese is zero o.",
        "Thank you",
    ]
    assert reader.split("Regards,\nDr. M. Usman") == ["Regards,", "Dr. M. Usman"]


def test_a_letter_that_asks_nothing_asks_what_its_writer_wishes(reader: SentenceReader) -> None:
    text = (
        "Bonjour,\nJe suis étudiante en master de pharmacie à Lille.\nJe suis résidente en "
        "urologie et je souhaiterais observer dans un service de l'hôpital.\nMerci,\nJulie"
    )
    assert reader.questions(text) == [
        "Je suis résidente en urologie et je souhaiterais observer dans un service de l'hôpital."
    ]
    # a line naming a level asks when nothing else does ("硕士专业都有啥" is no introduction)
    chinese = "老师好，\n我是外科的规培医生，明年想出去交流。\n硕士专业都有啥\n谢谢\n张伟"
    assert reader.questions(chinese) == ["硕士专业都有啥"]


def test_the_opening_of_a_cut_sentence_is_the_remark_of_its_question(
    reader: SentenceReader,
) -> None:
    text = "Hi,\nI'm a nurse in Accra.\nI'm really into ultrasound, is there a lab for that?\nJo"
    assert reader.asked(text) == [("is there a lab for that?", "I'm really into ultrasound")]
    # who the writer is is no remark
    plain = "Hi,\nI'm a PhD student in pharmacology, is there a lab for that?\nJo"
    assert reader.asked(plain) == [("is there a lab for that?", "")]


@pytest.mark.parametrize(
    "sentence",
    [
        "I was wondering whether housing is free",
        "je me demandais si le logement est gratuit",
        "不知道交流期间住宿免费",
        "想请问一下住宿免费",
        "c'est quoi le programme exactement",
        "硕士专业都有啥",
        "I'd like to check the length of the stay",
        "Qu'est-ce qu'on fait pendant le programme",  # an elided marker runs into its word
    ],
)
def test_requests_without_a_question_mark_ask(reader: SentenceReader, sentence: str) -> None:
    assert reader.kind(sentence) == QUESTION


def test_a_question_not_answered_beside_an_answered_one_is_never_dropped_silently(
    assistant: Assistant,
) -> None:
    answered = Reply("housing answer", (), "housing", 0.9, "en", ANSWER, ("housing",))
    declined = assistant.fallback("en")
    reply = combine(assistant, [answered, declined], "en")
    assert reply.topics == ("housing",)
    assert reply.text.startswith("housing answer")
    assert reply.text.endswith(assistant.texts.get("questions_unanswered", "en", n=1))
    assert "one of your questions" in reply.text
    both = combine(assistant, [answered, declined, declined], "fr")
    assert "2 de vos questions" in both.text
    assert combine(assistant, [answered, answered], "en").text == "housing answer"


def test_emojis_end_chat_sentences_and_asides_with_one_are_left_out(
    reader: SentenceReader,
) -> None:
    text = "哈喽～我是护理学研究生😵 想问一下交流项目包住吗"
    assert kinds(reader, text) == [
        (GREETING, "哈喽～"),
        (INTRO, "我是护理学研究生😵"),
        (QUESTION, "想问一下交流项目包住吗"),
    ]
    french = (
        "Coucou ! Je suis infirmière (oui, encore une 🙈). Je me demandais, tout bêtement, "
        "combien de temps on peut rester ?"
    )
    assert reader.questions(french) == ["combien de temps on peut rester ?"]
    assert reader.split("I study at KNUST (Ghana). Is housing free?") == [
        "I study at KNUST (Ghana).",
        "Is housing free?",
    ]


# Session 6 (issue 17, email5): French without accents, where a sentence is cut, what a
# question's pronoun stands for.
def test_markers_match_french_written_without_accents(reader: SentenceReader) -> None:
    text = (
        "Madame, Monsieur,\nInterne a Dakar, je souhaiterais connaitre les conditions "
        "d'admission.\nCordialement,\nAwa"
    )
    assert kinds(reader, text)[1:3] == [
        (INTRO, "Interne a Dakar"),
        (QUESTION, "je souhaiterais connaitre les conditions d'admission."),
    ]
    # a short word keeps its accent: "ou" (or) is no "où" (where)
    assert reader.kind("ou bien plus tard") != QUESTION


def test_a_conjunction_cuts_only_before_a_half_that_asks_on_its_own(
    reader: SentenceReader,
) -> None:
    # two things asked about in one question
    one = "Est-ce que les cours et les activités se font en anglais ou faut-il parler chinois ?"
    assert reader.clauses(one) == [one]
    two = "Can I join the lipid lab, and is housing free?"
    assert reader.clauses(two) == ["Can I join the lipid lab", "is housing free?"]
    french = "Quels labos sont ouverts et à qui dois-je écrire ?"
    assert reader.clauses(french) == ["Quels labos sont ouverts", "à qui dois-je écrire ?"]
    chinese = "要交学费吗，还有住宿免费吗？"
    assert reader.clauses(chinese) == ["要交学费吗", "住宿免费吗？"]


def test_an_introduction_is_cut_where_its_question_asks_on_its_own(
    reader: SentenceReader,
) -> None:
    text = (
        "Hello,\nI am interested in the imaging department and also in the ultrasound lab, "
        "are both available?\nThanks,\nDiego"
    )
    assert reader.asked(text) == [
        (
            "are both available?",
            "I am interested in the imaging department and also in the ultrasound lab",
        )
    ]


def test_the_wish_of_an_introduction_is_the_remark_of_the_question_after_it(
    reader: SentenceReader,
) -> None:
    text = (
        "Bonsoir,\nInterne en chirurgie à Dakar, je m'intéresse à la chirurgie thoracique.\n"
        "Pourriez-vous me dire si elle est proposée ?\nBien cordialement,\nAwa"
    )
    assert reader.asked(text) == [
        ("elle est proposée ?", "je m'intéresse à la chirurgie thoracique.")
    ]
    # who the writer is (level, field) is no remark
    plain = "Bonsoir,\nJe suis interne en chirurgie à Dakar.\nEst-elle proposée ?\nAwa"
    assert reader.asked(plain) == [("Est-elle proposée ?", "")]


def test_a_later_clause_of_a_sentence_reads_no_remark(reader: SentenceReader) -> None:
    text = (
        "Hello,\nI am a PhD student.\nMy research is on oncology.\n"
        "Who gets sent to Strasbourg, and when was the agreement with them signed?\nJo"
    )
    assert reader.asked(text) == [
        ("Who gets sent to Strasbourg?", "My research is on oncology."),
        ("When was the agreement with them signed?", ""),  # (as a sentence of its own)
    ]


def test_a_remark_on_the_field_does_not_take_over_a_question_answered_surely(
    assistant: Assistant,
) -> None:
    letter = (
        "Hello,\nI am a PhD student.\nMy research is on oncology.\n"
        "When did CQMU sign its agreement with them?\nThanks,\nJo"
    )
    reply = Dialogue(assistant).reply(letter)
    assert reply.topics == ("strasbourg-partnership",)
    # a remark naming an item that the question is about: that item
    liked = "Hi,\nI'm a nurse.\nNeonatology is what I love most.\nIs this department open?\nJo"
    assert Dialogue(assistant).reply(liked).topics == ("neonatology",)


def test_a_request_before_a_colon_is_no_question_of_its_own(reader: SentenceReader) -> None:
    text = "Hello,\nI am a nurse, and I would like to ask: is housing free?\nThanks,\nJo"
    assert reader.questions(text) == ["is housing free?"]
    chinese = "您好！\n我是一名护理学硕士研究生，想请问：住宿免费吗？\n谢谢！"
    assert reader.questions(chinese) == ["想请问：住宿免费吗？"]
    # a colon after words that announce questions still cuts
    two = "Hi,\nTwo questions: which labs are open? And is housing free?\nJo"
    assert reader.questions(two) == ["which labs are open?", "is housing free?"]


def test_an_introduction_is_cut_where_its_request_opens(reader: SentenceReader) -> None:
    text = "您好！\n我叫王芳，在北京读护理学博士，对交流项目很感兴趣，想请问：住宿免费吗？\n谢谢！"
    assert reader.questions(text) == ["想请问：住宿免费吗？"]


# Session 7 (issue 17, email7): letters written on one line, Chinese choices, colons and a
# question after the thanks.
def test_a_letter_dictated_on_one_line_is_cut_from_its_greeting_and_thanks(
    reader: SentenceReader,
) -> None:
    text = "老师好 我是武汉大学的护理学硕士 李明 想问交流项目的住宿要自己付钱吗 谢谢老师 李明"
    assert kinds(reader, text) == [
        (GREETING, "老师好"),
        (INTRO, "我是武汉大学的护理学硕士，李明"),
        (QUESTION, "想问交流项目的住宿要自己付钱吗"),
        (THANKS, "谢谢老师，李明"),
    ]
    assert reader.is_letter(text)
    # a one-line question that opens with a greeting and closes with no thanks stays whole
    question = "Bonjour, je suis interne à Lyon, est-ce que le logement est fourni ?"
    assert not reader.is_letter(question)
    assert reader.questions("Hi, how long is the exchange?") == ["Hi, how long is the exchange?"]


def test_a_chinese_choice_or_a_request_alone_does_not_cut_one_question(
    reader: SentenceReader,
) -> None:
    choice = "想问一下上课用的是英语还是中文？"
    assert reader.clauses(choice) == [choice]
    besides = "请问交流项目除了机票还要自己付哪些费用"
    assert reader.clauses(besides) == [besides]
    # two questions joined by a conjunction are still two
    assert reader.clauses("住宿免费吗，还有要交学费吗？") == ["住宿免费吗", "要交学费吗？"]


def test_items_announced_by_yi_shi_er_shi_are_each_a_question(reader: SentenceReader) -> None:
    text = "老师您好：\n想请教两个问题：一是护理学是否有硕士点；二是住宿是否免费？\n谢谢！\n小李"
    assert reader.questions(text) == ["一是护理学是否有硕士点；", "二是住宿是否免费？"]


def test_a_colon_cuts_only_before_what_asks(reader: SentenceReader) -> None:
    options = "Bonjour,\nJe suis interne.\nQue fait-on là-bas : des cours, des stages ?\nLéa"
    assert reader.questions(options) == ["Que fait-on là-bas : des cours, des stages ?"]
    postscript = "Hello,\nI am a nurse.\nThanks!\nPS: is housing free?\nJo"
    assert kinds(reader, postscript)[-2] == (QUESTION, "PS: is housing free?")
    assert reader.questions(postscript) == ["is housing free?"]


def test_a_question_after_the_thanks_may_open_with_a_conjunction_alone(
    reader: SentenceReader,
) -> None:
    text = "老师好\n我是护理学硕士。\n请问住宿免费吗？\n谢谢\n另外签证是自己办还是学校帮忙办\n小李"
    # (matched without the word that leads into it)
    assert reader.questions(text) == ["请问住宿免费吗？", "签证是自己办还是学校帮忙办"]


def test_a_question_after_the_thanks_reads_the_remark_of_the_body(reader: SentenceReader) -> None:
    text = (
        "Hello,\nI am a biology student.\nMy thesis is on neonatal sepsis.\nThank you so much.\n"
        "PS: do you have a lab working on that?\nAnna"
    )
    assert reader.asked(text) == [
        ("do you have a lab working on that?", "My thesis is on neonatal sepsis.")
    ]


def test_a_greeting_that_goes_on_is_cut_from_what_it_says(reader: SentenceReader) -> None:
    text = (
        "Hello,\nI am a nurse.\nHi again, I work in an ICU and I want to see how a Chinese ICU "
        "works during the exchange\nI look forward to your reply.\nBest,\nJo"
    )
    assert kinds(reader, text)[2:5] == [
        (GREETING, "Hi again"),
        (INTRO, "I work in an ICU and I want to see how a Chinese ICU works during the exchange"),
        (THANKS, "I look forward to your reply."),
    ]


def test_a_request_ending_with_a_colon_leads_into_the_questions_after_it(
    reader: SentenceReader,
) -> None:
    text = "Dear Sir,\nI am a nurse, and I would like to ask the following:\nIs housing free?\nAma"
    assert reader.asked(text) == [("Is housing free?", "")]
    listed = "Bonjour,\nJe suis infirmière et j'aimerais savoir :\n- la durée\n- le logement\nMerci"
    assert reader.questions(listed) == ["j'aimerais savoir : la durée", "le logement"]
    # a request that says what it asks about is a question of its own
    about = "Hi,\nCould you tell me about the housing:\nIs it free?\nJo"
    assert len(reader.questions(about)) == 2


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        # an indirect question: a want phrase, a learn verb, then a clause word; opening with a
        # question word, it is asked directly (a capital letter, a question mark)
        ("Je voudrais bien comprendre comment se passe la sélection.", "Comment se passe"),
        ("Merci de me dire si le logement est compris.", "le logement est compris."),
        ("I'd like to understand how the places are shared out.", "How the places are"),
        ("Pourriez-vous s'il vous plaît m'indiquer quand ouvrent les candidatures.", "Quand"),
    ],
)
def test_an_indirect_question_asks_from_its_clause_word(
    reader: SentenceReader, sentence: str, question: str
) -> None:
    letter = f"Bonjour,\nJe suis interne en pédiatrie.\n{sentence}\nMerci,\nLéa"
    assert [kind for kind, _ in kinds(reader, letter)].count(QUESTION) == 1
    asked = reader.questions(letter)[0]
    assert asked.startswith(question)
    assert asked.endswith("?") == question[:1].isupper()


def test_a_wish_to_learn_something_is_no_question(reader: SentenceReader) -> None:
    assert reader.kind("Je voudrais apprendre l'échocardiographie.") != QUESTION
    assert reader.kind("I want to learn new surgical skills.") != QUESTION


def test_a_wish_added_right_after_a_question_asks_too(reader: SentenceReader) -> None:
    text = (
        "Hello,\nI am a nurse in Accra.\nCan I observe in the emergency department?\n"
        "I would also love to spend a day with the physiotherapists.\nThanks,\nAma"
    )
    assert reader.questions(text) == [
        "Can I observe in the emergency department?",
        "I would also love to spend a day with the physiotherapists.",
    ]
    # a wish before any question is the writer's introduction, not a question
    assert QUESTION not in dict(kinds(reader, "Hi,\nI also want to see the ICU.\nThanks"))


def test_what_a_question_says_before_its_request_is_its_remark(reader: SentenceReader) -> None:
    text = (
        "Bonjour,\nJe suis doctorante.\nOn m'a parlé de votre forum sur la chirurgie du sein, "
        "et j'aimerais savoir si on peut y assister.\nMerci"
    )
    ((question, remark),) = reader.asked(text)
    assert question.endswith("peut y assister.")
    assert remark == "On m'a parlé de votre forum sur la chirurgie du sein"


def test_a_colon_after_a_remark_cuts_before_the_question(reader: SentenceReader) -> None:
    text = "Bonjour,\nJe suis interne.\nJ'adore la radiologie : vous avez un service pour ça ?\nLéa"
    assert reader.questions(text) == ["vous avez un service pour ça ?"]
    options = "Bonjour,\nQue fait-on sur place : des cours, du labo ?\nMerci"
    assert reader.questions(options) == ["Que fait-on sur place : des cours, du labo ?"]


def test_a_lead_may_hold_a_comma(reader: SentenceReader) -> None:
    text = "Hi,\nI'm a midwife.\nThanks so much!\nOh, and one more thing: any fees to pay\nJo"
    assert reader.questions(text) == ["any fees to pay"]


def test_a_year_of_a_french_master_is_an_introduction(reader: SentenceReader) -> None:
    text = "Bonjour,\nEn M2 de génétique à Nantes, je cherche un échange.\nLe séjour dure combien ?"
    assert kinds(reader, text)[1] == (INTRO, "En M2 de génétique à Nantes, je cherche un échange.")


def test_a_letter_whose_thanks_would_be_answered_is_read_without_its_frame(
    reader: SentenceReader,
) -> None:
    text = "Hello,\nI'm a nurse.\nthe accommodation thing, free or not\nThanks a lot!\nJo"
    assert reader.content(text) == "I'm a nurse.\nthe accommodation thing, free or not"
    assert reader.content("老师好，我叫王敏，想问住宿免费吗，谢谢！") == "我叫王敏，想问住宿免费吗"


def test_a_chinese_question_is_matched_without_its_lead_words(reader: SentenceReader) -> None:
    text = "老师好！\n我是护理硕士。\n住宿免费吗？\n另外医院的检验科可以去看看吗？\n谢谢\n小王"
    assert reader.questions(text) == ["住宿免费吗？", "医院的检验科可以去看看吗？"]
    # "还有没有…" asks whether any is left: 还有 is no lead there
    places = "老师好！\n我是护理硕士。\n住宿免费吗？\n还有没有交流名额可以申请？\n谢谢\n小王"
    assert reader.questions(places)[1] == "还有没有交流名额可以申请？"


def test_a_question_opening_with_its_topic_is_cut_at_its_conjunction(
    reader: SentenceReader,
) -> None:
    # "For the X, who …": the question word after the topic asks, so ", and what …" is a
    # second question (issue 17, session 10)
    letter = (
        "Bonjour,\nJe suis interne à Lomé.\nPour le programme avec Strasbourg, qui est envoyé "
        "en France, et qu'est-ce qu'ils y font ?\nMerci,\nKofi"
    )
    assert reader.questions(letter) == [
        "Pour le programme avec Strasbourg, qui est envoyé en France?",
        "qu'est-ce qu'ils y font ?",
    ]
    # a topic alone before the comma asks nothing: one question
    assert reader.questions("Hi,\nI am a nurse.\nAbout housing, is it free?\nThanks,\nJo") == [
        "housing, is it free?"  # ("about" only leads into it)
    ]


def test_a_letters_question_opening_with_its_topic_gets_both_answers(
    assistant: Assistant,
) -> None:
    letter = (
        "Hello,\nI'm a nurse in Accra.\nAbout the programme with Strasbourg, who gets sent "
        "to France, and what do they do over there?\nThanks,\nAma"
    )
    reply = Dialogue(assistant).reply(letter)
    assert "Who goes to Strasbourg?" in reply.text
    assert "Clinical clerkships" in reply.text  # the second question is answered too


def test_a_clause_cut_from_its_sentence_is_matched_as_a_sentence_of_its_own(
    assistant: Assistant, reader: SentenceReader
) -> None:
    # a second question opening with its verb starts with a capital letter, as it would alone
    letter = (
        "Hi,\nI'm a resident in Cusco.\nIs housing free, and is immunology among the top 1% "
        "ESI fields?\nBest,\nRosa"
    )
    assert reader.questions(letter) == [
        "Is housing free?",
        "Is immunology among the top 1% ESI fields?",
    ]
    reply = Dialogue(assistant).reply(letter)
    assert "<b>Immunology</b> is offered at CQMU" in reply.text  # the field, not the list


def test_examples_listed_after_a_questions_colon_are_left_out(
    assistant: Assistant, reader: SentenceReader
) -> None:
    # "qu'est ce que" written without its hyphen asks too
    letter = (
        "Bonjour,\nJe suis sage-femme.\nQu'est ce qu'on fera là-bas: de la recherche, des "
        "gardes, des cours?\nMerci,\nAwa"
    )
    assert reader.questions(letter) == ["Qu'est ce qu'on fera là-bas?"]
    english = (
        "Hello,\nI'm a midwife in Dakar.\nWhat do we do during the stay: lab, hospital "
        "visits, classes?\nThanks,\nAwa"
    )
    reply = Dialogue(assistant).reply(english)
    assert reply.text.startswith("<b>Programme contents</b>")  # not a decline


def test_the_writers_unlisted_field_is_not_what_a_letter_asks(assistant: Assistant) -> None:
    letter = (
        "Madame, Monsieur,\nJe suis une étudiante en master de maïeutique et je prévois de "
        "participer à l'échange.\nUn accueil à l'aéroport de Chongqing est-il organisé à "
        "l'arrivée des étudiants étrangers ?\nMerci d'avance.\nLéa"
    )
    reply = Dialogue(assistant).reply(letter)
    assert "maïeutique" not in reply.text.lower()
    assert "Disciplines de master" not in reply.text
    # a letter that asks for its field is still told it is not listed
    asking = "Bonjour,\nJe suis sage-femme.\nAvez-vous un master de médecine légale ?\nMerci,\nLéa"
    assert "<b>Médecine légale</b> ne fait pas partie" in Dialogue(assistant).reply(asking).text


def test_a_field_across_the_edge_of_a_programme_name_is_no_field(assistant: Assistant) -> None:
    # 中法医学项目: the Sino-French programme, not 法医学 (forensic medicine)
    reply = Dialogue(assistant).reply("中法医学项目派哪些人去")
    assert "<b>法医学</b>不在" not in reply.text
    assert "斯特拉斯堡" in reply.text
    assert "<b>法医学</b>不在" in Dialogue(assistant).reply("中法项目有法医学吗").text


def test_a_request_for_two_things_is_answered_twice(
    reader: SentenceReader, assistant: Assistant
) -> None:
    # "…, puis m'indiquer …": a second request after "puis" / "and then"; "me décrire" asks
    french = (
        "Bonjour,\nJe suis interne en pédiatrie à Lille.\nPourriez-vous me décrire les "
        "activités prévues pendant l'échange, puis m'indiquer les possibilités de logement ?"
        "\nMerci,\nPaul"
    )
    assert set(Dialogue(assistant).reply(french).topics) == {"programme-contents", "housing"}
    # two things named after the same word of one request: each asked with the request
    assert reader.questions(
        "I'd love a list of the labs I could join and of the hospital specialties open for "
        "observation."
    ) == ["the labs I could join", "the hospital specialties open for observation."]
    assert reader.clauses("Je voudrais des précisions sur le logement et sur les frais.") == [
        "Je voudrais des précisions sur le logement",
        "Je voudrais des précisions sur les frais.",
    ]
    # not a preposition: "I'd like a list of the labs and the departments" stays one question
    assert len(reader.clauses("Could I get a list of the labs and the departments?")) == 1


def test_kindly_leads_into_a_letters_questions(
    assistant: Assistant, reader: SentenceReader
) -> None:
    # "Kindly" opens a question as "please" does: the two questions joined by "and" are both
    # read, each without it (issue 17, session 14)
    letter = (
        "Good day,\nKindly which partner universities take part in the exchange, and how long "
        "does the stay last?\nI am a nurse in Accra.\nThanks,\nKofi"
    )
    assert reader.questions(letter) == [
        "which partner universities take part in the exchange?",
        "How long does the stay last?",
    ]
    reply = Dialogue(assistant).reply(letter)
    assert "<b>Participating institutions</b>" in reply.text
    assert reply.topics == ("institutes", "duration")  # the stay's length is answered too
    # a question opening with "Kindly" alone is read without it
    assert reader.questions("Hi,\nI'm a nurse.\nKindly, is housing free?\nThanks,\nKofi") == [
        "is housing free?"
    ]


def test_the_writers_own_field_is_told_from_what_the_message_asks(reader: SentenceReader) -> None:
    # a level or role word in a self-introduction names the writer's own field
    own, rest = reader.writers_field(
        "hi, I'm a master's student in nursing and I'd like to train in a French hospital, "
        "is that possible?"
    )
    assert own == "I'm a master's student in nursing"
    assert rest == "hi, I'd like to train in a French hospital, is that possible?"
    assert reader.writers_field("je suis IDE en pédiatrie à Lyon, c'est gratuit ?")[0] == (
        "je suis IDE en pédiatrie à Lyon"
    )
    assert reader.writers_field("我是读护理的，想问一下住宿免费吗？")[0] == "我是读护理的"
    # what the writer works on is no role; a field asked about is no introduction
    for text in (
        "je travaille sur les lipides, vous avez un labo là-dessus ?",
        "Basic Medicine master's students, can they take part?",
    ):
        assert reader.writers_field(text) == ("", text)
    # a wish alone asks nothing; a request does, even after a wish word
    assert not reader.asks_anything("I would like to observe a skin clinic in China.")
    assert not reader.asks_anything("想去看看那边重症病人是怎么照顾的")
    assert reader.asks_anything("想问下交流能不能去新生儿科")
    assert reader.points_at_own_field("can I spend a month in your department?")


@pytest.mark.parametrize(
    ("message", "expected", "not_expected"),
    [
        # the field of the introduction is not what is asked: the message asks about
        # something else
        (
            "im a nursing master student and i'd love to do clinical training in a french "
            "hospital, is there something for me?",
            "clinical-clerkships",
            "nursing-science",
        ),
        # what the writer works on, asked about again: the lab
        ("I work on lipids, do you have a lab on that?", "lipid-research", None),
        # the writer's own department asked for: the field
        (
            "je suis interne en anesthésie, je peux passer un mois dans votre service ?",
            "anesthesiology",
            None,
        ),
    ],
)
def test_the_writers_own_field_gets_no_name_bonus_when_something_else_is_asked(
    assistant: Assistant, message: str, expected: str, not_expected: str | None
) -> None:
    reply = Dialogue(assistant).reply(message)
    assert reply.intent == expected
    assert not_expected not in (reply.topics or ())
