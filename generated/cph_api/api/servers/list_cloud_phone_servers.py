from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.list_cloud_phone_servers_network_version import (
    ListCloudPhoneServersNetworkVersion,
)
from ...models.list_cloud_phone_servers_response import ListCloudPhoneServersResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project_id: str,
    *,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
    server_name: str | Unset = UNSET,
    server_id: str | Unset = UNSET,
    network_version: ListCloudPhoneServersNetworkVersion | Unset = UNSET,
    phone_model_name: str | Unset = UNSET,
    create_since: int | Unset = UNSET,
    create_until: int | Unset = UNSET,
    status: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["offset"] = offset

    params["limit"] = limit

    params["server_name"] = server_name

    params["server_id"] = server_id

    json_network_version: str | Unset = UNSET
    if not isinstance(network_version, Unset):
        json_network_version = network_version

    params["network_version"] = json_network_version

    params["phone_model_name"] = phone_model_name

    params["create_since"] = create_since

    params["create_until"] = create_until

    params["status"] = status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/{project_id}/cloud-phone/servers".format(
            project_id=quote(str(project_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | ListCloudPhoneServersResponse | None:
    if response.status_code == 200:
        response_200 = ListCloudPhoneServersResponse.from_dict(response.json())

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
) -> Response[ErrorResponse | ListCloudPhoneServersResponse]:
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
    offset: int | Unset = 0,
    limit: int | Unset = 100,
    server_name: str | Unset = UNSET,
    server_id: str | Unset = UNSET,
    network_version: ListCloudPhoneServersNetworkVersion | Unset = UNSET,
    phone_model_name: str | Unset = UNSET,
    create_since: int | Unset = UNSET,
    create_until: int | Unset = UNSET,
    status: int | Unset = UNSET,
) -> Response[ErrorResponse | ListCloudPhoneServersResponse]:
    """Query Cloud Phone servers

     Lists the project's Cloud Phone servers, newest first (by creation time), paginated by offset and
    limit;
    an empty list if there are none (CPH API reference, "Querying CPH Servers"). `count` is the total
    number of
    servers. IAM action `cph:servers:list`.

    Args:
        project_id (str):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        server_name (str | Unset):
        server_id (str | Unset):
        network_version (ListCloudPhoneServersNetworkVersion | Unset):
        phone_model_name (str | Unset):
        create_since (int | Unset):
        create_until (int | Unset):
        status (int | Unset): The documented values: 0, 1, 3, 4 creating; 2 abnormal; 5 normal
            (running); 8 frozen; 10 shut down;
            11 shutting down; 12 shutdown failed; 13 starting. The provider does not say the list is
            closed
            (third-party code has seen 6), so any integer is accepted here.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ListCloudPhoneServersResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        offset=offset,
        limit=limit,
        server_name=server_name,
        server_id=server_id,
        network_version=network_version,
        phone_model_name=phone_model_name,
        create_since=create_since,
        create_until=create_until,
        status=status,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
    server_name: str | Unset = UNSET,
    server_id: str | Unset = UNSET,
    network_version: ListCloudPhoneServersNetworkVersion | Unset = UNSET,
    phone_model_name: str | Unset = UNSET,
    create_since: int | Unset = UNSET,
    create_until: int | Unset = UNSET,
    status: int | Unset = UNSET,
) -> ErrorResponse | ListCloudPhoneServersResponse | None:
    """Query Cloud Phone servers

     Lists the project's Cloud Phone servers, newest first (by creation time), paginated by offset and
    limit;
    an empty list if there are none (CPH API reference, "Querying CPH Servers"). `count` is the total
    number of
    servers. IAM action `cph:servers:list`.

    Args:
        project_id (str):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        server_name (str | Unset):
        server_id (str | Unset):
        network_version (ListCloudPhoneServersNetworkVersion | Unset):
        phone_model_name (str | Unset):
        create_since (int | Unset):
        create_until (int | Unset):
        status (int | Unset): The documented values: 0, 1, 3, 4 creating; 2 abnormal; 5 normal
            (running); 8 frozen; 10 shut down;
            11 shutting down; 12 shutdown failed; 13 starting. The provider does not say the list is
            closed
            (third-party code has seen 6), so any integer is accepted here.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ListCloudPhoneServersResponse
    """

    return sync_detailed(
        project_id=project_id,
        client=client,
        offset=offset,
        limit=limit,
        server_name=server_name,
        server_id=server_id,
        network_version=network_version,
        phone_model_name=phone_model_name,
        create_since=create_since,
        create_until=create_until,
        status=status,
    ).parsed


async def asyncio_detailed(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
    server_name: str | Unset = UNSET,
    server_id: str | Unset = UNSET,
    network_version: ListCloudPhoneServersNetworkVersion | Unset = UNSET,
    phone_model_name: str | Unset = UNSET,
    create_since: int | Unset = UNSET,
    create_until: int | Unset = UNSET,
    status: int | Unset = UNSET,
) -> Response[ErrorResponse | ListCloudPhoneServersResponse]:
    """Query Cloud Phone servers

     Lists the project's Cloud Phone servers, newest first (by creation time), paginated by offset and
    limit;
    an empty list if there are none (CPH API reference, "Querying CPH Servers"). `count` is the total
    number of
    servers. IAM action `cph:servers:list`.

    Args:
        project_id (str):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        server_name (str | Unset):
        server_id (str | Unset):
        network_version (ListCloudPhoneServersNetworkVersion | Unset):
        phone_model_name (str | Unset):
        create_since (int | Unset):
        create_until (int | Unset):
        status (int | Unset): The documented values: 0, 1, 3, 4 creating; 2 abnormal; 5 normal
            (running); 8 frozen; 10 shut down;
            11 shutting down; 12 shutdown failed; 13 starting. The provider does not say the list is
            closed
            (third-party code has seen 6), so any integer is accepted here.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ListCloudPhoneServersResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        offset=offset,
        limit=limit,
        server_name=server_name,
        server_id=server_id,
        network_version=network_version,
        phone_model_name=phone_model_name,
        create_since=create_since,
        create_until=create_until,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    offset: int | Unset = 0,
    limit: int | Unset = 100,
    server_name: str | Unset = UNSET,
    server_id: str | Unset = UNSET,
    network_version: ListCloudPhoneServersNetworkVersion | Unset = UNSET,
    phone_model_name: str | Unset = UNSET,
    create_since: int | Unset = UNSET,
    create_until: int | Unset = UNSET,
    status: int | Unset = UNSET,
) -> ErrorResponse | ListCloudPhoneServersResponse | None:
    """Query Cloud Phone servers

     Lists the project's Cloud Phone servers, newest first (by creation time), paginated by offset and
    limit;
    an empty list if there are none (CPH API reference, "Querying CPH Servers"). `count` is the total
    number of
    servers. IAM action `cph:servers:list`.

    Args:
        project_id (str):
        offset (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        server_name (str | Unset):
        server_id (str | Unset):
        network_version (ListCloudPhoneServersNetworkVersion | Unset):
        phone_model_name (str | Unset):
        create_since (int | Unset):
        create_until (int | Unset):
        status (int | Unset): The documented values: 0, 1, 3, 4 creating; 2 abnormal; 5 normal
            (running); 8 frozen; 10 shut down;
            11 shutting down; 12 shutdown failed; 13 starting. The provider does not say the list is
            closed
            (third-party code has seen 6), so any integer is accepted here.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ListCloudPhoneServersResponse
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            client=client,
            offset=offset,
            limit=limit,
            server_name=server_name,
            server_id=server_id,
            network_version=network_version,
            phone_model_name=phone_model_name,
            create_since=create_since,
            create_until=create_until,
            status=status,
        )
    ).parsed
