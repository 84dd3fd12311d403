"""When to resend a request — and when resending could restart a server twice.

Retry policy
============

RestartCloudPhoneServer is not idempotent and takes no idempotency key: every resend of a request that CPH already
carried out is a second restart. So a failed restart request is resent **only when it provably never reached
CPH**, and everything else is settled by evidence, not by resending.

**Resent (with backoff)** — the request did not reach CPH:

* an error whose catalog entry says ``retryable: yes`` — today 429 ``APIGW.0308`` (throttled), 502
  ``APIGW.0201`` (backend unavailable) and 503 ``APIGW.0613`` (IAM unavailable); codes are read from the catalog,
  not from this module;
* a connection that failed before anything was written: ``httpx.ConnectError``, ``httpx.ConnectTimeout``,
  ``httpx.PoolTimeout``.

**Never resent, reconciled** — the request may have been carried out (catalog ``retryable: unknown-outcome``:
500 ``APIGW.0601``, 504 ``APIGW.0201``, ``CPS.0003``), or the answer was lost after the request was written
(``ReadTimeout``, ``WriteTimeout``, ``RemoteProtocolError`` — e.g. a dropped connection —, ``ReadError``,
``WriteError``), or a 200 could not be read. Each server of such a batch starts as ``unknown``; then:

1. If the failure came with a request ID (an error response's ``X-Request-Id``), ListJobs by that request ID
   — batched with others, up to 20 request IDs per call — finds the jobs CPH created for it. A server with a job
   becomes ``accepted`` with its ``job_id`` (proof that it is restarting, and a job to track); the others stay
   ``unknown``. When waiting for jobs, these request IDs stay in every poll, so jobs that CPH creates late are
   found too.
2. A lost answer has no request ID, and neither ListJobs nor ShowJob can find a job without one. Those servers
   stay ``unknown``. Optionally (``verify_unknown=True``, CLI ``--verify-unknown``) their current status is read
   with ListCloudPhoneServers and reported (``server_status``: 11 shutting down / 13 starting mean a restart is
   under way) — evidence for the operator, never a reason to resend.

Why not resend and rely on ``CPS.9001`` ("a server already restarting answers CPS.9001")? That protection holds
only while the first restart's job is still running. A 504 means CPH may still be working on the request, and a
timeout can hide a request that completed quickly; a resend that arrives after the first job ended restarts the
server a second time. "Unknown" is the honest answer: the caller can check the servers and restart them
explicitly, which the exit code and the result make impossible to miss.

**Never resent, final** — ``retryable: no`` (authentication, permission, account state, invalid request, too large,
no such API). Errors that every further batch would meet too (categories ``authentication``, ``permission``,
``account``, and ``gateway`` errors that are not retryable: the API is not there) stop the whole restart: no new
batch is sent — repeated authentication failures would lock the AK for 5 minutes — and the typed exception is
raised with the partial result attached.

**Reads are idempotent**: ShowJob, ListJobs and ListCloudPhoneServers are resent after any 5xx, any
``retryable: yes`` or ``unknown-outcome`` error (429 included) and any connection failure or timeout. When retries
run out, the typed exception carries the last response's body — a 429's ``error_code``, ``error_msg`` and
``request_id`` are kept, unlike the official SDK, which replaces them with ``"429"`` and an empty request ID.

**Throttling** (429 ``APIGW.0308``) is different from the other resendable failures: it says nothing is broken,
only that this caller is over its rate. Every call of a client shares one adaptive :class:`cph.RateLimiter`
(:mod:`cph._batching`), which a 429 slows down and which recovers gradually; the throttled request itself is resent
at that pace for as long as the call's deadline (``timeout=``) allows — never given up while time remains — and a
429 on a job poll never ends a wait.

**Backoff** for the other resendable failures: exponential with full jitter — before attempt *n* + 1, sleep a
uniform random time in ``[0, min(max_delay, base_delay * 2**(n-1))]`` — so that many clients failing at once do not
come back in step. A ``Retry-After`` header (not documented for CPH, honoured if present) raises the sleep to at
least its value, capped at ``max_delay``, and pauses every send of the client. At most ``max_attempts`` sends per
request (default 6), within the deadline.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

import httpx

from cph._errors import CphError

__all__ = [
    "NOT_SENT_EXCEPTIONS",
    "Decision",
    "RetryPolicy",
    "decide_for_error",
    "decide_for_exception",
    "is_fatal",
    "may_have_been_sent",
    "retry_after",
]

NOT_SENT_EXCEPTIONS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
"""Transport failures that happen before a byte of the request is written: resending cannot duplicate anything."""

_CONFIGURATION_EXCEPTIONS: tuple[type[httpx.HTTPError], ...] = (
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
    httpx.ProxyError,
)
"""Raised before anything is sent, and sending again cannot help."""

_FATAL_CATEGORIES = frozenset({"authentication", "permission", "account"})


class Decision(Enum):
    """What to do after one attempt failed."""

    RETRY = "retry"
    """Send the same request again, after a backoff."""
    GIVE_UP = "give-up"
    """Final: the request was not carried out, and sending it again cannot help."""
    RECONCILE = "reconcile"
    """The request may have been carried out (only for non-idempotent requests): do not resend; find out."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to resend (see the module docstring for *what* is resent).

    ``max_attempts`` counts sends, the first included (1 disables retries). Delays are in seconds.
    """

    max_attempts: int = 6
    base_delay: float = 0.25
    max_delay: float = 10.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            msg = "max_attempts must be at least 1"
            raise ValueError(msg)
        if self.base_delay < 0 or self.max_delay < 0:
            msg = "delays must not be negative"
            raise ValueError(msg)

    def backoff(
        self,
        attempt: int,
        *,
        retry_after_seconds: float | None = None,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> float:
        """Seconds to sleep after failed attempt number ``attempt`` (1-based): full jitter, capped."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        delay = uniform(0.0, ceiling)
        if retry_after_seconds is not None:
            delay = max(delay, min(retry_after_seconds, self.max_delay))
        return delay

    def can_retry(self, attempt: int) -> bool:
        """Whether failed attempt number ``attempt`` (1-based) may be followed by another."""
        return attempt < self.max_attempts


