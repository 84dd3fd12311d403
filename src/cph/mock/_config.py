"""Configuration of the mock endpoint: projects, credentials, timing, throttling and faults.

Every option is declared once, in :class:`MockSettings` (a pydantic-settings model, see :mod:`cph.settings`): its
type, default, ``CPH_MOCK_*`` variable, ``cph mock`` flag and help — the README's table and ``cph mock --help`` are
derived from it. Values come from, in increasing precedence: the defaults (random credentials and project ID, a
random seed); a config file (TOML, YAML or JSON; its path can also come from ``CPH_MOCK_CONFIG``); environment
variables; explicit options (the ``cph mock`` command line, or a test).

Why a separate frozen :class:`MockConfig`: the settings say what the user asked for (``ak`` may be unset), the
config is what the mock runs with (random credentials filled in, the ``project_id``/``ak``/``sk``/``token``
shortcuts folded into the first project, credential and token of the lists a file may declare, cross-entry rules
checked). Secrets are excluded from every ``repr`` so that logging a config never leaks them.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import secrets
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from cph.settings import CphSettings, SettingsError, load, option, options

AccountState = Literal["normal", "arrears", "frozen", "unverified"]
"""A project's account state; all but ``normal`` make CPH refuse every request (CPS.0006/0007/0008)."""

ACCOUNT_STATE_ERRORS: dict[str, str] = {"arrears": "CPS.0006", "frozen": "CPS.0007", "unverified": "CPS.0008"}

DEFAULT_MAX_BODY_BYTES = 12 * 1024 * 1024
"""The API gateway refuses AK/SK-signed bodies over 12 MB with 413 ``APIGW.0201``."""

DEFAULT_FLEET_SIZE = 20
DEFAULT_JOB_DURATION = 2.0
DEFAULT_MAX_JOBS = 1_000_000
"""Restart jobs a project keeps before its oldest finished ones are forgotten: enough to restart the largest fleet
(:data:`MAX_FLEET_SIZE`) once and still query every job, while a long load test cannot grow the heap without end."""
MAX_FLEET_SIZE = 1_000_000
"""Large enough for fleet benchmarks (100,000 restartable servers need a fleet of ~150,000); ~1 KB each."""

_ID32 = re.compile(r"^[0-9a-f]{32}\Z")
_AK = re.compile(r"^[A-Za-z0-9_\-.]{1,128}\Z")
_HEADER_VALUE = re.compile(r"^[\x21-\x7e]+\Z")


class ConfigError(SettingsError):
    """The mock's configuration is invalid; the message names the offending option."""


# ------------------------------------------------------------------------------------ value rules, written once
def _project_id(value: str) -> str:
    if not _ID32.match(value):
        raise ValueError(f"project_id {value!r} must be 32 lower-case hex characters")
    return value


def _access_key(value: str) -> str:
    if not _AK.match(value):
        raise ValueError(f"access key {value!r} may only hold letters, digits, '_', '-' and '.'")
    return value


def _header_secret(value: SecretStr) -> SecretStr:
    if not _HEADER_VALUE.match(value.get_secret_value()):
        raise ValueError("must be printable ASCII without spaces")
    return value


def _secret_key(value: SecretStr) -> SecretStr:
    if not value.get_secret_value():
        raise ValueError("a secret key must not be empty")
    return value


ProjectId = Annotated[str, AfterValidator(_project_id)]
AccessKey = Annotated[str, AfterValidator(_access_key)]
SecretKey = Annotated[SecretStr, AfterValidator(_secret_key)]
HeaderSecret = Annotated[SecretStr, AfterValidator(_header_secret)]
"""A token sent in a header (``X-Auth-Token``, ``X-Security-Token``): printable ASCII, never shown."""

_STRICT = ConfigDict(frozen=True, extra="forbid")


# -------------------------------------------------------------------------------------- runtime records
@dataclass(frozen=True, slots=True)
class AkSkCredential:
    """An access key the gateway accepts, bound to one project.

    ``security_token`` makes it a temporary credential: requests must then carry it in ``X-Security-Token``.
    ``authorized=False`` models an IAM user without the policy for the API (403 ``APIGW.0302``).
    """

    ak: str
    sk: str = field(repr=False)
    project_id: str
    security_token: str | None = field(default=None, repr=False)
    authorized: bool = True


