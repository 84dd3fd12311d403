"""Deliberately faulty variants of the mock endpoint, for proving that the conformance suite catches each fault.

Each variant wraps the correct mock's ASGI app in a small middleware that breaks exactly one rule of the spec. The
mock itself (``src/cph/mock``) stays correct; the faults live only here. A variant is served by uvicorn on
127.0.0.1 like the real mock, and the suite tests it as any endpoint (``--base-url``).

Imported by the tests as ``cph_faulty`` (``conftest.py`` puts this folder on ``sys.path``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import urllib.parse
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
    query: str = ""
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
    """The check that catches the fault in the strict profile."""
    provider_check: str | None = None
    """The check that catches it in the provider profile; ``None``: the fault breaks only our decisions, so the
    provider profile must pass (the variant is provider-legal). Defaults to ``expected_check``."""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "provider_check" not in cls.__dict__:
            cls.provider_check = cls.expected_check

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

        query = exchange.query.encode()
        path = exchange.path.encode()
        await self.inner(
            {**scope, "headers": exchange.headers, "query_string": query, "path": exchange.path, "raw_path": path},
            replay,
            capture,
        )
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
        exchange = Exchange(
            scope["method"],
            scope["path"],
            list(scope["headers"]),
            b"".join(chunks),
            query=scope.get("query_string", b"").decode("latin-1"),
        )
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
    provider_check = None  # X-Request-Id on every answer is our decision

    def response(self, exchange: Exchange) -> None:
        exchange.set_header(b"x-request-id", None)


class RequestIdMismatch(Faulty):
    """Sends an X-Request-Id that differs from the body's request_id."""

    name = "request-id-mismatch"
    expected_check = "cph_request_id"
    provider_check = None

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
    expected_check = "cph_error_catalog_strict"
    provider_check = "cph_error_catalog"  # the provider's own codes (CPS.0001, CPS.0002) come with 403 too

    def response(self, exchange: Exchange) -> None:
        if exchange.status == 400:
            exchange.status = 403


class UnknownErrorCode(Faulty):
    """Answers invalid server IDs with an error code the catalog does not define."""

    name = "unknown-error-code"
    expected_check = "cph_error_catalog_strict"
    provider_check = None  # the provider's code list is incomplete: an unknown code is not a contract breach

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
        def running(job: dict[str, Any]) -> None:
            job.update(status=1, end_time=None, error_code=None, error_msg=None)

        _rewrite_jobs(exchange, running)


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
    # In the provider profile generated server IDs are rarely real (no format), so few generated restarts are
    # accepted; the semantic scenario's two restarts get one job ID and ShowJob then names the other server.
    provider_check = "cph_job_agreement"

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
    provider_check = None

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
    provider_check = "cph_error_catalog"  # its body still says APIGW.0101, a provider code documented with 404

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if (
            exchange.status == 404
            and isinstance(body, dict)
            and body.get("error_code") == "APIGW.0101"
            and any(pattern.match(exchange.path) for pattern in DOCUMENTED_PATHS)
        ):
            exchange.status = 405


# ------------------------------------------------------------------------- faults in the documented semantics
LIST_JOBS = re.compile(r"^/v1/[^/]+/cloud-phone/jobs$")
LIST_SERVERS = re.compile(r"^/v1/[^/]+/cloud-phone/servers$")


def _query(exchange: Exchange) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(exchange.query, keep_blank_values=True))


def _set_query(exchange: Exchange, query: dict[str, str]) -> None:
    exchange.query = urllib.parse.urlencode(query)


class ListJobsIgnoresFilter(Faulty):
    """ListJobs also lists the jobs of the latest other restart request (a filter that leaks)."""

    name = "list-jobs-ignores-filter"
    expected_check = "cph_list_filter"

    def __init__(self, inner: MockApp) -> None:
        super().__init__(inner)
        self.restarts: list[tuple[str, list[dict[str, Any]]]] = []

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status != 200 or not isinstance(body, dict):
            return
        if RESTART.match(exchange.path):
            self.restarts.append((body["request_id"], [job for job in body["jobs"] if "job_id" in job]))
        elif LIST_JOBS.match(exchange.path) and body.get("jobs"):
            asked = set(",".join(_query(exchange).values()).split(","))
            other = next((jobs for rid, jobs in reversed(self.restarts) if rid not in asked and jobs), [])
            template = body["jobs"][0]
            body["jobs"] += [{**template, "job_id": j["job_id"], "server_id": j["server_id"]} for j in other[:1]]
            exchange.set_json(body)


