from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus, check_job_status
from ..types import UNSET, Unset

T = TypeVar("T", bound="ShowJobResponse")


@_attrs_define
class ShowJobResponse:
    """Every field optional, as in both SDKs; fields without a value are `null` in the provider's example.

    Attributes:
        request_id (str | Unset): A CPH identifier. The provider's examples show 32 lower-case hexadecimal characters (a
            UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and both SDKs accept
            any string.
        job_id (str | Unset): A CPH identifier. The provider's examples show 32 lower-case hexadecimal characters (a
            UUID without
            hyphens), but the provider documents no format (a server ID is "at most 32 bytes") and both SDKs accept
            any string.
        server_id (None | str | Unset): The server of a server job (restart).
        phone_id (None | str | Unset): The phone of a phone job.
        begin_time (None | str | Unset): UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
        end_time (None | str | Unset): When the job ended, UTC as `YYYY-MM-DDTHH:MM:SSZ`.
        status (JobStatus | Unset): `1` running, `2` succeeded, `-1` failed.
        error_code (None | str | Unset): Why the job failed.
        error_msg (None | str | Unset): The message of `error_code`.
        execute_msg (None | str | Unset): Job output, at most 1024 bytes.
    """

    request_id: str | Unset = UNSET
    job_id: str | Unset = UNSET
    server_id: None | str | Unset = UNSET
    phone_id: None | str | Unset = UNSET
    begin_time: None | str | Unset = UNSET
    end_time: None | str | Unset = UNSET
    status: JobStatus | Unset = UNSET
    error_code: None | str | Unset = UNSET
    error_msg: None | str | Unset = UNSET
    execute_msg: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        request_id = self.request_id

        job_id = self.job_id

        server_id: None | str | Unset
        if isinstance(self.server_id, Unset):
            server_id = UNSET
        else:
            server_id = self.server_id

        phone_id: None | str | Unset
        if isinstance(self.phone_id, Unset):
            phone_id = UNSET
        else:
            phone_id = self.phone_id

        begin_time: None | str | Unset
        if isinstance(self.begin_time, Unset):
            begin_time = UNSET
        else:
            begin_time = self.begin_time

        end_time: None | str | Unset
        if isinstance(self.end_time, Unset):
            end_time = UNSET
        else:
            end_time = self.end_time

        status: int | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status

        error_code: None | str | Unset
        if isinstance(self.error_code, Unset):
            error_code = UNSET
        else:
            error_code = self.error_code

        error_msg: None | str | Unset
        if isinstance(self.error_msg, Unset):
            error_msg = UNSET
        else:
            error_msg = self.error_msg

        execute_msg: None | str | Unset
        if isinstance(self.execute_msg, Unset):
            execute_msg = UNSET
        else:
            execute_msg = self.execute_msg

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if job_id is not UNSET:
            field_dict["job_id"] = job_id
        if server_id is not UNSET:
            field_dict["server_id"] = server_id
        if phone_id is not UNSET:
            field_dict["phone_id"] = phone_id
        if begin_time is not UNSET:
            field_dict["begin_time"] = begin_time
        if end_time is not UNSET:
            field_dict["end_time"] = end_time
        if status is not UNSET:
            field_dict["status"] = status
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
        request_id = d.pop("request_id", UNSET)

        job_id = d.pop("job_id", UNSET)

        def _parse_server_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        server_id = _parse_server_id(d.pop("server_id", UNSET))

        def _parse_phone_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        phone_id = _parse_phone_id(d.pop("phone_id", UNSET))

        def _parse_begin_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        begin_time = _parse_begin_time(d.pop("begin_time", UNSET))

        def _parse_end_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        end_time = _parse_end_time(d.pop("end_time", UNSET))

        _status = d.pop("status", UNSET)
        status: JobStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = check_job_status(_status)

        def _parse_error_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_code = _parse_error_code(d.pop("error_code", UNSET))

        def _parse_error_msg(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_msg = _parse_error_msg(d.pop("error_msg", UNSET))

        def _parse_execute_msg(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        execute_msg = _parse_execute_msg(d.pop("execute_msg", UNSET))

        show_job_response = cls(
            request_id=request_id,
            job_id=job_id,
            server_id=server_id,
            phone_id=phone_id,
            begin_time=begin_time,
            end_time=end_time,
            status=status,
            error_code=error_code,
            error_msg=error_msg,
            execute_msg=execute_msg,
        )

        show_job_response.additional_properties = d
        return show_job_response

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
