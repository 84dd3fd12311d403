"""The embedded mock CPH endpoint: RestartCloudPhoneServer, ShowJob, ListJobs and ListCloudPhoneServers behind a
simulated Huawei API gateway (AK/SK and token auth, throttling, injected faults), driven by the OpenAPI document.

Typical use in a test::

    from cph.mock import MockConfig, MockServer

    with MockServer(MockConfig.generate(seed=7, job_duration=0.5)) as mock:
        ...  # call mock.url with mock.config.ak / mock.config.sk / mock.config.project_id
        assert max(mock.state.restart_counts().values(), default=0) <= 1

In-process (no socket): ``httpx.AsyncClient(transport=httpx.ASGITransport(create_app(config)), ...)``.
From a shell: ``cph mock --port 8080``.
"""

from cph.mock._app import ABORT_EXTENSION, ConnectionDroppedError, MockApp, create_app, header_map
from cph.mock._clock import Clock, FakeClock, system_clock
from cph.mock._config import (
    ENV_VARS,
    AccountState,
    AkSkCredential,
    ConfigError,
    FaultConfig,
    GatewayConfig,
    MockConfig,
    MockSettings,
    ProjectConfig,
    ThrottleConfig,
    TokenCredential,
    load_config,
    random_ak,
    random_id32,
    random_sk,
    random_token,
)
from cph.mock._faults import Fault, FaultInjector, FaultKind
from cph.mock._fleet import Job
from cph.mock._gateway import Gateway, Principal
from cph.mock._responses import ErrorReply
from cph.mock._schemas import bundle_schema, compile_response_validators, compile_schema, response_schema
from cph.mock._server import MockHttpProtocol, MockServer, bind_socket, is_loopback, serve, url_for, uvicorn_config
from cph.mock._state import RESTARTABLE, MockState, StateSnapshot

__all__ = [
    "ABORT_EXTENSION",
    "ENV_VARS",
    "RESTARTABLE",
    "AccountState",
    "AkSkCredential",
    "Clock",
    "ConfigError",
    "ConnectionDroppedError",
    "ErrorReply",
    "FakeClock",
    "Fault",
    "FaultConfig",
    "FaultInjector",
    "FaultKind",
    "Gateway",
    "GatewayConfig",
    "Job",
    "MockApp",
    "MockConfig",
    "MockHttpProtocol",
    "MockServer",
    "MockSettings",
    "MockState",
    "Principal",
    "ProjectConfig",
    "StateSnapshot",
    "ThrottleConfig",
    "TokenCredential",
    "bind_socket",
    "bundle_schema",
    "compile_response_validators",
    "compile_schema",
    "create_app",
    "header_map",
    "is_loopback",
    "load_config",
    "random_ak",
    "random_id32",
    "random_sk",
    "random_token",
    "response_schema",
    "serve",
    "system_clock",
    "url_for",
    "uvicorn_config",
]
