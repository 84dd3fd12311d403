"""Turning any number of server IDs into requests the API accepts, and pacing those requests.

Why the limits are read from the OpenAPI document: the batch size (``server_ids`` ``maxItems``), the ID format
(``Id32``), how many request IDs one ListJobs call takes and the page size are facts about the API, and the spec is
where the project keeps them. A change there changes the client without touching this code.

Why IDs are cleaned before batching:

* **Duplicates** are dropped (first occurrence kept). CPH restarts a duplicate *within* one request once, but two
  copies in *different* batches would be two restarts — or a spurious ``CPS.9001`` for the second.
* **Malformed IDs** (not 32 lower-case hex characters) are held back: CPH refuses a whole batch with
  ``CPS.0016`` for one bad entry, which would block up to 99 good servers.

Pacing: :class:`RateLimiter` spaces requests evenly (``rate`` per second) across threads and tasks. It only computes
how long to wait; the sync and async clients do the sleeping.
"""

from __future__ import annotations

import re
import threading
import time
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
    "list_jobs_max_request_ids",
    "max_batch_size",
    "page_size",
    "plan_ids",
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
    """The ``Id32`` pattern every server, job, request and project ID must match."""
    return re.compile(load_spec()["components"]["schemas"]["Id32"]["pattern"])


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
    """The requested IDs, cleaned: ``unique`` in first-occurrence order, of which ``valid`` will be sent and
    ``invalid`` (malformed) will not."""

    unique: tuple[str, ...]
    valid: tuple[str, ...]
    invalid: tuple[str, ...]

    def batches(self, size: int | None = None) -> list[list[str]]:
        """``valid`` split into request-sized batches (default: the spec's maximum)."""
        return [list(batch) for batch in chunks(self.valid, size or max_batch_size())]


def plan_ids(server_ids: Iterable[str]) -> IdPlan:
    """Deduplicate ``server_ids`` (surrounding whitespace ignored) and separate malformed ones."""
    match = id_pattern().match
    unique = tuple(dict.fromkeys([raw.strip() for raw in server_ids]))
    if all(map(match, unique)):  # the usual case, checked without a Python frame per ID
        return IdPlan(unique, unique, ())
    well_formed = [match(i) is not None for i in unique]
    valid = tuple(i for i, ok in zip(unique, well_formed, strict=True) if ok)
    invalid = () if len(valid) == len(unique) else tuple(i for i, ok in zip(unique, well_formed, strict=True) if not ok)
    return IdPlan(unique, valid, invalid)


def chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    """Consecutive slices of ``items`` of length ``size`` (the last may be shorter)."""
    if size < 1:
        msg = "size must be at least 1"
        raise ValueError(msg)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class RateLimiter:
    """Evenly spaced slots: at most ``rate`` requests per second, no bursts.

    Each :meth:`reserve` books the next free slot and returns how long the caller must wait for it. Booking under a
    lock and sleeping outside it lets threads and asyncio tasks share one limiter.
    """

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            msg = "rate must be positive"
            raise ValueError(msg)
        self.rate = rate
        self._interval = 1.0 / rate
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Book the next slot; return the seconds to wait before sending (0 if the slot is now)."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._interval
            return slot - now

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate!r})"
