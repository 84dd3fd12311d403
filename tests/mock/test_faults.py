"""Fault injection: seeded draws, scheduling, and what each fault does to the state."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from cph_mock_testkit import PRIMARY, Client, aksk, assert_error, make_config

from cph.mock import ConnectionDroppedError, FakeClock, FaultConfig, FaultInjector, FaultKind, MockApp, create_app

OPERATIONS = ["RestartCloudPhoneServer", "ShowJob", "ListJobs", "ListCloudPhoneServers"]
RESTART = "RestartCloudPhoneServer"


def test_no_faults_by_default() -> None:
    injector = FaultInjector(FaultConfig(), 1, OPERATIONS)
    assert not injector.active
    assert injector.draw(RESTART) is None
    assert injector.latency(RESTART) == 0.0


def test_draws_are_seeded_and_follow_the_rates() -> None:
    config = FaultConfig(error_502_rate=0.2, drop_after_rate=0.1)

    def draws() -> list[FaultKind | None]:
        injector = FaultInjector(config, 7, OPERATIONS)
        return [f.kind if (f := injector.draw(RESTART)) else None for _ in range(2000)]

    first = draws()
    assert first == draws()
    assert 300 < first.count(FaultKind.ERROR_502) < 500
    assert 120 < first.count(FaultKind.DROP_AFTER) < 280
    assert first.count(None) > 1200


def test_outcomes_are_fixed_per_kind() -> None:
    assert {k: k.outcome for k in FaultKind} == {
        FaultKind.THROTTLE_429: "not-applied",
        FaultKind.ERROR_500: "unknown",
        FaultKind.ERROR_502: "not-applied",
        FaultKind.ERROR_503: "not-applied",
        FaultKind.ERROR_504: "unknown",
        FaultKind.DROP_BEFORE: "not-applied",
        FaultKind.DROP_AFTER: "applied",
    }
    injector = FaultInjector(FaultConfig(error_504_rate=1.0, unknown_outcome_applied=0.0), 1, OPERATIONS)
    assert not injector.draw(RESTART).applied  # type: ignore[union-attr]
    injector = FaultInjector(FaultConfig(error_504_rate=1.0), 1, OPERATIONS)
    assert injector.draw(RESTART).applied  # type: ignore[union-attr]


def test_operations_filter_and_429_bursts() -> None:
    config = FaultConfig(throttle_429_rate=1.0, throttle_429_burst=3, operations=(RESTART,))
    injector = FaultInjector(config, 1, OPERATIONS)
    assert injector.draw("ListJobs") is None
    assert [injector.draw(RESTART).kind for _ in range(3)] == [FaultKind.THROTTLE_429] * 3  # type: ignore[union-attr]
    assert injector.injected[FaultKind.THROTTLE_429] == 3
    with pytest.raises(ValueError, match="unknown operations"):
        FaultInjector(FaultConfig(operations=("Nope",)), 1, OPERATIONS)


def test_scheduled_faults_come_first_and_in_order() -> None:
    injector = FaultInjector(FaultConfig(), 1, OPERATIONS)
    injector.schedule("504", FaultKind.DROP_BEFORE, operation=RESTART, applied=False)
    assert injector.active
    assert injector.draw("ListJobs") is None
    first, second = injector.draw(RESTART), injector.draw(RESTART)
    assert (first.kind, first.applied) == (FaultKind.ERROR_504, False)  # type: ignore[union-attr]
    assert (second.kind, second.applied) == (FaultKind.DROP_BEFORE, False)  # type: ignore[union-attr]
    assert injector.draw(RESTART) is None
    injector.schedule("500")
    injector.clear()
    assert injector.draw(RESTART) is None
    with pytest.raises(ValueError, match="unknown operation"):
        injector.schedule("500", operation="Nope")


def test_latency_with_jitter_is_bounded() -> None:
    injector = FaultInjector(FaultConfig(latency=0.1, latency_jitter=0.05), 1, OPERATIONS)
    values = [injector.latency(RESTART) for _ in range(100)]
    assert all(0.1 <= v < 0.15 for v in values)


# ------------------------------------------------------------------------------------------------ through the app
@pytest.fixture
def faulty(clock: FakeClock) -> MockApp:
    return create_app(make_config(), clock=clock)


def restart_one(app: MockApp, client: Client) -> tuple[str, httpx.Response]:
    server = app.state.server_ids(PRIMARY, status=5)[0]
    return server, client.restart([server])


@pytest.mark.parametrize(
    ("kind", "status", "code", "message"),
    [
        ("429", 429, "APIGW.0308", None),
        ("502", 502, "APIGW.0201", "Backend unavailable."),
        ("503", 503, "APIGW.0613", "The IAM service is currently unavailable."),
    ],
)
def test_not_applied_faults_leave_the_state_alone(
    app: MockApp, client: Client, kind: str, status: int, code: str, message: str | None
) -> None:
    before = app.state.snapshot()
    app.faults.schedule(kind)
    _server, response = restart_one(app, client)
    assert_error(response, status, code, message)
    assert app.state.snapshot() == before


@pytest.mark.parametrize(("kind", "status", "code"), [("500", 500, "APIGW.0601"), ("504", 504, "APIGW.0201")])
def test_unknown_outcome_faults_apply_then_answer_an_error(
    app: MockApp, client: Client, kind: str, status: int, code: str
) -> None:
    app.faults.schedule(kind)
    server, response = restart_one(app, client)
    assert_error(response, status, code)
    assert app.state.restart_count(server) == 1
    # The reconciling client finds the job; a blind resend is refused for this server.
    again = client.restart([server])
    assert again.json()["jobs"][0]["error_code"] == "CPS.9001"


def test_unknown_outcome_can_be_not_applied(app: MockApp, client: Client) -> None:
    app.faults.schedule("504", applied=False)
    server, response = restart_one(app, client)
    assert response.status_code == 504
    assert app.state.restart_count(server) == 0


def test_dropped_connections_in_process(app: MockApp, client: Client) -> None:
    server = app.state.server_ids(PRIMARY, status=5)[0]
    app.faults.schedule("drop-before")
    with pytest.raises(httpx.RemoteProtocolError):
        client.restart([server])
    assert app.state.restart_count(server) == 0
    app.faults.schedule("drop-after")
    with pytest.raises(ConnectionDroppedError):
        client.restart([server])
    assert app.state.restart_count(server) == 1


def test_fault_on_a_request_cph_refuses_still_answers_the_fault(app: MockApp, client: Client) -> None:
    app.faults.schedule("504")
    response = client.post(f"/v1/{PRIMARY}/cloud-phone/servers/batch-restart", content=b"{", headers={})
    assert_error(response, 504, "APIGW.0201", "Backend timeout.")


def test_faults_only_hit_authenticated_requests(app: MockApp, anonymous: Client) -> None:
    app.faults.schedule("502")
    assert_error(anonymous.get(f"/v1/{PRIMARY}/cloud-phone/servers"), 401, "APIGW.0301")
    assert app.faults.injected[FaultKind.ERROR_502] == 0


def test_latency_delays_the_answer(clock: FakeClock) -> None:
    app = create_app(make_config(faults={"latency": 0.15}), clock=clock)
    client = Client(app, aksk(clock=clock))
    try:
        started = time.monotonic()
        assert client.get(f"/v1/{PRIMARY}/cloud-phone/servers?limit=1").status_code == 200
        assert time.monotonic() - started >= 0.15
    finally:
        client.close()
    assert asyncio.iscoroutinefunction(app.__call__)
