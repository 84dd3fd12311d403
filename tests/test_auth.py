"""cph._auth: AkSkAuth puts on the wire what the official SDK's signer computes; TokenAuth sends only X-Auth-Token.

The official SDK (huaweicloudsdkcore, a test-only dependency) is the oracle: for each request httpx is about to send,
the SDK is given the same method, path, query, headers and body, and its Authorization must equal ours. Every sent
request is also verified the way the mock endpoint verifies it, from what was sent alone.
"""

from __future__ import annotations

import asyncio
import json
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from hypothesis import given, settings
from hypothesis import strategies as st

from cph import AkSkAuth, AkSkCredentials, CphClient, CphError, TokenAuth, TokenCredentials
from cph._auth import UNSIGNED_HEADERS
from cph._signing import (
    MalformedSdkDateError,
    canonical_request,
    parse_authorization,
    payload_hash,
    signature,
    string_to_sign,
)
from cph.mock import MockConfig, MockServer

VECTORS: list[dict[str, Any]] = json.loads((Path(__file__).parent / "data" / "signing-vectors.json").read_text())[
    "vectors"
]
AK = "AKEXAMPLE"
SK = "SK-secret-do-not-leak"
SECURITY_TOKEN = "STS-secret-token-do-not-leak"
TOKEN = "MIIT-iam-token-do-not-leak"
PROJECT = "0123456789abcdef0123456789abcdef"
ENDPOINT = "https://cph.cn-east-3.myhuaweicloud.com"
RESTART_URL = f"{ENDPOINT}/v1/{PROJECT}/cloud-phone/servers/batch-restart"
RESTART_BODY = b'{"server_ids": ["1234567b8bab40ffb711234cb80d0234"]}'
NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
SDK_DATE = "20261126T120000Z"


def fixed_clock() -> datetime:
    return NOW


def aksk_auth(project_id: str | None = PROJECT, security_token: str | None = None) -> AkSkAuth:
    return AkSkAuth(AkSkCredentials(AK, SK, project_id, security_token), clock=fixed_clock)


class Capture:
    """A MockTransport handler that keeps every request it is sent."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return httpx.Response(200, json={"request_id": "r", "jobs": []})

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


@pytest.fixture
def capture() -> Capture:
    return Capture()


@pytest.fixture
def client(capture: Capture) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.MockTransport(capture)) as c:
        yield c


def send(
    client: httpx.Client, auth: httpx.Auth, request: httpx.Request
) -> tuple[list[tuple[bytes, bytes]], httpx.Request]:
    """Send ``request``; return its headers as they were just before authentication, and the request as sent."""
    before = list(request.headers.raw)
    client.send(request, auth=auth)
    transport = client._transport
    assert isinstance(transport, httpx.MockTransport)
    handler = transport.handler
    assert isinstance(handler, Capture)
    return before, handler.last


def sent_headers(request: httpx.Request) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in request.headers.raw:
        key = name.decode("latin-1").lower()
        text = value.decode("utf-8", "surrogateescape")
        out[key] = text if key not in out else f"{out[key]}, {text}"
    return out


def sdk_sign(
    credentials: AkSkCredentials,
    sent: httpx.Request,
    before: list[tuple[bytes, bytes]],
    query_pairs: list[tuple[str, Any]] | None = None,
) -> SdkRequest:
    """What the official SDK produces for the same request (same pre-auth headers, X-Sdk-Date pinned)."""
    header_params = {
        name.decode("latin-1"): value.decode("utf-8")
        for name, value in before
        if name.decode("latin-1").lower() not in UNSIGNED_HEADERS  # the SDK's urllib3 adds these after signing
    }
    if not any(name.lower() == "x-sdk-date" for name in header_params):
        header_params["X-Sdk-Date"] = SDK_DATE
    sdk_credentials = BasicCredentials(credentials.ak, credentials.sk, credentials.project_id)
    if credentials.security_token is not None:
        sdk_credentials = sdk_credentials.with_security_token(credentials.security_token)
    raw_path, _, raw_query = sent.url.raw_path.partition(b"?")
    if query_pairs is None:
        query_pairs = list(httpx.QueryParams(raw_query.decode("ascii")).multi_items())
    request = SdkRequest(
        method=sent.method,
        schema=sent.url.scheme,
        host=sent.url.netloc.decode("ascii"),
        resource_path=raw_path.decode("ascii"),
        query_params=query_pairs,
        header_params=header_params,
        body=sent.content,
    )
    result: SdkRequest = sdk_credentials.sign_request(request)
    return result


def sdk_headers(request: SdkRequest) -> dict[str, str]:
    """The SDK's final headers, its latin-1 re-encoding of UTF-8 values undone."""
    return {name.lower(): value.encode("latin-1").decode("utf-8") for name, value in request.header_params.items()}


