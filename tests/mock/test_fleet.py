"""Generated fleets: realistic, seeded, spec-shaped."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from cph import load_spec
from cph.mock import compile_schema
from cph.mock._fleet import GUARANTEED_STATUSES, STATUS_MIX, generate_fleet
from cph.mock._state import utc_time

NOW = 1_795_694_400.0
SERVER = compile_schema(load_spec(), {"$ref": "#/components/schemas/Server"})


def fleet(size: int, seed: int = 1) -> list:
    return generate_fleet("0123456789abcdef0123456789abcdef", size, random.Random(seed), NOW)


def test_same_seed_same_fleet_other_seed_other_fleet() -> None:
    assert [s.server_id for s in fleet(50, 1)] == [s.server_id for s in fleet(50, 1)]
    assert [s.server_id for s in fleet(50, 1)] != [s.server_id for s in fleet(50, 2)]


def test_status_mix_is_mostly_normal_with_every_interesting_state() -> None:
    servers = fleet(200)
    counts = Counter(s.status for s in servers)
    assert counts[5] == 140
    assert set(counts) == {status for status, _share in STATUS_MIX}
    assert sum(counts.values()) == 200


@pytest.mark.parametrize("size", [10, 11, 17])
def test_small_fleets_still_have_the_guaranteed_statuses(size: int) -> None:
    statuses = {s.status for s in fleet(size)}
    assert set(GUARANTEED_STATUSES) <= statuses
    assert 5 in statuses


def test_empty_and_tiny_fleets() -> None:
    assert fleet(0) == []
    assert len(fleet(1)) == 1


def test_servers_are_spec_shaped_unique_and_newest_first() -> None:
    servers = fleet(60)
    ids = [s.server_id for s in servers]
    assert len(set(ids)) == 60
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert [s.create_time for s in servers] == sorted((s.create_time for s in servers), reverse=True)
    for server in servers:
        view = {
            **server.static,
            "status": server.status,
            "create_time": utc_time(server.create_time),
            "update_time": utc_time(server.update_time),
        }
        assert SERVER.is_valid(view), view
        assert server.update_time >= server.create_time
        assert server.static["addresses"][0]["public_ip"].startswith("203.0.113.")
    assert {s.server_name for s in servers} == {f"cph-server-{i:04d}" for i in range(1, 61)}
