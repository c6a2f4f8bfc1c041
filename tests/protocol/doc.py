"""Read docs/protocol.md (sections, tables, examples) for tests that check the document
against the code."""

from __future__ import annotations

import pathlib
import re

__all__ = ["DOC", "code", "json_blocks", "section", "subsections", "tables"]

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def section(heading: str, text: str | None = None) -> str:
    """The body of the section whose heading is exactly ``heading`` (e.g. "## Limits"),
    up to the next heading of the same or a higher level."""
    text = DOC.read_text(encoding="utf-8") if text is None else text
    level = heading.split(" ", 1)[0]
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end = next(
        (
            i
            for i in range(start, len(lines))
            if re.match(r"#+ ", lines[i]) and len(lines[i].split(" ", 1)[0]) <= len(level)
        ),
        len(lines),
    )
    return "\n".join(lines[start:end])


def subsections(heading: str) -> dict[str, str]:
    """The ``###`` subsections of a ``##`` section, by heading text."""
    body = section(heading)
    names = re.findall(r"^### (.+)$", body, flags=re.MULTILINE)
    return {name: section(f"### {name}", body) for name in names}


def tables(text: str) -> list[list[list[str]]]:
    """Every markdown table in ``text``: its body rows (header and rule left out), each a
    list of stripped cells."""
    found: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if current is None:
                current = []  # the header row
                found.append(current)
            elif not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                current.append(cells)
        else:
            current = None
    return found


def json_blocks(text: str) -> list[str]:
    """The bodies of the ```json fenced blocks in ``text``."""
    return re.findall(r"^```json\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def code(cell: str) -> str:
    """The text of a cell written as `code`."""
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match is not None, f"expected a `code` cell, got {cell!r}"
    return match.group(1)
