"""The ``institutions:`` section of matching.yaml is checked when the matcher loads (``kb
check``): a pattern that does not compile, or a language missing, is refused with its place."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot.content.knowledge import KnowledgeError, load_yaml
from bot.understanding.institutions import Institutions

SECTION: dict[str, Any] = load_yaml(Path(__file__).parent.parent / "knowledge" / "matching.yaml")[
    "institutions"
]


def test_the_section_as_shipped_loads() -> None:
    institutions = Institutions.read(SECTION, ["Neurology"], ["at", "the", "is"])
    assert institutions.elsewhere("Does Peking University have an exchange?")
    assert not institutions.elsewhere("I study at Peking University, is housing free?")


def test_a_pattern_that_does_not_compile_is_refused_with_its_place() -> None:
    broken = copy.deepcopy(SECTION)
    broken["names"]["fr"] = ["(universite"]
    with pytest.raises(KnowledgeError, match="institutions: names fr"):
        Institutions.read(broken, [], [])


def test_a_language_missing_is_refused() -> None:
    broken = copy.deepcopy(SECTION)
    del broken["home"]["zh"]
    with pytest.raises(KnowledgeError, match="institutions: home needs en, zh and fr"):
        Institutions.read(broken, [], [])


def test_a_short_name_is_found_in_an_institution_s_name_only_as_whole_words() -> None:
    from bot.understanding.institutions import _within

    assert not _within("rea", "universite de montreal")  # the ICU's "réa" in Montréal
    assert not _within("ct", "university of connecticut")  # the radiology "CT"
    assert _within("strasbourg", "university of strasbourg")
    assert _within("重庆医科大学", "重庆医科大学附属医院")


def test_a_partner_asked_about_its_own_offer_is_elsewhere_unless_the_exchange_is_named() -> None:
    institutions = Institutions.read(SECTION, ["Neurology"], ["at", "the", "is"])
    assert institutions.elsewhere("Is Dartmouth itself good for an MBA?")
    assert institutions.elsewhere("L'Université de Strasbourg propose une licence de droit ?")
    assert institutions.elsewhere("达特茅斯本身的法学院排名怎么样")
    assert not institutions.elsewhere("Do CSC students take courses in Strasbourg?")
    assert not institutions.elsewhere("depuis quand la fac de Strasbourg bosse avec Chongqing ?")


def test_an_unknown_short_form_is_an_institution_only_as_an_owner() -> None:
    institutions = Institutions.read(
        SECTION, ["Neurology"], ["at", "the", "is", "in"], words=["hsk", "usd"]
    )
    assert institutions.elsewhere("UM 的护理硕士要读几年")
    assert institutions.elsewhere("Comment s'inscrire en licence à l'UCAD ?")
    assert not institutions.elsewhere("HSK 的成绩要多少")  # a word of the knowledge base
    assert not institutions.elsewhere("I study at UM, is housing free?")  # the home
    assert not institutions.elsewhere("Is the programme fee paid in EUR?")  # no owner


def test_enrolling_at_another_university_is_elsewhere_even_after_a_self_introduction() -> None:
    institutions = Institutions.read(SECTION, ["Neurology"], ["at", "the", "is", "to"])
    assert institutions.elsewhere("I'm a nurse, how do I apply to Peking University?")
    assert not institutions.elsewhere("I'm a nurse at Peking University, can I apply?")
