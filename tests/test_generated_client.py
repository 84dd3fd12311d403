"""Golden record: ``generated/`` is exactly what openapi-python-client makes of the provider contract today.

Changing the spec (even one description) without running ``nox -s generate`` fails this test; so does any hand
edit of ``generated/``.
"""

from __future__ import annotations

import importlib
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


PROVIDER_LEGAL = [
    pytest.param("RestartCloudPhoneServerResponse", {}, id="restart-fields-omitted"),
    pytest.param(
        "RestartCloudPhoneServerResponse",
        {"request_id": "r", "jobs": [{"server_id": "9e3d5c0a-1b2c-4d5e-8f90-a1b2c3d4e5f6", "job_id": "j"}]},
        id="restart-hyphenated-ids",
    ),
    pytest.param(
        "ShowJobResponse", {"job_id": "j", "status": 1, "begin_time": None, "end_time": None}, id="null-times"
    ),
    pytest.param("ListJobsResponse", {"jobs": [{"node_id": "a-b", "end_time": "", "server_id": None}]}, id="list-jobs"),
    pytest.param("ListCloudPhoneServersResponse", {"servers": [{"status": 6, "network_version": "v3"}]}, id="status-6"),
    pytest.param("ErrorResponse", {"error_code": "APIG.0301"}, id="error-without-message"),
]


@pytest.mark.parametrize(("model", "body"), PROVIDER_LEGAL)
def test_the_generated_client_accepts_provider_legal_answers(model: str, body: dict[str, object]) -> None:
    """Generated from the provider contract, the client parses what the provider may legally send, and keeps it."""
    models = importlib.import_module("cph_api.models")
    parsed = getattr(models, model).from_dict(body)
    assert parsed.to_dict() == body
