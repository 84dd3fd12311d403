"""The mock's notion of time: a callable returning Unix seconds.

Why: restart jobs, server status transitions, token expiry, throttling buckets and the ``X-Sdk-Date`` window all
read time. They read it from one injectable clock instead of ``time.time`` so a test can move time forward with
:class:`FakeClock` and watch a server go 5 → 11 → 13 → 5 without sleeping. Progress is computed from the clock
when state is read, so no background task is needed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
"""Returns the current time as Unix seconds (UTC)."""


def system_clock() -> float:
    """The wall clock (``time.time``)."""
    return time.time()


class FakeClock:
    """A clock that only moves when told to; safe to share between the server thread and a test.

    It starts at the real current time by default, so AK/SK signatures made by real clients (which stamp
    ``X-Sdk-Date`` with the wall clock) still fall within the gateway's 15-minute window.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (not backwards) and return the new time."""
        if seconds < 0:
            msg = "a FakeClock only moves forward"
            raise ValueError(msg)
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, now: float) -> None:
        """Jump to ``now`` (Unix seconds)."""
        with self._lock:
            self._now = float(now)
