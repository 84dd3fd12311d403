"""Live progress of a run: one line per operation with its current phase, cases sent and failures, plus the job
poll. Why: a certification against a rate-limited real endpoint takes minutes, and "30 pytest dots" says nothing
about whether it is stuck, throttled or failing. Drawn with rich (on a terminal it updates in place; in a CI log
it is printed once, at the end).
"""

from __future__ import annotations

import threading
from types import TracebackType

from rich.console import Console
from rich.progress import Progress as RichProgress
from rich.progress import SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn


class Progress:
    """Counts per operation, shown while the run lasts (a context manager)."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True)
        self._rich = RichProgress(
            SpinnerColumn(finished_text="✓"),
            TextColumn("{task.description:<24}"),
            TextColumn("{task.fields[phase]:<10}"),
            TextColumn("{task.completed:>6} cases"),
            TextColumn("{task.fields[failed]:>5} failed"),
            TimeElapsedColumn(),
            console=self._console,
            transient=False,
        )
        self._lock = threading.Lock()
        self._tasks: dict[str, TaskID] = {}
        self._failed: dict[str, int] = {}

    def __enter__(self) -> Progress:
        self._rich.start()
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        with self._lock:
            for task in self._tasks.values():
                self._rich.update(task, phase="done")
        self._rich.stop()

    def _task(self, operation: str) -> TaskID:
        task = self._tasks.get(operation)
        if task is None:
            task = self._rich.add_task(operation, total=None, phase="", failed=0)
            self._tasks[operation] = task
            self._failed[operation] = 0
        return task

    def case(self, operation: str, phase: str) -> None:
        """One case of ``operation`` sent in ``phase``."""
        with self._lock:
            self._rich.update(self._task(operation), advance=1, phase=phase)

    def failure(self, operation: str) -> None:
        """One case of ``operation`` failed a check."""
        with self._lock:
            task = self._task(operation)
            self._failed[operation] += 1
            self._rich.update(task, failed=self._failed[operation])

    def transient(self, total: int) -> None:
        """The run's count of transient answers resent so far (a line of its own once there is one)."""
        if not total:
            return
        with self._lock:
            task = self._task("transient answers")
            self._rich.update(task, completed=total, phase="resent")
