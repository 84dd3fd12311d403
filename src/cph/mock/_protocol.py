"""A lean HTTP/1.1 server protocol for uvicorn, with a way for the app to drop a connection.

Why not uvicorn's own protocols: on this project's 2-core benchmark machine uvicorn's pure-Python h11 protocol
serves about 1,800 trivial requests per second, below the Prism mock the project must beat by 2x, and the faster
``httptools`` is a compiled extra the project does not depend on. This protocol parses only what a JSON API
needs (origin-form targets, ``Content-Length`` and chunked bodies, keep-alive, pipelining, ``Expect:
100-continue``) with a few ``bytes`` operations per request and is plugged in with ``uvicorn.Config(http=...)``,
so uvicorn still owns sockets, signals, lifespan and graceful shutdown.

It also gives the app what the fault injector needs and no stock protocol offers: the ASGI extension
``cph.mock.abort`` (advertised in ``scope["extensions"]``); sending ``{"type": "cph.mock.abort"}`` closes the TCP
connection at once, without a response — what a client sees when a gateway or network drops it.

Apps are started eagerly (see :meth:`MockHttpProtocol._start_app`): until its first real suspension an app runs
inside ``data_received``, without a current task. That suits the mock's plain ASGI app; an app that needs
``asyncio.current_task()`` right away (anyio task groups, e.g. some Starlette middleware) should be served with one
of uvicorn's own protocols instead.

Malformed requests never reach the app: they are answered here with the gateway's 400 ``APIGW.0201`` JSON body
(with ``X-Request-Id``) and the connection is closed. Strictness where it matters for safety: conflicting or
non-numeric ``Content-Length``, ``Transfer-Encoding`` together with ``Content-Length``, obsolete header folding,
control characters and non-ASCII targets are all refused.
"""

from __future__ import annotations

import asyncio
import http
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, cast
from urllib.parse import unquote

from cph._catalog import load_catalog
from cph.mock._responses import ErrorRenderer, ErrorReply, new_request_id

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ABORT_EXTENSION = "cph.mock.abort"
"""Scope extension (and message type) that closes the connection without a response."""

MAX_HEAD_BYTES = 64 * 1024
MAX_HEADERS = 128
MAX_PENDING_BYTES = 256 * 1024
"""Buffered-but-unread bytes (request body or pipelined requests) above which reading pauses."""

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_TARGET = re.compile(rb"/[\x21-\x7e]*\Z")
_HEADER_BLOCK = re.compile(rb"(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*\r\n)*")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FRAMING_HEADERS = frozenset({b"content-length", b"transfer-encoding", b"connection", b"expect"})
_DIGITS = re.compile(rb"[0-9]{1,18}\Z")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}\Z")
_REASONS = {status.value: status.phrase.encode("ascii") for status in http.HTTPStatus}
_NO_BODY_STATUSES = frozenset({204, 304})
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_LOGGER = logging.getLogger("uvicorn.error")
_RENDERER = ErrorRenderer(load_catalog())


class ProtocolError(Exception):
    """The request bytes are not acceptable HTTP/1.1; answered with 400 ``APIGW.0201`` and a closed connection."""


def _cannot_be_http(buffer: bytearray) -> bool:
    """Whether an incomplete head already shows it is not HTTP/1.x: control bytes, or a non-ASCII request line."""
    window = bytes(buffer[:256])
    line_end = window.find(b"\r\n")
    request_line = window if line_end < 0 else window[:line_end]
    return _CONTROL.search(window) is not None or not request_line.isascii()


class _Framing:
    """What the headers say about the body and the connection."""

    __slots__ = ("chunked", "connection_close", "connection_keep_alive", "content_length", "expect_continue")

    def __init__(self) -> None:
        self.content_length = 0
        self.chunked = False
        self.connection_close = False
        self.connection_keep_alive = False
        self.expect_continue = False


