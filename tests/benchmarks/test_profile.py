"""The profile's layers: the same module lands in the same layer from a checkout and from an installed package."""

from __future__ import annotations

import pytest

from benchmarks.profile import layer_of


@pytest.mark.parametrize("root", ["/work/main/src/", "/tmp/x/.nox/bench/lib/python3.11/site-packages/"])
@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("cph/_auth.py", "ours: signing"),
        ("cph/_signing.py", "ours: signing"),
        ("cph/_operations.py", "ours: façade, results"),
        ("cph/_results.py", "ours: façade, results"),
    ],
)
def test_our_modules_wherever_installed(root: str, module: str, layer: str) -> None:
    assert layer_of(root + module, "f") == layer


@pytest.mark.parametrize(
    ("filename", "function", "layer"),
    [
        ("/work/main/generated/cph_api/models/server_job.py", "from_dict", "generated client (cph_api)"),
        ("/v/lib/python3.11/site-packages/cph_api/models/server_job.py", "from_dict", "generated client (cph_api)"),
        ("<attrs generated methods cph_api.models.server_job.ServerJob>", "__init__", "generated client (cph_api)"),
        ("/v/lib/python3.11/site-packages/httpx/_client.py", "send", "httpx"),
        ("/v/lib/python3.11/site-packages/huaweicloudsdkcore/client.py", "_deserialize", "SDK (huaweicloudsdk*)"),
        ("/v/lib/python3.11/site-packages/anyio/_core.py", "x", "other packages"),
        ("/usr/lib/python3.11/json/decoder.py", "raw_decode", "other standard library"),
        ("~", "<method 'recv' of '_socket.socket' objects>", "socket calls (mostly waiting)"),
        ("~", "<built-in method builtins.isinstance>", "built-ins"),
    ],
)
def test_other_layers(filename: str, function: str, layer: str) -> None:
    assert layer_of(filename, function) == layer
