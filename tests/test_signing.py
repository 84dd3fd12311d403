"""cph._signing reproduces the official SDK's SDK-HMAC-SHA256 signer byte for byte, and rejects malformed input."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from hypothesis import given, settings
from hypothesis import strategies as st

from cph._signing import (
    ALGORITHM,
    EMPTY_PAYLOAD_HASH,
    MalformedAuthorizationError,
    MalformedSdkDateError,
    MissingSignedHeaderError,
    ParsedAuthorization,
    SigningError,
    authorization_header,
    canonical_query,
    canonical_request,
    canonical_uri,
    format_sdk_date,
    parse_authorization,
    parse_sdk_date,
    payload_hash,
    signature,
    signed_header_names,
    string_to_sign,
)

VECTORS: list[dict[str, Any]] = json.loads((Path(__file__).parent / "data" / "signing-vectors.json").read_text())[
    "vectors"
]
SIG = "05ad9e819e730ad120f286600aa6d0ec1cb2e89cf0731181c52d7174ee3bb71f"
PROPERTY = settings(max_examples=200, deadline=None, database=None)
TEXT = st.text(st.characters(codec="utf-8"), max_size=12)  # any text the SDK can encode (no lone surrogates)


def sdk_signer() -> Signer:
    return Signer(BasicCredentials("AKEXAMPLE", "SKEXAMPLE"))


def sdk_canonical_uri(path: str) -> str:
    return str(sdk_signer()._process_canonical_uri(SdkRequest(resource_path=path)))


def sdk_canonical_query(pairs: list[tuple[str, Any]]) -> str:
    return str(Signer._process_canonical_query_string(SdkRequest(query_params=pairs)))


def sign_vector(vector: dict[str, Any], *, raw_query: bool) -> tuple[str, str, str]:
    """(canonical request, string to sign, Authorization) computed from the vector's inputs with our functions."""
    url = urlsplit(vector["url"])
    headers = dict(vector["headers_before_signing"])
    headers.setdefault("Host", url.netloc)  # what Signer.sign adds
    body = vector["body"].encode()
    names = signed_header_names(headers)
    query = url.query if raw_query else [tuple(pair) for pair in vector["query_params"]]
    canonical = canonical_request(vector["method"], url.path, query, headers, names, payload_hash(body, headers))
    to_sign = string_to_sign(headers["X-Sdk-Date"], canonical)
    return canonical, to_sign, authorization_header(vector["ak"], names, signature(vector["sk"], to_sign))


# ------------------------------------------------------------------------------------------------------ vectors
@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
@pytest.mark.parametrize("raw_query", [False, True], ids=["query-pairs", "raw-query"])
def test_vector_reproduced_byte_for_byte(vector: dict[str, Any], raw_query: bool) -> None:
    canonical, to_sign, authorization = sign_vector(vector, raw_query=raw_query)
    assert canonical == vector["canonical_request"]
    assert to_sign == vector["string_to_sign"]
    assert authorization == vector["authorization"]
    assert authorization == vector["headers_after_signing"]["Authorization"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector_verifies_from_what_was_sent(vector: dict[str, Any]) -> None:
    """What a verifier does: parse Authorization, recompute over the sent headers (lower-cased keys) and compare."""
    sent = {name.lower(): value for name, value in vector["headers_after_signing"].items()}
    parsed = parse_authorization(sent["authorization"])
    url = urlsplit(vector["url"])
    body = vector["body"].encode()
    canonical = canonical_request(
        vector["method"], url.path, url.query.encode(), sent, parsed.signed_headers, payload_hash(body, sent)
    )
    assert canonical == vector["canonical_request"]
    assert hmac.compare_digest(signature(vector["sk"], string_to_sign(sent["x-sdk-date"], canonical)), parsed.signature)


def test_vectors_cover_the_interesting_cases() -> None:
    names = {v["name"] for v in VECTORS}
    assert {"restart-temporary-credentials", "header-with-underscore-not-signed", "list-servers-with-query"} <= names


# ------------------------------------------------------------------------------------------------ canonical_uri
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/p/cloud-phone/servers/batch-restart", "/v1/p/cloud-phone/servers/batch-restart/"),
        ("/v1/p/servers/", "/v1/p/servers/"),  # trailing slash already present: not doubled
        ("/", "/"),
        ("", "/"),  # the SDK raises IndexError here; an empty path means "/" on the wire
        ("/a b/c", "/a%20b/c/"),
        ("/a%20b/c%7Ed/e~f", "/a%20b/c~d/e~f/"),  # decoded, then re-encoded: %7E and ~ agree
        ("/a%2fb", "/a/b/"),  # an encoded slash splits the segment, as in the SDK
        ("/a%2F", "/a/"),
        ("/%c3%a9/%C3%A9/\u00e9", "/%C3%A9/%C3%A9/%C3%A9/"),
        ("/a:b@c!$&'()*+,;=", "/a%3Ab%40c%21%24%26%27%28%29%2A%2B%2C%3B%3D/"),
        ("/a+b", "/a%2Bb/"),  # '+' in a path is a plus, not a space
        ("/a%25b", "/a%25b/"),
        ("//double", "//double/"),
    ],
)
def test_canonical_uri(path: str, expected: str) -> None:
    assert canonical_uri(path) == expected
    if path:
        assert sdk_canonical_uri(path) == expected


