"""Run the mock over real HTTP with uvicorn: in a background thread (tests) or in the foreground (``cph mock``).

Why our own socket: binding ``127.0.0.1:0`` before uvicorn starts gives a free port with no race, and the URL is
known before the first request. uvicorn then serves that socket with :class:`~cph.mock._protocol.MockHttpProtocol`
(fast, and able to drop connections for fault injection), without lifespan events, access logs or a ``Server``
header — the real gateway sends none of those.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from cph.mock._app import MockApp, create_app
from cph.mock._clock import Clock
from cph.mock._config import MockConfig
from cph.mock._faults import FaultInjector
from cph.mock._protocol import MockHttpProtocol
from cph.mock._state import MockState

LOOPBACK = "127.0.0.1"
_STARTUP_TIMEOUT = 10.0


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket bound to ``host:port`` (``port`` 0 picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def uvicorn_config(app: Any, *, log_level: str = "warning", timeout_keep_alive: int = 5) -> uvicorn.Config:
    """The uvicorn settings the mock runs with."""
    return uvicorn.Config(
        app,
        http=MockHttpProtocol,
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
    ) -> None:
        self.app = app if app is not None else create_app(config, clock=clock)
        self.host = host
        self.port = port
        self._log_level = log_level
        self._timeout_keep_alive = timeout_keep_alive
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
            uvicorn_config(self.app, log_level=self._log_level, timeout_keep_alive=self._timeout_keep_alive)
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
