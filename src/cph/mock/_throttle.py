"""Per-credential throttling, like the API gateway's "user" flow-control policy.

Why a token bucket: the gateway limits requests per credential per time window and answers 429 ``APIGW.0308``
with a detail naming the policy (``policy user over ratelimit,limit:N,time:1 second``). A bucket of ``burst``
tokens refilled at ``rate`` per second gives that behaviour, allows short bursts, and needs no timer: the refill
is computed from the clock on each request.
"""

from __future__ import annotations

import threading

from cph.mock._clock import Clock
from cph.mock._config import ThrottleConfig
from cph.mock._responses import ErrorReply

THROTTLED = "APIGW.0308"


def throttle_detail(limit: float) -> str:
    """The gateway's detail for the user policy over ``limit`` requests per second."""
    shown = int(limit) if float(limit).is_integer() else limit
    return f"policy user over ratelimit,limit:{shown},time:1 second"


class Throttle:
    """Token buckets keyed by credential (AK or token); :meth:`check` raises ErrorReply 429 when one is empty."""

    def __init__(self, config: ThrottleConfig, clock: Clock) -> None:
        self.enabled = config.enabled
        self._rate = config.rate
        self._capacity = float(config.bucket_size)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._detail = throttle_detail(config.rate)

    def allow(self, key: str) -> bool:
        """Take one token from ``key``'s bucket if there is one."""
        if not self.enabled:
            return True
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(key, (self._capacity, now))
            tokens = min(self._capacity, tokens + max(0.0, now - last) * self._rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True

    def check(self, key: str) -> None:
        """Raise ErrorReply 429 ``APIGW.0308`` if ``key`` is over its rate."""
        if not self.allow(key):
            raise ErrorReply(THROTTLED, 429, self._detail)
