"""Batching: limits read from the spec, ID cleaning (duplicates, malformed), splitting, and the rate limiter."""

from __future__ import annotations

import re
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cph import RateLimiter, load_spec
from cph._batching import (
    chunks,
    id_pattern,
    id_problem,
    list_jobs_max_request_ids,
    max_batch_size,
    page_size,
    plan_ids,
    throttle_limit,
)

SPEC = load_spec()
HEX_IDS = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


def test_limits_come_from_the_spec() -> None:
    body = SPEC["components"]["schemas"]["RestartCloudPhoneServerRequestBody"]
    assert max_batch_size() == body["properties"]["server_ids"]["maxItems"] == 100
    assert page_size() == SPEC["components"]["parameters"]["limit"]["schema"]["maximum"] == 100
    assert list_jobs_max_request_ids() == 20
    assert id_pattern().pattern == SPEC["components"]["schemas"]["Id32"]["pattern"]


def test_list_jobs_limit_matches_the_request_ids_pattern() -> None:
    params = SPEC["paths"]["/v1/{project_id}/cloud-phone/jobs"]["get"]["parameters"]
    pattern = next(p for p in params if p.get("name") == "request_ids")["schema"]["pattern"]
    regex = re.compile(pattern)
    n = list_jobs_max_request_ids()
    assert regex.match(",".join(["a" * 32] * n))
    assert not regex.match(",".join(["a" * 32] * (n + 1)))


def test_plan_drops_duplicates_and_holds_back_only_provider_illegal_ids() -> None:
    a, b = "a" * 32, "b" * 32
    plan = plan_ids([a, f" {b}\n", a, "A" * 32, "short", "", "  ", b])
    assert plan.unique == (a, b, "A" * 32, "short", "")
    assert plan.valid == (a, b)
    assert plan.unusual == ("A" * 32, "short")  # provider-legal, other shape: sent, on their own
    assert plan.invalid == ("",)
    assert id_problem("") == "empty"
    assert id_problem("A" * 32) is None
    assert id_problem("123e4567-e89b-12d3-a456-426614174000") is None


def test_unusual_ids_get_batches_of_their_own() -> None:
    good = [f"{i:032x}" for i in range(150)]
    odd = "123e4567-e89b-12d3-a456-426614174000"
    plan = plan_ids([*good[:70], odd, *good[70:]])
    batches = plan.batches()
    assert batches == [good[:100], good[100:], [odd]]


@given(st.lists(HEX_IDS | st.text(max_size=40), max_size=400), st.integers(min_value=1, max_value=150))
def test_batches_partition_the_sent_ids_in_order_never_mixing_shapes(ids: list[str], size: int) -> None:
    plan = plan_ids(ids)
    batches = plan.batches(size)
    assert [i for batch in batches for i in batch] == [*plan.valid, *plan.unusual]
    assert all(1 <= len(batch) <= size for batch in batches)
    conforming = set(plan.valid)
    assert all(set(batch) <= conforming or not set(batch) & conforming for batch in batches)
    assert len(set(plan.unique)) == len(plan.unique)
    assert set(plan.valid) | set(plan.unusual) | set(plan.invalid) == set(plan.unique)
    assert len(plan.valid) + len(plan.unusual) + len(plan.invalid) == len(plan.unique)
    assert all(i == "" for i in plan.invalid)


def test_default_batch_size_is_the_spec_maximum() -> None:
    plan = plan_ids(f"{i:032x}" for i in range(250))
    assert [len(b) for b in plan.batches()] == [100, 100, 50]


def test_chunks_rejects_a_zero_size() -> None:
    with pytest.raises(ValueError, match="size"):
        list(chunks([1], 0))


def test_rate_limiter_spaces_slots_evenly() -> None:
    now = [100.0]
    limiter = RateLimiter(4.0, clock=lambda: now[0])
    assert [limiter.reserve() for _ in range(4)] == [0.0, 0.25, 0.5, 0.75]
    now[0] = 102.0  # idle: no credit is saved up, the next slot is now
    assert limiter.reserve() == 0.0
    assert limiter.reserve() == 0.25
    assert repr(limiter) == "RateLimiter(rate=4.0, fixed)"
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)


