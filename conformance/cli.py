"""The suite's command line: ``cph conformance`` and ``python -m conformance``.

Why a front-end of our own before pytest: a user certifying an endpoint needs our dozen options, not pytest's four
hundred lines of help, and wants a wrong option, a dead URL or refused credentials reported in one line within
seconds — before schemathesis is even imported. So the options are parsed and validated here (typer), a preflight
request checks the endpoint (:mod:`conformance.preflight`), and only then is the pytest suite run in-process with
the finished :class:`~conformance.settings.Settings`. Arguments after ``--`` go to pytest unchanged.

The options are :class:`~conformance.settings.SuiteOptions` (declared once, ``cph.settings``). This module imports
nothing heavy: ``cph conformance`` registers it even where the ``[conformance]`` extra (pytest, schemathesis) is not
installed, and says what to install when it is run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from conformance import SUITE_DIR
from conformance.settings import Settings, SettingsError, SuiteOptions
from cph.settings import typer_options

CONTEXT = {"allow_extra_args": True, "help_option_names": ["-h", "--help"]}
EPILOG = (
    "Secrets only from the environment (or --config): CPH_CONFORMANCE_AK / _SK (or HUAWEICLOUD_SDK_AK / _SK), "
    "CPH_CONFORMANCE_TOKEN (or CPH_AUTH_TOKEN). pytest options go after --, e.g. `cph conformance -- -x -k ShowJob`."
)


@typer_options(SuiteOptions)
def conformance(
    ctx: typer.Context,
    settings: dict[str, Any],
    config: Annotated[
        Path | None, typer.Option(help=f"TOML, YAML or JSON file of these options (env: {SuiteOptions.config_env})")
    ] = None,
) -> None:
    """Certify a CPH RestartCloudPhoneServer endpoint (or the embedded mock) against the OpenAPI document and the
    error catalog: schemathesis phases, CPH checks, reports in reports/conformance/."""
    given = dict(settings)
    if config is not None:
        given["config"] = config
    raise typer.Exit(run(given, list(ctx.args)))


def _fail(message: str) -> int:
    typer.echo(f"conformance: {message}", err=True)
    return 2


def run(given: dict[str, Any], pytest_args: list[str]) -> int:
    """Validate, preflight, run the suite; the exit code (0 passed, 1 failed, 2 not run)."""
    try:
        import pytest  # noqa: PLC0415
        import schemathesis  # noqa: F401, PLC0415
    except ImportError as exc:
        return _fail(f"{exc.name} is missing: install the suite with pip install 'cph-openapi[conformance]'")
    from conformance import run as run_state  # noqa: PLC0415
    from conformance.preflight import preflight  # noqa: PLC0415

    try:
        settings = Settings.from_command_line(given, os.environ)
    except SettingsError as exc:
        return _fail(str(exc))
    if not settings.embedded and not settings.dry_run:
        problem = preflight(settings)
        if problem is not None:
            return _fail(problem)
    run_state.preset(settings)
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
