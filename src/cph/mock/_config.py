"""Configuration of the mock endpoint: projects, credentials, timing, throttling and faults.

Why a single frozen :class:`MockConfig`: scripts, CI and the client's tests must know which project ID, AK/SK and
token the mock accepts, and reproduce a fleet from a seed. Values come from, in increasing precedence:

1. built-in defaults (random credentials and project ID, a random seed);
2. a config file (TOML, YAML or JSON; the path can also come from ``CPH_MOCK_CONFIG``);
3. environment variables (``CPH_MOCK_AK``, ``CPH_MOCK_SK``, ``CPH_MOCK_PROJECT_ID``, ``CPH_MOCK_TOKEN``,
   ``CPH_MOCK_SEED``, ... — see :data:`ENV_VARS`);
4. explicit keyword options (the ``cph mock`` command line, or a test).

The ``project_id``/``ak``/``sk``/``security_token``/``token`` shortcuts name the *primary* project, AK/SK credential
and token (the first of each list); a file can declare more of each. Secrets are excluded from ``repr`` so that
logging a config never leaks them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import string
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar, cast, get_args

import yaml

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

ENV_VARS: dict[str, str] = {
    "CPH_MOCK_CONFIG": "path of a TOML/YAML/JSON config file",
    "CPH_MOCK_PROJECT_ID": "primary project ID (32 lower-case hex characters)",
    "CPH_MOCK_AK": "primary access key",
    "CPH_MOCK_SK": "primary secret key",
    "CPH_MOCK_SECURITY_TOKEN": "makes the primary AK/SK temporary: requests must carry this X-Security-Token",
    "CPH_MOCK_TOKEN": "primary IAM token (X-Auth-Token)",
    "CPH_MOCK_SEED": "seed of the fleet, job outcomes and faults",
    "CPH_MOCK_FLEET_SIZE": "servers in the primary project",
    "CPH_MOCK_JOB_DURATION": "seconds a restart job runs",
    "CPH_MOCK_FAILURE_RATE": "share of restart jobs that fail (0..1)",
    "CPH_MOCK_RATE_LIMIT": "requests per second per credential (0 = no throttling)",
    "CPH_MOCK_MAX_BODY_BYTES": "largest accepted request body",
    "CPH_MOCK_MAX_JOBS": "restart jobs kept per project; beyond that the oldest finished ones are forgotten",
}
_ENV_KEYS = {
    "CPH_MOCK_PROJECT_ID": "project_id",
    "CPH_MOCK_AK": "ak",
    "CPH_MOCK_SK": "sk",
    "CPH_MOCK_SECURITY_TOKEN": "security_token",
    "CPH_MOCK_TOKEN": "token",
    "CPH_MOCK_SEED": "seed",
    "CPH_MOCK_FLEET_SIZE": "fleet_size",
    "CPH_MOCK_JOB_DURATION": "job_duration",
    "CPH_MOCK_FAILURE_RATE": "failure_rate",
    "CPH_MOCK_RATE_LIMIT": "rate_limit",
    "CPH_MOCK_MAX_BODY_BYTES": "max_body_bytes",
    "CPH_MOCK_MAX_JOBS": "max_jobs",
}
_T = TypeVar("_T")
_ID32 = re.compile(r"^[0-9a-f]{32}\Z")
_AK = re.compile(r"^[A-Za-z0-9_\-.]{1,128}\Z")
_HEADER_VALUE = re.compile(r"^[\x21-\x7e]+\Z")


class ConfigError(ValueError):
    """The mock's configuration is invalid; the message names the offending key."""


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


@dataclass(frozen=True, slots=True)
class ThrottleConfig:
    """Per-credential token bucket: ``rate`` requests per second (0 = off), bucket size ``burst``."""

    rate: float = 0.0
    burst: int | None = None

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    @property
    def bucket_size(self) -> int:
        """Requests allowed at once; defaults to one second's worth."""
        if self.burst is not None:
            return self.burst
        return max(1, int(self.rate + 0.999999))


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """The gateway's authentication policy: ``X-Sdk-Date`` window and the AK lock-out rule."""

    max_clock_skew: float = 900.0
    lockout_threshold: int = 5
    """An AK is locked after *more than* this many consecutive authentication failures."""
    lockout_seconds: float = 300.0


