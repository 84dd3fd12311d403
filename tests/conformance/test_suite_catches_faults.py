"""The conformance suite passes on the correct mock and fails on each deliberately faulty variant, naming the check
that catches it. Each run is the real entry point (``python -m conformance --base-url ...``) in a subprocess against
a uvicorn server on 127.0.0.1; secrets must not appear in any output.

The faulty runs are focused (operations, phases, a small budget) to keep the test fast; the focus never helps the
suite — it only skips what cannot see the fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from conformance_testkit import SuiteResult
from cph_faulty import (
    ORIGINAL_VARIANTS,
    VARIANTS,
    Accepts21RequestIds,
    Accepts101Ids,
    AcceptsStaleDate,
    AcceptsUpperCaseIds,
    CountIsPageLength,
    EndedJobWithoutEndTime,
    ErrorFieldsOnAcceptedJob,
    ExtraJob,
    FailedJobWithoutError,
    Faulty,
    HashesReserialisedJson,
    HyphenatedServerIds,
    IgnoresAuth,
    JobNeverEnds,
    ListJobsIgnoresFilter,
    ListJobsIgnoresOffset,
    MalformedJson500,
    MethodNotAllowed405,
    NeverLocksOut,
    NoRequestId,
    OmitsOptionalFields,
    OtherProjectForbidden,
    PersistentlyUnavailable,
    RequestIdMismatch,
    RestartsBusyServer,
    ReusedJobId,
    ServersIgnoreOffset,
    ServesOtherProjects,
    ShowJobOtherServer,
    UndocumentedServerStatus,
    UndocumentedStatus,
    UnknownErrorCode,
    WrongStatusForCode,
)

from cph.mock import MockServer

pytestmark = pytest.mark.integration

Serve = Callable[[type[Faulty]], MockServer]
Run = Callable[..., SuiteResult]

RESTART_ONLY = ("--operations", "RestartCloudPhoneServer", "--stateful-examples", "0")
# Semantic scenarios only (pytest's -k after --): no generated cases, the job poll when it judges the fault.
LISTS = ("--phases", "examples", "--max-examples", "1", "--stateful-examples", "0", "--", "-k")
POLL = "test_restart_jobs_reach_terminal_status"
ALL_EXAMPLES = ("--phases", "examples", "--max-examples", "2", "--stateful-examples", "0", "--job-timeout", "10")

# variant -> the options that focus the run on where the fault can show
FOCUS: dict[type[Faulty], tuple[str, ...]] = {
    IgnoresAuth: ("--operations", "ListCloudPhoneServers", "--phases", "examples,fuzzing", "--max-examples", "5"),
    NoRequestId: ("--operations", "ListCloudPhoneServers", "--phases", "examples", "--stateful-examples", "0"),
    RequestIdMismatch: ("--operations", "ShowJob", "--phases", "examples", "--stateful-examples", "0"),
    Accepts101Ids: (*RESTART_ONLY, "--phases", "coverage"),
    MalformedJson500: (*RESTART_ONLY, "--phases", "examples"),
    ExtraJob: (*RESTART_ONLY, "--phases", "examples", "--job-timeout", "10"),
    WrongStatusForCode: ("--operations", "ListJobs", "--phases", "coverage", "--stateful-examples", "0"),
    UnknownErrorCode: (*RESTART_ONLY, "--phases", "coverage"),
    JobNeverEnds: (*RESTART_ONLY, "--phases", "examples,fuzzing", "--max-examples", "3", "--job-timeout", "2"),
    UndocumentedStatus: (*RESTART_ONLY, "--phases", "examples"),
    ReusedJobId: (*RESTART_ONLY, "--phases", "examples,fuzzing", "--max-examples", "5"),
    ErrorFieldsOnAcceptedJob: (*RESTART_ONLY, "--phases", "examples"),
    MethodNotAllowed405: ("--operations", "ShowJob", "--phases", "coverage", "--stateful-examples", "0"),
    ListJobsIgnoresFilter: (*LISTS, "test_list_jobs"),
    ListJobsIgnoresOffset: (*LISTS, "test_list_jobs"),
    ServersIgnoreOffset: (*LISTS, "test_server_pagination"),
    CountIsPageLength: (*LISTS, "test_list_jobs"),
    Accepts21RequestIds: (*LISTS, "test_request_ids_maximum"),
    FailedJobWithoutError: (*LISTS, f"test_list_jobs or {POLL}"),
    EndedJobWithoutEndTime: (*LISTS, f"test_list_jobs or {POLL}"),
    ShowJobOtherServer: (*LISTS, "test_list_jobs"),
    RestartsBusyServer: (*LISTS, "test_busy_server"),
    ServesOtherProjects: (*LISTS, "test_other_project"),
    OtherProjectForbidden: (*LISTS, "test_other_project"),
    AcceptsUpperCaseIds: (*LISTS, "test_server_id_spellings"),
    AcceptsStaleDate: (*LISTS, "test_gateway_signature_rules"),
    HashesReserialisedJson: (*LISTS, "test_gateway_signature_rules"),
    PersistentlyUnavailable: ("--operations", "ShowJob", "--phases", "examples", "--stateful-examples", "0"),
    NeverLocksOut: ("--risky", *LISTS, "test_ak_lockout"),
    OmitsOptionalFields: ALL_EXAMPLES,
    HyphenatedServerIds: ALL_EXAMPLES,
    UndocumentedServerStatus: ("--operations", "ListCloudPhoneServers", *ALL_EXAMPLES),
}
assert set(FOCUS) == set(VARIANTS), "every variant is proven"

# (variant, profile) runs that must fail, naming the check: the strict profile catches every fault; the provider
# profile every fault that breaks the provider's contract.
# The first variants run in both profiles where they break the contract; a later variant runs once, in the profile
# of the rule it breaks (a provider rule applies in the strict profile too).
FAILING = [(v, "strict") for i, v in enumerate(VARIANTS) if i < ORIGINAL_VARIANTS or not v.provider_check] + [
    (v, "provider") for v in VARIANTS if v.provider_check
]
# Provider-legal variants (they break only our decisions): the provider profile passes them.
PROVIDER_LEGAL = [v for v in VARIANTS if v.provider_check is None]


def _assert_no_secrets(result: SuiteResult, server: MockServer) -> None:
    secrets = (server.config.sk, server.config.token)
    texts = [result.output] + [path.read_text(errors="replace") for path in result.reports.glob("*") if path.is_file()]
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert not re.search(r"Signature=[0-9a-f]{64}", text), "an AK/SK signature was written out"


def test_correct_mock_passes_the_whole_suite(serve: Serve, suite: Run) -> None:
    server = serve(Faulty)
    result = suite(
        server, "--max-examples", "15", "--stateful-examples", "10", "--job-timeout", "10", "--profile", "strict"
    )
    assert result.returncode == 0, result.describe()
    assert result.results["passed"] is True
    assert not result.results["failures"]
    checks = result.results["checks"]
    for name in (
        "cph_request_id",
        "cph_error_catalog",
        "cph_server_jobs",
        "cph_job_entries",
        "cph_jobs_terminate",
        "cph_unsupported_method",
        "ignored_auth",
        "negative_data_rejection",
        "positive_data_acceptance",
    ):
        assert checks[name]["passed"] > 0, f"{name} never ran"
    for name in ("junit.xml", "report.md", "summary.txt", "results.json"):
        assert (result.reports / name).is_file()
    _assert_no_secrets(result, server)


def _with_profile(options: tuple[str, ...], profile: str) -> tuple[str, ...]:
    if "--" in options:
        split = options.index("--")
        return (*options[:split], "--profile", profile, *options[split:])
    return (*options, "--profile", profile)


@pytest.mark.parametrize(
    ("variant", "profile"), FAILING, ids=[f"{variant.name}-{profile}" for variant, profile in FAILING]
)
def test_suite_fails_on_faulty_variant(variant: type[Faulty], profile: str, serve: Serve, suite: Run) -> None:
    expected = variant.expected_check if profile == "strict" else variant.provider_check
    server = serve(variant)
    result = suite(server, *_with_profile(FOCUS[variant], profile))
    assert result.returncode != 0, result.describe()
    assert expected in result.failed_checks(), result.describe()
    failure = next(f for f in result.results["failures"] if f["check"] == expected)
    assert failure["title"]
    assert failure["rule"].startswith(f"profile {profile}: breaks "), failure["rule"]
    assert "(source: " in failure["rule"]
    _assert_no_secrets(result, server)


@pytest.mark.parametrize("variant", PROVIDER_LEGAL, ids=lambda variant: variant.name)
def test_provider_profile_passes_provider_legal_variant(variant: type[Faulty], serve: Serve, suite: Run) -> None:
    server = serve(variant)
    result = suite(server, *_with_profile(FOCUS[variant], "provider"))
    assert result.returncode == 0, result.describe()
    assert result.results["profile"] == "provider"


def test_risky_lockout_check_passes_the_correct_mock(serve: Serve, suite: Run) -> None:
    """The lock-out check (``--risky``) on the correct mock: six wrong signatures lock the AK."""
    server = serve(Faulty)
    result = suite(server, *FOCUS[NeverLocksOut])
    assert result.returncode == 0, result.describe()
    assert result.results["checks"]["cph_auth_lockout"]["passed"] == 1


def test_only_allow_listed_servers_are_restarted(serve: Serve, suite: Run) -> None:
    """As against a real account: with a two-server allow-list, every phase runs, and no other server restarts."""
    server = serve(Faulty)
    allowed = server.state.server_ids(status=5)[:2]
    options = [f"--server-id={server_id}" for server_id in allowed]
    result = suite(server, *options, "--max-examples", "10", "--stateful-examples", "5", "--job-timeout", "10")
    restarted = set(server.state.restart_counts())
    assert restarted, result.describe()
    assert restarted <= set(allowed), f"restarted outside the allow-list: {sorted(restarted - set(allowed))}"


def test_token_auth_and_dry_run(serve: Serve, suite: Run) -> None:
    """Token auth works end to end, and a dry run sends nothing yet lists every request, token redacted."""
    server = serve(Faulty)
    before = server.state.snapshot()
    result = suite(server, "--dry-run", "--max-examples", "3", auth="token")
    assert result.returncode == 0, result.describe()
    listing = (result.reports / "dry-run.sh").read_text()
    assert listing.count("curl ") >= 10
    assert "x-auth-token: <redacted>" in listing
    assert server.state.snapshot() == before, "a dry run must not change anything"
    assert result.results["test_cases"] == 0
    _assert_no_secrets(result, server)