@PROPERTY
@given(st.lists(TEXT, max_size=5))
def test_canonical_uri_matches_sdk_and_is_idempotent(segments: list[str]) -> None:
    path = "/" + "/".join(segments)
    assert canonical_uri(path) == sdk_canonical_uri(path)
    assert canonical_uri(canonical_uri(path)) == canonical_uri(path)


def test_canonical_uri_keeps_raw_bytes_decoded_with_surrogateescape() -> None:
    """A server that received raw UTF-8 in the path and decoded it leniently signs the same as the client did."""
    received = "/\u00e9".encode().decode("ascii", "surrogateescape")
    assert canonical_uri(received) == canonical_uri("/\u00e9") == "/%C3%A9/"


# ---------------------------------------------------------------------------------------------- canonical_query
@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([], ""),
        ([("b", "2"), ("a", "1")], "a=1&b=2"),
        ([("q", "a b")], "q=a%20b"),
        ([("q", "a+b")], "q=a%2Bb"),
        ([("q", "~-._")], "q=~-._"),
        ([("q", "a/b?c=d&e#f")], "q=a%2Fb%3Fc%3Dd%26e%23f"),
        ([("q", "\u00e9\u4e2d")], "q=%C3%A9%E4%B8%AD"),
        ([("k e y", "v")], "k%20e%20y=v"),
        ([("k", "")], "k="),
        ([("k", ["b", "a", "c"])], "k=a&k=b&k=c"),
        ([("t", True), ("f", False)], "f=false&t=true"),
        ([("limit", 10), ("offset", 0)], "limit=10&offset=0"),
        ([("k", "b"), ("k", "a")], "k=a&k=b"),
    ],
)
def test_canonical_query_pairs(pairs: list[tuple[str, Any]], expected: str) -> None:
    assert canonical_query(pairs) == expected
    assert sdk_canonical_query([(k, list(v) if isinstance(v, list) else v) for k, v in pairs]) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("b=2&a=1", "a=1&b=2"),
        ("q=a+b", "q=a%20b"),  # form encoding: '+' is a space (httpx sends params this way)
        ("q=a%20b", "q=a%20b"),
        ("q=a%2Bb", "q=a%2Bb"),
        ("q=%7E~", "q=~~"),
        ("q=%c3%a9", "q=%C3%A9"),
        ("flag", "flag="),
        ("a=1&&b=2&", "a=1&b=2"),
        ("a=b=c", "a=b%3Dc"),
        ("k=b&k=a", "k=a&k=b"),
        ("=v", "=v"),
        ("q=%zz", "q=%25zz"),  # an invalid escape stays literal, like urllib's unquote
    ],
)
def test_canonical_query_raw(raw: str, expected: str) -> None:
    assert canonical_query(raw) == expected
    assert canonical_query(raw.encode()) == expected


@PROPERTY
@given(st.lists(st.tuples(TEXT, TEXT), max_size=6))
def test_canonical_query_of_the_url_httpx_builds_equals_the_sdks_of_the_pairs(pairs: list[tuple[str, str]]) -> None:
    encoded = str(httpx.QueryParams(tuple(pairs)))
    assert canonical_query(encoded) == canonical_query(pairs) == sdk_canonical_query(list(pairs))
    assert canonical_query(canonical_query(encoded)) == canonical_query(encoded)


