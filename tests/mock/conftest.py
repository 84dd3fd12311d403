"""Fixtures for the mock's tests: a fake clock, in-process clients and a real server on loopback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cph_mock_testkit import START, Client, aksk, make_config

from cph.mock import FakeClock, MockApp, MockConfig, MockServer, create_app


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def config() -> MockConfig:
    return make_config()


@pytest.fixture
def app(config: MockConfig, clock: FakeClock) -> MockApp:
    return create_app(config, clock=clock)


@pytest.fixture
def client(app: MockApp, clock: FakeClock) -> Iterator[Client]:
    """An in-process client signing as the primary AK/SK, with X-Sdk-Date from the fake clock."""
    c = Client(app, aksk(clock=clock))
    yield c
    c.close()


@pytest.fixture
def anonymous(app: MockApp) -> Iterator[Client]:
    """An in-process client without credentials (set them per request)."""
    c = Client(app, None)
    yield c
    c.close()


@pytest.fixture
def server() -> Iterator[MockServer]:
    """A real uvicorn server on loopback, wall clock, short jobs."""
    with MockServer(make_config(job_duration=0.6)) as mock:
        yield mock
