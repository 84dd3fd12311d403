from typing import Literal

JobStatus = Literal[-1, 1, 2]

JOB_STATUS_VALUES: set[JobStatus] = {
    -1,
    1,
    2,
}


def check_job_status(value: int) -> JobStatus:
    if value in JOB_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_STATUS_VALUES!r}"
    )
