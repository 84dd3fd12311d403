from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus, check_job_status
from ..types import UNSET, Unset

T = TypeVar("T", bound="Job")


@_attrs_define
class Job:
    """A job as ListJobs shows it; unset fields are empty strings. `job_id`, `status` and `begin_time` always
    present (decision, ours).

        Attributes:
            job_id (str): A CPH identifier: 32 lower-case hexadecimal characters (a UUID without hyphens), as in every
                current
                example of the provider. **Decision (ours):** the provider documents no format; this document enforces it.
            begin_time (str): UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
            status (JobStatus): `1` running, `2` succeeded, `-1` failed.
            server_id (str | Unset): The server of a server job (restart).
            phone_id (str | Unset): The phone of a phone job.
            node_id (str | Unset): The server of a server job (deprecated).
            end_time (str | Unset): When the job ended; empty while it runs.
            error_code (str | Unset): Why the job failed.
            error_msg (str | Unset): The message of `error_code`.
            execute_msg (str | Unset): Job output, at most 1024 bytes.
    """

    job_id: str
    begin_time: str
    status: JobStatus
    server_id: str | Unset = UNSET
    phone_id: str | Unset = UNSET
    node_id: str | Unset = UNSET
    end_time: str | Unset = UNSET
    error_code: str | Unset = UNSET
    error_msg: str | Unset = UNSET
    execute_msg: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        begin_time = self.begin_time

        status: int = self.status

        server_id = self.server_id

        phone_id = self.phone_id

        node_id = self.node_id

        end_time = self.end_time

        error_code = self.error_code

        error_msg = self.error_msg

        execute_msg = self.execute_msg

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "begin_time": begin_time,
                "status": status,
            }
        )
        if server_id is not UNSET:
            field_dict["server_id"] = server_id
        if phone_id is not UNSET:
            field_dict["phone_id"] = phone_id
        if node_id is not UNSET:
            field_dict["node_id"] = node_id
        if end_time is not UNSET:
            field_dict["end_time"] = end_time
        if error_code is not UNSET:
            field_dict["error_code"] = error_code
        if error_msg is not UNSET:
            field_dict["error_msg"] = error_msg
        if execute_msg is not UNSET:
            field_dict["execute_msg"] = execute_msg

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        job_id = d.pop("job_id")

        begin_time = d.pop("begin_time")

        status = check_job_status(d.pop("status"))

        server_id = d.pop("server_id", UNSET)

        phone_id = d.pop("phone_id", UNSET)

        node_id = d.pop("node_id", UNSET)

        end_time = d.pop("end_time", UNSET)

        error_code = d.pop("error_code", UNSET)

        error_msg = d.pop("error_msg", UNSET)

        execute_msg = d.pop("execute_msg", UNSET)

        job = cls(
            job_id=job_id,
            begin_time=begin_time,
            status=status,
            server_id=server_id,
            phone_id=phone_id,
            node_id=node_id,
            end_time=end_time,
            error_code=error_code,
            error_msg=error_msg,
            execute_msg=execute_msg,
        )

        job.additional_properties = d
        return job

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
