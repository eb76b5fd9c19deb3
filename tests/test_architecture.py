"""The shape of the code: no import cycles, layers that import one way, declared text keys."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bot.content.texts import Texts
from bot.telegram.handlers import FEATURES
from scripts import check_imports
from tests.auxil.paths import CONVERSATIONS

ROOT = Path(__file__).resolve().parent.parent


def test_no_import_cycles_and_layers_point_one_way() -> None:
    assert check_imports.problems() == []


def test_the_checker_sees_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert check_imports.cycles(edges) == [["a", "b", "c"]]


def test_the_checker_refuses_the_emulator_in_the_bot_and_handlers_importing_handlers() -> None:
    edges = {
        "bot.chat": {"telegram_emulator", "telegram_emulator.users"},
        "bot.telegram.content": {"telegram_emulator.formatting", "bot.telegram_rules"},
        "bot.telegram.handlers.language": {
            "bot.telegram.handlers.common",
            "bot.telegram.handlers.navigation",
        },
        "bot.telegram.handlers": {"bot.telegram.handlers.language"},
        "telegram_emulator.messaging": {"bot.telegram_rules"},
    }
    assert [line.split(" (")[0] for line in check_imports.rule_problems(edges)] == [
        "emulator: bot.telegram.content imports telegram_emulator.formatting",
        "handlers: bot.telegram.handlers.language imports bot.telegram.handlers.navigation",
    ]


def test_no_test_module_imports_another() -> None:
    """Helpers shared by tests live in tests/auxil/; a test module, a conftest or a benchmark
    imports no test module or conftest."""
    tests = ROOT / "tests"
    modules = [*tests.rglob("test_*.py"), *tests.rglob("conftest.py")]
    names = {check_imports.module_name(path) for path in modules}
    found = {
        f"{check_imports.module_name(path)} imports {name}"
        for path in [*modules, *(ROOT / "benchmarks").rglob("*.py")]
        for name in check_imports.imports(path, names)
        if name in names
    }
    assert sorted(found) == []


def test_understanding_content_and_storage_never_import_telegram() -> None:
    code = (
        "import sys, bot.understanding.answers, bot.understanding.evaluation, "
        "bot.content.menus, bot.content.forms, bot.storage; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'telegram'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def used_text_keys(source: str) -> set[str]:
    """Literal keys of ``….texts.get("key", …)`` calls in ``source``."""
    keys = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and ast.unparse(node.func.value).endswith("texts")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            keys.add(node.args[0].value)
    return keys


def undeclared_text_keys(module: ModuleType) -> set[str]:
    """Keys a handler module uses without declaring them in its ``TEXTS``."""
    source = Path(str(module.__file__)).read_text(encoding="utf-8")
    return used_text_keys(source) - set(module.TEXTS)


@pytest.mark.parametrize("feature", FEATURES, ids=lambda m: m.__name__.rpartition(".")[2])
def test_every_handler_declares_the_text_keys_it_uses(feature: ModuleType) -> None:
    assert undeclared_text_keys(feature) == set()


SERVICES_WITH_TEXTS = ("announcer", "notices", "relay_batches")  # outside handlers/


@pytest.mark.parametrize("name", SERVICES_WITH_TEXTS)
def test_every_service_declares_the_text_keys_it_uses(name: str) -> None:
    """Modules outside handlers/ that send texts declare them too; the features using them
    include their ``TEXTS`` (checked at start)."""
    module = importlib.import_module(f"bot.telegram.{name}")
    assert undeclared_text_keys(module) == set()
    assert any(module.TEXTS <= feature.TEXTS for feature in FEATURES)


def test_every_declared_text_key_exists_in_every_language() -> None:
    texts = Texts.load(CONVERSATIONS)
    for feature in FEATURES:
        texts.require(feature.TEXTS, feature.__name__)  # raises, naming what is missing


def test_a_misspelt_key_is_caught(tmp_path: Path) -> None:
    fixture = tmp_path / "misspelt.py"
    fixture.write_text(
        'TEXTS = frozenset({"welcome"})\n'
        "def greet(texts, lang):\n"
        '    return texts.get("welcom", lang)\n',
        encoding="utf-8",
    )
    module = ModuleType("misspelt")
    module.__file__ = str(fixture)
    module.TEXTS = frozenset({"welcome"})  # type: ignore[attr-defined]
    assert undeclared_text_keys(module) == {"welcom"}
