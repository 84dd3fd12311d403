from typing import Literal

ServerNetworkVersion = Literal["v1", "v2"]

SERVER_NETWORK_VERSION_VALUES: set[ServerNetworkVersion] = {
    "v1",
    "v2",
}


def check_server_network_version(value: str) -> ServerNetworkVersion:
    if value in SERVER_NETWORK_VERSION_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SERVER_NETWORK_VERSION_VALUES!r}"
    )