def decide_for_error(error: CphError, *, idempotent: bool) -> Decision:
    """The decision after an error response (or a :class:`~cph.TransportError`) for a request of this kind."""
    if error.retryable == "yes":
        return Decision.RETRY
    if idempotent and (error.retryable == "unknown-outcome" or (error.status is not None and error.status >= 500)):
        return Decision.RETRY
    if error.retryable == "unknown-outcome":
        return Decision.RECONCILE
    return Decision.GIVE_UP


def decide_for_exception(exc: Exception, *, idempotent: bool) -> Decision:
    """The decision after a request raised ``exc`` instead of returning a response.

    Only :data:`NOT_SENT_EXCEPTIONS` are safe to resend for a restart. Every other error may have happened after
    the request was written — including ``httpx.DecodingError``, raised when an answer *did* arrive — so the restart
    is reconciled. ``httpx.UnsupportedProtocol``, ``httpx.LocalProtocolError`` and ``httpx.ProxyError`` are
    configuration problems raised before sending: final.
    """
    if isinstance(exc, _CONFIGURATION_EXCEPTIONS):
        return Decision.GIVE_UP
    if isinstance(exc, NOT_SENT_EXCEPTIONS):
        return Decision.RETRY
    return Decision.RETRY if idempotent else Decision.RECONCILE


def may_have_been_sent(exc: Exception) -> bool:
    """Whether the request that raised ``exc`` may have reached the server (see :func:`decide_for_exception`)."""
    return not isinstance(exc, (*NOT_SENT_EXCEPTIONS, *_CONFIGURATION_EXCEPTIONS))


def is_fatal(error: CphError) -> bool:
    """Whether every further request of the same client would fail the same way, so a batch run should stop.

    Catalog-driven: authentication, permission and account errors, and non-retryable gateway errors (no such API:
    a wrong endpoint). Per-job refusals never reach here — they come inside a 200.
    """
    if error.category in _FATAL_CATEGORIES:
        return True
    return error.category == "gateway" and error.retryable == "no"


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The ``Retry-After`` header in seconds, if present and numeric (HTTP dates are ignored)."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
