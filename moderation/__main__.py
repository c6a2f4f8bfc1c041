"""``python -m moderation screen``: try a moderation policy on lines of text.

Reads JSON lines ``{"id": ..., "text": ...}`` on standard input and writes one JSON line
per input line, in order::

    {"id": ..., "action": "allow|allow_flag|redact|hold|block", "risk": "none|...",
     "escalate": true|false, "tags": [...]}

with ``"text"`` added when a stage redacted it. A line that cannot be read gets
``{"id": <its id or null>, "error": "..."}`` and the rest carry on. The interface is
stable: operators build on it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from moderation.config import default_config, load
from moderation.errors import ConfigError
from moderation.pipeline import Pipeline
from moderation.stage import Submission
from moderation.verdict import Action, Escalation

__all__ = ["main", "screen_lines"]

MAX_LINE_CHARS = 64 * 1024


def _request(line: str) -> tuple[Any, str | None, str | None]:
    """The line's id and text, or its id (if readable) and what is wrong with it."""
    if len(line) > MAX_LINE_CHARS:
        return None, None, f"longer than {MAX_LINE_CHARS} characters"
    try:
        data = json.loads(line)
    except ValueError:
        return None, None, "not a JSON object"
    if not isinstance(data, dict):
        return None, None, "not a JSON object"
    ident, text = data.get("id"), data.get("text")
    if not isinstance(text, str):
        return ident, None, "'text' must be a string"
    return ident, text, None


async def screen_lines(pipeline: Pipeline, lines: TextIO, out: TextIO) -> int:
    """Screen every line of ``lines`` into ``out``; the number of lines refused.

    Each line is screened as a message of its own member, a minute after the one
    before: lines are independent examples, not one person flooding."""
    refused = 0
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        ident, text, problem = _request(line)
        if text is None:
            refused += 1
            result: dict[str, Any] = {"id": ident, "error": problem}
        else:
            submission = Submission.of(text, member_id=f"line-{number}", now_ms=number * 60_000)
            screened = await pipeline.screen(submission)
            result = {
                "id": ident,
                "action": screened.action.label,
                "risk": screened.risk.label,
                "escalate": screened.escalate > Escalation.NONE,
                "tags": list(screened.tags),
            }
            if screened.action is Action.REDACT:
                result["text"] = screened.text
        # ASCII escapes: a lone surrogate from the input cannot break the output
        out.write(json.dumps(result) + "\n")
        out.flush()
    return refused


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m moderation", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    screen = commands.add_parser("screen", help="screen JSON lines from stdin")
    screen.add_argument("--config", type=Path, help="a moderation TOML (default: Circles')")
    screen.add_argument("--circle", help="use this circle's own policy from the config")
    args = parser.parse_args(argv)
    try:
        config = load(args.config) if args.config else default_config()
        pipeline = config.pipeline(args.circle)
    except ConfigError as exc:
        print(f"moderation: {exc}", file=sys.stderr)
        return 2
    asyncio.run(screen_lines(pipeline, sys.stdin, sys.stdout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
