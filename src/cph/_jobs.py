"""Following restart jobs until they end, with as few requests as the API allows.

Why ListJobs and not ShowJob: a restart of 10,000 servers creates 10,000 jobs in 100 requests. ShowJob costs one
call per job per poll; ListJobs takes up to 20 request IDs per call (``request_ids``) and returns 100 jobs per page,
so one poll of all 10,000 jobs is 100 calls — and it shrinks as requests finish, because a request ID whose jobs have
all ended is not asked about again. Request IDs are packed 20 to a call anew on each poll for the same reason.

Why backoff between polls: a restart takes tens of seconds; polling fast at first catches quick failures, and
slowing down (``poll_interval`` times 1.5 per round, up to ``max_poll_interval``) keeps a long wait cheap for the
gateway's 200 requests/s limit that other clients share.

:class:`JobTracker` holds the state and decides what to ask; the clients do the I/O. :class:`JobInfo` normalises the
two shapes of a job — ShowJob sends ``null`` for unset fields, ListJobs sends ``""`` — to ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from cph._batching import chunks, list_jobs_max_request_ids
from cph_api.models import Job, ShowJobResponse
from cph_api.types import Unset

__all__ = ["JobInfo", "JobStatus", "JobTracker", "poll_delays"]


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
        return cls(
            job_id=job.job_id,
            status=JobStatus(job.status),
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


def poll_delays(initial: float, maximum: float, factor: float = 1.5) -> Iterator[float]:
    """``initial``, then times ``factor`` per round, capped at ``maximum`` (forever)."""
    delay = initial
    while True:
        yield min(delay, maximum)
        delay = min(delay * factor, maximum)


class JobTracker:
    """Which jobs are still running, which request IDs to poll for them, and what each poll revealed.

    :meth:`expect` registers a job from a restart answer. :meth:`probe` registers a request ID whose outcome is
    unknown (an error that may have been carried out) with its servers: the request ID is polled too, and a job
    found there for one of those servers is reported by :meth:`update` as *found*, so the caller can promote the
    server from ``unknown`` to ``accepted``. Probe request IDs do not keep the tracker going on their own.
    """

    def __init__(self) -> None:
        self._running: dict[str, tuple[str, str | None]] = {}  # job_id -> (server_id, request_id; None if probed)
        self._probes: set[str] = set()
        self._unresolved: set[str] = set()

    def expect(self, request_id: str, job_id: str, server_id: str) -> None:
        """Track ``job_id`` (of ``server_id``), listed by ListJobs under ``request_id``."""
        self._running[job_id] = (server_id, request_id)

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

    def queries(self, parallel: int = 1) -> list[list[str]]:
        """Request IDs to ask ListJobs about now: at most 20 (the spec's limit) per call, and spread over at least
        ``parallel`` groups when there are enough of them.

        Why spread: each group is paged through one call after another, so 100 request IDs in 5 full groups of 20
        keep only 5 of 8 connections busy; 8 groups of 13 keep all of them busy.
        """
        request_ids = sorted({rid for _, rid in self._running.values() if rid is not None} | self._probes)
        size = min(list_jobs_max_request_ids(), max(1, -(-len(request_ids) // max(parallel, 1))))
        return [list(group) for group in chunks(request_ids, size)]

    def update(self, jobs: Iterable[JobInfo]) -> tuple[list[JobInfo], list[JobInfo]]:
        """Feed the jobs one poll returned; return ``(ended, found)``.

        ``ended``: tracked jobs that have ended since the last update. ``found``: the first job seen for an
        unresolved server (running or ended; a running one is tracked from now on). Other jobs are ignored.
        """
        ended: list[JobInfo] = []
        found: list[JobInfo] = []
        for job in jobs:
            if job.job_id in self._running:
                if job.done:
                    del self._running[job.job_id]
                    ended.append(job)
            elif job.server_id is not None and job.server_id in self._unresolved:
                self._unresolved.discard(job.server_id)
                found.append(job)
                if not job.done:
                    self._running[job.job_id] = (job.server_id, None)
        return ended, found

    def forget_probes(self) -> None:
        """Stop polling probe request IDs."""
        self._probes.clear()
        self._unresolved.clear()
