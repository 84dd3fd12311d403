import os

import pytest
from huaweicloudsdkcph.v1 import CphClient as SdkCphClient
from huaweicloudsdkcph.v1 import RestartCloudPhoneServerRequest, RestartCloudPhoneServerRequestBody

from cph import CphClient, RetryPolicy


@pytest.mark.cph_mock(fleet_size=6, seed=1)
def test_restart_with_cph_client(cph_mock):
    server_ids = cph_mock.normal_server_ids[:2]
    with CphClient(endpoint=os.environ["CPH_ENDPOINT"]) as client:  # AK/SK and project ID from the environment
        result = client.restart(server_ids, wait=True)

    assert sorted(entry.server_id for entry in result.with_outcome("succeeded")) == sorted(server_ids)
    assert cph_mock.state.restart_counts() == dict.fromkeys(server_ids, 1)


def test_restart_with_the_official_sdk(cph_mock):
    client = SdkCphClient.new_builder().with_endpoint(os.environ["CPH_ENDPOINT"]).build()  # credentials: env
    body = RestartCloudPhoneServerRequestBody(server_ids=[cph_mock.normal_server_ids[0], "f" * 32])
    jobs = client.restart_cloud_phone_server(RestartCloudPhoneServerRequest(body=body)).jobs

    assert jobs[0].job_id is not None
    assert jobs[1].error_code == "CPS.0016"  # an unknown server is rejected per job


@pytest.mark.cph_mock(faults={"error_503_rate": 1.0, "operations": ["RestartCloudPhoneServer"]})
def test_a_persistent_503_rejects_the_batch(cph_mock):
    with CphClient(endpoint=cph_mock.endpoint, retry=RetryPolicy(max_attempts=2)) as client:
        result = client.restart(cph_mock.normal_server_ids[:1])  # retried once (503 is safe to resend), then given up

    assert [(entry.outcome, entry.error_code) for entry in result] == [("rejected", "APIGW.0613")]
    assert cph_mock.state.restart_counts() == {}