# -------------------------------------------------------------------------------------- headers and payload hash
def test_signed_header_names() -> None:
    names = ["X-Sdk-Date", "Host", "x_custom", "Content-Type", "HOST", "User-Agent"]
    assert signed_header_names(names) == ["content-type", "host", "user-agent", "x-sdk-date"]
    assert signed_header_names([]) == []


def test_canonical_request_looks_headers_up_case_insensitively_and_strips_values() -> None:
    expected = canonical_request("post", "/p", "", {"host": "h", "x-a": "v"}, ["host", "x-a"], "H")
    assert expected == "POST\n/p/\n\nhost:h\nx-a:v\n\nhost;x-a\nH"
    assert canonical_request("POST", "/p", "", {"Host": " h ", "X-A": "\tv "}, ["host", "x-a"], "H") == expected
    assert canonical_request("POST", "/p", "", httpx.Headers({"HOST": "h", "x-A": "v"}), ["host", "x-a"], "H") == (
        expected
    )


def test_canonical_request_with_no_signed_headers_matches_the_sdk_layout() -> None:
    assert canonical_request("GET", "/", "", {}, [], "H") == "GET\n/\n\n\n\n\nH"


def test_canonical_request_rejects_a_signed_header_that_is_not_there() -> None:
    with pytest.raises(MissingSignedHeaderError, match="x-missing") as info:
        canonical_request("GET", "/", "", {"host": "h"}, ["host", "x-missing"], EMPTY_PAYLOAD_HASH)
    assert isinstance(info.value, SigningError)
    assert isinstance(info.value, ValueError)


