"""The conversation's focus (issue 17): kept with the student's state, so it survives a
restart and goes with /forget; written with the update's "handled" mark, never on its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage import Storage
from bot.storage.state import FOCUS_KEY
from bot.telegram.context import services_of
from bot.understanding.answers import Assistant
from bot.understanding.context import Dialogue, Focus
from tests.auxil.harness import LocalBot, start

CSC = "Tell me about the Sino-French CSC programme"
HOW_LONG = "how long does it last?"


def rows(path: Path) -> dict[int, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT user_id, data FROM user_data").fetchall())


@pytest.mark.asyncio
async def test_the_focus_survives_a_restart_and_goes_with_forget(tmp_path: Path) -> None:
    bot = await start(LocalBot(tmp_path))
    try:
        student = bot.user(3001)
        await bot.send(student, CSC)
        await start(bot)  # restart: the focus comes back from the database
        await bot.send(student, HOW_LONG)
        assert "does not give this" in student.last.text
        assert "4 weeks to 6 months" not in student.last.text
        await bot.send(student, "/forget")
        assert bot.app is not None
        texts = services_of(bot.app).content.texts
        await bot.press(student, texts.get("forget_button_yes", "en"))
        await bot.send(student, HOW_LONG)  # no focus any more: the message alone
        assert "4 weeks to 6 months" in student.last.text
    finally:
        await bot.stop()


@pytest.mark.asyncio
async def test_a_change_of_the_focus_alone_is_written_with_the_handled_mark(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    storage = await Storage.open(path)
    try:
        await storage.save_user_data(7, {"lang": "fr"})
        await storage.inbox_add([{"update_id": 41, "message": {"from": {"id": 7}}}])
        await storage.save_user_data(7, {"lang": "fr", FOCUS_KEY: {"programme": "csc"}})
        assert FOCUS_KEY not in rows(path)[7]  # not written on its own ...
        await storage.inbox_done([41])
        assert FOCUS_KEY in rows(path)[7]  # ... but with the update's done mark
        await storage.save_user_data(7, {"lang": "fr", FOCUS_KEY: {"programme": "exchange"}})
    finally:
        await storage.close()
    assert '"exchange"' in rows(path)[7]  # written at close at the latest


def test_the_focus_is_forgotten_after_the_idle_time(assistant: Assistant) -> None:
    now = [1000.0]
    dialogue = Dialogue(assistant, idle=30 * 60, clock=lambda: now[0])
    dialogue.reply(CSC)
    assert dialogue.focus.programme == "csc"
    now[0] += 29 * 60
    assert dialogue.reply(HOW_LONG).kind == "not_published"  # still in focus
    now[0] += 31 * 60
    assert "4 weeks to 6 months" in dialogue.reply(HOW_LONG).text  # forgotten: alone
    assert Focus.from_json(dialogue.focus.to_json()) == dialogue.focus
    assert Focus.from_json("garbage") == Focus()


# Regression floors of the conversation and e-mail sets (issue 17, sessions 3 to 5; the *-val
# sets are validation sets, never tuned on: docs/testing.md), NOT the acceptance targets: a few
# points (about one row of a kind) below the figure measured when they were set (`python -m bot
# eval FILE --no-misses`, in the comments). Raise, never lower. "all": the share of rows right.
CONVERSATION_FLOORS = {
    "conv-dev.yaml": {  # figures of session 6 (conv5); 91.7 % (110/120) before
        "all": 0.93,  # 95.8 % (115/120) session 11 (conv11); 94.2 % (113/120)
        "en": 0.92,  # 94.7 %
        "zh": 0.95,  # 97.4 % session 11 (conv11); 94.7 %
        "fr": 0.92,  # 94.7 % session 11 (conv11); 92.1 %
        "rejection": 0.83,  # 100 % (6/6)
        "language": 0.97,  # 100 %
        "kind:pronoun": 0.94,  # 94.4 % (17/18)
        "kind:not-listed-followup": 0.88,  # 100 % (9/9)
        "kind:question-not-signup": 0.88,  # 100 % (9/9)
    },
    "conv-dev2.yaml": {  # the round-2 writers' set (session 4; first scored 77.8 %)
        "all": 0.93,  # 94.4 % (170/180) session 8 (conv8); 92.8 % before
        "en": 0.97,  # 100 % session 8 (conv8); 98.2 %
        "zh": 0.91,  # 92.9 % session 8 (conv8); 91.1 %
        "fr": 0.89,  # 91.1 % session 11 (conv11); 89.3 % session 8 (conv8)
        "rejection": 0.91,  # 100 % (12/12)
        "language": 0.97,  # 100 %
        "kind:pronoun": 0.91,  # 95.8 % (23/24) session 6b (conv6); 87.5 % before
        "kind:not-listed-followup": 0.83,  # 88.9 % (16/18)
        "kind:programme-differs": 0.79,  # 83.3 % (20/24) session 11 (conv11); 79.2 %
        "kind:clear-alone": 0.95,  # 100 % (24/24)
        "kind:question-not-signup": 0.75,  # 83.3 % (10/12) session 8 (conv8); 66.7 %
    },
    "conv-dev3.yaml": {  # round-4 writers (session 6): first scored on main 83.8 % (201/240)
        "all": 0.95,  # 95.4 % (229/240) session 11 (pron11); 95.0 % session 11 (conv11)
        "en": 0.92,  # 94.6 % session 10 (conv10); 92.9 % session 8 (conv8)
        "zh": 0.92,  # 94.6 % session 11 (conv11); 92.9 % (notlisted7); 85.7 % before
        "fr": 0.96,  # 98.2 % session 11 (pron11); 96.4 % session 11 (conv11); 92.9 %
        "rejection": 0.81,  # 87.5 % (14/16)
        "language": 0.99,  # 100 % issue 18 session 9 (off9: Chinese with Latin terms); 99.6 %
        "kind:clear-alone": 0.97,  # 100 % (32/32) session 11 (pron11); 96.9 % (31/32)
        "kind:programme-differs": 0.93,  # 96.9 % (31/32) session 11 (conv11); 87.5 %
        "kind:not-listed-followup": 0.91,  # 95.8 % (23/24) session 10 (conv10); 91.7 %
        "kind:pronoun": 0.87,  # 90.6 % (29/32) session 9 (conv9); 87.5 % session 8 (conv8)
    },
    "conv-dev4.yaml": {  # round-5 writers (session 7): first scored on main 87.6 % (368/420)
        "all": 0.94,  # 95.7 % (402/420) session 11b (conv11b); 95.2 % session 11 (conv11)
        "en": 0.94,  # 96.4 % session 11 (conv11); 94.6 % session 10 (conv10)
        "zh": 0.95,  # 97.3 % session 11b (conv11b); 94.6 % session 8 (conv8)
        "fr": 0.90,  # 92.9 % session 11b (conv11b); 89.3 % session 10 (conv10)
        "rejection": 0.95,  # 100 % (28/28) with issue 18 session 7 (thesis help, lessons); 92.9
        "language": 0.98,  # 100 %
        "kind:clear-alone": 0.92,  # 94.6 % (53/56)
        "kind:programme-differs": 0.92,  # 94.6 % (53/56) session 11b; 92.9 % session 11
        "kind:pronoun": 0.92,  # 94.6 % (53/56) session 10b (pron10); 91.1 % session 9 (conv9)
        "kind:question-not-signup": 0.92,  # 96.4 % (27/28) session 11b; 89.3 % session 8
        "kind:not-listed-followup": 0.85,  # 88.1 % (37/42) session 10 (conv10); 81.0 %
    },
    "emails-dev.yaml": {  # session 4: raised (issue 18 comparisons: French elisions)
        "all": 0.95,  # 98.3 % (59/60) session 9 (email9); 95.0 % (57/60)
        "en": 0.95,  # 100 %
        "zh": 0.95,  # 100 %
        "fr": 0.80,  # 85.0 %
        "language": 0.98,  # 100 %
        "kind:email-one": 0.94,  # 97.4 % (38/39)
        "kind:email-two": 0.90,  # 95.2 % (20/21) session 9; 90.5 % (19/21)
    },
    "emails-dev2.yaml": {  # session 4: round-2 independent writers (first score 76.7 %)
        "all": 0.94,  # 96.7 % (87/90) issue 18 session 9 (off9); 92.2 % (83/90)
        "en": 0.93,  # 100 % issue 18 session 9 (off9: the activities' language); 93.3 %
        "zh": 0.96,  # 100 %
        "fr": 0.83,  # 86.7 % (was 76.7 %)
        "language": 0.98,  # 100 %
        "kind:email-one": 0.86,  # 88.9 % (48/54)
        "kind:email-two": 0.94,  # 97.2 % (35/36)
    },
    "emails-dev3.yaml": {  # session 6: round-4 independent writers (first score 88.3 %)
        "all": 0.93,  # 95.0 % (114/120) session 10 (email10); 90.8 % (109/120)
        "en": 0.95,  # 96.7 % session 10 (email10); 95.0 %
        "zh": 0.83,  # 86.7 %
        "fr": 0.83,  # 86.7 % (was 80.0 %)
        "language": 0.98,  # 100 %
        "kind:email-one": 0.88,  # 91.7 % (66/72)
        "kind:email-two": 0.93,  # 95.8 % (46/48) session 10 (email10); 89.6 % (43/48)
    },
    "emails-dev4.yaml": {  # session 7: round-5 independent writers (first score 78.1 %)
        "all": 0.89,  # 90.5 % (190/210) session 10 (email10); 89.0 % session 9 (email9)
        "en": 0.88,  # 90.0 % session 10 (email10); 87.8 % session 9; 84.4 % session 8
        "zh": 0.88,  # 91.7 %
        "fr": 0.88,  # 90.0 % session 10 (email10); 86.7 % session 8 (email8); 78.3 %
        "language": 0.98,  # 100 %
        "kind:email-one": 0.85,  # 88.1 % (111/126) session 9; 84.9 % session 8; 82.5 %
        "kind:email-two": 0.91,  # 92.9 % (78/84) session 10 (email10); 90.5 % session 8
    },
    "conv-dev5.yaml": {  # round 3, validation in sessions 5-8: first scored 84.6 % (203/240)
        "all": 0.93,  # 94.2 % (226/240) session 11b (conv11b); 93.3 % session 11 (pron11)
        "en": 0.91,  # 93.8 % session 11b (conv11b); 92.0 % session 11 (conv11)
        "zh": 0.83,  # 85.7 %
        "fr": 0.92,  # 94.6 % session 11 (pron11); 89.3 %
        "language": 0.99,  # 100 % issue 18 session 9 (off9: the conversation's language); 99.6 %
        "kind:clear-alone": 0.93,  # 96.9 % (31/32)
        "kind:programme-differs": 0.84,  # 87.5 % (28/32) session 11 (conv11); 78.1 % session 9
        "kind:not-listed-followup": 0.91,  # 95.8 % (23/24) session 10 (conv10); 83.3 %
    },
    "emails-dev5.yaml": {  # round 3, validation in sessions 5-8: first scored 82.5 % (99/120)
        "all": 0.85,  # 87.5 % (105/120) session 9 (email9); 83.3 % session 7 (email7)
        "en": 0.87,  # 90.0 % session 9; 86.7 %
        "zh": 0.83,  # 86.7 % session 9; 80.0 %
        "fr": 0.80,  # 83.3 % session 9; 80.0 %
        "language": 0.98,  # 100 %
        "kind:email-two": 0.88,  # 91.7 % (44/48) session 9; 81.2 % (39/48)
    },
    # Round 8 (session 12: a Brazilian nursing student, a Senegalese resident, a Chengdu student)
    "conv-dev6.yaml": {  # first scored on main 84.2 % (101/120), other programme's fact 2
        "all": 0.91,  # 93.3 % (112/120) session 13's end; 90.0 % session 12 (other12); 84.2 %
        "en": 0.84,  # 86.5 % (32/37) session 12 (other12); 83.8 % (conv12); 81.1 %
        "zh": 0.97,  # 100 % (37/37) session 12 (other12); 97.3 % (36/37)
        "fr": 0.81,  # 83.8 % (31/37) session 12 (conv12); 73.0 % (27/37)
        "language": 0.98,  # 100 %
    },
    "emails-dev6.yaml": {  # first scored on main 93.3 % (56/60)
        "all": 0.93,  # 95.0 % (57/60) session 12 (two12); 93.3 %
        "en": 0.85,  # 90.0 % (18/20)
        "zh": 0.90,  # 95.0 %
        "fr": 0.95,  # 100 % (20/20) session 12 (two12); 95.0 %
        "language": 0.98,  # 100 %
    },
    # Round 9 (session 13: an American Gen-Z student, a Lyon midwifery student, a Taiwanese intern)
    "conv-probe14.yaml": {  # session 14 (conv14), written for it: 91.3 % (42/46), other 0
        "all": 0.89,
        "en": 0.86,  # 88.9 % (16/18)
        "zh": 0.90,  # 92.9 % (13/14)
        "fr": 0.90,  # 92.9 % (13/14)
        "language": 0.98,  # 100 %
    },
    "conv-probe14b.yaml": {  # session 14 (conv14b), written for it: 70.0 % (14/20), other 1;
        # 45.0 % (9/20), other 6 before the programme gate
        "all": 0.68,
        "en": 0.70,  # 71.4 % (5/7)
        "zh": 0.65,  # 66.7 % (4/6)
        "fr": 0.70,  # 71.4 % (5/7)
        "language": 0.98,  # 100 %
    },
    "conv-dev7.yaml": {  # first scored on main 85.0 % (102/120), other programme's fact 2
        "all": 0.89,  # 91.7 % (110/120) session 13's end; 85.0 %
        "en": 0.92,  # 94.6 % (35/37)
        "zh": 0.89,  # 91.9 % (34/37) session 13's end; 78.4 % (29/37)
        "fr": 0.84,  # 86.5 % (32/37) session 13's end; 81.1 % (30/37)
        "language": 0.98,  # 100 %
    },
    "emails-dev7.yaml": {  # first scored on main 90.0 % (54/60)
        "all": 0.93,  # 95.0 % (57/60) session 13's end; 90.0 %
        "en": 0.95,  # 100 % session 13's end; 95.0 % (19/20)
        "zh": 0.85,  # 90.0 % (18/20) session 13's end; 85.0 %
        "fr": 0.90,  # 95.0 % session 13's end; 90.0 %
        "language": 0.98,  # 100 %
    },
    "conv-val2.yaml": {  # VALIDATION (round 6, session 8): first scored on main 90.2 % (379/420)
        "all": 0.90,  # 92.1 % (387/420) session 10 (conv10); 91.9 % session 9; 90.2 %
        "en": 0.89,  # 91.1 %
        "zh": 0.95,  # 97.3 % session 9; 93.8 %
        "fr": 0.85,  # 87.5 % session 9; 85.7 %
        "language": 0.98,  # 100 %
        "kind:clear-alone": 0.92,  # 94.6 % (53/56)
        "kind:programme-differs": 0.83,  # 85.7 % (48/56) session 9; 82.1 %
    },
    "emails-val2.yaml": {  # VALIDATION (round 6, session 8): first scored on main 90.0 % (189/210)
        "all": 0.88,  # 90.0 %
        "en": 0.85,  # 87.8 %
        "zh": 0.89,  # 91.7 %
        "fr": 0.89,  # 91.7 %
        "language": 0.98,  # 100 %
        "kind:email-two": 0.86,  # 88.1 % (74/84)
    },
    # VALIDATION (round 7, session 11: an Indian resident, a Québécois PhD, a Taiwanese nurse)
    "conv-val3.yaml": {  # first scored on main 86.7 % (104/120), other programme's fact 3
        "all": 0.86,  # 88.3 % (106/120) session 11's end; 86.7 %
        "en": 0.94,  # 97.3 % session 11's end; 94.6 %
        "zh": 0.78,  # 81.1 % session 11's end; 78.4 %
        "fr": 0.83,  # 86.5 %
        "language": 0.98,  # 100 %
    },
    "emails-val3.yaml": {  # first scored on main 91.7 % (55/60)
        "all": 0.93,  # 95.0 % (57/60) session 11's end; 91.7 %
        "en": 0.95,  # 100 %
        "zh": 0.85,  # 90.0 % session 11's end; 85.0 %
        "fr": 0.90,  # 95.0 % session 11's end; 90.0 %
        "language": 0.98,  # 100 %
    },
    # HELD-OUT sets (never tuned on; scored once a session, at its end): the figures of
    # session 8's end (BENCHMARKS.md "Session 8 on merged main"), a row or two below
    "conv-holdout.yaml": {
        "all": 0.85,  # 87.7 % (171/195) session 7; 86.7 % session 6
        "en": 0.90,  # 93.3 % session 7; 90.0 %
        "zh": 0.81,  # 85.0 %
        "fr": 0.83,  # 86.7 %
        "language": 0.98,  # 100 %
    },
    "emails-holdout.yaml": {
        "all": 0.84,  # 86.5 % (83/96) session 9; 84.4 % session 8; 82.3 % session 7
        "en": 0.81,  # 84.4 % session 8; 81.2 %
        "zh": 0.90,  # 93.8 % session 9; 87.5 % session 7
        "fr": 0.75,  # 78.1 %
        "language": 0.98,  # 100 %
        "kind:email-one": 0.85,  # 88.3 % (53/60) session 9
        "kind:email-two": 0.80,  # 83.3 % (30/36) session 8; 80.6 % session 7; 77.8 %
    },
    # Round 10 (session 14): dev8 (dev) and val4 (validation), floors from session 14's end
    "conv-dev8.yaml": {  # first scored on main 89.2 % (107/120), other programme's fact 0
        "all": 0.91,  # 93.3 % (112/120) session 14's end
        "en": 0.92,  # 94.7 % (36/38)
        "zh": 0.92,  # 94.7 % (36/38)
        "fr": 0.86,  # 89.5 % (34/38)
        "language": 0.98,  # 100 %
    },
    "emails-dev8.yaml": {  # first scored on main 85.0 % (51/60)
        "all": 0.86,  # 88.3 % (53/60) session 14's end
        "en": 0.90,  # 95.0 % (19/20)
        "zh": 0.90,  # 95.0 % (19/20)
        "fr": 0.70,  # 75.0 % (15/20)
        "language": 0.98,  # 100 %
    },
    "conv-val4.yaml": {  # VALIDATION: first scored on main 85.0 % (102/120), other programme 5
        "all": 0.85,  # 87.5 % (105/120) session 14's end
        "en": 0.86,  # 89.5 % (34/38)
        "zh": 0.81,  # 84.2 % (32/38)
        "fr": 0.84,  # 86.8 % (33/38)
        "language": 0.98,  # 100 %
    },
    "emails-val4.yaml": {  # VALIDATION: first scored on main 86.7 % (52/60)
        "all": 0.84,  # 86.7 % (52/60) session 14's end
        "en": 0.85,  # 90.0 % (18/20)
        "zh": 0.70,  # 75.0 % (15/20)
        "fr": 0.90,  # 95.0 % (19/20)
        "language": 0.98,  # 100 %
    },
}


# How many rows may get the other programme's fact (a ceiling: lower it, never raise it; none
# on the dev sets of session 6; conv-dev4 came with 6 in session 7, 2 after it).
OTHER_PROGRAMME_AT_MOST = {
    "conv-dev5.yaml": 0,  # session 11b (a described programme named); 1 session 9; 3 before
    "conv-val2.yaml": 0,  # session 11b (a described programme named); 1 session 9; 5 before
    "conv-val3.yaml": 3,  # first scored in session 11
    "conv-dev6.yaml": 0,  # session 12 (other12: "the French one", 交换); 2 first scored
    "conv-dev7.yaml": 0,  # session 13 (the other programme described; prog13); 2 first
    "conv-holdout.yaml": 1,  # session 12: 2
    "conv-dev4.yaml": 0,  # session 11b (a described programme named); 1 before
    "conv-val4.yaml": 5,  # first scored in session 14
    "conv-dev8.yaml": 0,  # first scored in session 14: 0
    "conv-probe14b.yaml": 1,  # session 14 (conv14b; "what are the options for a PhD?" after
    # the CSC programme: the PhD list named, read alone); 6 before the programme gate
}


@pytest.mark.parametrize("file", sorted(CONVERSATION_FLOORS))
def test_conversation_sets_stay_above_their_floors(assistant: Assistant, file: str) -> None:
    from bot.content.languages import LANGUAGES
    from bot.settings import REPOSITORY
    from bot.understanding.evaluation import evaluate, load_cases

    report = evaluate(assistant, load_cases(REPOSITORY / "tests" / "eval" / file))
    figures = {lang: report.accuracy(lang) for lang in LANGUAGES}
    figures.update(all=report.right / report.total, rejection=report.rejection)
    figures["language"] = report.language_accuracy
    figures.update({f"kind:{tag}": report.kind_accuracy(tag) for tag in report.kind_total})
    below = {
        name: f"{figures[name]:.1%} < floor {floor:.0%}"
        for name, floor in CONVERSATION_FLOORS[file].items()
        if figures[name] < floor
    }
    assert not below, below
    assert report.other_programme <= OTHER_PROGRAMME_AT_MOST.get(file, 0)


def test_a_stored_focus_on_a_programme_the_knowledge_base_lacks_is_no_error(
    assistant: Assistant,
) -> None:
    focus = Focus(programme="no-such-programme", topic="no-such-topic", at=1.0)
    dialogue = Dialogue(assistant, focus, clock=lambda: 2.0)
    reply = dialogue.reply("and the labs?")
    assert reply.text


@pytest.mark.parametrize(
    ("question", "honest"),
    [
        ("how long are CSC students away in Strasbourg for", "does not give this"),
        ("les étudiants CSC restent combien de temps à Strasbourg ?", "ne donne pas"),
        ("CSC的同学在斯特拉斯堡待多长时间", "没有公布"),
    ],
)
def test_a_fact_the_named_programme_does_not_give_is_answered_honestly(
    assistant: Assistant, question: str, honest: str
) -> None:
    """The city named with the programme is no sight-seeing question: the CSC page gives no
    length, so the reply says so instead of declining or giving the exchange's 4 weeks."""
    reply = Dialogue(assistant).reply(question)
    assert honest in reply.text
    assert "4" not in reply.text.split("\n")[1]  # no length of the exchange given instead


