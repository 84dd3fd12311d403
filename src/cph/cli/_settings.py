"""The options every API command (``restart``, ``jobs``, ``servers``) reads, declared once with
:func:`cph.settings.option`: flags, variables, types, limits and help all come from here.

Why credentials are options too: they are read by the same loader, so a bad or conflicting value gets the same
one-line error naming the variable, and they are typed ``SecretStr`` so no repr or message can show them. They have
no flag (``cli=False``): a command line is visible in ``ps`` and shell history. The endpoint rule — a flag beats a
variable, only two flags or two variables conflict — needs to know where a value came from, so it is applied in
:func:`endpoint_of` next to the loaded model, not by the model itself.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from cph.settings import CphSettings, option

ENDPOINT_PANEL: Final = "Endpoint (one of --region / --endpoint; credentials come from the environment)"
_RUN_PANEL: Final = "Pace and deadline"


class ConnectionSettings(CphSettings):
    """Where requests go and as whom; the variables are the official SDK's (and ``CPH_*`` for ours)."""

    model_config = SettingsConfigDict(env_prefix="CPH_")
    config_env: ClassVar[str | None] = None

    region: str | None = option(None, help="Region, e.g. cn-east-3.", env="CPH_REGION", panel=ENDPOINT_PANEL)
    endpoint: str | None = option(
        None, help="Endpoint URL instead of a region.", env="CPH_ENDPOINT", panel=ENDPOINT_PANEL
    )
    project_id: str | None = option(
        None, help="Project ID.", env="HUAWEICLOUD_SDK_PROJECT_ID", flag="project-id", panel=ENDPOINT_PANEL
    )
    ak: str | None = option(None, help="Access key ID (AK/SK signing).", env="HUAWEICLOUD_SDK_AK", cli=False)
    sk: SecretStr | None = option(None, help="Secret access key.", env="HUAWEICLOUD_SDK_SK", cli=False)
    security_token: SecretStr | None = option(
        None, help="Security token of temporary AK/SK.", env="HUAWEICLOUD_SDK_SECURITY_TOKEN", cli=False
    )
    auth_token: SecretStr | None = option(None, help="IAM token, instead of AK/SK.", env="CPH_AUTH_TOKEN", cli=False)

    def credential_environ(self) -> dict[str, str]:
        """The credentials as the variables :func:`cph.credentials_from_env` reads (its checks and messages)."""
        values = {
            "HUAWEICLOUD_SDK_AK": self.ak,
            "HUAWEICLOUD_SDK_SK": self.sk.get_secret_value() if self.sk else None,
            "HUAWEICLOUD_SDK_SECURITY_TOKEN": self.security_token.get_secret_value() if self.security_token else None,
            "HUAWEICLOUD_SDK_PROJECT_ID": self.project_id,
            "CPH_AUTH_TOKEN": self.auth_token.get_secret_value() if self.auth_token else None,
        }
        return {name: value for name, value in values.items() if value}

    def client_options(self) -> dict[str, Any]:
        """What the command passes to :class:`cph.CphClient` besides the endpoint and the credentials."""
        return {}


class WaitSettings(ConnectionSettings):
    """``cph jobs``: the connection, and the deadline of waiting."""

    timeout: float | None = option(
        None,
        help="Overall deadline in seconds (default: none). Servers still pending then are reported with their IDs.",
        panel=_RUN_PANEL,
        ge=0,
    )


class RestartSettings(WaitSettings):
    """``cph restart``: the connection, the deadline, and how fast to send."""

    concurrency: int = option(8, help="Requests in flight.", panel=_RUN_PANEL, ge=1, le=64)
    rate_limit: float | None = option(
        None,
        help="At most this many requests/s (default: adapt to the gateway's throttling).",
        panel=_RUN_PANEL,
        ge=0.001,
    )

    def client_options(self) -> dict[str, Any]:
        return {"concurrency": self.concurrency, "rate_limit": self.rate_limit}