def _parse_headers(block: bytes) -> tuple[list[tuple[bytes, bytes]], _Framing]:
    """The header section (after the request line, lines ending CRLF) as ASGI headers, and the framing it declares.

    One regular expression checks the whole section (token names, no folding, no control characters), so the loop
    only splits lines that are already known to be well-formed.
    """
    if block and _HEADER_BLOCK.fullmatch(block) is None:
        raise ProtocolError("malformed header line")
    lines = block.split(b"\r\n")
    lines.pop()  # the block ends with CRLF
    if len(lines) > MAX_HEADERS:
        raise ProtocolError("too many headers")
    headers: list[tuple[bytes, bytes]] = []
    framing = _Framing()
    content_length: bytes | None = None
    for line in lines:
        raw_name, _, raw_value = line.partition(b":")
        name = raw_name.lower()
        value = raw_value.strip(b" \t")
        headers.append((name, value))
        if name not in _FRAMING_HEADERS:
            continue
        if name == b"content-length":
            if not _DIGITS.match(value) or (content_length is not None and content_length != value):
                raise ProtocolError("bad Content-Length")
            content_length = value
            framing.content_length = int(value)
        elif name == b"transfer-encoding":
            if framing.chunked or value.lower() != b"chunked":
                raise ProtocolError("unsupported Transfer-Encoding")
            framing.chunked = True
        elif name == b"connection":
            tokens = {token.strip().lower() for token in value.split(b",")}
            framing.connection_close = framing.connection_close or b"close" in tokens
            framing.connection_keep_alive = framing.connection_keep_alive or b"keep-alive" in tokens
        elif name == b"expect" and value.lower() == b"100-continue":
            framing.expect_continue = True
    if framing.chunked and content_length is not None:
        raise ProtocolError("both Transfer-Encoding and Content-Length")
    return headers, framing


class _ChunkedDecoder:
    """Incremental ``Transfer-Encoding: chunked`` decoder working on the connection's buffer."""

    __slots__ = ("done", "left", "state", "trailer_bytes")

    def __init__(self) -> None:
        self.state = "size"
        self.left = 0
        self.done = False
        self.trailer_bytes = 0

    def feed(self, buffer: bytearray) -> bytes:
        """Consume what it can from ``buffer``; return the decoded data."""
        out = bytearray()
        while not self.done:
            if self.state == "size":
                end = buffer.find(b"\r\n")
                if end < 0:
                    if len(buffer) > 1024:
                        raise ProtocolError("chunk size line too long")
                    break
                size = bytes(buffer[:end]).split(b";", 1)[0].strip(b" \t")
                del buffer[: end + 2]
                if not _CHUNK_SIZE.match(size):
                    raise ProtocolError("bad chunk size")
                self.left = int(size, 16)
                self.state = "data" if self.left else "trailer"
            elif self.state == "data":
                take = min(self.left, len(buffer))
                out += buffer[:take]
                del buffer[:take]
                self.left -= take
                if self.left:
                    break
                self.state = "data-end"
            elif self.state == "data-end":
                if len(buffer) < 2:
                    break
                if buffer[:2] != b"\r\n":
                    raise ProtocolError("chunk not followed by CRLF")
                del buffer[:2]
                self.state = "size"
            else:  # trailer section: ignored lines until an empty one
                end = buffer.find(b"\r\n")
                if end < 0:
                    if len(buffer) > 8192:
                        raise ProtocolError("trailer too long")
                    break
                self.trailer_bytes += end
                if self.trailer_bytes > 8192:
                    raise ProtocolError("trailer too long")
                del buffer[: end + 2]
                if end == 0:
                    self.done = True
        return bytes(out)


