"""``cph restart``: restart any number of servers, never twice, and never lose what happened to one.

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
130   interrupted by SIGINT (Ctrl-C), 143 by SIGTERM: nothing more was sent, the result so far was printed
====  ==========================================================================================================

Credentials come from the environment only (``HUAWEICLOUD_SDK_AK``/``_SK``/``_SECURITY_TOKEN``/``_PROJECT_ID``, or
``CPH_AUTH_TOKEN``), never from options, so they do not end up in shell history or ``ps`` output; nothing printed
contains them. The per-server table or JSON goes to stdout; progress (only on a terminal) and errors to stderr.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from cph import CphClient, CphError, Outcome
from cph.cli import app
from cph.cli._common import JsonOutput, Verbose, api_failure, client, fail, settings_of, stderr
from cph.cli._record import read_results
from cph.cli._render import status_text
from cph.cli._report import parse_outcomes, run_recorded
from cph.cli._settings import ENDPOINT_PANEL, RestartSettings
from cph.settings import typer_options

RESTARTING: Final = frozenset({11, 13})  # shutting down, starting: a restart is under way
_LOOK_UP_ONE_BY_ONE: Final = 20  # more unknown servers than this: one listing of the fleet is fewer calls

Show = Annotated[
    str | None,
    typer.Option(
        "--show",
        metavar="OUTCOMES",
        help="List only servers with these outcomes, e.g. failed,rejected,unknown (counts still cover all).",
    ),
]
Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        dir_okay=False,
        help="Append each server's result to this file as a JSON line as soon as it is known (survives kill -9).",
    ),
]
Progress = Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on a terminal.")]


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
            fail(f"cannot read --file {file}: {exc.strerror}")
    if wants_stdin:
        sources.append(stdin if stdin is not None else sys.stdin)
    ids: list[str] = []
    for source in sources:
        for line in source:
            text = line.split("#", 1)[0]
            ids.extend(token for token in re.split(r"[\s,]+", text) if token)
    return ids


def current_status(api: CphClient, server_ids: list[str]) -> dict[str, int]:
    """The current status of ``server_ids`` (ListCloudPhoneServers); servers that do not exist are absent."""
    if not server_ids:
        return {}
    try:
        if len(server_ids) <= _LOOK_UP_ONE_BY_ONE:
            servers = [server for sid in server_ids for server in api.list_servers(server_id=sid)]
        else:
            servers = api.list_servers()
    except CphError as exc:
        api_failure(exc)
    wanted = set(server_ids)
    # the provider contract leaves both fields optional: a server without them shows nothing
    return {
        server.server_id: server.status
        for server in servers
        if isinstance(server.server_id, str) and server.server_id in wanted and isinstance(server.status, int)
    }


def rerun_ids(api: CphClient, path: Path, outcomes: Collection[Outcome]) -> list[str]:
    """The servers of an earlier run (``--from``) whose latest outcome is one of ``outcomes``.

    An ``unknown`` server may be restarting right now because of that run; it is re-run only when its current
    status shows no restart under way (and it exists), so that no server is restarted twice by mistake.
    """
    try:
        previous, unreadable = read_results(path)
    except ValueError as exc:
        fail(str(exc))
    err = stderr()
    if unreadable:
        err.print(f"--from {path}: skipped {unreadable} unreadable line(s)", markup=False)
    chosen = previous.with_outcome(*outcomes)
    statuses = current_status(api, [entry.server_id for entry in chosen if entry.outcome is Outcome.UNKNOWN])
    ids: list[str] = []
    for entry in chosen:
        if entry.outcome is Outcome.UNKNOWN:
            status = statuses.get(entry.server_id)
            if status is None:
                err.print(f"not re-run: {entry.server_id} (unknown) is not in the project", markup=False)
                continue
            if status in RESTARTING:
                err.print(
                    f"not re-run: {entry.server_id} (unknown) is restarting now (status {status_text(status)})",
                    markup=False,
                )
                continue
        ids.append(entry.server_id)
    return ids


@app.command("restart")
@typer_options(RestartSettings, panel=ENDPOINT_PANEL)
def restart_command(  # noqa: PLR0917 - typer maps each option to a parameter
    settings: dict[str, Any],
    server_ids: Annotated[
        list[str] | None, typer.Argument(help="Server IDs to restart; '-' reads more from stdin.", show_default=False)
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read server IDs from this file ('-' = stdin).")
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            dir_okay=False,
            help="Re-run servers of an earlier run: its --output file (or --json output), filtered by --outcome.",
        ),
    ] = None,
    outcome: Annotated[
        str | None,
        typer.Option(
            "--outcome",
            metavar="OUTCOMES",
            help="With --from: re-run servers with these outcomes (default failed,rejected,unknown; an unknown one "
            "only if it is not restarting now).",
        ),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until every restart job has ended.")] = False,
    verify_unknown: Annotated[
        bool,
        typer.Option("--verify-unknown", help="Look up the current status of servers whose outcome is unknown."),
    ] = False,
    output: Output = None,
    show: Show = None,
    as_json: JsonOutput = False,
    progress: Progress = True,
    verbose: Verbose = False,
) -> None:
    """Restart Cloud Phone servers: any number, in batches of 100, never twice.

    Prints one line per distinct server: accepted, rejected, succeeded, failed or unknown. A batch whose answer
    was lost is never resent (its servers are "unknown"): a restart must not happen twice. Ctrl-C or SIGTERM stops
    sending and prints every server's result so far (request and job IDs included).

    Exit codes: 0 every server accepted (with --wait: succeeded); 1 some rejected, failed, unknown or still
    running at --timeout; 2 usage, configuration or credential error; 130 SIGINT; 143 SIGTERM.
    """
    chosen = settings_of(RestartSettings, settings)
    shown = parse_outcomes(show, "--show") if show else None
    if outcome is not None and from_file is None:
        fail("--outcome needs --from FILE")
    rerun = parse_outcomes(outcome or "failed,rejected,unknown", "--outcome")
    ids = read_ids(server_ids or [], file)
    with client(chosen, settings, verbose=verbose) as api:
        if from_file is not None:
            ids += rerun_ids(api, from_file, rerun)
            if not ids:
                stderr().print(f"nothing to re-run from {from_file}", markup=False)
                raise typer.Exit(0)
        if not ids:
            fail("no server IDs: pass them as arguments, with --file, on stdin ('-'), or --from FILE")
        run_recorded(
            ids,
            output,
            lambda recorder: api.restart(
                ids, wait=wait, timeout=chosen.timeout, verify_unknown=verify_unknown, on_result=recorder
            ),
            waited=wait,
            as_json=as_json,
            show=shown,
            progress=progress,
        )
