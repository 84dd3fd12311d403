"""Run the mock over real HTTP with uvicorn: in a background thread (tests) or in the foreground (``cph mock``).

Why our own socket: binding ``127.0.0.1:0`` before uvicorn starts gives a free port with no race, and the URL is
known before the first request. The socket is created with protocol ``IPPROTO_TCP`` (not 0) and ``TCP_NODELAY``:
asyncio only disables Nagle's algorithm on sockets whose protocol says TCP, and without it every answer (uvicorn
writes head and body separately) waits ~40 ms for the client's delayed ACK.

uvicorn parses and frames HTTP with its own httptools protocol; :class:`MockHttpProtocol` adds only what the gateway
simulation needs on top of it — no parsing of its own:

* the ASGI scope extension ``cph.mock.abort`` (``scope["extensions"]["cph.mock.abort"]["abort"]()``), so the fault
  injector can drop a connection without an answer, as a failing gateway or network does;
* malformed HTTP is answered with the gateway's JSON body (400 ``APIGW.0201``) instead of uvicorn's plain text;
* bounds that uvicorn leaves open: a request head larger than :data:`MAX_HEAD_BYTES`, or not complete within
  :data:`HEAD_TIMEOUT` seconds, ends the connection (the app bounds the body's size, time and memory).
"""

from __future__ import annotations

import gc
import logging
import socket
import threading
import time
from asyncio import TimerHandle
from types import TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from cph._catalog import load_catalog
from cph._endpoint import is_loopback
from cph.mock._app import ABORT_EXTENSION, MockApp, create_app
from cph.mock._clock import Clock
from cph.mock._config import MockConfig
from cph.mock._faults import FaultInjector
from cph.mock._responses import ErrorRenderer, ErrorReply, new_request_id
from cph.mock._state import MockState

__all__ = ["LOOPBACK", "MockHttpProtocol", "MockServer", "bind_socket", "is_loopback", "serve", "url_for"]

LOOPBACK = "127.0.0.1"
_STARTUP_TIMEOUT = 10.0
MAX_HEAD_BYTES = 64 * 1024
"""Bytes a connection may send before its request head is complete (llhttp itself sets no limit)."""
HEAD_TIMEOUT = 10.0
"""Seconds a connection may take from accepting (or the start of a request) to a complete request head."""
BAD_REQUEST = "APIGW.0201"

_RENDERER = ErrorRenderer(load_catalog())
_LOGGER = logging.getLogger("cph.mock")


class MockHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the connection-level hooks the mock needs (see the module docstring)."""

    _head_bytes = 0
    _head_timer: TimerHandle | None = None
    _in_head = False
    _messages = 0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # Counts whole reads that a head stays incomplete across, so the bound is MAX_HEAD_BYTES plus one read.
        head_of = self._messages if self._in_head else -1
        super().data_received(data)
        if self._in_head and self._messages == head_of:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
                self.send_400_response("request head too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {ABORT_EXTENSION: {"abort": self.transport.abort}}
        self._in_head = True
        self._messages += 1
        self._head_bytes = 0
        self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._cancel_head_timer()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        """Answer unparseable HTTP as the gateway does — 400 ``APIGW.0201`` with a JSON body — and close.

        If the bad bytes follow a complete request whose answer is still pending (pipelining), that answer goes out
        first and the connection closes after it: a 400 written in its place would tell the client that a request
        CPH may have carried out (a restart) was refused.
        """
        _LOGGER.debug("refused malformed HTTP: %s", msg)
        self._in_head = False
        self._cancel_head_timer()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.more_body:
            cycle.keep_alive = False
            self.flow.pause_reading()
            return
        request_id = new_request_id()
        _status, body = _RENDERER.render(ErrorReply(BAD_REQUEST, 400), request_id)
        head = [STATUS_LINE[400]]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [
            b"content-type: application/json\r\nx-request-id: %s\r\n" % request_id.encode("ascii"),
            b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body),
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(HEAD_TIMEOUT, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or (self.cycle is not None and not self._in_head):
            return  # a request is being served: the app's body timeout and uvicorn's keep-alive take over
        if self._in_head:
            self.send_400_response("request head not complete in time")
        else:
            self.transport.close()  # connected but silent


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket bound to ``host:port`` (``port`` 0 picks a free port), with ``TCP_NODELAY``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def uvicorn_config(
    app: Any, *, log_level: str = "warning", timeout_keep_alive: int = 5, loop: str = "auto"
) -> uvicorn.Config:
    """The uvicorn settings the mock runs with: its protocol, no websockets, lifespan, access log or ``Server``.

    ``loop`` is uvicorn's: ``auto`` (uvloop, installed with ``uvicorn[standard]``) or ``asyncio``.
    """
    return uvicorn.Config(
        app,
        http=MockHttpProtocol,
        loop=loop,
        ws="none",
        lifespan="off",
        log_level=log_level,
        access_log=False,
        server_header=False,
        date_header=True,
        proxy_headers=False,
        timeout_keep_alive=timeout_keep_alive,
        timeout_graceful_shutdown=5,
    )


def url_for(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class MockServer:
    """The mock on a free loopback port, served by uvicorn in a background thread.

    Use it as a context manager::

        with MockServer(MockConfig.generate(seed=1, job_duration=0.5)) as mock:
            client = httpx.Client(base_url=mock.url, auth=AkSkAuth(AkSkCredentials(mock.config.ak, ...)))

    ``url``, ``config``, ``state`` (inspect servers, jobs, restart counts), ``faults`` (schedule a fault) and ``app``
    are available once started.
    """

    def __init__(
        self,
        config: MockConfig | None = None,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        clock: Clock | None = None,
        app: MockApp | None = None,
        log_level: str = "warning",
        timeout_keep_alive: int = 5,
        loop: str = "auto",
    ) -> None:
        self.app = app if app is not None else create_app(config, clock=clock)
        self.host = host
        self.port = port
        self._log_level = log_level
        self._timeout_keep_alive = timeout_keep_alive
        self._loop = loop
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._error: BaseException | None = None
        self.url = ""

    @property
    def config(self) -> MockConfig:
        return self.app.config

    @property
    def state(self) -> MockState:
        return self.app.state

    @property
    def faults(self) -> FaultInjector:
        return self.app.faults

    def start(self) -> MockServer:
        """Bind, start uvicorn in a daemon thread and wait until it accepts connections."""
        if self._thread is not None:
            msg = "MockServer already started"
            raise RuntimeError(msg)
        sock = bind_socket(self.host, self.port)
        self._socket = sock
        self.url = url_for(sock)
        self.port = sock.getsockname()[1]
        # uvicorn installs signal handlers only in the main thread, so a thread server leaves them alone.
        server = uvicorn.Server(
            uvicorn_config(
                self.app, log_level=self._log_level, timeout_keep_alive=self._timeout_keep_alive, loop=self._loop
            )
        )
        self._server = server
        self._thread = threading.Thread(target=self._run, args=(server, sock), name="cph-mock", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                msg = "the mock server did not start"
                raise RuntimeError(msg) from self._error
            time.sleep(0.005)
        return self

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:
            self._error = exc
            logging.getLogger("cph.mock").error("the mock server stopped: %s", type(exc).__name__)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to shut down gracefully and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._thread = None
        self._server = None
        self._socket = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(app: MockApp, sock: socket.socket, *, log_level: str = "warning") -> None:
    """Serve ``app`` on ``sock`` (see :func:`bind_socket`) in the foreground until Ctrl-C / SIGTERM (``cph mock``).

    The process is the mock's own, so everything built at start-up (the spec, compiled validators, the fleet) is
    moved out of the garbage collector's sight first (:func:`gc.freeze`): a full collection then walks only what
    requests created, instead of adding tens of milliseconds to whichever request triggers it. The socket listens
    before that, so a client that connects meanwhile waits in the backlog instead of being refused.
    """
    try:
        config = uvicorn_config(app, log_level=log_level)
        sock.listen(config.backlog)
        gc.collect()
        gc.freeze()
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
