from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ErrorResponse")


@_attrs_define
class ErrorResponse:
    """The error body of CPH and of the API gateway (CPH API reference, "Abnormal Response"). The official SDK
    also understands `errorCode`/`errorMsg`, `code`/`message` and a nested object; CPH sends this shape.

        Attributes:
            request_id (str | Unset):
            error_code (str | Unset):
            error_msg (str | Unset):
            encoded_authorization_message (str | Unset): Sent by some Huawei services with permission errors; the official
                SDK keeps it.
    """

    request_id: str | Unset = UNSET
    error_code: str | Unset = UNSET
    error_msg: str | Unset = UNSET
    encoded_authorization_message: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        error_code = self.error_code

        error_msg = self.error_msg

        encoded_authorization_message = self.encoded_authorization_message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if error_msg is not UNSET:
            field_dict["error_msg"] = error_msg
        if encoded_authorization_message is not UNSET:
            field_dict["encoded_authorization_message"] = encoded_authorization_message

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        request_id = d.pop("request_id", UNSET)

        error_code = d.pop("error_code", UNSET)

        error_msg = d.pop("error_msg", UNSET)

        encoded_authorization_message = d.pop("encoded_authorization_message", UNSET)

        error_response = cls(
            request_id=request_id,
            error_code=error_code,
            error_msg=error_msg,
            encoded_authorization_message=encoded_authorization_message,
        )

        error_response.additional_properties = d
        return error_response

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
