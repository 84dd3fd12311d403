"""Follow every accepted restart job until it ends, within a time budget, and judge what the job answers say.

Why deferred, batched polling instead of waiting inside each check: a real restart takes minutes. Waiting per test
case would serialise those minutes; recording the jobs as responses arrive and polling them all together at the end
costs one restart's duration for the whole run. *When* to ask is ``cph.JobTracker``'s decision (the client's own
poll schedule: ListJobs by groups of request IDs, timed by how long jobs take); this module only registers the
accepted jobs (:class:`AcceptedJobs`, which also feeds known IDs to request shaping) and judges the answers:

* ``cph_jobs_terminate`` — every job reaches status 2 or -1 within the budget, with a documented status;
* ``cph_jobs_listed`` — ListJobs by its restart's request ID lists it;
* ``cph_job_lifecycle`` — a failed job carries ``error_code`` and ``error_msg``; an ended job stays ended (ShowJob
  asked again after ListJobs saw it end);
* ``cph_job_times`` (strict) — ``end_time`` empty while running, set once ended;
* ``cph_job_agreement`` — ShowJob and ListJobs name the job and server the restart answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance import transient
from cph import JobInfo, JobStatus, JobTracker

TERMINAL = frozenset({2, -1})
PAGE = 100
ABSENT_POLLS = 3
"""Successful ListJobs answers of its request that leave a job out before it is reported as not listed."""


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
    """The outcome of :meth:`AcceptedJobs.poll`."""

    polled: int = 0
    terminal: int = 0
    requests_listed: int = 0
    problems: list[JobProblem] = field(default_factory=list)
    elapsed: float = 0.0
    judged: dict[str, int] = field(default_factory=dict)
    """How many job answers each check judged (passed or not)."""

    def judge(self, check: str, job: AcceptedJob, path: str, problem: str | None, title: str) -> None:
        self.judged[check] = self.judged.get(check, 0) + 1
        if problem is not None:
            self.problems.append(JobProblem(check, job.job_id, job.request_id, problem, "GET", path, title))


class AcceptedJobs:
    """The jobs the run's restarts were given (thread-safe); :meth:`poll` follows the ones not followed yet."""

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
        """Jobs not followed yet."""
        with self._lock:
            return [job for job_id, job in self._jobs.items() if job_id not in self._polled]

    def poll(
        self,
        client: httpx.Client,
        *,
        budget: float,
        throttle: Callable[[], None],
        strict: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> PollResult:
        """Follow every pending job until all have ended or ``budget`` seconds (after the last job was accepted)
        have passed, then judge each ended job's ShowJob answer."""
        jobs = self.pending()
        with self._lock:
            self._polled.update(job.job_id for job in jobs)
        result = PollResult(polled=len(jobs))
        started = clock()
        if not jobs:
            return result
        by_id = {job.job_id: job for job in jobs}
        tracker = JobTracker(first_poll=0.25, max_interval=10.0, clock=clock)
        for job in jobs:
            tracker.expect(job.request_id, job.job_id, job.server_id, accepted_at=job.seen_at)
        deadline = max(job.seen_at for job in jobs) + budget
        listed: set[str] = set()
        ended: dict[str, int] = {}
        broken: set[str] = set()
        absent: dict[str, int] = {}
        while not tracker.done and clock() < deadline:
            due = tracker.next_due()
            if due is not None and due > clock():
                time.sleep(min(due, deadline) - clock())
            for group in tracker.queries():
                found = self._list(client, jobs[0].project_id, group, throttle, result)
                infos = self._absent(found, group, by_id, tracker, absent, broken, clock() - min(budget / 10, 30.0))
                for raw in found or []:
                    match = by_id.get(str(raw.get("job_id")))
                    if match is None or match.job_id in broken:
                        continue
                    job = match
                    listed.add(job.job_id)
                    info = self._judge_listed(raw, job, result, strict=strict)
                    if info is None:
                        broken.add(job.job_id)
                        info = JobInfo(job.job_id, JobStatus.FAILED)  # stop following it
                    elif info.done:
                        ended.setdefault(job.job_id, int(info.status))
                    infos.append(info)
                tracker.update(infos, polled=group)
        for job_id in tracker.running:
            job = by_id[job_id]
            path = f"/v1/{job.project_id}/cloud-phone/jobs/{job_id}"
            message = f"job {job_id} (server {job.server_id}) did not reach status 2 or -1 within {budget:g} s"
            if job_id not in listed:
                message += "; ListJobs by its request ID never listed it"
            result.judge("cph_jobs_terminate", job, path, message, "job did not reach a terminal status")
        result.terminal = len(ended)
        self._listed_check(jobs, listed, tracker.running, result)
        for job_id, status in ended.items():
            self._show(client, by_id[job_id], status, throttle, result, strict=strict)
        for job_id in sorted(set(absent) & broken - listed):
            self._show_unlisted(client, by_id[job_id], throttle, result)
        result.elapsed = clock() - started
        return result

    @staticmethod
    def _absent(
        found: list[dict[str, Any]] | None,
        group: list[str],
        by_id: dict[str, AcceptedJob],
        tracker: JobTracker,
        absent: dict[str, int],
        broken: set[str],
        accepted_before: float,
    ) -> list[JobInfo]:
        """Stop following a job that successful ListJobs answers of its request keep leaving out (and that was
        accepted long enough ago for any lag to have passed): it is not listed (reported by ``cph_jobs_listed``;
        ShowJob then says whether it exists at all), and not worth the whole budget."""
        if found is None:
            return []
        present = {str(raw.get("job_id")) for raw in found}
        asked = set(group)
        stop = []
        for job_id in tracker.running:
            job = by_id.get(job_id)
            if job is None or job.request_id not in asked or job_id in present:
                continue
            absent[job_id] = absent.get(job_id, 0) + 1
            if absent[job_id] >= ABSENT_POLLS and job.seen_at <= accepted_before:
                broken.add(job_id)
                stop.append(JobInfo(job_id, JobStatus.FAILED))
        return stop

    @staticmethod
    def _show_unlisted(
        client: httpx.Client, job: AcceptedJob, throttle: Callable[[], None], result: PollResult
    ) -> None:
        """A job ListJobs never listed: does ShowJob know it? (If not, the restart's job ID leads nowhere.)"""
        throttle()
        path = f"/v1/{job.project_id}/cloud-phone/jobs/{job.job_id}"
        status, detail, _ = _show_job(client, path)
        if status == 0:
            return
        problem = None if status is not None else f"job {job.job_id} (server {job.server_id}): {detail}"
        result.judge("cph_jobs_terminate", job, path, problem, "ShowJob does not know an accepted job")

    @staticmethod
    def _list(
        client: httpx.Client, project_id: str, group: list[str], throttle: Callable[[], None], result: PollResult
    ) -> list[dict[str, Any]] | None:
        """Every job ListJobs lists for ``group`` (all pages); ``None`` when it fails (the jobs stay pending)."""
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            throttle()
            params = {"request_ids": ",".join(group), "limit": PAGE, "offset": offset}
            try:
                response = transient.send(client, "GET", f"/v1/{project_id}/cloud-phone/jobs", params=params)
                page = response.json().get("jobs") if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError, AttributeError):
                page = None
            result.requests_listed += 1
            if not isinstance(page, list):
                return out or None
            out += [job for job in page if isinstance(job, dict)]
            if len(page) < PAGE:
                return out
            offset += PAGE

    @staticmethod
    def _judge_listed(raw: dict[str, Any], job: AcceptedJob, result: PollResult, *, strict: bool) -> JobInfo | None:
        """Judge one ListJobs entry of a tracked job; its JobInfo, or ``None`` when its status is undocumented."""
        path = f"/v1/{job.project_id}/cloud-phone/jobs?request_id={job.request_id}"
        status = raw.get("status")
        if not isinstance(status, int) or status not in {1, 2, -1}:
            message = f"ListJobs gave job {job.job_id} an undocumented status {status!r}"
            result.judge("cph_jobs_terminate", job, path, message, "job with an undocumented status")
            return None
        _judge(result, job, path, raw, strict=strict)
        server = raw.get("server_id")
        problem = None
        if server not in (None, "") and not same_id(str(server), job.server_id):
            problem = f"ListJobs lists job {job.job_id} for server {server!r}; its restart named {job.server_id}"
        result.judge("cph_job_agreement", job, path, problem, "ListJobs disagrees with the restart")
        return JobInfo(job.job_id, JobStatus(status), server_id=job.server_id)

    @staticmethod
    def _listed_check(jobs: list[AcceptedJob], listed: set[str], running: dict[str, str], result: PollResult) -> None:
        by_request: dict[str, list[AcceptedJob]] = {}
        for job in jobs:
            by_request.setdefault(job.request_id, []).append(job)
        for request_id, members in by_request.items():
            missing = sorted(job.job_id for job in members if job.job_id not in listed and job.job_id not in running)
            path = f"/v1/{members[0].project_id}/cloud-phone/jobs?request_id={request_id}"
            problem = (
                f"ListJobs for request {request_id} never listed accepted job(s) {', '.join(missing)}"
                if missing
                else None
            )
            result.judge("cph_jobs_listed", members[0], path, problem, "accepted job missing from ListJobs")

    @staticmethod
    def _show(
        client: httpx.Client,
        job: AcceptedJob,
        ended_with: int,
        throttle: Callable[[], None],
        result: PollResult,
        *,
        strict: bool,
    ) -> None:
        """ShowJob of an ended job: known, still ended with the same status, same job and server, times right."""
        throttle()
        path = f"/v1/{job.project_id}/cloud-phone/jobs/{job.job_id}"
        status, detail, body = _show_job(client, path)
        if status == 0:
            return  # no answer this time: nothing to judge
        if status is None or body is None:
            result.judge("cph_jobs_terminate", job, path, detail, "ShowJob does not show an ended job")
            return
        result.judge("cph_jobs_terminate", job, path, None, "")
        problem = None
        if status != ended_with:
            problem = f"job {job.job_id} ended with status {ended_with} (ListJobs), later ShowJob said status {status}"
        result.judge("cph_job_lifecycle", job, path, problem, "ended job changed status")
        _judge(result, job, path, body, strict=strict)
        problem = None
        server = body.get("server_id")
        if body.get("job_id") != job.job_id or (server not in (None, "") and not same_id(str(server), job.server_id)):
            problem = (
                f"ShowJob of {job.job_id} answered job_id {body.get('job_id')!r}, server_id "
                f"{body.get('server_id')!r}; the restart named server {job.server_id}"
            )
        result.judge("cph_job_agreement", job, path, problem, "ShowJob disagrees with the restart")


def same_id(answered: str, expected: str) -> bool:
    """Whether two spellings name the same ID: the provider writes some IDs as hyphenated UUIDs (its older
    ListJobs example), the strict document as 32 lower-case hex characters."""
    return answered.replace("-", "").lower() == expected.replace("-", "").lower()


def _judge(result: PollResult, job: AcceptedJob, path: str, body: dict[str, Any], *, strict: bool) -> None:
    """The lifecycle rules one job answer (ShowJob or a ListJobs entry) can break (see conformance.rules)."""
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
