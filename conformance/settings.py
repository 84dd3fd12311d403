"""What one conformance run is asked to do: target, credentials, safety limits and budgets.

Why one frozen object built up front: the suite's schema (and with it the number of examples, the phases and the
rate limit) is built when pytest imports the test module, long before any fixture runs. Everything that shapes
the run is therefore decided once, in ``pytest_configure``, and never changes afterwards.

Every option is declared once, in :class:`SuiteOptions` (``cph.settings``: its pytest options, environment
variables and the README table come from there). Precedence, highest first: a command-line option, a
``CPH_CONFORMANCE_*`` variable, then the official SDK's variables (``HUAWEICLOUD_SDK_AK`` / ``_SK`` /
``_SECURITY_TOKEN`` / ``_PROJECT_ID``) and ``CPH_AUTH_TOKEN`` — so a machine set up for the SDK needs nothing more —
then a ``--config`` file (``CPH_CONFORMANCE_CONFIG``), then the defaults. Secrets are read from the environment or
the file only: a command line is visible to every user of the machine (``ps``) and ends up in shell history and CI
logs. :class:`Settings` is the run those options describe (budgets chosen for the target, credentials checked).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from conformance.rules import ID32
from cph import CREDENTIAL_ENV_VARS, AkSkCredentials, CredentialsError, TokenCredentials
from cph import settings as cph_settings
from cph.mock import is_loopback
from cph.settings import CphSettings, load, option, pytest_values

AuthMode = Literal["aksk", "token"]
Profile = Literal["provider", "strict"]

PHASES = ("examples", "coverage", "fuzzing", "stateful")
OPERATIONS = ("RestartCloudPhoneServer", "ShowJob", "ListJobs", "ListCloudPhoneServers")
DEFAULT_REPORTS_DIR = Path("reports") / "conformance"
ENV_PREFIX = "CPH_CONFORMANCE_"
SDK_ENV = CREDENTIAL_ENV_VARS
"""The official SDK's variables (and cph's token variable), read as fallbacks so a machine set up for the SDK needs
nothing more; cph's names, so the suite and the client never disagree on them."""

_RATE = re.compile(r"^[1-9][0-9]*/[smhd]\Z")


class SettingsError(ValueError):
    """The options do not describe a run we can do safely; the message says which option to fix."""


