from typing import Literal

ListCloudPhoneServersNetworkVersion = Literal["v1", "v2"]

LIST_CLOUD_PHONE_SERVERS_NETWORK_VERSION_VALUES: set[
    ListCloudPhoneServersNetworkVersion
] = {
    "v1",
    "v2",
}


def check_list_cloud_phone_servers_network_version(
    value: str,
) -> ListCloudPhoneServersNetworkVersion:
    if value in LIST_CLOUD_PHONE_SERVERS_NETWORK_VERSION_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {LIST_CLOUD_PHONE_SERVERS_NETWORK_VERSION_VALUES!r}"
    )
