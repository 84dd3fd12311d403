"""Find and load the OpenAPI documents and the error-code catalog.

Why one loader: the mock, the client's typed errors, the CLI and the conformance suite all *read* the same files in
``openapi/`` rather than copying their rules into code. An installed wheel carries them as package data
(``cph/_data``, put there by the build); a source checkout or editable install reads them from ``openapi/``.

Two documents, one per profile: ``provider`` is the provider contract (only what Huawei documents or its SDKs
imply); ``strict`` is that contract with this project's decisions applied (``openapi/decisions.overlay.yaml``) —
what the embedded mock implements. Callers that do not say get ``strict``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

Profile = Literal["provider", "strict"]
PROVIDER_SPEC_FILE = "cph.openapi.yaml"
STRICT_SPEC_FILE = "cph.strict.openapi.yaml"
SPEC_FILES: dict[Profile, str] = {"provider": PROVIDER_SPEC_FILE, "strict": STRICT_SPEC_FILE}
SPEC_FILE = STRICT_SPEC_FILE
"""The document of the default profile."""
CATALOG_FILE = "error-catalog.yaml"
DECISIONS_FILE = "decisions.overlay.yaml"
"""The Overlay that turns the provider contract into the strict document: one action per decision, each with why."""

_CHECKOUT_DIR = Path(__file__).resolve().parents[2] / "openapi"


def data_path(name: str) -> Path:
    """Return the path of ``name`` (a file of ``openapi/``), packaged copy first."""
    packaged = resources.files("cph").joinpath("_data", name)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = _CHECKOUT_DIR / name
    if checkout.is_file():
        return checkout
    msg = f"{name} is neither packaged with cph nor in {_CHECKOUT_DIR}; reinstall cph-openapi"
    raise FileNotFoundError(msg)


def _load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        # A *safe* loader (the C one when libyaml is present: the spec is loaded at every process start).
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def load_spec(profile: Profile = "strict") -> dict[str, Any]:
    """The OpenAPI document of ``profile`` as a dict, with ``$ref`` left in place. Cached: treat it as read-only."""
    if profile not in SPEC_FILES:
        msg = f"unknown profile {profile!r}; expected one of {sorted(SPEC_FILES)}"
        raise ValueError(msg)
    return _load_document(SPEC_FILES[profile])


@cache
def _load_document(name: str) -> dict[str, Any]:
    """One cache entry per file, however the profile was named (``load_spec()`` is ``load_spec("strict")``)."""
    spec: dict[str, Any] = _load_yaml(data_path(name))
    return spec


@cache
def load_decisions() -> list[dict[str, Any]]:
    """The overlay's actions (``target``, ``description`` = the decision and why, ``update``/``remove``).

    For reports that must say which decision a strict-only rule comes from. Cached: treat it as read-only.
    """
    overlay: dict[str, Any] = _load_yaml(data_path(DECISIONS_FILE))
    actions: list[dict[str, Any]] = overlay["actions"]
    return actions


@cache
def load_catalog_data() -> dict[str, Any]:
    """The error-code catalog as a dict (``aliases`` and ``errors``). Cached: treat it as read-only."""
    catalog: dict[str, Any] = _load_yaml(data_path(CATALOG_FILE))
    return catalog


def resolve_ref(spec: dict[str, Any], ref: str) -> Any:
    """Follow a local JSON pointer such as ``#/components/schemas/Id32``."""
    if not ref.startswith("#/"):
        msg = f"only local references are supported, got {ref!r}"
        raise ValueError(msg)
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def deref(spec: dict[str, Any], node: Any) -> Any:
    """Follow ``node``'s ``$ref`` chain (one level object), returning the target."""
    while isinstance(node, dict) and "$ref" in node:
        node = resolve_ref(spec, node["$ref"])
    return node
