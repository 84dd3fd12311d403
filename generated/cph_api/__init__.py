"""A client library for accessing Huawei Cloud CPH — RestartCloudPhoneServer and the operations a restart needs (provider contract)"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
