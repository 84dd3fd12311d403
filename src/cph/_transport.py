"""A lean HTTP/1.1 transport for the blocking client: httpx's API above, a socket and llhttp (httptools) below.

Why: on the restart hot path the client's own CPU time was mostly httpx's default network stack (httpcore + h11,
pure Python), not ours. Profiles and figures are in ``benchmarks/PROFILES.md``; in short, a signed 1-ID restart
against the mock cost about 1,100 µs of client CPU through ``httpx.HTTPTransport`` and about 720 µs through the
standard library's ``http.client``, whose header parsing (the ``email`` package) then led the profile. This transport
writes each request with one ``sendall`` and parses the answer with llhttp — the C parser of Node.js, wrapped by
httptools, which uvicorn also uses — and keeps connections open. That is all the CPH API needs.

What it keeps from httpx, so that the retry policy (:mod:`cph._retry`) stays exact:

* exceptions are httpx's, raised at the same moments: ``ConnectError``/``ConnectTimeout`` only when no byte of the
  request was written (safe to resend); ``WriteError``/``WriteTimeout``, ``ReadError``/``ReadTimeout`` and
  ``RemoteProtocolError`` afterwards (the request may have arrived: never resent, reconciled);
* an idle pooled connection is checked before reuse, as httpcore does: one the server has closed (readable while
  idle) is discarded, so a keep-alive timeout never turns a fresh request into an ambiguous one;
* per-request ``connect``, ``write`` and ``read`` timeouts from the request's ``timeout`` extension;
* TLS with httpx's default context (certifi roots; ``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured);
* header injection is refused (CR, LF or NUL in the request line or a header), as h11 refuses it.

What it does not do: proxies, HTTP/2 and HEAD (an answer with a length but no body). :func:`default_transport`
picks it only when no proxy variable applies to the endpoint; HEAD goes through ``httpx.HTTPTransport``.

Mocking: respx's default mocker patches httpcore. While httpcore is patched, this transport hands each request to
``httpx.HTTPTransport``, so ``respx.mock`` intercepts a :class:`~cph.CphClient` exactly as it would any httpx
client, and a test never reaches the network by surprise.
"""

from __future__ import annotations

import re
import select
import socket
import ssl
import threading
import urllib.request
from types import TracebackType
from typing import Self
from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]  # public, not in typeshed

import httpcore
import httptools
import httpx

__all__ = ["LeanTransport", "default_transport"]

_ORIGINAL_POOL_SEND = httpcore.ConnectionPool.handle_request
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNSAFE_IN_HEAD = re.compile(rb"[\r\n\x00]")

_Origin = tuple[str, str, int]


def _httpcore_is_patched() -> bool:
    """Whether a mocking library (respx) has replaced httpcore's pool, so requests must go through it."""
    return httpcore.ConnectionPool.handle_request is not _ORIGINAL_POOL_SEND


