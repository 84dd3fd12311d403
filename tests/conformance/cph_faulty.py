"""Deliberately faulty variants of the mock endpoint, for proving that the conformance suite catches each fault.

Each variant wraps the correct mock's ASGI app in a small middleware that breaks exactly one rule of the spec. The
mock itself (``src/cph/mock``) stays correct; the faults live only here. A variant is served by uvicorn on
127.0.0.1 like the real mock, and the suite tests it as any endpoint (``--base-url``).

Imported by the tests as ``cph_faulty`` (``conftest.py`` puts this folder on ``sys.path``).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cph.mock import MockApp

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

RESTART = re.compile(r"^/v1/[^/]+/cloud-phone/servers/batch-restart$")
SHOW_JOB = re.compile(r"^/v1/[^/]+/cloud-phone/jobs/[^/]+$")
DOCUMENTED_PATHS = (
    RESTART,
    SHOW_JOB,
    re.compile(r"^/v1/[^/]+/cloud-phone/jobs$"),
    re.compile(r"^/v1/[^/]+/cloud-phone/servers$"),
)


@dataclass(slots=True)
class Exchange:
    """One request and the (possibly rewritten) response, as the middleware sees them."""

    method: str
    path: str
    headers: list[tuple[bytes, bytes]]
    body: bytes
    status: int = 0
    response_headers: list[tuple[bytes, bytes]] | None = None
    response_body: bytes = b""

    def json(self) -> Any:
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    def set_json(self, document: Any) -> None:
        self.response_body = json.dumps(document).encode()

    def header(self, name: bytes) -> bytes | None:
        assert self.response_headers is not None
        for key, value in self.response_headers:
            if key.lower() == name:
                return value
        return None

    def reauthenticate(self, token: str) -> None:
        """After rewriting a signed request's body, swap its (now invalid) signature for the mock's token, so the
        rewritten request still reaches the operation — but only if the client authenticated in the first place."""
        names = {key.lower() for key, _ in self.headers}
        if not names & {b"authorization", b"x-auth-token"}:
            return
        drop = {b"authorization", b"x-auth-token", b"x-sdk-date", b"x-security-token", b"content-length"}
        self.headers = [(k, v) for k, v in self.headers if k.lower() not in drop]
        self.headers.append((b"x-auth-token", token.encode()))

    def set_header(self, name: bytes, value: bytes | None) -> None:
        assert self.response_headers is not None
        self.response_headers = [(k, v) for k, v in self.response_headers if k.lower() != name]
        if value is not None:
            self.response_headers.append((name, value))


class Faulty:
    """ASGI middleware around a :class:`MockApp`; subclasses override :meth:`request` and/or :meth:`response`.

    ``config``, ``state`` and ``faults`` delegate to the wrapped app, so :class:`cph.mock.MockServer` serves it.
    """

    name = "correct"
    expected_check = ""

    def __init__(self, inner: MockApp) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def request(self, exchange: Exchange) -> bool:
        """Rewrite the request in place; return False to answer with the exchange's response directly."""
        return True

    async def handle(self, scope: Scope, exchange: Exchange) -> None:
        """Rewrite the request, let the mock answer it, rewrite the answer (override for anything else)."""
        if self.request(exchange):
            await self.forward(scope, exchange)
            self.response(exchange)

    async def forward(self, scope: Scope, exchange: Exchange) -> None:
        """Send the exchange's request to the wrapped mock and store its answer in the exchange."""
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": exchange.body, "more_body": False}

        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)

        await self.inner({**scope, "headers": exchange.headers}, replay, capture)
        start = next(m for m in captured if m["type"] == "http.response.start")
        exchange.status = start["status"]
        exchange.response_headers = list(start.get("headers", []))
        exchange.response_body = b"".join(m.get("body", b"") for m in captured if m["type"] == "http.response.body")

    def response(self, exchange: Exchange) -> None:
        """Rewrite the response in place."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        exchange = Exchange(scope["method"], scope["path"], list(scope["headers"]), b"".join(chunks))
        await self.handle(scope, exchange)
        assert exchange.response_headers is not None
        headers = [(k, v) for k, v in exchange.response_headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(exchange.response_body)).encode()))
        await send({"type": "http.response.start", "status": exchange.status, "headers": headers})
        await send({"type": "http.response.body", "body": exchange.response_body})


# ---------------------------------------------------------------------------------------------------- variants
class IgnoresAuth(Faulty):
    """Authenticates every request, whatever credentials it carries (or none)."""

    name = "ignores-auth"
    expected_check = "ignored_auth"

    def request(self, exchange: Exchange) -> bool:
        drop = {b"authorization", b"x-auth-token", b"x-sdk-date", b"x-security-token"}
        exchange.headers = [(k, v) for k, v in exchange.headers if k.lower() not in drop]
        exchange.headers.append((b"x-auth-token", self.inner.config.token.encode()))
        return True


class NoRequestId(Faulty):
    """Sends no X-Request-Id header."""

    name = "no-request-id"
    expected_check = "cph_request_id"

    def response(self, exchange: Exchange) -> None:
        exchange.set_header(b"x-request-id", None)


class RequestIdMismatch(Faulty):
    """Sends an X-Request-Id that differs from the body's request_id."""

    name = "request-id-mismatch"
    expected_check = "cph_request_id"

    def response(self, exchange: Exchange) -> None:
        exchange.set_header(b"x-request-id", secrets.token_hex(16).encode())