def verifies(request: httpx.Request, sk: str = SK) -> bool:
    """Verify ``request`` as the mock does: only from the method, raw target, headers and body that were sent."""
    headers = sent_headers(request)
    parsed = parse_authorization(headers["authorization"])
    path, _, query = request.url.raw_path.partition(b"?")
    canonical = canonical_request(
        request.method,
        path.decode("ascii"),
        query,
        headers,
        parsed.signed_headers,
        payload_hash(request.content, headers),
    )
    return signature(sk, string_to_sign(headers["x-sdk-date"], canonical)) == parsed.signature


def assert_same_as_sdk(
    credentials: AkSkCredentials,
    before: list[tuple[bytes, bytes]],
    sent: httpx.Request,
    query_pairs: list[tuple[str, Any]] | None = None,
) -> None:
    sdk = sdk_sign(credentials, sent, before, query_pairs)
    assert sent.headers["Authorization"] == sdk.header_params["Authorization"]
    ours = {name: value for name, value in sent_headers(sent).items() if name not in UNSIGNED_HEADERS}
    assert ours == sdk_headers(sdk)
    assert sent.url.raw_path.decode("ascii") == sdk.uri
    assert verifies(sent, credentials.sk)


# ------------------------------------------------------------------------------------------------------ vectors
@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vectors_through_auth_flow(vector: dict[str, Any]) -> None:
    """A bare httpx.Request with the vector's headers (and no Content-Length, which the SDK does not sign)."""
    before = vector["headers_before_signing"]
    request = httpx.Request(vector["method"], vector["url"], headers=before, content=vector["body"].encode())
    request.headers.pop("Content-Length", None)
    credentials = AkSkCredentials(
        vector["ak"], vector["sk"], before.get("X-Project-Id"), security_token=before.get("X-Security-Token")
    )
    flow = AkSkAuth(credentials, clock=fixed_clock).auth_flow(request)
    signed = next(flow)
    assert signed.headers["Authorization"] == vector["authorization"]
    expected = {name.lower(): value.strip() for name, value in vector["headers_after_signing"].items()}
    assert sent_headers(signed) == expected
    assert verifies(signed, vector["sk"])


# ------------------------------------------------------------------------------------------- through httpx.Client
def test_restart_request_is_signed_like_the_sdk(client: httpx.Client) -> None:
    auth = aksk_auth()
    request = client.build_request(
        "POST", RESTART_URL, content=RESTART_BODY, headers={"Content-Type": "application/json"}
    )
    before, sent = send(client, auth, request)
    assert_same_as_sdk(auth.credentials, before, sent)
    headers = sent_headers(sent)
    assert headers["host"] == "cph.cn-east-3.myhuaweicloud.com"
    assert headers["x-project-id"] == PROJECT
    assert headers["x-sdk-date"] == SDK_DATE
    assert "x-sdk-content-sha256" not in headers
    assert "x-security-token" not in headers
    # Exactly the SDK's set (cph-api-facts: content-type;host;user-agent;x-project-id;x-sdk-date), although httpx
    # also sends accept, accept-encoding, connection and content-length.
    parsed = parse_authorization(headers["authorization"])
    assert parsed.access_key == AK
    assert ";".join(parsed.signed_headers) == "content-type;host;user-agent;x-project-id;x-sdk-date"
    assert {"accept", "accept-encoding", "connection", "content-length"} <= headers.keys()
    assert sent.url.raw_path == f"/v1/{PROJECT}/cloud-phone/servers/batch-restart".encode()  # no trailing slash


