"""The ``cph`` command line.

Each sub-command lives in its own module and registers itself on :data:`app` when imported here.
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer

app = typer.Typer(
    name="cph",
    help="Restart Huawei Cloud CPH servers, run the mock CPH endpoint, and more.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from cph import __version__  # noqa: PLC0415 - only for --version

        typer.echo(f"cph {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Restart Huawei Cloud CPH servers, run the mock CPH endpoint, and more."""


def main() -> None:
    """Entry point of the ``cph`` console script."""
    _register_commands()
    app()


def _register_commands() -> None:
    # Imported for their side effect of registering commands on ``app``; kept lazy so that importing
    # ``cph.cli`` stays cheap.
    for name in ("cph.cli._mock", "cph.cli._restart", "cph.cli._jobs", "cph.cli._servers", "cph.cli._conformance"):
        importlib.import_module(name)
