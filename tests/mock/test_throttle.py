"""Per-credential token buckets and the gateway's 429 answer."""

from __future__ import annotations

import pytest
from cph_mock_testkit import PRIMARY, SECOND_AK, SK, Client, aksk, assert_error, make_config

from cph.mock import ErrorReply, FakeClock, ThrottleConfig, create_app
from cph.mock._throttle import Throttle, throttle_detail


def test_bucket_allows_burst_then_refills_with_time(clock: FakeClock) -> None:
    throttle = Throttle(ThrottleConfig(rate=2, burst=3), clock)
    assert [throttle.allow("a") for _ in range(4)] == [True, True, True, False]
    assert throttle.allow("b")  # buckets are per credential
    clock.advance(0.5)
    assert throttle.allow("a")
    assert not throttle.allow("a")
    clock.advance(10)
    assert [throttle.allow("a") for _ in range(4)] == [True, True, True, False]  # capped at the burst size


def test_disabled_throttle_allows_everything(clock: FakeClock) -> None:
    throttle = Throttle(ThrottleConfig(), clock)
    assert all(throttle.allow("a") for _ in range(1000))


def test_check_raises_the_gateway_error(clock: FakeClock) -> None:
    throttle = Throttle(ThrottleConfig(rate=1), clock)
    throttle.check("a")
    with pytest.raises(ErrorReply) as caught:
        throttle.check("a")
    assert (caught.value.code, caught.value.status) == ("APIGW.0308", 429)
    assert caught.value.detail == "policy user over ratelimit,limit:1,time:1 second"
    assert throttle_detail(2.5) == "policy user over ratelimit,limit:2.5,time:1 second"


def test_app_throttles_per_credential_and_refuses_nothing_else(clock: FakeClock) -> None:
    app = create_app(make_config(throttle={"rate": 3}), clock=clock)
    primary = Client(app, aksk(clock=clock))
    other = Client(app, aksk(SECOND_AK, SK, None, clock=clock))
    try:
        url = f"/v1/{PRIMARY}/cloud-phone/servers?limit=1"
        assert [primary.get(url).status_code for _ in range(3)] == [200, 200, 200]
        body = assert_error(primary.get(url), 429, "APIGW.0308")
        assert body["error_msg"] == (
            "The throttling threshold has been reached: policy user over ratelimit,limit:3,time:1 second"
        )
        assert other.get(url).status_code == 400  # its own bucket (and its own project: CPS.0001)
        clock.advance(1)
        assert primary.get(url).status_code == 200
    finally:
        primary.close()
        other.close()