def test_json_keyword_and_client_headers_are_signed(capture: Capture) -> None:
    auth = aksk_auth()
    with httpx.Client(
        transport=httpx.MockTransport(capture), auth=auth, base_url=ENDPOINT, headers={"User-Agent": "cph/0.1"}
    ) as client:
        response = client.post(f"/v1/{PROJECT}/cloud-phone/servers/batch-restart", json={"server_ids": ["a"]})
    assert response.status_code == 200
    sent = capture.last
    assert sent.headers["User-Agent"] == "cph/0.1"
    assert "user-agent" in parse_authorization(sent.headers["Authorization"]).signed_headers
    assert verifies(sent)


def test_port_is_part_of_the_signed_host(client: httpx.Client) -> None:
    auth = aksk_auth()
    request = client.build_request("GET", f"http://127.0.0.1:18777/v1/{PROJECT}/cloud-phone/jobs/j1")
    before, sent = send(client, auth, request)
    assert sent.headers["Host"] == "127.0.0.1:18777"
    assert_same_as_sdk(auth.credentials, before, sent)


def test_default_port_is_not_in_host(client: httpx.Client) -> None:
    request = client.build_request("GET", "https://cph.cn-east-3.myhuaweicloud.com:443/v1/p/cloud-phone/jobs/j1")
    _, sent = send(client, aksk_auth(), request)
    assert sent.headers["Host"] == "cph.cn-east-3.myhuaweicloud.com"
    assert verifies(sent)


def test_temporary_credentials_send_and_sign_the_security_token(client: httpx.Client) -> None:
    auth = aksk_auth(security_token=SECURITY_TOKEN)
    request = client.build_request(
        "POST", RESTART_URL, content=RESTART_BODY, headers={"Content-Type": "application/json"}
    )
    before, sent = send(client, auth, request)
    assert sent.headers["X-Security-Token"] == SECURITY_TOKEN
    assert "x-security-token" in parse_authorization(sent.headers["Authorization"]).signed_headers
    assert_same_as_sdk(auth.credentials, before, sent)


def test_no_project_id_means_no_x_project_id(client: httpx.Client) -> None:
    auth = aksk_auth(project_id=None)
    request = client.build_request("GET", f"{ENDPOINT}/v1/{PROJECT}/cloud-phone/servers")
    before, sent = send(client, auth, request)
    assert "X-Project-Id" not in sent.headers
    assert_same_as_sdk(auth.credentials, before, sent)


