"""Contains all the data models used in inputs/outputs"""

from .address import Address
from .error_response import ErrorResponse
from .job import Job
from .job_status import JobStatus
from .list_cloud_phone_servers_network_version import (
    ListCloudPhoneServersNetworkVersion,
)
from .list_cloud_phone_servers_response import ListCloudPhoneServersResponse
from .list_jobs_response import ListJobsResponse
from .restart_cloud_phone_server_request_body import RestartCloudPhoneServerRequestBody
from .restart_cloud_phone_server_response import RestartCloudPhoneServerResponse
from .server import Server
from .server_job import ServerJob
from .server_metadata import ServerMetadata
from .show_job_response import ShowJobResponse

__all__ = (
    "Address",
    "ErrorResponse",
    "Job",
    "JobStatus",
    "ListCloudPhoneServersNetworkVersion",
    "ListCloudPhoneServersResponse",
    "ListJobsResponse",
    "RestartCloudPhoneServerRequestBody",
    "RestartCloudPhoneServerResponse",
    "Server",
    "ServerJob",
    "ServerMetadata",
    "ShowJobResponse",
)
