"""Spec-compiled request validation: coercion, x-cph-error mapping, query strings and JSON bodies."""

from __future__ import annotations

import pytest

from cph import load_spec
from cph.mock import ErrorReply
from cph.mock._validation import (
    compile_operations,
    is_json_media_type,
    parse_json_object,
    parse_query_string,
)

RULES = compile_operations(load_spec())
ID = "1234567b8bab40ffb711234cb80d0234"


def code_of(call: object, *args: object) -> str:
    with pytest.raises(ErrorReply) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.code


def test_every_operation_is_compiled() -> None:
    assert set(RULES) == {"RestartCloudPhoneServer", "ShowJob", "ListJobs", "ListCloudPhoneServers"}
    assert RULES["RestartCloudPhoneServer"].method == "POST"
    assert RULES["RestartCloudPhoneServer"].body_validator is not None


def test_error_codes_come_from_the_spec_extensions_and_fallbacks() -> None:
    jobs = {r.name: r.error for r in RULES["ListJobs"].query_params}
    servers = {r.name: r.error for r in RULES["ListCloudPhoneServers"].query_params}
    assert jobs == {"request_id": "CPS.9003", "request_ids": "CPS.9003", "offset": "CPS.0002", "limit": "CPS.0002"}
    assert servers["status"] == "CPS.0010"
    assert servers["offset"] == servers["limit"] == "CPS.0002"
    assert RULES["RestartCloudPhoneServer"].body_error == "CPS.0016"
    assert RULES["ShowJob"].path_params["job_id"].error == "CPS.0011"
    assert RULES["ShowJob"].path_params["project_id"].error == "CPS.0001"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"offset": 0, "limit": 100}),
        ({"offset": ["5"], "limit": ["1"]}, {"offset": 5, "limit": 1}),
        ({"status": ["8"], "server_name": ["a b"]}, {"offset": 0, "limit": 100, "status": 8, "server_name": "a b"}),
        ({"create_since": ["0"], "unknown": ["x", "y"]}, {"offset": 0, "limit": 100, "create_since": 0}),
    ],
)
def test_valid_queries_are_coerced_with_defaults(query: dict[str, list[str]], expected: dict[str, object]) -> None:
    assert RULES["ListCloudPhoneServers"].parse_query(query) == expected


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"limit": ["0"]}, "CPS.0002"),
        ({"limit": ["101"]}, "CPS.0002"),
        ({"limit": ["1.5"]}, "CPS.0002"),
        ({"limit": [""]}, "CPS.0002"),
        ({"limit": ["+1"]}, "CPS.0002"),
        ({"offset": ["-1"]}, "CPS.0002"),
        ({"offset": ["99999999999999999999999"]}, "CPS.0002"),
        ({"offset": ["2147483648"]}, "CPS.0002"),  # format int32: out of range
        ({"create_since": ["9223372036854775808"]}, "APIGW.0201"),  # format int64: out of range
        ({"limit": ["1", "2"]}, "CPS.0002"),
        ({"status": ["6"]}, "CPS.0010"),
        ({"status": ["normal"]}, "CPS.0010"),
        ({"network_version": ["v3"]}, "APIGW.0201"),
        ({"server_id": ["x" * 33]}, "APIGW.0201"),
    ],
)
def test_invalid_queries_answer_the_parameters_code(query: dict[str, list[str]], code: str) -> None:
    assert code_of(RULES["ListCloudPhoneServers"].parse_query, query) == code


@pytest.mark.parametrize(
    "query",
    [
        {"request_id": ["ABC"]},
        {"request_ids": [",".join([ID] * 21)]},
        {"request_ids": [ID + ","]},
        {"request_id": [ID, ID]},
    ],
)
def test_invalid_request_ids_are_cps_9003(query: dict[str, list[str]]) -> None:
    assert code_of(RULES["ListJobs"].parse_query, query) == "CPS.9003"


def test_path_parameters() -> None:
    rules = RULES["ShowJob"]
    rules.check_path({"project_id": ID, "job_id": ID})
    assert code_of(rules.check_path, {"project_id": ID, "job_id": "nope"}) == "CPS.0011"
    rules.check_path({"project_id": "../etc", "job_id": ID}, frozenset({"project_id"}))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"server_ids": []},
        {"server_ids": ID},
        {"server_ids": [ID] * 101},
        {"server_ids": [ID.upper()]},
        {"server_ids": [1]},
        {"server_ids": [None]},
        {"server_ids": [ID + "0"]},
    ],
)
def test_invalid_bodies_are_cps_0016(body: object) -> None:
    assert code_of(RULES["RestartCloudPhoneServer"].check_body, body) == "CPS.0016"


def test_valid_body_with_unknown_fields_passes() -> None:
    RULES["RestartCloudPhoneServer"].check_body({"server_ids": [ID] * 100, "force": True})


def test_query_string_parsing() -> None:
    assert parse_query_string(b"") == {}
    assert parse_query_string(b"a=1&a=2&b=x+y&c=%20z&d") == {"a": ["1", "2"], "b": ["x y"], "c": [" z"], "d": [""]}
    assert code_of(parse_query_string, b"a=%ff%fe") == "APIGW.0201"
    assert code_of(parse_query_string, b"a=\xff") == "APIGW.0201"
    assert code_of(parse_query_string, b"&".join([b"a=1"] * 300)) == "APIGW.0201"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/json", True),
        ("Application/JSON; charset=UTF-8", True),
        ('application/json;charset="utf-8"', True),
        ("application/json; charset=latin-1", False),
        ("application/json-patch+json", False),
        ("text/plain", False),
        ("", False),
        (None, False),
    ],
)
def test_json_media_type(value: str | None, expected: bool) -> None:
    assert is_json_media_type(value) is expected


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"server_ids": []}', "text/plain"),
        (b'{"server_ids": []}', None),
        (b"", "application/json"),
        (b"{", "application/json"),
        (b"[]", "application/json"),
        (b'"text"', "application/json"),
        (b"null", "application/json"),
        (b'{"a": NaN}', "application/json"),
        (b'{"a": Infinity}', "application/json"),
        (b'\xef\xbb\xbf{"a": 1}', "application/json"),
        (b'{"a": "\xff"}', "application/json"),
        (b"[" * 100_000, "application/json"),
        (b'{"a": ' + b"1" * 5000 + b"}", "application/json"),
        (b'{"a": 1} {"b": 2}', "application/json"),
    ],
)
def test_bodies_that_are_not_a_json_object_are_cps_9004(body: bytes, content_type: str | None) -> None:
    assert code_of(parse_json_object, body, content_type) == "CPS.9004"


def test_json_object_is_parsed() -> None:
    assert parse_json_object(b'{"server_ids": ["x"], "server_ids": ["y"]}', "application/json") == {"server_ids": ["y"]}