@dataclass(frozen=True, slots=True)
class TokenCredential:
    """An IAM token (``X-Auth-Token``) scoped to one project; ``expires_at`` is Unix seconds or ``None`` (never)."""

    token: str = field(repr=False)
    project_id: str
    expires_at: float | None = None
    authorized: bool = True


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """A project: its ID, how many servers it has, and its account state."""

    project_id: str
    fleet_size: int = DEFAULT_FLEET_SIZE
    account_state: AccountState = "normal"


class ThrottleConfig(BaseModel):
    """Per-credential token bucket: ``rate`` requests per second (0 = off), bucket size ``burst``."""

    model_config = _STRICT

    rate: float = option(0.0, ge=0, help="Requests per second per credential; 0 = no throttling.")
    burst: int | None = option(None, ge=1, help="Requests allowed at once.", shown_default="one second's worth")

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    @property
    def bucket_size(self) -> int:
        """Requests allowed at once; defaults to one second's worth."""
        if self.burst is not None:
            return self.burst
        return max(1, int(self.rate + 0.999999))


class GatewayConfig(BaseModel):
    """The gateway's authentication policy: ``X-Sdk-Date`` window and the AK lock-out rule."""

    model_config = _STRICT

    max_clock_skew: float = option(900.0, gt=0, help="Seconds an X-Sdk-Date may differ from the mock's clock.")
    lockout_threshold: int = option(
        5, ge=1, help="An AK is locked after more than this many consecutive authentication failures."
    )
    lockout_seconds: float = option(300.0, ge=0, help="Seconds a locked AK stays locked.")


class FaultConfig(BaseModel):
    """Opt-in, seeded fault injection (all rates are per request, 0..1, and add up to at most 1).

    What each fault means for the request, which is what a retrying client needs to know:

    ============================  ==================================  ==========================================
    option                        answer                              did the request reach CPH (state change)?
    ============================  ==================================  ==========================================
    ``throttle_429_rate``         429 ``APIGW.0308`` for a burst of   no
                                  ``throttle_429_burst`` requests
    ``error_502_rate``            502 ``APIGW.0201`` Backend          no
                                  unavailable.
    ``error_503_rate``            503 ``APIGW.0613``                  no
    ``drop_before_rate``          connection closed, no response      no
    ``error_500_rate``            500 ``APIGW.0601``                  yes, with probability
                                                                      ``unknown_outcome_applied``
    ``error_504_rate``            504 ``APIGW.0201`` Backend timeout. yes, with probability
                                                                      ``unknown_outcome_applied``
    ``drop_after_rate``           connection closed, no response      yes (applied, then dropped)
    ============================  ==================================  ==========================================

    ``latency`` (+ up to ``latency_jitter``) seconds are added before every affected request is handled.
    ``operations`` limits faults to those operationIds (empty = all). ``seed`` defaults to the mock's seed.
    """

    model_config = _STRICT

    latency: float = option(0.0, ge=0, help="Seconds added to each affected request.")
    latency_jitter: float = option(0.0, ge=0, help="Up to this many more seconds.")
    error_500_rate: float = option(0.0, ge=0, le=1, flag="500", help="500 APIGW.0601 (unknown outcome).")
    error_502_rate: float = option(0.0, ge=0, le=1, flag="502", help="502 Backend unavailable (not applied).")
    error_503_rate: float = option(0.0, ge=0, le=1, flag="503", help="503 APIGW.0613 (not applied).")
    error_504_rate: float = option(0.0, ge=0, le=1, flag="504", help="504 Backend timeout (unknown outcome).")
    throttle_429_rate: float = option(
        0.0, ge=0, le=1, flag="429", help="Start a burst of 429 APIGW.0308 (not applied)."
    )
    throttle_429_burst: int = option(3, ge=1, flag="429-burst", help="Requests per 429 burst.")
    drop_before_rate: float = option(0.0, ge=0, le=1, flag="drop-before", help="Close the connection, not applied.")
    drop_after_rate: float = option(0.0, ge=0, le=1, flag="drop-after", help="Apply, then close the connection.")
    unknown_outcome_applied: float = option(
        1.0, ge=0, le=1, flag="unknown-applied", help="Probability that a 500/504 fault was applied."
    )
    operations: Annotated[tuple[str, ...], NoDecode] = option(
        (), flag="operation", help="Only fault these operationIds (repeatable or comma-separated).", shown_default="all"
    )
    seed: int | None = option(None, help="Seed of the faults.", shown_default="the mock's seed")

    RATE_FIELDS: ClassVar[tuple[str, ...]] = (
        "error_500_rate",
        "error_502_rate",
        "error_503_rate",
        "error_504_rate",
        "throttle_429_rate",
        "drop_before_rate",
        "drop_after_rate",
    )

    @field_validator("operations", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list | tuple):
            return tuple(part.strip() for item in items for part in str(item).split(",") if part.strip())
        return items

    @model_validator(mode="after")
    def _rates_add_up(self) -> FaultConfig:
        total = sum(getattr(self, name) for name in self.RATE_FIELDS)
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault rates add up to {total:g}; they must add up to at most 1")
        return self

    @property
    def enabled(self) -> bool:
        """Whether any fault or latency is configured (the app skips fault handling otherwise)."""
        return self.latency > 0 or self.latency_jitter > 0 or any(getattr(self, f) > 0 for f in self.RATE_FIELDS)


