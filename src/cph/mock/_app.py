"""The mock CPH endpoint as a plain ASGI application.

Why a plain ASGI callable rather than Starlette routes and middleware: every request walks the same short pipeline,
and it must stay cheap (the mock has to serve several thousand signed restarts per second on two cores). Each
layer is a module of its own; this one only wires them, in the order the real system applies them:

0. exactly one ``Host`` header                    → 400 ``APIGW.0201``, connection closed
1. route (the spec's paths)                      → 404 ``APIGW.0101`` (also for a known path with another method)
2. body, read with bounds on size, time, memory   → 413 / 400 ``APIGW.0201``, connection closed
3. authentication (:mod:`._gateway`)              → 401 ``APIGW.0301``/``0307``, 403 ``APIGW.0302``
4. throttling (:mod:`._throttle`)                 → 429 ``APIGW.0308``
5. injected faults (:mod:`._faults`), if enabled  → latency, 5xx, 429 bursts, dropped connections
6. project and account                            → 400 ``CPS.0001``, ``CPS.0006``/``0007``/``0008``
7. parameters and body (:mod:`._validation`)      → 400/404 with the code the spec's ``x-cph-error`` names
8. the operation, on the shared :class:`~cph.mock._state.MockState`

Every answer, errors included, carries ``X-Request-Id`` equal to the body's ``request_id``. Anything unexpected
becomes 500 ``APIGW.0601`` and is logged without request data, so no traceback or secret ever reaches a client.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from cph._catalog import Catalog, load_catalog
from cph._spec import load_spec
from cph.mock._clock import Clock, system_clock
from cph.mock._config import ACCOUNT_STATE_ERRORS, MockConfig
from cph.mock._faults import FaultInjector
from cph.mock._gateway import Gateway
from cph.mock._responses import ErrorRenderer, ErrorReply, json_bytes, json_text, new_request_id
from cph.mock._routes import Router
from cph.mock._schemas import compile_response_validators, compile_schema, error_response_schema
from cph.mock._state import MockState
from cph.mock._throttle import Throttle
from cph.mock._validation import OperationRules, compile_operations, parse_json_object, parse_query_string

LOGGER = logging.getLogger("cph.mock")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ABORT_EXTENSION = "cph.mock.abort"
"""ASGI scope extension offered by :class:`cph.mock._server.MockHttpProtocol`: ``{"abort": callable}``; calling it
closes the connection at once, without an answer."""
BODY_TIMEOUT = 10.0
"""Seconds a request may take to deliver its whole body once its head has arrived (then 400, connection closed)."""
BODY_BUDGET_BYTES = 64 * 1024 * 1024
"""Bytes all unfinished request bodies together may hold; a body that would go beyond is refused (413)."""

TOO_LARGE = "APIGW.0201"
BAD_REQUEST = "APIGW.0201"
INTERNAL = "APIGW.0601"
PROJECT_MISMATCH = "CPS.0001"
JOB_NOT_FOUND = "CPS.0011"
REQUEST_ID_REQUIRED = "CPS.9003"

_CONTENT_TYPE = (b"content-type", b"application/json")
_CLOSE = (b"connection", b"close")
_HTTP_1 = frozenset({"1.0", "1.1"})
_CHECKED_BY_GATEWAY = frozenset({"project_id"})
"""Path parameters compared with the credential's project instead of validated on their own."""


class ConnectionDroppedError(httpx.RemoteProtocolError):
    """Raised by the app to drop a connection when the server offers no ``cph.mock.abort`` extension.

    Under httpx's in-process ``ASGITransport`` this reaches the client as the same exception class a real dropped
    connection raises (``httpx.RemoteProtocolError``), so client retry logic can be tested without a socket.
    """

    def __init__(self) -> None:
        super().__init__("Server disconnected without sending a response.")


class _ClientGone(Exception):
    """The client disconnected while its body was being read; nothing to answer."""


@dataclass(frozen=True, slots=True)
class _Call:
    """One authenticated, validated request as an operation handler sees it (each handler reads what it needs)."""

    project_id: str
    path: dict[str, str]
    query: dict[str, Any]
    headers: dict[str, str]
    body: bytes
    request_id: str


