"""Learned examples (validation, merging into knowledge/, ``kb learned``), the grouping of
unanswered questions, and their review rows in storage."""

from __future__ import annotations

import asyncio
import collections
import itertools
import shutil
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.content.knowledge import KnowledgeError, load_knowledge
from bot.content.learned import (
    FILE_NAME,
    MAX_EXAMPLE,
    add_examples,
    load_learned,
    merge_into_knowledge,
    with_learned,
    write_learned,
)
from bot.storage import IGNORED, Storage
from bot.understanding.answers import Assistant
from bot.understanding.grouping import (
    ACROSS_LANGUAGES,
    Phrase,
    group_between,
    group_questions,
    grouping_steps,
)
from tests.auxil.paths import FIXTURES, KNOWLEDGE

VALID = FIXTURES / "kb" / "valid"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the file


def test_learned_examples_are_added_to_their_entries(tmp_path: Path) -> None:
    kb = load_knowledge(VALID)
    path = write(tmp_path / FILE_NAME, "examples:\n  fees: {en: [is it free?], fr: [gratuit ?]}\n")
    learned = load_learned(path, kb)
    merged = with_learned(kb, learned)
    assert merged.entries["fees"].examples["en"] == ("how much does it cost", "fees", "is it free?")
    assert merged.entries["fees"].examples["fr"][-1] == "gratuit ?"
    assert kb.entries["fees"].examples["en"] == ("how much does it cost", "fees")
    assert load_learned(tmp_path / "missing.yaml", kb) == {}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("examples:\n  nope: {en: [x]}\n", "learned-examples.yaml: entry 'nope': unknown entry id"),
        ("examples:\n  fees: {de: [x]}\n", "entry 'fees': unknown language 'de'"),
        ("examples:\n  fees: {en: ''}\n", "entry 'fees': 'en' must be a list of non-empty texts"),
        (f"examples:\n  fees: {{en: [{'a' * (MAX_EXAMPLE + 1)}]}}\n", "longer than 300"),
        ("- fees\n", "must be a mapping with entry ids under 'examples'"),
        ("examples: {fees: {en: [x]\n", "learned-examples.yaml: line"),
    ],
)
def test_an_invalid_learned_file_is_refused_naming_file_and_entry(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = write(tmp_path / FILE_NAME, text)
    with pytest.raises(KnowledgeError) as raised:
        load_learned(path, load_knowledge(VALID))
    assert any(problem in p for p in raised.value.problems), raised.value.problems


def test_add_examples_keeps_text_and_language_only_once_and_bounded() -> None:
    learned = add_examples({}, "fees", [("en", " is  it free? "), ("en", "is it free?")])
    learned = add_examples(learned, "fees", [("zh", "免费吗"), ("en", "x" * 400), ("de", "frei?")])
    assert learned == {"fees": {"en": ["is it free?"], "zh": ["免费吗"]}}


# --------------------------------------------------------------------------- kb learned


def test_kb_learned_prints_then_merges_into_the_knowledge_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge, data = tmp_path / "knowledge", tmp_path / "data"
    shutil.copytree(KNOWLEDGE, knowledge)
    data.mkdir()
    monkeypatch.setenv("BOT_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("BOT_DATA_DIR", str(data))
    learned = {
        "housing": {"en": ["is there a pool: on campus?", 'a "quoted" one'], "zh": ["有泳池吗"]}
    }
    write_learned(data / FILE_NAME, learned)
    before = (knowledge / "programme.yaml").read_text(encoding="utf-8")

    assert main(["kb", "learned"]) == 0
    printed = capsys.readouterr().out
    assert "- id: housing  # knowledge/programme.yaml" in printed
    assert '"is there a pool: on campus?"' in printed and '"有泳池吗"' in printed

    assert main(["kb", "learned", "--merge"]) == 0
    assert "programme.yaml: 3 examples added" in capsys.readouterr().out
    after = (knowledge / "programme.yaml").read_text(encoding="utf-8")
    added = set(after.splitlines()) - set(before.splitlines())
    assert len(after.splitlines()) == len(before.splitlines()) + 3  # nothing else rewritten
    assert any('"is there a pool: on campus?"' in line for line in added)
    housing = load_knowledge(knowledge).entries["housing"]
    assert housing.examples["en"][-2:] == ("is there a pool: on campus?", 'a "quoted" one')
    assert housing.examples["zh"][-1] == "有泳池吗"
    assert load_learned(data / FILE_NAME, load_knowledge(knowledge)) == {}
    assert main(["kb", "learned", "--merge"]) == 0  # nothing left: nothing changes
    assert (knowledge / "programme.yaml").read_text(encoding="utf-8") == after


def test_kb_check_names_a_broken_learned_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    write(tmp_path / FILE_NAME, "examples:\n  no-such-entry: {en: [hello]}\n")
    assert main(["kb", "check"]) == 2
    assert (
        "learned-examples.yaml: entry 'no-such-entry': unknown entry id" in capsys.readouterr().err
    )


def test_merge_into_block_lists(tmp_path: Path) -> None:
    write(
        tmp_path / "entries.yaml",
        "entries:\n  - id: fees\n    title: {en: Fees, zh: 费用, fr: Frais}\n"
        "    answer: {en: Free., zh: 免费。, fr: Gratuit.}\n    examples:\n      en:\n"
        "        - fees\n      zh: [费用]\n      fr: [frais]\n",
    )
    assert merge_into_knowledge(tmp_path, {"fees": {"en": ["cost?"]}}) == {"entries.yaml": 1}
    assert load_knowledge(tmp_path).entries["fees"].examples["en"] == ("fees", "cost?")


# --------------------------------------------------------------------------- grouping


POOL = (
    "Is there a swimming pool on campus?",
    "is there a gym on campus",
    "does CQMU have a swimming pool",
    "学校有游泳池吗",
    "can I use the swiming pool at the university?",
    "学校有没有游泳池",
)
HOUSING = ("is housing free?", "住宿免费吗", "le logement est gratuit ?")


def grouped(assistant: Assistant, texts: Sequence[str]) -> list[list[int]]:
    groups = group_questions(assistant, [Phrase(i, t) for i, t in enumerate(texts)])
    return [sorted(g.ids) for g in groups]


def test_without_the_encoder_similar_questions_are_grouped_by_their_words(
    lexical: Assistant,
) -> None:
    assert lexical.matcher.encoder is None
    groups = group_questions(lexical, [Phrase(i, t) for i, t in enumerate(POOL)])
    assert [sorted(g.ids) for g in groups] == [[0, 2, 4], [3, 5], [1]]
    assert groups[0].entries and all(e in lexical.kb.entries for e in groups[0].entries)
    assert groups[0].samples(2) == [POOL[0], POOL[2]]
    assert grouped(lexical, HOUSING) == [[0], [1], [2]]  # words cannot cross languages


def test_with_the_encoder_one_question_in_three_languages_is_one_group(
    assistant: Assistant,
) -> None:
    assert assistant.matcher.encoder is not None
    texts = [HOUSING[0], "can I bring my dog?", HOUSING[1], "学校有停车场吗", HOUSING[2]]
    groups = group_questions(assistant, [Phrase(i, t) for i, t in enumerate(texts)])
    assert [sorted(g.ids) for g in groups] == [[0, 2, 4], [1], [3]]
    assert groups[0].languages == ("en", "zh", "fr")
    assert grouped(assistant, POOL) == [[0, 2, 3, 4, 5], [1]]  # the gym stays apart


def test_samples_show_every_language_of_a_group_newest_first(assistant: Assistant) -> None:
    texts = [POOL[0], POOL[2], POOL[4], POOL[3], "y a-t-il une piscine sur le campus ?"]
    (group,) = group_questions(assistant, [Phrase(i, t) for i, t in enumerate(texts)])
    assert group.samples(3) == [texts[0], texts[3], texts[4]]
    assert group.samples(4) == texts[:2] + texts[3:]


def test_the_threshold_across_languages_keeps_different_questions_apart(
    assistant: Assistant,
) -> None:
    """What ACROSS_LANGUAGES was chosen on: merging by meaning alone at it, no two different
    questions of the calibration set meet, and most questions meet in all three languages."""
    questions = yaml.safe_load((FIXTURES / "grouping" / "languages.yaml").read_text("utf-8"))
    texts = [(i, lang, q[lang]) for i, q in enumerate(questions["questions"]) for lang in q]
    assert assistant.matcher.encoder is not None
    vectors = assistant.matcher.encoder.encode([text for _, _, text in texts])
    close = vectors @ vectors.T >= ACROSS_LANGUAGES
    links = [
        (a, b)
        for a, b in itertools.combinations(range(len(texts)), 2)
        if texts[a][1] != texts[b][1] and close[a, b]
    ]
    assert all(texts[a][0] == texts[b][0] for a, b in links)  # never two different questions
    linked = collections.Counter(texts[a][0] for a, _ in links)
    assert sum(1 for count in linked.values() if count >= 2) >= 14  # 3 languages joined


# --------------------------------------------------------------------------- storage


@pytest.mark.asyncio
async def test_review_rows_follow_the_questions(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.sqlite3") as store:
        await store.log_question(1, "en", "pool?", None, 0.2)
        await store.log_question(2, "en", "a pool?", None, 0.3)
        await store.log_question(2, "en", "fees", "fees", 0.9)
        await store.log_question(2, "en", "to a coordinator", "handoff", 1.0)
        await store.log_question(2, "en", "fees??", "fees", 0.5)  # below the threshold
        found = await store.unreviewed_questions(timedelta(days=1), 0.6)
        assert [q.text for q in found] == ["fees??", "a pool?", "pool?"]
        listing = await store.save_listing([([q.id for q in found[1:]], ["housing"])])
        (group,) = await store.listing_groups(listing)
        assert group.entries == ("housing",) and len(group.questions) == 2
        await store.forget_user(2)  # a student's /forget takes their question out of the group
        group_after = await store.review_group(group.id)
        assert group_after is not None and [q.text for q in group_after.questions] == ["pool?"]
        assert await store.resolve_group(group.id, IGNORED) == 1
        assert await store.listing_groups(listing) == []
        assert await store.unreviewed_questions(timedelta(days=1), 0.6) == []


@pytest.mark.asyncio
async def test_grouping_in_steps_lets_the_other_tasks_run_and_groups_the_same(
    assistant: Assistant,
) -> None:
    """The console and /unanswered group on the event loop in steps: another task (a
    student's answer, an API call) runs between every two steps, and the groups are those of
    one go."""
    phrases = [Phrase(i, t) for i, t in enumerate(POOL * 4)]
    turns = 0

    async def other_task() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_task())
    groups = await group_between(assistant, phrases)
    other.cancel()
    assert turns >= len(phrases), "the other task ran between the steps"
    assert groups == group_questions(assistant, phrases)
    steps = sum(1 for _ in grouping_steps(assistant, phrases))
    assert steps >= len(phrases), "a step at least for each question read"
