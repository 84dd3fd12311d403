"""Golden record: ``generated/`` is exactly what openapi-python-client makes of the spec today.

Changing the spec (even one description) without running ``nox -s generate`` fails this test; so does any hand
edit of ``generated/``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("generate_client", ROOT / "scripts" / "generate_client.py")
assert _spec is not None
assert _spec.loader is not None
generate_client = importlib.util.module_from_spec(_spec)
sys.modules["generate_client"] = generate_client
_spec.loader.exec_module(generate_client)


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".ruff_cache" not in p.parts
    }


@pytest.mark.slow
def test_generated_tree_matches_a_fresh_generation(tmp_path: Path) -> None:
    fresh = tmp_path / "cph_api"
    generate_client.generate(fresh)
    committed = tree(generate_client.GENERATED)
    regenerated = tree(fresh)
    assert sorted(committed) == sorted(regenerated), "files differ: run `nox -s generate`"
    changed = [name for name in committed if committed[name] != regenerated[name]]
    assert changed == [], f"generated/ is stale or hand-edited in {changed}: run `nox -s generate`"
