"""Fixtures for the conformance suite's own tests: mock endpoints (correct or faulty) on 127.0.0.1 and a runner
that executes the suite against them in a subprocess, exactly as a user would (``python -m conformance``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# The suite lives in the checkout (`conformance/`), not in the installed package: make it importable.
if str(Path(__file__).resolve().parents[2]) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parents[2]))

from conformance_testkit import SuiteResult, mock_config, run_suite
from cph_faulty import Faulty

from cph.mock import MockServer, create_app


@pytest.fixture
def serve() -> Iterator[Callable[[type[Faulty]], MockServer]]:
    """Start the mock wrapped in a variant (``Faulty`` itself is the correct mock) on a free loopback port."""
    servers: list[MockServer] = []

    def start(variant: type[Faulty]) -> MockServer:
        app = variant(create_app(mock_config()))
        server = MockServer(app=app)  # type: ignore[arg-type]  # delegates config/state to the wrapped MockApp
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def suite(tmp_path: Path) -> Callable[..., SuiteResult]:
    """``suite(server, *options, auth=...)``: run the conformance suite against ``server``."""

    def run(server: MockServer, *options: str, auth: str = "aksk") -> SuiteResult:
        return run_suite(server, tmp_path / "reports", *options, auth=auth)

    return run
