"""What a flow asks its driver to do: send a request, sleep, run sub-flows side by side.

Why: the blocking and the asyncio client must behave identically, and used to be two copies of every operation that
differed only by ``await``. Now each operation is written once, in :mod:`cph._flows`, as a generator (a *flow*) that
does no I/O: it yields an *effect* — :class:`Send`, :class:`Sleep` or :class:`Gather` — and is resumed with the
effect's result, or has the exception performing it raised thrown in at the ``yield`` (so a flow's ``try``/``except``
sees it exactly as if it had made the call itself). A driver — :class:`cph.CphClient` (threads) or
:class:`cph.AsyncCphClient` (asyncio) — performs the effects; that is all it does. The pattern is httpx's own
``Auth.auth_flow`` ("sans-I/O").

A driver's loop, whole: ``effect = flow.send(None)``, then until the flow returns (``StopIteration``, whose
``value`` is the flow's result): perform ``effect`` as ``(value, None)`` or ``(None, exception)`` and resume the flow
with ``flow.send(value)`` or ``flow.throw(exception)``. The exception is thrown in *outside* the ``except`` block
that caught it, so that exceptions the flow raises afterwards are not chained to it. (The loop is written out in
each driver rather than shared: it runs once per request, and a shared helper costs calls there.)
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeAlias, TypeVar

from cph_api.types import Response

__all__ = ["Effect", "Flow", "Gather", "Operation", "Send", "Sleep"]

_T = TypeVar("_T")


class Operation(Protocol):
    """A generated operation module (``cph_api.api.servers.restart_cloud_phone_server``, …)."""

    def sync_detailed(self, *args: Any, **kwargs: Any) -> Response[Any]: ...

    async def asyncio_detailed(self, *args: Any, **kwargs: Any) -> Response[Any]: ...


@dataclass(slots=True)
class Send:
    """Call ``operation.sync_detailed(**kwargs, client=…)`` (or await its ``asyncio_detailed``); resumes the flow with
    the generated ``Response``, or throws in what the call raised (a transport error, a parser's error)."""

    operation: Operation
    kwargs: dict[str, Any]


@dataclass(slots=True)
class Sleep:
    """Pause ``seconds``; resumes the flow with ``None``. ``interrupt``, when set, ends the pause early — in the
    blocking client, where a batch waiting to be resent should not outlive a run a fatal error stopped; an asyncio
    pause is not woken by it (the flow checks the event when it resumes either way)."""

    seconds: float
    interrupt: threading.Event | None = None


@dataclass(slots=True)
class Gather(Generic[_T]):
    """Run ``flows`` with at most ``concurrency`` at once; resumes the flow with their results, in order.

    If one raises, the others are stopped (not-yet-started ones never start, running asyncio ones are cancelled,
    running threads finish what they are doing), ``stop`` is set so that running ones do not send again, and the
    error is thrown in.
    """

    flows: Sequence[Flow[_T]]
    stop: threading.Event | None = None


Effect: TypeAlias = Send | Sleep | Gather[Any]
Flow: TypeAlias = Generator[Effect, Any, _T]
"""An operation written once: yields effects, is sent their results, returns its own."""
