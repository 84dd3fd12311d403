"""``cph restart``, ``cph jobs`` and ``cph servers``: the façade on the command line.

Why the exit codes are part of the interface: ``cph restart`` runs in scripts and CI, where "some servers may not
have restarted" must stop a pipeline without anyone reading a table. So:

====  ==========================================================================================================
code  meaning
====  ==========================================================================================================
0     every server was accepted for restart (with ``--wait``: every restart succeeded)
1     at least one server was rejected, failed, has an unknown outcome, or was still restarting at ``--timeout``;
      or (``jobs``, ``servers``) the API failed
2     usage or configuration error (bad option, no server IDs, unknown region, missing credentials), or the API
      refused the credentials, the permission or the account — nothing can succeed until that is fixed
130   interrupted (Ctrl-C); batches in flight may have been carried out
====  ==========================================================================================================

Credentials come from the environment only (``HUAWEICLOUD_SDK_AK``/``_SK``/``_SECURITY_TOKEN``/``_PROJECT_ID``, or
``CPH_AUTH_TOKEN``), never from options, so they do not end up in shell history or ``ps`` output; nothing printed
contains them. The per-server table or JSON goes to stdout; progress (only on a terminal) and errors to stderr.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cph._client import CphClient
from cph._credentials import CredentialsError
from cph._errors import CphError
from cph._jobs import JobInfo
from cph._results import Outcome, RestartResult
from cph._results import Progress as RestartProgress
from cph._retry import is_fatal
from cph._spec import load_spec
from cph.cli import app

EXIT_OK: Final = 0
EXIT_NOT_ALL_OK: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130

_ENDPOINT_PANEL = "Endpoint (one of --region / --endpoint; credentials come from the environment)"

Region = Annotated[
    str | None,
    typer.Option("--region", envvar="CPH_REGION", help="Region, e.g. cn-east-3.", rich_help_panel=_ENDPOINT_PANEL),
]
Endpoint = Annotated[
    str | None,
    typer.Option(
        "--endpoint", envvar="CPH_ENDPOINT", help="Endpoint URL instead of a region.", rich_help_panel=_ENDPOINT_PANEL
    ),
]
ProjectId = Annotated[
    str | None,
    typer.Option(
        "--project-id",
        help="Project ID (default: $HUAWEICLOUD_SDK_PROJECT_ID).",
        rich_help_panel=_ENDPOINT_PANEL,
    ),
]
JsonOutput = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

_OUTCOME_STYLE = {
    Outcome.ACCEPTED: "cyan",
    Outcome.SUCCEEDED: "green",
    Outcome.REJECTED: "yellow",
    Outcome.FAILED: "red",
    Outcome.UNKNOWN: "magenta",
}


# ------------------------------------------------------------------------------------------------------ helpers
def _stdout() -> Console:
    # Wide when not a terminal, so piped tables keep one server per line for grep.
    return Console(width=None if sys.stdout.isatty() else 240, highlight=False)


def _stderr() -> Console:
    return Console(stderr=True, highlight=False)


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    _stderr().print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
    return typer.Exit(code)


def read_ids(arguments: Iterable[str], file: Path | None, stdin: Iterable[str] | None = None) -> list[str]:
    """Server IDs from arguments, ``--file`` and stdin (an argument or file of ``-``), in that order.

    IDs are separated by whitespace or commas; ``#`` starts a comment. Duplicates are kept here (the client drops
    them) so that the result still has one entry per distinct ID.
    """
    arguments = list(arguments)
    sources: list[Iterable[str]] = [[a for a in arguments if a != "-"]]
    wants_stdin = "-" in arguments or (file is not None and str(file) == "-")
    if file is not None and str(file) != "-":
        try:
            sources.append(file.read_text(encoding="utf-8").splitlines())
        except OSError as exc:
            raise _fail(f"cannot read {file}: {exc.strerror}") from None
    if wants_stdin:
        sources.append(stdin if stdin is not None else sys.stdin)
    ids: list[str] = []
    for source in sources:
        for line in source:
            text = line.split("#", 1)[0]
            ids.extend(token for token in re.split(r"[\s,]+", text) if token)
    return ids


def _client(region: str | None, endpoint: str | None, project_id: str | None, **options: Any) -> CphClient:
    if region is None and endpoint is None:
        raise _fail("pass --region (or $CPH_REGION) or --endpoint (or $CPH_ENDPOINT)")
    if region is not None and endpoint is not None:
        raise _fail("pass only one of --region and --endpoint")
    try:
        return CphClient(region=region, endpoint=endpoint, project_id=project_id, **options)
    except (CredentialsError, ValueError) as exc:
        raise _fail(str(exc)) from None


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Any]:
    """A rich progress bar on stderr when it is a terminal; otherwise a callback that does nothing."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=_stderr(), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(progress: RestartProgress) -> None:
            if progress.phase not in tasks:
                label = "restarting" if progress.phase == "restart" else "waiting for jobs"
                tasks[progress.phase] = bar.add_task(label, total=progress.total)
            bar.update(tasks[progress.phase], completed=progress.completed)

        yield update


