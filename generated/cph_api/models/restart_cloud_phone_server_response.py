from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.server_job import ServerJob


T = TypeVar("T", bound="RestartCloudPhoneServerResponse")


@_attrs_define
class RestartCloudPhoneServerResponse:
    """Both fields always present (decision, ours).

    Attributes:
        request_id (str): A CPH identifier: 32 lower-case hexadecimal characters (a UUID without hyphens), as in every
            current
            example of the provider. **Decision (ours):** the provider documents no format; this document enforces it.
        jobs (list[ServerJob]): One entry per distinct requested server, in request order (decision, ours).
    """

    request_id: str
    jobs: list[ServerJob]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        jobs = []
        for jobs_item_data in self.jobs:
            jobs_item = jobs_item_data.to_dict()
            jobs.append(jobs_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "request_id": request_id,
                "jobs": jobs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.server_job import ServerJob

        d = dict(src_dict)
        request_id = d.pop("request_id")

        jobs = []
        _jobs = d.pop("jobs")
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
