"""Opt-in, seeded fault injection: latency, gateway 5xx answers, 429 bursts and dropped connections.

Why it models *whether the request was carried out*: a client that retries must never restart a server twice, and
it can only get that right if each failure tells the truth about what happened behind it. So every fault kind has
a fixed meaning (see :class:`FaultKind`): 429, 502, 503 and "drop before" never reach CPH; "drop after" always
does (the restart is applied, then the connection is closed); 500 and 504 are "unknown outcome" — applied with
probability ``unknown_outcome_applied`` (default 1, the case that catches blind retries).

Faults are drawn from a seeded RNG (reproducible runs), only for the operations listed in ``operations`` (all if
empty), after authentication and throttling (a fault stands for trouble between the gateway and CPH). Tests that
need one exact fault can :meth:`FaultInjector.schedule` it for the next matching request instead.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from cph.mock._config import FaultConfig
from cph.mock._responses import ErrorReply


class FaultKind(StrEnum):
    """A kind of injected fault; the value is the name used in config files and on the command line."""

    THROTTLE_429 = "429"
    ERROR_500 = "500"
    ERROR_502 = "502"
    ERROR_503 = "503"
    ERROR_504 = "504"
    DROP_BEFORE = "drop-before"
    DROP_AFTER = "drop-after"

    @property
    def outcome(self) -> str:
        """``"not-applied"``, ``"applied"`` or ``"unknown"`` — whether the request reaches CPH."""
        if self in _NEVER_APPLIED:
            return "not-applied"
        if self is FaultKind.DROP_AFTER:
            return "applied"
        return "unknown"

    @property
    def drops_connection(self) -> bool:
        return self in {FaultKind.DROP_BEFORE, FaultKind.DROP_AFTER}


_NEVER_APPLIED = frozenset({FaultKind.THROTTLE_429, FaultKind.ERROR_502, FaultKind.ERROR_503, FaultKind.DROP_BEFORE})

_RATE_FIELDS: tuple[tuple[str, FaultKind], ...] = (
    ("throttle_429_rate", FaultKind.THROTTLE_429),
    ("error_500_rate", FaultKind.ERROR_500),
    ("error_502_rate", FaultKind.ERROR_502),
    ("error_503_rate", FaultKind.ERROR_503),
    ("error_504_rate", FaultKind.ERROR_504),
    ("drop_before_rate", FaultKind.DROP_BEFORE),
    ("drop_after_rate", FaultKind.DROP_AFTER),
)

INJECTED_THROTTLE_DETAIL = "policy api over ratelimit,limit:200,time:1 second"
"""Injected 429s imitate the gateway's default per-API limit (200 requests/s)."""


@dataclass(frozen=True, slots=True)
class Fault:
    """A drawn fault: its kind and whether the request is carried out before the fault answers."""

    kind: FaultKind
    applied: bool

    def reply(self) -> ErrorReply:
        """The error answer of a non-dropping fault."""
        if self.kind is FaultKind.THROTTLE_429:
            return ErrorReply("APIGW.0308", 429, INJECTED_THROTTLE_DETAIL)
        code, status = _ANSWERS[self.kind]
        return ErrorReply(code, status)


_ANSWERS: dict[FaultKind, tuple[str, int]] = {
    FaultKind.ERROR_500: ("APIGW.0601", 500),
    FaultKind.ERROR_502: ("APIGW.0201", 502),
    FaultKind.ERROR_503: ("APIGW.0613", 503),
    FaultKind.ERROR_504: ("APIGW.0201", 504),
}


@dataclass(frozen=True, slots=True)
class _Scheduled:
    kind: FaultKind
    operation: str | None
    applied: bool | None


class FaultInjector:
    """Decides, per request, whether and which fault to inject; counts what it injected in :attr:`injected`."""

    def __init__(self, config: FaultConfig, seed: int, operation_ids: Iterable[str]) -> None:
        known = set(operation_ids)
        unknown = set(config.operations) - known
        if unknown:
            msg = f"faults.operations names unknown operations: {', '.join(sorted(unknown))}"
            raise ValueError(msg)
        self.config = config
        self._operations = frozenset(config.operations)
        self._known_operations = frozenset(known)
        self._rng = random.Random(  # noqa: S311 - a reproducible simulation, not security
            f"{config.seed if config.seed is not None else seed}:faults"
        )
        self._lock = threading.Lock()
        self._burst_left = 0
        self._scheduled: deque[_Scheduled] = deque()
        self._rates = tuple((getattr(config, name), kind) for name, kind in _RATE_FIELDS)
        self._random_enabled = any(rate > 0 for rate, _kind in self._rates)
        self._latency_enabled = config.latency > 0 or config.latency_jitter > 0
        self.injected: Counter[FaultKind] = Counter()

    @property
    def active(self) -> bool:
        """Whether any request could get a fault or latency (the app skips this layer otherwise)."""
        return self._random_enabled or self._latency_enabled or bool(self._scheduled)

    def schedule(self, *kinds: FaultKind | str, operation: str | None = None, applied: bool | None = None) -> None:
        """Inject ``kinds``, in order, into the next requests of ``operation`` (any operation if ``None``).

        ``applied`` overrides the outcome of unknown-outcome kinds (500, 504); it is ignored for the others, whose
        outcome is fixed.
        """
        if operation is not None and operation not in self._known_operations:
            msg = f"unknown operation {operation!r}"
            raise ValueError(msg)
        with self._lock:
            for kind in kinds:
                self._scheduled.append(_Scheduled(FaultKind(kind), operation, applied))

    def clear(self) -> None:
        """Drop scheduled faults and end a running 429 burst."""
        with self._lock:
            self._scheduled.clear()
            self._burst_left = 0

    def _applied(self, kind: FaultKind, override: bool | None) -> bool:
        outcome = kind.outcome
        if outcome == "unknown":
            if override is not None:
                return override
            return self._rng.random() < self.config.unknown_outcome_applied
        return outcome == "applied"

    def draw(self, operation_id: str) -> Fault | None:
        """The fault for one request of ``operation_id``, or ``None``."""
        with self._lock:
            for index, item in enumerate(self._scheduled):
                if item.operation is None or item.operation == operation_id:
                    del self._scheduled[index]
                    return self._record(Fault(item.kind, self._applied(item.kind, item.applied)))
            if not self._random_enabled or (self._operations and operation_id not in self._operations):
                return None
            if self._burst_left > 0:
                self._burst_left -= 1
                return self._record(Fault(FaultKind.THROTTLE_429, applied=False))
            roll = self._rng.random()
            for rate, kind in self._rates:
                if roll < rate:
                    if kind is FaultKind.THROTTLE_429:
                        self._burst_left = self.config.throttle_429_burst - 1
                    return self._record(Fault(kind, self._applied(kind, None)))
                roll -= rate
            return None

    def _record(self, fault: Fault) -> Fault:
        self.injected[fault.kind] += 1
        return fault

    def latency(self, operation_id: str) -> float:
        """Seconds to wait before handling a request of ``operation_id``."""
        if not self._latency_enabled or (self._operations and operation_id not in self._operations):
            return 0.0
        jitter = self.config.latency_jitter
        if jitter <= 0:
            return self.config.latency
        with self._lock:
            return self.config.latency + self._rng.uniform(0.0, jitter)
