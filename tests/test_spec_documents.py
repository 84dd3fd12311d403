"""The two documents: the provider contract states no decision of ours; the strict one is the overlay applied.

Why: the suite's ``provider`` profile and the generated clients inherit every rule of the provider contract, so a
decision of ours leaking into it would make them reject real CPH traffic. The strict document is generated, like
``generated/``; a stale copy would let the mock drift from the overlay that explains it.
"""

from __future__ import annotations

import datetime
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cph import load_catalog, load_spec

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("generate_client", ROOT / "scripts" / "generate_client.py")
assert _spec is not None
assert _spec.loader is not None
generate_client = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("generate_client", generate_client)
_spec.loader.exec_module(generate_client)

OVERLAY = yaml.safe_load(generate_client.OVERLAY.read_text(encoding="utf-8"))
CODE = re.compile(r"\b(?:CPS|APIGW|APIG)\.[0-9]{4}\b")


def strings(node: Any) -> list[str]:
    """Every string (keys included) of a loaded YAML document."""
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (*strings(key), *strings(value))]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return [node] if isinstance(node, str) else []


def scalars(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in scalars(value)]
    if isinstance(node, list):
        return [s for value in node for s in scalars(value)]
    return [node]


@pytest.mark.slow
def test_the_committed_strict_document_is_the_overlay_applied(tmp_path: Path) -> None:
    fresh = tmp_path / "strict.yaml"
    generate_client.build_strict(fresh)
    committed = generate_client.STRICT.read_text(encoding="utf-8")
    assert committed == fresh.read_text(encoding="utf-8"), "strict document is stale: run `nox -s generate`"


@pytest.mark.slow
def test_an_overlay_action_that_no_longer_applies_fails_the_build(tmp_path: Path) -> None:
    """A decision whose target matches nothing (the provider contract changed under it) must not vanish silently."""
    stale = {**OVERLAY, "actions": [*OVERLAY["actions"], {"target": "$.components.schemas.Gone", "update": {}}]}
    overlay = tmp_path / "stale.overlay.yaml"
    overlay.write_text(yaml.safe_dump(stale, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuntimeError, match=f"applied {len(OVERLAY['actions'])} of {len(OVERLAY['actions']) + 1}"):
        generate_client.build_strict(tmp_path / "strict.yaml", overlay)


def test_the_overlay_is_an_overlay_1_0_document_on_the_provider_contract() -> None:
    assert OVERLAY["overlay"] == "1.0.0"
    assert OVERLAY["extends"] == generate_client.SPEC.name
    assert OVERLAY["info"]["title"]
    assert OVERLAY["actions"]


@pytest.mark.parametrize("index", range(len(OVERLAY["actions"])))
def test_every_decision_says_why(index: int) -> None:
    action = OVERLAY["actions"][index]
    assert action["target"].startswith("$")
    assert len(action.get("description", "").split()) >= 6, f"action {index} ({action['target']}) needs a reason"
    assert ("update" in action) != ("remove" in action)


def test_the_provider_contract_states_no_decision_of_ours() -> None:
    provider = load_spec("provider")
    text = " ".join(strings(provider)).lower()
    assert "decision (ours)" not in text
    assert "decision, ours" not in text
    assert "127.0.0.1" not in text  # the embedded mock is a server of the strict document only
    catalog = load_catalog()
    documented = {entry.code for entry in catalog if entry.source == "doc"}
    for code in CODE.findall(" ".join(strings(provider))):
        assert catalog.canonical_code(code) in documented, f"{code} is not a documented code; it belongs in the overlay"


def test_every_operation_of_the_provider_contract_names_its_source() -> None:
    for item in load_spec("provider")["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                assert "CPH API reference" in operation["description"], operation["operationId"]


def test_every_decision_text_of_the_strict_document_comes_from_the_overlay() -> None:
    """The strict document says nothing the provider contract or the overlay does not (one decision, one place)."""
    overlay_text = " ".join(strings(OVERLAY["actions"]))
    provider_text = " ".join(strings(load_spec("provider")))
    for text in strings(load_spec("strict")):
        if "Decision (ours)" in text or "decision, ours" in text:
            assert text in overlay_text
        else:
            assert text in provider_text or text in overlay_text, text[:80]


@pytest.mark.parametrize("profile", ["provider", "strict"])
def test_documents_load_as_plain_json_values(profile: str) -> None:
    """YAML 1.1 readers (PyYAML) must not see dates where the document means strings."""
    for value in scalars(load_spec(profile)):  # type: ignore[arg-type]
        assert not isinstance(value, datetime.date), value


def test_the_strict_document_says_it_is_generated() -> None:
    head = generate_client.STRICT.read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("# GENERATED")