@pytest.mark.parametrize(
    ("content_type", "unsigned"),
    [
        (None, False),
        ("application/json", False),
        ("application/json;charset=UTF-8", False),
        ("application/bson", False),
        ("text/plain", True),
        ("application/octet-stream", True),
        ("multipart/form-data; boundary=x", True),
        ("Application/JSON", True),  # the SDK compares case-sensitively
    ],
)
def test_unsigned_payload_for_non_json_content(client: httpx.Client, content_type: str | None, unsigned: bool) -> None:
    auth = aksk_auth()
    headers = {} if content_type is None else {"Content-Type": content_type}
    request = client.build_request("POST", RESTART_URL, content=b"payload", headers=headers)
    before, sent = send(client, auth, request)
    assert ("X-Sdk-Content-Sha256" in sent.headers) is unsigned
    if unsigned:
        assert sent.headers["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert_same_as_sdk(auth.credentials, before, sent)


def test_query_is_sent_in_canonical_form(client: httpx.Client) -> None:
    auth = aksk_auth()
    pairs: list[tuple[str, Any]] = [("server_name", "a b~c/d+e"), ("offset", "0"), ("limit", "10"), ("status", "5")]
    request = client.build_request("GET", f"{ENDPOINT}/v1/{PROJECT}/cloud-phone/servers", params=pairs)
    assert b"server_name=a+b" in request.url.query  # httpx encodes spaces as '+'
    before, sent = send(client, auth, request)
    assert sent.url.query == b"limit=10&offset=0&server_name=a%20b~c%2Fd%2Be&status=5"
    assert_same_as_sdk(auth.credentials, before, sent, pairs)


def test_empty_query_marker_is_dropped(client: httpx.Client) -> None:
    request = client.build_request("GET", f"{ENDPOINT}/v1/{PROJECT}/cloud-phone/servers?")
    _, sent = send(client, aksk_auth(), request)
    assert sent.url.raw_path == f"/v1/{PROJECT}/cloud-phone/servers".encode()
    assert verifies(sent)


@pytest.mark.parametrize(
    "path",
    ["/v1/p/servers/", "/v1/p/a%20b/c~d", "/v1/p/a%7Eb/%C3%A9", "/v1/p/a%2Fb", "/v1/p/a+b", "/v1/p/\u00e9 x"],
)
def test_paths_match_the_sdk(client: httpx.Client, path: str) -> None:
    auth = aksk_auth()
    request = client.build_request("GET", f"{ENDPOINT}{path}")
    before, sent = send(client, auth, request)
    assert_same_as_sdk(auth.credentials, before, sent)


def test_header_values_are_stripped_and_repeats_merged_before_signing(client: httpx.Client) -> None:
    request = client.build_request(
        "GET", f"{ENDPOINT}/v1/p/cloud-phone/servers", headers=[("X-Trace", " 1 "), ("x-trace", "2\t"), ("X-B", " b")]
    )
    _, sent = send(client, aksk_auth(), request)
    assert [(n, v) for n, v in sent.headers.raw if n.lower() in (b"x-trace", b"x-b")] == [
        (b"X-Trace", b"1, 2"),
        (b"X-B", b"b"),
    ]
    assert verifies(sent)


def test_non_ascii_header_values_are_signed_as_utf8(client: httpx.Client) -> None:
    auth = aksk_auth()
    request = client.build_request("GET", f"{ENDPOINT}/v1/p/x", headers={b"X-Name": "caf\u00e9 \u4e2d".encode()})
    before, sent = send(client, auth, request)
    assert_same_as_sdk(auth.credentials, before, sent)


def test_headers_with_underscores_are_sent_but_not_signed(client: httpx.Client) -> None:
    auth = aksk_auth()
    request = client.build_request("GET", f"{ENDPOINT}/v1/p/x", headers={"X_Custom_Trace": "abc"})
    before, sent = send(client, auth, request)
    assert sent.headers["X_Custom_Trace"] == "abc"
    assert "x_custom_trace" not in parse_authorization(sent.headers["Authorization"]).signed_headers
    assert_same_as_sdk(auth.credentials, before, sent)


def test_streamed_body_is_read_and_hashed(client: httpx.Client) -> None:
    auth = aksk_auth()
    chunks = [b'{"server_ids": ', b'["1234567b8bab40ffb711234cb80d0234"]}']
    request = client.build_request(
        "POST", RESTART_URL, content=iter(chunks), headers={"Content-Type": "application/json"}
    )
    before, sent = send(client, auth, request)
    assert sent.content == b"".join(chunks)
    assert sent.headers["Transfer-Encoding"] == "chunked"
    assert_same_as_sdk(auth.credentials, before, sent)


def test_clock_is_used_and_converted_to_utc(client: httpx.Client) -> None:
    beijing = timezone(timedelta(hours=8))
    auth = AkSkAuth(AkSkCredentials(AK, SK), clock=lambda: datetime(2026, 11, 26, 20, 0, 0, tzinfo=beijing))
    _, sent = send(client, auth, client.build_request("GET", f"{ENDPOINT}/v1/p/x"))
    assert sent.headers["X-Sdk-Date"] == SDK_DATE


def test_default_clock_is_utc_now(client: httpx.Client) -> None:
    _, sent = send(client, AkSkAuth(AkSkCredentials(AK, SK)), client.build_request("GET", f"{ENDPOINT}/v1/p/x"))
    signed_at = datetime.strptime(sent.headers["X-Sdk-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - signed_at) < timedelta(minutes=1)
    assert verifies(sent)


def test_existing_sdk_date_is_kept_like_the_sdk(client: httpx.Client) -> None:
    auth = aksk_auth()
    request = client.build_request("GET", f"{ENDPOINT}/v1/p/x", headers={"x-sdk-date": "20250101T000000Z"})
    before, sent = send(client, auth, request)
    assert sent.headers["X-Sdk-Date"] == "20250101T000000Z"
    assert_same_as_sdk(auth.credentials, before, sent)


def test_malformed_existing_sdk_date_is_an_error_without_secrets(client: httpx.Client) -> None:
    request = client.build_request("GET", f"{ENDPOINT}/v1/p/x", headers={"X-Sdk-Date": "yesterday"})
    with pytest.raises(MalformedSdkDateError) as info:
        client.send(request, auth=aksk_auth(security_token=SECURITY_TOKEN))
    for secret in (SK, SECURITY_TOKEN):
        assert secret not in str(info.value)
        assert secret not in repr(info.value)


def test_existing_authorization_is_left_alone_like_the_sdk(client: httpx.Client) -> None:
    request = client.build_request("GET", f"{ENDPOINT}/v1/p/x", headers={"Authorization": "presigned"})
    _, sent = send(client, aksk_auth(), request)
    assert sent.headers["Authorization"] == "presigned"
    assert sent.headers["X-Project-Id"] == PROJECT  # added before the check, as in BasicCredentials.sign_request
    assert "X-Sdk-Date" not in sent.headers


def test_async_client_signs_identically(capture: Capture) -> None:
    auth = aksk_auth(security_token=SECURITY_TOKEN)

    async def main() -> httpx.Request:
        async with httpx.AsyncClient(transport=httpx.MockTransport(capture), auth=auth) as client:
            response = await client.post(
                RESTART_URL, content=RESTART_BODY, headers={"Content-Type": "application/json", "User-Agent": "ua"}
            )
            assert response.status_code == 200
        return capture.last

    sent_async = asyncio.run(main())
    with httpx.Client(transport=httpx.MockTransport(capture), auth=auth) as client:
        client.post(RESTART_URL, content=RESTART_BODY, headers={"Content-Type": "application/json", "User-Agent": "ua"})
    sent_sync = capture.last
    assert sent_async.headers["Authorization"] == sent_sync.headers["Authorization"]
    assert verifies(sent_async)


def test_async_streamed_body(capture: Capture) -> None:
    async def chunks() -> Any:
        yield b'{"server_ids": '
        yield b'["x"]}'

    async def main() -> httpx.Request:
        async with httpx.AsyncClient(transport=httpx.MockTransport(capture), auth=aksk_auth()) as client:
            await client.post(RESTART_URL, content=chunks(), headers={"Content-Type": "application/json"})
        return capture.last

    sent = asyncio.run(main())
    assert sent.content == b'{"server_ids": ["x"]}'
    assert verifies(sent)


def test_aksk_auth_requires_the_body() -> None:
    assert AkSkAuth.requires_request_body is True
    assert TokenAuth.requires_request_body is False


# ------------------------------------------------------------------------------------------------------ TokenAuth
def test_token_auth_sets_only_x_auth_token(client: httpx.Client) -> None:
    auth = TokenAuth(TokenCredentials(TOKEN, project_id=PROJECT))
    request = client.build_request(
        "POST", RESTART_URL, content=RESTART_BODY, headers={"Content-Type": "application/json"}
    )
    before, sent = send(client, auth, request)
    assert list(sent.headers.raw) == [*before, (b"X-Auth-Token", TOKEN.encode())]
    assert sent.url == request.url


def test_token_auth_with_async_client(capture: Capture) -> None:
    async def main() -> httpx.Request:
        async with httpx.AsyncClient(
            transport=httpx.MockTransport(capture), auth=TokenAuth(TokenCredentials(TOKEN))
        ) as c:
            await c.get(f"{ENDPOINT}/v1/{PROJECT}/cloud-phone/jobs/j1")
        return capture.last

    assert asyncio.run(main()).headers["X-Auth-Token"] == TOKEN


# -------------------------------------------------------------------------------------------------------- secrets
def test_auth_reprs_do_not_leak_secrets() -> None:
    aksk = aksk_auth(security_token=SECURITY_TOKEN)
    token = TokenAuth(TokenCredentials(TOKEN, PROJECT))
    for text in (repr(aksk), str(aksk), repr(token), str(token), repr([aksk, token])):
        for secret in (SK, SECURITY_TOKEN, TOKEN):
            assert secret not in text
    assert repr(aksk) == (
        f"AkSkAuth(AkSkCredentials(ak='AKEX****', sk=<hidden>, project_id='{PROJECT}', security_token=<hidden>))"
    )
    assert repr(token) == f"TokenAuth(TokenCredentials(token=<hidden>, project_id='{PROJECT}'))"


def test_secret_key_is_never_sent(client: httpx.Client) -> None:
    request = client.build_request("POST", RESTART_URL, content=RESTART_BODY)
    _, sent = send(client, aksk_auth(), request)
    wire = b"".join(name + b": " + value for name, value in sent.headers.raw) + sent.url.raw_path + sent.content
    assert SK.encode() not in wire


# ------------------------------------------------------------------------------------------- property: vs the SDK
TOKEN_CHARS = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
NOT_RANDOM = {
    "host",
    "content-length",
    "transfer-encoding",
    "content-type",
    "authorization",
    "x-sdk-date",
    "x-sdk-content-sha256",
    "x-project-id",
    "x-security-token",
}
HEADER_NAMES = st.text(TOKEN_CHARS, min_size=1, max_size=16).filter(lambda name: name.lower() not in NOT_RANDOM)
HEADER_VALUES = st.builds(
    lambda pad_left, core, pad_right: pad_left + core + pad_right,
    st.sampled_from(["", " ", "\t", "  "]),
    st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"]), max_size=20),
    st.sampled_from(["", " ", "\t "]),
)
TEXT = st.text(st.characters(codec="utf-8"), max_size=10)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    safe = draw(st.sampled_from(["", "~", "~!$&'()*+,;=:@", "~ -._"]))
    segments = draw(st.lists(TEXT, max_size=4))
    return {
        "method": draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "post", "get"])),
        "origin": draw(
            st.sampled_from(
                [
                    ENDPOINT,
                    "http://127.0.0.1:18777",
                    "https://localhost:8443",
                    "http://[::1]:9000",
                    "HTTPS://CPH.Example",
                ]
            )
        ),
        "path": "/" + "/".join(quote(segment, safe=safe) for segment in segments),
        "params": draw(st.lists(st.tuples(TEXT, TEXT), max_size=5)),
        "headers": draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=6, unique_by=lambda h: h[0].lower())),
        "content_type": draw(
            st.sampled_from([None, "application/json", "application/bson", "text/plain", "application/octet-stream"])
        ),
        "body": draw(st.binary(max_size=64)),
        "credentials": AkSkCredentials(
            draw(st.text(string.ascii_letters + string.digits, min_size=1, max_size=24)),
            draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)),
            project_id=draw(st.none() | st.text("0123456789abcdef", min_size=32, max_size=32)),
            security_token=draw(
                st.none() | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
            ),
        ),
    }


