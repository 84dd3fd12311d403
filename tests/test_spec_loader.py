"""cph._spec: finding the packaged document and following references."""

from __future__ import annotations

import pytest

from cph import load_spec
from cph._spec import CATALOG_FILE, SPEC_FILE, data_path, deref, resolve_ref


def test_both_files_are_found() -> None:
    assert data_path(SPEC_FILE).name == SPEC_FILE
    assert data_path(CATALOG_FILE).name == CATALOG_FILE


def test_missing_file_names_the_problem() -> None:
    with pytest.raises(FileNotFoundError, match="reinstall"):
        data_path("no-such-file.yaml")


def test_resolve_and_deref_follow_local_pointers() -> None:
    spec = load_spec()
    assert resolve_ref(spec, "#/components/schemas/Id32")["pattern"] == "^[0-9a-f]{32}$"
    response = spec["paths"]["/v1/{project_id}/cloud-phone/jobs/{job_id}"]["get"]["responses"]["404"]
    assert "content" in deref(spec, response)
    with pytest.raises(ValueError, match="local"):
        resolve_ref(spec, "other.yaml#/x")


def test_load_spec_is_cached() -> None:
    assert load_spec() is load_spec()