class ListJobsIgnoresOffset(Faulty):
    """ListJobs always answers the first page, whatever the offset."""

    name = "list-jobs-ignores-offset"
    expected_check = "cph_list_pagination"

    def request(self, exchange: Exchange) -> bool:
        if LIST_JOBS.match(exchange.path) and "offset=" in exchange.query:
            query = _query(exchange)
            query.pop("offset", None)
            _set_query(exchange, query)
            exchange.reauthenticate(self.inner.config.token)
        return True


class ServersIgnoreOffset(Faulty):
    """ListCloudPhoneServers always answers the first page, whatever the offset."""

    name = "servers-ignore-offset"
    expected_check = "cph_list_pagination"

    def request(self, exchange: Exchange) -> bool:
        if LIST_SERVERS.match(exchange.path) and "offset=" in exchange.query:
            query = _query(exchange)
            query.pop("offset", None)
            _set_query(exchange, query)
            exchange.reauthenticate(self.inner.config.token)
        return True


class CountIsPageLength(Faulty):
    """ListJobs ``count`` is the length of the page, not the total."""

    name = "count-is-page-length"
    expected_check = "cph_list_count"
    provider_check = None  # count is our decision

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status == 200 and LIST_JOBS.match(exchange.path) and isinstance(body, dict):
            body["count"] = len(body.get("jobs") or [])
            exchange.set_json(body)


class Accepts21RequestIds(Faulty):
    """ListJobs takes more than 20 request IDs (it silently uses the first 20)."""

    name = "accepts-21-request-ids"
    expected_check = "cph_list_maximum"

    def request(self, exchange: Exchange) -> bool:
        query = _query(exchange)
        ids = query.get("request_ids", "").split(",")
        if LIST_JOBS.match(exchange.path) and len(ids) > 20:
            query["request_ids"] = ",".join(ids[:20])
            _set_query(exchange, query)
            exchange.reauthenticate(self.inner.config.token)
        return True


