"""cph._spec: finding the packaged documents, choosing a profile, and following references."""

from __future__ import annotations

import pytest

from cph import load_spec
from cph._spec import (
    CATALOG_FILE,
    DECISIONS_FILE,
    PROVIDER_SPEC_FILE,
    SPEC_FILE,
    STRICT_SPEC_FILE,
    data_path,
    deref,
    load_decisions,
    resolve_ref,
)


def test_every_file_is_found() -> None:
    for name in (PROVIDER_SPEC_FILE, STRICT_SPEC_FILE, CATALOG_FILE, DECISIONS_FILE):
        assert data_path(name).name == name
    assert SPEC_FILE == STRICT_SPEC_FILE


def test_missing_file_names_the_problem() -> None:
    with pytest.raises(FileNotFoundError, match="reinstall"):
        data_path("no-such-file.yaml")


def test_strict_is_the_default_profile_and_differs_from_the_provider_contract() -> None:
    assert load_spec() is load_spec("strict")
    strict_id = load_spec("strict")["components"]["schemas"]["Id32"]
    provider_id = load_spec("provider")["components"]["schemas"]["Id32"]
    assert strict_id["pattern"] == "^[0-9a-f]{32}$"
    assert "pattern" not in provider_id


def test_decisions_are_the_overlay_actions_each_with_its_reason() -> None:
    decisions = load_decisions()
    assert decisions is load_decisions()
    assert any(d["target"] == "$.components.schemas.Id32" for d in decisions)
    assert all(d["description"] for d in decisions)


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        load_spec("lenient")  # type: ignore[arg-type]


def test_resolve_and_deref_follow_local_pointers() -> None:
    spec = load_spec()
    assert resolve_ref(spec, "#/components/schemas/Id32")["pattern"] == "^[0-9a-f]{32}$"
    response = spec["paths"]["/v1/{project_id}/cloud-phone/jobs/{job_id}"]["get"]["responses"]["404"]
    assert "content" in deref(spec, response)
    with pytest.raises(ValueError, match="local"):
        resolve_ref(spec, "other.yaml#/x")


def test_load_spec_is_cached() -> None:
    assert load_spec() is load_spec()
    assert load_spec("provider") is load_spec("provider")
