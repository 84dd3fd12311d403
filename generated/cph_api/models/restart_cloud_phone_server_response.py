from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.server_job import ServerJob


T = TypeVar("T", bound="RestartCloudPhoneServerResponse")


@_attrs_define
class RestartCloudPhoneServerResponse:
    """Every field optional, as in both SDKs.

    Attributes:
        request_id (str | Unset): A CPH identifier. The provider's examples show 32 lower-case hexadecimal characters (a
            UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and both SDKs accept
            any string.
        jobs (list[ServerJob] | Unset): One entry per requested server.
    """

    request_id: str | Unset = UNSET
    jobs: list[ServerJob] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        jobs: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.jobs, Unset):
            jobs = []
            for jobs_item_data in self.jobs:
                jobs_item = jobs_item_data.to_dict()
                jobs.append(jobs_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if jobs is not UNSET:
            field_dict["jobs"] = jobs

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.server_job import ServerJob

        d = dict(src_dict)
        request_id = d.pop("request_id", UNSET)

        _jobs = d.pop("jobs", UNSET)
        jobs: list[ServerJob] | Unset = UNSET
        if _jobs is not UNSET:
            jobs = []
            for jobs_item_data in _jobs:
                jobs_item = ServerJob.from_dict(jobs_item_data)

                jobs.append(jobs_item)

        restart_cloud_phone_server_response = cls(
            request_id=request_id,
            jobs=jobs,
        )

        restart_cloud_phone_server_response.additional_properties = d
        return restart_cloud_phone_server_response

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
