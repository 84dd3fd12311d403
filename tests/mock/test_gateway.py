"""Authentication like Huawei's API gateway: AK/SK signatures, temporary credentials, lock-out, tokens."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

import httpx
import pytest
from cph_mock_testkit import (
    AK,
    DENIED_AK,
    DENIED_TOKEN,
    EXPIRED_TOKEN,
    PRIMARY,
    SECOND,
    SECOND_AK,
    SECURITY_TOKEN,
    SK,
    START,
    TEMP_AK,
    TEMP_SK,
    TOKEN,
    Client,
    aksk,
    assert_error,
)

from cph._signing import authorization_header, canonical_request, format_sdk_date, signature, string_to_sign
from cph.mock import FakeClock, MockApp

SERVERS = f"/v1/{PRIMARY}/cloud-phone/servers"
RESTART = f"/v1/{PRIMARY}/cloud-phone/servers/batch-restart"
SIGNATURE_FAIL = "Incorrect IAM authentication information: verify aksk signature fail"


def signed(clock: FakeClock, method: str = "GET", url: str = SERVERS, **kwargs: object) -> httpx.Request:
    request = httpx.Request(method, "http://mock.test" + url, **kwargs)  # type: ignore[arg-type]
    aksk(clock=clock).sign(request)
    return request


def test_correct_signature_is_accepted(client: Client) -> None:
    response = client.get(SERVERS, params={"limit": 2, "server_name": "cph server"})
    assert response.status_code == 200, response.text
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_wrong_secret_key(anonymous: Client, clock: FakeClock) -> None:
    response = anonymous.get(SERVERS, auth=aksk(AK, "wrong", clock=clock))
    assert_error(response, 401, "APIGW.0301", SIGNATURE_FAIL)


def test_unknown_access_key(anonymous: Client, clock: FakeClock) -> None:
    response = anonymous.get(SERVERS, auth=aksk("UNKNOWNAKXYZ", SK, clock=clock))
    body = assert_error(response, 401, "APIGW.0301")
    assert body["error_msg"] == (
        "Incorrect IAM authentication information: Get secretKey failed,ak:UNKN****,err:ak not exist"
    )


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic dXNlcjpwYXNz",
        "SDK-HMAC-SHA256 Access=AK",
        f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host, Signature=zz",
        f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=, Signature={'0' * 64}",
        "",
    ],
)
def test_malformed_authorization(anonymous: Client, authorization: str) -> None:
    response = anonymous.get(SERVERS, headers={"Authorization": authorization, "X-Sdk-Date": "20261126T120000Z"})
    assert_error(response, 401, "APIGW.0301")


def test_missing_or_malformed_sdk_date(anonymous: Client, clock: FakeClock) -> None:
    request = signed(clock)
    del request.headers["X-Sdk-Date"]
    body = assert_error(anonymous.send(request), 401, "APIGW.0301")
    assert body["error_msg"].endswith("x-sdk-date not found")
    request = signed(clock)
    request.headers["X-Sdk-Date"] = "2026-11-26T12:00:00Z"
    assert_error(anonymous.send(request), 401, "APIGW.0301")


@pytest.mark.parametrize(("skew", "status"), [(-16 * 60, 401), (-14 * 60, 200), (14 * 60, 200), (16 * 60, 401)])
def test_sdk_date_must_be_within_15_minutes(anonymous: Client, clock: FakeClock, skew: int, status: int) -> None:
    signer_clock = FakeClock(START + skew)
    response = anonymous.get(SERVERS, auth=aksk(clock=signer_clock))
    assert response.status_code == status, response.text
    if status == 401:
        assert "signing time out of range" in response.json()["error_msg"]


def test_exactly_the_signed_headers_are_verified(anonymous: Client, clock: FakeClock) -> None:
    request = signed(clock)
    request.headers["X-Unsigned-Extra"] = "added after signing"
    assert anonymous.send(request).status_code == 200
    request = signed(clock)
    assert "x-project-id" in request.headers["Authorization"]
    request.headers["X-Project-Id"] = SECOND
    assert_error(anonymous.send(request), 401, "APIGW.0301", SIGNATURE_FAIL)
    request = signed(clock)
    request.headers["Authorization"] = request.headers["Authorization"].replace(
        "SignedHeaders=", "SignedHeaders=x-not-sent;"
    )
    assert_error(anonymous.send(request), 401, "APIGW.0301")


def test_body_and_query_are_covered_by_the_signature(anonymous: Client, app: MockApp, clock: FakeClock) -> None:
    server = app.state.server_ids(PRIMARY, status=5)[0]
    request = signed(clock, "POST", RESTART, json={"server_ids": [server]})
    request.stream = httpx.ByteStream(b'{"server_ids": ["' + server.encode() + b'"] }')
    request.headers["Content-Length"] = str(len(request.stream._stream))  # type: ignore[attr-defined]
    assert_error(anonymous.send(request), 401, "APIGW.0301", SIGNATURE_FAIL)
    assert app.state.restart_count(server) == 0
    request = signed(clock, params={"limit": "2", "offset": "1"})
    assert anonymous.send(request).status_code == 200
    request.url = request.url.copy_with(query=b"offset=1&limit=2")  # same pairs, another order: same canonical query
    assert anonymous.send(request).status_code == 200
    request.url = request.url.copy_with(query=b"offset=1&limit=3")
    assert_error(anonymous.send(request), 401, "APIGW.0301", SIGNATURE_FAIL)


def test_duplicated_authorization_header(anonymous: Client, clock: FakeClock) -> None:
    request = signed(clock)
    value = request.headers["Authorization"]
    request.headers = httpx.Headers([*request.headers.multi_items(), ("Authorization", value)])
    assert_error(anonymous.send(request), 401, "APIGW.0301")


def test_temporary_credentials_need_their_security_token(anonymous: Client, clock: FakeClock) -> None:
    missing = anonymous.get(SERVERS, auth=aksk(TEMP_AK, TEMP_SK, clock=clock))
    assert_error(missing, 401, "APIGW.0301")
    wrong = anonymous.get(SERVERS, auth=aksk(TEMP_AK, TEMP_SK, token="other-token", clock=clock))
    assert_error(wrong, 401, "APIGW.0301")
    right = anonymous.get(SERVERS, auth=aksk(TEMP_AK, TEMP_SK, token=SECURITY_TOKEN, clock=clock))
    assert right.status_code == 200


def test_lock_out_after_more_than_five_failures(anonymous: Client, app: MockApp, clock: FakeClock) -> None:
    wrong, right = aksk(AK, "wrong", clock=clock), aksk(clock=clock)
    for _ in range(5):
        assert_error(anonymous.get(SERVERS, auth=wrong), 401, "APIGW.0301", SIGNATURE_FAIL)
    assert anonymous.get(SERVERS, auth=right).status_code == 200  # success resets the count
    for _ in range(6):
        assert_error(anonymous.get(SERVERS, auth=wrong), 401, "APIGW.0301", SIGNATURE_FAIL)
    assert app.gateway.locked(AK)
    locked = "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden."
    assert_error(anonymous.get(SERVERS, auth=right), 401, "APIGW.0301", locked)
    assert anonymous.get(SERVERS, auth=aksk(TEMP_AK, TEMP_SK, token=SECURITY_TOKEN, clock=clock)).status_code == 200
    clock.advance(299)
    assert_error(anonymous.get(SERVERS, auth=aksk(clock=clock)), 401, "APIGW.0301", locked)
    clock.advance(2)
    assert anonymous.get(SERVERS, auth=aksk(clock=clock)).status_code == 200
    assert not app.gateway.locked(AK)


def test_tokens(anonymous: Client, clock: FakeClock) -> None:
    assert anonymous.get(SERVERS, headers={"X-Auth-Token": TOKEN}).status_code == 200
    body = assert_error(anonymous.get(SERVERS, headers={"X-Auth-Token": "MIIwrong"}), 401, "APIGW.0301")
    assert body["error_msg"] == "Incorrect IAM authentication information: decrypt token fail"
    assert anonymous.get(SERVERS, headers={"X-Auth-Token": EXPIRED_TOKEN}).status_code == 200
    clock.advance(61)
    assert_error(
        anonymous.get(SERVERS, headers={"X-Auth-Token": EXPIRED_TOKEN}), 401, "APIGW.0307", "The token must be updated."
    )


def test_not_authorized_credentials_get_403(anonymous: Client, clock: FakeClock) -> None:
    message = "The IAM user is not authorized to access the API."
    assert_error(anonymous.get(SERVERS, headers={"X-Auth-Token": DENIED_TOKEN}), 403, "APIGW.0302", message)
    assert_error(anonymous.get(SERVERS, auth=aksk(DENIED_AK, SK, clock=clock)), 403, "APIGW.0302", message)


def test_no_credentials(anonymous: Client) -> None:
    body = assert_error(anonymous.get(SERVERS), 401, "APIGW.0301")
    assert body["error_msg"] == "Incorrect IAM authentication information: x-auth-token not found"


def test_another_projects_path_is_cps_0001_and_changes_nothing(
    anonymous: Client, app: MockApp, clock: FakeClock
) -> None:
    before = app.state.snapshot()
    server = app.state.server_ids(PRIMARY, status=5)[0]
    foreign = anonymous.post(RESTART, json={"server_ids": [server]}, auth=aksk(SECOND_AK, SK, SECOND, clock=clock))
    assert_error(foreign, 400, "CPS.0001", "No permission to request resources.")
    with_token = anonymous.get(f"/v1/{SECOND}/cloud-phone/servers", headers={"X-Auth-Token": TOKEN})
    assert_error(with_token, 400, "CPS.0001")
    assert app.state.snapshot() == before


@pytest.mark.parametrize(
    ("state", "code"), [("arrears", "CPS.0006"), ("frozen", "CPS.0007"), ("unverified", "CPS.0008")]
)
def test_account_states(client: Client, app: MockApp, state: str, code: str) -> None:
    app.state.set_account_state(PRIMARY, state)
    before = app.state.snapshot()
    server = app.state.server_ids(PRIMARY, status=5)[0]
    assert_error(client.restart([server]), 400, code)
    assert_error(client.get(SERVERS), 400, code)
    assert app.state.snapshot() == before


def test_secrets_never_reach_the_logs(anonymous: Client, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    anonymous.get(SERVERS, auth=aksk(AK, "wrong-secret-value", clock=clock))
    anonymous.get(SERVERS, auth=aksk(TEMP_AK, TEMP_SK, token="bad-security-token", clock=clock))
    anonymous.get(SERVERS, headers={"X-Auth-Token": "MIIsecret-looking-token"})
    anonymous.get(SERVERS, auth=aksk(clock=clock))
    for secret in (SK, TEMP_SK, SECURITY_TOKEN, TOKEN, "wrong-secret-value", "bad-security-token", "MIIsecret"):
        assert secret not in caplog.text


def hand_signed(
    clock: FakeClock, names: list[str], body: bytes, payload: str, extra: dict[str, str] | None = None
) -> httpx.Request:
    """A restart request signed with the primary AK/SK over exactly ``names``, with ``payload`` as the payload hash."""
    date = format_sdk_date(datetime.fromtimestamp(clock(), UTC))
    headers = {"Host": "mock.test", "Content-Type": "application/json", "X-Sdk-Date": date, **(extra or {})}
    canonical = canonical_request("POST", RESTART, "", {k.lower(): v for k, v in headers.items()}, names, payload)
    authorization = authorization_header(AK, names, signature(SK, string_to_sign(date, canonical)))
    return httpx.Request(
        "POST", "http://mock.test" + RESTART, content=body, headers={**headers, "Authorization": authorization}
    )


def restart_body(server: str) -> bytes:
    return b'{"server_ids": ["' + server.encode() + b'"]}'


def test_an_unsigned_content_hash_cannot_swap_the_body(anonymous: Client, app: MockApp, clock: FakeClock) -> None:
    """Issue 12: a request signed for one body, replayed with another body and an *unsigned* X-Sdk-Content-Sha256
    holding the first body's hash, restarted the other servers."""
    meant, swapped = app.state.server_ids(PRIMARY, status=5)[:2]
    original = restart_body(meant)
    request = signed(clock, "POST", RESTART, content=original, headers={"Content-Type": "application/json"})
    assert "x-sdk-content-sha256" not in request.headers["Authorization"]
    headers = {k: v for k, v in request.headers.items() if k != "content-length"}
    headers["X-Sdk-Content-Sha256"] = hashlib.sha256(original).hexdigest()
    forged = httpx.Request("POST", request.url, content=restart_body(swapped), headers=headers)
    assert_error(anonymous.send(forged), 401, "APIGW.0301", SIGNATURE_FAIL)
    assert app.state.restart_count(swapped) == 0
    assert app.state.restart_count(meant) == 0


