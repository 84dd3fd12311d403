"""Credentials for the CPH API: an AK/SK pair (optionally temporary) or an IAM token.

Why a module of its own: secrets travel further than the code that uses them — into tracebacks, logs, ``repr()`` in a
debugger, error reports. These classes are the single place where secrets are held, and they are written so that
none of those paths can show one: ``repr``/``str`` print the access key masked (``AKEX****``) and secrets as
``<hidden>``, and no exception message ever contains a value, only the name of what is wrong.

``from_env()`` reads the same environment variables as the official SDK's ``EnvCredentialProvider``, so a machine
set up for the SDK works unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "CREDENTIAL_ENV_VARS",
    "ENV_AK",
    "ENV_AUTH_TOKEN",
    "ENV_PROJECT_ID",
    "ENV_SECURITY_TOKEN",
    "ENV_SK",
    "AkSkCredentials",
    "CredentialEnvVars",
    "CredentialsError",
    "TokenCredentials",
    "mask_access_key",
]

ENV_AK = "HUAWEICLOUD_SDK_AK"
ENV_SK = "HUAWEICLOUD_SDK_SK"
ENV_SECURITY_TOKEN = "HUAWEICLOUD_SDK_SECURITY_TOKEN"  # noqa: S105 (a variable name, not a secret)
ENV_PROJECT_ID = "HUAWEICLOUD_SDK_PROJECT_ID"
ENV_AUTH_TOKEN = "CPH_AUTH_TOKEN"  # noqa: S105 (a variable name, not a secret)
"""Ours, not the SDK's: the SDK has no IAM-token authentication, so it defines no variable for one."""


class CredentialEnvVars(NamedTuple):
    """The names of the variables ``from_env()`` reads, public so other tools (the suite) read the same ones."""

    ak: str
    sk: str
    security_token: str
    project_id: str
    auth_token: str


CREDENTIAL_ENV_VARS = CredentialEnvVars(ENV_AK, ENV_SK, ENV_SECURITY_TOKEN, ENV_PROJECT_ID, ENV_AUTH_TOKEN)

_HIDDEN = "<hidden>"


class CredentialsError(Exception):
    """Credentials are missing or unusable. The message names the field or variable, never its value."""


def mask_access_key(ak: str) -> str:
    """The first four characters of ``ak`` followed by ``****``; only ``****`` when ``ak`` is too short to hide.

    Why show anything: an access key ID is not a secret, and its prefix is what tells two configured keys apart
    when debugging; the rest is masked anyway because some consider the full ID sensitive.
    """
    return f"{ak[:4]}****" if len(ak) >= 8 else "****"


def _require(value: object, field: str) -> None:
    if not isinstance(value, str) or not value:
        raise CredentialsError(f"{field} must be a non-empty string")


def _check_header_safe(value: str | None, field: str) -> None:
    # These values are sent as HTTP headers: printable ASCII only, so nothing can split a header or fail to encode.
    if value is not None and (not isinstance(value, str) or not value.isascii() or not value.isprintable()):
        raise CredentialsError(f"{field} must be printable ASCII (it is sent in an HTTP header)")


def _read(environ: Mapping[str, str], name: str) -> str | None:
    # Empty counts as unset, as in the SDK (``if ak and sk``): an exported-but-empty variable is a mistake, not a key.
    return environ.get(name) or None


def _missing(*names: str) -> CredentialsError:
    return CredentialsError(f"missing environment variable(s): {', '.join(names)}")


@dataclass(frozen=True, slots=True, repr=False)
class AkSkCredentials:
    """An access key ID and secret access key, for ``SDK-HMAC-SHA256`` request signing.

    ``project_id`` is sent as ``X-Project-Id`` and fills the ``{project_id}`` path parameter. ``security_token`` is set
    for temporary AK/SK (from STS or an ECS agency) and is sent as ``X-Security-Token``. Unlike the SDK, an empty
    security token is treated as none rather than sent as an empty header.
    """

    ak: str
    sk: str
    project_id: str | None = None
    security_token: str | None = None

    def __post_init__(self) -> None:
        _require(self.ak, "ak")
        _require(self.sk, "sk")
        _check_header_safe(self.ak, "ak")
        if " " in self.ak or "," in self.ak:
            raise CredentialsError("ak must not contain spaces or commas (it is part of the Authorization header)")
        _check_header_safe(self.project_id, "project_id")
        _check_header_safe(self.security_token, "security_token")
        if self.project_id == "":
            object.__setattr__(self, "project_id", None)
        if self.security_token == "":
            object.__setattr__(self, "security_token", None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AkSkCredentials:
        """Read ``HUAWEICLOUD_SDK_AK``/``_SK`` (required) and ``_PROJECT_ID``/``_SECURITY_TOKEN`` (optional).

        ``environ`` defaults to :data:`os.environ`. The SDK's federated ``_IDP_ID``/``_ID_TOKEN_FILE`` variables are
        not supported. Raises :class:`CredentialsError` naming every missing required variable.
        """
        env = os.environ if environ is None else environ
        ak, sk = _read(env, ENV_AK), _read(env, ENV_SK)
        if ak is None or sk is None:
            raise _missing(*[name for name, value in ((ENV_AK, ak), (ENV_SK, sk)) if value is None])
        return cls(ak, sk, project_id=_read(env, ENV_PROJECT_ID), security_token=_read(env, ENV_SECURITY_TOKEN))

    def __repr__(self) -> str:
        token = "None" if self.security_token is None else _HIDDEN
        return (
            f"{type(self).__name__}(ak={mask_access_key(self.ak)!r}, sk={_HIDDEN}, "
            f"project_id={self.project_id!r}, security_token={token})"
        )

    __str__ = __repr__


@dataclass(frozen=True, slots=True, repr=False)
class TokenCredentials:
    """An IAM token (the ``X-Subject-Token`` of ``POST /v3/auth/tokens``), sent as ``X-Auth-Token``.

    IAM tokens are valid for 24 hours; obtaining and refreshing them is the caller's business. ``project_id`` only
    fills the ``{project_id}`` path parameter — the token already names its project.
    """

    token: str
    project_id: str | None = None

    def __post_init__(self) -> None:
        _require(self.token, "token")
        _check_header_safe(self.token, "token")
        _check_header_safe(self.project_id, "project_id")
        if self.project_id == "":
            object.__setattr__(self, "project_id", None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TokenCredentials:
        """Read ``CPH_AUTH_TOKEN`` (required) and ``HUAWEICLOUD_SDK_PROJECT_ID`` (optional).

        The SDK has no token authentication, hence no SDK variable for the token; the project ID uses the SDK's.
        """
        env = os.environ if environ is None else environ
        token = _read(env, ENV_AUTH_TOKEN)
        if token is None:
            raise _missing(ENV_AUTH_TOKEN)
        return cls(token, project_id=_read(env, ENV_PROJECT_ID))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token={_HIDDEN}, project_id={self.project_id!r})"

    __str__ = __repr__