def _restart_table(result: RestartResult) -> Table:
    table = Table(show_lines=False, title=None)
    for name in ("server_id", "outcome", "job_id", "error_code", "error_msg", "request_id"):
        table.add_column(name, no_wrap=name != "error_msg", overflow="fold")
    for entry in result:
        message = entry.error_msg or ""
        if entry.server_status is not None:
            message = f"{message} [now: status {entry.server_status} {_status_name(entry.server_status)}]".strip()
        table.add_row(
            entry.server_id,
            f"[{_OUTCOME_STYLE[entry.outcome]}]{entry.outcome.value}[/]",
            entry.job_id or "",
            entry.error_code or "",
            message,
            entry.request_id or "",
        )
    return table


def _summary(result: RestartResult) -> str:
    counts = ", ".join(f"{count} {name}" for name, count in result.counts().items() if count)
    tail = " (stopped waiting at --timeout)" if result.timed_out else ""
    return f"{len(result)} servers: {counts or 'none'}{tail}"


def _print_result(result: RestartResult, as_json: bool, error: CphError | None = None) -> None:
    if as_json:
        data = result.to_dict()
        if error is not None:
            data["error"] = error.to_dict()
        typer.echo(json.dumps(data, indent=2))
    else:
        _stdout().print(_restart_table(result))
    _stderr().print(_summary(result), soft_wrap=True)


def _exit_code(result: RestartResult) -> int:
    return EXIT_OK if result.ok and not result.timed_out else EXIT_NOT_ALL_OK


@cache
def _status_names() -> dict[int, str]:
    """Server status names from the spec's ``ServerStatus`` description ("0, 1, 3, 4 creating; 2 abnormal; ...")."""
    description = load_spec()["components"]["schemas"]["ServerStatus"]["description"]
    names: dict[int, str] = {}
    for part in description.split(".")[0].split(";"):
        match = re.match(r"\s*([\d,\s]+?)\s+([a-z][a-z ()]*)$", part.strip())
        if match:
            for number in re.findall(r"\d+", match.group(1)):
                names[int(number)] = match.group(2).strip()
    return names


def _status_name(status: int) -> str:
    return _status_names().get(status, "")


# ----------------------------------------------------------------------------------------------------- restart
@app.command("restart")
def restart_command(  # noqa: PLR0917 - typer maps each option to a parameter
    server_ids: Annotated[
        list[str] | None, typer.Argument(help="Server IDs to restart; '-' reads more from stdin.", show_default=False)
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read server IDs from this file ('-' = stdin).")
    ] = None,
    region: Region = None,
    endpoint: Endpoint = None,
    project_id: ProjectId = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until every restart job has ended.")] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0, help="With --wait: stop waiting after this many seconds.")
    ] = 600.0,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64, help="Requests in flight.")] = 8,
    rate_limit: Annotated[
        float | None, typer.Option("--rate-limit", min=0.001, help="Requests per second (default: no limit).")
    ] = None,
    verify_unknown: Annotated[
        bool,
        typer.Option("--verify-unknown", help="Look up the current status of servers whose outcome is unknown."),
    ] = False,
    as_json: JsonOutput = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on a terminal.")] = True,
) -> None:
    """Restart Cloud Phone servers: any number, in batches of 100, never twice.

    Prints one line per distinct server: accepted, rejected, succeeded, failed or unknown. A batch whose answer
    was lost is never resent (its servers are "unknown"): a restart must not happen twice.

    Exit codes: 0 every server accepted (with --wait: succeeded); 1 some rejected, failed, unknown or still
    running at --timeout; 2 usage, configuration or credential error; 130 interrupted.
    """
    ids = read_ids(server_ids or [], file)
    if not ids:
        raise _fail("no server IDs: pass them as arguments, with --file, or on stdin ('-')")
    with _client(region, endpoint, project_id, concurrency=concurrency, rate_limit=rate_limit) as client:
        try:
            with _progress_bar(progress) as on_progress:
                result = client.restart(
                    ids, wait=wait, wait_timeout=timeout, verify_unknown=verify_unknown, on_progress=on_progress
                )
        except CphError as exc:
            if exc.result is not None:
                _print_result(exc.result, as_json, exc)
            raise _fail(str(exc), EXIT_USAGE if is_fatal(exc) else EXIT_NOT_ALL_OK) from None
        except KeyboardInterrupt:
            raise _fail("interrupted: batches in flight may have been carried out", EXIT_INTERRUPTED) from None
    _print_result(result, as_json)
    raise typer.Exit(_exit_code(result))


