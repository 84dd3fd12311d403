"""Run the job poll of :mod:`conformance.jobs` against the run's target and record the outcome in the report."""

from __future__ import annotations

import httpx

from conformance.jobs import JobProblem
from conformance.redact import Redactor
from conformance.report import FailureRecord
from conformance.run import Run

SHOW_JOB = "GET /v1/{project_id}/cloud-phone/jobs/{job_id}"
LIST_JOBS = "GET /v1/{project_id}/cloud-phone/jobs"


def _failure(problem: JobProblem, base_url: str, redactor: Redactor) -> FailureRecord:
    title = problem.title or (
        "job did not reach a terminal status"
        if problem.check == "cph_jobs_terminate"
        else "accepted job missing from ListJobs"
    )
    curl = redactor.curl(problem.method, base_url + problem.path, {}, None)  # add your auth to replay
    return FailureRecord(
        check=problem.check,
        operation=LIST_JOBS if problem.check == "cph_jobs_listed" else SHOW_JOB,
        title=title,
        message=problem.message,
        status=None,
        response="",
        curl=curl,
    )


def poll_jobs(run: Run) -> list[JobProblem]:
    """Poll the pending jobs of ``run`` (rate-limited, authenticated), record results, return the problems."""
    target = run.require_target()
    timeout = httpx.Timeout(run.settings.budget.request_timeout)
    throttle = run.limiter
    progress = run.progress
    if progress is not None:

        def throttle() -> None:  # every poll request also shows on the live display
            run.limiter()
            progress.case("job poll", "following")

    with httpx.Client(base_url=target.base_url, auth=target.auth, timeout=timeout) as client:
        result = run.jobs.poll(
            client,
            budget=run.settings.budget.job_timeout,
            throttle=throttle,
            strict=run.settings.profile == "strict",
        )
    for check, judged in result.judged.items():
        failed = sum(1 for p in result.problems if p.check == check)
        for _ in range(judged - failed):
            run.report.record(check, LIST_JOBS if check == "cph_jobs_listed" else SHOW_JOB, None)
    for problem in result.problems:
        failure = _failure(problem, target.base_url, run.redactor)
        run.report.record(problem.check, failure.operation, failure)
    return result.problems
