from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ServerMetadata")


@_attrs_define
class ServerMetadata:
    """
    Attributes:
        product_id (str | Unset):
        order_id (str | Unset):
        charging_mode (int | Unset): 0: yearly/monthly.
    """

    product_id: str | Unset = UNSET
    order_id: str | Unset = UNSET
    charging_mode: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        product_id = self.product_id

        order_id = self.order_id

        charging_mode = self.charging_mode

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if product_id is not UNSET:
            field_dict["product_id"] = product_id
        if order_id is not UNSET:
            field_dict["order_id"] = order_id
        if charging_mode is not UNSET:
            field_dict["charging_mode"] = charging_mode

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        product_id = d.pop("product_id", UNSET)

        order_id = d.pop("order_id", UNSET)

        charging_mode = d.pop("charging_mode", UNSET)

        server_metadata = cls(
            product_id=product_id,
            order_id=order_id,
            charging_mode=charging_mode,
        )

        server_metadata.additional_properties = d
        return server_metadata

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