def _is_dead(sock: socket.socket) -> bool:
    """Whether an idle connection was closed by the server (or has unread bytes): readable while nothing is asked."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _head(request: httpx.Request) -> bytes:
    """The request line and header block, refusing CR, LF or NUL anywhere in them (header injection)."""
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), request.url.raw_path)]
    lines += [b"%s: %s" % pair for pair in request.headers.raw]
    lines += [b"", b""]
    head = b"\r\n".join(lines)
    if len(_UNSAFE_IN_HEAD.findall(head)) != 2 * len(lines) - 2:
        msg = "CR, LF or NUL inside the request line or a header"
        raise httpx.LocalProtocolError(msg, request=request)
    return head


class LeanTransport(httpx.BaseTransport):
    """Keep-alive HTTP/1.1 over plain sockets, answers parsed by llhttp (httptools); thread-safe.

    Each request takes an idle connection of its origin (or opens one), writes the request line, headers and body
    with one ``sendall``, parses the answer with httptools (status line, headers, chunked or sized body) and
    returns the connection to the pool unless the server asked to close it. At most ``max_idle`` idle connections
    are kept per origin. A connection that failed is closed, never reused.
    """

    def __init__(self, *, max_idle: int = 8, ssl_context: ssl.SSLContext | None = None) -> None:
        self._max_idle = max_idle
        self._ssl_context = ssl_context
        self._idle: dict[_Origin, list[socket.socket]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._fallback: httpx.HTTPTransport | None = None

    def __repr__(self) -> str:
        return f"LeanTransport(max_idle={self._max_idle})"

    def _httpx_transport(self) -> httpx.HTTPTransport:
        with self._lock:
            if self._fallback is None:
                self._fallback = httpx.HTTPTransport(verify=self._ssl_context or True)
            return self._fallback

    # ----------------------------------------------------------------------------------------------- pool
    def _take(self, origin: _Origin) -> socket.socket | None:
        with self._lock:
            idle = self._idle.get(origin)
            while idle:
                sock = idle.pop()
                if not _is_dead(sock):
                    return sock
                sock.close()
        return None

    def _give_back(self, origin: _Origin, sock: socket.socket) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if self._closed or len(idle) >= self._max_idle:
                sock.close()
            else:
                idle.append(sock)

    def _open(self, origin: _Origin, timeout: float | None) -> socket.socket:
        scheme, host, port = origin
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timed out") from exc
        except OSError as exc:  # refused, unreachable, name resolution (socket.gaierror)
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "https":
                if self._ssl_context is None:
                    self._ssl_context = httpx.create_ssl_context()
                sock = self._ssl_context.wrap_socket(sock, server_hostname=host)
        except TimeoutError as exc:
            sock.close()
            raise httpx.ConnectTimeout(str(exc) or "TLS handshake timed out") from exc
        except OSError as exc:  # ssl.SSLError: certificate, protocol
            sock.close()
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return sock

    # ------------------------------------------------------------------------------------------- request
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if _httpcore_is_patched() or request.method == "HEAD":  # HEAD: an answer with a length and no body
            return self._httpx_transport().handle_request(request)
        url = request.url
        if url.scheme not in _DEFAULT_PORTS:
            msg = f"LeanTransport speaks http and https, not {url.scheme!r}"
            raise httpx.UnsupportedProtocol(msg)
        origin = (url.scheme, url.host, url.port or _DEFAULT_PORTS[url.scheme])
        timeouts = request.extensions.get("timeout", {})
        message = _head(request) + request.read()
        sock = self._take(origin) or self._open(origin, timeouts.get("connect"))
        try:
            answer = self._exchange(sock, request, message, timeouts)
        except BaseException:
            sock.close()
            raise
        if answer.will_close:
            sock.close()
        else:
            self._give_back(origin, sock)
        return answer.response

    @staticmethod
    def _exchange(
        sock: socket.socket, request: httpx.Request, message: bytes, timeouts: dict[str, float | None]
    ) -> _Answer:
        try:
            sock.settimeout(timeouts.get("write"))
            sock.sendall(message)
        except TimeoutError as exc:
            raise httpx.WriteTimeout(str(exc) or "write timed out", request=request) from exc
        except OSError as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from exc
        try:
            sock.settimeout(timeouts.get("read"))
            reader = _read_response(sock)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
        except httptools.HttpParserError as exc:
            raise httpx.RemoteProtocolError(f"malformed HTTP response: {exc}", request=request) from exc
        except _Disconnected as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        response = httpx.Response(
            reader.status,
            headers=reader.headers,
            stream=httpx.ByteStream(b"".join(reader.body)),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reader.reason},
            request=request,
        )
        return _Answer(response, reader.will_close)

    # -------------------------------------------------------------------------------------------- closing
    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = [sock for socks in self._idle.values() for sock in socks]
            self._idle.clear()
        for sock in idle:
            sock.close()
        if self._fallback is not None:
            self._fallback.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.close()


class _Answer:
    __slots__ = ("response", "will_close")

    def __init__(self, response: httpx.Response, will_close: bool) -> None:
        self.response = response
        self.will_close = will_close


class _Disconnected(Exception):
    """The server closed the connection before the answer was complete."""


class _Reader:
    """httptools callbacks that collect one response (interim 1xx answers are skipped)."""

    __slots__ = ("body", "done", "framed", "headers", "headers_done", "parser", "reason", "status", "will_close")

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.headers_done = False
        self.framed = False  # Content-Length or chunked: the end is known without the connection closing
        self.done = False
        self.will_close = False

    def on_message_begin(self) -> None:
        if self.done:  # bytes after the answer we asked for: the connection is out of step, do not reuse it
            self.will_close = True

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        if name.lower() in {b"content-length", b"transfer-encoding"}:
            self.framed = True

    def on_headers_complete(self) -> None:
        self.headers_done = True

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.done:
            return
        status = self.parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (100 Continue, 103 Early Hints): the real one follows
            self.reason, self.headers, self.body, self.headers_done, self.framed = b"", [], [], False, False
            return
        self.status = status
        self.done = True
        self.will_close = self.will_close or not self.parser.should_keep_alive()


def _read_response(sock: socket.socket) -> _Reader:
    """Read one whole answer from ``sock`` with llhttp (httptools): status, headers, de-chunked body."""
    reader = _Reader()
    while not reader.done:
        data = sock.recv(65536)
        if data:
            reader.parser.feed_data(data)
            continue
        if reader.headers_done and not reader.framed:  # a body delimited by the connection closing
            reader.status, reader.done, reader.will_close = reader.parser.get_status_code(), True, True
            break
        if reader.headers_done:
            raise _Disconnected("server disconnected before the answer ended")
        raise _Disconnected("server disconnected without sending an answer")
    return reader


def default_transport(endpoint: str, *, max_idle: int) -> httpx.BaseTransport | None:
    """:class:`LeanTransport` for ``endpoint``, or ``None`` (httpx's own transport) when a proxy variable applies.

    httpx honours ``HTTP(S)_PROXY``/``ALL_PROXY``/``NO_PROXY`` only with its own transport, so a proxied endpoint
    keeps it: correctness first, speed second.
    """
    url = httpx.URL(endpoint)
    proxies = urllib.request.getproxies_environment()
    if (proxies.get(url.scheme) or proxies.get("all")) and not proxy_bypass_environment(url.host):
        return None
    return LeanTransport(max_idle=max_idle)