class Accepts101Ids(Faulty):
    """Accepts more than 100 server IDs (silently restarting only the first 100).

    The request first goes to the mock unchanged, so authentication is still enforced; only when the mock refuses
    it for the ID count (400 CPS.0016) is the first-100 version sent in its place, re-authenticated with the mock's
    token because truncating the body invalidates the client's signature.
    """

    name = "accepts-101-ids"
    expected_check = "negative_data_rejection"

    async def handle(self, scope: Scope, exchange: Exchange) -> None:
        await self.forward(scope, exchange)
        if exchange.status != 400 or exchange.method != "POST" or not RESTART.match(exchange.path):
            return
        try:
            document = json.loads(exchange.body)
        except ValueError:
            return
        ids = document.get("server_ids") if isinstance(document, dict) else None
        if isinstance(ids, list) and len(ids) > 100:
            truncated = Exchange(exchange.method, exchange.path, exchange.headers, b"")
            truncated.body = json.dumps({**document, "server_ids": ids[:100]}).encode()
            truncated.reauthenticate(self.inner.config.token)
            await self.forward(scope, truncated)
            exchange.status = truncated.status
            exchange.response_headers = truncated.response_headers
            exchange.response_body = truncated.response_body


class MalformedJson500(Faulty):
    """Crashes (500) on a restart body that is not JSON, instead of answering 400 CPS.9004."""

    name = "malformed-json-500"
    expected_check = "not_a_server_error"

    def request(self, exchange: Exchange) -> bool:
        if exchange.method == "POST" and RESTART.match(exchange.path):
            try:
                json.loads(exchange.body)
            except ValueError:
                request_id = secrets.token_hex(16)
                exchange.status = 500
                exchange.response_headers = [
                    (b"content-type", b"application/json"),
                    (b"x-request-id", request_id.encode()),
                ]
                exchange.set_json(
                    {"request_id": request_id, "error_code": "APIGW.0601", "error_msg": "Internal server error."}
                )
                return False
        return True


class ExtraJob(Faulty):
    """Returns a job for a server that was not requested."""

    name = "extra-job"
    expected_check = "cph_server_jobs"

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status == 200 and RESTART.match(exchange.path) and isinstance(body, dict):
            body["jobs"].append({"server_id": secrets.token_hex(16), "job_id": secrets.token_hex(16)})
            exchange.set_json(body)


class WrongStatusForCode(Faulty):
    """Sends CPH's 400 errors with HTTP 403 (a status every operation documents, but not these codes')."""

    name = "wrong-status-for-code"
    expected_check = "cph_error_catalog"

    def response(self, exchange: Exchange) -> None:
        if exchange.status == 400:
            exchange.status = 403


class UnknownErrorCode(Faulty):
    """Answers invalid server IDs with an error code the catalog does not define."""

    name = "unknown-error-code"
    expected_check = "cph_error_catalog"

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if isinstance(body, dict) and body.get("error_code") == "CPS.0016":
            body["error_code"] = "CPS.0999"
            exchange.set_json(body)


class JobNeverEnds(Faulty):
    """Restart jobs stay "running" (status 1) forever."""

    name = "job-never-ends"
    expected_check = "cph_jobs_terminate"

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status == 200 and SHOW_JOB.match(exchange.path) and isinstance(body, dict):
            body.update(status=1, end_time=None, error_code=None, error_msg=None)
            exchange.set_json(body)


class UndocumentedStatus(Faulty):
    """Answers a successful restart with 202, which the spec does not document."""

    name = "undocumented-status"
    expected_check = "status_code_conformance"

    def response(self, exchange: Exchange) -> None:
        if exchange.status == 200 and RESTART.match(exchange.path):
            exchange.status = 202


class ReusedJobId(Faulty):
    """Hands out the same job ID again and again."""

    name = "reused-job-id"
    expected_check = "cph_job_ids_unique"

    def __init__(self, inner: MockApp) -> None:
        super().__init__(inner)
        self.first: str | None = None

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status == 200 and RESTART.match(exchange.path) and isinstance(body, dict):
            for job in body["jobs"]:
                if "job_id" in job:
                    self.first = self.first or job["job_id"]
                    job["job_id"] = self.first
            exchange.set_json(body)


class ErrorFieldsOnAcceptedJob(Faulty):
    """Adds error_code/error_msg to accepted jobs (clients then think the restart failed)."""

    name = "error-fields-on-accepted-job"
    expected_check = "cph_job_entries"

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status == 200 and RESTART.match(exchange.path) and isinstance(body, dict):
            for job in body["jobs"]:
                if "job_id" in job:
                    job.update(error_code="CPS.0000", error_msg="ok")
            exchange.set_json(body)


class MethodNotAllowed405(Faulty):
    """Answers a known path with an undeclared method 405 (a web framework's habit), not the gateway's 404."""

    name = "method-not-allowed-405"
    expected_check = "cph_unsupported_method"

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if (
            exchange.status == 404
            and isinstance(body, dict)
            and body.get("error_code") == "APIGW.0101"
            and any(pattern.match(exchange.path) for pattern in DOCUMENTED_PATHS)
        ):
            exchange.status = 405


VARIANTS: tuple[type[Faulty], ...] = (
    IgnoresAuth,
    NoRequestId,
    RequestIdMismatch,
    Accepts101Ids,
    MalformedJson500,
    ExtraJob,
    WrongStatusForCode,
    UnknownErrorCode,
    JobNeverEnds,
    UndocumentedStatus,
    ReusedJobId,
    ErrorFieldsOnAcceptedJob,
    MethodNotAllowed405,
)
