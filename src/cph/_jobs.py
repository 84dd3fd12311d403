"""Following restart jobs until they end, with as few requests as the API allows.

Why ListJobs and not ShowJob: a restart of 10,000 servers creates 10,000 jobs in 100 requests. ShowJob costs one
call per job per poll; ListJobs takes up to 20 request IDs per call (``request_ids``) and returns 100 jobs per page,
so one poll of all 10,000 jobs is 100 calls — and it shrinks as requests finish, because a request ID whose jobs have
all ended is not asked about again. Request IDs are packed 20 to a call anew on each poll for the same reason.

Why polls are timed by how long jobs take: a poll of a request whose jobs are all still running moves nothing forward
but costs a call against the gateway's per-user limit — and a 10,000-job poll is 100 calls (100 jobs per page). So
:class:`JobTracker` asks about one request until a job has ended, learns from CPH's own ``begin_time``/``end_time``
how long a restart takes (real ones take minutes), and then asks about each request once, when its jobs should be
done.

:class:`JobTracker` holds the state and decides what to ask; the clients do the I/O. :class:`JobInfo` normalises the
two shapes of a job — ShowJob sends ``null`` for unset fields, ListJobs sends ``""`` — to ``None``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from cph._batching import chunks, list_jobs_max_request_ids
from cph_api.models import Job, ShowJobResponse
from cph_api.types import Unset

__all__ = ["JobInfo", "JobStatus", "JobTracker"]


class JobStatus(IntEnum):
    """A job's ``status``: 1 running, 2 succeeded, -1 failed."""

    RUNNING = 1
    SUCCEEDED = 2
    FAILED = -1


def _text(value: object) -> str | None:
    if isinstance(value, Unset) or value is None or value == "":
        return None
    return str(value)


@dataclass(frozen=True, slots=True)
class JobInfo:
    """One job, as ShowJob or ListJobs reports it; unset fields are ``None`` whichever operation reported it."""

    job_id: str
    status: JobStatus
    server_id: str | None = None
    begin_time: str | None = None
    end_time: str | None = None
    error_code: str | None = None
    error_msg: str | None = None

    @property
    def done(self) -> bool:
        """Whether the job has ended (succeeded or failed)."""
        return self.status is not JobStatus.RUNNING

    @classmethod
    def from_model(cls, job: Job | ShowJobResponse) -> JobInfo:
        # The provider contract leaves every field optional: a job without a status has not been seen to end.
        return cls(
            job_id=_text(job.job_id) or "",
            status=JobStatus(job.status) if isinstance(job.status, int) else JobStatus.RUNNING,
            server_id=_text(job.server_id),
            begin_time=_text(job.begin_time),
            end_time=_text(job.end_time),
            error_code=_text(job.error_code),
            error_msg=_text(job.error_msg),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "server_id": self.server_id,
            "status": int(self.status),
            "state": self.status.name.lower(),
            "begin_time": self.begin_time,
            "end_time": self.end_time,
            "error_code": self.error_code,
            "error_msg": self.error_msg,
        }


_GROWTH = 1.25
"""How much longer each probe waits, while no job has ended yet: a probe costs one call (one request's first page),
so probing a little too often is cheap, while a long step can overshoot the jobs' end by as much."""


def _seconds_between(begin: str | None, end: str | None) -> float | None:
    """``end - begin`` in seconds for two ISO 8601 times (CPH's clock for both, so ours does not matter)."""
    if not begin or not end:
        return None
    try:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(begin)).total_seconds()
    except (ValueError, TypeError):
        return None
    return seconds if seconds >= 0 else None


