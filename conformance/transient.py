"""Documented transient answers — retried with backoff, counted, and failing only when they persist.

Why: the catalog marks some answers ``retryable: yes`` (429 ``APIGW.0308`` throttling, 502 ``APIGW.0201``, 503
``APIGW.0613``): the gateway refused the request before CPH saw it, so sending it again is what every client (and
botocore's retry modes) does. A certification that fails an endpoint for one throttled answer fails correct
endpoints; one that ignores a throttle that never ends hides an outage. So every request the suite sends through
``requests`` (schemathesis' cases and its ``ignored_auth`` probes) goes through :class:`TransientRetry`, which resends
such an answer with exponential backoff (honouring ``Retry-After``) and counts each resend; what is still transient
after the last attempt is reported by the ``cph_transient`` check. The statuses come from the catalog, never from
code.

Only the answers are retried, and connection set-up failures (nothing was sent). A connection dropped after the
request was sent is ambiguous for a restart and is reported instead (``cph_connection`` in the report).
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any, Self

import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3 import BaseHTTPResponse
from urllib3.connectionpool import ConnectionPool
from urllib3.util.retry import Retry

from cph import load_catalog

TRANSIENT_STATUSES: frozenset[int] = frozenset(
    entry.status for entry in load_catalog() if entry.retryable == "yes" and entry.scope == "request"
)
RETRIES = 4
BACKOFF = 0.25  # seconds; doubled per attempt (0.25, 0.5, 1, 2) unless Retry-After says otherwise


class TransientCounter:
    """How many transient answers were resent, by status (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_status: dict[int, int] = {}

    def add(self, status: int) -> None:
        with self._lock:
            self.by_status[status] = self.by_status.get(status, 0) + 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.by_status.values())


COUNTER = TransientCounter()


class TransientRetry(Retry):
    """urllib3's retry, counting each resend of a transient answer in :data:`COUNTER`."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if response is not None and response.status in TRANSIENT_STATUSES:
            COUNTER.add(response.status)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def retry_policy() -> TransientRetry:
    return TransientRetry(
        total=RETRIES,
        connect=2,
        read=0,
        redirect=0,
        other=0,
        status=RETRIES,
        status_forcelist=sorted(TRANSIENT_STATUSES),
        allowed_methods=None,  # every method: a retryable answer means the request never reached CPH
        backoff_factor=BACKOFF,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def mount(session: requests.Session) -> requests.Session:
    """Make ``session`` resend transient answers (both schemes)."""
    adapter = HTTPAdapter(max_retries=retry_policy())
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """``client.request`` for the suite's own requests (probes, the job poll), with the same resend policy."""
    response = client.request(method, url, **kwargs)
    for attempt in range(RETRIES):
        if response.status_code not in TRANSIENT_STATUSES:
            break
        COUNTER.add(response.status_code)
        retry_after = response.headers.get("retry-after", "")
        delay = float(retry_after) if retry_after.isdigit() else BACKOFF * 2**attempt
        time.sleep(min(delay, 30.0))
        response = client.request(method, url, **kwargs)
    return response
