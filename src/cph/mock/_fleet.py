"""A project's Cloud Phone servers: the record the mock keeps per server, its running restart, and a seeded fleet
generator.

Why generated fleets: tests and demos need servers in every interesting state (normal, abnormal, frozen, shut
down, being created) without writing fixtures by hand, and the same seed must give the same fleet so a failing run
can be replayed. Field values imitate the provider's documented example (``cph-server-0001``, ``physical.rx1.xlarge``,
``cn-east-3a``, 32-hex IDs); addresses come from documentation ranges (172.16/12 private, 203.0.113/24 TEST-NET-3),
never from real networks.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

STATUS_MIX: tuple[tuple[int, float], ...] = (
    (5, 0.70),  # normal
    (2, 0.08),  # abnormal
    (8, 0.06),  # frozen
    (10, 0.06),  # shut down
    (12, 0.02),  # shutdown failed
    (0, 0.02),  # creating ...
    (1, 0.02),
    (3, 0.02),
    (4, 0.02),
)
"""Share of each resting status in a generated fleet: mostly normal, some abnormal/frozen/shut down, a few creating."""

GUARANTEED_STATUSES = (2, 8, 10, 0)
"""Fleets of at least :data:`GUARANTEED_MIN_SIZE` servers always contain these, so tests can rely on finding them."""
GUARANTEED_MIN_SIZE = 10

SERVER_MODELS = ("physical.rx1.xlarge", "physical.rx2.xlarge", "physical.kg1.4xlarge.cp")
PHONE_MODELS = {
    "physical.rx1.xlarge": ("rx1.cph.medium", "rx1.cph.large"),
    "physical.rx2.xlarge": ("rx2.cph.medium", "rx2.cph.xlarge"),
    "physical.kg1.4xlarge.cp": ("kg1.cph.medium", "kg1.cph.large"),
}
ZONES = ("cn-east-3a", "cn-east-3b", "cn-east-3c")
DAY = 86_400.0

SHUTTING_DOWN = 11
STARTING = 13
JOB_RUNNING = 1
JOB_SUCCEEDED = 2
JOB_FAILED = -1


@dataclass(slots=True)
class Job:
    """A restart job. Its whole future is fixed at creation: it runs from ``begin`` to ``end`` and then succeeds
    or fails according to ``succeeds``; while it runs the server shows 11 during the first half, 13 the second.

    The state keeps one as its server's ``active_job`` while it runs; the job's record is its
    :class:`~cph.mock._state.JobBatch`. It lives here, with :class:`Server`, so the two modules do not import each
    other.
    """

    job_id: str
    server_id: str
    project_id: str
    request_id: str
    seq: int
    begin: float
    end: float
    succeeds: bool

    def status(self, now: float) -> int:
        if now < self.end:
            return JOB_RUNNING
        return JOB_SUCCEEDED if self.succeeds else JOB_FAILED

    def server_status(self, now: float) -> int:
        """The status the job gives its server at ``now`` (only meaningful while it runs)."""
        return SHUTTING_DOWN if now < (self.begin + self.end) / 2 else STARTING


@dataclass(slots=True)
class Server:
    """One server as the mock stores it.

    ``status`` is the *resting* status; while ``active_job`` (a restart) runs, the status a client sees is derived
    from the job and the clock (see :meth:`cph.mock._state.MockState`). ``restart_count`` counts accepted restarts,
    so a test can assert that no server was restarted twice.
    """

    server_id: str
    project_id: str
    server_name: str
    create_time: float
    update_time: float
    status: int
    static: dict[str, Any]
    """Fields that never change (models, network, metadata), already in the spec's response shape."""
    active_job: Job | None = None
    restart_count: int = 0


def _counts(size: int) -> list[int]:
    """How many servers get each status of :data:`STATUS_MIX` (largest remainder, with guarantees)."""
    raw = [share * size for _status, share in STATUS_MIX]
    counts = [int(value) for value in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: size - sum(counts)]:
        counts[i] += 1
    if size >= GUARANTEED_MIN_SIZE:
        statuses = [status for status, _share in STATUS_MIX]
        for status in GUARANTEED_STATUSES:
            index = statuses.index(status)
            if counts[index] == 0:
                counts[index] = 1
                counts[0] -= 1
    return counts


def _hex32(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate_fleet(project_id: str, size: int, rng: random.Random, now: float) -> list[Server]:
    """``size`` servers of ``project_id``, newest first, drawn from ``rng`` (same seed → same fleet)."""
    statuses: list[int] = []
    for (status, _share), count in zip(STATUS_MIX, _counts(size), strict=True):
        statuses.extend([status] * count)
    rng.shuffle(statuses)
    # Creation times spread over the last ~180 days; distinct, so "newest first" is a strict order.
    ages = sorted(rng.sample(range(3600, int(180 * DAY)), size), reverse=True) if size else []
    vpc_id = _uuid(rng)
    servers = []
    for index, (status, age) in enumerate(zip(statuses, ages, strict=True)):
        model = rng.choice(SERVER_MODELS)
        network_version = rng.choice(("v1", "v2"))
        subnet = index // 250
        host = index % 250 + 2
        create_time = float(int(now - age))
        server_id = _hex32(rng)
        name = f"cph-server-{index + 1:04d}"
        static: dict[str, Any] = {
            "server_name": name,
            "server_id": server_id,
            "server_model_name": model,
            "phone_model_name": rng.choice(PHONE_MODELS[model]),
            "availability_zone": rng.choice(ZONES),
            "keypair_name": "cph-keypair",
            "vpc_id": vpc_id,
            "cidr": f"172.16.{subnet}.0/24",
            "vpc_cidr": "172.16.0.0/16",
            "subnet_id": _uuid(rng),
            "subnet_cidr": f"172.16.{subnet}.0/24",
            "addresses": [{"server_ip": f"172.16.{subnet}.{host}", "public_ip": f"203.0.113.{host}"}],
            "resource_project_id": project_id,
            "metadata": {
                "product_id": "00301-233161-0--0",
                "order_id": f"CS{rng.getrandbits(40):010X}",
                "charging_mode": 0,
            },
            "network_version": network_version,
            "enterprise_project_id": "0",
        }
        updated = create_time + rng.uniform(0, max(0.0, now - create_time))
        servers.append(
            Server(
                server_id=server_id,
                project_id=project_id,
                server_name=name,
                create_time=create_time,
                update_time=float(int(updated)),
                status=status,
                static=static,
            )
        )
    servers.sort(key=lambda s: (-s.create_time, s.server_id))
    return servers
