"""Checks of the documented semantics (see :mod:`conformance.semantics`): list filters, pagination and maximums,
agreement between restart, ShowJob and ListJobs, a busy server, other projects and ID spellings, the gateway's
signature rules. Each test records its verdicts under the check's name (rule, profile and source in
:mod:`conformance.rules`) and fails when one of them failed. Checks whose rule is not the profile's are skipped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from conformance import rules, semantics
from conformance import run as run_state
from conformance.jobs import AcceptedJob
from conformance.semantics import Prober, Restarted, Verdict
from conformance.target import Target

RUN = run_state.current()
SETTINGS = RUN.settings
RESTART_TESTED = "RestartCloudPhoneServer" in SETTINGS.operations_under_test

pytestmark = pytest.mark.skipif(SETTINGS.dry_run, reason="dry run: nothing is sent")
needs_restart = pytest.mark.skipif(not RESTART_TESTED, reason="RestartCloudPhoneServer is not tested")


def strict_only(check: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not rules.applies(check, SETTINGS.profile), reason="strict profile only (our decision)")


@pytest.fixture(scope="module")
def probe(target: Target) -> Iterator[Prober]:
    with semantics.prober(target, RUN.limiter, RUN.redactor, SETTINGS.budget.request_timeout) as prober:
        yield prober


def _record(verdicts: list[Verdict]) -> None:
    for verdict in verdicts:
        RUN.report.record(verdict.check, verdict.operation, verdict.failure)
        if RUN.progress is not None:
            RUN.progress.case("semantic checks", "semantics")
    failed = [v.failure for v in verdicts if v.failure is not None]
    assert not failed, "\n".join(f"[{f.check}] {f.title}: {f.message}" for f in failed)


def _track(restarted: Restarted, project_id: str) -> None:
    """Hand the scenario's jobs to the job poll, which follows every accepted job to its end."""
    for job_id, server_id in restarted.jobs.items():
        RUN.jobs.record(AcceptedJob(job_id, server_id, restarted.request_id, project_id, time.monotonic()))


def _accepted_restart(probe: Prober, servers: list[str], skip: set[str]) -> Restarted | None:
    """A restart of the first allow-listed server (not in ``skip``) that the endpoint accepts."""
    for server in servers:
        if server in skip:
            continue
        restarted = semantics.restart(probe, [server])
        if restarted is not None:
            _track(restarted, probe.target.project_id)
            if restarted.jobs:
                return restarted
    return None


@needs_restart
def test_list_jobs_filters_pages_and_agreement(probe: Prober, target: Target) -> None:
    servers = sorted(target.allowlist)[:6]
    first = _accepted_restart(probe, servers, set())
    if first is None:
        pytest.skip("no allow-listed server accepted a restart (all busy or refused)")
    second = _accepted_restart(probe, servers, set(first.jobs.values()))
    if second is None:  # a single allow-listed server: restart it again once its first job has ended
        semantics.wait_idle(probe, list(first.jobs), SETTINGS.budget.job_timeout)
        second = _accepted_restart(probe, servers, set())
    if second is None:
        pytest.skip("only one restart could be made")
    verdicts = semantics.list_filters(probe, first, second)
    verdicts += semantics.list_jobs_pages(probe, [first, second], SETTINGS.profile)
    verdicts += semantics.agreement(probe, first)
    _record(verdicts)


def test_server_pagination(probe: Prober) -> None:
    if "ListCloudPhoneServers" not in SETTINGS.operations_under_test:
        pytest.skip("ListCloudPhoneServers is not tested")
    _record(semantics.server_pages(probe))


def test_request_ids_maximum(probe: Prober) -> None:
    if "ListJobs" not in SETTINGS.operations_under_test:
        pytest.skip("ListJobs is not tested")
    _record(semantics.request_id_maximum(probe))


@needs_restart
@strict_only("cph_busy_server")
def test_busy_server(probe: Prober, target: Target) -> None:
    for server in sorted(target.allowlist)[-3:]:
        verdicts = semantics.busy_server(probe, server)
        if verdicts:
            _record(verdicts)
            return
    pytest.skip("inconclusive: no allow-listed server stayed busy long enough to be restarted twice")


def test_other_project_refused(probe: Prober, target: Target) -> None:
    allowed = sorted(target.allowlist)[0] if RESTART_TESTED and target.allowlist else None
    _record(semantics.other_project(probe, SETTINGS.profile, allowed))


@needs_restart
@strict_only("cph_server_id_format")
def test_server_id_spellings(probe: Prober, target: Target) -> None:
    _record(semantics.server_id_format(probe, sorted(target.allowlist)[0]))


def test_gateway_signature_rules(probe: Prober, target: Target) -> None:
    if target.auth_mode != "aksk":
        pytest.skip("token auth: the signature rules need AK/SK")
    _record(semantics.gateway_auth(probe))


@pytest.mark.skipif(not SETTINGS.risky, reason="locks the AK for minutes: only with --risky")
def test_ak_lockout(probe: Prober, target: Target) -> None:
    """Runs after every other test (see conftest): the AK is locked afterwards."""
    if target.auth_mode != "aksk":
        pytest.skip("token auth: lock-out is an AK/SK rule")
    _record(semantics.lockout(probe))