class _Cycle:
    """One request/response exchange: the app's ``receive``/``send`` pair and their state."""

    __slots__ = (
        "body",
        "body_left",
        "chunked",
        "chunked_response",
        "disconnected",
        "event",
        "expect_continue",
        "has_length",
        "head_only",
        "keep_alive",
        "pending_head",
        "protocol",
        "receiving",
        "response_complete",
        "response_started",
        "scope",
        "status",
    )

    def __init__(self, protocol: MockHttpProtocol, scope: Scope, keep_alive: bool, expect_continue: bool) -> None:
        self.protocol = protocol
        self.scope = scope
        self.keep_alive = keep_alive
        self.expect_continue = expect_continue
        self.head_only = scope["method"] == "HEAD"
        self.body = bytearray()
        self.body_left = 0
        self.chunked: _ChunkedDecoder | None = None
        self.receiving = False
        self.event: asyncio.Event | None = None
        self.disconnected = False
        self.response_started = False
        self.response_complete = False
        self.chunked_response = False
        self.has_length = False
        self.pending_head: bytearray | None = None
        self.status = 0

    def feed(self, buffer: bytearray) -> None:
        """Move request body bytes from the connection buffer into this cycle."""
        if self.chunked is not None:
            self.body += self.chunked.feed(buffer)
            if self.chunked.done:
                self.receiving = False
        else:
            take = min(self.body_left, len(buffer))
            if take:
                self.body += buffer[:take]
                del buffer[:take]
                self.body_left -= take
            if not self.body_left:
                self.receiving = False
        if self.event is not None:
            self.event.set()

    async def receive(self) -> Message:
        if self.disconnected or self.response_complete:
            return {"type": "http.disconnect"}
        protocol = self.protocol
        if self.receiving and not self.body:
            if self.expect_continue:
                self.expect_continue = False
                protocol.transport.write(_CONTINUE)
            protocol.resume_reading()
            if self.event is None:
                self.event = asyncio.Event()
            while self.receiving and not self.body and not self.disconnected:
                self.event.clear()
                await self.event.wait()
            if self.disconnected:
                return {"type": "http.disconnect"}
        body = bytes(self.body)
        self.body.clear()
        if self.receiving:
            protocol.resume_reading()
        return {"type": "http.request", "body": body, "more_body": self.receiving}

    async def send(self, message: Message) -> None:
        if self.disconnected:
            return  # the client is gone (or the connection was dropped on purpose): nothing to write
        kind = message["type"]
        if kind == "http.response.start":
            if self.response_started:
                raise RuntimeError("response already started")
            self.response_started = True
            self._start(message)
        elif kind == "http.response.body":
            if not self.response_started or self.response_complete:
                raise RuntimeError("response body sent before start or after completion")
            await self._body(message.get("body", b""), bool(message.get("more_body", False)))
        elif kind == ABORT_EXTENSION:
            self.protocol.abort(self)
        else:
            msg = f"unexpected ASGI message {kind!r}"
            raise RuntimeError(msg)

    def _start(self, message: Message) -> None:
        status = int(message["status"])
        self.status = status
        head = bytearray(b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b"")))
        for name, value in self.protocol.server_state.default_headers:
            head += name + b": " + value + b"\r\n"
        has_length = False
        for name, value in message.get("headers", ()):
            lower = name.lower()
            if lower == b"content-length":
                has_length = True
            elif lower == b"connection":
                if value.lower() == b"close":
                    self.keep_alive = False
                continue
            elif lower == b"transfer-encoding":
                continue  # framing is this protocol's business
            head += name + b": " + value + b"\r\n"
        if self.receiving or not self.protocol.accepting:
            self.keep_alive = False  # unread body or shutting down: this is the connection's last response
        if not self.keep_alive:
            head += b"connection: close\r\n"
        self.has_length = has_length or status in _NO_BODY_STATUSES or status < 200
        self.pending_head = head

    async def _body(self, body: bytes, more: bool) -> None:
        protocol = self.protocol
        transport = protocol.transport
        head = self.pending_head
        if head is not None:
            # Framing is decided at the first body message: Content-Length if the whole body is known now.
            self.pending_head = None
            if not self.has_length:
                if more:
                    head += b"transfer-encoding: chunked\r\n"
                    self.chunked_response = True
                else:
                    head += b"content-length: %d\r\n" % len(body)
            head += b"\r\n"
            if body and not self.head_only:
                head += self._frame(body)
            transport.write(bytes(head))
        elif body and not self.head_only:
            transport.write(self._frame(body))
        if not more:
            if self.chunked_response and not self.head_only:
                transport.write(b"0\r\n\r\n")
            self.response_complete = True
            protocol.response_complete(self)
        if protocol.writing_paused:
            await protocol.drain()

    def _frame(self, body: bytes) -> bytes:
        if self.chunked_response:
            return b"%x\r\n" % len(body) + body + b"\r\n"
        return body


