"""The suite's command line: ``cph conformance`` and ``python -m conformance``.

Why a front-end of our own before pytest: a user certifying an endpoint needs our dozen options, not pytest's four
hundred lines of help, and wants a wrong option, a dead URL or refused credentials reported in one line within
seconds — before schemathesis is even imported. So the options are parsed and validated here (typer), a preflight
request checks the endpoint (:mod:`conformance.preflight`), and only then is the pytest suite run in-process with
the finished :class:`~conformance.settings.Settings`. Arguments after ``--`` go to pytest unchanged.

This module imports nothing heavy at import time: ``cph conformance`` registers it even where the
``[conformance]`` extra (pytest, schemathesis) is not installed, and says what to install when it is run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from conformance import SUITE_DIR

_TARGET = "Target"
_BUDGET = "Budget"
_OUTPUT = "Output"

CONTEXT = {"allow_extra_args": True, "help_option_names": ["-h", "--help"]}
EPILOG = (
    "Secrets only from the environment: CPH_CONFORMANCE_AK / _SK (or HUAWEICLOUD_SDK_AK / _SK), "
    "CPH_CONFORMANCE_TOKEN (or CPH_AUTH_TOKEN). Every option also reads a CPH_CONFORMANCE_<NAME> variable. "
    "pytest options go after --, e.g. `cph conformance -- -x -k ShowJob`."
)


def conformance(
    ctx: typer.Context,
    base_url: Annotated[
        str | None,
        typer.Option(help="Endpoint to test. Default: start the embedded mock on 127.0.0.1.", rich_help_panel=_TARGET),
    ] = None,
    project_id: Annotated[str | None, typer.Option(help="Project ID of --base-url.", rich_help_panel=_TARGET)] = None,
    server_id: Annotated[
        list[str] | None,
        typer.Option(
            help="A server the run may restart (repeatable or comma-separated). Without any, a URL's restart "
            "operation is not tested.",
            rich_help_panel=_TARGET,
        ),
    ] = None,
    auth: Annotated[
        str | None, typer.Option(help="auto, aksk or token (auto: AK/SK when an AK is set).", rich_help_panel=_TARGET)
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            help="provider: the provider's documented contract (default for a URL); strict: plus our decisions "
            "(default for the embedded mock).",
            rich_help_panel=_TARGET,
        ),
    ] = None,
    rate_limit: Annotated[
        str | None,
        typer.Option(
            help="Client-side limit such as 2/s or 100/m; 'none'. Default: none for loopback, 2/s for other URLs.",
            rich_help_panel=_BUDGET,
        ),
    ] = None,
    max_examples: Annotated[
        int | None, typer.Option(help="Generated examples per operation.", rich_help_panel=_BUDGET)
    ] = None,
    stateful_examples: Annotated[
        int | None, typer.Option(help="Stateful scenarios; 0 = none.", rich_help_panel=_BUDGET)
    ] = None,
    phases: Annotated[
        str | None, typer.Option(help="Subset of examples,coverage,fuzzing,stateful.", rich_help_panel=_BUDGET)
    ] = None,
    operations: Annotated[
        str | None, typer.Option(help="Subset of the four operationIds.", rich_help_panel=_BUDGET)
    ] = (None),
    seed: Annotated[
        int | None, typer.Option(help="Data generation seed, to repeat a run.", rich_help_panel=_BUDGET)
    ] = (None),
    job_timeout: Annotated[
        float | None, typer.Option(help="Seconds a restart job has to end.", rich_help_panel=_BUDGET)
    ] = None,
    deep: Annotated[
        bool, typer.Option("--deep", help="Long run: many more examples and scenarios.", rich_help_panel=_BUDGET)
    ] = (False),
    risky: Annotated[
        bool,
        typer.Option(
            "--risky",
            help="Also run checks that can lock the AK for minutes (the gateway's lock-out after failed "
            "signatures). Never on by default.",
            rich_help_panel=_BUDGET,
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Send nothing: write every request as a curl line.", rich_help_panel=_OUTPUT),
    ] = False,
    reports_dir: Annotated[
        Path | None, typer.Option(help="Where reports go (default reports/conformance).", rich_help_panel=_OUTPUT)
    ] = None,
    mock_job_duration: Annotated[float | None, typer.Option(hidden=True)] = None,
) -> None:
    """Certify a CPH RestartCloudPhoneServer endpoint (or the embedded mock) against the OpenAPI document and the
    error catalog: schemathesis phases, CPH checks, reports in reports/conformance/."""
    values: dict[str, Any] = {
        "base_url": base_url,
        "project_id": project_id,
        "server_id": list(server_id or []),
        "auth": auth,
        "profile": profile,
        "rate_limit": rate_limit,
        "max_examples": max_examples,
        "stateful_examples": stateful_examples,
        "phases": phases,
        "operations": operations,
        "seed": seed,
        "job_timeout": job_timeout,
        "deep": deep,
        "risky": risky,
        "dry_run": dry_run,
        "reports_dir": reports_dir,
        "mock_job_duration": mock_job_duration,
    }
    raise typer.Exit(run(values, list(ctx.args)))


def _fail(message: str) -> int:
    typer.echo(f"conformance: {message}", err=True)
    return 2


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine (then no rate limit is needed by default)."""
    from cph.mock._server import is_loopback  # noqa: PLC0415 (one definition of "loopback")

    return is_loopback(urlsplit(url).hostname or "")


def run(values: dict[str, Any], pytest_args: list[str]) -> int:
    """Validate, preflight, run the suite; the exit code (0 passed, 1 failed, 2 not run)."""
    try:
        import pytest  # noqa: PLC0415
        import schemathesis  # noqa: F401, PLC0415
    except ImportError as exc:
        return _fail(f"{exc.name} is missing: install the suite with pip install 'cph-openapi[conformance]'")
    from conformance import run as run_state  # noqa: PLC0415
    from conformance.preflight import preflight  # noqa: PLC0415
    from conformance.settings import Settings, SettingsError  # noqa: PLC0415

    base_url = values.get("base_url") or os.environ.get("CPH_CONFORMANCE_BASE_URL")
    rate_note = None
    if base_url and values.get("rate_limit") is None and not os.environ.get("CPH_CONFORMANCE_RATE_LIMIT"):
        if is_loopback_url(base_url):
            values["rate_limit"] = "none"
            rate_note = "rate limit: none (loopback URL; --rate-limit to set one)"
        else:
            rate_note = "rate limit: 2/s, the safe default for a real endpoint (--rate-limit to change it)"
    try:
        settings = Settings.from_sources(values.get, os.environ)
    except SettingsError as exc:
        return _fail(str(exc))
    if not settings.embedded and not settings.dry_run:
        problem = preflight(settings)
        if problem is not None:
            return _fail(problem)
    run_state.preset(settings, notes=[rate_note] if rate_note else [])
    quiet = not pytest_args
    args = ["-c", str(SUITE_DIR / "pytest.ini"), "--rootdir", str(SUITE_DIR)]
    if quiet:
        # Our progress display and summary replace pytest's terminal output; pass pytest options to get it back.
        args += ["-p", "no:terminal"]
    code = int(pytest.main([*args, *pytest_args, str(SUITE_DIR)]))
    current = run_state.active()
    if current is None or not current.written:
        return _fail(f"the suite did not run (pytest exit code {code})") if code else code
    return code


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
app.command(context_settings=CONTEXT, epilog=EPILOG)(conformance)


def main(argv: list[str] | None = None) -> None:
    """``python -m conformance``: exits with the run's code."""
    app(args=argv, prog_name="python -m conformance")