# ---------------------------------------------------------------------------- entries of a file's lists
class _Entry(BaseModel):
    """An entry of ``projects``/``credentials``/``tokens``; a runtime record given by code is taken as is."""

    model_config = _STRICT

    @model_validator(mode="before")
    @classmethod
    def _from_record(cls, value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return value


class ProjectEntry(_Entry):
    project_id: ProjectId | None = None
    fleet_size: int | None = option(None, ge=0, le=MAX_FLEET_SIZE, help="Servers (default: fleet_size).")
    account_state: AccountState = "normal"


class CredentialEntry(_Entry):
    ak: AccessKey | None = None
    sk: SecretKey | None = None
    project_id: str | None = None
    security_token: HeaderSecret | None = None
    authorized: bool = True


class TokenEntry(_Entry):
    token: HeaderSecret | None = None
    project_id: str | None = None
    expires_at: float | None = None
    expires_in: float | None = None
    authorized: bool = True


# ------------------------------------------------------------------------------------------ the settings
_SERVE = "Serving (cph mock only)"
_FAULTS = "Fault injection (opt-in; rates are per request, 0..1)"


class MockSettings(CphSettings):
    """Every option of the mock, declared once; :meth:`to_config` makes the :class:`MockConfig` it runs with."""

    model_config = SettingsConfigDict(env_prefix="CPH_MOCK_")
    config_env: ClassVar[str | None] = "CPH_MOCK_CONFIG"

    host: str = option("127.0.0.1", panel=_SERVE, help="Address to listen on (loopback unless --allow-remote).")
    port: int = option(8080, ge=0, le=65535, panel=_SERVE, help="Port to listen on (0 picks a free one).")
    allow_remote: bool = option(
        False, panel=_SERVE, help="Allow a non-loopback --host (the mock accepts its printed credentials)."
    )
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = option(
        "warning", panel=_SERVE, help="uvicorn log level."
    )
    fleet_size: int = option(DEFAULT_FLEET_SIZE, ge=0, le=MAX_FLEET_SIZE, help="Servers in the primary project.")
    seed: int | None = option(None, help="Seed of the fleet, job outcomes and faults.", shown_default="random")
    job_duration: float = option(DEFAULT_JOB_DURATION, ge=0, help="Seconds a restart job runs (0 allowed).")
    failure_rate: float = option(0.0, ge=0, le=1, help="Share of restart jobs that fail (0..1).")
    rate_limit: float | None = option(
        None, ge=0, help="Requests/s per credential; 0 = no throttling (sets throttle.rate).", shown_default="0"
    )
    max_body_bytes: int = option(DEFAULT_MAX_BODY_BYTES, ge=1, help="Largest accepted request body (12 MiB).")
    max_jobs: int = option(
        DEFAULT_MAX_JOBS, ge=1, help="Jobs kept per project; the oldest finished requests' jobs are forgotten."
    )
    validate_responses: bool = option(False, help="Check every response against the spec (slower).")
    project_id: ProjectId | None = option(
        None, help="Primary project ID (32 lower-case hex characters).", shown_default="random"
    )
    ak: AccessKey | None = option(None, help="Primary access key.", shown_default="random")
    sk: SecretKey | None = option(None, cli=False, help="Primary secret key.", shown_default="random")
    security_token: HeaderSecret | None = option(
        None, cli=False, help="Makes the primary AK/SK temporary: requests must carry this X-Security-Token."
    )
    token: HeaderSecret | None = option(
        None, cli=False, help="Primary IAM token (X-Auth-Token).", shown_default="random"
    )
    faults: FaultConfig = option(FaultConfig(), section="fault", panel=_FAULTS, help="Fault injection.")
    throttle: ThrottleConfig = option(ThrottleConfig(), section="throttle", cli=False, help="Throttling.")
    gateway: GatewayConfig = option(GatewayConfig(), section="gateway", cli=False, help="Gateway policy.")
    projects: tuple[ProjectEntry, ...] = option(
        (),
        cli=False,
        help="Projects (`project_id`, `fleet_size`, `account_state`); the first is the primary. Variable: JSON.",
    )
    credentials: tuple[CredentialEntry, ...] = option(
        (),
        cli=False,
        help="AK/SK credentials (`ak`, `sk`, `project_id`, `security_token`, `authorized`). Variable: JSON.",
    )
    tokens: tuple[TokenEntry, ...] = option(
        (),
        cli=False,
        help="IAM tokens (`token`, `project_id`, `expires_at` or `expires_in`, `authorized`). Variable: JSON.",
    )

    def to_config(self) -> MockConfig:
        """The config the mock runs with: random values where none was given, shortcuts folded into the lists."""
        projects = self._projects()
        primary = projects[0].project_id
        throttle = (
            self.throttle if self.rate_limit is None else self.throttle.model_copy(update={"rate": self.rate_limit})
        )
        return MockConfig(
            projects=projects,
            credentials=self._credentials(primary),
            tokens=self._tokens(primary),
            seed=self.seed if self.seed is not None else secrets.randbits(32),
            job_duration=self.job_duration,
            failure_rate=self.failure_rate,
            max_body_bytes=self.max_body_bytes,
            max_jobs=self.max_jobs,
            throttle=throttle,
            faults=self.faults,
            gateway=self.gateway,
            validate_responses=self.validate_responses,
        )

    def _projects(self) -> tuple[ProjectConfig, ...]:
        entries = list(self.projects) or [ProjectEntry()]
        first: dict[str, Any] = {"project_id": self.project_id or entries[0].project_id}
        if "fleet_size" in self.model_fields_set:
            first["fleet_size"] = self.fleet_size
        entries[0] = entries[0].model_copy(update=first)
        return tuple(
            ProjectConfig(
                project_id=entry.project_id or random_id32(),
                fleet_size=self.fleet_size if entry.fleet_size is None else entry.fleet_size,
                account_state=entry.account_state,
            )
            for entry in entries
        )

    def _credentials(self, primary: str) -> tuple[AkSkCredential, ...]:
        entries = list(self.credentials) or [CredentialEntry()]
        shortcuts = {key: getattr(self, key) for key in ("ak", "sk", "security_token") if getattr(self, key)}
        entries[0] = entries[0].model_copy(update=shortcuts)
        out = []
        for index, entry in enumerate(entries):
            if index > 0 and not (entry.ak and entry.sk):
                raise ConfigError(f"credentials[{index}] needs ak and sk")
            out.append(
                AkSkCredential(
                    ak=entry.ak or random_ak(),
                    sk=entry.sk.get_secret_value() if entry.sk else random_sk(),
                    project_id=entry.project_id or primary,
                    security_token=entry.security_token.get_secret_value() if entry.security_token else None,
                    authorized=entry.authorized,
                )
            )
        return tuple(out)

    def _tokens(self, primary: str) -> tuple[TokenCredential, ...]:
        entries = list(self.tokens) or [TokenEntry()]
        if self.token:
            entries[0] = entries[0].model_copy(update={"token": self.token})
        now = time.time()
        out = []
        for index, entry in enumerate(entries):
            if index > 0 and not entry.token:
                raise ConfigError(f"tokens[{index}] needs token")
            expires_at = entry.expires_at
            if expires_at is None and entry.expires_in is not None:
                expires_at = now + entry.expires_in
            out.append(
                TokenCredential(
                    token=entry.token.get_secret_value() if entry.token else random_token(),
                    project_id=entry.project_id or primary,
                    expires_at=expires_at,
                    authorized=entry.authorized,
                )
            )
        return tuple(out)


ENV_VARS: dict[str, str] = {
    "CPH_MOCK_CONFIG": "path of a TOML/YAML/JSON config file",
    **{item.env[0]: item.help for item in options(MockSettings)},
}
"""Every variable the mock reads, with its meaning (derived from :class:`MockSettings`)."""


# ----------------------------------------------------------------------------------------- the run's config
@dataclass(frozen=True, slots=True)
class MockConfig:
    """What the mock runs with; build it with :meth:`load` (or :meth:`generate` for random defaults)."""

    projects: tuple[ProjectConfig, ...]
    credentials: tuple[AkSkCredential, ...]
    tokens: tuple[TokenCredential, ...]
    seed: int
    job_duration: float
    failure_rate: float
    max_body_bytes: int
    max_jobs: int
    """Job retention: once a project holds more jobs than this, its oldest *finished* jobs are forgotten (a whole
    request's jobs at a time; a running job never is). ShowJob then answers 404 ``CPS.0011`` for them, as for an
    unknown job, and ListJobs no longer lists them."""
    throttle: ThrottleConfig
    faults: FaultConfig
    gateway: GatewayConfig
    validate_responses: bool
    """Check every response against the spec before sending it (tests and CI); off for speed."""

    def __post_init__(self) -> None:
        _check_entries(self)

    # ------------------------------------------------------------------ the primary project and credentials
    @property
    def project_id(self) -> str:
        """The primary project's ID."""
        return self.projects[0].project_id

    @property
    def credential(self) -> AkSkCredential:
        """The primary AK/SK credential."""
        return self.credentials[0]

    @property
    def ak(self) -> str:
        return self.credentials[0].ak

    @property
    def sk(self) -> str:
        return self.credentials[0].sk

    @property
    def token(self) -> str:
        """The primary IAM token."""
        return self.tokens[0].token

    # ------------------------------------------------------------------------------------------ construction
    @classmethod
    def generate(cls, **options: Any) -> MockConfig:
        """A config with random credentials and project ID, plus ``options`` (as for :meth:`load`); no env, no file."""
        return load_config(None, env={}, **options)

    @classmethod
    def load(
        cls, path: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None, **options: Any
    ) -> MockConfig:
        """Defaults, then the file at ``path`` (or ``$CPH_MOCK_CONFIG``), then ``env`` (default ``os.environ``),
        then ``options`` (``None`` values are ignored). See :func:`load_config`."""
        return load_config(path, env=env, **options)


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    from_command_line: bool = False,
    **options: Any,
) -> MockConfig:
    """Build a :class:`MockConfig` from defaults, a file, environment variables and ``options``.

    ``options`` are :class:`MockSettings` fields (``faults``/``throttle``/``gateway`` as a mapping or the model;
    ``projects``/``credentials``/``tokens`` as lists of mappings or records). ``from_command_line``: ``options``
    came from ``cph mock``, so an error names the flag. Raises :class:`ConfigError` (one line).
    """
    try:
        return load(MockSettings, given=options, from_command_line=from_command_line, env=env, file=path).to_config()
    except ConfigError:
        raise
    except SettingsError as exc:
        raise ConfigError(str(exc)) from None


