from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.server import Server


T = TypeVar("T", bound="ListCloudPhoneServersResponse")


@_attrs_define
class ListCloudPhoneServersResponse:
    """Every field optional, as in both SDKs.

    Attributes:
        request_id (str | Unset): A CPH identifier. The provider's examples show 32 lower-case hexadecimal characters (a
            UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and both SDKs accept
            any string.
        count (int | Unset): Total number of servers.
        servers (list[Server] | Unset):
    """

    request_id: str | Unset = UNSET
    count: int | Unset = UNSET
    servers: list[Server] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        count = self.count

        servers: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.servers, Unset):
            servers = []
            for servers_item_data in self.servers:
                servers_item = servers_item_data.to_dict()
                servers.append(servers_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if count is not UNSET:
            field_dict["count"] = count
        if servers is not UNSET:
            field_dict["servers"] = servers

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.server import Server

        d = dict(src_dict)
        request_id = d.pop("request_id", UNSET)

        count = d.pop("count", UNSET)

        _servers = d.pop("servers", UNSET)
        servers: list[Server] | Unset = UNSET
        if _servers is not UNSET:
            servers = []
            for servers_item_data in _servers:
                servers_item = Server.from_dict(servers_item_data)

                servers.append(servers_item)

        list_cloud_phone_servers_response = cls(
            request_id=request_id,
            count=count,
            servers=servers,
        )

        list_cloud_phone_servers_response.additional_properties = d
        return list_cloud_phone_servers_response

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
