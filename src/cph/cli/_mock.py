"""``cph mock``: run the embedded mock CPH endpoint in the foreground.

Why it prints the secret key: the mock's credentials protect nothing but the mock itself, and a developer or a CI
script needs all of them to call it. They are random unless set (``--config`` file or ``CPH_MOCK_AK``/``_SK``/
``_PROJECT_ID``/``_TOKEN``), so a printed SK is never a real one. It binds to loopback unless ``--allow-remote``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from cph.cli import app
from cph.mock import ConfigError, FaultKind, MockConfig, create_app
from cph.mock._server import bind_socket, is_loopback, serve, url_for

_FAULTS = "Fault injection (opt-in; rates are per request, 0..1)"

_FAULT_OPTIONS = {
    "fault_latency": "latency",
    "fault_latency_jitter": "latency_jitter",
    "fault_500": "error_500_rate",
    "fault_502": "error_502_rate",
    "fault_503": "error_503_rate",
    "fault_504": "error_504_rate",
    "fault_429": "throttle_429_rate",
    "fault_429_burst": "throttle_429_burst",
    "fault_drop_before": "drop_before_rate",
    "fault_drop_after": "drop_after_rate",
    "fault_unknown_applied": "unknown_outcome_applied",
    "fault_seed": "seed",
}


def build_config(config_file: Path | None, options: dict[str, Any], fault_options: dict[str, Any]) -> MockConfig:
    """The mock's config: file, then ``CPH_MOCK_*`` variables, then the command line (``None`` = not given)."""
    config = MockConfig.load(config_file, env=os.environ, **options)
    overrides: dict[str, Any] = {
        _FAULT_OPTIONS[name]: value
        for name, value in fault_options.items()
        if name in _FAULT_OPTIONS and value is not None
    }
    operations = fault_options.get("fault_operation")
    if operations:
        overrides["operations"] = tuple(operations)
    if overrides:
        config = dataclasses.replace(config, faults=dataclasses.replace(config.faults, **overrides))
    return config


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
        f"    export HUAWEICLOUD_SDK_AK={config.ak}",
        f"    export HUAWEICLOUD_SDK_SK={config.sk}",
        f"    export HUAWEICLOUD_SDK_PROJECT_ID={config.project_id}",
        f"    export CPH_AUTH_TOKEN={config.token}",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


@app.command("mock")
def mock_command(  # noqa: PLR0917 - typer maps each option to a parameter
    host: Annotated[str, typer.Option(help="Address to listen on (loopback unless --allow-remote).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 8080,
    config_file: Annotated[
        Path | None,
        typer.Option("--config", help="TOML, YAML or JSON config file (default: $CPH_MOCK_CONFIG).", dir_okay=False),
    ] = None,
    fleet_size: Annotated[int | None, typer.Option(help="Servers in the primary project.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the fleet, job outcomes and faults.")] = None,
    job_duration: Annotated[float | None, typer.Option(help="Seconds a restart job runs (0 allowed).")] = None,
    failure_rate: Annotated[float | None, typer.Option(help="Share of restart jobs that fail (0..1).")] = None,
    rate_limit: Annotated[float | None, typer.Option(help="Requests/s per credential; 0 = no throttling.")] = None,
    max_body_bytes: Annotated[int | None, typer.Option(help="Largest accepted body (default 12 MiB).")] = None,
    max_jobs: Annotated[
        int | None, typer.Option(help="Jobs kept per project; the oldest finished requests' jobs are forgotten.")
    ] = None,
    validate_responses: Annotated[
        bool | None, typer.Option(help="Check every response against the spec (slower).")
    ] = None,
    fault_latency: Annotated[float | None, typer.Option(help="Seconds added.", rich_help_panel=_FAULTS)] = None,
    fault_latency_jitter: Annotated[
        float | None, typer.Option(help="Up to this many more seconds.", rich_help_panel=_FAULTS)
    ] = None,
    fault_500: Annotated[
        float | None, typer.Option(help="500 APIGW.0601 (unknown outcome).", rich_help_panel=_FAULTS)
    ] = None,
    fault_502: Annotated[
        float | None, typer.Option(help="502 Backend unavailable (not applied).", rich_help_panel=_FAULTS)
    ] = None,
    fault_503: Annotated[
        float | None, typer.Option(help="503 APIGW.0613 (not applied).", rich_help_panel=_FAULTS)
    ] = None,
    fault_504: Annotated[
        float | None, typer.Option(help="504 Backend timeout (unknown outcome).", rich_help_panel=_FAULTS)
    ] = None,
    fault_429: Annotated[
        float | None, typer.Option(help="Start a burst of 429 APIGW.0308 (not applied).", rich_help_panel=_FAULTS)
    ] = None,
    fault_429_burst: Annotated[
        int | None, typer.Option(help="Requests per 429 burst.", rich_help_panel=_FAULTS)
    ] = None,
    fault_drop_before: Annotated[
        float | None, typer.Option(help="Close the connection, not applied.", rich_help_panel=_FAULTS)
    ] = None,
    fault_drop_after: Annotated[
        float | None, typer.Option(help="Apply, then close the connection.", rich_help_panel=_FAULTS)
    ] = None,
    fault_unknown_applied: Annotated[
        float | None,
        typer.Option(help="Probability that a 500/504 fault was applied (default 1).", rich_help_panel=_FAULTS),
    ] = None,
    fault_operation: Annotated[
        list[str] | None,
        typer.Option(help="Only fault this operationId (repeatable; default all).", rich_help_panel=_FAULTS),
    ] = None,
    fault_seed: Annotated[
        int | None, typer.Option(help="Seed of the faults (default: --seed).", rich_help_panel=_FAULTS)
    ] = None,
    allow_remote: Annotated[
        bool, typer.Option(help="Allow a non-loopback --host (the mock accepts its printed credentials).")
    ] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Run the mock CPH endpoint (restart, jobs, servers behind a simulated API gateway) until Ctrl-C."""
    if not is_loopback(host) and not allow_remote:
        typer.echo(f"Refusing to listen on non-loopback address {host}; pass --allow-remote to do so.", err=True)
        raise typer.Exit(2)
    options = {
        "fleet_size": fleet_size,
        "seed": seed,
        "job_duration": job_duration,
        "failure_rate": failure_rate,
        "rate_limit": rate_limit,
        "max_body_bytes": max_body_bytes,
        "max_jobs": max_jobs,
        "validate_responses": validate_responses,
    }
    fault_options = {
        "fault_latency": fault_latency,
        "fault_latency_jitter": fault_latency_jitter,
        "fault_500": fault_500,
        "fault_502": fault_502,
        "fault_503": fault_503,
        "fault_504": fault_504,
        "fault_429": fault_429,
        "fault_429_burst": fault_429_burst,
        "fault_drop_before": fault_drop_before,
        "fault_drop_after": fault_drop_after,
        "fault_unknown_applied": fault_unknown_applied,
        "fault_operation": fault_operation,
        "fault_seed": fault_seed,
    }
    try:
        config = build_config(config_file, options, fault_options)
        mock_app = create_app(config)
    except (ConfigError, ValueError) as exc:
        typer.echo(f"Invalid mock configuration: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        typer.echo(f"Cannot listen on {host}:{port}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None
    typer.echo(describe(config, url_for(sock)))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled once shut down
        serve(mock_app, sock, log_level=log_level)
    typer.echo("Mock stopped.")