@dataclass(frozen=True, slots=True)
class FaultConfig:
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

    latency: float = 0.0
    latency_jitter: float = 0.0
    error_500_rate: float = 0.0
    error_502_rate: float = 0.0
    error_503_rate: float = 0.0
    error_504_rate: float = 0.0
    throttle_429_rate: float = 0.0
    throttle_429_burst: int = 3
    drop_before_rate: float = 0.0
    drop_after_rate: float = 0.0
    unknown_outcome_applied: float = 1.0
    operations: tuple[str, ...] = ()
    seed: int | None = None

    RATE_FIELDS: ClassVar[tuple[str, ...]] = (
        "error_500_rate",
        "error_502_rate",
        "error_503_rate",
        "error_504_rate",
        "throttle_429_rate",
        "drop_before_rate",
        "drop_after_rate",
    )

    @property
    def enabled(self) -> bool:
        """Whether any fault or latency is configured (the app skips fault handling otherwise)."""
        return self.latency > 0 or self.latency_jitter > 0 or any(getattr(self, f) > 0 for f in self.RATE_FIELDS)


@dataclass(frozen=True, slots=True)
class MockConfig:
    """Everything the mock needs; build it with :meth:`load` (or :meth:`generate` for random defaults)."""

    projects: tuple[ProjectConfig, ...]
    credentials: tuple[AkSkCredential, ...]
    tokens: tuple[TokenCredential, ...]
    seed: int
    job_duration: float = DEFAULT_JOB_DURATION
    failure_rate: float = 0.0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_jobs: int = DEFAULT_MAX_JOBS
    """Job retention: once a project holds more jobs than this, its oldest *finished* jobs are forgotten (a whole
    request's jobs at a time; a running job never is). ShowJob then answers 404 ``CPS.9002`` for them, as for an
    unknown job, and ListJobs no longer lists them."""
    throttle: ThrottleConfig = field(default_factory=ThrottleConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    gateway: GatewayConfig = field(default_factory=GatewayConfig)
    validate_responses: bool = False
    """Check every response against the spec before sending it (tests and CI); off for speed."""

    def __post_init__(self) -> None:
        _validate(self)

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


# ---------------------------------------------------------------------------------------------------- loading
MAX_FLEET_SIZE = 1_000_000
"""Large enough for fleet benchmarks (100,000 restartable servers need a fleet of ~150,000); ~1 KB each."""


def random_id32() -> str:
    """A random 32-hex-character ID (project IDs and the like)."""
    return secrets.token_hex(16)


def random_ak() -> str:
    """A random access key shaped like Huawei's: 20 upper-case letters and digits."""
    alphabet = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(20))


