from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Address")


@_attrs_define
class Address:
    """
    Attributes:
        intranet_ip (str | Unset):
        access_ip (str | Unset):
        server_ip (str | Unset):
        public_ip (str | Unset):
    """

    intranet_ip: str | Unset = UNSET
    access_ip: str | Unset = UNSET
    server_ip: str | Unset = UNSET
    public_ip: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        intranet_ip = self.intranet_ip

        access_ip = self.access_ip

        server_ip = self.server_ip

        public_ip = self.public_ip

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if intranet_ip is not UNSET:
            field_dict["intranet_ip"] = intranet_ip
        if access_ip is not UNSET:
            field_dict["access_ip"] = access_ip
        if server_ip is not UNSET:
            field_dict["server_ip"] = server_ip
        if public_ip is not UNSET:
            field_dict["public_ip"] = public_ip

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        intranet_ip = d.pop("intranet_ip", UNSET)

        access_ip = d.pop("access_ip", UNSET)

        server_ip = d.pop("server_ip", UNSET)

        public_ip = d.pop("public_ip", UNSET)

        address = cls(
            intranet_ip=intranet_ip,
            access_ip=access_ip,
            server_ip=server_ip,
            public_ip=public_ip,
        )

        address.additional_properties = d
        return address

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
