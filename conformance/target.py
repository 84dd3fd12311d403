"""The endpoint under test: the embedded mock on loopback, or any URL with the user's credentials.

Why the mock runs as a real HTTP server (uvicorn on 127.0.0.1) rather than in-process: the suite must exercise
exactly what a remote endpoint would see — our signer, a real ``Host`` header, HTTP framing, connection reuse — so
that a green run against the mock means the same as a green run against CPH.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from conformance.settings import Settings
from cph import AkSkAuth, AkSkCredentials, TokenAuth, TokenCredentials, mask_access_key
from cph.mock import MockConfig, MockServer


@dataclass(frozen=True, slots=True)
class Target:
    """Where requests go and how they are authenticated."""

    base_url: str
    project_id: str
    auth: httpx.Auth = field(repr=False)
    auth_mode: str
    allowlist: frozenset[str]
    """Server IDs requests may contain (real endpoints); for the mock, its whole fleet."""
    embedded: bool
    secrets: tuple[str, ...] = field(repr=False)
    access_key: str | None = None
    mock: MockServer | None = field(default=None, repr=False)
    probe_ids: set[str] = field(default_factory=set, repr=False)
    """Fresh random server IDs a semantic check may send (they name no server); the guard lets them pass."""

    @property
    def description(self) -> str:
        """One line for reports: what was tested, with which identity (access key masked)."""
        kind = "embedded mock" if self.embedded else "endpoint"
        identity = f"AK {mask_access_key(self.access_key)}" if self.access_key else "IAM token"
        return f"{kind} {self.base_url}, project {self.project_id}, {self.auth_mode} auth ({identity})"


def _mock_config(settings: Settings) -> MockConfig:
    return MockConfig.generate(
        seed=settings.seed,
        job_duration=settings.mock_job_duration,
        failure_rate=0.1,  # some jobs fail (status -1, CPS.0003), so failed-job answers are checked too
        fleet_size=settings.mock_fleet_size,
        validate_responses=False,
    )


@contextmanager
def open_target(settings: Settings) -> Iterator[Target]:
    """The target of ``settings``; for the embedded mock, the server runs until the context exits."""
    if settings.base_url is not None:
        yield remote_target(settings)
        return
    with MockServer(_mock_config(settings)) as mock:
        config = mock.config
        if settings.auth_mode == "token":
            auth: httpx.Auth = TokenAuth(TokenCredentials(config.token, project_id=config.project_id))
            access_key = None
        else:
            auth = AkSkAuth(AkSkCredentials(config.ak, config.sk, project_id=config.project_id))
            access_key = config.ak
        fleet = frozenset(mock.state.server_ids())
        yield Target(
            base_url=mock.url,
            project_id=config.project_id,
            auth=auth,
            auth_mode=settings.auth_mode,
            allowlist=frozenset(settings.server_ids) or fleet,
            embedded=True,
            secrets=(config.sk, config.token),
            access_key=access_key,
            mock=mock,
        )


def remote_target(settings: Settings) -> Target:
    """The target of a URL run (no connection is made here)."""
    assert settings.base_url is not None
    assert settings.project_id is not None
    if settings.auth_mode == "aksk":
        assert settings.aksk is not None
        auth: httpx.Auth = AkSkAuth(settings.aksk)
        access_key: str | None = settings.aksk.ak
    else:
        assert settings.token is not None
        auth = TokenAuth(settings.token)
        access_key = None
    return Target(
        base_url=settings.base_url,
        project_id=settings.project_id,
        auth=auth,
        auth_mode=settings.auth_mode,
        allowlist=frozenset(settings.server_ids),
        embedded=False,
        secrets=settings.secrets,
        access_key=access_key,
    )
