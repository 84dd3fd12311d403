from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.restart_cloud_phone_server_request_body import (
    RestartCloudPhoneServerRequestBody,
)
from ...models.restart_cloud_phone_server_response import (
    RestartCloudPhoneServerResponse,
)
from ...types import Response


def _get_kwargs(
    project_id: str,
    *,
    body: RestartCloudPhoneServerRequestBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/{project_id}/cloud-phone/servers/batch-restart".format(
            project_id=quote(str(project_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | RestartCloudPhoneServerResponse | None:
    if response.status_code == 200:
        response_200 = RestartCloudPhoneServerResponse.from_dict(response.json())

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
) -> Response[ErrorResponse | RestartCloudPhoneServerResponse]:
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
    body: RestartCloudPhoneServerRequestBody,
) -> Response[ErrorResponse | RestartCloudPhoneServerResponse]:
    """Restart Cloud Phone servers in batches

     Starts an asynchronous restart of 1 to 100 Cloud Phone servers (CPH API reference, "Restarting CPH
    Servers"). The response has one entry per server: a `job_id` when the restart was accepted (follow
    it with
    ShowJob, or with ListJobs by the response's `request_id`), or an `error_code` and `error_msg` when
    that
    server was not restarted (the fields of the SDKs' `ServerJob`). A 200 response can therefore mix
    accepted
    and rejected servers.

    IAM action: `cph:servers:restart` (Write, resource type `server`). The API takes no idempotency key.

    Args:
        project_id (str):
        body (RestartCloudPhoneServerRequestBody): The servers to restart.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | RestartCloudPhoneServerResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: RestartCloudPhoneServerRequestBody,
) -> ErrorResponse | RestartCloudPhoneServerResponse | None:
    """Restart Cloud Phone servers in batches

     Starts an asynchronous restart of 1 to 100 Cloud Phone servers (CPH API reference, "Restarting CPH
    Servers"). The response has one entry per server: a `job_id` when the restart was accepted (follow
    it with
    ShowJob, or with ListJobs by the response's `request_id`), or an `error_code` and `error_msg` when
    that
    server was not restarted (the fields of the SDKs' `ServerJob`). A 200 response can therefore mix
    accepted
    and rejected servers.

    IAM action: `cph:servers:restart` (Write, resource type `server`). The API takes no idempotency key.

    Args:
        project_id (str):
        body (RestartCloudPhoneServerRequestBody): The servers to restart.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | RestartCloudPhoneServerResponse
    """

    return sync_detailed(
        project_id=project_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: RestartCloudPhoneServerRequestBody,
) -> Response[ErrorResponse | RestartCloudPhoneServerResponse]:
    """Restart Cloud Phone servers in batches

     Starts an asynchronous restart of 1 to 100 Cloud Phone servers (CPH API reference, "Restarting CPH
    Servers"). The response has one entry per server: a `job_id` when the restart was accepted (follow
    it with
    ShowJob, or with ListJobs by the response's `request_id`), or an `error_code` and `error_msg` when
    that
    server was not restarted (the fields of the SDKs' `ServerJob`). A 200 response can therefore mix
    accepted
    and rejected servers.

    IAM action: `cph:servers:restart` (Write, resource type `server`). The API takes no idempotency key.

    Args:
        project_id (str):
        body (RestartCloudPhoneServerRequestBody): The servers to restart.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | RestartCloudPhoneServerResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: RestartCloudPhoneServerRequestBody,
) -> ErrorResponse | RestartCloudPhoneServerResponse | None:
    """Restart Cloud Phone servers in batches

     Starts an asynchronous restart of 1 to 100 Cloud Phone servers (CPH API reference, "Restarting CPH
    Servers"). The response has one entry per server: a `job_id` when the restart was accepted (follow
    it with
    ShowJob, or with ListJobs by the response's `request_id`), or an `error_code` and `error_msg` when
    that
    server was not restarted (the fields of the SDKs' `ServerJob`). A 200 response can therefore mix
    accepted
    and rejected servers.

    IAM action: `cph:servers:restart` (Write, resource type `server`). The API takes no idempotency key.

    Args:
        project_id (str):
        body (RestartCloudPhoneServerRequestBody): The servers to restart.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | RestartCloudPhoneServerResponse
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            client=client,
            body=body,
        )
    ).parsed
