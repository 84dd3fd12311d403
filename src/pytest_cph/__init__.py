"""pytest plugin of cph-openapi: the ``cph_mock`` fixture, a running embedded CPH mock for your own tests.

Installed with the package (entry point ``pytest11``), so ``pytest --fixtures`` lists it with nothing to configure::

    @pytest.mark.cph_mock(fleet_size=5, seed=1, rate_limit=20, faults={"error_503_rate": 0.1})
    def test_restart(cph_mock):
        with CphClient(endpoint=cph_mock.endpoint) as client:   # credentials from the environment the fixture set
            client.restart(cph_mock.normal_server_ids[:2], wait=True)
        assert cph_mock.state.restart_counts() == ...

Why a top-level module that imports nothing but pytest: pytest imports every installed plugin at start-up, in every
project of the environment, and importing ``cph`` (httpx, the client, the spec) would add 0.1–0.25 s to runs that
never use the fixture. The mock is imported when a test first asks for it. The fixture itself stays thin: the handle
and the environment it sets are :class:`cph.testing.CphMock`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from cph.testing import CphMock

__all__ = ["cph_mock", "cph_mock_factory", "pytest_configure"]

MARKER = "cph_mock"
_NO_PROXY = ("NO_PROXY", "no_proxy")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, so that ``--strict-markers`` accepts it."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): options of the cph_mock fixture's mock (fleet_size, seed, rate_limit, faults, "
        "job_duration, failure_rate, ... — any cph.mock.MockConfig.generate option)",
    )


@pytest.fixture
def cph_mock_factory() -> Iterator[Callable[..., CphMock]]:
    """Start mocks yourself: ``cph_mock_factory(fleet_size=3, seed=1)`` returns a running :class:`cph.testing.CphMock`
    (any ``cph.mock.MockConfig.generate`` option); each is stopped after the test. The environment is not changed."""
    from cph.testing import running_mock  # noqa: PLC0415 (lazy: see the module docstring)

    with ExitStack() as stack:

        def start(**options: Any) -> CphMock:
            return stack.enter_context(running_mock(**options))

        yield start


@pytest.fixture
def cph_mock(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, cph_mock_factory: Callable[..., CphMock]
) -> CphMock:
    """A running embedded CPH mock on 127.0.0.1 (uvicorn), and the environment pointing clients at it.

    Options come from ``@pytest.mark.cph_mock(...)`` (the closest marker wins per option; jobs end after 0.2 s unless
    ``job_duration`` is given). Sets ``CPH_ENDPOINT``, ``HUAWEICLOUD_SDK_AK``/``_SK``/``_PROJECT_ID`` (and
    ``_SECURITY_TOKEN`` for temporary credentials), ``CPH_AUTH_TOKEN``; adds 127.0.0.1 to ``NO_PROXY``; removes
    ``CPH_REGION`` and the SDK's federated-login variables — all undone after the test. The handle exposes
    ``endpoint``, ``project_id``, ``ak``/``sk``/``token`` (hidden from its repr), ``server_ids``,
    ``normal_server_ids``, ``state`` and ``faults``.
    """
    from cph.testing import FIXTURE_DEFAULTS  # noqa: PLC0415 (lazy: see the module docstring)

    options = dict(FIXTURE_DEFAULTS)
    for marker in reversed(list(request.node.iter_markers(MARKER))):  # outermost first, so the closest wins
        if marker.args:
            pytest.fail(f"@pytest.mark.{MARKER} takes keyword options only, got {marker.args!r}", pytrace=False)
        options.update(marker.kwargs)
    problem = None
    try:
        mock = cph_mock_factory(**options)
    except (TypeError, ValueError) as exc:  # cph.mock.ConfigError is a ValueError
        problem = f"@pytest.mark.{MARKER}: {exc}"
    if problem is not None:  # outside the except block: one line, no chained traceback
        pytest.fail(problem, pytrace=False)
    for name, value in mock.env.items():
        monkeypatch.setenv(name, value)
    for name in mock.env_unset:
        monkeypatch.delenv(name, raising=False)
    for name in _NO_PROXY:  # a proxy variable must not send loopback traffic to a proxy
        current = os.environ.get(name)
        monkeypatch.setenv(name, f"{current},127.0.0.1" if current else "127.0.0.1")
    return mock