class _Drop(Exception):
    """A fault asks for the connection to be closed without a response."""


def header_map(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """ASGI headers as ``{lower-case name: value}``, repeated headers joined with ``", "`` (as HTTP allows).

    Values are decoded as UTF-8 with ``surrogateescape`` so :mod:`cph._signing` hashes exactly the bytes received.
    """
    raw = raw if isinstance(raw, list) else list(raw)
    # ASGI header names are lower-case (the spec requires it); the common case has no repeated header.
    out = {name.decode("latin-1"): value.decode("utf-8", "surrogateescape") for name, value in raw}
    if len(out) == len(raw):
        return out
    out = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        text = value.decode("utf-8", "surrogateescape")
        previous = out.get(key)
        out[key] = text if previous is None else f"{previous}, {text}"
    return out


class MockApp:
    """The ASGI application. Attributes give tests and tools access to its parts: ``config``, ``state``,
    ``faults`` (schedule a fault), ``gateway`` (lock-out state), ``clock``."""

    def __init__(
        self,
        config: MockConfig,
        *,
        clock: Clock | None = None,
        spec: dict[str, Any] | None = None,
        catalog: Catalog | None = None,
        body_timeout: float = BODY_TIMEOUT,
        body_budget_bytes: int = BODY_BUDGET_BYTES,
    ) -> None:
        self.config = config
        self.clock: Clock = clock or system_clock
        self.spec = spec if spec is not None else load_spec()
        self.catalog = catalog if catalog is not None else load_catalog()
        self.router = Router(self.spec)
        self.rules: dict[str, OperationRules] = compile_operations(self.spec)
        self.renderer = ErrorRenderer(self.catalog)
        self.state = MockState(config, self.clock, self.catalog)
        self.gateway = Gateway(config, self.clock)
        self.throttle = Throttle(config.throttle, self.clock)
        self.faults = FaultInjector(config.faults, config.seed, self.rules)
        self.max_body_bytes = config.max_body_bytes
        self.body_timeout = body_timeout
        self.body_budget_bytes = body_budget_bytes
        self.body_bytes_held = 0
        """Bytes of bodies still arriving (in several parts), held by requests that have not been answered yet."""
        self._response_validators = compile_response_validators(self.spec) if config.validate_responses else None
        self._error_validator = compile_schema(self.spec, error_response_schema())
        self._handlers = {
            "RestartCloudPhoneServer": self._restart,
            "ShowJob": self._show_job,
            "ListJobs": self._list_jobs,
            "ListCloudPhoneServers": self._list_servers,
        }
        missing = set(self.rules) - set(self._handlers)
        if missing:
            msg = f"the spec has operations the mock does not implement: {', '.join(sorted(missing))}"
            raise RuntimeError(msg)
        # Fail at start-up, not on the first bad request, if the spec names a code the catalog cannot answer with.
        for rules in self.rules.values():
            for code, status in rules.error_codes():
                self.renderer.entry(code, status)

    # ------------------------------------------------------------------------------------------------ ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "lifespan":
                await self._lifespan(receive, send)
            return
        request_id = new_request_id()
        operation_id: str | None = None
        close = False
        try:
            operation_id, status, body = await self._handle(scope, receive, request_id)
        except ErrorReply as reply:
            status, body = self._render(reply, request_id)
            close = reply.close
        except _ClientGone:
            return
        except _Drop:
            await self._drop(scope, receive)
            return
        except Exception as exc:
            self._log_unexpected(exc, scope)
            status, body = self.renderer.render(ErrorReply(INTERNAL, 500), request_id)
        if self._response_validators is not None:
            status, body = self._checked(operation_id, status, body, request_id)
        headers = [_CONTENT_TYPE, (b"x-request-id", request_id.encode("ascii")), (b"content-length", b"%d" % len(body))]
        if close:
            headers.append(_CLOSE)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _render(self, reply: ErrorReply, request_id: str) -> tuple[int, bytes]:
        try:
            return self.renderer.render(reply, request_id)
        except KeyError:
            LOGGER.error("no catalog entry for %s (status %s); answered 500 APIGW.0601", reply.code, reply.status)
            return self.renderer.render(ErrorReply(INTERNAL, 500), request_id)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    @staticmethod
    async def _drop(scope: Scope, receive: Receive) -> None:
        """Close the connection without an answer; return once the server reports the disconnect."""
        extension = (scope.get("extensions") or {}).get(ABORT_EXTENSION)
        if extension is None:
            raise ConnectionDroppedError
        extension["abort"]()
        while (await receive())["type"] != "http.disconnect":
            pass

    # ----------------------------------------------------------------------------------------- the pipeline
    async def _handle(self, scope: Scope, receive: Receive, request_id: str) -> tuple[str, int, bytes]:
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        headers = header_map(scope["headers"])
        host = headers.get("host")
        version = scope.get("http_version", "1.1")
        # RFC 9112 §3.2: exactly one Host (HTTP/1.0 may omit it); repeated ones arrive joined with ", ".
        if (host is None and version != "1.0") or (host is not None and "," in host) or version not in _HTTP_1:
            raise ErrorReply(BAD_REQUEST, 400, close=True)
        route, path_values = self.router.match(method, raw_path)
        operation_id = route.operation_id
        body = await self._read_body(receive, headers)
        query_string: bytes = scope.get("query_string", b"")
        principal = self.gateway.authenticate(method, raw_path, query_string, headers, body)
        self.throttle.check(principal.key)

        fault = None
        if self.faults.active:
            delay = self.faults.latency(operation_id)
            if delay > 0:
                await asyncio.sleep(delay)
            fault = self.faults.draw(operation_id)
            if fault is not None and not fault.applied:
                if fault.kind.drops_connection:
                    raise _Drop
                raise fault.reply()

        try:
            if path_values["project_id"] != principal.project_id:
                raise ErrorReply(PROJECT_MISMATCH)
            account = self.state.account_state(principal.project_id)
            if account != "normal":
                raise ErrorReply(ACCOUNT_STATE_ERRORS[account])
            rules = self.rules[operation_id]
            rules.check_path(path_values, skip=_CHECKED_BY_GATEWAY)
            query = rules.parse_query(parse_query_string(query_string)) if rules.query_params else {}
            payload = self._handlers[operation_id](
                _Call(principal.project_id, path_values, query, headers, body, request_id)
            )
        except ErrorReply:
            if fault is None:
                raise
            payload = b""  # CPH refused it, but the fault (applied after CPH) is what the client sees
        if fault is not None:
            if fault.kind.drops_connection:
                raise _Drop
            raise fault.reply()
        return operation_id, 200, payload

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> bytes:
        """The request body, refusing (413) anything over the limit without buffering more than the limit.

        A body must be complete within :attr:`body_timeout` seconds (else 400 and the connection is closed), and
        bodies that arrive in several parts count against :attr:`body_budget_bytes` while they do, so slow or
        stalled uploads can hold neither a connection nor memory for long.
        """
        limit = self.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise ErrorReply(TOO_LARGE, 413, close=True)
        try:
            async with asyncio.timeout(self.body_timeout):
                message: Message = await receive()
                if message["type"] != "http.request":
                    raise _ClientGone
                body: bytes = message.get("body", b"")
                if len(body) > limit:
                    raise ErrorReply(TOO_LARGE, 413, close=True)
                if not message.get("more_body", False):
                    return body  # the usual case: the whole body came with the head
                return await self._read_parts(receive, [body], limit)
        except TimeoutError:
            raise ErrorReply(BAD_REQUEST, 400, close=True) from None

    async def _read_parts(self, receive: Receive, chunks: list[bytes], limit: int) -> bytes:
        size = held = len(chunks[0])
        self.body_bytes_held += held
        try:
            while True:
                if self.body_bytes_held > self.body_budget_bytes:
                    raise ErrorReply(TOO_LARGE, 413, close=True)
                message = await receive()
                if message["type"] != "http.request":
                    raise _ClientGone
                chunk: bytes = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise ErrorReply(TOO_LARGE, 413, close=True)
                if chunk:
                    chunks.append(chunk)
                    held += len(chunk)
                    self.body_bytes_held += len(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
        finally:
            self.body_bytes_held -= held

    # ---------------------------------------------------------------------------------------- the operations
    def _restart(self, call: _Call) -> bytes:
        document = parse_json_object(call.body, call.headers.get("content-type"))
        self.rules["RestartCloudPhoneServer"].check_body(document)
        outcome = self.state.restart_outcome(call.project_id, document["server_ids"], call.request_id)
        # The hot path: written by hand. Safe because every server_id passed the Id32 pattern (hex only) and
        # error entries, whose messages come from the catalog, go through the JSON encoder.
        if not outcome.refused:
            # {"server_id":"A","job_id":"1"},{"server_id":"B","job_id":"2"} with two joins, no per-entry format.
            pairs = '"},{"server_id":"'.join(
                map('","job_id":"'.join, zip(outcome.server_ids, outcome.job_ids, strict=True))
            )
            entries = f'{{"server_id":"{pairs}"}}' if pairs else ""
        else:
            entries = ",".join(
                f'{{"server_id":"{server_id}","job_id":"{value}"}}'
                if accepted
                else json_text(
                    {"server_id": server_id, "error_code": value, "error_msg": self.state.job_error_message(value)}
                )
                for server_id, accepted, value in outcome.entries()
            )
        return f'{{"request_id":"{call.request_id}","jobs":[{entries}]}}'.encode("ascii")

    def _show_job(self, call: _Call) -> bytes:
        job = self.state.show_job(call.project_id, call.path["job_id"])
        if job is None:
            raise ErrorReply(JOB_NOT_FOUND)
        return json_bytes({"request_id": call.request_id, **job})

    def _list_jobs(self, call: _Call) -> bytes:
        if "request_ids" in call.query:
            request_ids = call.query["request_ids"].split(",")
        elif "request_id" in call.query:
            request_ids = [call.query["request_id"]]
        else:
            raise ErrorReply(REQUEST_ID_REQUIRED)
        count, jobs = self.state.list_jobs(call.project_id, request_ids, call.query["offset"], call.query["limit"])
        return json_bytes({"request_id": call.request_id, "count": count, "jobs": jobs})

    def _list_servers(self, call: _Call) -> bytes:
        count, servers = self.state.list_servers(
            call.project_id,
            offset=call.query["offset"],
            limit=call.query["limit"],
            server_name=call.query.get("server_name"),
            server_id=call.query.get("server_id"),
            network_version=call.query.get("network_version"),
            phone_model_name=call.query.get("phone_model_name"),
            create_since=call.query.get("create_since"),
            create_until=call.query.get("create_until"),
            status=call.query.get("status"),
        )
        return json_bytes({"request_id": call.request_id, "count": count, "servers": servers})

    # ---------------------------------------------------------------------------------------------- safety
    def _checked(self, operation_id: str | None, status: int, body: bytes, request_id: str) -> tuple[int, bytes]:
        """With ``validate_responses``: the response if it matches the spec, else a logged 500 ``APIGW.0601``."""
        assert self._response_validators is not None
        validator = self._response_validators.get((operation_id, status)) if operation_id else None
        if validator is None and status >= 400:
            validator = self._error_validator
        document = json.loads(body)
        if validator is not None and validator.is_valid(document) and document.get("request_id") == request_id:
            return status, body
        LOGGER.error("response of %s with status %d does not match the spec", operation_id or "no operation", status)
        return self.renderer.render(ErrorReply(INTERNAL, 500), request_id)

    @staticmethod
    def _log_unexpected(exc: BaseException, scope: Scope) -> None:
        # Only the exception type and code locations (file, line, function): the message, locals and even source lines
        # could carry request data or secrets.
        where = "\n".join(
            f"  {frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(exc.__traceback__)
        )
        LOGGER.error(
            "unexpected %s while handling %s %s; answered 500 APIGW.0601\n%s",
            type(exc).__name__,
            scope.get("method"),
            scope.get("path", "")[:200],
            where,
        )


def create_app(config: MockConfig | None = None, *, clock: Clock | None = None) -> MockApp:
    """The mock's ASGI app for ``config`` (default: :meth:`MockConfig.load` — file, env vars, random defaults)."""
    return MockApp(config if config is not None else MockConfig.load(), clock=clock)
