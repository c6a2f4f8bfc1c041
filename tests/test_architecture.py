"""Dependencies point one way: circles -> moderation -> protocol."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "allowed_third_party"),
    [("protocol", {"msgpack"}), ("moderation", {"ahocorasick"})],  # scan.py: trigger words
)
def test_lower_packages_import_only_the_standard_library_and_below(
    package: str, allowed_third_party: set[str]
) -> None:
    below = {"protocol": {"protocol"}, "moderation": {"moderation", "protocol"}}[package]
    for module, names in _imports(package).items():
        foreign = {
            name
            for name in names
            if name not in sys.stdlib_module_names
            and name not in below
            and name not in allowed_third_party
            and name != "__future__"
        }
        assert not foreign, f"{module} imports {foreign}"


def test_protocol_is_sans_io() -> None:
    for module, names in _imports("protocol").items():
        assert not names & {"asyncio", "socket", "selectors", "ssl", "threading"}, module


def test_backends_do_not_import_the_hub_session_or_app() -> None:
    forbidden = {"circles.hub", "circles.session", "circles.app", "circles.api", "circles.cli"}
    for path in (ROOT / "circles" / "backends").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in forbidden), (
                    f"{path} imports {name}"
                )


def test_the_terminal_client_imports_only_protocol_from_this_project() -> None:
    tree = ast.parse((ROOT / "client-demo" / "terminal.py").read_text())
    modules = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not modules & {"circles", "moderation"}


def test_the_web_page_reconnects_after_the_same_close_codes_as_the_protocol_says() -> None:
    import re

    from protocol import RECONNECT_CODES

    source = (ROOT / "client-demo" / "web" / "app.js").read_text()
    match = re.search(r"const RECONNECT = new Set\(\[([\d,\s]+)\]\)", source)
    assert match is not None
    assert {int(code) for code in match.group(1).split(",")} == set(RECONNECT_CODES)