@pytest.mark.asyncio
async def test_a_student_asking_the_csc_programme_length_gets_the_honest_reply(
    tmp_path: Path,
) -> None:
    bot = await start(LocalBot(tmp_path))
    try:
        student = bot.user(3002)
        await bot.send(student, "how long are CSC students away in Strasbourg for")
        assert "does not give this" in student.last.text
        assert "4 weeks to 6 months" not in student.last.text
    finally:
        await bot.stop()


def test_a_letters_second_question_with_a_dummy_it_is_not_read_as_about_the_first(
    assistant: Assistant,
) -> None:
    """ "Is it possible to stay only one month?" after another question of the same letter asks
    the duration: the first question is no antecedent of its "it"."""
    letter = (
        "Dear coordinator,\nI am a PhD student in Lyon.\n"
        "Which laboratories of the Ministry of Education can host me? "
        "Is it possible to stay only one month?\nRegards,\nAnna"
    )
    reply = Dialogue(assistant).reply(letter)
    assert reply.topics == ("lab-moe-key-laboratories", "duration")
    assert "4 weeks to 6 months" in reply.text


@pytest.mark.asyncio
async def test_the_programmes_named_in_order_survive_a_restart(tmp_path: Path) -> None:
    """ "The latter" after a restart still points at the second programme named before it."""
    bot = await start(LocalBot(tmp_path))
    try:
        student = bot.user(3002)
        await bot.send(student, "I'm comparing the exchange and the CSC programme")
        await start(bot)  # restart: the order of the programmes comes back with the focus
        await bot.send(student, "what does the latter cost?")
        assert "Sino-French CSC programme" in student.last.text
        assert "does not give this" in student.last.text
        await bot.send(student, "and the first one?")
        assert "waived" in student.last.text  # the exchange's fee
    finally:
        await bot.stop()


