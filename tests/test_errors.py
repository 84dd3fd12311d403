"""Typed errors: every catalog entry maps to its category's class with the catalog's ``retryable``; unknown codes
and bodies map by HTTP status, cautiously; request IDs and secrets are handled as documented."""

from __future__ import annotations

import json

import pytest

import cph
from cph import (
    AccountError,
    AuthenticationError,
    CphError,
    GatewayError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RequestTooLargeError,
    ServiceError,
    ThrottledError,
    TransportError,
    UnexpectedResponseError,
    load_catalog,
)
from cph._errors import classify, error_for_category, error_from_response, redact

CATALOG = load_catalog()
REQUEST_ENTRIES = [entry for entry in CATALOG if entry.scope == "request"]
EXPECTED_CLASS = {
    "authentication": AuthenticationError,
    "permission": PermissionDeniedError,
    "account": AccountError,
    "not_found": NotFoundError,
    "invalid_request": InvalidRequestError,
    "throttling": ThrottledError,
    "too_large": RequestTooLargeError,
    "service": ServiceError,
    "gateway": GatewayError,
}
HEADER_ID = "0123456789abcdef0123456789abcdef"
BODY_ID = "fedcba9876543210fedcba9876543210"


def body(code: str | None, msg: str | None, request_id: str | None = BODY_ID) -> bytes:
    data = {"error_code": code, "error_msg": msg, "request_id": request_id}
    return json.dumps({k: v for k, v in data.items() if v is not None}).encode()


def test_every_catalog_category_has_an_exception_class() -> None:
    categories = {entry.category for entry in CATALOG}
    assert categories <= set(EXPECTED_CLASS)
    for category in categories:
        assert error_for_category(category) is EXPECTED_CLASS[category]


@pytest.mark.parametrize("entry", REQUEST_ENTRIES, ids=lambda e: f"{e.code}-{e.status}")
def test_catalog_entry_maps_to_its_category_and_retryable(entry: cph.CatalogEntry) -> None:
    error = error_from_response(
        entry.status, body(entry.code, entry.message), {"x-request-id": HEADER_ID}, operation="ShowJob"
    )
    assert type(error) is EXPECTED_CLASS[entry.category]
    assert isinstance(error, CphError)
    assert (error.status, error.error_code, error.error_msg) == (entry.status, entry.code, entry.message)
    assert error.retryable == entry.retryable
    assert error.category == entry.category
    assert error.request_id == HEADER_ID
    assert error.operation == "ShowJob"


@pytest.mark.parametrize(
    "entry", [e for e in REQUEST_ENTRIES if e.code.startswith("APIGW.")], ids=lambda e: f"{e.code}-{e.status}"
)
def test_apig_alias_is_classified_like_apigw(entry: cph.CatalogEntry) -> None:
    alias = "APIG." + entry.code.removeprefix("APIGW.")
    error = error_from_response(entry.status, body(alias, entry.message), {})
    assert type(error) is EXPECTED_CLASS[entry.category]
    assert error.error_code == alias  # kept as sent
    assert error.retryable == entry.retryable


def test_request_id_falls_back_to_the_body() -> None:
    error = error_from_response(429, body("APIGW.0308", "The throttling threshold has been reached."), {})
    assert error.request_id == BODY_ID
    assert error_from_response(429, body("APIGW.0308", "x", request_id=None), {}).request_id is None


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        (400, InvalidRequestError, "unknown-outcome"),  # 400 also carries CPS.0003: never claim "nothing happened"
        (401, AuthenticationError, "no"),
        (403, PermissionDeniedError, "no"),
        (404, NotFoundError, "no"),
        (409, InvalidRequestError, "no"),
        (413, RequestTooLargeError, "no"),
        (429, ThrottledError, "yes"),
        (500, GatewayError, "unknown-outcome"),
        (502, GatewayError, "yes"),
        (503, GatewayError, "yes"),
        (504, GatewayError, "unknown-outcome"),
        (507, ServiceError, "unknown-outcome"),
    ],
)
def test_unknown_codes_map_by_status(status: int, cls: type[CphError], retryable: str) -> None:
    error = error_from_response(status, body("XYZ.0001", "something new"), {"x-request-id": HEADER_ID})
    assert type(error) is cls
    assert error.retryable == retryable
    assert error.error_code == "XYZ.0001"


def test_non_json_body_is_kept_as_message_and_classified_by_status() -> None:
    error = error_from_response(502, b"<html>Bad Gateway</html>", {"X-Request-Id": HEADER_ID})
    assert isinstance(error, GatewayError)
    assert error.retryable == "yes"
    assert error.error_code is None
    assert error.error_msg == "<html>Bad Gateway</html>"
    assert error_from_response(503, b"", {}).error_msg is None


@pytest.mark.parametrize(
    "payload",
    [
        {"errorCode": "APIGW.0308", "errorMsg": "m"},
        {"code": "APIGW.0308", "message": "m"},
        {"error": {"code": "APIGW.0308", "message": "m"}},
    ],
)
def test_alternative_body_shapes_like_the_sdk(payload: dict[str, object]) -> None:
    error = error_from_response(429, json.dumps(payload).encode(), {})
    assert (type(error), error.error_code, error.error_msg) == (ThrottledError, "APIGW.0308", "m")


def test_known_code_with_an_undocumented_status_is_more_cautious() -> None:
    # CPS.0003 is documented with 400; with 500 it is still a service error, and unknown-outcome.
    assert classify("CPS.0003", 500) == ("service", "unknown-outcome")
    # APIGW.0302 (403, "no") arriving with 503 must not be read as "retry safely" nor as "nothing happened".
    category, retryable = classify("APIGW.0302", 503)
    assert category == "permission"
    assert retryable == "no"


def test_undocumented_success_status_is_unexpected_and_unknown_outcome() -> None:
    error = error_from_response(202, b"{}", {"x-request-id": HEADER_ID}, operation="RestartCloudPhoneServer")
    assert isinstance(error, UnexpectedResponseError)
    assert error.retryable == "unknown-outcome"


def test_str_and_repr_describe_the_error() -> None:
    error = error_from_response(429, body("APIGW.0308", "Throttled."), {"x-request-id": HEADER_ID}, operation="X")
    assert str(error) == f"X: APIGW.0308 (HTTP 429): Throttled. [request_id {HEADER_ID}]"
    assert "ThrottledError(status=429" in repr(error)
    assert error.to_dict()["type"] == "ThrottledError"
    assert str(CphError()) == "CphError"


def test_transport_error_retryable_depends_on_whether_it_was_sent() -> None:
    assert TransportError("ConnectError: refused", sent=False).retryable == "yes"
    assert TransportError("ReadTimeout", sent=True).retryable == "unknown-outcome"


def test_secrets_in_error_messages_are_redacted() -> None:
    secret = "AKSECRETVALUE123"
    error = error_from_response(401, body("APIGW.0301", f"unknown access key {secret}"), {}, secrets=[secret, None])
    assert secret not in str(error)
    assert secret not in repr(error)
    assert "<redacted>" in (error.error_msg or "")
    assert redact("abc", ["", None]) == "abc"
