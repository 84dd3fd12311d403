from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.address import Address
    from ..models.server_metadata import ServerMetadata


T = TypeVar("T", bound="Server")


@_attrs_define
class Server:
    """Every field optional, as in both SDKs.

    Attributes:
        server_name (str | Unset): At most 65 characters.
        server_id (str | Unset): A CPH identifier. The provider's examples show 32 lower-case hexadecimal characters (a
            UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and both SDKs accept
            any string.
        server_model_name (str | Unset):
        phone_model_name (str | Unset):
        availability_zone (str | Unset):
        keypair_name (str | Unset):
        status (int | Unset): The documented values: 0, 1, 3, 4 creating; 2 abnormal; 5 normal (running); 8 frozen; 10
            shut down;
            11 shutting down; 12 shutdown failed; 13 starting. The provider does not say the list is closed
            (third-party code has seen 6), so any integer is accepted here.
        vpc_id (str | Unset):
        cidr (str | Unset):
        vpc_cidr (str | Unset):
        subnet_id (str | Unset):
        subnet_cidr (str | Unset):
        addresses (list[Address] | Unset):
        resource_project_id (str | Unset):
        metadata (ServerMetadata | Unset):
        network_version (str | Unset): `v1` system-defined network, `v2` user-defined network.
        enterprise_project_id (str | Unset):
        create_time (None | str | Unset): UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
        update_time (None | str | Unset): UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
    """

    server_name: str | Unset = UNSET
    server_id: str | Unset = UNSET
    server_model_name: str | Unset = UNSET
    phone_model_name: str | Unset = UNSET
    availability_zone: str | Unset = UNSET
    keypair_name: str | Unset = UNSET
    status: int | Unset = UNSET
    vpc_id: str | Unset = UNSET
    cidr: str | Unset = UNSET
    vpc_cidr: str | Unset = UNSET
    subnet_id: str | Unset = UNSET
    subnet_cidr: str | Unset = UNSET
    addresses: list[Address] | Unset = UNSET
    resource_project_id: str | Unset = UNSET
    metadata: ServerMetadata | Unset = UNSET
    network_version: str | Unset = UNSET
    enterprise_project_id: str | Unset = UNSET
    create_time: None | str | Unset = UNSET
    update_time: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        server_name = self.server_name

        server_id = self.server_id

        server_model_name = self.server_model_name

        phone_model_name = self.phone_model_name

        availability_zone = self.availability_zone

        keypair_name = self.keypair_name

        status = self.status

        vpc_id = self.vpc_id

        cidr = self.cidr

        vpc_cidr = self.vpc_cidr

        subnet_id = self.subnet_id

        subnet_cidr = self.subnet_cidr

        addresses: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.addresses, Unset):
            addresses = []
            for addresses_item_data in self.addresses:
                addresses_item = addresses_item_data.to_dict()
                addresses.append(addresses_item)

        resource_project_id = self.resource_project_id

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        network_version = self.network_version

        enterprise_project_id = self.enterprise_project_id

        create_time: None | str | Unset
        if isinstance(self.create_time, Unset):
            create_time = UNSET
        else:
            create_time = self.create_time

        update_time: None | str | Unset
        if isinstance(self.update_time, Unset):
            update_time = UNSET
        else:
            update_time = self.update_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if server_name is not UNSET:
            field_dict["server_name"] = server_name
        if server_id is not UNSET:
            field_dict["server_id"] = server_id
        if server_model_name is not UNSET:
            field_dict["server_model_name"] = server_model_name
        if phone_model_name is not UNSET:
            field_dict["phone_model_name"] = phone_model_name
        if availability_zone is not UNSET:
            field_dict["availability_zone"] = availability_zone
        if keypair_name is not UNSET:
            field_dict["keypair_name"] = keypair_name
        if status is not UNSET:
            field_dict["status"] = status
        if vpc_id is not UNSET:
            field_dict["vpc_id"] = vpc_id
        if cidr is not UNSET:
            field_dict["cidr"] = cidr
        if vpc_cidr is not UNSET:
            field_dict["vpc_cidr"] = vpc_cidr
        if subnet_id is not UNSET:
            field_dict["subnet_id"] = subnet_id
        if subnet_cidr is not UNSET:
            field_dict["subnet_cidr"] = subnet_cidr
        if addresses is not UNSET:
            field_dict["addresses"] = addresses
        if resource_project_id is not UNSET:
            field_dict["resource_project_id"] = resource_project_id
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if network_version is not UNSET:
            field_dict["network_version"] = network_version
        if enterprise_project_id is not UNSET:
            field_dict["enterprise_project_id"] = enterprise_project_id
        if create_time is not UNSET:
            field_dict["create_time"] = create_time
        if update_time is not UNSET:
            field_dict["update_time"] = update_time

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.address import Address
        from ..models.server_metadata import ServerMetadata

        d = dict(src_dict)
        server_name = d.pop("server_name", UNSET)

        server_id = d.pop("server_id", UNSET)

        server_model_name = d.pop("server_model_name", UNSET)

        phone_model_name = d.pop("phone_model_name", UNSET)

        availability_zone = d.pop("availability_zone", UNSET)

        keypair_name = d.pop("keypair_name", UNSET)

        status = d.pop("status", UNSET)

        vpc_id = d.pop("vpc_id", UNSET)

        cidr = d.pop("cidr", UNSET)

        vpc_cidr = d.pop("vpc_cidr", UNSET)

        subnet_id = d.pop("subnet_id", UNSET)

        subnet_cidr = d.pop("subnet_cidr", UNSET)

        _addresses = d.pop("addresses", UNSET)
        addresses: list[Address] | Unset = UNSET
        if _addresses is not UNSET:
            addresses = []
            for addresses_item_data in _addresses:
                addresses_item = Address.from_dict(addresses_item_data)

                addresses.append(addresses_item)

        resource_project_id = d.pop("resource_project_id", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: ServerMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = ServerMetadata.from_dict(_metadata)

        network_version = d.pop("network_version", UNSET)

        enterprise_project_id = d.pop("enterprise_project_id", UNSET)

        def _parse_create_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        create_time = _parse_create_time(d.pop("create_time", UNSET))

        def _parse_update_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        update_time = _parse_update_time(d.pop("update_time", UNSET))

        server = cls(
            server_name=server_name,
            server_id=server_id,
            server_model_name=server_model_name,
            phone_model_name=phone_model_name,
            availability_zone=availability_zone,
            keypair_name=keypair_name,
            status=status,
            vpc_id=vpc_id,
            cidr=cidr,
            vpc_cidr=vpc_cidr,
            subnet_id=subnet_id,
            subnet_cidr=subnet_cidr,
            addresses=addresses,
            resource_project_id=resource_project_id,
            metadata=metadata,
            network_version=network_version,
            enterprise_project_id=enterprise_project_id,
            create_time=create_time,
            update_time=update_time,
        )

        server.additional_properties = d
        return server

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
