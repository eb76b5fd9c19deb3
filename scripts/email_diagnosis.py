"""Why is an e-mail's question answered wrong when the same question alone is answered right?
(dev sets only; never a held-out or validation set).

    python scripts/email_diagnosis.py letters tests/eval/emails-dev.yaml tests/eval/emails-dev3.yaml
    python scripts/email_diagnosis.py wrapped tests/eval/questions-dev2.yaml tests/eval/dev2.yaml
    python scripts/email_diagnosis.py wrapped --place after tests/eval/questions-dev3.yaml

``letters``: every e-mail is read as the bot reads it (its sentences and their kinds, the
questions as matched); each asking sentence is then answered alone, as written and as
matched, and compared with the answer to the whole e-mail. Listed: the e-mails answered
wrong whole while their questions alone are right (the leak is in the reading of the
letter), and those wrong alone too (the matching itself).

``wrapped``: the single questions of a set answered right alone are put inside plain letters
(a greeting, a self-introduction naming a field, the question, thanks, a name; one or two
questions), written here in general language; the share still answered right inside a letter
is the cost of the letter reading, per language and per frame. ``--place`` puts the question
after the thanks ("Oh, and one more thing: …") or at the end of the introduction's sentence
("…, and I would like to ask: …") instead of on its own line. No words of an evaluation set
are used to build the frames.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from pathlib import Path

from bot.settings import REPOSITORY
from bot.understanding.answers import Assistant, Reply
from bot.understanding.context import Dialogue
from bot.understanding.evaluation import Case, ask, load_cases, other_programme, right_reply

# Frames of a plain letter, per language: (greeting, introduction, thanks, signature). The
# introductions name a field on purpose: a field is context, never the question.
FRAMES = {
    "en": [
        (
            "Dear Sir or Madam,",
            "I am a master's student in pharmacology at a university in Kenya.",
            "Thank you in advance for your help.",
            "Best regards,\nSam",
        ),
        (
            "Hello,",
            "My name is Ana and I am doing a PhD in cardiology in Lisbon.",
            "Many thanks!",
            "Ana",
        ),
        (
            "Hi there,",
            "I'm a nurse and I study public health at master level.",
            "Thanks a lot for your time.",
            "Cheers,\nJo",
        ),
        (
            "Good morning,",
            "I am a resident in surgery and I would love to spend a few weeks in Chongqing.",
            "I look forward to your reply.",
            "Kind regards,\nDr. P. Rao",
        ),
    ],
    "zh": [
        ("老师您好：", "我是一名药理学专业的硕士研究生。", "谢谢老师！", "学生 李华"),
        ("您好！", "我叫王芳，在北京读护理学博士，对交流项目很感兴趣。", "谢谢！", "王芳"),
        ("老师好，", "我是外科的规培医生，明年想出去交流。", "期待您的回复。", "张伟"),
        ("尊敬的老师：", "我是越南留学生，学的是公共卫生。", "非常感谢！", "阮明"),
    ],
    "fr": [
        (
            "Bonjour Madame, Monsieur,",
            "Je suis étudiante en master de pharmacologie à Lille.",
            "Je vous remercie par avance.",
            "Cordialement,\nJulie",
        ),
        (
            "Bonjour,",
            "Je m'appelle Marc, je suis interne en chirurgie à Toulouse.",
            "Merci beaucoup !",
            "Marc",
        ),
        (
            "Bonsoir,",
            "Doctorante en santé publique à Dakar, je prépare un séjour à l'étranger.",
            "Bien à vous,",
            "Awa Ndiaye",
        ),
        (
            "Madame,",
            "Je suis infirmier et je fais un master en sciences infirmières.",
            "En vous remerciant.",
            "Paul",
        ),
    ],
}


CHAT = frozenset({"greeting", "thanks", "signup", "talk-to-coordinator"})  # no question


# A remark about the writer's own field between the introduction and the questions (a field
# named there is context, never the question).
REMARKS = {
    "en": [
        "My research focuses on {}.",
        "My field is {} and I love it.",
        "A friend of mine studied {} with you.",
    ],
    "zh": ["我的研究方向是{}。", "我主要做{}方面的工作。", "我有个朋友以前在你们那里学{}。"],
    "fr": [
        "Mes recherches portent sur {}.",
        "Ma spécialité est {}.",
        "Une amie a étudié {} chez vous.",
    ],
}
FIELDS = {
    "en": ["pharmacy", "stomatology", "nursing", "cardiology", "public health", "oncology"],
    "zh": ["药学", "口腔医学", "护理学", "心血管内科", "公共卫生", "肿瘤学"],
    "fr": [
        "la pharmacie",
        "la stomatologie",
        "les soins infirmiers",
        "la cardiologie",
        "la santé publique",
        "l'oncologie",
    ],
}


# Where the question stands in the letter: its own line (``line``), after the thanks
# (``after``), or at the end of the self-introduction's sentence (``intro``), with a request
# leading into it, in general language.
PLACES = ("line", "after", "intro")
ASIDE = {
    "en": "Oh, and one more thing: ",
    "zh": "对了，还想问一下：",
    "fr": "Ah, et autre chose : ",
}
JOINED = {
    "en": ", and I would like to ask: ",
    "zh": "，想请问：",
    "fr": ", et j'aimerais savoir : ",
}


def _frame(rng: random.Random, lang: str, body: str, remark: bool, place: str = "line") -> str:
    greeting, intro, thanks, name = rng.choice(FRAMES[lang])
    if place == "intro":
        intro, body = intro.rstrip(".。") + JOINED[lang] + body, ""
    lines = [greeting, intro]
    if remark:
        lines.append(rng.choice(REMARKS[lang]).format(rng.choice(FIELDS[lang])))
    if place == "after":
        return "\n".join((*lines, thanks, ASIDE[lang] + body, name))
    return "\n".join(line for line in (*lines, body, thanks, name) if line)


def _fresh(assistant: Assistant, text: str, lang: str) -> Reply:
    return Dialogue(assistant).reply(text, lang)


def _is_right(assistant: Assistant, case: Case, reply: Reply) -> bool:
    if case.off_topic and case.outcome is None:
        return reply.intent is None
    return right_reply(case, reply, assistant) and not other_programme(assistant, case, reply)


def _covers(case: Case, replies: list[Reply]) -> bool:
    """Whether the questions alone, together, answer what the case expects."""
    topics = {t for r in replies for t in (r.topics or (r.intent,))}
    if case.expect_all:
        return set(case.expect_all) <= topics
    return bool(topics & set(case.expect))


def letters(assistant: Assistant, files: list[str]) -> None:
    """Each e-mail's asking sentences alone vs the whole e-mail."""
    sentences = Dialogue(assistant).read.sentences
    counts: Counter[str] = Counter()
    for file in files:
        for case in load_cases(Path(file)):
            whole = ask(assistant, case)
            right = _is_right(assistant, case, whole)
            read = sentences.read(case.question)
            asked = sentences.asked(case.question)
            written = [s.text for s in read if s.kind == "question"]
            alone = [_fresh(assistant, q, case.lang) for q in written]
            matched = [_fresh(assistant, q, case.lang) for q, _ in asked]
            alone_right = (
                _covers(case, alone) or _covers(case, matched)
                if case.expect_all
                else any(_is_right(assistant, case, r) for r in (*alone, *matched))
            )
            key = ("right" if right else "WRONG") + (" / alone right" if alone_right else "")
            counts[key] += 1
            if right:
                continue
            print(
                f"\n== {key}: [{case.lang}] expected "
                f"{'+'.join(case.expect_all) or '|'.join(map(str, case.expect))}, "
                f"whole -> {whole.topics or whole.intent} ({whole.score:.2f})"
            )
            for s in read:
                print(f"   {s.kind:9} {s.text!r}")
            for (q, remark), r in zip(asked, matched, strict=True):
                print(
                    f"   matched {q!r} -> {r.topics or r.intent} ({r.score:.2f})"
                    + (f" [remark {remark!r}]" if remark else "")
                )
            for q, r in zip(written, alone, strict=True):
                print(f"   alone   {q!r} -> {r.topics or r.intent} ({r.score:.2f})")
    print("\n" + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


def wrapped(
    assistant: Assistant, files: list[str], seed: int, remark: bool, place: str = "line"
) -> None:
    """Single questions right alone, inside plain letters: the share still right."""
    rng = random.Random(seed)
    total: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    for file in files:
        cases = [c for c in load_cases(Path(file)) if not c.turns and not c.off_topic]
        good = [c for c in cases if _is_right(assistant, c, ask(assistant, c))]
        for case in good:
            letter = _frame(rng, case.lang, case.question, remark, place)
            reply = Dialogue(assistant).reply(letter)
            ok = _is_right(assistant, case, reply)
            total[case.lang] += 1
            kept[case.lang] += ok
            if not ok:
                print(
                    f"[{case.lang}] {case.question!r} in a letter -> "
                    f"{reply.topics or reply.intent} ({reply.score:.2f}), "
                    f"asked {Dialogue(assistant).read.sentences.questions(letter)!r}"
                )
        # two questions of the same language in one letter, both to be answered
        by_lang: dict[str, list[Case]] = {}
        for case in good:
            if (
                len(case.expect) == 1
                and None not in case.expect
                and case.outcome is None
                and case.question.rstrip().endswith(("?", "？"))
                and not case.expect & CHAT
            ):
                by_lang.setdefault(case.lang, []).append(case)
        for lang, pool in by_lang.items():
            rng.shuffle(pool)
            for first, second in zip(pool[::2], pool[1::2], strict=False):
                if first.expect == second.expect:
                    continue
                greeting, intro, thanks, name = rng.choice(FRAMES[lang])
                body = (
                    f"{first.question} {second.question}"
                    if lang != "zh"
                    else (first.question + second.question)
                )
                letter = "\n".join((greeting, intro, body, thanks, name))
                reply = Dialogue(assistant).reply(letter)
                topics = set(reply.topics or (reply.intent,))
                ok = bool(first.expect & topics) and bool(second.expect & topics)
                total[f"{lang} two"] += 1
                kept[f"{lang} two"] += ok
                if not ok:
                    print(
                        f"[{lang} two] {body!r} -> {reply.topics or reply.intent}; expected "
                        f"{set(first.expect)} + {set(second.expect)}"
                    )
    print()
    for key in sorted(total):
        print(
            f"{key}: {kept[key]}/{total[key]} right inside a letter ({kept[key] / total[key]:.1%})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("letters", "wrapped"))
    parser.add_argument("files", nargs="+", help="dev sets (never a held-out or validation one)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--remark", action="store_true", help="a remark naming a field too")
    parser.add_argument("--place", choices=PLACES, default="line", help="where the question is")
    args = parser.parse_args()
    if any("holdout" in f or "-val" in f for f in args.files):
        parser.error("held-out and validation sets are never diagnosed here")
    assistant = Assistant.load(REPOSITORY / "knowledge", REPOSITORY / "conversations")
    if args.mode == "letters":
        letters(assistant, args.files)
    else:
        wrapped(assistant, args.files, args.seed, args.remark, args.place)


if __name__ == "__main__":
    main()
