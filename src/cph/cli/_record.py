"""``--output FILE`` and ``--from FILE``: per-server results as JSON lines, written as they become known.

Why JSON lines, appended and flushed one server at a time: a restart is not idempotent, so the request and job IDs
of an accepted server are the one thing an operator must not lose — not to Ctrl-C, not to ``kill -9``, not to a
closed laptop. Each line is complete on its own (``ServerResult.to_dict()``); a later line about the same server
supersedes an earlier one, so a file can be appended to by several runs and still be read back as "the latest
known state of each server". A torn last line (the process died mid-write) is skipped when reading.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from cph import Outcome, RestartResult, ServerResult


class Recorder:
    """The latest known result of every server of a run (``on_result`` callback), mirrored to ``--output``.

    Called from the client's worker threads, hence the lock; ``listeners`` (the progress bar) see each change.
    """

    def __init__(self, server_ids: Iterable[str], output: IO[str] | None = None) -> None:
        self._order = list(dict.fromkeys(server_ids))
        self._latest: dict[str, ServerResult] = {}
        self._output = output
        self._lock = threading.Lock()
        self.listeners: list[Callable[[ServerResult], None]] = []

    def __len__(self) -> int:
        return len(self._order)

    def __call__(self, entry: ServerResult) -> None:
        with self._lock:
            if self._latest.get(entry.server_id) == entry:
                return
            self._latest[entry.server_id] = entry
            if self._output is not None:
                self._output.write(entry.to_json() + "\n")
                self._output.flush()
        for listener in self.listeners:
            listener(entry)

    def record(self, result: RestartResult) -> None:
        """Write whatever ``result`` knows that was not written yet (e.g. in-flight servers made ``unknown``)."""
        for entry in result:
            self(entry)

    def latest(self) -> dict[str, ServerResult]:
        with self._lock:
            return dict(self._latest)

    def result(self, *, waited: bool) -> RestartResult:
        """What is known without the client's final result (it was lost to a second interrupt): every server of
        the run, those nothing was heard about as ``unknown``."""
        latest = self.latest()
        entries = (latest.get(server_id) or ServerResult(server_id, Outcome.UNKNOWN) for server_id in self._order)
        return RestartResult(tuple(entries), waited=waited)


def open_output(path: Path | None) -> IO[str] | None:
    """``path`` opened for appending, line-buffered (``None`` without ``--output``)."""
    if path is None:
        return None
    try:
        return path.open("a", encoding="utf-8", buffering=1)
    except OSError as exc:
        msg = f"cannot write --output {path}: {exc.strerror}"
        raise ValueError(msg) from None


def _entry(data: Any) -> ServerResult | None:
    if not isinstance(data, dict):
        return None
    try:
        return ServerResult.from_dict(data)
    except ValueError:
        return None


def read_results(path: Path) -> tuple[RestartResult, int]:
    """The latest entry per server in a ``--output`` file (first-seen order), and how many lines were unreadable.

    Also accepts the ``--json`` output of ``cph restart`` (one object with ``servers``). Raises ``ValueError`` with
    a message for the user when the file cannot be read or holds no result.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"cannot read --from {path}: {exc.strerror}"
        raise ValueError(msg) from None
    records: list[Any]
    try:
        whole = json.loads(text)
        records = whole["servers"] if isinstance(whole, dict) and "servers" in whole else [whole]
    except (json.JSONDecodeError, TypeError):
        records = []
        for line in text.splitlines():
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    records.append(None)
    latest: dict[str, ServerResult] = {}
    bad = 0
    for data in records:
        entry = _entry(data)
        if entry is None:
            bad += 1
        else:
            latest[entry.server_id] = entry
    if not latest:
        msg = f"--from {path} holds no server results (expected the JSON lines of --output or the --json output)"
        raise ValueError(msg)
    return RestartResult(tuple(latest.values())), bad
