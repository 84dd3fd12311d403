"""``--output`` JSON lines and reading them back with ``--from``: latest line per server wins, torn lines are skipped,
``--json`` output is accepted too, and every line is on disk as soon as the server's result is known."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest

from cph import Outcome, RestartResult, ServerResult
from cph.cli._record import Recorder, open_output, read_results

A, B, C = "a" * 32, "b" * 32, "c" * 32


def test_each_change_is_one_flushed_line_and_repeats_are_not_written(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    out = open_output(path)
    assert out is not None
    recorder = Recorder([A, B], out)
    recorder(ServerResult(A, Outcome.ACCEPTED, job_id="j" * 32, request_id="r" * 32))
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1  # on disk before the file is closed
    recorder(ServerResult(A, Outcome.ACCEPTED, job_id="j" * 32, request_id="r" * 32))
    recorder(ServerResult(A, Outcome.SUCCEEDED, job_id="j" * 32, request_id="r" * 32))
    recorder.record(RestartResult((ServerResult(A, Outcome.SUCCEEDED, job_id="j" * 32, request_id="r" * 32),
                                   ServerResult(B, Outcome.UNKNOWN))))  # fmt: skip
    out.close()
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(line["server_id"], line["outcome"]) for line in lines] == [
        (A, "accepted"),
        (A, "succeeded"),
        (B, "unknown"),
    ]


def test_the_recorder_is_thread_safe() -> None:
    buffer = io.StringIO()
    ids = [f"{i:032x}" for i in range(400)]
    recorder = Recorder(ids, buffer)
    threads = [
        threading.Thread(target=lambda part=part: [recorder(ServerResult(i, Outcome.ACCEPTED)) for i in part])
        for part in (ids[:200], ids[200:])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(json.loads(line)["server_id"] for line in buffer.getvalue().splitlines()) == ids


def test_without_the_clients_result_every_server_is_still_reported() -> None:
    recorder = Recorder([A, B, A])
    recorder(ServerResult(B, Outcome.ACCEPTED, job_id="j" * 32))
    result = recorder.result(waited=False)
    assert [(e.server_id, e.outcome) for e in result] == [(A, Outcome.UNKNOWN), (B, Outcome.ACCEPTED)]


def test_reading_takes_the_latest_line_per_server_and_skips_torn_ones(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    rows = [
        ServerResult(A, Outcome.ACCEPTED, job_id="j" * 32, request_id="r" * 32),
        ServerResult(B, Outcome.REJECTED, error_code="CPS.9001"),
        ServerResult(A, Outcome.FAILED, job_id="j" * 32, request_id="r" * 32, error_code="CPS.0003"),
    ]
    text = "".join(json.dumps(row.to_dict()) + "\n" for row in rows) + '{"server_id": "' + C
    path.write_text(text, encoding="utf-8")
    result, unreadable = read_results(path)
    assert unreadable == 1
    assert [(e.server_id, e.outcome, e.error_code) for e in result] == [
        (A, Outcome.FAILED, "CPS.0003"),
        (B, Outcome.REJECTED, "CPS.9001"),
    ]


def test_reading_the_json_output_of_restart(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    path.write_text(RestartResult((ServerResult(A, Outcome.ACCEPTED, job_id="j" * 32),)).to_json(indent=2), "utf-8")
    result, unreadable = read_results(path)
    assert unreadable == 0
    assert result[A].job_id == "j" * 32


@pytest.mark.parametrize(("content", "message"), [(None, "cannot read --from"), ("nothing\n", "holds no server")])
def test_unreadable_files_are_usage_errors(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "out.jsonl"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_results(path)
