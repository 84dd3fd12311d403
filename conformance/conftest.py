"""pytest plumbing of the conformance suite: options, the run, the target fixture, report writing.

Run it with ``python -m conformance [options]`` (which is ``pytest -c conformance/pytest.ini conformance``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from conformance import run as run_state
from conformance import transient
from conformance.progress import Progress
from conformance.redact import Redactor
from conformance.report import ReportCollector, TestOutcome
from conformance.run import Run, limiter
from conformance.settings import Settings, SettingsError, SuiteOptions
from conformance.target import Target
from cph.settings import add_pytest_options

LAST_TEST = "test_restart_jobs_reach_terminal_status"
PROFILE_MEANING = {
    "provider": "the provider's documented contract only",
    "strict": "the provider's contract plus our decisions",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "cph",
        "CPH conformance (each option also from its variable or --config; credentials only from there: "
        "CPH_CONFORMANCE_AK, _SK, _SECURITY_TOKEN, _TOKEN or the SDK's HUAWEICLOUD_SDK_*, CPH_AUTH_TOKEN)",
    )
    add_pytest_options(group, SuiteOptions)
    group.addoption(
        "--config", metavar="PATH", help=f"TOML, YAML or JSON file of these options (env: {SuiteOptions.config_env})"
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist") and config.getoption("numprocesses", None):
        raise pytest.UsageError(
            "conformance: run the suite in one process (no -n): the job poll and the reports are per process"
        )
    preset = run_state.preset_settings()
    if preset is not None:
        settings = preset
    else:
        # pytest started directly (pytest -c conformance/pytest.ini): its own options, variables, --config.
        try:
            settings = Settings.from_sources(config.getoption, os.environ)
        except SettingsError as exc:
            raise pytest.UsageError(f"conformance: {exc}") from None
    redactor = Redactor(settings.secrets)
    report = ReportCollector(redactor, dry_run=settings.dry_run, profile=settings.profile)
    run = Run(settings, redactor, report, limiter(settings.budget.rate_limit))
    if config.pluginmanager.is_blocked("terminal") and not config.getoption("collectonly"):
        run.progress = Progress()
        run.progress.__enter__()
    run_state.install(run)
    if not settings.embedded and not settings.server_ids and "RestartCloudPhoneServer" in settings.operations:
        report.note(
            "RestartCloudPhoneServer was not tested: no --server-id allow-list was given for this real endpoint"
        )
    if "RestartCloudPhoneServer" not in settings.operations_under_test:
        report.note("no restart was requested, so cph_jobs_terminate had nothing to follow")


@pytest.fixture(scope="session")
def target() -> Target:
    """The endpoint under test: the embedded mock is started by the first test that needs it and stopped after
    the session's reports are written (see ``Run.open_target``)."""
    return run_state.current().open_target()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The job poll follows the jobs every other test created, so it runs last.
    # The AK lock-out check (--risky) runs after it: the AK is locked afterwards.
    order = {LAST_TEST: 1, "test_ak_lockout": 2}
    items.sort(key=lambda item: order.get(getattr(item, "originalname", item.name), 0))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    run = run_state.active()
    if run is None:
        return
    if report.when == "call" or not report.passed:
        outcome = report.outcome if report.when == "call" or report.skipped else "error"
        message = str(report.longrepr) if report.longrepr is not None and not report.passed else ""
        if report.skipped and isinstance(report.longrepr, tuple):
            message = str(report.longrepr[2])
        run.report.record_test(TestOutcome(report.nodeid, outcome, report.duration, message))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A module that cannot even be collected (the schema did not load, ...) is an error of the run, not silence."""
    run = run_state.active()
    if run is not None and report.failed:
        run.report.record_test(TestOutcome(report.nodeid or "collection", "error", 0.0, str(report.longrepr)))


def _header(run: Run) -> list[str]:
    settings = run.settings
    budget = settings.budget
    target = run.target
    what = (
        target.description
        if target is not None
        else ("embedded mock" if settings.embedded else f"endpoint {settings.base_url}")
    )
    return [
        f"target: {what}",
        f"profile: {settings.profile} ({PROFILE_MEANING[settings.profile]})",
        f"phases: {', '.join(settings.phases)}; operations: {', '.join(settings.operations_under_test)}",
        f"budget: {budget.max_examples} examples/operation, {budget.stateful_examples} stateful scenarios x "
        f"{budget.stateful_steps} steps, job timeout {budget.job_timeout:g} s",
        f"rate limit: {budget.rate_limit or 'none'} ({settings.rate_limit_reason})"
        + (", deep" if settings.deep else "")
        + (", DRY RUN (nothing sent)" if settings.dry_run else ""),
        f"seed: {settings.seed} (rerun with --seed {settings.seed} to repeat the generated data)",
    ]


def _meta(run: Run) -> dict[str, Any]:
    settings = run.settings
    return {
        "target": run.target.description if run.target is not None else None,
        "embedded": settings.embedded,
        "profile": settings.profile,
        "auth": settings.auth_mode,
        "phases": list(settings.phases),
        "operations": list(settings.operations_under_test),
        "max_examples": settings.budget.max_examples,
        "stateful_examples": settings.budget.stateful_examples,
        "rate_limit": settings.budget.rate_limit,
        "job_timeout": settings.budget.job_timeout,
        "seed": settings.seed,
        "deep": settings.deep,
        "dry_run": settings.dry_run,
        "allow_list_size": len(settings.server_ids),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


_WRITTEN: pytest.StashKey[dict[str, Path]] = pytest.StashKey()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # trylast: after schemathesis' own sessionfinish, which runs the checks' after_run.
    run = run_state.active()
    if run is None or session.config.getoption("collectonly"):
        return
    run.report.transient = dict(transient.COUNTER.by_status)
    try:
        header = _header(run)
        paths = run.report.write(run.settings.reports_dir, header, _meta(run))
        session.config.stash[_WRITTEN] = paths
        run.written = True
    finally:
        run.close()
        if run.progress is not None:
            run.progress.__exit__(None, None, None)
    if run.report.failed and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if run.progress is not None:  # pytest's terminal output is off: the summary is ours to print
        print("\n".join([*run.report.summary_lines(header), "", *(f"{n}: {p}" for n, p in paths.items())]))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = run_state.active()
    paths = config.stash.get(_WRITTEN, None)
    if run is None or paths is None:
        return
    terminalreporter.write_sep("=", "CPH conformance summary")
    for line in run.report.summary_lines(_header(run)):
        terminalreporter.write_line(line)
    terminalreporter.write_line("")
    for name, path in paths.items():
        terminalreporter.write_line(f"{name}: {path}")
