from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.show_job_response import ShowJobResponse
from ...types import Response


def _get_kwargs(
    project_id: str,
    job_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/{project_id}/cloud-phone/jobs/{job_id}".format(
            project_id=quote(str(project_id), safe=""),
            job_id=quote(str(job_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | ShowJobResponse | None:
    if response.status_code == 200:
        response_200 = ShowJobResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 414:
        response_414 = ErrorResponse.from_dict(response.json())

        return response_414

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(response.json())

        return response_500

    if response.status_code == 502:
        response_502 = ErrorResponse.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = ErrorResponse.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = ErrorResponse.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | ShowJobResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    project_id: str,
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorResponse | ShowJobResponse]:
    """Query a job

     Returns one job's status: 1 running, 2 succeeded, -1 failed (CPH API reference, "Querying Task
    Execution
    Status"). IAM action `cph:jobs:get`. The provider's example shows fields without a value as JSON
    `null`.
    An unknown job is answered with 404 `CPS.0011` (CPH error-code table).

    Args:
        project_id (str):
        job_id (str): A CPH identifier. The provider's examples show 32 lower-case hexadecimal
            characters (a UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and
            both SDKs accept
            any string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ShowJobResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        job_id=job_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project_id: str,
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorResponse | ShowJobResponse | None:
    """Query a job

     Returns one job's status: 1 running, 2 succeeded, -1 failed (CPH API reference, "Querying Task
    Execution
    Status"). IAM action `cph:jobs:get`. The provider's example shows fields without a value as JSON
    `null`.
    An unknown job is answered with 404 `CPS.0011` (CPH error-code table).

    Args:
        project_id (str):
        job_id (str): A CPH identifier. The provider's examples show 32 lower-case hexadecimal
            characters (a UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and
            both SDKs accept
            any string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ShowJobResponse
    """

    return sync_detailed(
        project_id=project_id,
        job_id=job_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    project_id: str,
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorResponse | ShowJobResponse]:
    """Query a job

     Returns one job's status: 1 running, 2 succeeded, -1 failed (CPH API reference, "Querying Task
    Execution
    Status"). IAM action `cph:jobs:get`. The provider's example shows fields without a value as JSON
    `null`.
    An unknown job is answered with 404 `CPS.0011` (CPH error-code table).

    Args:
        project_id (str):
        job_id (str): A CPH identifier. The provider's examples show 32 lower-case hexadecimal
            characters (a UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and
            both SDKs accept
            any string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ShowJobResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        job_id=job_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: str,
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorResponse | ShowJobResponse | None:
    """Query a job

     Returns one job's status: 1 running, 2 succeeded, -1 failed (CPH API reference, "Querying Task
    Execution
    Status"). IAM action `cph:jobs:get`. The provider's example shows fields without a value as JSON
    `null`.
    An unknown job is answered with 404 `CPS.0011` (CPH error-code table).

    Args:
        project_id (str):
        job_id (str): A CPH identifier. The provider's examples show 32 lower-case hexadecimal
            characters (a UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and
            both SDKs accept
            any string.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ShowJobResponse
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            job_id=job_id,
            client=client,
        )
    ).parsed