def random_sk() -> str:
    """A random secret key shaped like Huawei's: 40 letters and digits."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(40))


def random_token() -> str:
    """A random opaque IAM-token-like string (real ones are long base64 blobs starting ``MII``)."""
    return "MIImock" + secrets.token_urlsafe(96)


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The mapping stored in a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"cannot read config file {file}: {exc.strerror}"
        raise ConfigError(msg) from exc
    suffix = file.suffix.lower()
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix in {".yaml", ".yml"}:
            data = yaml.safe_load(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            msg = f"config file {file} must end in .toml, .yaml, .yml or .json"
            raise ConfigError(msg)
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        msg = f"config file {file} is not valid {suffix[1:].upper()}: {exc}"
        raise ConfigError(msg) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        msg = f"config file {file} must hold a mapping at the top level"
        raise ConfigError(msg)
    return data


def load_config(
    path: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None, **options: Any
) -> MockConfig:
    """Build a :class:`MockConfig` from defaults, a file, environment variables and ``options``.

    ``options`` accepts every top-level file key: ``seed``, ``fleet_size``, ``job_duration``, ``failure_rate``,
    ``max_body_bytes``, ``max_jobs``, ``rate_limit``, ``project_id``, ``ak``, ``sk``, ``security_token``, ``token``,
    ``validate_responses``, ``throttle`` / ``faults`` / ``gateway`` (a mapping or the dataclass), ``projects`` /
    ``credentials`` / ``tokens`` (lists of mappings or dataclasses).
    """
    environ = os.environ if env is None else env
    data: dict[str, Any] = {}
    file = path if path is not None else environ.get("CPH_MOCK_CONFIG") or None
    if file is not None:
        data.update(read_config_file(file))
    for var, key in _ENV_KEYS.items():
        value = environ.get(var)
        if value is not None and value != "":
            data[key] = value
    for key, value in options.items():
        if value is not None:
            data[key] = value
    return _build(data)


_TOP_LEVEL_KEYS = {
    "seed",
    "fleet_size",
    "job_duration",
    "failure_rate",
    "max_body_bytes",
    "max_jobs",
    "rate_limit",
    "project_id",
    "ak",
    "sk",
    "security_token",
    "token",
    "validate_responses",
    "throttle",
    "faults",
    "gateway",
    "projects",
    "credentials",
    "tokens",
}


def _build(data: dict[str, Any]) -> MockConfig:
    unknown = set(data) - _TOP_LEVEL_KEYS
    if unknown:
        msg = f"unknown config keys: {', '.join(sorted(unknown))}"
        raise ConfigError(msg)
    seed = _as_int(data["seed"], "seed") if data.get("seed") is not None else secrets.randbits(32)
    default_fleet = _as_int(data.get("fleet_size", DEFAULT_FLEET_SIZE), "fleet_size")

    projects = _build_projects(data, default_fleet)
    primary = projects[0].project_id
    credentials = _build_credentials(data, primary)
    tokens = _build_tokens(data, primary)

    throttle = _as_dataclass(data.get("throttle", {}), ThrottleConfig, "throttle")
    if data.get("rate_limit") is not None:
        throttle = ThrottleConfig(rate=_as_float(data["rate_limit"], "rate_limit"), burst=throttle.burst)
    return MockConfig(
        projects=projects,
        credentials=credentials,
        tokens=tokens,
        seed=seed,
        job_duration=_as_float(data.get("job_duration", DEFAULT_JOB_DURATION), "job_duration"),
        failure_rate=_as_float(data.get("failure_rate", 0.0), "failure_rate"),
        max_body_bytes=_as_int(data.get("max_body_bytes", DEFAULT_MAX_BODY_BYTES), "max_body_bytes"),
        max_jobs=_as_int(data.get("max_jobs", DEFAULT_MAX_JOBS), "max_jobs"),
        throttle=throttle,
        faults=_as_dataclass(data.get("faults", {}), FaultConfig, "faults"),
        gateway=_as_dataclass(data.get("gateway", {}), GatewayConfig, "gateway"),
        validate_responses=_as_bool(data.get("validate_responses", False), "validate_responses"),
    )


def _entries(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The list ``data[key]`` as mutable mappings (dataclass items converted), with at least one entry."""
    raw = data.get(key) or [{}]
    if not isinstance(raw, list | tuple):
        msg = f"{key} must be a list"
        raise ConfigError(msg)
    out: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        if isinstance(item, ProjectConfig | AkSkCredential | TokenCredential):
            out.append({name: getattr(item, name) for name in item.__dataclass_fields__})
        elif isinstance(item, Mapping):
            out.append(dict(item))
        else:
            msg = f"{key}[{index}] must be a mapping"
            raise ConfigError(msg)
    return out


def _build_projects(data: dict[str, Any], default_fleet: int) -> tuple[ProjectConfig, ...]:
    entries = _entries(data, "projects")
    if data.get("project_id") is not None:
        entries[0]["project_id"] = data["project_id"]
    if data.get("fleet_size") is not None:
        entries[0]["fleet_size"] = data["fleet_size"]
    projects = []
    for index, entry in enumerate(entries):
        where = f"projects[{index}]"
        _reject_unknown(entry, {"project_id", "fleet_size", "account_state"}, where)
        state = str(entry.get("account_state", "normal"))
        if state not in get_args(AccountState):
            msg = f"{where}.account_state must be one of {', '.join(get_args(AccountState))}"
            raise ConfigError(msg)
        projects.append(
            ProjectConfig(
                project_id=_as_str(entry.get("project_id") or random_id32(), f"{where}.project_id"),
                fleet_size=_as_int(entry.get("fleet_size", default_fleet), f"{where}.fleet_size"),
                account_state=cast(AccountState, state),
            )
        )
    return tuple(projects)


