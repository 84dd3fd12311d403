"""``cph servers``: list the project's servers; ``--ids`` output feeds ``cph restart -``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from cph import CphError
from cph.cli import app
from cph.cli._common import JsonOutput, Verbose, api_failure, client, fail, settings_of, stdout
from cph.cli._render import status_names, status_text
from cph.cli._settings import ENDPOINT_PANEL, ConnectionSettings
from cph.settings import typer_options


@app.command("servers")
@typer_options(ConnectionSettings, panel=ENDPOINT_PANEL)
def servers_command(  # noqa: PLR0917 - typer maps each option to a parameter
    settings: dict[str, Any],
    status: Annotated[int | None, typer.Option("--status", help="Only servers in this status (e.g. 5 normal).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Server name contains this.")] = None,
    server_id: Annotated[str | None, typer.Option("--server-id", help="Exactly this server.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many (default: all).")] = None,
    ids_only: Annotated[bool, typer.Option("--ids", help="Print only server IDs, one per line.")] = False,
    as_json: JsonOutput = False,
    verbose: Verbose = False,
) -> None:
    """List the project's servers (ListCloudPhoneServers, newest first). `--ids` output feeds `cph restart -`."""
    chosen = settings_of(ConnectionSettings, settings)
    if status is not None and status not in status_names():
        fail(f"--status must be one of {', '.join(str(s) for s in sorted(status_names()))}")
    with client(chosen, settings, verbose=verbose) as api:
        try:
            servers = api.list_servers(status=status, server_name=name, server_id=server_id, limit=limit)
        except CphError as exc:
            api_failure(exc)
    if ids_only:
        for server in servers:
            if isinstance(server.server_id, str):  # optional in the provider contract
                typer.echo(server.server_id)
    elif as_json:
        typer.echo(json.dumps([server.to_dict() for server in servers], indent=2))
    else:
        table = Table(box=box.SIMPLE_HEAD)
        table.add_column("server_id", no_wrap=True)
        table.add_column("server_name", overflow="fold")
        table.add_column("status", overflow="fold")
        table.add_column("model / zone", overflow="fold")
        for server in servers:
            table.add_row(
                Text(str(server.server_id or "")),
                Text(str(server.server_name or "")),
                Text(status_text(server.status) if isinstance(server.status, int) else ""),
                Text(f"{server.phone_model_name or ''}\n{server.availability_zone or ''}".strip()),
            )
        stdout().print(table)
