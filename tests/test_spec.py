"""The OpenAPI document is valid, its examples are true, and it agrees with the error-code catalog."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from openapi_spec_validator import validate

from cph import load_catalog, load_spec
from cph._spec import deref

SPEC = load_spec()
CATALOG = load_catalog()
METHODS = ("get", "put", "post", "delete", "patch")


def schema_validator(schema: dict[str, Any]) -> Any:
    """A Draft 2020-12 validator for ``schema`` whose ``#/components/...`` references resolve in the spec."""
    root = {**schema, "components": SPEC["components"]}
    return jsonschema_rs.Draft202012Validator(root)


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in SPEC["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def media_examples() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(id, schema, example value) for every request and response example."""
    for path, method, op in operations():
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            for name, ex in body.get("examples", {}).items():
                yield (
                    f"{op['operationId']}-request-{name}",
                    body["schema"],
                    deref(SPEC, ex)["value"],
                )
        for status, response in op["responses"].items():
            media = deref(SPEC, response).get("content", {}).get("application/json")
            for name, ex in (media or {}).get("examples", {}).items():
                ident = f"{op['operationId']}-{status}-{name}"
                yield ident, media["schema"], deref(SPEC, ex)["value"]
        del path, method


def error_examples() -> Iterator[tuple[str, str, int, dict[str, Any]]]:
    """(id, operationId, status, example body) for every 4xx/5xx example."""
    for _path, _method, op in operations():
        for status, response in op["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            media = deref(SPEC, response)["content"]["application/json"]
            for name, ex in media["examples"].items():
                value = deref(SPEC, ex)["value"]
                yield f"{op['operationId']}-{status}-{name}", op["operationId"], int(status), value


def test_document_is_valid_openapi_3_1() -> None:
    assert SPEC["openapi"] == "3.1.0"
    validate(SPEC)


@pytest.mark.parametrize(("schema", "example"), [pytest.param(s, e, id=i) for i, s, e in media_examples()])
def test_every_example_validates_against_its_schema(schema: dict[str, Any], example: Any) -> None:
    errors = [e.message for e in schema_validator(schema).iter_errors(example)]
    assert errors == []


def test_examples_cover_every_operation_and_status() -> None:
    covered = {i.rsplit("-", 1)[0] for i, _s, _e in media_examples()}
    for _path, _method, op in operations():
        for status in op["responses"]:
            assert f"{op['operationId']}-{status}" in covered


@pytest.mark.parametrize(
    ("operation_id", "status", "body"),
    [pytest.param(o, s, b, id=i) for i, o, s, b in error_examples()],
)
def test_every_error_example_is_in_the_catalog(operation_id: str, status: int, body: dict[str, Any]) -> None:
    entry = CATALOG.get(body["error_code"], status)
    assert entry is not None, f"{body['error_code']} with {status} is not in the catalog"
    assert entry.scope == "request"
    assert entry.applies_to(operation_id)
    assert entry.matches_message(body["error_msg"])


def test_every_catalog_entry_is_documented_for_each_operation_it_applies_to() -> None:
    documented = {(o, s, b["error_code"]) for _i, o, s, b in error_examples()}
    for entry in CATALOG:
        if entry.scope != "request":
            continue
        for _path, _method, op in operations():
            op_id = op["operationId"]
            if entry.applies_to(op_id) and str(entry.status) in op["responses"]:
                assert (op_id, entry.status, entry.code) in documented, (op_id, entry)


@pytest.mark.parametrize("entry", list(CATALOG), ids=lambda e: f"{e.code}-{e.status}")
def test_every_catalog_entry_validates_against_the_error_schema(entry: Any) -> None:
    body = {"request_id": "0" * 32, "error_code": entry.code, "error_msg": entry.message}
    validator = schema_validator({"$ref": "#/components/schemas/ErrorResponse"})
    assert [e.message for e in validator.iter_errors(body)] == []


@pytest.mark.parametrize("entry", [e for e in CATALOG if e.scope == "job"], ids=lambda e: e.code)
def test_every_job_scoped_entry_fits_the_server_job_schema(entry: Any) -> None:
    job = {"server_id": "f" * 32, "error_code": entry.code, "error_msg": entry.message}
    validator = schema_validator({"$ref": "#/components/schemas/ServerJob"})
    assert validator.is_valid(job)


def test_catalog_entries_are_unique_and_well_formed() -> None:
    keys = [(e.code, e.status) for e in CATALOG]
    assert len(keys) == len(set(keys))
    operation_ids = {op["operationId"] for _p, _m, op in operations()}
    for entry in CATALOG:
        assert entry.retryable in {"yes", "no", "unknown-outcome"}
        assert set(entry.operations) <= operation_ids | {"*"}
        if entry.source in {"ours", "doc-analogue"}:
            assert entry.why, f"{entry.code}: a decision needs its reason"
        if entry.scope == "request":
            assert 400 <= entry.status <= 599
        else:
            assert entry.status == 200


def test_server_job_schema_separates_accepted_from_rejected() -> None:
    validator = schema_validator({"$ref": "#/components/schemas/ServerJob"})
    sid, jid = "1" * 32, "2" * 32
    assert validator.is_valid({"server_id": sid, "job_id": jid})
    assert validator.is_valid({"server_id": sid, "error_code": "CPS.0016", "error_msg": "server_id is invalid."})
    assert not validator.is_valid({"server_id": sid, "job_id": jid, "error_code": "CPS.0016", "error_msg": "x"})
    assert not validator.is_valid({"server_id": sid, "error_code": "CPS.0016"})


def test_parameters_with_x_cph_error_name_catalog_codes() -> None:
    """Every ``x-cph-error`` names a code the catalog defines, so the mock can answer with it."""
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "x-cph-error" in node:
                found.append(node["x-cph-error"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(SPEC)
    assert found
    assert set(found) <= CATALOG.codes()


def test_links_point_at_existing_operations() -> None:
    operation_ids = {op["operationId"] for _p, _m, op in operations()}
    restart = SPEC["paths"]["/v1/{project_id}/cloud-phone/servers/batch-restart"]["post"]
    links = restart["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} == {"ShowJob", "ListJobs"}
    assert {link["operationId"] for link in links.values()} <= operation_ids
