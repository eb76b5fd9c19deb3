"""Loading and validating knowledge files, including broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from tests.auxil.paths import FIXTURES, KNOWLEDGE

KB = FIXTURES / "kb"


def test_valid_fixture_loads_and_renders_items_escaped() -> None:
    kb = load_knowledge(KB / "valid")
    assert set(kb.entries) == {"fees", "lists"}
    assert kb.render("lists", "en") == "Specialties: 1. Pharmacology &amp; Toxicology"
    assert kb.render("lists", "zh") == "专科：1. 药理学与毒理学（Pharmacology &amp; Toxicology）"
    assert kb.items["pharmacology"].memberships[0].entry_id == "lists"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing_language", "entries.yaml: entry 'fees': 'answer.fr' is missing or empty"),
        ("duplicate_id", "entries.yaml: entry 'fees': duplicate id"),
        ("bad_related", "entries.yaml: entry 'fees': unknown related 'housing'"),
        ("numbers_differ", "entry 'fees': numbers differ between answer.en and answer.fr"),
        ("bad_yaml", "entries.yaml: line 4 invalid YAML"),
        ("unknown_field", "entries.yaml: entry 'fees': unknown field(s): relatd"),
        ("item_names_differ", "item 'pharmacology': its names differ"),
    ],
)
def test_broken_files_are_rejected_with_file_and_entry(case: str, message: str) -> None:
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(KB / case)
    assert any(message in problem for problem in error.value.problems), error.value.problems


def test_real_knowledge_base_is_valid() -> None:
    kb = load_knowledge(KNOWLEDGE)
    assert len(kb.entries) >= 30


_ITEMS = """
entries:
  - id: lists
    title: {en: Lists, zh: 列表, fr: Listes}
    answer: {en: "Specialties: {items}", zh: "专科：{items}", fr: "Spécialités : {items}"}
    examples: {en: [specialties], zh: [专科], fr: [spécialités]}
    member: {en: a specialty, zh: 一个专科, fr: une spécialité}
    items:
      - id: geriatrics
        name: {en: Geriatrics, zh: 老年医学科, fr: Gériatrie}
        article: {fr: la}
        aliases: {en: [elderly care]}
        descriptions: GERIATRICS
      - id: pediatrics
        name: {en: Pediatrics, zh: 儿科学, fr: Pédiatrie}
        article: {fr: la}
        descriptions: PEDIATRICS
"""


def _load_items(tmp_path: Path, geriatrics: str, pediatrics: str) -> KnowledgeBase:
    text = _ITEMS.replace("GERIATRICS", geriatrics).replace("PEDIATRICS", pediatrics)
    (tmp_path / "lists.yaml").write_text(text, encoding="utf-8")
    return load_knowledge(tmp_path)


def test_items_descriptions_are_read_per_language(tmp_path: Path) -> None:
    kb = _load_items(
        tmp_path,
        "{en: [medicine for old people], zh: [给老人看病], fr: [la médecine des seniors]}",
        "{en: [doctors for kids], zh: [给小孩看病], fr: [les médecins des enfants]}",
    )
    assert kb.items["geriatrics"].descriptions["fr"] == ("la médecine des seniors",)
    assert kb.items["geriatrics"].aliases["en"] == ("elderly care",)


@pytest.mark.parametrize(
    ("geriatrics", "message"),
    [
        ("{en: [medicine for old people], zh: [给老人看病]}", "'descriptions.fr' must be"),
        ("{en: [Elderly-care!], zh: [给老人看病], fr: [seniors]}", "is a name or alias"),
        ("{en: [pediatrics], zh: [给老人看病], fr: [seniors]}", "(of 'pediatrics')"),
        ("{en: [Doctors for KIDS], zh: [给老人看病], fr: [seniors]}", "also describes"),
    ],
)
def test_items_descriptions_are_checked(tmp_path: Path, geriatrics: str, message: str) -> None:
    """Every language, never a name or alias (any item's), never shared by two items."""
    with pytest.raises(KnowledgeError) as error:
        _load_items(
            tmp_path, geriatrics, "{en: [doctors for kids], zh: [给小孩看病], fr: [enfants]}"
        )
    assert any(message in problem for problem in error.value.problems), error.value.problems


def test_real_items_all_have_descriptions() -> None:
    """Every listed item of the real knowledge base is described in lay words, 3-6 phrasings
    per language."""
    kb = load_knowledge(KNOWLEDGE)
    for item in kb.items.values():
        for lang in ("en", "zh", "fr"):
            assert 3 <= len(item.descriptions.get(lang, ())) <= 6, (item.id, lang)


_NEEDS = """
entries:
  - id: fees
    title: {en: Fees, zh: 费用, fr: Frais}
    answer: {en: No fee., zh: 不收费。, fr: Aucun frais.}
    examples: {en: [what are the fees], zh: [费用多少], fr: [quels sont les frais]}
    keywords: {en: [tuition], zh: [学费], fr: [scolarité]}
    needs: FEES
  - id: housing
    title: {en: Housing, zh: 住宿, fr: Logement}
    answer: {en: Free housing., zh: 免费住宿。, fr: Logement gratuit.}
    examples: {en: [is housing free], zh: [住宿免费吗], fr: [le logement est gratuit]}
    needs: HOUSING
"""


def _load_needs(tmp_path: Path, fees: str, housing: str = "{en: [a bed]}") -> KnowledgeBase:
    text = _NEEDS.replace("FEES", fees).replace("HOUSING", housing)
    (tmp_path / "entries.yaml").write_text(text, encoding="utf-8")
    return load_knowledge(tmp_path)


def test_entries_needs_are_read_per_language(tmp_path: Path) -> None:
    """A need is optional per language (French lists are written apart)."""
    kb = _load_needs(tmp_path, "{en: [budget, afford], zh: [手头紧]}")
    assert kb.entries["fees"].needs == {"en": ("budget", "afford"), "zh": ("手头紧",)}
    assert "fr" not in kb.entries["housing"].needs


@pytest.mark.parametrize(
    ("fees", "message"),
    [
        ("{en: [Tuition!]}", "entry 'fees': needs.en 'Tuition!' is a keyword or the title"),
        ("{zh: [费用]}", "entry 'fees': needs.zh '费用' is a keyword or the title"),
        ("{en: [A bed]}", "entry 'housing': needs.en 'a bed' is also a need of 'fees'"),
        ("{en: []}", "'needs.en' must be a non-empty list"),
        ("{de: [Geld]}", "'needs' has unknown language 'de'"),
    ],
)
def test_entries_needs_are_checked(tmp_path: Path, fees: str, message: str) -> None:
    """A need is said in everyday words: never the entry's own keyword or title, never the
    need of two entries."""
    with pytest.raises(KnowledgeError) as error:
        _load_needs(tmp_path, fees)
    assert any(message in problem for problem in error.value.problems), error.value.problems
