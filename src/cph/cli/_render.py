"""Tables of ``cph``: per-server restart results, jobs, servers — readable at any terminal width.

Why layouts instead of one table: a server, job or request ID is 32 characters and is copied from the screen into
the next command, so a cut or folded ID is a wrong ID. One row per server needs ~150 columns; below that the IDs of
a server are stacked in one cell (about 65 columns), and below that each server becomes a short block of lines.
Outcome and error code stay visible in every layout. Every string that came from the server (IDs, codes, messages)
is a :class:`rich.text.Text`, never markup, so ``[now: status 11 …]`` or a bracket in an ``error_msg`` prints as is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

from rich import box
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from cph import JobInfo, Outcome, RestartResult, ServerResult, load_spec

OUTCOME_STYLE = {
    Outcome.ACCEPTED: "cyan",
    Outcome.SUCCEEDED: "green",
    Outcome.REJECTED: "yellow",
    Outcome.FAILED: "red",
    Outcome.UNKNOWN: "magenta",
}


@cache
def status_names() -> dict[int, str]:
    """Server status names from the spec's ``ServerStatus`` description ("0, 1, 3, 4 creating; 2 abnormal; ...")."""
    description = load_spec()["components"]["schemas"]["ServerStatus"]["description"]
    names: dict[int, str] = {}
    for part in description.split(".")[0].split(";"):
        match = re.match(r"\s*([\d,\s]+?)\s+([a-z][a-z ()]*)$", part.strip())
        if match:
            for number in re.findall(r"\d+", match.group(1)):
                names[int(number)] = match.group(2).strip()
    return names


def status_text(status: int) -> str:
    return f"{status} {status_names().get(status, '')}".strip()


def _message(entry: ServerResult) -> str:
    message = entry.error_msg or ""
    if entry.server_status is not None:
        message = f"{message} [now: status {status_text(entry.server_status)}]".strip()
    return message


def _outcome(entry: ServerResult) -> Text:
    return Text(entry.outcome.value, style=OUTCOME_STYLE[entry.outcome])


def _wide(entries: Sequence[ServerResult]) -> Table:
    table = Table(box=box.SIMPLE_HEAD)
    for name in ("server_id", "outcome", "error_code", "job_id", "request_id"):
        table.add_column(name, no_wrap=True)
    table.add_column("error_msg", overflow="fold", min_width=12)
    for entry in entries:
        table.add_row(
            Text(entry.server_id),
            _outcome(entry),
            Text(entry.error_code or ""),
            Text(entry.job_id or ""),
            Text(entry.request_id or ""),
            Text(_message(entry)),
        )
    return table


def _ids_cell(entry: ServerResult) -> Text:
    cell = Text(entry.server_id)
    if entry.job_id:
        cell.append("\njob ", style="dim").append(entry.job_id)
    if entry.request_id:
        cell.append("\nreq ", style="dim").append(entry.request_id)
    return cell


def _stacked(entries: Sequence[ServerResult]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_lines=True)
    table.add_column("server_id / job / request", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("error", overflow="fold", min_width=10)
    for entry in entries:
        error = Text(entry.error_code or "", style="bold")
        if message := _message(entry):
            error.append("\n" + message, style="")
        table.add_row(_ids_cell(entry), _outcome(entry), error)
    return table


def _blocks(entries: Sequence[ServerResult]) -> Group:
    lines: list[RenderableType] = []
    for entry in entries:
        lines.append(Text(entry.server_id))
        status = Text("  ").append_text(_outcome(entry))
        if entry.error_code:
            status.append(" " + entry.error_code, style="bold")
        lines.append(status)
        for label, value in (("job", entry.job_id), ("req", entry.request_id)):
            if value:
                lines.append(Text(f"  {label} ", style="dim").append(value, style=""))
        if message := _message(entry):
            lines.append(Text("  " + message))
    return Group(*lines)


def _fits(console: Console, table: Table) -> bool:
    # measured without the terminal's limit (Measurement.get clamps to it): the narrowest the table can be
    unbounded = console.options.update_width(10_000)
    return Measurement.get(console, unbounded, table).minimum <= console.width


def restart_table(console: Console, entries: Sequence[ServerResult]) -> RenderableType:
    """The widest layout that shows every full ID of ``entries`` on ``console`` (see the module docstring)."""
    for layout in (_wide, _stacked):
        table = layout(entries)
        if _fits(console, table):
            return table
    return _blocks(entries)


def summary(result: RestartResult, shown: int | None = None) -> str:
    """``N servers: 3 accepted, 1 rejected`` (plain text, for stderr)."""
    counts = ", ".join(f"{count} {name}" for name, count in result.counts().items() if count)
    tail = " (stopped at --timeout)" if result.timed_out else ""
    listed = f"; {shown} listed" if shown is not None and shown != len(result) else ""
    return f"{len(result)} servers: {counts or 'none'}{tail}{listed}"


def jobs_table(jobs: Iterable[JobInfo]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_lines=True)
    table.add_column("job_id / server_id", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("begin / end", overflow="fold")
    table.add_column("error", overflow="fold", min_width=10)
    for job in jobs:
        ids = Text(job.job_id)
        if job.server_id:
            ids.append("\n" + job.server_id)
        error = Text(job.error_code or "", style="bold")
        if job.error_msg:
            error.append("\n" + job.error_msg, style="")
        table.add_row(ids, Text(job.status.name.lower()), Text(f"{job.begin_time or ''}\n{job.end_time or ''}"), error)
    return table
