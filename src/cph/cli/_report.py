"""Run a restart (or a wait) so that its result always reaches the user, then exit with the documented code.

Why the CLI keeps its own copy of every result (:class:`~cph.cli._record.Recorder`): the client returns the partial
result on an interrupt (:class:`cph.RestartInterrupted`), but a second Ctrl-C while it collects the in-flight answers
would lose it. Whatever happens, the user gets every server the run heard about — on stdout, and line by line in
``--output`` as it was learnt.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cph import CphError, Outcome, RestartResult, ServerResult
from cph.cli._common import EXIT_NOT_ALL_OK, EXIT_OK, api_failure, fail, stderr, stdout
from cph.cli._record import Recorder, open_output
from cph.cli._render import restart_table, summary
from cph.cli._signals import Interrupts


def parse_outcomes(text: str, flag: str) -> frozenset[Outcome]:
    """``failed,rejected`` → the outcomes; a usage error naming ``flag`` otherwise."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    valid = [outcome.value for outcome in Outcome]
    wrong = [name for name in names if name not in valid]
    if wrong or not names:
        raise typer.BadParameter(f"{', '.join(wrong) or 'nothing'} is not one of {', '.join(valid)}", param_hint=flag)
    return frozenset(Outcome(name) for name in names)


@contextmanager
def progress_bar(recorder: Recorder, total: int, *, wait: bool, enabled: bool) -> Iterator[None]:
    """A progress bar on stderr when it is a terminal, fed by the recorder: servers answered, then jobs ended."""
    if not enabled or not sys.stderr.isatty() or total == 0:
        yield
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr(), transient=True) as bar:
        answered = bar.add_task("answered", total=total)
        ended = bar.add_task("jobs ended", total=total, visible=wait)
        seen: set[str] = set()
        final: set[str] = set()

        def update(entry: ServerResult) -> None:
            if entry.outcome is not Outcome.UNKNOWN:
                seen.add(entry.server_id)
            if entry.outcome.is_final:
                final.add(entry.server_id)
            bar.update(answered, completed=len(seen))
            bar.update(ended, completed=len(final))

        recorder.listeners.append(update)
        try:
            yield
        finally:
            recorder.listeners.remove(update)


def execute(
    call: Callable[[], RestartResult],
    recorder: Recorder,
    *,
    waited: bool,
    as_json: bool,
    show: Collection[Outcome] | None,
    around: AbstractContextManager[None] | None = None,
) -> NoReturn:
    """Run ``call`` (inside ``around``, e.g. a progress bar), print its result (also when interrupted or stopped by
    an error) and exit."""
    interrupted: str | None = None
    error: CphError | None = None
    with Interrupts() as interrupts:
        try:
            with around or nullcontext():
                result = call()
        except KeyboardInterrupt as exc:  # SIGINT, or SIGTERM turned into one (cph.cli._signals)
            interrupted = interrupts.name
            # cph.RestartInterrupted carries the client's partial result; a bare one (a second signal) does not.
            partial = getattr(exc, "result", None)
            result = partial if isinstance(partial, RestartResult) else recorder.result(waited=waited)
        except CphError as exc:
            if exc.result is None:
                api_failure(exc)
            error, result = exc, exc.result
    recorder.record(result)
    print_result(result, as_json=as_json, show=show, error=error, interrupted=interrupted)
    if interrupted is not None:
        accepted = sum(1 for entry in result if entry.job_id)
        stderr().print(
            f"interrupted ({interrupted}): nothing more was sent; {accepted} servers have a restart job (IDs above)",
            soft_wrap=True,
        )
        raise typer.Exit(interrupts.exit_code)
    if error is not None:
        api_failure(error)
    raise typer.Exit(EXIT_OK if result.ok and not result.timed_out else EXIT_NOT_ALL_OK)


def run_recorded(
    server_ids: Iterable[str],
    output: Path | None,
    call: Callable[[Recorder], RestartResult],
    *,
    waited: bool,
    as_json: bool,
    show: Collection[Outcome] | None,
    progress: bool,
) -> NoReturn:
    """What ``cph restart`` and ``cph jobs --wait --from`` share: record every server of ``call(recorder)`` (also in
    ``--output``), with a progress bar, then print the result and exit (see :func:`execute`)."""
    try:
        out = open_output(output)
    except ValueError as exc:
        fail(str(exc))
    recorder = Recorder(server_ids, out)
    try:
        execute(
            lambda: call(recorder),
            recorder,
            waited=waited,
            as_json=as_json,
            show=show,
            around=progress_bar(recorder, len(recorder), wait=waited, enabled=progress),
        )
    finally:
        if out is not None:
            out.close()


def print_result(
    result: RestartResult,
    *,
    as_json: bool,
    show: Collection[Outcome] | None = None,
    error: CphError | None = None,
    interrupted: str | None = None,
) -> None:
    """The per-server table (or JSON) on stdout, the counts on stderr; ``show`` limits the servers listed."""
    entries = [entry for entry in result if show is None or entry.outcome in show]
    if as_json:
        data: dict[str, Any] = result.to_dict()
        data["servers"] = [entry.to_dict() for entry in entries]
        if error is not None:
            data["error"] = error.to_dict()
        if interrupted is not None:
            data["interrupted"] = interrupted
        typer.echo(json.dumps(data, indent=2))
    elif entries:
        console = stdout()
        console.print(restart_table(console, entries))
    stderr().print(summary(result, len(entries)), soft_wrap=True, markup=False)