class JobTracker:
    """Which jobs are still running, when each restart request is worth asking about again, and what each poll
    revealed. It decides; the client does the I/O.

    :meth:`expect` registers a job from a restart answer. :meth:`probe` registers a request ID whose outcome is
    unknown (an error that may have been carried out) with its servers: the request ID is polled in every round too,
    and a job found there for one of those servers is reported by :meth:`update` as *found*, so the caller can
    promote the server from ``unknown`` to ``accepted``. Probe request IDs do not keep the tracker going on their own.

    When to ask (fewest calls: a poll of a request whose jobs are all still running moves nothing forward): until a
    job has ended, only the oldest request is asked about, ``first_poll`` seconds after it was accepted and then at
    intervals growing 1.25-fold up to ``max_interval``. The first ended jobs tell how long a restart takes (CPH's own
    ``begin_time``/``end_time``); from then on each request is asked about once, when its jobs should have ended
    (accepted + that duration), and again only if some are still running then.
    """

    def __init__(
        self, *, first_poll: float = 2.0, max_interval: float = 15.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._running: dict[str, tuple[str, str | None]] = {}  # job_id -> (server_id, request_id; None if probed)
        self._requests: dict[str, int] = {}  # request_id -> how many of its tracked jobs are running
        self._accepted: dict[str, float] = {}  # request_id -> when it was accepted (clock)
        self._due: dict[str, float] = {}  # request_id -> when it is worth asking about (clock)
        self._probes: set[str] = set()
        self._unresolved: set[str] = set()
        self._resumed: set[str] = set()  # accepted at an unknown time (an earlier run): asked about at once
        self._first_poll = first_poll
        self._max_interval = max(max_interval, first_poll)
        self._guess = first_poll
        self._clock = clock
        self.duration: float | None = None
        """The longest a restart job has taken so far (seconds), once one has ended."""

    def expect(self, request_id: str, job_id: str, server_id: str, accepted_at: float | None = None) -> None:
        """Track ``job_id`` (of ``server_id``), listed by ListJobs under ``request_id``, accepted at ``accepted_at``
        (the tracker's clock; default now — e.g. jobs of an earlier run, which may well have ended already)."""
        if job_id in self._running:
            return
        self._running[job_id] = (server_id, request_id)
        self._requests[request_id] = self._requests.get(request_id, 0) + 1
        if request_id not in self._accepted:
            accepted = self._clock() if accepted_at is None else accepted_at
            self._accepted[request_id] = accepted
            self._due[request_id] = accepted if accepted_at is None else self._expected_end(accepted)
            if accepted_at is None:
                self._resumed.add(request_id)

    def probe(self, request_id: str, server_ids: Iterable[str]) -> None:
        """Poll ``request_id`` for jobs of ``server_ids``, whose restart may or may not have happened."""
        self._probes.add(request_id)
        self._unresolved.update(server_ids)

    @property
    def done(self) -> bool:
        """Whether no tracked job is still running."""
        return not self._running

    @property
    def running(self) -> dict[str, str]:
        """``{job_id: server_id}`` of the jobs still running."""
        return {job_id: server_id for job_id, (server_id, _) in self._running.items()}

    def _expected_end(self, accepted: float) -> float:
        if self.duration is None:
            return accepted + self._first_poll
        return accepted + self.duration * 1.02 + 0.25

    def next_due(self) -> float | None:
        """When the next poll is worth making (``None`` when nothing is running)."""
        return min(self._due.values(), default=None)

    def queries(self, now: float | None = None) -> list[list[str]]:
        """Request IDs to ask ListJobs about now, at most 20 (the spec's limit) per call: the requests that are due
        (only the oldest while no job has ended yet — but every request of an earlier run, whose jobs may all have
        ended long ago), and every probe."""
        now = self._clock() if now is None else now
        due = sorted((when, rid) for rid, when in self._due.items() if when <= now)
        if self.duration is None:
            due = due[:1] + [(when, rid) for when, rid in due[1:] if rid in self._resumed]
        request_ids = [rid for _, rid in due]
        request_ids += sorted(self._probes.difference(request_ids))
        return [list(group) for group in chunks(request_ids, list_jobs_max_request_ids())]

    def update(
        self, jobs: Iterable[JobInfo], polled: Iterable[str] = (), now: float | None = None
    ) -> tuple[list[JobInfo], list[JobInfo]]:
        """Feed the jobs one poll of the ``polled`` request IDs returned; return ``(ended, found)``.

        ``ended``: tracked jobs that have ended since the last update. ``found``: the first job seen for an
        unresolved server (running or ended; a running one is tracked from now on). Other jobs are ignored.
        """
        now = self._clock() if now is None else now
        polled = set(polled)
        self._resumed -= polled
        ended: list[JobInfo] = []
        found: list[JobInfo] = []
        learnt = False
        for job in jobs:
            tracked = self._running.get(job.job_id)
            if tracked is not None:
                if job.done:
                    del self._running[job.job_id]
                    ended.append(job)
                    learnt = self._learn(job) or learnt
                    request_id = tracked[1]
                    if request_id is not None:
                        self._requests[request_id] -= 1
                        if not self._requests[request_id]:
                            del self._requests[request_id], self._due[request_id]
            elif job.server_id is not None and job.server_id in self._unresolved:
                self._unresolved.discard(job.server_id)
                found.append(job)
                if not job.done:
                    self._running[job.job_id] = (job.server_id, None)
        self._reschedule(polled, now, learnt=learnt)
        return ended, found

    def _learn(self, job: JobInfo) -> bool:
        took = _seconds_between(job.begin_time, job.end_time)
        if took is None or (self.duration is not None and took <= self.duration):
            return False
        self.duration = took
        return True

    def _reschedule(self, polled: set[str], now: float, *, learnt: bool) -> None:
        if learnt:  # requests not asked about yet: when their jobs should end
            for request_id in self._due.keys() - polled:
                self._due[request_id] = self._expected_end(self._accepted[request_id])
        if self.duration is None:
            if polled & self._due.keys():  # asked too early: nobody is asked before the next, longer, guess
                self._guess = min(max(self._guess * _GROWTH, 0.0), self._max_interval)
                for request_id in self._due:
                    self._due[request_id] = max(self._due[request_id], now + self._guess)
            return
        again = min(self._max_interval, max(self._first_poll, self.duration * 0.1))
        for request_id in polled & self._due.keys():  # still running past their expected end: ask again later
            self._due[request_id] = now + again

    def forget_probes(self) -> None:
        """Stop polling probe request IDs."""
        self._probes.clear()
        self._unresolved.clear()
