"""What every API command of ``cph`` shares: exit codes, consoles, and the client made from its settings.

Why the endpoint is resolved here and not by the settings loader alone: the loader merges sources per option, so
``cph restart --region X`` with ``CPH_ENDPOINT`` exported would be "two endpoints". A flag on the command line must
beat the environment; only two flags, or two variables, are a conflict — and only here is it known which is which.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Annotated, Any, Final, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from cph import CphClient, CphError, CredentialsError, credentials_from_env, is_fatal
from cph.cli._settings import ConnectionSettings
from cph.settings import SettingsError, load

S = TypeVar("S", bound=ConnectionSettings)

EXIT_OK: Final = 0
EXIT_NOT_ALL_OK: Final = 1
EXIT_USAGE: Final = 2

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


def endpoint_of(chosen: ConnectionSettings, given: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """``(region, endpoint)`` with exactly one set; a flag beats a variable (see the module docstring)."""
    region, endpoint = chosen.region, chosen.endpoint
    if region is not None and endpoint is not None:
        region_flag, endpoint_flag = "region" in given, "endpoint" in given
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


def settings_of(model: type[S], given: Mapping[str, Any]) -> S:
    """``model`` from defaults < environment < the command line (``given``); a bad value exits 2 naming it."""
    try:
        return load(model, given=given, from_command_line=True)
    except SettingsError as exc:
        fail(str(exc))


def client(chosen: ConnectionSettings, given: Mapping[str, Any], *, verbose: bool = False) -> CphClient:
    """The client for a command's settings; with ``verbose``, every call is logged to stderr (httpx event hooks on
    the normal transport, so proxy variables still apply)."""
    from cph.cli import _verbose  # noqa: PLC0415 - only loaded when asked for

    region, endpoint = endpoint_of(chosen, given)
    try:
        return CphClient(
            region=region,
            endpoint=endpoint,
            project_id=chosen.project_id,
            credentials=credentials_from_env(chosen.credential_environ()),
            event_hooks=_verbose.enable() if verbose else None,
            **chosen.client_options(),
        )
    except (CredentialsError, ValueError) as exc:
        fail(in_flags(str(exc)))
