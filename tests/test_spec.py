"""Both OpenAPI documents are valid, their examples are true, and they agree with the error-code catalog.

The provider contract (``load_spec("provider")``) may show only error codes whose catalog source is ``doc``; the
strict document (``load_spec("strict")``, the default) shows every code a caller can receive, decisions included.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from openapi_spec_validator import validate

from cph import CatalogEntry, load_catalog, load_spec
from cph._spec import Profile, deref

CATALOG = load_catalog()
METHODS = ("get", "put", "post", "delete", "patch")
PROFILES: tuple[Profile, ...] = ("provider", "strict")


def schema_validator(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A Draft 2020-12 validator for ``schema`` whose ``#/components/...`` references resolve in ``spec``."""
    root = {**schema, "components": spec["components"]}
    return jsonschema_rs.Draft202012Validator(root)


def operations(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in spec["paths"].values():
        for method in METHODS:
            if method in item:
                yield item[method]


def media_examples(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(id, schema, example value) for every request and response example."""
    for op in operations(spec):
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            for name, ex in body.get("examples", {}).items():
                yield f"{op['operationId']}-request-{name}", body["schema"], deref(spec, ex)["value"]
        for status, response in op["responses"].items():
            media = deref(spec, response).get("content", {}).get("application/json")
            for name, ex in (media or {}).get("examples", {}).items():
                yield f"{op['operationId']}-{status}-{name}", media["schema"], deref(spec, ex)["value"]


def error_examples(spec: dict[str, Any]) -> Iterator[tuple[str, str, int, dict[str, Any]]]:
    """(id, operationId, status, example body) for every 4xx/5xx example."""
    for op in operations(spec):
        for status, response in op["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            media = deref(spec, response)["content"]["application/json"]
            for name, ex in media["examples"].items():
                value = deref(spec, ex)["value"]
                yield f"{op['operationId']}-{status}-{name}", op["operationId"], int(status), value


def job_examples(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every per-server entry of every RestartCloudPhoneServer 200 example."""
    restart = spec["paths"]["/v1/{project_id}/cloud-phone/servers/batch-restart"]["post"]
    for ex in restart["responses"]["200"]["content"]["application/json"]["examples"].values():
        yield from deref(spec, ex)["value"]["jobs"]


def shown_in(profile: Profile, entry: CatalogEntry) -> bool:
    """Whether the document of ``profile`` must show ``entry``: the provider contract only documented codes."""
    return profile == "strict" or entry.source == "doc"


def cases(build: Any) -> list[Any]:
    """``pytest.param`` for each (profile, *case) of ``build(profile, spec)``, ids prefixed by the profile."""
    params = []
    for profile in PROFILES:
        for ident, *values in build(load_spec(profile)):
            params.append(pytest.param(profile, *values, id=f"{profile}-{ident}"))
    return params


@pytest.mark.parametrize("profile", PROFILES)
def test_document_is_valid_openapi_3_1(profile: Profile) -> None:
    spec = load_spec(profile)
    assert spec["openapi"] == "3.1.0"
    validate(spec)


@pytest.mark.parametrize(("profile", "schema", "example"), cases(media_examples))
def test_every_example_validates_against_its_schema(profile: Profile, schema: dict[str, Any], example: Any) -> None:
    errors = [e.message for e in schema_validator(load_spec(profile), schema).iter_errors(example)]
    assert errors == []


@pytest.mark.parametrize("profile", PROFILES)
def test_examples_cover_every_operation_and_status(profile: Profile) -> None:
    spec = load_spec(profile)
    covered = {i.rsplit("-", 1)[0] for i, _s, _e in media_examples(spec)}
    for op in operations(spec):
        for status in op["responses"]:
            assert f"{op['operationId']}-{status}" in covered


@pytest.mark.parametrize(("profile", "operation_id", "status", "body"), cases(error_examples))
def test_every_error_example_is_in_the_catalog(profile: Profile, operation_id: str, status: int, body: Any) -> None:
    entry = CATALOG.get(body["error_code"], status)
    assert entry is not None, f"{body['error_code']} with {status} is not in the catalog"
    assert entry.scope == "request"
    assert entry.applies_to(operation_id)
    assert entry.matches_message(body["error_msg"])
    assert shown_in(profile, entry), f"{entry.code} ({entry.source}) belongs in the overlay, not the provider contract"


@pytest.mark.parametrize("profile", PROFILES)
def test_every_catalog_entry_is_documented_for_each_operation_it_applies_to(profile: Profile) -> None:
    spec = load_spec(profile)
    documented = {(o, s, b["error_code"]) for _i, o, s, b in error_examples(spec)}
    for entry in CATALOG:
        if entry.scope != "request" or not shown_in(profile, entry):
            continue
        for op in operations(spec):
            op_id = op["operationId"]
            if entry.applies_to(op_id) and str(entry.status) in op["responses"]:
                assert (op_id, entry.status, entry.code) in documented, (profile, op_id, entry)


@pytest.mark.parametrize("profile", PROFILES)
def test_restart_examples_show_exactly_the_job_scoped_entries_of_the_profile(profile: Profile) -> None:
    spec = load_spec(profile)
    shown = {(job["error_code"], job["error_msg"]) for job in job_examples(spec) if "error_code" in job}
    expected = {(e.code, e.message) for e in CATALOG if e.scope == "job" and shown_in(profile, e)}
    assert shown == expected


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("entry", list(CATALOG), ids=lambda e: f"{e.code}-{e.status}")
def test_every_catalog_entry_validates_against_the_error_schema(profile: Profile, entry: CatalogEntry) -> None:
    spec = load_spec(profile)
    body = {"request_id": "0" * 32, "error_code": entry.code, "error_msg": entry.message}
    validator = schema_validator(spec, {"$ref": "#/components/schemas/ErrorResponse"})
    assert [e.message for e in validator.iter_errors(body)] == []


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("entry", [e for e in CATALOG if e.scope == "job"], ids=lambda e: e.code)
def test_every_job_scoped_entry_fits_the_server_job_schema(profile: Profile, entry: CatalogEntry) -> None:
    job = {"server_id": "f" * 32, "error_code": entry.code, "error_msg": entry.message}
    validator = schema_validator(load_spec(profile), {"$ref": "#/components/schemas/ServerJob"})
    assert validator.is_valid(job)


def test_catalog_entries_are_unique_and_well_formed() -> None:
    keys = [(e.code, e.status) for e in CATALOG]
    assert len(keys) == len(set(keys))
    operation_ids = {op["operationId"] for op in operations(load_spec())}
    for entry in CATALOG:
        assert entry.retryable in {"yes", "no", "unknown-outcome"}
        assert entry.source in {"doc", "doc-analogue", "ours"}
        assert set(entry.operations) <= operation_ids | {"*"}
        if entry.source == "doc":
            assert entry.ref, f"{entry.code}: a documented code names where it is documented"
        else:
            assert entry.why, f"{entry.code}: a decision needs its reason"
        if entry.scope == "request":
            assert 400 <= entry.status <= 599
        else:
            assert entry.status == 200


def test_documented_cph_codes_keep_their_documented_statuses() -> None:
    """Not every CPS code is 400: the provider documents an unknown job and an unknown phone as 404."""
    assert CATALOG.entry("CPS.0011").status == 404
    assert CATALOG.entry("CPS.0011").message == "Job not found."
    assert CATALOG.entry("CPS.0005").status == 404
    assert CATALOG.entry("CPS.0005").message == "Phone is not found."
    assert CATALOG.entry("CPS.0011").applies_to("ShowJob")
    assert not any(entry.code.startswith("CPS.9") and entry.status == 404 for entry in CATALOG)


def test_strict_server_job_separates_accepted_from_rejected() -> None:
    validator = schema_validator(load_spec("strict"), {"$ref": "#/components/schemas/ServerJob"})
    sid, jid = "1" * 32, "2" * 32
    assert validator.is_valid({"server_id": sid, "job_id": jid})
    assert validator.is_valid({"server_id": sid, "error_code": "CPS.0016", "error_msg": "server_id is invalid."})
    assert not validator.is_valid({"server_id": sid, "job_id": jid, "error_code": "CPS.0016", "error_msg": "x"})
    assert not validator.is_valid({"server_id": sid, "error_code": "CPS.0016"})


@pytest.mark.parametrize(
    ("schema", "answer"),
    [
        pytest.param("ServerJob", {"server_id": "9e3d5c0a-1b2c-4d5e-8f90-a1b2c3d4e5f6"}, id="hyphenated-id"),
        pytest.param("ServerJob", {"job_id": "1" * 32, "error_code": "", "error_msg": ""}, id="empty-error-fields"),
        pytest.param("RestartCloudPhoneServerResponse", {}, id="fields-omitted"),
        pytest.param("ShowJobResponse", {"status": 2, "end_time": None, "begin_time": None}, id="null-times"),
        pytest.param("Job", {"end_time": "", "server_id": None, "node_id": "a-b"}, id="list-job-nulls"),
        pytest.param("ListJobsResponse", {"jobs": []}, id="no-count"),
        pytest.param("Server", {"status": 6, "network_version": "v3"}, id="undocumented-status"),
        pytest.param("ErrorResponse", {"error_code": "CPS.12345"}, id="unusual-error"),
    ],
)
def test_the_provider_contract_accepts_provider_legal_answers_the_strict_one_refuses(
    schema: str, answer: dict[str, Any]
) -> None:
    """Generated clients and the suite's provider profile must not reject what the provider may legally send."""
    ref = {"$ref": f"#/components/schemas/{schema}"}
    assert schema_validator(load_spec("provider"), ref).is_valid(answer)
    assert not schema_validator(load_spec("strict"), ref).is_valid(answer)


@pytest.mark.parametrize("profile", PROFILES)
def test_parameters_with_x_cph_error_name_catalog_codes(profile: Profile) -> None:
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

    walk(load_spec(profile))
    assert found
    assert set(found) <= CATALOG.codes()
    if profile == "provider":
        assert {CATALOG.entry(code).source for code in found} == {"doc"}


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", ["JobStatus", "ServerStatus"])
def test_integer_enums_name_their_constants(profile: Profile, name: str) -> None:
    """openapi-generator names integer enum constants only from x-enum-varnames (Go would declare `_1` twice)."""
    schema = load_spec(profile)["components"]["schemas"][name]
    if "enum" not in schema:
        assert profile == "provider"
        assert name == "ServerStatus"  # open in the provider contract: any integer
        return
    names = schema["x-enum-varnames"]
    assert len(names) == len(schema["enum"]) == len(schema["x-enum-descriptions"])
    assert len(set(names)) == len(names)
    assert all(n.isidentifier() and n.isupper() for n in names)


@pytest.mark.parametrize("profile", PROFILES)
def test_links_point_at_existing_operations(profile: Profile) -> None:
    spec = load_spec(profile)
    operation_ids = {op["operationId"] for op in operations(spec)}
    restart = spec["paths"]["/v1/{project_id}/cloud-phone/servers/batch-restart"]["post"]
    links = restart["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} == {"ShowJob", "ListJobs"}
    assert {link["operationId"] for link in links.values()} <= operation_ids
