"""``cph jobs``: look up restart jobs, or resume waiting for the jobs of an earlier run (``--wait --from FILE``).

Why resuming exists: a restart of thousands of servers can outlive the terminal that started it. The ``--output``
file of that run holds every accepted server's request and job ID, which is all that following its jobs needs, so
``cph jobs --wait --from FILE`` picks up where the run was stopped — without restarting anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from cph import CphError
from cph.cli import app
from cph.cli._common import JsonOutput, Verbose, api_failure, client, fail, settings_of, stderr, stdout
from cph.cli._record import read_results
from cph.cli._render import jobs_table
from cph.cli._report import parse_outcomes, run_recorded
from cph.cli._restart import Output, Progress, Show
from cph.cli._settings import ENDPOINT_PANEL, WaitSettings
from cph.settings import typer_options


@app.command("jobs")
@typer_options(WaitSettings, panel=ENDPOINT_PANEL)
def jobs_command(  # noqa: PLR0917 - typer maps each option to a parameter
    settings: dict[str, Any],
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
    output: Output = None,
    show: Show = None,
    as_json: JsonOutput = False,
    progress: Progress = True,
    verbose: Verbose = False,
) -> None:
    """List restart jobs, or resume waiting for an earlier run's jobs (--wait --from FILE).

    By request ID (ListJobs, 20 request IDs per call) or by job ID (ShowJob). With --wait --from FILE: follow the
    jobs recorded by an earlier `cph restart --output FILE` until they end, and print every server's outcome
    (exit codes as for `cph restart --wait`; nothing is restarted).
    """
    chosen = settings_of(WaitSettings, settings)
    if wait != (from_file is not None):
        fail("--wait and --from FILE go together (resume waiting for an earlier run's jobs)")
    if from_file is not None:
        _resume(chosen, settings, from_file, output, show, as_json, progress, verbose)
    if not request_ids and not job_ids:
        fail("pass --request-id and/or --job-id, or --wait --from FILE")
    with client(chosen, settings, verbose=verbose) as api:
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
    chosen: WaitSettings,
    given: dict[str, Any],
    from_file: Path,
    output: Path | None,
    show: str | None,
    as_json: bool,
    progress: bool,
    verbose: bool,
) -> NoReturn:
    shown = parse_outcomes(show, "--show") if show else None
    try:
        previous, unreadable = read_results(from_file)
    except ValueError as exc:
        fail(str(exc))
    if unreadable:
        stderr().print(f"--from {from_file}: skipped {unreadable} unreadable line(s)", markup=False)
    with client(chosen, given, verbose=verbose) as api:
        run_recorded(
            (entry.server_id for entry in previous),
            output,
            lambda recorder: api.wait(previous, timeout=chosen.timeout, on_result=recorder),
            waited=True,
            as_json=as_json,
            show=shown,
            progress=progress,
        )
