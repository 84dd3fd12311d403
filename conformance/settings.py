"""What one conformance run is asked to do: target, credentials, safety limits and budgets.

Why one frozen object built up front: the suite's schema (and with it the number of examples, the phases and the
rate limit) is built when pytest imports the test module, long before any fixture runs. Everything that shapes
the run is therefore decided once, in ``pytest_configure``, from command-line options and environment variables,
and never changes afterwards.

Precedence, highest first: a command-line option, a ``CPH_CONFORMANCE_*`` variable, then the official SDK's
variables (``HUAWEICLOUD_SDK_AK`` / ``_SK`` / ``_SECURITY_TOKEN`` / ``_PROJECT_ID``) and ``CPH_AUTH_TOKEN`` — so a
machine set up for the SDK needs nothing more. Secrets are read from the environment only: a command line is
visible to every user of the machine (``ps``) and ends up in shell history and CI logs.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cph._credentials import (
    ENV_AK,
    ENV_AUTH_TOKEN,
    ENV_PROJECT_ID,
    ENV_SECURITY_TOKEN,
    ENV_SK,
    AkSkCredentials,
    CredentialsError,
    TokenCredentials,
)

AuthMode = Literal["aksk", "token"]

PHASES = ("examples", "coverage", "fuzzing", "stateful")
OPERATIONS = ("RestartCloudPhoneServer", "ShowJob", "ListJobs", "ListCloudPhoneServers")
DEFAULT_REPORTS_DIR = Path("reports") / "conformance"

ENV_PREFIX = "CPH_CONFORMANCE_"
ENV_VARS: dict[str, str] = {
    "CPH_CONFORMANCE_BASE_URL": "endpoint to test (default: start the embedded mock on 127.0.0.1)",
    "CPH_CONFORMANCE_PROJECT_ID": f"project ID of the endpoint (falls back to {ENV_PROJECT_ID})",
    "CPH_CONFORMANCE_AUTH": "aksk, token or auto (AK/SK when an AK is set, else token)",
    "CPH_CONFORMANCE_AK": f"access key (falls back to {ENV_AK})",
    "CPH_CONFORMANCE_SK": f"secret key (falls back to {ENV_SK})",
    "CPH_CONFORMANCE_SECURITY_TOKEN": f"security token of temporary AK/SK (falls back to {ENV_SECURITY_TOKEN})",
    "CPH_CONFORMANCE_TOKEN": f"IAM token for token auth (falls back to {ENV_AUTH_TOKEN})",
    "CPH_CONFORMANCE_SERVER_IDS": "comma-separated allow-list: the only servers a request may restart",
    "CPH_CONFORMANCE_RATE_LIMIT": "client-side rate limit such as 5/s or 100/m; 'none' for no limit",
    "CPH_CONFORMANCE_MAX_EXAMPLES": "generated examples per operation in the fuzzing phase",
    "CPH_CONFORMANCE_STATEFUL_EXAMPLES": "stateful scenarios (sequences of linked calls)",
    "CPH_CONFORMANCE_PHASES": "comma-separated subset of examples,coverage,fuzzing,stateful",
    "CPH_CONFORMANCE_OPERATIONS": "comma-separated operationIds to test (default: all four)",
    "CPH_CONFORMANCE_SEED": "seed of the data generation, to reproduce a run",
    "CPH_CONFORMANCE_JOB_TIMEOUT": "seconds every accepted restart job has to reach a terminal status",
    "CPH_CONFORMANCE_REPORTS_DIR": f"where reports are written (default {DEFAULT_REPORTS_DIR})",
}

_ID32 = re.compile(r"^[0-9a-f]{32}\Z")
_RATE = re.compile(r"^[1-9][0-9]*/[smhd]\Z")


class SettingsError(ValueError):
    """The options do not describe a run we can do safely; the message says which option to fix."""


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
    def from_sources(cls, option: Callable[[str], object], environ: Mapping[str, str]) -> Settings:
        """Settings from pytest options (``option("base_url")``) and ``environ``; raises SettingsError."""
        return _build(option, environ)


def _text(option: Callable[[str], object], environ: Mapping[str, str], name: str, *env: str) -> str | None:
    value = option(name)
    if value not in (None, ""):
        return str(value)
    for variable in (ENV_PREFIX + name.upper(), *env):
        found = environ.get(variable)
        if found:
            return found
    return None


def _int(text: str | None, what: str, *, minimum: int) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise SettingsError(f"{what} must be an integer, got {text!r}") from None
    if value < minimum:
        raise SettingsError(f"{what} must be at least {minimum}")
    return value


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _float(text: str | None, what: str) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(f"{what} must be a number, got {text!r}") from None
    if value <= 0:
        raise SettingsError(f"{what} must be positive")
    return value


def _list(values: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(dict.fromkeys(out))


def _choices(values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise SettingsError(f"unknown {what}: {', '.join(unknown)} (choose from {', '.join(allowed)})")
    return tuple(value for value in allowed if value in values)


def _server_ids(option: Callable[[str], object], environ: Mapping[str, str]) -> tuple[str, ...]:
    given = option("server_id")
    raw: list[str] = [str(v) for v in given] if isinstance(given, list) and given else []
    if not raw and environ.get("CPH_CONFORMANCE_SERVER_IDS"):
        raw = [environ["CPH_CONFORMANCE_SERVER_IDS"]]
    ids = tuple(value.lower() for value in _list(raw))
    bad = [value for value in ids if not _ID32.match(value)]
    if bad:
        raise SettingsError(f"--server-id values must be 32 hex characters: {', '.join(bad)}")
    return ids


def _rate_limit(text: str | None, default: str | None) -> str | None:
    if text is None:
        return default
    if text.lower() in {"none", "off", "0"}:
        return None
    if not _RATE.match(text):
        raise SettingsError(f"--rate-limit must look like 5/s, 100/m or 'none', got {text!r}")
    return text


def _credentials(
    option: Callable[[str], object], environ: Mapping[str, str], project_id: str | None
) -> tuple[AuthMode, AkSkCredentials | None, TokenCredentials | None]:
    ak = environ.get(ENV_PREFIX + "AK") or environ.get(ENV_AK)
    sk = environ.get(ENV_PREFIX + "SK") or environ.get(ENV_SK)
    security_token = environ.get(ENV_PREFIX + "SECURITY_TOKEN") or environ.get(ENV_SECURITY_TOKEN)
    token = environ.get(ENV_PREFIX + "TOKEN") or environ.get(ENV_AUTH_TOKEN)
    mode = (_text(option, environ, "auth") or "auto").lower()
    if mode not in {"auto", "aksk", "token"}:
        raise SettingsError(f"--auth must be auto, aksk or token, got {mode!r}")
    try:
        aksk = AkSkCredentials(ak, sk, project_id=project_id, security_token=security_token) if ak and sk else None
        token_credentials = TokenCredentials(token, project_id=project_id) if token else None
    except CredentialsError as exc:
        raise SettingsError(str(exc)) from None
    if mode == "auto":
        mode = "aksk" if aksk is not None else "token"
    if mode == "aksk" and aksk is None:
        raise SettingsError(f"AK/SK auth needs {ENV_PREFIX}AK and {ENV_PREFIX}SK (or {ENV_AK} and {ENV_SK})")
    if mode == "token" and token_credentials is None:
        raise SettingsError(
            f"token auth needs {ENV_PREFIX}TOKEN or {ENV_AUTH_TOKEN} (or set an AK/SK: {ENV_PREFIX}AK, {ENV_PREFIX}SK)"
        )
    return ("aksk" if mode == "aksk" else "token"), aksk, token_credentials


def _build(option: Callable[[str], object], environ: Mapping[str, str]) -> Settings:
    base_url = _text(option, environ, "base_url")
    if base_url is not None:
        base_url = base_url.rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError(f"--base-url must start with http:// or https://, got {base_url!r}")
    embedded = base_url is None
    deep = bool(option("deep"))
    defaults = default_budget(embedded=embedded, deep=deep)
    budget = Budget(
        max_examples=_int(_text(option, environ, "max_examples"), "--max-examples", minimum=1) or defaults.max_examples,
        stateful_examples=_or(
            _int(_text(option, environ, "stateful_examples"), "--stateful-examples", minimum=0),
            defaults.stateful_examples,
        ),
        stateful_steps=defaults.stateful_steps,
        rate_limit=_rate_limit(_text(option, environ, "rate_limit"), defaults.rate_limit),
        job_timeout=_float(_text(option, environ, "job_timeout"), "--job-timeout") or defaults.job_timeout,
        request_timeout=defaults.request_timeout,
        shrink=defaults.shrink,
    )
    phases = _choices(_list([_text(option, environ, "phases") or ",".join(PHASES)]), PHASES, "phase")
    operations = _choices(
        _list([_text(option, environ, "operations") or ",".join(OPERATIONS)]), OPERATIONS, "operation"
    )
    reports_dir = Path(_text(option, environ, "reports_dir") or DEFAULT_REPORTS_DIR)
    seed = _int(_text(option, environ, "seed"), "--seed", minimum=0)
    if seed is None:
        # Chosen here rather than left to Hypothesis, so every report can say how to reproduce the run.
        seed = secrets.randbelow(2**32)
    if embedded:
        # The embedded mock brings its own project and credentials; only the auth mode is the user's choice.
        mode = (_text(option, environ, "auth") or "aksk").lower()
        if mode not in {"auto", "aksk", "token"}:
            raise SettingsError(f"--auth must be auto, aksk or token, got {mode!r}")
        duration = _text(option, environ, "mock_job_duration")
        return Settings(
            mock_job_duration=float(duration) if duration is not None else 0.2,
            base_url=None,
            project_id=None,
            auth_mode="token" if mode == "token" else "aksk",
            aksk=None,
            token=None,
            server_ids=_server_ids(option, environ),
            budget=budget,
            phases=phases,
            operations=operations,
            seed=seed,
            deep=deep,
            dry_run=bool(option("dry_run")),
            reports_dir=reports_dir,
        )
    project_id = _text(option, environ, "project_id", ENV_PROJECT_ID)
    if project_id is None:
        raise SettingsError(f"--base-url needs --project-id (or {ENV_PREFIX}PROJECT_ID / {ENV_PROJECT_ID})")
    project_id = project_id.lower()
    if not _ID32.match(project_id):
        raise SettingsError("--project-id must be 32 hex characters")
    mode, aksk, token = _credentials(option, environ, project_id)
    return Settings(
        base_url=base_url,
        project_id=project_id,
        auth_mode=mode,
        aksk=aksk,
        token=token,
        server_ids=_server_ids(option, environ),
        budget=budget,
        phases=phases,
        operations=operations,
        seed=seed,
        deep=deep,
        dry_run=bool(option("dry_run")),
        reports_dir=reports_dir,
    )
