"""The HTML API reference builds and renders: the restart operation, its request schema and the error-code catalog.

The reference is built exactly as ``nox -s docs`` builds it (scripts/build_docs.py), then opened in headless Chromium.
The rendered DOM (scripts excluded: the page also embeds the spec as JSON, which would match anything) must show the
RestartCloudPhoneServer operation, its ``server_ids`` body property and one catalog table row per entry of
``openapi/error-catalog.yaml``. Screenshots are saved under ``artifacts/docs/`` (git-ignored).

Redoc renders the operations of a tag only when the route points into it, so the page is opened at the operation's
route (``#/servers/restartcloudphoneserver``; file:// pages use hash routes).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "docs"
CATALOG = yaml.safe_load((ROOT / "openapi" / "error-catalog.yaml").read_text(encoding="utf-8"))

_spec = importlib.util.spec_from_file_location("build_docs", ROOT / "scripts" / "build_docs.py")
assert _spec is not None
assert _spec.loader is not None
build_docs = importlib.util.module_from_spec(_spec)
sys.modules["build_docs"] = build_docs
_spec.loader.exec_module(build_docs)

OPERATION_ROUTE = "#/servers/restartcloudphoneserver"
OPERATION_ID = "servers/restartcloudphoneserver"
SERVER_IDS_ID = "servers/restartcloudphoneserver/t=request&path=server_ids"
CATALOG_ROUTE = "#/section/error-code-catalog"
CATALOG_ID = "section/error-code-catalog"
CATALOG_SECTION = "/section/error-code-catalog"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=10000",
)
CHROMIUM_TIMEOUT = 120
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# ------------------------------------------------------------------------------------------------ a minimal DOM
@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return " ".join(" ".join(c.split()) if isinstance(c, str) else c.text() for c in self.children).strip()

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def find_all(self, tag: str) -> list[Node]:
        return [node for node in self.walk() if node.tag == tag]


class DomBuilder(HTMLParser):
    """Chromium's ``--dump-dom`` output as a tree, without <script>, <style> and <template> contents."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self._stack = [self.root]
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "template"}:
            self._skip += 1
            return
        if self._skip:
            return
        node = Node(tag, {k: v or "" for k, v in attrs})
        self._stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self._stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "template"}:
            self._skip -= 1
            return
        if self._skip or tag in VOID_TAGS:
            return
        for i in range(len(self._stack) - 1, 0, -1):
            if self._stack[i].tag == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self._stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = DomBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def find(root: Node, attr: str, value: str) -> Node:
    for node in root.walk():
        if node.attrs.get(attr) == value:
            return node
    pytest.fail(f"no element with {attr}={value!r} in the rendered page")


def by_id(root: Node, ident: str) -> Node:
    return find(root, "id", ident)


def rows(table: Node) -> list[list[str]]:
    return [[cell.text() for cell in tr.children if isinstance(cell, Node) and cell.tag in {"td", "th"}]
            for tr in table.find_all("tr")]  # fmt: skip


# --------------------------------------------------------------------------------------------------- fixtures
def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(
        "headless Chromium is required for the docs test: apt-get update && apt-get install -y chromium", pytrace=False
    )


def chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=CHROMIUM_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"chromium failed (exit {result.returncode}):\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        page: Path = build_docs.build(tmp_path_factory.mktemp("docs") / "index.html")
    except build_docs.DocsError as exc:
        pytest.fail(f"building the reference failed:\n{exc}", pytrace=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy2(page, ARTIFACTS / "index.html")
    return page


@pytest.fixture(scope="module")
def rendered(reference: Path, tmp_path_factory: pytest.TempPathFactory) -> Node:
    """The DOM of the reference, opened at the restart operation, after Redoc has rendered it."""
    binary = chromium_binary()
    result = chromium(
        binary,
        tmp_path_factory.mktemp("chromium-profile"),
        "--window-size=1440,4000",
        "--dump-dom",
        reference.as_uri() + OPERATION_ROUTE,
    )
    (ARTIFACTS / "rendered-dom.html").write_text(result.stdout, encoding="utf-8")
    return parse(result.stdout)


# ------------------------------------------------------------------------------------------------------ tests
def test_catalog_markdown_has_one_row_per_entry() -> None:
    table = [line for line in build_docs.catalog_markdown(CATALOG).splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(CATALOG["errors"])
    for line, entry in zip(table[2:], CATALOG["errors"], strict=True):
        assert line.startswith(f"| `{entry['code']}` | {entry['status']} | {entry['scope']} | ")


def test_operation_renders(rendered: Node) -> None:
    operation = by_id(rendered, OPERATION_ID)
    text = operation.text()
    assert "Restart Cloud Phone servers in batches" in text
    assert "/v1/{project_id}/cloud-phone/servers/batch-restart" in text
    assert "POST" in text.upper()


def test_request_schema_renders(rendered: Node) -> None:
    prop = by_id(rendered, SERVER_IDS_ID)
    text = prop.text()
    assert "server_ids" in text
    assert "required" in text.lower()
    assert "1 to 100" in text  # the property's description


def test_error_catalog_table_renders(rendered: Node) -> None:
    assert by_id(rendered, CATALOG_ID).text() == build_docs.CATALOG_HEADING
    section = find(rendered, "data-section-id", CATALOG_SECTION)
    tables = [t for t in section.find_all("table") if rows(t) and rows(t)[0] == list(build_docs.COLUMNS)]
    assert len(tables) == 1, "the catalog table is missing from the rendered page"
    body = rows(tables[0])[1:]
    assert len(body) == len(CATALOG["errors"])
    rendered_keys = {(row[0], row[1], row[3]) for row in body}
    for entry in CATALOG["errors"]:
        assert (entry["code"], str(entry["status"]), entry["message"]) in rendered_keys, entry["code"]
    cells = {(row[0], row[1]): row for row in body}
    assert cells["CPS.0016", "400"][2] == "request"
    assert cells["CPS.0016", "200"][2] == "job"
    assert cells["APIGW.0308", "429"][5] == "yes"


def test_screenshots(reference: Path, tmp_path: Path) -> None:
    binary = chromium_binary()
    for name, route in (("restart-operation.png", OPERATION_ROUTE), ("error-catalog.png", CATALOG_ROUTE)):
        shot = ARTIFACTS / name
        shot.unlink(missing_ok=True)
        chromium(binary, tmp_path / name, "--window-size=1440,2400", f"--screenshot={shot}", reference.as_uri() + route)
        assert shot.is_file()
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert shot.stat().st_size > 20_000  # a blank page is a few kB
