"""The state of the current run, shared by the pytest plugin, schemathesis hooks and checks.

Why a process-wide current run: schemathesis calls hooks and checks with its own arguments only (a case, a
response), yet they need the run's target, safety policy, job tracker and report. The suite always runs in a
process of its own (``python -m conformance`` or ``pytest -c conformance/pytest.ini``), with exactly one run, so
one module-level slot is the simplest honest answer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from conformance.jobs import AcceptedJobs
from conformance.progress import Progress
from conformance.redact import Redactor
from conformance.report import ReportCollector
from conformance.settings import Settings
from conformance.target import Target, open_target
from cph import RateLimiter


def limiter(rate: str | None) -> Callable[[], None]:
    """The pace of everything the suite sends itself (the job poll, the semantic scenarios): ``cph.RateLimiter``
    at ``rate`` ("5/s", "100/m"), or no limit. schemathesis paces its own requests at the same rate (config
    ``rate-limit``)."""
    if not rate:
        return lambda: None
    count, unit = rate.split("/")
    return RateLimiter(int(count) / {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]).acquire


@dataclass(slots=True)
class Run:
    settings: Settings
    redactor: Redactor
    report: ReportCollector
    limiter: Callable[[], None]
    jobs: AcceptedJobs = field(default_factory=AcceptedJobs)
    target: Target | None = None
    progress: Progress | None = None
    written: bool = False
    """Whether the reports were written (the front-end's sign that the suite ran)."""
    _resources: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def open_target(self) -> Target:
        """Open the target once (start the embedded mock); it stays open until :meth:`close`.

        Why not a fixture's teardown: schemathesis runs the checks' ``after_run`` (our job poll) in
        ``pytest_sessionfinish``, after fixtures are torn down; the target must still answer then.
        """
        if self.target is None:
            self.target = self._resources.enter_context(open_target(self.settings))
            self.redactor.add(*self.target.secrets)
        return self.target

    def require_target(self) -> Target:
        if self.target is None:
            msg = "the target is not open yet (the `target` fixture opens it)"
            raise RuntimeError(msg)
        return self.target

    def close(self) -> None:
        """Stop the embedded mock (if any)."""
        self._resources.close()


_CURRENT: Run | None = None
_PRESET: Settings | None = None


def preset(settings: Settings) -> None:
    """The front-end's settings, for the pytest plugin to run with (``cph conformance`` validated them already)."""
    global _PRESET  # noqa: PLW0603 (see the module docstring)
    _PRESET = settings


def preset_settings() -> Settings | None:
    return _PRESET


def install(run: Run) -> None:
    global _CURRENT  # noqa: PLW0603 (the one process-wide run, see the module docstring)
    _CURRENT = run


def current() -> Run:
    if _CURRENT is None:
        msg = "no conformance run is active: run the suite with `python -m conformance`"
        raise RuntimeError(msg)
    return _CURRENT


def active() -> Run | None:
    return _CURRENT
