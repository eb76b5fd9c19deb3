"""Words that agree with their numbers (issue 21): forms by count in the texts, chosen with
CLDR's plural rules; French items with their article; no "(s)" anywhere."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.checks import plural_problems
from bot.content.knowledge import KnowledgeError
from bot.content.texts import Texts, counted, placeholders
from bot.understanding.answers import Assistant
from tests.auxil.paths import CONVERSATIONS

COUNTS = (0, 1, 2, 5)
# Placeholders that hold a number of things; in English and French one directly followed by a
# word (a noun: "{days} days") needs forms by count.
NUMBERS = {"count", "total", "messages", "days", "limit", "minutes", "entries", "items"}
NUMBERS |= {"examples", "parts"}
# Nouns of the texts, singular -> plural; a number next to the wrong one is an agreement error.
NOUNS = {
    "en": {"student": "students", "message": "messages", "time": "times", "day": "days",
           "minute": "minutes", "phrasing": "phrasings", "question": "questions",
           "character": "characters", "area": "areas", "entry": "entries"},
    "fr": {"étudiant": "étudiants", "message": "messages", "jour": "jours",
           "formulation": "formulations", "question": "questions", "caractère": "caractères",
           "domaine": "domaines", "fiche": "fiches"},
}  # fmt: skip


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts.load(CONVERSATIONS)


def test_no_text_says_s_in_brackets(texts: Texts, assistant: Assistant) -> None:
    bracketed = re.compile(r"\w\((s|es|x)\)|\(e\)s\b")  # student(s), ajoutée(s), (e)s
    for key, by_language in texts.texts.items():
        for lang, template in by_language.items():
            assert not bracketed.search(template), (key, lang, template)
    for entry in assistant.kb.entries.values():
        for lang, answer in entry.answer.items():
            assert not bracketed.search(answer), (entry.id, lang)


def test_a_number_followed_by_a_noun_has_forms_by_count(texts: Texts) -> None:
    for key, by_language in texts.texts.items():
        for lang in ("en", "fr"):
            template = by_language[lang]
            for name in placeholders(template) & NUMBERS:
                plain = re.search(r"\{" + name + r"\}(?:</b>)? ([a-zéèêàç]+)", template)
                if plain and plain[1] not in {"more", "fois", "de", "in", "of", "en"}:
                    pytest.fail(f"{key} ({lang}): '{{{name}}} {plain[1]}' needs forms by count")


def _renderings(texts: Texts) -> list[tuple[str, str, int, str]]:
    out = []
    for key, by_language in texts.texts.items():
        names = {name for lang in by_language for name, _ in counted(by_language[lang])}
        if not names:
            continue
        for lang in by_language:
            for number in COUNTS:
                values = {
                    p: (number if p in names else "x") for p in placeholders(by_language[lang])
                }
                out.append((key, lang, number, texts.get(key, lang, **values)))
    return out


def test_every_counted_text_agrees_with_0_1_2_and_5(texts: Texts) -> None:
    renderings = _renderings(texts)
    keys = {key for key, *_ in renderings}
    assert {"unanswered_group", "announce_preview", "mydata_announcements"} <= keys
    for key, lang, number, text in renderings:
        assert "(s)" not in text, (key, lang, text)
        if lang == "zh":
            continue
        singular = number == 1 or (lang == "fr" and number == 0)
        for one, many in NOUNS[lang].items():
            wrong = many if singular else one
            assert not re.search(rf"(?<![\d.]){number} {wrong}\b", text), (key, lang, text)
    english = {(k, n): t for k, lang, n, t in renderings if lang == "en"}
    assert "Asked <b>1</b> time," in english[("unanswered_group", 1)]
    assert "Asked <b>5</b> times," in english[("unanswered_group", 5)]
    french = {(k, n): t for k, lang, n, t in renderings if lang == "fr"}
    assert "aucune ne vous a été envoyée" in french[("mydata_announcements", 0)]
    assert "2 vous ont été envoyées" in french[("mydata_announcements", 2)]
    assert "1 étudiant recevra" in french[("announce_preview", 1)]
    assert "Question posée <b>0</b> fois" in french[("unanswered_group", 0)]


def test_kb_check_finds_a_missing_or_foreign_form(tmp_path: Path) -> None:
    folder = tmp_path / "conversations"
    shutil.copytree(CONVERSATIONS, folder)
    path = folder / "learning.yaml"
    source = path.read_text(encoding="utf-8")
    broken = source.replace("{count:one=time|other=times}", "{count:other=times}", 1)
    broken = broken.replace("已忽略 {count} 个问题", "已忽略 {count:one=# 个|other=# 个}问题", 1)
    assert broken.count("{count:other=times}") == 1 and "{count:one=# 个" in broken
    path.write_text(broken, encoding="utf-8")
    problems = plural_problems(Texts.load(folder))
    assert any("'unanswered_group' (en): {count} needs the forms ['one']" in p for p in problems)
    assert any("'unanswered_ignored' (zh): {count}: zh has no form ['one']" in p for p in problems)
    path.write_text(source.replace("|other=times}", "|others=times}", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="others=times"):
        Texts.load(folder)


def test_french_items_have_their_article_and_lists_no_dangling_space(
    assistant: Assistant,
) -> None:
    for item in assistant.kb.items.values():
        assert item.article["fr"] in {"le", "la", "les", "l'"}, item.id
    texts = assistant.texts
    value = "\n• Pediatrics"
    for lang in ("en", "zh", "fr"):
        line = texts.get("signup_field_list", lang, label="Areas", value=value)
        assert not re.search(r"[ \t]\n", line), line
