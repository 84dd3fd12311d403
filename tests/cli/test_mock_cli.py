"""``cph mock``: the banner's ``export CPH_ENDPOINT=…`` line, and the same ``--seed`` gives the same project,
credentials and servers (two real ``cph mock`` processes, their fleets listed by the client)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cph import AkSkCredentials, CphClient
from cph.cli._mock import seeded_identity
from cph.mock import MockSettings
from cph.settings import load

ROOT = Path(__file__).resolve().parents[2]


def banner(seed: int) -> tuple[dict[str, str], list[str]]:
    """The exported variables a ``cph mock --seed`` process prints, and its fleet as listed with them."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "CPH_"))}
    env = {**keep, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "generated")])}
    command = [sys.executable, "-m", "cph.cli", "mock", "--port", "0", "--seed", str(seed), "--fleet-size", "20"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        exported = dict(re.findall(r"export (\w+)=(\S+)", "".join(lines)))
        credentials = AkSkCredentials(
            exported["HUAWEICLOUD_SDK_AK"], exported["HUAWEICLOUD_SDK_SK"], exported["HUAWEICLOUD_SDK_PROJECT_ID"]
        )
        with CphClient(endpoint=exported["CPH_ENDPOINT"], credentials=credentials) as client:
            servers = [str(server.server_id) for server in client.list_servers()]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    return exported, servers


@pytest.mark.integration
def test_the_same_seed_gives_the_same_project_credentials_and_servers() -> None:
    first, first_servers = banner(5)
    second, second_servers = banner(5)
    assert first.pop("CPH_ENDPOINT").startswith("http://127.0.0.1:")
    second.pop("CPH_ENDPOINT")
    assert first == second
    assert set(first) == {"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID", "CPH_AUTH_TOKEN"}
    assert len(first_servers) == 20
    assert first_servers == second_servers


def test_another_seed_gives_other_values_and_given_values_win() -> None:
    seeded = seeded_identity(load(MockSettings, given={"seed": 5}, env={})).to_config()
    again = seeded_identity(load(MockSettings, given={"seed": 5}, env={})).to_config()
    assert (seeded.project_id, seeded.ak, seeded.sk, seeded.token) == (
        again.project_id,
        again.ak,
        again.sk,
        again.token,
    )
    assert seeded.ak != seeded_identity(load(MockSettings, given={"seed": 6}, env={})).to_config().ak
    given = seeded_identity(load(MockSettings, given={"seed": 5}, env={"CPH_MOCK_AK": "GIVENAK0000000000001"}))
    config = given.to_config()
    assert config.ak == "GIVENAK0000000000001"
    assert config.sk == seeded.sk
    unseeded = load(MockSettings, env={})
    assert seeded_identity(unseeded) is unseeded
