"""SIGINT and SIGTERM as one kind of interrupt, so ``cph restart`` prints what it knows before it exits.

Why SIGTERM is turned into ``KeyboardInterrupt``: by default SIGTERM kills Python without unwinding, so a
``docker stop``, a CI timeout or systemd would lose every request and job ID of the run. The client already turns
``KeyboardInterrupt`` into "stop sending, collect the in-flight answers, return the partial result"
(:class:`cph.RestartInterrupted`); raising the same exception for SIGTERM gives both signals that behaviour. The
exit code is the shell's convention, 128 + the signal number: 130 for SIGINT, 143 for SIGTERM.
"""

from __future__ import annotations

import signal
from types import FrameType, TracebackType
from typing import Final, Self

HANDLED: Final = (signal.SIGINT, signal.SIGTERM)


class Interrupts:
    """While entered, SIGINT and SIGTERM raise ``KeyboardInterrupt``; :attr:`received` is the first one."""

    def __init__(self) -> None:
        self.received: signal.Signals | None = None
        self._previous: dict[signal.Signals, object] = {}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signal.Signals(signum)
        raise KeyboardInterrupt

    def __enter__(self) -> Self:
        for signum in HANDLED:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    @property
    def name(self) -> str:
        return (self.received or signal.SIGINT).name

    @property
    def exit_code(self) -> int:
        """128 + the signal number (a Ctrl-C that arrived as a plain ``KeyboardInterrupt`` counts as SIGINT)."""
        return 128 + int(self.received or signal.SIGINT)