def _build_credentials(data: dict[str, Any], primary: str) -> tuple[AkSkCredential, ...]:
    entries = _entries(data, "credentials")
    for key in ("ak", "sk", "security_token"):
        if data.get(key) is not None:
            entries[0][key] = data[key]
    credentials = []
    for index, entry in enumerate(entries):
        where = f"credentials[{index}]"
        _reject_unknown(entry, {"ak", "sk", "project_id", "security_token", "authorized"}, where)
        if index > 0 and not (entry.get("ak") and entry.get("sk")):
            msg = f"{where} needs ak and sk"
            raise ConfigError(msg)
        token = entry.get("security_token")
        credentials.append(
            AkSkCredential(
                ak=_as_str(entry.get("ak") or random_ak(), f"{where}.ak"),
                sk=_as_str(entry.get("sk") or random_sk(), f"{where}.sk"),
                project_id=_as_str(entry.get("project_id") or primary, f"{where}.project_id"),
                security_token=None if token is None else _as_str(token, f"{where}.security_token"),
                authorized=_as_bool(entry.get("authorized", True), f"{where}.authorized"),
            )
        )
    return tuple(credentials)


def _build_tokens(data: dict[str, Any], primary: str) -> tuple[TokenCredential, ...]:
    entries = _entries(data, "tokens")
    if data.get("token") is not None:
        entries[0]["token"] = data["token"]
    tokens = []
    now = time.time()
    for index, entry in enumerate(entries):
        where = f"tokens[{index}]"
        _reject_unknown(entry, {"token", "project_id", "expires_at", "expires_in", "authorized"}, where)
        if index > 0 and not entry.get("token"):
            msg = f"{where} needs token"
            raise ConfigError(msg)
        expires_at: float | None = None
        if entry.get("expires_at") is not None:
            expires_at = _as_float(entry["expires_at"], f"{where}.expires_at")
        elif entry.get("expires_in") is not None:
            expires_at = now + _as_float(entry["expires_in"], f"{where}.expires_in")
        tokens.append(
            TokenCredential(
                token=_as_str(entry.get("token") or random_token(), f"{where}.token"),
                project_id=_as_str(entry.get("project_id") or primary, f"{where}.project_id"),
                expires_at=expires_at,
                authorized=_as_bool(entry.get("authorized", True), f"{where}.authorized"),
            )
        )
    return tuple(tokens)


def _as_dataclass(value: Any, cls: type[_T], where: str) -> _T:
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        msg = f"{where} must be a mapping"
        raise ConfigError(msg)
    fields = cls.__dataclass_fields__  # type: ignore[attr-defined]
    _reject_unknown(value, set(fields), where)
    kwargs: dict[str, Any] = {}
    for name, raw in value.items():
        if raw is None:
            continue
        default = fields[name].default
        if name == "operations":
            items = [raw] if isinstance(raw, str) else raw
            if not isinstance(items, list | tuple):
                msg = f"{where}.operations must be a list of operationIds"
                raise ConfigError(msg)
            kwargs[name] = tuple(_as_str(item, f"{where}.operations") for item in items)
        elif name in {"burst", "seed", "throttle_429_burst", "lockout_threshold"}:
            kwargs[name] = _as_int(raw, f"{where}.{name}")
        elif isinstance(default, float):
            kwargs[name] = _as_float(raw, f"{where}.{name}")
        else:
            kwargs[name] = raw
    return cls(**kwargs)


