"""Bundling the spec's schemas into self-contained JSON Schemas and compiling them."""

from __future__ import annotations

import json

import pytest

from cph import load_spec
from cph.mock import bundle_schema, compile_response_validators, compile_schema, response_schema
from cph.mock._schemas import iter_operations

SPEC = load_spec()


def test_bundle_points_every_reference_into_defs() -> None:
    bundled = bundle_schema(SPEC, {"$ref": "#/components/schemas/RestartCloudPhoneServerResponse"})
    text = json.dumps(bundled)
    assert "#/components/" not in text
    assert "#/$defs/ServerJob" in text
    assert set(bundled["$defs"]) == set(SPEC["components"]["schemas"])
    assert bundled["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_bundle_does_not_modify_the_spec() -> None:
    before = json.dumps(SPEC["components"]["schemas"], sort_keys=True)
    bundle_schema(SPEC, {"$ref": "#/components/schemas/ShowJobResponse"})
    assert json.dumps(SPEC["components"]["schemas"], sort_keys=True) == before


def test_non_component_reference_is_refused() -> None:
    with pytest.raises(ValueError, match="not under"):
        bundle_schema(SPEC, {"$ref": "#/paths/x"})


def test_compiled_request_body_validator_follows_the_spec() -> None:
    validator = compile_schema(SPEC, {"$ref": "#/components/schemas/RestartCloudPhoneServerRequestBody"})
    assert validator.is_valid({"server_ids": ["1234567b8bab40ffb711234cb80d0234"]})
    assert validator.is_valid({"server_ids": ["1234567b8bab40ffb711234cb80d0234"], "extra": 1})
    assert not validator.is_valid({"server_ids": []})
    assert not validator.is_valid({"server_ids": ["1234567B8BAB40FFB711234CB80D0234"]})
    assert not validator.is_valid({"server_ids": ["1234567b8bab40ffb711234cb80d0234"] * 101})
    assert not validator.is_valid({})


def test_a_validator_exists_for_every_declared_response() -> None:
    validators = compile_response_validators(SPEC)
    declared = {
        (op["operationId"], int(status)) for _p, _m, _i, op in iter_operations(SPEC) for status in op["responses"]
    }
    assert set(validators) == declared
    assert len(declared) >= 4 * 9


def test_response_schema_of_unknown_operation_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        response_schema(SPEC, "NoSuchOperation", 200)
