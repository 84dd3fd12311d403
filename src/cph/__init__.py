"""cph-openapi: a toolkit for Huawei Cloud CPH RestartCloudPhoneServer.

The public API is flat: import names from ``cph``; modules starting with ``_`` are private.

    from cph import CphClient

    with CphClient(region="cn-east-3") as client:  # credentials from HUAWEICLOUD_SDK_AK/SK/PROJECT_ID
        result = client.restart(server_ids, wait=True)
"""

__version__ = "0.1.0"  # first: cph._operations reads it for its User-Agent

from cph._auth import AkSkAuth, TokenAuth
from cph._batching import RateLimiter
from cph._catalog import Catalog, CatalogEntry, load_catalog
from cph._client import AsyncCphClient, CphClient
from cph._credentials import (
    CREDENTIAL_ENV_VARS,
    AkSkCredentials,
    CredentialEnvVars,
    CredentialsError,
    TokenCredentials,
    mask_access_key,
)
from cph._endpoint import Credentials, credentials_from_env, endpoint_for_region, regions
from cph._errors import (
    AccountError,
    AuthenticationError,
    CphError,
    GatewayError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RequestTooLargeError,
    ServiceError,
    ThrottledError,
    TransportError,
    UnexpectedResponseError,
)
from cph._jobs import JobInfo, JobStatus, JobTracker
from cph._results import Outcome, Progress, RestartInterrupted, RestartResult, ServerResult
from cph._retry import RetryPolicy, is_fatal
from cph._spec import load_spec

__all__ = [
    "CREDENTIAL_ENV_VARS",
    "AccountError",
    "AkSkAuth",
    "AkSkCredentials",
    "AsyncCphClient",
    "AuthenticationError",
    "Catalog",
    "CatalogEntry",
    "CphClient",
    "CphError",
    "CredentialEnvVars",
    "Credentials",
    "CredentialsError",
    "GatewayError",
    "InvalidRequestError",
    "JobInfo",
    "JobStatus",
    "JobTracker",
    "NotFoundError",
    "Outcome",
    "PermissionDeniedError",
    "Progress",
    "RateLimiter",
    "RequestTooLargeError",
    "RestartInterrupted",
    "RestartResult",
    "RetryPolicy",
    "ServerResult",
    "ServiceError",
    "ThrottledError",
    "TokenAuth",
    "TokenCredentials",
    "TransportError",
    "UnexpectedResponseError",
    "__version__",
    "credentials_from_env",
    "endpoint_for_region",
    "is_fatal",
    "load_catalog",
    "load_spec",
    "mask_access_key",
    "regions",
]
