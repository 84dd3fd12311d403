"""cph._credentials: SDK-compatible environment variables, validation, and no secret in any repr, str or error."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from huaweicloudsdkcore.auth.provider import EnvCredentialProvider

from cph import CREDENTIAL_ENV_VARS, AkSkCredentials, CredentialsError, TokenCredentials, mask_access_key

ENV_AK, ENV_SK, ENV_SECURITY_TOKEN, ENV_PROJECT_ID, ENV_AUTH_TOKEN = CREDENTIAL_ENV_VARS
AK = "AKEXAMPLEAKEXAMPLE"
SK = "SK-very-secret-value"
SECURITY_TOKEN = "STS-very-secret-token"
TOKEN = "MIIT-iam-token-secret"
PROJECT = "0123456789abcdef0123456789abcdef"
ALL_ENV = (ENV_AK, ENV_SK, ENV_SECURITY_TOKEN, ENV_PROJECT_ID, ENV_AUTH_TOKEN)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)


def test_environment_variable_names_are_the_sdks() -> None:
    assert ENV_AK == EnvCredentialProvider._AK_ENV_NAME
    assert ENV_SK == EnvCredentialProvider._SK_ENV_NAME
    assert ENV_SECURITY_TOKEN == EnvCredentialProvider._SECURITY_TOKEN_ENV_NAME
    assert ENV_PROJECT_ID == EnvCredentialProvider._PROJECT_ID_ENV_NAME
    assert ENV_AUTH_TOKEN == "CPH_AUTH_TOKEN"


# ------------------------------------------------------------------------------------------------- repr and str
def test_aksk_repr_and_str_hide_secrets() -> None:
    credentials = AkSkCredentials(AK, SK, project_id=PROJECT, security_token=SECURITY_TOKEN)
    for text in (repr(credentials), str(credentials), f"{credentials}", f"{credentials!r}", repr([credentials])):
        assert SK not in text
        assert SECURITY_TOKEN not in text
        assert AK not in text
        assert "AKEX****" in text
        assert PROJECT in text
    assert repr(credentials) == (
        f"AkSkCredentials(ak='AKEX****', sk=<hidden>, project_id='{PROJECT}', security_token=<hidden>)"
    )
    assert (
        repr(AkSkCredentials(AK, SK))
        == "AkSkCredentials(ak='AKEX****', sk=<hidden>, project_id=None, security_token=None)"
    )


def test_token_repr_and_str_hide_secrets() -> None:
    credentials = TokenCredentials(TOKEN, project_id=PROJECT)
    for text in (repr(credentials), str(credentials), f"{credentials}", repr({"c": credentials})):
        assert TOKEN not in text
    assert repr(credentials) == f"TokenCredentials(token=<hidden>, project_id='{PROJECT}')"


@pytest.mark.parametrize(
    ("ak", "masked"), [("AKEXAMPLE", "AKEX****"), ("ABCDEFGH", "ABCD****"), ("ABCDEFG", "****"), ("A", "****")]
)
def test_mask_access_key(ak: str, masked: str) -> None:
    assert mask_access_key(ak) == masked


def test_credentials_are_frozen_values() -> None:
    credentials = AkSkCredentials(AK, SK, PROJECT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        credentials.sk = "other"  # type: ignore[misc]
    assert credentials == AkSkCredentials(AK, SK, PROJECT)
    assert credentials != AkSkCredentials(AK, "other", PROJECT)
    assert hash(credentials) == hash(AkSkCredentials(AK, SK, PROJECT))
    assert pickle.loads(pickle.dumps(credentials)) == credentials
    assert TokenCredentials(TOKEN) == TokenCredentials(TOKEN)


def test_empty_optional_values_mean_none() -> None:
    credentials = AkSkCredentials(AK, SK, project_id="", security_token="")
    assert credentials.project_id is None
    assert credentials.security_token is None
    assert TokenCredentials(TOKEN, project_id="").project_id is None


# ------------------------------------------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"ak": "", "sk": SK}, "ak"),
        ({"ak": AK, "sk": ""}, "sk"),
        ({"ak": f"{AK} x", "sk": SK}, "ak"),
        ({"ak": f"{AK},x", "sk": SK}, "ak"),
        ({"ak": f"{AK}\n", "sk": SK}, "ak"),
        ({"ak": AK, "sk": SK, "security_token": f"{SECURITY_TOKEN}\r\nX-Evil: 1"}, "security_token"),
        ({"ak": AK, "sk": SK, "security_token": f"{SECURITY_TOKEN}\u00e9"}, "security_token"),
        ({"ak": AK, "sk": SK, "project_id": f"{PROJECT}\n"}, "project_id"),
        ({"ak": None, "sk": SK}, "ak"),
        ({"ak": AK, "sk": b"bytes"}, "sk"),
    ],
)
def test_aksk_validation_names_the_field_not_the_value(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(CredentialsError, match=field) as info:
        AkSkCredentials(**kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    for secret in (SK, SECURITY_TOKEN, AK):
        assert secret not in message


@pytest.mark.parametrize("token", ["", f"{TOKEN}\n", f"{TOKEN}\x00", f"{TOKEN}\u4e2d"])
def test_token_validation_never_shows_the_token(token: str) -> None:
    with pytest.raises(CredentialsError, match="token") as info:
        TokenCredentials(token)
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(info.value)


def test_sk_may_be_any_text() -> None:
    """The secret key is only ever an HMAC key, never sent, so it need not be header-safe."""
    assert AkSkCredentials(AK, "s\u00e9cret with spaces\n").sk == "s\u00e9cret with spaces\n"


# -------------------------------------------------------------------------------------------------------- from_env
def test_aksk_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_AK, AK)
    monkeypatch.setenv(ENV_SK, SK)
    assert AkSkCredentials.from_env() == AkSkCredentials(AK, SK)
    monkeypatch.setenv(ENV_PROJECT_ID, PROJECT)
    monkeypatch.setenv(ENV_SECURITY_TOKEN, SECURITY_TOKEN)
    assert AkSkCredentials.from_env() == AkSkCredentials(AK, SK, PROJECT, SECURITY_TOKEN)


def test_aksk_from_env_agrees_with_the_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ((ENV_AK, AK), (ENV_SK, SK), (ENV_PROJECT_ID, PROJECT), (ENV_SECURITY_TOKEN, SECURITY_TOKEN)):
        monkeypatch.setenv(name, value)
    sdk = EnvCredentialProvider.get_basic_credential_env_provider().get_credentials()
    ours = AkSkCredentials.from_env()
    assert (ours.ak, ours.sk, ours.project_id, ours.security_token) == (
        sdk.ak,
        sdk.sk,
        sdk.project_id,
        sdk.security_token,
    )


def test_aksk_from_explicit_mapping_ignores_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_AK, "AKFROMPROCESS")
    monkeypatch.setenv(ENV_SK, "SKFROMPROCESS")
    assert AkSkCredentials.from_env({ENV_AK: AK, ENV_SK: SK}) == AkSkCredentials(AK, SK)


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ({}, [ENV_AK, ENV_SK]),
        ({ENV_AK: AK}, [ENV_SK]),
        ({ENV_SK: SK}, [ENV_AK]),
        ({ENV_AK: AK, ENV_SK: ""}, [ENV_SK]),  # empty counts as unset, like the SDK
        ({ENV_AK: "", ENV_SK: SK, ENV_SECURITY_TOKEN: SECURITY_TOKEN}, [ENV_AK]),
    ],
)
def test_aksk_from_env_names_missing_variables_only(
    monkeypatch: pytest.MonkeyPatch, present: dict[str, str], missing: list[str]
) -> None:
    for name, value in present.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(CredentialsError) as info:
        AkSkCredentials.from_env()
    message = str(info.value)
    for name in missing:
        assert name in message
    for name in {ENV_AK, ENV_SK} - set(missing):
        assert name not in message
    for secret in (AK, SK, SECURITY_TOKEN):
        assert secret not in message


def test_aksk_from_env_with_an_invalid_value_does_not_show_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_AK, AK)
    monkeypatch.setenv(ENV_SK, SK)
    monkeypatch.setenv(ENV_SECURITY_TOKEN, f"{SECURITY_TOKEN}\u00e9")
    with pytest.raises(CredentialsError, match="security_token") as info:
        AkSkCredentials.from_env()
    assert SECURITY_TOKEN not in str(info.value)


def test_token_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_AUTH_TOKEN, TOKEN)
    assert TokenCredentials.from_env() == TokenCredentials(TOKEN)
    monkeypatch.setenv(ENV_PROJECT_ID, PROJECT)
    assert TokenCredentials.from_env() == TokenCredentials(TOKEN, PROJECT)
    assert TokenCredentials.from_env({ENV_AUTH_TOKEN: "other"}) == TokenCredentials("other")


@pytest.mark.parametrize("value", [None, ""])
def test_token_from_env_missing(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    monkeypatch.setenv(ENV_AK, AK)
    monkeypatch.setenv(ENV_SK, SK)
    if value is not None:
        monkeypatch.setenv(ENV_AUTH_TOKEN, value)
    with pytest.raises(CredentialsError, match=ENV_AUTH_TOKEN) as info:
        TokenCredentials.from_env()
    assert SK not in str(info.value)
