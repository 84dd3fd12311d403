from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.server_network_version import (
    ServerNetworkVersion,
    check_server_network_version,
)
from ..models.server_status import ServerStatus, check_server_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.address import Address
    from ..models.server_metadata import ServerMetadata


T = TypeVar("T", bound="Server")


@_attrs_define
class Server:
    """`server_id`, `server_name` and `status` always present (decision, ours).

    Attributes:
        server_name (str): At most 65 characters.
        server_id (str): A CPH identifier: 32 lower-case hexadecimal characters (a UUID without hyphens), as in every
            current
            example of the provider. **Decision (ours):** the provider documents no format; this document enforces it.
        status (ServerStatus): 0, 1, 3, 4 creating; 2 abnormal; 5 normal (running); 8 frozen; 10 shut down; 11 shutting
            down;
            12 shutdown failed; 13 starting. **Decision (ours):** closed to the documented values (6 is undocumented
            and never sent by the mock; third-party code treats it as deleted).
        server_model_name (str | Unset):
        phone_model_name (str | Unset):
        availability_zone (str | Unset):
        keypair_name (str | Unset):
        vpc_id (str | Unset):
        cidr (str | Unset):
        vpc_cidr (str | Unset):
        subnet_id (str | Unset):
        subnet_cidr (str | Unset):
        addresses (list[Address] | Unset):
        resource_project_id (str | Unset):
        metadata (ServerMetadata | Unset):
        network_version (ServerNetworkVersion | Unset): `v1` system-defined network, `v2` user-defined network.
        enterprise_project_id (str | Unset):
        create_time (str | Unset): UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
        update_time (str | Unset): UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
    """

    server_name: str
    server_id: str
    status: ServerStatus
    server_model_name: str | Unset = UNSET
    phone_model_name: str | Unset = UNSET
    availability_zone: str | Unset = UNSET
    keypair_name: str | Unset = UNSET
    vpc_id: str | Unset = UNSET
    cidr: str | Unset = UNSET
    vpc_cidr: str | Unset = UNSET
    subnet_id: str | Unset = UNSET
    subnet_cidr: str | Unset = UNSET
    addresses: list[Address] | Unset = UNSET
    resource_project_id: str | Unset = UNSET
    metadata: ServerMetadata | Unset = UNSET
    network_version: ServerNetworkVersion | Unset = UNSET
    enterprise_project_id: str | Unset = UNSET
    create_time: str | Unset = UNSET
    update_time: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        server_name = self.server_name

        server_id = self.server_id

        status: int = self.status

        server_model_name = self.server_model_name

        phone_model_name = self.phone_model_name

        availability_zone = self.availability_zone

        keypair_name = self.keypair_name

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

        network_version: str | Unset = UNSET
        if not isinstance(self.network_version, Unset):
            network_version = self.network_version

        enterprise_project_id = self.enterprise_project_id

        create_time = self.create_time

        update_time = self.update_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "server_name": server_name,
                "server_id": server_id,
                "status": status,
            }
        )
        if server_model_name is not UNSET:
            field_dict["server_model_name"] = server_model_name
        if phone_model_name is not UNSET:
            field_dict["phone_model_name"] = phone_model_name
        if availability_zone is not UNSET:
            field_dict["availability_zone"] = availability_zone
        if keypair_name is not UNSET:
            field_dict["keypair_name"] = keypair_name
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
        server_name = d.pop("server_name")

        server_id = d.pop("server_id")

        status = check_server_status(d.pop("status"))

        server_model_name = d.pop("server_model_name", UNSET)

        phone_model_name = d.pop("phone_model_name", UNSET)

        availability_zone = d.pop("availability_zone", UNSET)

        keypair_name = d.pop("keypair_name", UNSET)

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

        _network_version = d.pop("network_version", UNSET)
        network_version: ServerNetworkVersion | Unset
        if isinstance(_network_version, Unset):
            network_version = UNSET
        else:
            network_version = check_server_network_version(_network_version)

        enterprise_project_id = d.pop("enterprise_project_id", UNSET)

        create_time = d.pop("create_time", UNSET)

        update_time = d.pop("update_time", UNSET)

        server = cls(
            server_name=server_name,
            server_id=server_id,
            status=status,
            server_model_name=server_model_name,
            phone_model_name=phone_model_name,
            availability_zone=availability_zone,
            keypair_name=keypair_name,
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