def _reject_unknown(entry: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(entry) - allowed
    if unknown:
        msg = f"unknown keys in {where}: {', '.join(sorted(unknown))}"
        raise ConfigError(msg)


def _as_int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        msg = f"{where} must be an integer"
        raise ConfigError(msg)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
        return int(value)
    msg = f"{where} must be an integer, got {value!r}"
    raise ConfigError(msg)


def _as_float(value: Any, where: str) -> float:
    if isinstance(value, bool):
        msg = f"{where} must be a number"
        raise ConfigError(msg)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    msg = f"{where} must be a number, got {value!r}"
    raise ConfigError(msg)


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    msg = f"{where} must be a boolean, got {value!r}"
    raise ConfigError(msg)


def _as_str(value: Any, where: str) -> str:
    if isinstance(value, str) and value:
        return value
    msg = f"{where} must be a non-empty string"
    raise ConfigError(msg)


# ------------------------------------------------------------------------------------------------- validation
def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def _validate(config: MockConfig) -> None:
    _check(len(config.projects) > 0, "at least one project is required")
    _check(len(config.credentials) > 0, "at least one AK/SK credential is required")
    _check(len(config.tokens) > 0, "at least one token is required")
    project_ids = [p.project_id for p in config.projects]
    _check(len(set(project_ids)) == len(project_ids), "project IDs must be unique")
    for project in config.projects:
        _check(
            bool(_ID32.match(project.project_id)),
            f"project_id {project.project_id!r} must be 32 lower-case hex characters",
        )
        _check(0 <= project.fleet_size <= MAX_FLEET_SIZE, f"fleet_size must be between 0 and {MAX_FLEET_SIZE}")
        _check(project.account_state in get_args(AccountState), f"unknown account_state {project.account_state!r}")
    aks = [c.ak for c in config.credentials]
    _check(len(set(aks)) == len(aks), "access keys must be unique")
    for cred in config.credentials:
        _check(bool(_AK.match(cred.ak)), f"access key {cred.ak!r} may only hold letters, digits, '_', '-' and '.'")
        _check(bool(cred.sk), "a secret key must not be empty")
        _check(cred.project_id in project_ids, f"credential {cred.ak} names unknown project {cred.project_id}")
        if cred.security_token is not None:
            _check(bool(_HEADER_VALUE.match(cred.security_token)), "security_token must be printable ASCII")
    token_values = [t.token for t in config.tokens]
    _check(len(set(token_values)) == len(token_values), "tokens must be unique")
    for token in config.tokens:
        _check(bool(_HEADER_VALUE.match(token.token)), "a token must be printable ASCII without spaces")
        _check(token.project_id in project_ids, f"a token names unknown project {token.project_id}")
    _check(config.job_duration >= 0, "job_duration must be >= 0")
    _check(0.0 <= config.failure_rate <= 1.0, "failure_rate must be between 0 and 1")
    _check(config.max_body_bytes >= 1, "max_body_bytes must be >= 1")
    _check(config.max_jobs >= 1, "max_jobs must be >= 1")
    _check(config.throttle.rate >= 0, "throttle.rate must be >= 0")
    _check(config.throttle.burst is None or config.throttle.burst >= 1, "throttle.burst must be >= 1")
    faults = config.faults
    for name in FaultConfig.RATE_FIELDS:
        _check(0.0 <= getattr(faults, name) <= 1.0, f"faults.{name} must be between 0 and 1")
    total = sum(getattr(faults, name) for name in FaultConfig.RATE_FIELDS)
    _check(total <= 1.0 + 1e-9, f"fault rates add up to {total:g}; they must add up to at most 1")
    _check(faults.latency >= 0 and faults.latency_jitter >= 0, "faults.latency and latency_jitter must be >= 0")
    _check(faults.throttle_429_burst >= 1, "faults.throttle_429_burst must be >= 1")
    _check(0.0 <= faults.unknown_outcome_applied <= 1.0, "faults.unknown_outcome_applied must be between 0 and 1")
    gateway = config.gateway
    _check(gateway.max_clock_skew > 0, "gateway.max_clock_skew must be > 0")
    _check(gateway.lockout_threshold >= 1, "gateway.lockout_threshold must be >= 1")
    _check(gateway.lockout_seconds >= 0, "gateway.lockout_seconds must be >= 0")
