"""What every API command of ``cph`` shares: exit codes, the endpoint options, consoles and the client.

Why the endpoint options are resolved here and not by typer alone: typer reads ``$CPH_REGION`` and ``$CPH_ENDPOINT``
as if they were typed, so ``cph restart --region X`` with ``CPH_ENDPOINT`` exported would be "two endpoints". A flag
on the command line must beat the environment; only two flags, or two variables, are a conflict.
"""

from __future__ import annotations

import re
import sys
from typing import Annotated, Any, Final, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from cph import CphClient, CphError, CredentialsError, is_fatal

EXIT_OK: Final = 0
EXIT_NOT_ALL_OK: Final = 1
EXIT_USAGE: Final = 2

ENDPOINT_PANEL: Final = "Endpoint (one of --region / --endpoint; credentials come from the environment)"

Region = Annotated[
    str | None,
    typer.Option("--region", envvar="CPH_REGION", help="Region, e.g. cn-east-3.", rich_help_panel=ENDPOINT_PANEL),
]
Endpoint = Annotated[
    str | None,
    typer.Option(
        "--endpoint", envvar="CPH_ENDPOINT", help="Endpoint URL instead of a region.", rich_help_panel=ENDPOINT_PANEL
    ),
]
ProjectId = Annotated[
    str | None,
    typer.Option(
        "--project-id",
        help="Project ID (default: $HUAWEICLOUD_SDK_PROJECT_ID).",
        rich_help_panel=ENDPOINT_PANEL,
    ),
]
JsonOutput = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Verbose = Annotated[
    bool,
    typer.Option(
        "--verbose", "-v", help="Log each HTTP call and every retry and throttle decision to stderr (no secrets)."
    ),
]

# Python parameter names in messages from the library, and the flag (or variable) a CLI user sets instead.
_FLAG_FOR_PARAMETER: Final = {
    "project_id=": "--project-id",
    "project_id": "--project-id",
    "wait_timeout": "--timeout",
    "timeout=": "--timeout",
    "rate_limit": "--rate-limit",
    "concurrency": "--concurrency",
    "region=": "--region",
    "endpoint=": "--endpoint",
}
_PARAMETER = re.compile(
    "|".join(rf"(?<![\w-]){re.escape(name)}(?![\w])" for name in sorted(_FLAG_FOR_PARAMETER, key=len, reverse=True))
)


def stdout() -> Console:
    """Wide when not a terminal, so piped tables keep one server per line for grep."""
    return Console(width=None if sys.stdout.isatty() else 240, highlight=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def in_flags(message: str) -> str:
    """``message`` with the library's parameter names replaced by the CLI flags that set them."""
    return _PARAMETER.sub(lambda match: _FLAG_FOR_PARAMETER[match.group(0)], message)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``error: message`` (escaped: it may quote server text) to stderr and exit with ``code``."""
    stderr().print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def api_failure(exc: CphError) -> NoReturn:
    """Exit for an API error: 2 when nothing can succeed until the user fixes something, else 1."""
    fail(str(exc), EXIT_USAGE if is_fatal(exc) else EXIT_NOT_ALL_OK)


def _from_command_line(ctx: typer.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"  # by name: typer may vendor its own click


def resolve_endpoint(ctx: typer.Context, region: str | None, endpoint: str | None) -> tuple[str | None, str | None]:
    """``(region, endpoint)`` with exactly one set; a flag beats a variable (see the module docstring)."""
    if region is not None and endpoint is not None:
        region_flag, endpoint_flag = _from_command_line(ctx, "region"), _from_command_line(ctx, "endpoint")
        if region_flag and not endpoint_flag:
            endpoint = None
        elif endpoint_flag and not region_flag:
            region = None
        elif region_flag:
            fail("pass only one of --region and --endpoint")
        else:
            fail("both $CPH_REGION and $CPH_ENDPOINT are set: unset one, or pass --region or --endpoint")
    if region is None and endpoint is None:
        fail("pass --region (or $CPH_REGION) or --endpoint (or $CPH_ENDPOINT)")
    return region, endpoint


def client(
    ctx: typer.Context,
    region: str | None,
    endpoint: str | None,
    project_id: str | None,
    *,
    verbose: bool = False,
    **options: Any,
) -> CphClient:
    """The client for a command's endpoint options; with ``verbose``, every call is logged to stderr."""
    from cph.cli import _verbose  # noqa: PLC0415 - only loaded when asked for

    region, endpoint = resolve_endpoint(ctx, region, endpoint)
    if verbose:
        options["transport"] = _verbose.enable()
    try:
        return CphClient(region=region, endpoint=endpoint, project_id=project_id, **options)
    except (CredentialsError, ValueError) as exc:
        fail(in_flags(str(exc)))
