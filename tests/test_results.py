"""Results: the ledger's one-entry-per-server rule and allowed transitions, and the result's views."""

from __future__ import annotations

import json

import pytest

from cph import Outcome, RestartResult, ServerResult
from cph._results import InvalidTransitionError, Ledger

A, B, C = "a" * 32, "b" * 32, "c" * 32


def test_ledger_starts_unknown_with_one_entry_per_server() -> None:
    ledger = Ledger([A, B])
    assert [e.outcome for e in ledger.result()] == [Outcome.UNKNOWN] * 2
    with pytest.raises(ValueError, match="duplicate"):
        Ledger([A, A])


@pytest.mark.parametrize(
    ("first", "then", "allowed"),
    [
        (Outcome.ACCEPTED, Outcome.SUCCEEDED, True),
        (Outcome.ACCEPTED, Outcome.FAILED, True),
        (Outcome.ACCEPTED, Outcome.REJECTED, False),
        (Outcome.ACCEPTED, Outcome.UNKNOWN, False),
        (Outcome.REJECTED, Outcome.ACCEPTED, False),
        (Outcome.REJECTED, Outcome.REJECTED, False),
        (Outcome.SUCCEEDED, Outcome.FAILED, False),
        (Outcome.UNKNOWN, Outcome.ACCEPTED, True),
        (Outcome.UNKNOWN, Outcome.UNKNOWN, True),
    ],
)
def test_ledger_transitions(first: Outcome, then: Outcome, allowed: bool) -> None:
    ledger = Ledger([A])
    ledger.record(A, first)
    if allowed:
        ledger.record(A, then)
        assert ledger.get(A).outcome is then
    else:
        with pytest.raises(InvalidTransitionError):
            ledger.record(A, then)


def test_ledger_progress_counts_settled_servers_per_phase() -> None:
    ledger = Ledger([A, B, C])
    ledger.record(A, Outcome.ACCEPTED, job_id="j" * 32)
    ledger.annotate(B, server_status=13)
    assert ledger.settled() == 1
    ledger.new_phase()
    ledger.settle(C)
    assert ledger.settled() == 1
    assert ledger.get(B).server_status == 13
    assert ledger.counts() == {"accepted": 1, "rejected": 0, "succeeded": 0, "failed": 0, "unknown": 2}
    assert len(ledger) == 3
    assert A in ledger


def test_result_views_and_json() -> None:
    result = RestartResult(
        (
            ServerResult(A, Outcome.SUCCEEDED, job_id="1" * 32, request_id="r" * 32),
            ServerResult(B, Outcome.REJECTED, error_code="CPS.1028", error_msg="frozen", request_id="r" * 32),
            ServerResult(C, Outcome.UNKNOWN, error_msg="ReadTimeout"),
        ),
        waited=True,
    )
    assert result[B].error_code == "CPS.1028"
    assert B in result
    assert "x" not in result
    assert [e.server_id for e in result.with_outcome("rejected", Outcome.UNKNOWN)] == [B, C]
    assert result.request_ids == ["r" * 32]
    assert not result.ok
    data = json.loads(result.to_json())
    assert data["counts"]["succeeded"] == 1
    assert data["servers"][2] == {
        "server_id": C,
        "outcome": "unknown",
        "job_id": None,
        "error_code": None,
        "error_msg": "ReadTimeout",
        "request_id": None,
        "server_status": None,
    }


def test_ok_means_accepted_or_after_waiting_succeeded() -> None:
    accepted = (ServerResult(A, Outcome.ACCEPTED),)
    assert RestartResult(accepted).ok
    assert not RestartResult(accepted, waited=True).ok
    assert RestartResult((ServerResult(A, Outcome.SUCCEEDED),), waited=True).ok
    assert RestartResult(()).ok


def test_result_materialises_untouched_entries_and_reuses_recorded_ones() -> None:
    ledger = Ledger([A, B, C])
    ledger.record_all([ServerResult(A, Outcome.ACCEPTED, "j" * 32)])
    ledger.annotate(B, error_msg="note")
    partial = ledger.result()
    assert [(e.server_id, e.outcome, e.job_id, e.error_msg) for e in partial] == [
        (A, Outcome.ACCEPTED, "j" * 32, None),
        (B, Outcome.UNKNOWN, None, "note"),
        (C, Outcome.UNKNOWN, None, None),
    ]
    ledger.record(C, Outcome.REJECTED, error_code="CPS.0016")
    complete = ledger.result()
    assert [e.outcome for e in complete] == [Outcome.ACCEPTED, Outcome.UNKNOWN, Outcome.REJECTED]
    assert complete[A] is partial[A]  # recorded entries are shared, not copied


def test_a_server_result_round_trips_through_one_json_line() -> None:
    entry = ServerResult("a" * 32, Outcome.ACCEPTED, "j" * 32, None, None, "r" * 32)
    line = entry.to_json()
    assert "\n" not in line
    assert ServerResult.from_json(line) == entry
    assert json.loads(line)["outcome"] == "accepted"
    verified = ServerResult("b" * 32, Outcome.UNKNOWN, error_msg="lost", server_status=11)
    assert ServerResult.from_dict(verified.to_dict()) == verified
    assert ServerResult.from_dict({"server_id": "b" * 32, "outcome": "unknown", "status": 13}).server_status == 13


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON"),
        ("[1]", "JSON object"),
        ('{"outcome": "accepted"}', "server_id"),
        ('{"server_id": "a", "outcome": "done"}', "outcome must be one of"),
        ('{"server_id": "a", "outcome": "failed", "job_id": 5}', "job_id"),
        ('{"server_id": "a", "outcome": "failed", "server_status": "5"}', "server_status"),
    ],
)
def test_a_bad_line_is_refused_naming_the_field(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerResult.from_json(line)


def test_a_result_from_entries_keeps_the_last_entry_per_server() -> None:
    first = ServerResult("a" * 32, Outcome.ACCEPTED, "j" * 32, request_id="r" * 32)
    then = ServerResult("a" * 32, Outcome.SUCCEEDED, "j" * 32, request_id="r" * 32)
    other = ServerResult("b" * 32, Outcome.REJECTED, error_code="CPS.9001")
    result = RestartResult.from_entries([first, other, then])
    assert [entry.outcome for entry in result] == [Outcome.SUCCEEDED, Outcome.REJECTED]


def test_the_ledger_reports_every_change_to_its_watcher() -> None:
    changes: list[ServerResult] = []
    ledger = Ledger(["a" * 32, "b" * 32], on_change=changes.append)
    ledger.record_all([ServerResult("a" * 32, Outcome.ACCEPTED, "j" * 32)])
    ledger.record("a" * 32, Outcome.SUCCEEDED)
    ledger.annotate("b" * 32, server_status=11)
    assert [(c.server_id[0], c.outcome, c.job_id) for c in changes] == [
        ("a", Outcome.ACCEPTED, "j" * 32),
        ("a", Outcome.SUCCEEDED, "j" * 32),
        ("b", Outcome.UNKNOWN, None),
    ]
