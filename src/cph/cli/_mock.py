"""``cph mock``: run the embedded mock CPH endpoint in the foreground.

Why it prints the secret key: the mock's credentials protect nothing but the mock itself, and a developer or a CI
script needs all of them to call it. They are random unless set (``--config`` file or ``CPH_MOCK_AK``/``_SK``/
``_PROJECT_ID``/``_TOKEN``), so a printed SK is never a real one. It binds to loopback unless ``--allow-remote``.
"""

from __future__ import annotations

import contextlib
import os
import random
from typing import Annotated, Any

import typer
from pydantic import SecretStr

from cph.cli import app
from cph.mock import (
    FaultKind,
    MockConfig,
    MockSettings,
    bind_socket,
    create_app,
    is_loopback,
    random_ak,
    random_id32,
    random_sk,
    random_token,
    serve,
    url_for,
)
from cph.settings import SettingsError, load, options, typer_options


def seeded_identity(chosen: MockSettings) -> MockSettings:
    """With ``--seed``, the primary project ID, AK/SK and IAM token not given otherwise are drawn from the seed too.

    Why: the seed already fixes the fleet; a script or a bug report that says "``cph mock --seed 7``" then names the
    same project, credentials and servers on every machine, with nothing else to pass around.
    """
    if chosen.seed is None:
        return chosen
    # mock-only credentials, reproducible on purpose; a str seed is hashed the same way on every run
    rng = random.Random(f"cph mock identity {chosen.seed}")  # noqa: S311
    drawn = {
        "project_id": random_id32(rng),
        "ak": random_ak(rng),
        "sk": SecretStr(random_sk(rng)),
        "token": SecretStr(random_token(rng)),
    }
    given = {
        "project_id": chosen.project_id or (chosen.projects and chosen.projects[0].project_id),
        "ak": chosen.ak or (chosen.credentials and chosen.credentials[0].ak),
        "sk": chosen.sk or (chosen.credentials and chosen.credentials[0].sk),
        "token": chosen.token or (chosen.tokens and chosen.tokens[0].token),
    }
    return chosen.model_copy(update={key: value for key, value in drawn.items() if not given[key]})


def describe(config: MockConfig, url: str) -> str:
    """The banner ``cph mock`` prints: where the mock listens and which credentials it accepts."""
    faults = config.faults
    active = [
        f"{kind.value}={getattr(faults, field)}"
        for field, kind in (
            ("error_500_rate", FaultKind.ERROR_500),
            ("error_502_rate", FaultKind.ERROR_502),
            ("error_503_rate", FaultKind.ERROR_503),
            ("error_504_rate", FaultKind.ERROR_504),
            ("throttle_429_rate", FaultKind.THROTTLE_429),
            ("drop_before_rate", FaultKind.DROP_BEFORE),
            ("drop_after_rate", FaultKind.DROP_AFTER),
        )
        if getattr(faults, field) > 0
    ]
    if faults.latency or faults.latency_jitter:
        active.append(f"latency={faults.latency}s+{faults.latency_jitter}s")
    throttle = f"{config.throttle.rate:g} req/s per credential" if config.throttle.enabled else "off"
    project = config.projects[0]
    lines = [
        f"CPH mock endpoint  {url}",
        f"  project ID     {config.project_id}",
        f"  AK             {config.ak}",
        f"  SK             {config.sk}   (mock-only credential, printed because it guards nothing real)",
        f"  IAM token      {config.token}",
        f"  fleet          {project.fleet_size} servers, seed {config.seed}",
        f"  restart jobs   {config.job_duration:g} s each, failure rate {config.failure_rate:g}",
        f"  throttling     {throttle}",
        f"  faults         {', '.join(active) if active else 'off'}",
        "",
        "  For the official SDK and cph's client:",
        f"    export CPH_ENDPOINT={url}",
        f"    export HUAWEICLOUD_SDK_AK={config.ak}",
        f"    export HUAWEICLOUD_SDK_SK={config.sk}",
        f"    export HUAWEICLOUD_SDK_PROJECT_ID={config.project_id}",
        f"    export CPH_AUTH_TOKEN={config.token}",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


_SECRETS = ", ".join(item.env[0] for item in options(MockSettings) if item.secret)


@app.command("mock", epilog=f"Secrets have no flag (a command line shows in ps): {_SECRETS} or the --config file.")
@typer_options(MockSettings, panel="Mock (each option also from its CPH_MOCK_* variable or the --config file)")
def mock_command(
    settings: dict[str, Any],
    config_file: Annotated[
        str | None,
        typer.Option(
            "--config",
            metavar="PATH",
            help="TOML, YAML or JSON file of these options (keys as in the README; env: CPH_MOCK_CONFIG).",
        ),
    ] = None,
) -> None:
    """Run the mock CPH endpoint (restart, jobs, servers behind a simulated API gateway) until Ctrl-C."""
    try:
        chosen = seeded_identity(
            load(MockSettings, given=settings, from_command_line=True, env=os.environ, file=config_file)
        )
        config = chosen.to_config()
        mock_app = create_app(config)
    except (SettingsError, ValueError) as exc:
        typer.echo(f"Invalid mock configuration: {exc}", err=True)
        raise typer.Exit(2) from None
    if not is_loopback(chosen.host) and not chosen.allow_remote:
        typer.echo(f"Refusing to listen on non-loopback address {chosen.host}; pass --allow-remote to do so.", err=True)
        raise typer.Exit(2)
    try:
        sock = bind_socket(chosen.host, chosen.port)
    except OSError as exc:
        typer.echo(f"Cannot listen on {chosen.host}:{chosen.port}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None
    typer.echo(describe(config, url_for(sock)))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled once shut down
        serve(mock_app, sock, log_level=chosen.log_level)
    typer.echo("Mock stopped.")
