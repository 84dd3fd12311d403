"""``cph jobs``: look up restart jobs, or resume waiting for the jobs of an earlier run (``--wait --from FILE``).

Why resuming exists: a restart of thousands of servers can outlive the terminal that started it. The ``--output``
file of that run holds every accepted server's request and job ID, which is all that following its jobs needs, so
``cph jobs --wait --from FILE`` picks up where the run was stopped — without restarting anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from cph import CphError
from cph.cli import app
from cph.cli._common import Endpoint, JsonOutput, ProjectId, Region, Verbose, api_failure, client, fail, stderr, stdout
from cph.cli._record import Recorder, open_output, read_results
from cph.cli._render import jobs_table
from cph.cli._report import execute, parse_outcomes, progress_bar
from cph.cli._restart import Output, Progress, Show, Timeout


@app.command("jobs")
def jobs_command(  # noqa: PLR0917 - typer maps each option to a parameter
    ctx: typer.Context,
    request_ids: Annotated[
        list[str] | None, typer.Option("--request-id", "-r", help="Restart request ID (repeatable).")
    ] = None,
    job_ids: Annotated[list[str] | None, typer.Option("--job-id", "-j", help="Job ID (repeatable).")] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="With --from: wait until the jobs of an earlier run have ended.")
    ] = False,
    from_file: Annotated[
        Path | None,
        typer.Option("--from", dir_okay=False, help="The --output file (or --json output) of an earlier restart."),
    ] = None,
    timeout: Timeout = None,
    output: Output = None,
    show: Show = None,
    region: Region = None,
    endpoint: Endpoint = None,
    project_id: ProjectId = None,
    as_json: JsonOutput = False,
    progress: Progress = True,
    verbose: Verbose = False,
) -> None:
    """List restart jobs, or resume waiting for an earlier run's jobs (--wait --from FILE).

    By request ID (ListJobs, 20 request IDs per call) or by job ID (ShowJob). With --wait --from FILE: follow the
    jobs recorded by an earlier `cph restart --output FILE` until they end, and print every server's outcome
    (exit codes as for `cph restart --wait`; nothing is restarted).
    """
    if wait != (from_file is not None):
        fail("--wait and --from FILE go together (resume waiting for an earlier run's jobs)")
    if from_file is not None:
        _resume(ctx, from_file, region, endpoint, project_id, timeout, output, show, as_json, progress, verbose)
    if not request_ids and not job_ids:
        fail("pass --request-id and/or --job-id, or --wait --from FILE")
    with client(ctx, region, endpoint, project_id, verbose=verbose) as api:
        try:
            jobs = api.list_jobs(request_ids) if request_ids else []
            jobs += [api.show_job(job_id) for job_id in job_ids or []]
        except CphError as exc:
            api_failure(exc)
    if as_json:
        typer.echo(json.dumps([job.to_dict() for job in jobs], indent=2))
    else:
        stdout().print(jobs_table(jobs))


def _resume(  # noqa: PLR0917 - the command's options, passed on
    ctx: typer.Context,
    from_file: Path,
    region: str | None,
    endpoint: str | None,
    project_id: str | None,
    timeout: float | None,
    output: Path | None,
    show: str | None,
    as_json: bool,
    progress: bool,
    verbose: bool,
) -> NoReturn:
    shown = parse_outcomes(show, "--show") if show else None
    try:
        previous, unreadable = read_results(from_file)
        out = open_output(output)
    except ValueError as exc:
        fail(str(exc))
    if unreadable:
        stderr().print(f"--from {from_file}: skipped {unreadable} unreadable line(s)", markup=False)
    recorder = Recorder((entry.server_id for entry in previous), out)
    try:
        with client(ctx, region, endpoint, project_id, verbose=verbose) as api:
            execute(
                lambda: api.wait(previous, timeout=timeout, on_result=recorder),
                recorder,
                waited=True,
                as_json=as_json,
                show=shown,
                around=progress_bar(recorder, len(recorder), wait=True, enabled=progress),
            )
    finally:
        if out is not None:
            out.close()
