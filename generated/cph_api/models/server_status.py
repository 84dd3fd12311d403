from typing import Literal

ServerStatus = Literal[0, 1, 2, 3, 4, 5, 8, 10, 11, 12, 13]

SERVER_STATUS_VALUES: set[ServerStatus] = {
    0,
    1,
    2,
    3,
    4,
    5,
    8,
    10,
    11,
    12,
    13,
}


def check_server_status(value: int) -> ServerStatus:
    if value in SERVER_STATUS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SERVER_STATUS_VALUES!r}"
    )