# -------------------------------------------------------------------------------------------------------- jobs
def _jobs_table(jobs: list[JobInfo]) -> Table:
    table = Table()
    for name in ("job_id", "server_id", "state", "begin_time", "end_time", "error_code", "error_msg"):
        table.add_column(name, no_wrap=name != "error_msg", overflow="fold")
    for job in jobs:
        table.add_row(
            job.job_id,
            job.server_id or "",
            job.status.name.lower(),
            job.begin_time or "",
            job.end_time or "",
            job.error_code or "",
            job.error_msg or "",
        )
    return table


def _api_failure(exc: CphError) -> typer.Exit:
    return _fail(str(exc), EXIT_USAGE if is_fatal(exc) else EXIT_NOT_ALL_OK)


@app.command("jobs")
def jobs_command(  # noqa: PLR0917 - typer maps each option to a parameter
    request_ids: Annotated[
        list[str] | None, typer.Option("--request-id", "-r", help="Restart request ID (repeatable).")
    ] = None,
    job_ids: Annotated[list[str] | None, typer.Option("--job-id", "-j", help="Job ID (repeatable).")] = None,
    region: Region = None,
    endpoint: Endpoint = None,
    project_id: ProjectId = None,
    as_json: JsonOutput = False,
) -> None:
    """List restart jobs by request ID (ListJobs, 20 request IDs per call) or by job ID (ShowJob)."""
    if not request_ids and not job_ids:
        raise _fail("pass --request-id and/or --job-id")
    with _client(region, endpoint, project_id) as client:
        try:
            jobs = client.list_jobs(request_ids) if request_ids else []
            jobs += [client.show_job(job_id) for job_id in job_ids or []]
        except CphError as exc:
            raise _api_failure(exc) from None
    if as_json:
        typer.echo(json.dumps([job.to_dict() for job in jobs], indent=2))
    else:
        _stdout().print(_jobs_table(jobs))


# ----------------------------------------------------------------------------------------------------- servers
@app.command("servers")
def servers_command(  # noqa: PLR0917 - typer maps each option to a parameter
    status: Annotated[int | None, typer.Option("--status", help="Only servers in this status (e.g. 5 normal).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Server name contains this.")] = None,
    server_id: Annotated[str | None, typer.Option("--server-id", help="Exactly this server.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many (default: all).")] = None,
    ids_only: Annotated[bool, typer.Option("--ids", help="Print only server IDs, one per line.")] = False,
    region: Region = None,
    endpoint: Endpoint = None,
    project_id: ProjectId = None,
    as_json: JsonOutput = False,
) -> None:
    """List the project's servers (ListCloudPhoneServers, newest first). `--ids` output feeds `cph restart -`."""
    if status is not None and status not in _status_names():
        raise _fail(f"--status must be one of {', '.join(str(s) for s in sorted(_status_names()))}")
    with _client(region, endpoint, project_id) as client:
        try:
            servers = client.list_servers(status=status, server_name=name, server_id=server_id, limit=limit)
        except CphError as exc:
            raise _api_failure(exc) from None
    if ids_only:
        for server in servers:
            if isinstance(server.server_id, str):  # optional in the provider contract
                typer.echo(server.server_id)
    elif as_json:
        typer.echo(json.dumps([server.to_dict() for server in servers], indent=2))
    else:
        table = Table()
        for column in ("server_id", "server_name", "status", "phone_model_name", "availability_zone"):
            table.add_column(column, no_wrap=True)
        for server in servers:
            status = server.status if isinstance(server.status, int) else None
            table.add_row(
                str(server.server_id or ""),
                str(server.server_name or ""),
                "" if status is None else f"{status} {_status_name(status)}",
                str(server.phone_model_name or ""),
                str(server.availability_zone or ""),
            )
        _stdout().print(table)
