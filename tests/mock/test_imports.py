"""The mock's modules form no import circle (including imports made only for type checking)."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import cph.mock

PACKAGE = Path(cph.mock.__file__).parent


def mock_imports(path: Path) -> set[str]:
    """The ``cph.mock`` modules ``path`` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cph.mock."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("cph.mock.")}
    return found


def test_no_import_cycles_between_mock_modules() -> None:
    graph = {f"cph.mock.{path.stem}": mock_imports(path) for path in PACKAGE.glob("_*.py")}
    assert "cph.mock._state" in graph["cph.mock._app"]  # the scan sees real imports
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message
        raise AssertionError(f"import cycle: {exc.args[1]}") from None
    assert order.index("cph.mock._fleet") < order.index("cph.mock._state")