def _rewrite_jobs(exchange: Exchange, change: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``change`` to every job of a 200 ShowJob or ListJobs answer."""
    body = exchange.json()
    if exchange.status != 200 or not isinstance(body, dict):
        return
    if SHOW_JOB.match(exchange.path):
        change(body)
    elif LIST_JOBS.match(exchange.path):
        for job in body.get("jobs") or []:
            change(job)
    else:
        return
    exchange.set_json(body)


class FailedJobWithoutError(Faulty):
    """Jobs end failed (status -1) without saying why (no error_code / error_msg)."""

    name = "failed-job-without-error"
    expected_check = "cph_job_lifecycle"

    def response(self, exchange: Exchange) -> None:
        def fail(job: dict[str, Any]) -> None:
            if job.get("status") == 2:
                job.update(status=-1, error_code="", error_msg="")

        _rewrite_jobs(exchange, fail)


class EndedJobWithoutEndTime(Faulty):
    """Ended jobs carry no end_time."""

    name = "ended-job-without-end-time"
    expected_check = "cph_job_times"
    provider_check = None  # the provider does not say when end_time is set

    def response(self, exchange: Exchange) -> None:
        def forget(job: dict[str, Any]) -> None:
            if job.get("status") in (2, -1):
                job["end_time"] = "" if LIST_JOBS.match(exchange.path) else None

        _rewrite_jobs(exchange, forget)


class ShowJobOtherServer(Faulty):
    """ShowJob names another server than the one the job restarts."""

    name = "show-job-other-server"
    expected_check = "cph_job_agreement"

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status == 200 and SHOW_JOB.match(exchange.path) and isinstance(body, dict):
            body["server_id"] = "f" * 32
            exchange.set_json(body)


class RestartsBusyServer(Faulty):
    """Accepts a restart of a server whose restart is still running (a second job instead of per-job CPS.9001)."""

    name = "restarts-busy-server"
    expected_check = "cph_busy_server"
    provider_check = None  # the provider documents nothing for a busy server

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status == 200 and RESTART.match(exchange.path) and isinstance(body, dict):
            for job in body["jobs"]:
                if job.get("error_code") == "CPS.9001":
                    job.pop("error_code")
                    job.pop("error_msg", None)
                    job["job_id"] = secrets.token_hex(16)
            exchange.set_json(body)


class ServesOtherProjects(Faulty):
    """Answers a request for any project with the caller's own project's data."""

    name = "serves-other-projects"
    expected_check = "cph_other_project_refused"

    def request(self, exchange: Exchange) -> bool:
        project = self.inner.config.project_id
        parts = exchange.path.split("/")
        if len(parts) > 2 and parts[1] == "v1" and parts[2] != project:
            exchange.path = "/".join([*parts[:2], project, *parts[3:]])
            exchange.reauthenticate(self.inner.config.token)
        return True


class OtherProjectForbidden(Faulty):
    """Refuses another project with 403 APIGW.0310 (a documented gateway answer) instead of 400 CPS.0001."""

    name = "other-project-forbidden"
    expected_check = "cph_other_project"
    provider_check = None  # any 4xx refuses it; the code is our decision

    def request(self, exchange: Exchange) -> bool:
        parts = exchange.path.split("/")
        if len(parts) > 2 and parts[1] == "v1" and parts[2] != self.inner.config.project_id:
            request_id = secrets.token_hex(16)
            exchange.status = 403
            exchange.response_headers = [(b"content-type", b"application/json"), (b"x-request-id", request_id.encode())]
            message = "The project is unavailable."
            exchange.set_json({"request_id": request_id, "error_code": "APIGW.0310", "error_msg": message})
            return False
        return True


class AcceptsUpperCaseIds(Faulty):
    """Accepts upper-case server IDs (lower-cases them before restarting)."""

    name = "accepts-upper-case-ids"
    expected_check = "cph_server_id_format"
    provider_check = None  # the provider documents no ID format

    def request(self, exchange: Exchange) -> bool:
        if exchange.method == "POST" and RESTART.match(exchange.path) and re.search(rb"[A-F]", exchange.body):
            try:
                document = json.loads(exchange.body)
            except ValueError:
                return True
            ids = document.get("server_ids") if isinstance(document, dict) else None
            if isinstance(ids, list) and all(isinstance(i, str) for i in ids):
                document["server_ids"] = [i.lower() for i in ids]
                exchange.body = json.dumps(document).encode()
                exchange.reauthenticate(self.inner.config.token)
        return True


class AcceptsStaleDate(Faulty):
    """Accepts an AK/SK signature whose X-Sdk-Date is more than 15 minutes old."""

    name = "accepts-stale-date"
    expected_check = "cph_auth_date"

    def request(self, exchange: Exchange) -> bool:
        date = next((v for k, v in exchange.headers if k.lower() == b"x-sdk-date"), None)
        if date is not None:
            try:
                signed = dt.datetime.strptime(date.decode(), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
            except ValueError:
                return True
            if dt.datetime.now(dt.UTC) - signed > dt.timedelta(minutes=15):
                exchange.reauthenticate(self.inner.config.token)
        return True


class HashesReserialisedJson(Faulty):
    """Verifies the payload hash over the body re-serialised as JSON, not over the bytes received — so a body
    whose bytes differ from the signed ones passes when it means the same."""

    name = "hashes-reserialised-json"
    expected_check = "cph_auth_payload"

    def request(self, exchange: Exchange) -> bool:
        if exchange.method == "POST" and exchange.body:
            try:
                exchange.body = json.dumps(json.loads(exchange.body)).encode()
            except ValueError:
                return True
            exchange.headers = [(k, v) for k, v in exchange.headers if k.lower() != b"content-length"]
            exchange.headers.append((b"content-length", str(len(exchange.body)).encode()))
        return True


class PersistentlyUnavailable(Faulty):
    """ShowJob answers 503 APIGW.0613 every time (an outage that resends cannot ride out)."""

    name = "persistently-unavailable"
    expected_check = "cph_transient"

    def request(self, exchange: Exchange) -> bool:
        if exchange.method == "GET" and SHOW_JOB.match(exchange.path):
            request_id = secrets.token_hex(16)
            exchange.status = 503
            exchange.response_headers = [
                (b"content-type", b"application/json"),
                (b"x-request-id", request_id.encode()),
                (b"retry-after", b"0"),
            ]
            exchange.set_json(
                {
                    "request_id": request_id,
                    "error_code": "APIGW.0613",
                    "error_msg": "The IAM service is currently unavailable.",
                }
            )
            return False
        return True


class NeverLocksOut(Faulty):
    """Never locks an AK, however many signatures fail in a row (a lock-out answer is replaced by the real one)."""

    name = "never-locks-out"
    expected_check = "cph_auth_lockout"

    async def handle(self, scope: Scope, exchange: Exchange) -> None:
        original = Exchange(exchange.method, exchange.path, list(exchange.headers), exchange.body, query=exchange.query)
        await self.forward(scope, exchange)
        body = exchange.json()
        if exchange.status == 401 and isinstance(body, dict) and "limit" in str(body.get("error_msg")):
            original.reauthenticate(self.inner.config.token)
            await self.forward(scope, original)
            exchange.status = original.status
            exchange.response_headers = original.response_headers
            exchange.response_body = original.response_body


# ------------------------------------------------------------------- provider-legal variants (strict fails them)
class OmitsOptionalFields(Faulty):
    """Leaves out every response field the provider does not require: count, times, empty error fields, phone and
    node IDs, execute_msg (both official SDKs treat every response field as optional)."""

    name = "omits-optional-fields"
    expected_check = "response_schema_conformance"
    provider_check = None

    OPTIONAL = ("count", "begin_time", "end_time", "phone_id", "node_id", "execute_msg")

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status != 200 or not isinstance(body, dict):
            return

        def strip(item: dict[str, Any]) -> None:
            for key in self.OPTIONAL:
                item.pop(key, None)
            for key in ("error_code", "error_msg"):
                if item.get(key) in ("", None):
                    item.pop(key, None)

        strip(body)
        for key in ("jobs", "servers"):
            for item in body.get(key) or []:
                if isinstance(item, dict):
                    strip(item)
        exchange.set_json(body)


def _hyphenate(value: str) -> str:
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}" if len(value) == 32 else value


class HyphenatedServerIds(Faulty):
    """Writes server IDs in ShowJob, ListJobs and ListCloudPhoneServers answers as hyphenated UUIDs (as Huawei's
    older ListJobs example does)."""

    name = "hyphenated-server-ids"
    expected_check = "response_schema_conformance"
    provider_check = None

    def response(self, exchange: Exchange) -> None:
        def hyphenate(job: dict[str, Any]) -> None:
            if isinstance(job.get("server_id"), str):
                job["server_id"] = _hyphenate(job["server_id"])

        body = exchange.json()
        if exchange.status == 200 and LIST_SERVERS.match(exchange.path) and isinstance(body, dict):
            for server in body.get("servers") or []:
                hyphenate(server)
            exchange.set_json(body)
        _rewrite_jobs(exchange, hyphenate)


class UndocumentedServerStatus(Faulty):
    """Reports servers with status 6, a value the provider's status list does not name."""

    name = "undocumented-server-status"
    expected_check = "response_schema_conformance"
    provider_check = None

    def response(self, exchange: Exchange) -> None:
        body = exchange.json()
        if exchange.status == 200 and LIST_SERVERS.match(exchange.path) and isinstance(body, dict):
            for server in body.get("servers") or []:
                server["status"] = 6
            exchange.set_json(body)


ORIGINAL_VARIANTS = 13
"""The first variants (schema and catalog faults): proven in both profiles where they break the contract."""

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
    ListJobsIgnoresFilter,
    ListJobsIgnoresOffset,
    ServersIgnoreOffset,
    CountIsPageLength,
    Accepts21RequestIds,
    FailedJobWithoutError,
    EndedJobWithoutEndTime,
    ShowJobOtherServer,
    RestartsBusyServer,
    ServesOtherProjects,
    OtherProjectForbidden,
    AcceptsUpperCaseIds,
    AcceptsStaleDate,
    HashesReserialisedJson,
    PersistentlyUnavailable,
    NeverLocksOut,
    OmitsOptionalFields,
    HyphenatedServerIds,
    UndocumentedServerStatus,
)
