"""Signing: microseconds per SDK-HMAC-SHA256 signature, ours (``AkSkAuth.sign``) vs the official SDK's ``Signer``.

Both sign the same batch-restart request (same headers, same body) with the date fixed, so the work is identical.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx

from benchmarks._harness import MOCK_AK, MOCK_PROJECT, MOCK_SK, Stats, repeat
from cph import AkSkAuth, AkSkCredentials

URL = f"https://cph.cn-east-3.myhuaweicloud.com/v1/{MOCK_PROJECT}/cloud-phone/servers/batch-restart"
BODY = json.dumps({"server_ids": ["1234567b8bab40ffb711234cb80d0234"]})
FIXED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def ours_us(n: int) -> float:
    auth = AkSkAuth(AkSkCredentials(MOCK_AK, MOCK_SK, MOCK_PROJECT), clock=lambda: FIXED)
    requests = [
        httpx.Request("POST", URL, content=BODY.encode(), headers={"Content-Type": "application/json"})
        for _ in range(n)
    ]
    start = time.perf_counter()
    for request in requests:
        auth.sign(request)
    return (time.perf_counter() - start) / n * 1e6


def sdk_us(n: int) -> float:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    signer = Signer(BasicCredentials(MOCK_AK, MOCK_SK, MOCK_PROJECT))
    requests = [
        SdkRequest(
            method="POST",
            schema="https",
            host="cph.cn-east-3.myhuaweicloud.com",
            resource_path=f"/v1/{MOCK_PROJECT}/cloud-phone/servers/batch-restart",
            query_params=[],
            body=BODY,
            header_params={
                "Content-Type": "application/json",
                "X-Sdk-Date": "20261126T120000Z",
                "X-Project-Id": MOCK_PROJECT,
            },
        )
        for _ in range(n)
    ]
    start = time.perf_counter()
    for request in requests:
        signer.sign(request)
    return (time.perf_counter() - start) / n * 1e6


def run(*, smoke: bool) -> dict[str, Stats]:
    n, runs = (50, 2) if smoke else (5000, 7)
    return {"ours": repeat(lambda: ours_us(n), runs), "sdk": repeat(lambda: sdk_us(n), runs)}
