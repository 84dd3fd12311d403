"""Follow every accepted restart job until it ends, within a time budget.

Why deferred, batched polling instead of waiting inside each check: a real restart takes minutes. Waiting per test
case would serialise those minutes; recording the jobs as responses arrive and polling them all together at the end
costs one restart's duration for the whole run. The poll uses the same credentials and rate limit as the rest of
the run, follows the spec's links (ShowJob per job, ListJobs per request ID), and reports each job that is still
running at the deadline, unknown to ShowJob, or missing from ListJobs of its request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance import transient

TERMINAL = frozenset({2, -1})


@dataclass(frozen=True, slots=True)
class AcceptedJob:
    """A ``jobs[]`` entry with a ``job_id`` in a 200 restart response."""

    job_id: str
    server_id: str
    request_id: str
    project_id: str
    seen_at: float


@dataclass(frozen=True, slots=True)
class JobProblem:
    """Why a job did not pass: ``check`` is the name it is reported under."""

    check: str
    job_id: str
    request_id: str
    message: str
    method: str
    path: str
    title: str = ""


@dataclass(slots=True)
class PollResult:
    """The outcome of :meth:`JobTracker.poll`."""

    polled: int = 0
    terminal: int = 0
    requests_listed: int = 0
    problems: list[JobProblem] = field(default_factory=list)
    elapsed: float = 0.0
    judged: dict[str, int] = field(default_factory=dict)
    """How many job answers each lifecycle check judged (passed or not)."""

    def judge(self, check: str, job: AcceptedJob, path: str, problem: str | None, title: str) -> None:
        self.judged[check] = self.judged.get(check, 0) + 1
        if problem is not None:
            self.problems.append(JobProblem(check, job.job_id, job.request_id, problem, "GET", path, title))


class JobTracker:
    """Collects accepted jobs (thread-safe) and polls the ones not yet polled."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, AcceptedJob] = {}
        self._polled: set[str] = set()

    def record(self, job: AcceptedJob) -> None:
        with self._lock:
            self._jobs.setdefault(job.job_id, job)

    @property
    def jobs(self) -> list[AcceptedJob]:
        with self._lock:
            return list(self._jobs.values())

    @property
    def request_ids(self) -> list[str]:
        with self._lock:
            return list(dict.fromkeys(job.request_id for job in self._jobs.values()))

    @property
    def job_ids(self) -> list[str]:
        with self._lock:
            return list(self._jobs)

    def pending(self) -> list[AcceptedJob]:
        """Jobs not polled yet."""
        with self._lock:
            return [job for job_id, job in self._jobs.items() if job_id not in self._polled]

    def poll(
        self,
        client: httpx.Client,
        *,
        budget: float,
        throttle: Callable[[], None],
        strict: bool = True,
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> PollResult:
        """Poll every pending job with ShowJob until all are terminal or ``budget`` seconds (after the last job was
        accepted) have passed; then check ListJobs of each request lists its accepted jobs."""
        jobs = self.pending()
        with self._lock:
            self._polled.update(job.job_id for job in jobs)
        result = PollResult(polled=len(jobs))
        started = clock()
        if not jobs:
            return result
        deadline = max(job.seen_at for job in jobs) + budget
        waiting = {job.job_id: job for job in jobs}
        last: dict[str, str] = {}
        ended: dict[str, int] = {}
        while waiting:
            for job in list(waiting.values()):
                throttle()
                path = f"/v1/{job.project_id}/cloud-phone/jobs/{job.job_id}"
                status, detail, body = _show_job(client, path)
                if status is not None and body is not None:
                    _judge(result, job, path, body, strict=strict)
                if status in TERMINAL:
                    result.terminal += 1
                    ended[job.job_id] = status
                    del waiting[job.job_id]
                elif status is None:
                    result.problems.append(
                        JobProblem("cph_jobs_terminate", job.job_id, job.request_id, detail, "GET", path)
                    )
                    del waiting[job.job_id]
                else:
                    last[job.job_id] = detail
            if not waiting or clock() >= deadline:
                break
            time.sleep(interval)
        for job in waiting.values():
            path = f"/v1/{job.project_id}/cloud-phone/jobs/{job.job_id}"
            message = (
                f"job {job.job_id} (server {job.server_id}) did not reach status 2 or -1 within {budget:g} s: "
                f"{last.get(job.job_id, 'no answer')}"
            )
            result.problems.append(JobProblem("cph_jobs_terminate", job.job_id, job.request_id, message, "GET", path))
        self._stays_terminal(client, [job for job in jobs if job.job_id in ended], ended, throttle, result)
        result.problems.extend(self._check_listed(client, jobs, throttle, result))
        result.elapsed = clock() - started
        return result

    @staticmethod
    def _stays_terminal(
        client: httpx.Client,
        jobs: list[AcceptedJob],
        ended: dict[str, int],
        throttle: Callable[[], None],
        result: PollResult,
    ) -> None:
        """Ask ShowJob once more about (at most 20 of) the ended jobs: a terminal status never changes."""
        for job in jobs[:20]:
            throttle()
            path = f"/v1/{job.project_id}/cloud-phone/jobs/{job.job_id}"
            status, detail, _ = _show_job(client, path)
            if status == 0:
                continue  # no answer this time: nothing to judge
            problem = None
            if status != ended[job.job_id]:
                problem = f"job {job.job_id} ended with status {ended[job.job_id]}, later ShowJob said: {detail}"
            result.judge("cph_job_lifecycle", job, path, problem, "ended job changed status")

    @staticmethod
    def _check_listed(
        client: httpx.Client, jobs: list[AcceptedJob], throttle: Callable[[], None], result: PollResult
    ) -> list[JobProblem]:
        by_request: dict[tuple[str, str], set[str]] = {}
        for job in jobs:
            by_request.setdefault((job.project_id, job.request_id), set()).add(job.job_id)
        problems = []
        for (project_id, request_id), expected in by_request.items():
            throttle()
            path = f"/v1/{project_id}/cloud-phone/jobs?request_id={request_id}&limit=100"
            result.requests_listed += 1
            try:
                response = transient.send(client, "GET", path)
                listed = {job["job_id"] for job in response.json()["jobs"]} if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                listed, detail = None, f"{type(exc).__name__}"
            else:
                detail = f"HTTP {response.status_code}"
            if listed is None:
                message = f"ListJobs for request {request_id} failed: {detail}"
                problems.append(JobProblem("cph_jobs_listed", "", request_id, message, "GET", path))
                continue
            missing = sorted(expected - listed)
            if missing:
                message = f"ListJobs for request {request_id} does not list accepted job(s) {', '.join(missing)}"
                problems.append(JobProblem("cph_jobs_listed", missing[0], request_id, message, "GET", path))
        return problems


def _judge(result: PollResult, job: AcceptedJob, path: str, body: dict[str, Any], *, strict: bool) -> None:
    """The lifecycle rules one ShowJob answer can break (see conformance.rules)."""
    status = body.get("status")
    problem = None
    if status == -1 and not (body.get("error_code") and body.get("error_msg")):
        problem = f"job {job.job_id} failed (status -1) without error_code and error_msg: {body!r}"[:400]
    result.judge("cph_job_lifecycle", job, path, problem, "failed job without its error")
    if strict:
        end_time = body.get("end_time")
        problem = None
        if status == 1 and end_time:
            problem = f"job {job.job_id} is running (status 1) but has end_time {end_time!r}"
        elif status in TERMINAL and not end_time:
            problem = f"job {job.job_id} has ended (status {status}) but has no end_time"
        result.judge("cph_job_times", job, path, problem, "end_time does not match the job's status")


def _show_job(client: httpx.Client, path: str) -> tuple[int | None, str, dict[str, Any] | None]:
    """(job status, description, body) — status ``None`` when ShowJob does not know the job or answers nonsense,
    0 when it gave no answer worth judging this time (a transient answer that persisted, a failed connection)."""
    try:
        response = transient.send(client, "GET", path)
    except httpx.HTTPError as exc:
        return 0, f"request failed: {type(exc).__name__}", None
    if response.status_code != 200:
        if response.status_code in {429, 502, 503, 504}:
            return 0, f"HTTP {response.status_code} (retrying)", None
        return None, f"ShowJob answered HTTP {response.status_code}: {response.text[:200]}", None
    try:
        body = response.json()
        status = body["status"]
    except (ValueError, KeyError, TypeError):
        return None, f"ShowJob answered 200 without a job status: {response.text[:200]}", None
    if not isinstance(status, int) or status not in {1, 2, -1}:
        return None, f"ShowJob answered an undocumented job status {status!r}", None
    return status, f"status {status}", body if isinstance(body, dict) else None
