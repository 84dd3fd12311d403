from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.list_jobs_response import ListJobsResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project_id: str,
    *,
    request_id: str | Unset = UNSET,
    request_ids: str | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["request_id"] = request_id

    params["request_ids"] = request_ids

    params["offset"] = offset

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/{project_id}/cloud-phone/jobs".format(
            project_id=quote(str(project_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | ListJobsResponse | None:
    if response.status_code == 200:
        response_200 = ListJobsResponse.from_dict(response.json())

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
) -> Response[ErrorResponse | ListJobsResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    request_id: str | Unset = UNSET,
    request_ids: str | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
) -> Response[ErrorResponse | ListJobsResponse]:
    """Query jobs by request ID

     Lists the jobs created by one or more requests (CPH API reference, "Querying Task Execution
    Statuses").
    Give `request_id` or `request_ids`: one of the two is required, and if both are given `request_ids`
    wins.
    IAM action `cph:jobs:list`. The provider's example shows fields without a value as empty strings
    (ShowJob's
    shows `null`).

    Args:
        project_id (str):
        request_id (str | Unset): A CPH identifier. The provider's examples show 32 lower-case
            hexadecimal characters (a UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and
            both SDKs accept
            any string.
        request_ids (str | Unset):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ListJobsResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        request_id=request_id,
        request_ids=request_ids,
        offset=offset,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    request_id: str | Unset = UNSET,
    request_ids: str | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
) -> ErrorResponse | ListJobsResponse | None:
    """Query jobs by request ID

     Lists the jobs created by one or more requests (CPH API reference, "Querying Task Execution
    Statuses").
    Give `request_id` or `request_ids`: one of the two is required, and if both are given `request_ids`
    wins.
    IAM action `cph:jobs:list`. The provider's example shows fields without a value as empty strings
    (ShowJob's
    shows `null`).

    Args:
        project_id (str):
        request_id (str | Unset): A CPH identifier. The provider's examples show 32 lower-case
            hexadecimal characters (a UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and
            both SDKs accept
            any string.
        request_ids (str | Unset):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ListJobsResponse
    """

    return sync_detailed(
        project_id=project_id,
        client=client,
        request_id=request_id,
        request_ids=request_ids,
        offset=offset,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    request_id: str | Unset = UNSET,
    request_ids: str | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
) -> Response[ErrorResponse | ListJobsResponse]:
    """Query jobs by request ID

     Lists the jobs created by one or more requests (CPH API reference, "Querying Task Execution
    Statuses").
    Give `request_id` or `request_ids`: one of the two is required, and if both are given `request_ids`
    wins.
    IAM action `cph:jobs:list`. The provider's example shows fields without a value as empty strings
    (ShowJob's
    shows `null`).

    Args:
        project_id (str):
        request_id (str | Unset): A CPH identifier. The provider's examples show 32 lower-case
            hexadecimal characters (a UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and
            both SDKs accept
            any string.
        request_ids (str | Unset):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ListJobsResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        request_id=request_id,
        request_ids=request_ids,
        offset=offset,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    request_id: str | Unset = UNSET,
    request_ids: str | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
) -> ErrorResponse | ListJobsResponse | None:
    """Query jobs by request ID

     Lists the jobs created by one or more requests (CPH API reference, "Querying Task Execution
    Statuses").
    Give `request_id` or `request_ids`: one of the two is required, and if both are given `request_ids`
    wins.
    IAM action `cph:jobs:list`. The provider's example shows fields without a value as empty strings
    (ShowJob's
    shows `null`).

    Args:
        project_id (str):
        request_id (str | Unset): A CPH identifier. The provider's examples show 32 lower-case
            hexadecimal characters (a UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and
            both SDKs accept
            any string.
        request_ids (str | Unset):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ListJobsResponse
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            client=client,
            request_id=request_id,
            request_ids=request_ids,
            offset=offset,
            limit=limit,
        )
    ).parsed