def test_a_signed_content_hash_is_honoured(anonymous: Client, app: MockApp, clock: FakeClock) -> None:
    server = app.state.server_ids(PRIMARY, status=5)[2]
    names = ["content-type", "host", "x-sdk-content-sha256", "x-sdk-date"]
    extra = {"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}
    request = hand_signed(clock, names, restart_body(server), "UNSIGNED-PAYLOAD", extra)
    response = anonymous.send(request)
    assert response.status_code == 200, response.text
    assert app.state.restart_count(server) == 1


@pytest.mark.parametrize(
    "names",
    [["content-type", "x-sdk-date"], ["content-type", "host"], ["x-sdk-date"]],
    ids=["no-host", "no-date", "date-only"],
)
def test_a_signature_must_cover_host_and_date(
    anonymous: Client, app: MockApp, clock: FakeClock, names: list[str]
) -> None:
    server = app.state.server_ids(PRIMARY, status=5)[3]
    body = restart_body(server)
    request = hand_signed(clock, names, body, hashlib.sha256(body).hexdigest())
    error = assert_error(anonymous.send(request), 401, "APIGW.0301")
    assert error["error_msg"].endswith("SignedHeaders must include host and x-sdk-date")
    assert app.state.restart_count(server) == 0
    correct = hand_signed(clock, ["content-type", "host", "x-sdk-date"], body, hashlib.sha256(body).hexdigest())
    assert anonymous.send(correct).status_code == 200
