"""Loading and validating knowledge files, including broken ones."""

from __future__ import annotations

import pytest

from bot.content.knowledge import KnowledgeError, load_knowledge
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