async def _resume(coroutine: Coroutine[Any, Any, None], awaited: Any) -> None:
    """Drive ``coroutine``, which suspended on ``awaited`` while run eagerly, to completion inside a task.

    ``awaited`` is what the coroutine yielded: ``None`` (a bare yield, as in ``asyncio.sleep(0)``) or an asyncio
    future. We do what ``Task.__step`` does with it: clear the future's "blocking" flag, wait until it is done
    (without taking its result), then resume the coroutine, which reads the result, exception or cancellation
    itself — exactly as if a task had driven it from the start. Cancelling this task cancels the awaited future,
    so the coroutine sees the cancellation too.
    """
    while True:
        if awaited is None:
            await asyncio.sleep(0)
        else:
            if getattr(awaited, "_asyncio_future_blocking", None) is None:
                msg = f"coroutine yielded {awaited!r}, which is not an asyncio future"
                raise RuntimeError(msg)
            awaited._asyncio_future_blocking = False
            try:
                await awaited
            except BaseException:
                if not awaited.done():
                    raise
                # The future's outcome belongs to the coroutine: it sees it when resumed below.
        try:
            awaited = coroutine.send(None)
        except StopIteration:
            return


class MockHttpProtocol(asyncio.Protocol):
    """uvicorn HTTP protocol class (``uvicorn.Config(http=MockHttpProtocol)``); one instance per connection."""

    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if not config.loaded:
            config.load()
        self.config = config
        self.app = cast(ASGIApp, config.loaded_app)
        self.loop = _loop or asyncio.get_event_loop()
        self.server_state = server_state
        self.app_state = app_state
        self.root_path: str = config.root_path
        self.keep_alive_timeout: float = config.timeout_keep_alive
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.server: tuple[str, int] | None = None
        self.client: tuple[str, int] | None = None
        self.buffer = bytearray()
        self.cycle: _Cycle | None = None
        self.accepting = True
        self.reading_paused = False
        self.writing_paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._keep_alive_handle: asyncio.TimerHandle | None = None
        self._idle_since = 0.0
        self._processing = False

    # ------------------------------------------------------------------------------------- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.server_state.connections.add(self)
        sockname = transport.get_extra_info("sockname")
        peername = transport.get_extra_info("peername")
        self.server = (sockname[0], sockname[1]) if isinstance(sockname, tuple) else None
        self.client = (peername[0], peername[1]) if isinstance(peername, tuple) else None

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002 - asyncio signature
        self.server_state.connections.discard(self)
        self._cancel_keep_alive()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            if cycle.event is not None:
                cycle.event.set()
        self.writing_paused = False
        self._wake_drain_waiters()

    def eof_received(self) -> bool | None:
        return None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        cycle = self.cycle
        if cycle is None:
            self._process()
        elif cycle.receiving:
            try:
                cycle.feed(self.buffer)
            except ProtocolError as exc:
                self._fail(cycle, str(exc))
                return
            if len(cycle.body) > MAX_PENDING_BYTES:
                self.pause_reading()
        elif len(self.buffer) > MAX_PENDING_BYTES:
            self.pause_reading()  # pipelined requests wait until the current response is done

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake_drain_waiters()

    # --------------------------------------------------------------------------------------- flow control
    def pause_reading(self) -> None:
        if not self.reading_paused and not self.transport.is_closing():
            self.reading_paused = True
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.reading_paused and not self.transport.is_closing():
            self.reading_paused = False
            self.transport.resume_reading()

    async def drain(self) -> None:
        if not self.writing_paused or self.transport.is_closing():
            return
        waiter: asyncio.Future[None] = self.loop.create_future()
        self._drain_waiters.append(waiter)
        await waiter

    def _wake_drain_waiters(self) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # ------------------------------------------------------------------------------------------ requests
    def _process(self) -> None:
        """Serve the requests waiting in the buffer, one at a time.

        The guard makes this a loop rather than a recursion: a response completed while the app runs eagerly
        (inside this loop) only clears ``self.cycle``, and the loop picks up the next pipelined request.
        """
        if self._processing:
            return
        self._processing = True
        try:
            while self.cycle is None and self.buffer and not self.transport.is_closing():
                if not self._next_request():
                    break
        finally:
            self._processing = False
        if self.cycle is None and not self.buffer and not self.transport.is_closing():
            self._arm_keep_alive()

    def _next_request(self) -> bool:
        """Parse the next request head in the buffer and run the app on it; False if the head is incomplete."""
        buffer = self.buffer
        while buffer[:2] == b"\r\n":  # RFC 9112 §2.2: ignore empty lines before a request line
            del buffer[:2]
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > MAX_HEAD_BYTES:
                self._reject("request head too large")
            elif _cannot_be_http(buffer):
                # Do not wait for more of something that can never become a request (TLS hello, binary junk).
                self._reject("not an HTTP/1.x request")
            return False
        if end > MAX_HEAD_BYTES:
            self._reject("request head too large")
            return False
        head = bytes(buffer[:end])
        del buffer[: end + 4]
        try:
            cycle = self._parse_head(head)
        except ProtocolError as exc:
            self._reject(str(exc))
            return False
        self.cycle = cycle
        if cycle.receiving:
            try:
                cycle.feed(buffer)
            except ProtocolError as exc:
                self._fail(cycle, str(exc))
                return False
        self._start_app(cycle)
        return True

    def _start_app(self, cycle: _Cycle) -> None:
        """Run the app on ``cycle`` eagerly; only if it has to wait does it continue in a task.

        Why: most requests (a complete body in the first packet, no injected latency) are answered without ever
        suspending, and skipping a task and a trip through the event loop for them is a large share of the
        per-request cost. This is what Python 3.12's eager task factory does, for 3.11.
        """
        coroutine = self._run(cycle)
        try:
            awaited = coroutine.send(None)
        except StopIteration:
            return
        task = self.loop.create_task(_resume(coroutine, awaited))
        tasks = self.server_state.tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def _parse_head(self, head: bytes) -> _Cycle:
        request_line, crlf, block = head.partition(b"\r\n")
        parts = request_line.split(b" ")
        if len(parts) != 3:
            raise ProtocolError("malformed request line")
        method, target, version = parts
        if version == b"HTTP/1.1":
            keep_alive = True
        elif version == b"HTTP/1.0":
            keep_alive = False
        else:
            raise ProtocolError("unsupported HTTP version")
        if not _TOKEN.match(method):
            raise ProtocolError("malformed method")
        if not _TARGET.match(target):
            raise ProtocolError("malformed request target")
        headers, framing = _parse_headers(block + crlf)
        if framing.connection_close:
            keep_alive = False
        elif framing.connection_keep_alive:
            keep_alive = True
        raw_path, _, query = target.partition(b"?")
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1" if version == b"HTTP/1.1" else "1.0",
            "server": self.server,
            "client": self.client,
            "scheme": "http",
            "method": method.decode("ascii"),
            "root_path": self.root_path,
            "path": self.root_path + unquote(raw_path.decode("ascii")),
            "raw_path": raw_path,
            "query_string": query,
            "headers": headers,
            "extensions": {ABORT_EXTENSION: {}},
        }
        if self.app_state:
            scope["state"] = self.app_state.copy()
        cycle = _Cycle(self, scope, keep_alive and self.accepting, framing.expect_continue)
        if framing.chunked:
            cycle.chunked = _ChunkedDecoder()
            cycle.receiving = True
        elif framing.content_length:
            cycle.body_left = framing.content_length
            cycle.receiving = True
        return cycle

    async def _run(self, cycle: _Cycle) -> None:
        try:
            await self.app(cycle.scope, cycle.receive, cycle.send)
        except BaseException as exc:
            _LOGGER.error("Exception in ASGI application", exc_info=exc)
            if not cycle.response_started and not cycle.disconnected:
                self._write_error(cycle, ErrorReply("APIGW.0601", 500))
            elif not self.transport.is_closing():
                self.transport.close()
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            return
        if not cycle.response_complete and not cycle.disconnected:
            _LOGGER.error("ASGI app returned without completing its response")
            if not cycle.response_started:
                self._write_error(cycle, ErrorReply("APIGW.0601", 500))
            elif not self.transport.is_closing():
                self.transport.close()

    def response_complete(self, cycle: _Cycle) -> None:
        """Called when ``cycle``'s response is fully written: close, or go on with the next request."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        if not cycle.keep_alive or cycle.receiving:
            self.transport.close()
            return
        self.cycle = None
        self.resume_reading()
        if self.buffer:
            self._process()
        elif not self._processing:
            self._arm_keep_alive()

    def _arm_keep_alive(self) -> None:
        """Note that the connection is idle from now; one timer per connection checks it lazily.

        Why not a fresh timer per response (as uvicorn does): creating and cancelling a timer for every request is a
        measurable share of a small request's cost; re-arming only when the timer fires is not.
        """
        self._idle_since = self.loop.time()
        if self._keep_alive_handle is None:
            self._keep_alive_handle = self.loop.call_later(self.keep_alive_timeout, self._keep_alive_expired)

    def abort(self, cycle: _Cycle) -> None:
        """Close the connection now, without a response (the ``cph.mock.abort`` extension)."""
        cycle.disconnected = True
        cycle.response_complete = True
        cycle.receiving = False
        self.transport.abort()

    # --------------------------------------------------------------------------------------------- errors
    def _reject(self, reason: str) -> None:
        """Answer a request that could not be parsed with 400 ``APIGW.0201`` and close the connection."""
        _LOGGER.debug("Refused malformed HTTP request: %s", reason)
        self._write_raw_error(ErrorReply("APIGW.0201", 400))
        self.buffer.clear()

    def _fail(self, cycle: _Cycle, reason: str) -> None:
        """The body of a running request turned out malformed: tell the app it is gone, answer 400, close."""
        _LOGGER.debug("Refused malformed HTTP body: %s", reason)
        cycle.receiving = False
        cycle.disconnected = True
        if cycle.event is not None:
            cycle.event.set()
        if not cycle.response_started:
            self._write_raw_error(ErrorReply("APIGW.0201", 400))
        elif not self.transport.is_closing():
            self.transport.close()
        self.buffer.clear()

    def _write_error(self, cycle: _Cycle, reply: ErrorReply) -> None:
        cycle.response_started = True
        cycle.response_complete = True
        self._write_raw_error(reply)

    def _write_raw_error(self, reply: ErrorReply) -> None:
        if self.transport.is_closing():
            return
        request_id = new_request_id()
        status, body = _RENDERER.render(reply, request_id)
        head = bytearray(b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b"")))
        for name, value in self.server_state.default_headers:
            head += name + b": " + value + b"\r\n"
        head += b"content-type: application/json\r\n"
        head += b"x-request-id: " + request_id.encode("ascii") + b"\r\n"
        head += b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body)
        self.transport.write(bytes(head) + body)
        self.transport.close()

    # ------------------------------------------------------------------------------------ uvicorn's hooks
    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: close idle connections, finish the running response then close."""
        self.accepting = False
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            self.transport.close()
        else:
            cycle.keep_alive = False

    def _keep_alive_expired(self) -> None:
        self._keep_alive_handle = None
        if self.transport.is_closing() or self.cycle is not None or self.buffer:
            return  # busy (or closed): the timer is armed again when the connection next goes idle
        remaining = self._idle_since + self.keep_alive_timeout - self.loop.time()
        if remaining > 0:
            self._keep_alive_handle = self.loop.call_later(remaining, self._keep_alive_expired)
            return
        if not self.transport.is_closing():
            self.transport.close()

    def _cancel_keep_alive(self) -> None:
        if self._keep_alive_handle is not None:
            self._keep_alive_handle.cancel()
            self._keep_alive_handle = None
