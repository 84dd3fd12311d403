from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ServerJob")


@_attrs_define
class ServerJob:
    """The outcome for one requested server: `server_id` and `job_id` when the restart was accepted, `server_id`,
    `error_code` and `error_msg` when it was not.

        Attributes:
            server_id (str | Unset): A CPH identifier. The provider's examples show 32 lower-case hexadecimal characters (a
                UUID without
                hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and both SDKs accept
                any string.
            job_id (str | Unset): A CPH identifier. The provider's examples show 32 lower-case hexadecimal characters (a
                UUID without
                hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and both SDKs accept
                any string.
            error_code (str | Unset): Why this server was not restarted.
            error_msg (str | Unset): The message of `error_code`.
    """

    server_id: str | Unset = UNSET
    job_id: str | Unset = UNSET
    error_code: str | Unset = UNSET
    error_msg: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        server_id = self.server_id

        job_id = self.job_id

        error_code = self.error_code

        error_msg = self.error_msg

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if server_id is not UNSET:
            field_dict["server_id"] = server_id
        if job_id is not UNSET:
            field_dict["job_id"] = job_id
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if error_msg is not UNSET:
            field_dict["error_msg"] = error_msg

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        server_id = d.pop("server_id", UNSET)

        job_id = d.pop("job_id", UNSET)

        error_code = d.pop("error_code", UNSET)

        error_msg = d.pop("error_msg", UNSET)

        server_job = cls(
            server_id=server_id,
            job_id=job_id,
            error_code=error_code,
            error_msg=error_msg,
        )

        server_job.additional_properties = d
        return server_job

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