@settings(max_examples=200, deadline=None, database=None)
@given(requests())
def test_property_our_signature_equals_the_sdks(drawn: dict[str, Any]) -> None:
    capture = Capture()
    headers = [(name.encode(), value.encode()) for name, value in drawn["headers"]]
    if drawn["content_type"] is not None:
        headers.append((b"Content-Type", drawn["content_type"].encode()))
    credentials: AkSkCredentials = drawn["credentials"]
    with httpx.Client(transport=httpx.MockTransport(capture)) as client:
        request = client.build_request(
            drawn["method"],
            drawn["origin"] + drawn["path"],
            params=drawn["params"],
            headers=headers,
            content=drawn["body"],
        )
        before, sent = send(client, AkSkAuth(credentials, clock=fixed_clock), request)
    assert_same_as_sdk(credentials, before, sent, list(drawn["params"]))


# ------------------------------------------------------------------------------------- through an intermediary
class RewritingProxy(httpx.HTTPTransport):
    """An intermediary between client and gateway that rewrites hop-by-hop and encoding headers, as proxies do."""

    def __init__(self, rewrite: dict[str, str]) -> None:
        super().__init__()
        self.rewrite = rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for name, value in self.rewrite.items():
            request.headers[name] = value
        return super().handle_request(request)


@pytest.mark.integration
def test_a_proxy_rewriting_connection_and_accept_encoding_does_not_break_the_signature() -> None:
    """Against the mock gateway's verification: the hop-by-hop rewrite passes, a rewrite of a signed header is
    refused (so the check is real)."""
    with MockServer(MockConfig.generate(seed=3, fleet_size=3)) as mock:
        credentials = AkSkCredentials(mock.config.ak, mock.config.sk, project_id=mock.config.project_id)
        server_ids = mock.state.server_ids()[:1]
        proxied = RewritingProxy({"Connection": "close", "Accept-Encoding": "identity", "Accept": "text/html"})
        with CphClient(endpoint=mock.url, credentials=credentials, transport=proxied) as client:
            assert client.restart(server_ids).ok
        tampering = RewritingProxy({"User-Agent": "a proxy"})
        with (
            CphClient(endpoint=mock.url, credentials=credentials, transport=tampering) as client,
            pytest.raises(CphError) as refused,
        ):
            client.restart(server_ids)
    assert refused.value.status == 401