def test_rate_limiter_is_thread_safe() -> None:
    limiter = RateLimiter(1000.0, clock=lambda: 0.0)
    delays: list[float] = []
    lock = threading.Lock()

    def book() -> None:
        for _ in range(100):
            delay = limiter.reserve()
            with lock:
                delays.append(delay)

    threads = [threading.Thread(target=book) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(d * 1000) for d in delays) == list(range(400))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_adaptive_limiter_is_unpaced_until_throttled_then_backs_off_and_recovers() -> None:
    clock = Clock()
    limiter = RateLimiter(adaptive=True, clock=clock)
    assert limiter.rate is None
    assert [limiter.reserve() for _ in range(5)] == [0.0] * 5
    for _ in range(20):  # the gateway let 20 through in the last two seconds...
        clock.now += 0.1
        limiter.answered()
    limiter.throttled(sent_at=clock.now)  # ...then said 429
    cut = limiter.rate
    assert cut is not None
    assert cut == pytest.approx(RateLimiter.BETA * 10, rel=0.01)  # multiplicative back-off from what got through
    limiter.throttled(sent_at=clock.now - 0.01)  # sent before the cut: already reacted to
    assert limiter.rate == pytest.approx(cut)
    clock.now += 1.0
    one_second = limiter.rate
    clock.now += 1.0
    two_seconds = limiter.rate
    clock.now += 3.0
    later = limiter.rate
    assert one_second is not None
    assert two_seconds is not None
    assert later is not None
    assert cut < one_second < two_seconds <= 10.1  # back to what got through within ~2 s (CUBIC's K)...
    assert later > 10.1  # ...then probing above it, slowly
    assert limiter.throttles == 2
    clock.now += 60.0
    assert limiter.rate == pytest.approx(2 * 10, rel=0.01)  # however long it was idle: twice the last good rate


def test_a_slot_booked_before_a_throttle_is_known_to_be_stale() -> None:
    clock = Clock()
    limiter = RateLimiter(adaptive=True, clock=clock)
    clock.now = 1.0
    assert not limiter.slowed_since(0.5)
    limiter.throttled(sent_at=1.0)
    assert limiter.slowed_since(0.5)  # booked at 0.5, before the 429 at 1.0: book again at the new pace
    assert not limiter.slowed_since(1.0)


def test_a_limit_named_by_the_gateway_is_kept_and_never_probed_above() -> None:
    clock = Clock()
    limiter = RateLimiter(adaptive=True, clock=clock)
    limiter.throttled(sent_at=0.0, limit=throttle_limit("over: policy user over ratelimit,limit:5,time:1 second"))
    clock.now = 100.0
    assert limiter.rate == pytest.approx(5 * RateLimiter.MARGIN)
    assert [round(limiter.reserve(), 3) for _ in range(3)] == [0.0, round(1 / 4.85, 3), round(2 / 4.85, 3)]


def test_an_explicit_rate_caps_the_adaptive_one_and_retry_after_pauses_everything() -> None:
    clock = Clock()
    limiter = RateLimiter(2.0, adaptive=True, clock=clock)
    assert limiter.rate == 2.0
    limiter.throttled(sent_at=0.0, retry_after=3.0)
    assert limiter.reserve() >= 3.0
    assert RateLimiter(2.0).rate == 2.0
    with pytest.raises(ValueError, match="needs a rate"):
        RateLimiter()


@pytest.mark.parametrize(
    ("message", "limit"),
    [
        ("The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 second", 5.0),
        ("The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute", 100 / 60),
        ("The throttling threshold has been reached: policy ip over ratelimit,limit:5,time:5 second", 1.0),
        ("The throttling threshold has been reached: policy api over ratelimit,limit:2000,time:1 minute", None),
        ("The throttling threshold has been reached.", None),
        (None, None),
        ("policy user over ratelimit,limit:0,time:1 second", None),
        ("policy user over ratelimit,limit:5,time:1 fortnight", None),
    ],
)
def test_the_gateway_message_names_this_callers_limit(message: str | None, limit: float | None) -> None:
    assert throttle_limit(message) == (None if limit is None else pytest.approx(limit))


def test_slow_start_lets_one_more_request_in_flight_per_answer_until_the_first_429() -> None:
    clock = Clock()
    limiter = RateLimiter(adaptive=True, clock=clock)
    assert limiter.admit() == 0.0
    assert limiter.admit() > 0  # one in flight: the next waits
    limiter.answered()
    limiter.release()
    assert [limiter.admit() for _ in range(3)] == [0.0, 0.0, RateLimiter.SLOW_START_POLL]  # window 2 now
    limiter.throttled(sent_at=0.0)
    assert limiter.admit() == 0.0  # after a 429 the pace, not the window, bounds sending
    fixed = RateLimiter(5.0)
    assert [fixed.admit() for _ in range(10)] == [0.0] * 10
