"""The ``cph`` command line.

Each sub-command lives in its own module and registers itself on :data:`app` when imported here.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="cph",
    help="Restart Huawei Cloud CPH servers, run the mock CPH endpoint, and more.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Restart Huawei Cloud CPH servers, run the mock CPH endpoint, and more."""


def main() -> None:
    """Entry point of the ``cph`` console script."""
    _register_commands()
    app()


def _register_commands() -> None:
    # Imported for their side effect of registering commands on ``app``; kept lazy so that importing
    # ``cph.cli`` stays cheap.
    for name in ("cph.cli._mock", "cph.cli._restart"):
        importlib.import_module(name)
