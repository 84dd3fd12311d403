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
    Accepts101Ids,
    ErrorFieldsOnAcceptedJob,
    ExtraJob,
    Faulty,
    IgnoresAuth,
    JobNeverEnds,
    MalformedJson500,
    MethodNotAllowed405,
    NoRequestId,
    RequestIdMismatch,
    ReusedJobId,
    UndocumentedStatus,
    UnknownErrorCode,
    WrongStatusForCode,
)

from cph.mock import MockServer

pytestmark = pytest.mark.integration

Serve = Callable[[type[Faulty]], MockServer]
Run = Callable[..., SuiteResult]

RESTART_ONLY = ("--operations", "RestartCloudPhoneServer", "--stateful-examples", "0")

# variant -> the options that focus the run on where the fault can show
FOCUS: dict[type[Faulty], tuple[str, ...]] = {
    IgnoresAuth: ("--operations", "ListCloudPhoneServers", "--phases", "examples,fuzzing", "--max-examples", "5"),
    NoRequestId: ("--operations", "ListCloudPhoneServers", "--phases", "examples", "--stateful-examples", "0"),
    RequestIdMismatch: ("--operations", "ShowJob", "--phases", "examples", "--stateful-examples", "0"),
    Accepts101Ids: (*RESTART_ONLY, "--phases", "coverage"),
    MalformedJson500: (*RESTART_ONLY, "--phases", "examples"),
    ExtraJob: (*RESTART_ONLY, "--phases", "examples"),
    WrongStatusForCode: ("--operations", "ListJobs", "--phases", "coverage", "--stateful-examples", "0"),
    UnknownErrorCode: (*RESTART_ONLY, "--phases", "coverage"),
    JobNeverEnds: (*RESTART_ONLY, "--phases", "examples,fuzzing", "--max-examples", "3", "--job-timeout", "2"),
    UndocumentedStatus: (*RESTART_ONLY, "--phases", "examples"),
    ReusedJobId: (*RESTART_ONLY, "--phases", "examples,fuzzing", "--max-examples", "5"),
    ErrorFieldsOnAcceptedJob: (*RESTART_ONLY, "--phases", "examples"),
    MethodNotAllowed405: ("--operations", "ShowJob", "--phases", "examples", "--stateful-examples", "0"),
}


def _assert_no_secrets(result: SuiteResult, server: MockServer) -> None:
    secrets = (server.config.sk, server.config.token)
    texts = [result.output] + [path.read_text(errors="replace") for path in result.reports.glob("*") if path.is_file()]
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert not re.search(r"Signature=[0-9a-f]{64}", text), "an AK/SK signature was written out"


def test_correct_mock_passes_the_whole_suite(serve: Serve, suite: Run) -> None:
    server = serve(Faulty)
    result = suite(server, "--max-examples", "15", "--stateful-examples", "10", "--job-timeout", "10")
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


@pytest.mark.parametrize("variant", list(FOCUS), ids=lambda variant: variant.name)
def test_suite_fails_on_faulty_variant(variant: type[Faulty], serve: Serve, suite: Run) -> None:
    server = serve(variant)
    result = suite(server, *FOCUS[variant])
    assert result.returncode != 0, result.describe()
    assert variant.expected_check in result.failed_checks(), result.describe()
    failure = next(f for f in result.results["failures"] if f["check"] == variant.expected_check)
    assert failure["title"]
    _assert_no_secrets(result, server)


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
