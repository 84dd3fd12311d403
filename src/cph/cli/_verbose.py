"""``-v/--verbose``: one log line per HTTP call, plus the client's own retry and throttle decisions, on stderr.

Why a wrapping transport: it is the one place that sees every attempt (a resent request is a second call) together
with its answer, so a line can name the method, the path, the status and CPH's ``X-Request-Id`` — the ID support
asks for. It logs nothing else of the request: headers carry the signature or the IAM token, and bodies carry
nothing a user needs here. The client's decisions come from the ``cph`` logger, which this module routes to stderr
at DEBUG.

With ``--verbose`` requests go through httpx's standard transport (proxy variables are then not applied).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Final

import httpx

LOGGER: Final = logging.getLogger("cph.cli.http")
_FORMAT: Final = "%(asctime)s.%(msecs)03d %(name)s %(levelname)s %(message)s"


class LoggingTransport(httpx.BaseTransport):
    """Delegates to ``inner`` and logs each exchange (method, path, status, request ID, time) at INFO."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        target = request.url.raw_path.decode("ascii", "replace")
        try:
            response = self._inner.handle_request(request)
        except httpx.HTTPError as exc:
            ms = (time.perf_counter() - started) * 1000
            LOGGER.info("%s %s -> %s after %.0f ms", request.method, target, type(exc).__name__, ms)
            raise
        ms = (time.perf_counter() - started) * 1000
        request_id = response.headers.get("x-request-id", "-")
        LOGGER.info("%s %s -> %d request_id=%s %.0f ms", request.method, target, response.status_code, request_id, ms)
        return response

    def close(self) -> None:
        self._inner.close()


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that enabling twice in one process (tests) replaces it instead of doubling every line."""


def enable() -> LoggingTransport:
    """Route the ``cph`` loggers to stderr at DEBUG; the transport that logs each HTTP call."""
    handler = _Handler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%H:%M:%S"))
    root = logging.getLogger("cph")
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    return LoggingTransport(httpx.HTTPTransport())
