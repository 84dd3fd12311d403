"""A running embedded mock for your own tests, and the environment that points CPH clients at it.

Why: moto's lesson — people test code that calls a cloud API when a faithful stand-in is one line away. This module
is what the ``cph_mock`` pytest fixture (plugin ``pytest_cph``, installed with the package) hands to a test; it works
without pytest too::

    with running_mock(fleet_size=5, seed=1) as mock:
        os.environ.update(mock.env)          # or pass mock.endpoint / mock.ak / ... explicitly
        CphClient(endpoint=mock.endpoint).restart(mock.normal_server_ids[:2], wait=True)

It uses only the mock's public API (:mod:`cph.mock`): a :class:`~cph.mock.MockServer` on 127.0.0.1 served by uvicorn.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cph._credentials import mask_access_key
from cph.mock import FaultInjector, MockConfig, MockServer, MockState

__all__ = ["ENV_UNSET", "FIXTURE_DEFAULTS", "NORMAL", "CphMock", "running_mock"]

NORMAL = 5
"""Server status "normal": a restart of such a server is accepted."""

FIXTURE_DEFAULTS: dict[str, Any] = {"job_duration": 0.2}
"""Options the fixture uses unless given: jobs end in 0.2 s (the mock's own default, 2 s, is the real pace) so that
``restart(..., wait=True)`` in a test is quick."""

ENV_UNSET = (
    "CPH_REGION",  # the CLI refuses a region and an endpoint together
    "HUAWEICLOUD_SDK_IDP_ID",  # federated credentials would take precedence over AK/SK in the official SDK
    "HUAWEICLOUD_SDK_ID_TOKEN_FILE",
)
"""Variables removed while a mock is the target, because they would send a client elsewhere or as someone else."""

_LOOPBACK = "127.0.0.1"


class CphMock:
    """A running mock: where it is, who may call it (primary project and credentials) and its live state.

    ``repr`` shows the endpoint, project and a masked access key, never the secret key, security token or token.
    """

    __slots__ = ("server",)

    def __init__(self, server: MockServer) -> None:
        self.server = server

    # ------------------------------------------------------------------------------------------ where, as whom
    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>``: pass it as ``endpoint=`` (``CphClient``) or ``with_endpoint`` (SDK)."""
        return self.server.url

    @property
    def config(self) -> MockConfig:
        return self.server.config

    @property
    def project_id(self) -> str:
        return self.config.project_id

    @property
    def ak(self) -> str:
        return self.config.ak

    @property
    def sk(self) -> str:
        return self.config.sk

    @property
    def security_token(self) -> str | None:
        """Set when the mock's primary AK/SK is temporary (option ``security_token=``); then it must be sent."""
        return self.config.credential.security_token

    @property
    def token(self) -> str:
        """An IAM token the mock accepts (``X-Auth-Token``)."""
        return self.config.token

    @property
    def env(self) -> dict[str, str]:
        """The variables that point the official SDK, ``cph.CphClient``, the ``cph`` CLI and the TypeScript example
        at this mock (AK/SK, project, endpoint, token); with AK/SK and a token both set, clients use AK/SK."""
        env = {
            "CPH_ENDPOINT": self.endpoint,
            "HUAWEICLOUD_SDK_AK": self.ak,
            "HUAWEICLOUD_SDK_SK": self.sk,
            "HUAWEICLOUD_SDK_PROJECT_ID": self.project_id,
            "CPH_AUTH_TOKEN": self.token,
        }
        if self.security_token is not None:
            env["HUAWEICLOUD_SDK_SECURITY_TOKEN"] = self.security_token
        return env

    @property
    def env_unset(self) -> tuple[str, ...]:
        """Variables to remove while this mock is the target (:data:`ENV_UNSET`, and a stale security token)."""
        return ENV_UNSET if self.security_token is not None else (*ENV_UNSET, "HUAWEICLOUD_SDK_SECURITY_TOKEN")

    # -------------------------------------------------------------------------------------------------- state
    @property
    def state(self) -> MockState:
        """Live fleet and jobs: ``restart_counts()``, ``jobs()``, ``set_server_status(...)``, ..."""
        return self.server.state

    @property
    def faults(self) -> FaultInjector:
        """Schedule faults while the test runs (the ``faults=`` option configures them from the start)."""
        return self.server.faults

    @property
    def server_ids(self) -> list[str]:
        """Every server of the primary project, in fleet order."""
        return self.state.server_ids(self.project_id)

    @property
    def normal_server_ids(self) -> list[str]:
        """The primary project's servers in status 5 (normal), which a restart accepts."""
        return self.state.server_ids(self.project_id, status=NORMAL)

    def __repr__(self) -> str:
        return (
            f"CphMock(endpoint={self.endpoint!r}, project_id={self.project_id!r}, ak={mask_access_key(self.ak)!r}, "
            f"sk='****', token='****', servers={len(self.server_ids)})"
        )


@contextmanager
def running_mock(**options: Any) -> Iterator[CphMock]:
    """Start a mock on a free loopback port with ``options`` (any :meth:`MockConfig.generate` option: ``fleet_size``,
    ``seed``, ``rate_limit``, ``faults``, ``job_duration``, ``failure_rate``, ...); stop it on exit.

    Raises :class:`cph.mock.ConfigError` for an unknown option or a bad value.
    """
    config = MockConfig.generate(**options)
    with MockServer(config, host=_LOOPBACK) as server:
        yield CphMock(server)
