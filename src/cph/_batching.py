"""Turning any number of server IDs into requests the API accepts, and pacing those requests.

Why the limits are read from the OpenAPI document: the batch size (``server_ids`` ``maxItems``), the ID format
(``Id32``), how many request IDs one ListJobs call takes and the page size are facts about the API, and the spec is
where the project keeps them. A change there changes the client without touching this code.

Why IDs are cleaned before batching:

* **Duplicates** are dropped (first occurrence kept). CPH restarts a duplicate *within* one request once, but two
  copies in *different* batches would be two restarts — or a spurious ``CPS.9001`` for the second.
* **IDs the provider contract forbids** (an empty string, or one breaking a constraint the *provider* document
  states for ``Id32``) are held back: they cannot name a server, and CPH refuses a whole batch with ``CPS.0016``
  for one bad entry, which would block up to 99 good servers.
* **Unusual IDs** — provider-legal, but not of the shape our decisions expect (the strict document's 32 lower-case
  hex characters; Huawei documents no format and its older examples show hyphenated UUIDs) — *are sent*, in
  batches of their own: CPH decides about them, and if it refuses such a batch no conforming server shares it.
  The client never refuses what the provider may accept (the decision is written once, on ``Id32`` in
  ``openapi/decisions.overlay.yaml``).

Pacing: :class:`RateLimiter` spaces requests evenly across threads and tasks, at a fixed rate or at one learnt from
the gateway's 429s. It only computes how long to wait; the clients do the sleeping.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from cph._spec import deref, load_spec

__all__ = [
    "IdPlan",
    "RateLimiter",
    "chunks",
    "id_pattern",
    "id_problem",
    "list_jobs_max_request_ids",
    "max_batch_size",
    "page_size",
    "plan_ids",
    "throttle_limit",
]

_T = TypeVar("_T")


@cache
def max_batch_size() -> int:
    """The most server IDs one RestartCloudPhoneServer request takes (``server_ids.maxItems``)."""
    spec = load_spec()
    body = deref(spec, spec["components"]["schemas"]["RestartCloudPhoneServerRequestBody"])
    return int(body["properties"]["server_ids"]["maxItems"])


@cache
def id_pattern() -> re.Pattern[str]:
    """The pattern a server ID must match: ``server_ids.items`` of the RestartCloudPhoneServer request body (the
    spec's ``Id32``, which job, request and project IDs share)."""
    spec = load_spec()
    body = deref(spec, spec["components"]["schemas"]["RestartCloudPhoneServerRequestBody"])
    return re.compile(deref(spec, body["properties"]["server_ids"]["items"])["pattern"])


@cache
def _provider_id_schema() -> dict[str, object]:
    spec = load_spec("provider")
    body = deref(spec, spec["components"]["schemas"]["RestartCloudPhoneServerRequestBody"])
    schema: dict[str, object] = deref(spec, body["properties"]["server_ids"]["items"])
    return schema


def id_problem(server_id: str) -> str | None:
    """Why ``server_id`` cannot be a server ID under the *provider* contract, or ``None`` if it may be one.

    Empty is always refused (it names nothing); otherwise only what the provider document states for ``Id32``
    (``minLength``/``maxLength``/``pattern``; none today) is checked — never our stricter decision pattern.
    """
    if not server_id:
        return "empty"
    schema = _provider_id_schema()
    min_length, max_length, pattern = schema.get("minLength"), schema.get("maxLength"), schema.get("pattern")
    if isinstance(min_length, int) and len(server_id) < min_length:
        return f"shorter than {min_length} characters"
    if isinstance(max_length, int) and len(server_id) > max_length:
        return f"longer than {max_length} characters"
    if isinstance(pattern, str) and re.search(pattern, server_id) is None:
        return f"does not match {pattern}"
    return None


@cache
def _id_length() -> int:
    return int(load_spec()["components"]["schemas"]["Id32"]["maxLength"])


@cache
def list_jobs_max_request_ids() -> int:
    """How many request IDs one ListJobs call takes: ``request_ids`` is comma-separated IDs of at most ``maxLength``."""
    spec = load_spec()
    params = spec["paths"]["/v1/{project_id}/cloud-phone/jobs"]["get"]["parameters"]
    request_ids = next(deref(spec, p) for p in params if deref(spec, p).get("name") == "request_ids")
    return (int(request_ids["schema"]["maxLength"]) + 1) // (_id_length() + 1)


@cache
def page_size() -> int:
    """The largest ``limit`` of the paginated list operations."""
    return int(load_spec()["components"]["parameters"]["limit"]["schema"]["maximum"])


@dataclass(frozen=True, slots=True)
class IdPlan:
    """The requested IDs, cleaned: ``unique`` in first-occurrence order, of which ``valid`` (matching our decision
    pattern) and ``unusual`` (provider-legal, another shape) will be sent, and ``invalid`` (forbidden by the
    provider contract) will not."""

    unique: tuple[str, ...]
    valid: tuple[str, ...]
    invalid: tuple[str, ...]
    unusual: tuple[str, ...] = ()

    def batches(self, size: int | None = None) -> list[list[str]]:
        """``valid`` split into request-sized batches (default: the spec's maximum), then ``unusual`` in batches of
        their own, so that CPH refusing an unusual ID's batch never takes a conforming ID with it."""
        size = size or max_batch_size()
        return [list(batch) for group in (self.valid, self.unusual) for batch in chunks(group, size)]


def plan_ids(server_ids: Iterable[str]) -> IdPlan:
    """Deduplicate ``server_ids`` (surrounding whitespace ignored) and sort them into conforming, unusual (sent on
    their own) and provider-illegal (held back)."""
    match = id_pattern().match
    unique = tuple(dict.fromkeys([raw.strip() for raw in server_ids]))
    if all(map(match, unique)):  # the usual case, checked without a Python frame per ID
        return IdPlan(unique, unique, ())
    valid: list[str] = []
    unusual: list[str] = []
    invalid: list[str] = []
    for server_id in unique:
        if match(server_id):
            valid.append(server_id)
        elif id_problem(server_id) is None:
            unusual.append(server_id)
        else:
            invalid.append(server_id)
    return IdPlan(unique, tuple(valid), tuple(invalid), tuple(unusual))


def chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    """Consecutive slices of ``items`` of length ``size`` (the last may be shorter)."""
    if size < 1:
        msg = "size must be at least 1"
        raise ValueError(msg)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class RateLimiter:
    """One pace for every request of a client: a fixed rate, or adaptive — learnt from the gateway's 429s.

    Why one limiter per client and shared by every call: API Gateway throttles per credential (``APIGW.0308``), so
    restarts, job polls and listings all draw on the same allowance. Each :meth:`reserve` books the next free slot
    (evenly spaced at the current rate, no bursts) and returns how long the caller must wait for it; booking under a
    lock and sleeping outside it lets threads and asyncio tasks share one limiter (:meth:`acquire` sleeps for you).

    ``rate`` (requests per second) is a fixed pace — or, with ``adaptive=True``, a cap (``None``: no cap). An
    adaptive limiter sends unpaced until the first 429 and then behaves like botocore's "adaptive" retry mode (CUBIC,
    RFC 8312): :meth:`throttled` cuts the rate to ``BETA`` times the rate the gateway was letting through
    (:meth:`answered` measures it), and the rate then grows back along a cubic curve — quickly to that level,
    slowly beyond it, so that the limit is probed only now and then. When the 429's message names the policy
    (``policy user over ratelimit,limit:5,time:1 second``, see :func:`throttle_limit`) the limit is known: the rate
    recovers to just below it and never probes above. A ``Retry-After`` pauses every send until it has passed.
    """

    BETA = 0.7
    """Multiplicative decrease on a 429 (botocore's and CUBIC's)."""
    CUBIC_C = 0.04
    """CUBIC's scaling constant, per s³ of the rate reached before the cut: botocore's 0.4 requests/s per s³ at
    10 requests/s, and gentler at the low limits a per-user policy sets (each probe above the limit costs a 429)."""
    MIN_RATE = 0.5
    """Never slower than this (requests/s) however often the gateway throttles."""
    WINDOW = 2.0
    """Seconds over which the rate the gateway let through is measured."""
    SLOW_START_POLL = 0.005
    """Seconds between looks at a full slow-start window."""
    MARGIN = 0.97
    """Fraction of a limit named by the gateway that is used: its clock and ours do not tick together."""

    def __init__(
        self, rate: float | None = None, *, adaptive: bool = False, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate is not None and not rate > 0:
            msg = "rate must be positive"
            raise ValueError(msg)
        if rate is None and not adaptive:
            msg = "a fixed rate limiter needs a rate"
            raise ValueError(msg)
        self.cap = rate
        self.adaptive = adaptive
        self._clock = clock
        self._lock = threading.Lock()
        self._next = 0.0
        self._hold_until = 0.0
        self._answers: deque[float] = deque()
        self._wmax: float | None = None  # the rate the gateway let through at the last cut
        self._cut_at = -1e18  # sends before this have been reacted to already
        self._ceiling: float | None = None  # a limit the gateway named
        self._in_flight = 0  # admitted by admit(), not yet released
        self._window = 1  # slow start: requests allowed in flight before the first 429
        self.throttles = 0
        """How many 429s were reported (each one, whether or not it cut the rate)."""

    @property
    def rate(self) -> float | None:
        """The current pace in requests/s (``None``: unpaced)."""
        with self._lock:
            return self._rate_at(self._clock())

    def _rate_at(self, now: float) -> float | None:
        if self._wmax is None:
            return self.cap
        w = self._wmax
        c = self.CUBIC_C * w
        k = math.cbrt(w * (1 - self.BETA) / c)
        t = now - self._cut_at - k
        rate = min(c * t * t * t + w, 2 * w)  # at most twice the last good rate, however long the client was idle
        if self._ceiling is not None:
            rate = min(rate, self._ceiling)
        rate = max(rate, self.MIN_RATE)
        return rate if self.cap is None else min(rate, self.cap)

    def reserve(self) -> float:
        """Book the next slot; return the seconds to wait before sending (0 if the slot is now)."""
        with self._lock:
            now = self._clock()
            start = max(now, self._hold_until)
            rate = self._rate_at(now)
            if rate is None:
                return start - now
            slot = max(start, self._next)
            self._next = slot + 1.0 / rate
            return slot - now

    def acquire(self) -> None:
        """Block until the next slot (for threads; asyncio code sleeps ``reserve()`` seconds itself)."""
        delay = self.reserve()
        if delay > 0:
            time.sleep(delay)

    def admit(self) -> float:
        """Before the first 429 (adaptive only), TCP's slow start: one request in flight, one more per answer, so
        that an unknown limit is met by a handful of 429s rather than a whole burst. Returns 0 when the caller may go
        on (and counts it in flight until :meth:`release`), else the seconds to wait before asking again."""
        with self._lock:
            if self.adaptive and self._wmax is None and self._in_flight >= self._window:
                return self.SLOW_START_POLL
            self._in_flight += 1
            return 0.0

    def release(self) -> None:
        """The request :meth:`admit` let through has its answer (or failed, or was not sent after all)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

    def slowed_since(self, moment: float) -> bool:
        """Whether a 429 lowered the rate after ``moment``: a slot booked before then was booked at the old pace."""
        with self._lock:
            return self._cut_at > moment

    def answered(self) -> None:
        """Report an answer that was not a 429 (measures the rate the gateway lets through)."""
        if not self.adaptive:
            return
        with self._lock:
            now = self._clock()
            self._answers.append(now)
            self._window += 1
            while self._answers and self._answers[0] < now - self.WINDOW:
                self._answers.popleft()

    def throttled(self, sent_at: float, *, limit: float | None = None, retry_after: float | None = None) -> None:
        """Report a 429 for a request sent at ``sent_at`` (the limiter's clock), with what the gateway said."""
        with self._lock:
            now = self._clock()
            self.throttles += 1
            if retry_after is not None:
                self._hold_until = max(self._hold_until, now + retry_after)
            if not self.adaptive:
                return
            if limit is not None:
                self._ceiling = limit * self.MARGIN
            if sent_at < self._cut_at:
                return  # sent before the last cut: the rate has already been lowered for it
            if self._ceiling is not None:
                let_through = self._ceiling
            else:
                # Over the whole window even at the start: an opening burst the gateway's bucket allowed is not a
                # rate it allows (reading it as one cost a 429 every few seconds until the estimate came down).
                measured = len(self._answers) / self.WINDOW
                current = self._rate_at(now)
                if current is not None:  # a burst the gateway's bucket allowed is not a rate it allows
                    measured = min(measured, current)
                let_through = measured if measured > 0 else (current if current is not None else self.MIN_RATE)
            self._wmax = max(let_through, self.MIN_RATE)
            self._cut_at = now
            rate = self._rate_at(now)
            if rate is not None:  # the gateway just refused: the next send waits for it to let one through again
                self._next = max(self._next, now + 1.0 / rate)

    def __repr__(self) -> str:
        mode = "adaptive" if self.adaptive else "fixed"
        return f"RateLimiter(rate={self.cap!r}, {mode})"


_POLICY = re.compile(r"policy (user|ip|api) over ratelimit,\s*limit:\s*([0-9.]+),\s*time:\s*([0-9.]+)\s*(\w+)")
_UNIT_SECONDS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}


def throttle_limit(error_msg: str | None) -> float | None:
    """The requests/s a 429's message says this caller is allowed, or ``None``.

    API Gateway appends the policy to ``APIGW.0308``'s message: ``policy user over ratelimit,limit:5,time:1 second``
    (``user`` and ``ip`` policies limit this caller; an ``api`` policy is shared with every caller of the API, so
    it says nothing about this caller's share and is ignored).
    """
    if not error_msg:
        return None
    match = _POLICY.search(error_msg)
    if match is None or match.group(1) == "api":
        return None
    seconds = _UNIT_SECONDS.get(match.group(4).lower().rstrip("s"))
    try:
        limit, window = float(match.group(2)), float(match.group(3))
    except ValueError:
        return None
    if seconds is None or limit <= 0 or window <= 0:
        return None
    return limit / (window * seconds)
