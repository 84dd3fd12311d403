"""Helpers shared by the mock's tests: a deterministic config, clients, and spec-conformance assertions.

Imported by test modules as ``cph_mock_testkit`` (``conftest.py`` puts this folder on ``sys.path``, since the
suite runs with ``--import-mode=importlib``)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from cph import AkSkAuth, AkSkCredentials, load_spec
from cph.mock import (
    AkSkCredential,
    MockApp,
    MockConfig,
    MockServer,
    ProjectConfig,
    TokenCredential,
    compile_response_validators,
    compile_schema,
)

PRIMARY = "0123456789abcdef0123456789abcdef"
SECOND = "fedcba9876543210fedcba9876543210"
AK = "MOCKAK0000000000000A"
SK = "mock-secret-key-0000000000000000000000SK"
TEMP_AK = "MOCKTEMPAK0000000000"
TEMP_SK = "mock-temporary-secret-key-0000000000000S"
SECURITY_TOKEN = "mock-security-token-value"
DENIED_AK = "MOCKDENIEDAK00000000"
SECOND_AK = "MOCKSECONDAK00000000"
TOKEN = "MIImock-token-primary"
EXPIRED_TOKEN = "MIImock-token-expired"
DENIED_TOKEN = "MIImock-token-denied"
START = 1_795_694_400.0  # 2026-11-26T12:00:00Z

SPEC = load_spec()
RESPONSE_VALIDATORS = compile_response_validators(SPEC)
ERROR_VALIDATOR = compile_schema(SPEC, {"$ref": "#/components/schemas/ErrorResponse"})


def make_config(**options: Any) -> MockConfig:
    """A deterministic config with two projects and every kind of credential the gateway knows."""
    base: dict[str, Any] = {
        "seed": 1234,
        "job_duration": 10.0,
        "validate_responses": True,
        "projects": [
            ProjectConfig(PRIMARY, fleet_size=30),
            ProjectConfig(SECOND, fleet_size=12),
        ],
        "credentials": [
            AkSkCredential(AK, SK, PRIMARY),
            AkSkCredential(TEMP_AK, TEMP_SK, PRIMARY, security_token=SECURITY_TOKEN),
            AkSkCredential(DENIED_AK, SK, PRIMARY, authorized=False),
            AkSkCredential(SECOND_AK, SK, SECOND),
        ],
        "tokens": [
            TokenCredential(TOKEN, PRIMARY),
            TokenCredential(EXPIRED_TOKEN, PRIMARY, expires_at=START + 60),
            TokenCredential(DENIED_TOKEN, PRIMARY, authorized=False),
        ],
    }
    base.update(options)
    return MockConfig.generate(**base)


def aksk(
    ak: str = AK,
    sk: str = SK,
    project_id: str | None = PRIMARY,
    token: str | None = None,
    clock: Callable[[], float] | None = None,
) -> AkSkAuth:
    """AK/SK signing; ``clock`` (Unix seconds, e.g. a FakeClock) stamps X-Sdk-Date, default the wall clock."""
    stamp = None if clock is None else (lambda: datetime.fromtimestamp(clock(), UTC))
    return AkSkAuth(AkSkCredentials(ak, sk, project_id, security_token=token), clock=stamp)


class Client:
    """A synchronous face for ``httpx.AsyncClient`` over ``ASGITransport`` (in-process, no socket)."""

    def __init__(self, app: MockApp, auth: httpx.Auth | None) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test", auth=auth)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.http.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def restart(self, server_ids: list[str], project_id: str = PRIMARY, **kwargs: Any) -> httpx.Response:
        return self.post(
            f"/v1/{project_id}/cloud-phone/servers/batch-restart", json={"server_ids": server_ids}, **kwargs
        )

    def send(self, request: httpx.Request) -> httpx.Response:
        """Send a prepared (for example hand-signed, then tampered) request without the client's auth."""
        return self.loop.run_until_complete(self.http.send(request, auth=None))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


def assert_error(response: httpx.Response, status: int, code: str, message: str | None = None) -> dict[str, Any]:
    """The response is a spec-shaped error with this status and code; X-Request-Id matches the body."""
    assert response.status_code == status, response.text[:500]
    body: dict[str, Any] = response.json()
    assert ERROR_VALIDATOR.is_valid(body), body
    assert body["error_code"] == code, body
    assert body["request_id"] == response.headers["x-request-id"]
    if message is not None:
        assert body["error_msg"] == message
    return body


def assert_conforms(operation_id: str | None, response: httpx.Response) -> Any:
    """The response's status is declared for the operation and its body validates; the request ID is consistent."""
    body = json.loads(response.content)
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32
    assert all(c in "0123456789abcdef" for c in request_id)
    assert body["request_id"] == request_id
    if operation_id is None:
        assert response.status_code == 404
        validator = ERROR_VALIDATOR
    else:
        validator = RESPONSE_VALIDATORS.get((operation_id, response.status_code))
        assert validator is not None, f"{operation_id} does not declare status {response.status_code}"
    errors = [e.message for e in validator.iter_errors(body)]
    assert errors == [], (operation_id, response.status_code, body)
    return body


# ------------------------------------------------------------------------------------------ raw HTTP over sockets
def connect(mock: MockServer) -> socket.socket:
    """A raw TCP connection to a running mock."""
    sock = socket.create_connection(("127.0.0.1", mock.port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class Reader:
    """Reads HTTP/1.1 responses off a socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                raise ConnectionError("closed before a response")
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            if not self._fill():
                raise ConnectionError("closed mid-body")
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(lines[0].split(" ")[1]), headers, body

    def closed(self) -> bool:
        try:
            return not self._fill() and not self.buffer
        except ConnectionResetError:
            return True


def raw_request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """The bytes of one HTTP/1.1 request, authenticated with the primary token unless headers say otherwise."""
    all_headers = {"Host": "127.0.0.1", "X-Auth-Token": TOKEN, **(headers or {})}
    if body and "Transfer-Encoding" not in all_headers:
        all_headers.setdefault("Content-Length", str(len(body)))
        all_headers.setdefault("Content-Type", "application/json")
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in all_headers.items()) + "\r\n"
    return head.encode() + body
