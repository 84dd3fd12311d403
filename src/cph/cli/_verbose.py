"""``-v/--verbose``: one log line per HTTP call, plus the client's own retry and throttle decisions, on stderr.

Why httpx event hooks: they see every attempt (a resent request is a second call) with its answer, so a line can
name the method, the path, the status and CPH's ``X-Request-Id`` — the ID support asks for — while the client keeps
its normal transport, so proxy variables and everything else still apply exactly as without ``-v``. It logs
nothing else of the request: headers carry the signature or the IAM token, and bodies carry nothing a user needs
here. A call that gets no answer is logged by the client's own retry decision. The client's decisions come from the
``cph`` logger, which this module routes to stderr at DEBUG.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, Final

import httpx

LOGGER: Final = logging.getLogger("cph.cli.http")
_FORMAT: Final = "%(asctime)s.%(msecs)03d %(name)s %(levelname)s %(message)s"
_STARTED: Final = "cph.cli.started"


def _on_request(request: httpx.Request) -> None:
    request.extensions[_STARTED] = time.perf_counter()


def _on_response(response: httpx.Response) -> None:
    request = response.request
    started = request.extensions.get(_STARTED)
    ms = (time.perf_counter() - started) * 1000 if isinstance(started, float) else 0.0
    target = request.url.raw_path.decode("ascii", "replace")
    request_id = response.headers.get("x-request-id", "-")
    LOGGER.info("%s %s -> %d request_id=%s %.0f ms", request.method, target, response.status_code, request_id, ms)


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that enabling twice in one process (tests) replaces it instead of doubling every line."""


def enable() -> dict[str, list[Any]]:
    """Route the ``cph`` loggers to stderr at DEBUG; the httpx event hooks that log each HTTP call."""
    handler = _Handler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%H:%M:%S"))
    root = logging.getLogger("cph")
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    return {"request": [_on_request], "response": [_on_response]}
