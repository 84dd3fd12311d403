"""The restart table at 80, 120 and 200 columns (and narrower): every full ID, outcome and error code is visible,
and server-provided text is never taken for rich markup."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from cph import Outcome, RestartResult, ServerResult
from cph.cli._render import restart_table

SERVER = "1234567b8bab40ffb711234cb80d0234"


def entries() -> list[ServerResult]:
    return [
        ServerResult(SERVER, Outcome.ACCEPTED, job_id="a" * 32, request_id="b" * 32),
        ServerResult(
            "c" * 32,
            Outcome.REJECTED,
            error_code="CPS.9001",
            error_msg="Server status does not allow restart. [bold]not markup[/bold]",
            request_id="d" * 32,
        ),
        ServerResult("e" * 32, Outcome.UNKNOWN, error_code="APIGW.0601", error_msg="Internal error.", server_status=11),
        ServerResult("f" * 32, Outcome.FAILED, job_id="0" * 32, request_id="1" * 32, error_code="CPS.0003"),
        ServerResult("9" * 32, Outcome.SUCCEEDED, job_id="2" * 32, request_id="3" * 32),
    ]


def render(width: int, rows: list[ServerResult]) -> list[str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False)
    console.print(restart_table(console, rows))
    lines = buffer.getvalue().splitlines()
    assert all(len(line.rstrip()) <= width for line in lines), "nothing wider than the terminal"
    return lines


@pytest.mark.parametrize("width", [36, 50, 80, 120, 200])
def test_every_full_id_outcome_and_code_is_visible(width: int) -> None:
    lines = render(width, entries())
    text = "\n".join(lines)
    for entry in entries():
        ids = [entry.server_id, entry.job_id, entry.request_id]
        for value in filter(None, ids):
            assert any(value in line for line in lines), f"{value} not on one line at {width} columns:\n{text}"
        assert entry.outcome.value in text
        if entry.error_code:
            assert entry.error_code in text
        if width >= 80:  # a table: outcome and error code on the server ID's line, seen together
            head = next(line for line in lines if entry.server_id in line)
            assert entry.outcome.value in head
            if entry.error_code:
                assert entry.error_code in head


@pytest.mark.parametrize("width", [80, 120])
def test_server_text_is_not_markup(width: int) -> None:
    text = " ".join(line.strip() for line in render(width, entries()))
    assert "[bold]not markup[/bold]" in text
    assert "[now: status 11 shutting down]" in text


def test_wide_terminals_get_one_line_per_server() -> None:
    lines = render(200, entries())
    for entry in entries():
        line = next(line for line in lines if entry.server_id in line)
        for value in filter(None, [entry.job_id, entry.request_id, entry.error_code]):
            assert value in line


def test_a_long_run_renders_every_row() -> None:
    rows = [ServerResult(f"{i:032x}", Outcome.ACCEPTED, job_id=f"{i:031x}j", request_id="r" * 32) for i in range(300)]
    text = "\n".join(render(80, rows))
    assert all(row.server_id in text and str(row.job_id) in text for row in rows)
    assert len(RestartResult(tuple(rows))) == 300