def test_payload_hash() -> None:
    body = b'{"server_ids": ["1234567b8bab40ffb711234cb80d0234"]}'
    assert payload_hash(body, {}) == hashlib.sha256(body).hexdigest()
    assert payload_hash(b"", {}) == EMPTY_PAYLOAD_HASH == hashlib.sha256(b"").hexdigest()
    # The declared value replaces the hash, found whatever its case, and stripped.
    assert payload_hash(body, {"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}) == "UNSIGNED-PAYLOAD"
    assert payload_hash(body, {"x-sdk-content-sha256": " UNSIGNED-PAYLOAD "}) == "UNSIGNED-PAYLOAD"
    assert payload_hash(body, {"X-SDK-CONTENT-SHA256": "abc"}) == "abc"
    # ...but not for an empty body, and not when blank: exactly the SDK's rules.
    assert payload_hash(b"", {"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}) == EMPTY_PAYLOAD_HASH
    assert payload_hash(body, {"X-Sdk-Content-Sha256": "  "}) == hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"", {"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}),
        (b"x", {"X-Sdk-Content-Sha256": " UNSIGNED-PAYLOAD "}),
        (b"x", {"X-Sdk-Content-Sha256": " "}),
        (b"x", {"x-sdk-content-sha256": "abc"}),
        (b"\x00\xff", {}),
    ],
)
def test_payload_hash_matches_sdk(body: bytes, headers: dict[str, str]) -> None:
    request = SdkRequest(method="POST", header_params=dict(headers), body=body, resource_path="/", query_params=[])
    signer = sdk_signer()
    signer._process_canonical_headers(request, [])  # strips the header values first, as sign() does
    assert payload_hash(body, headers) == signer._process_hash_payload(request)


# ----------------------------------------------------------------------------------- string to sign, signature
def test_string_to_sign() -> None:
    canonical = "POST\n/\n\n\n\n\nH"
    expected = f"SDK-HMAC-SHA256\n20261126T120000Z\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    assert string_to_sign("20261126T120000Z", canonical) == expected
    assert ALGORITHM == "SDK-HMAC-SHA256"


@pytest.mark.parametrize("sk", ["SKEXAMPLE", "", "k" * 64, "k" * 65, "k" * 200, "\u00e9\u4e2d-secret"])
def test_signature_is_hmac_sha256_keyed_with_the_raw_secret(sk: str) -> None:
    message = "SDK-HMAC-SHA256\n20261126T120000Z\n" + "0" * 64
    expected = hmac.new(sk.encode(), message.encode(), hashlib.sha256).hexdigest()
    assert signature(sk, message) == signature(sk.encode(), message) == expected


@PROPERTY
@given(st.binary(max_size=150), TEXT)
def test_signature_equals_hmac_module(key: bytes, message: str) -> None:
    assert signature(key, message) == hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


# ------------------------------------------------------------------------------------------------ Authorization
def test_authorization_round_trip() -> None:
    value = authorization_header("AKEXAMPLE", ["content-type", "host"], SIG)
    assert value == f"SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=content-type;host, Signature={SIG}"
    assert parse_authorization(value) == ParsedAuthorization(ALGORITHM, "AKEXAMPLE", ("content-type", "host"), SIG)


@pytest.mark.parametrize(
    "value",
    [
        f"SDK-HMAC-SHA256 Signature={SIG},SignedHeaders=host,Access=AK",  # any order, no space after comma
        f"  SDK-HMAC-SHA256   Access=AK ,  SignedHeaders=host , Signature={SIG}  ",
    ],
)
def test_parse_authorization_tolerates_layout(value: str) -> None:
    assert parse_authorization(value) == ParsedAuthorization(ALGORITHM, "AK", ("host",), SIG)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Basic QUs6U0s=",
        f"SDK-HMAC-SM3 Access=AK, SignedHeaders=host, Signature={SIG}",
        f"V11-HMAC-SHA256 Credential=AK/20261126/cn-east-3/cph, SignedHeaders=host, Signature={SIG}",
        "SDK-HMAC-SHA256",
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host",
        f"SDK-HMAC-SHA256 Access=AK, Signature={SIG}",
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={SIG}, Access=AK",
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={SIG}, Extra=1",
        f"SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature={SIG}",
        f"SDK-HMAC-SHA256 Access=A K, SignedHeaders=host, Signature={SIG}",
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=, Signature={SIG}",
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x-a, Signature={SIG}",
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host,x-a, Signature={SIG}",
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host; x-a, Signature={SIG}",
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host\tx, Signature={SIG}",
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=abc",
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={SIG.upper()}",
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={SIG[:-1]}g",
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature={SIG}0",
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature",
    ],
)
def test_parse_authorization_rejects_malformed(value: str) -> None:
    with pytest.raises(MalformedAuthorizationError) as info:
        parse_authorization(value)
    assert isinstance(info.value, SigningError)
    assert isinstance(info.value, ValueError)
    assert SIG not in str(info.value)
    assert SIG.upper() not in str(info.value)


@PROPERTY
@given(st.text(max_size=200))
def test_parse_authorization_only_ever_raises_malformed(value: str) -> None:
    try:
        parsed = parse_authorization(value)
    except MalformedAuthorizationError:
        return
    assert parse_authorization(authorization_header(parsed.access_key, parsed.signed_headers, parsed.signature)) == (
        parsed
    )


# ------------------------------------------------------------------------------------------------------ X-Sdk-Date
def test_sdk_date_round_trip() -> None:
    moment = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
    assert format_sdk_date(moment) == "20261126T120000Z"
    assert parse_sdk_date("20261126T120000Z") == moment
    assert parse_sdk_date("20261126T120000Z").tzinfo is not None
    assert format_sdk_date(datetime(2026, 11, 26, 12, 0, 0)) == "20261126T120000Z"  # naive: taken as UTC
    assert format_sdk_date(datetime(2026, 11, 26, 20, 0, 0, tzinfo=timezone(timedelta(hours=8)))) == (
        "20261126T120000Z"
    )
    assert format_sdk_date(datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=UTC)) == "20260102T030405Z"
    assert format_sdk_date(moment) == moment.strftime("%Y%m%dT%H%M%SZ")


@PROPERTY
@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.just(UTC)))
def test_sdk_date_round_trip_property(moment: datetime) -> None:
    text = format_sdk_date(moment)
    assert text == moment.strftime("%Y%m%dT%H%M%SZ")
    assert parse_sdk_date(text) == moment.replace(microsecond=0)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "2026-11-26T12:00:00Z",
        "20261126T120000",
        "20261126T120000+0000",
        "20261126t120000z",
        "20261326T120000Z",
        "20261126T250000Z",
        "20260230T120000Z",
        " 20261126T120000Z",
        "2026112T1200000Z",
        "\uff12\uff10\uff12\uff16\uff11\uff11\uff12\uff16T120000Z",  # full-width digits
        "2026112\u0667T120000Z",  # Arabic-Indic digit
    ],
)
def test_parse_sdk_date_rejects_malformed(value: str) -> None:
    with pytest.raises(MalformedSdkDateError) as info:
        parse_sdk_date(value)
    assert isinstance(info.value, SigningError)