# -------------------------------------------------------------------------------------------------- helpers
_SYSTEM_RANDOM = secrets.SystemRandom()
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"


def random_id32(rng: random.Random = _SYSTEM_RANDOM) -> str:
    """A random 32-hex-character ID (project IDs and the like); ``rng`` seeded for a reproducible one."""
    return f"{rng.getrandbits(128):032x}"


def random_ak(rng: random.Random = _SYSTEM_RANDOM) -> str:
    """A random access key shaped like Huawei's: 20 upper-case letters and digits."""
    return "".join(rng.choices(string.ascii_uppercase + string.digits, k=20))


def random_sk(rng: random.Random = _SYSTEM_RANDOM) -> str:
    """A random secret key shaped like Huawei's: 40 letters and digits."""
    return "".join(rng.choices(string.ascii_letters + string.digits, k=40))


def random_token(rng: random.Random = _SYSTEM_RANDOM) -> str:
    """A random opaque IAM-token-like string (real ones are long base64 blobs starting ``MII``)."""
    return "MIImock" + "".join(rng.choices(_TOKEN_ALPHABET, k=128))


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _check_entries(config: MockConfig) -> None:
    """The rules that span entries (each value's own rules are in its declaration)."""
    _check(len(config.projects) > 0, "at least one project is required")
    _check(len(config.credentials) > 0, "at least one AK/SK credential is required")
    _check(len(config.tokens) > 0, "at least one token is required")
    project_ids = [p.project_id for p in config.projects]
    _check(len(set(project_ids)) == len(project_ids), "project IDs must be unique")
    aks = [c.ak for c in config.credentials]
    _check(len(set(aks)) == len(aks), "access keys must be unique")
    for cred in config.credentials:
        _check(cred.project_id in project_ids, f"credential {cred.ak} names unknown project {cred.project_id}")
    token_values = [t.token for t in config.tokens]
    _check(len(set(token_values)) == len(token_values), "tokens must be unique")
    for token in config.tokens:
        _check(token.project_id in project_ids, f"a token names unknown project {token.project_id}")
