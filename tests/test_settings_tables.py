"""The README's option tables are rendered from the settings declarations and must not drift from them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from conformance.settings import SuiteOptions
from cph.mock import MockSettings
from cph.settings import options

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("settings_tables", ROOT / "scripts" / "settings_tables.py")
assert _spec is not None
assert _spec.loader is not None
tables = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tables)


@pytest.mark.parametrize("name", ["mock", "conformance"])
def test_readme_table_matches_the_declaration(name: str) -> None:
    path, model = tables.TABLES[name]
    text = path.read_text(encoding="utf-8")
    assert tables.render(text, name, model) == text, "run: python scripts/settings_tables.py"


@pytest.mark.parametrize("model", [MockSettings, SuiteOptions])
def test_every_option_has_a_row(model: type) -> None:
    path = {MockSettings: ROOT / "README.md", SuiteOptions: ROOT / "conformance" / "README.md"}[model]
    text = path.read_text(encoding="utf-8")
    for item in options(model):
        assert f"| `{item.key}` |" in text
        assert item.env[0] in text


def test_a_changed_declaration_is_detected() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    drifted = text.replace("| Servers in the primary project. |", "| Servers. |")
    assert drifted != text
    assert tables.render(drifted, "mock", MockSettings) == text