def test_the_items_shown_are_kept_with_the_focus(assistant: Assistant) -> None:
    """What "the second one" points into (session 14) is stored with the focus and read back."""
    dialogue = Dialogue(assistant, clock=lambda: 5.0)
    dialogue.reply("What are the state key disciplines?")
    shown = dialogue.focus.shown
    assert shown == assistant.kb.entries["state-key-disciplines"].item_ids
    assert Focus.from_json(dialogue.focus.to_json()).shown == shown
    again = Dialogue(assistant, Focus.from_json(dialogue.focus.to_json()), clock=lambda: 6.0)
    assert again.reply("the last one, what is it about?").intent == shown[-1]
    assert Focus.from_json({"shown": "garbage"}).shown == ()


def test_a_demonstrative_before_a_kind_word_names_the_thing(assistant: Assistant) -> None:
    """ "cette collaboration-là", "that partnership", "这个合作" (session 14, pron14b): the kind
    word after a demonstrative is read out, with the entries of its kind; not without one."""
    from bot.understanding.followups import reader_of

    read = reader_of(assistant.kb)
    topics, rest = read.kind_named("Et cette collaboration-là, elle a commencé quand ?")
    assert "strasbourg-partnership" in topics
    assert "collaboration" not in rest and "commence" in rest
    assert "strasbourg-partnership" in read.kind_named("这个合作是哪年开始的")[0]
    assert "breast-cancer-forum" in read.kind_named("where is that event held?")[0]
    assert read.kind_named("is the collaboration still active?")[0] == set()


def test_the_kinds_of_context_yaml_are_checked() -> None:
    """A kind naming an unknown entry, or without words in every language, is refused."""
    from bot.content.programmes import read_markers

    problems: list[str] = []
    raw = {"followups": {"kinds": [{"topics": ["nowhere"], "en": ["forum"]}]}}
    read_markers(raw, problems, topics={"fees"})
    assert any("kinds[0].topics" in p for p in problems)
    assert any("kinds[0]: needs a list of words" in p for p in problems)
