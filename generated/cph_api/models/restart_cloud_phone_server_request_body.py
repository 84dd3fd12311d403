from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RestartCloudPhoneServerRequestBody")


@_attrs_define
class RestartCloudPhoneServerRequestBody:
    """The servers to restart.

    Attributes:
        server_ids (list[str]): IDs of the servers to restart (see ListCloudPhoneServers), 1 to 100 of them.
    """

    server_ids: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        server_ids = self.server_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "server_ids": server_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        server_ids = cast(list[str], d.pop("server_ids"))

        restart_cloud_phone_server_request_body = cls(
            server_ids=server_ids,
        )

        restart_cloud_phone_server_request_body.additional_properties = d
        return restart_cloud_phone_server_request_body

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