def _split(value: Any) -> Any:
    """A comma-separated text (or several, from a repeated option) as one tuple, duplicates removed."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list | tuple):
        parts = [part.strip() for item in value for part in str(item).split(",")]
        return tuple(dict.fromkeys(part for part in parts if part))
    return value


def _choose(values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(allowed)})")
    return tuple(value for value in allowed if value in values)


class SuiteOptions(CphSettings):
    """The suite's options, each declared once (``python -m conformance --help`` lists them under "cph")."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX)
    config_env: ClassVar[str | None] = ENV_PREFIX + "CONFIG"

    base_url: str | None = option(None, help="endpoint to test", shown_default="the embedded mock on 127.0.0.1")
    project_id: str | None = option(
        None, env=(ENV_PREFIX + "PROJECT_ID", SDK_ENV.project_id), help="project ID of --base-url (32 hex characters)"
    )
    auth: Literal["auto", "aksk", "token"] = option(
        "auto", help="auth mode: aksk, token, or auto (AK/SK when an AK is set, else token)"
    )
    ak: str | None = option(None, env=(ENV_PREFIX + "AK", SDK_ENV.ak), cli=False, help="access key")
    sk: SecretStr | None = option(None, env=(ENV_PREFIX + "SK", SDK_ENV.sk), cli=False, help="secret key")
    security_token: SecretStr | None = option(
        None,
        env=(ENV_PREFIX + "SECURITY_TOKEN", SDK_ENV.security_token),
        cli=False,
        help="security token of a temporary AK/SK",
    )
    token: SecretStr | None = option(
        None, env=(ENV_PREFIX + "TOKEN", SDK_ENV.auth_token), cli=False, help="IAM token for token auth"
    )
    server_ids: Annotated[tuple[str, ...], NoDecode] = option(
        (),
        flag="server-id",
        help="a server the run may restart (repeatable, or comma-separated); without any, a real endpoint's restart "
        "operation is not tested",
    )
    rate_limit: str | None = option(
        None,
        help="client-side rate limit such as 5/s or 100/m; 'none' = unlimited",
        shown_default="2/s on a real endpoint (5/s with --deep), none on a loopback URL and the mock",
    )
    max_examples: int | None = option(
        None, ge=1, help="generated examples per operation", shown_default="5 on an endpoint, 100 on the mock"
    )
    stateful_examples: int | None = option(
        None,
        ge=0,
        help="stateful scenarios (sequences of linked calls); 0 = none",
        shown_default="5 on an endpoint, 50 on the mock",
    )
    phases: Annotated[tuple[str, ...], NoDecode] = option(PHASES, help=f"comma-separated subset of {','.join(PHASES)}")
    operations: Annotated[tuple[str, ...], NoDecode] = option(
        OPERATIONS, help="comma-separated operationIds to test", shown_default="all four"
    )
    seed: int | None = option(
        None, ge=0, help="seed of the data generation, to reproduce a run", shown_default="random"
    )
    job_timeout: float | None = option(
        None,
        gt=0,
        help="seconds every accepted restart job has to end",
        shown_default="900 on an endpoint, 30 on the mock",
    )
    reports_dir: Path = option(DEFAULT_REPORTS_DIR, help="where reports are written")
    mock_job_duration: float = option(0.2, ge=0, help="embedded mock only: seconds a restart job runs")
    profile: Literal["provider", "strict"] | None = option(
        None,
        help="provider: the provider's documented contract and only the CPH checks it documents; strict: the strict "
        "document and our decisions too",
        shown_default="provider for --base-url, strict for the embedded mock",
    )
    deep: bool = option(False, help="long run: many more examples and scenarios")
    risky: bool = option(
        False, help="also run checks that can lock the AK for minutes (the gateway's lock-out after failed signatures)"
    )
    dry_run: bool = option(False, help="send nothing: list the requests as curl lines")

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return None if value is None else value.rstrip("/")

    @field_validator("project_id")
    @classmethod
    def _project(cls, value: str | None) -> str | None:
        if value is not None and not ID32.fullmatch(value.lower()):
            raise ValueError("must be 32 hex characters")
        return None if value is None else value.lower()

    @field_validator("auth", mode="before")
    @classmethod
    def _auth(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("server_ids", mode="before")
    @classmethod
    def _servers(cls, value: Any) -> Any:
        ids = _split(value)
        if isinstance(ids, tuple):
            ids = tuple(dict.fromkeys(str(v).lower() for v in ids))
            bad = [v for v in ids if not ID32.fullmatch(v)]
            if bad:
                raise ValueError(f"server IDs must be 32 hex characters: {', '.join(bad)}")
        return ids

    @field_validator("rate_limit")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in {"none", "off", "0"} and not _RATE.match(value):
            raise ValueError(f"must look like 5/s, 100/m or 'none', got {value!r}")
        return value

    @field_validator("phases", mode="before")
    @classmethod
    def _phases(cls, value: Any) -> Any:
        return _choose(_split(value), PHASES, "phase")

    @field_validator("operations", mode="before")
    @classmethod
    def _operations(cls, value: Any) -> Any:
        return _choose(_split(value), OPERATIONS, "operation")


@dataclass(frozen=True, slots=True)
class Budget:
    """How much traffic a run may cause. Defaults depend on the target (see :func:`default_budget`)."""

    max_examples: int
    stateful_examples: int
    stateful_steps: int
    rate_limit: str | None
    job_timeout: float
    request_timeout: float
    shrink: bool


def default_budget(*, embedded: bool, deep: bool) -> Budget:
    """The default budget. Why these numbers:

    * embedded mock, default: under a minute on two cores, enough to find every deviation the faulty-variant tests
      plant; ``--deep`` is a long soak (ten times the data, longer scenarios: tens of minutes).
    * a real endpoint: few requests, a rate far under the gateway's 200 requests/s per API, no shrinking (shrinking
      replays a failing request many times — on a real account that means real restarts), and a job timeout that
      fits a real server restart (minutes).
    """
    if embedded:
        if deep:
            return Budget(1000, 400, 10, None, 60.0, 10.0, shrink=True)
        return Budget(100, 50, 6, None, 30.0, 10.0, shrink=True)
    if deep:
        return Budget(25, 15, 6, "5/s", 1800.0, 60.0, shrink=False)
    return Budget(5, 5, 4, "2/s", 900.0, 60.0, shrink=False)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run needs to know. Build it with :meth:`from_sources`."""

    base_url: str | None
    """``None``: test the embedded mock (started on 127.0.0.1 for the run)."""
    project_id: str | None
    auth_mode: AuthMode
    aksk: AkSkCredentials | None = field(repr=False)
    token: TokenCredentials | None = field(repr=False)
    server_ids: tuple[str, ...]
    """The allow-list: on a real endpoint, the only server IDs any request may contain."""
    budget: Budget
    phases: tuple[str, ...]
    operations: tuple[str, ...]
    seed: int
    deep: bool
    dry_run: bool
    reports_dir: Path
    profile: Profile = "strict"
    """Which document and which CPH checks judge the endpoint (see :mod:`conformance.rules`)."""
    risky: bool = False
    rate_limit_reason: str = "the default"
    """Why the run has its rate limit, for the report header."""
    mock_job_duration: float = 0.2
    mock_fleet_size: int = 20

    @property
    def embedded(self) -> bool:
        """Whether the run tests the embedded mock rather than a URL."""
        return self.base_url is None

    @property
    def operations_under_test(self) -> tuple[str, ...]:
        """The operations to test. Restart is left out on a real endpoint without an allow-list: nothing may be
        restarted there, and a restart test that cannot name a server proves little."""
        if not self.embedded and not self.server_ids:
            return tuple(op for op in self.operations if op != "RestartCloudPhoneServer")
        return self.operations

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value of the run, for the redactor; never printed."""
        values: list[str] = []
        if self.aksk is not None:
            values.append(self.aksk.sk)
            if self.aksk.security_token:
                values.append(self.aksk.security_token)
        if self.token is not None:
            values.append(self.token.token)
        return tuple(values)

    @classmethod
    def from_command_line(cls, given: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
        """Settings from what a command line gave (``cph conformance``: :func:`cph.settings.typer_options`), the
        ``--config`` file and ``environ``; raises SettingsError naming the option."""
        values = dict(given)
        config = values.pop("config", None)
        try:
            options = load(
                SuiteOptions, given=values, from_command_line=True, env=environ, file=str(config) if config else None
            )
        except cph_settings.SettingsError as exc:
            raise SettingsError(str(exc)) from None
        return _resolve(options)

    @classmethod
    def from_sources(cls, option: Callable[[str], object], environ: Mapping[str, str]) -> Settings:
        """Settings from pytest options (``option("base_url")``), the ``--config`` file and ``environ``; raises
        SettingsError naming the option (its flag, variable or file key)."""
        config = option("config")
        try:
            options = load(
                SuiteOptions,
                given=pytest_values(SuiteOptions, option),
                from_command_line=True,
                env=environ,
                file=str(config) if config else None,
            )
        except cph_settings.SettingsError as exc:
            raise SettingsError(str(exc)) from None
        return _resolve(options)


def _credentials(
    options: SuiteOptions, project_id: str
) -> tuple[AuthMode, AkSkCredentials | None, TokenCredentials | None]:
    sk = options.sk.get_secret_value() if options.sk else None
    security_token = options.security_token.get_secret_value() if options.security_token else None
    token = options.token.get_secret_value() if options.token else None
    try:
        aksk = (
            AkSkCredentials(options.ak, sk, project_id=project_id, security_token=security_token)
            if options.ak and sk
            else None
        )
        token_credentials = TokenCredentials(token, project_id=project_id) if token else None
    except CredentialsError as exc:
        raise SettingsError(str(exc)) from None
    mode = options.auth
    if mode == "auto":
        mode = "aksk" if aksk is not None else "token"
    if mode == "aksk" and aksk is None:
        raise SettingsError(f"AK/SK auth needs {ENV_PREFIX}AK and {ENV_PREFIX}SK (or {SDK_ENV.ak} and {SDK_ENV.sk})")
    if mode == "token" and token_credentials is None:
        raise SettingsError(
            f"token auth needs {ENV_PREFIX}TOKEN or {SDK_ENV.auth_token} "
            f"(or set an AK/SK: {ENV_PREFIX}AK, {ENV_PREFIX}SK)"
        )
    return ("aksk" if mode == "aksk" else "token"), aksk, token_credentials


def _resolve(options: SuiteOptions) -> Settings:
    """The run ``options`` describe: budgets for the target, a seed, checked credentials for a real endpoint."""
    embedded = options.base_url is None
    defaults = default_budget(embedded=embedded, deep=options.deep)
    rate_limit = defaults.rate_limit if options.rate_limit is None else options.rate_limit
    reason = "as asked (--rate-limit)" if options.rate_limit is not None else "the default for the embedded mock"
    if options.rate_limit is None and options.base_url is not None:
        if is_loopback(urlsplit(options.base_url).hostname or ""):
            # A loopback endpoint is a mock or a test double on this machine: nothing to protect, minutes to save.
            rate_limit, reason = None, "loopback URL: no limit by default"
        else:
            reason = "the safe default for a real endpoint; --rate-limit to change it"
    budget = Budget(
        max_examples=options.max_examples or defaults.max_examples,
        stateful_examples=(
            defaults.stateful_examples if options.stateful_examples is None else options.stateful_examples
        ),
        stateful_steps=defaults.stateful_steps,
        rate_limit=None if rate_limit is None or rate_limit.lower() in {"none", "off", "0"} else rate_limit,
        job_timeout=options.job_timeout or defaults.job_timeout,
        request_timeout=defaults.request_timeout,
        shrink=defaults.shrink,
    )
    # Chosen here rather than left to Hypothesis, so every report can say how to reproduce the run.
    seed = secrets.randbelow(2**32) if options.seed is None else options.seed
    common: dict[str, Any] = {
        "server_ids": options.server_ids,
        "budget": budget,
        "phases": options.phases,
        "operations": options.operations,
        "seed": seed,
        "deep": options.deep,
        "dry_run": options.dry_run,
        "reports_dir": options.reports_dir,
        "profile": options.profile or ("strict" if embedded else "provider"),
        "risky": options.risky,
        "rate_limit_reason": reason,
    }
    if embedded:
        # The embedded mock brings its own project and credentials; only the auth mode is the user's choice.
        return Settings(
            base_url=None,
            project_id=None,
            auth_mode="token" if options.auth == "token" else "aksk",
            aksk=None,
            token=None,
            mock_job_duration=options.mock_job_duration,
            **common,
        )
    if options.project_id is None:
        raise SettingsError(f"--base-url needs --project-id (or {ENV_PREFIX}PROJECT_ID / {SDK_ENV.project_id})")
    mode, aksk, token = _credentials(options, options.project_id)
    return Settings(
        base_url=options.base_url,
        project_id=options.project_id,
        auth_mode=mode,
        aksk=aksk,
        token=token,
        **common,
    )
