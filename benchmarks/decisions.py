"""Every decision of the default pipeline, written down, so that a change made for speed can
be shown to change none of them.

    .venv/bin/python benchmarks/decisions.py record /tmp/before.jsonl [--root DIR]
    .venv/bin/python benchmarks/decisions.py compare /tmp/before.jsonl /tmp/after.jsonl

``record`` screens every line of the labelled sets under ``tests/moderation`` (all of them:
a recording is comparable only with one made with the same sets) and 16
variants of each (upper case, letters spelled out with spaces or dots, leetspeak, words
run together, each half, quoted twice, look-alike letters, zero-width characters, and
"lol", "not", "tonight", "two years ago" or the line again around it): some 54,000
texts. For each it writes what the pipeline concluded (action, text delivered, risk,
escalation, tags, reasons, the sender's words, the content warning, failed stages) and
what each stage says on its own. Then 6,000 of them again in a shuffled order, three
members sending 0.7 s apart with some lines sent twice, so that the limits stage and the
answers kept for the last text are exercised too. ``--root`` records the moderation
package of another checkout (a ``git worktree`` of the commit before, say).

``compare`` prints the first differences and exits 1 if there is any. The variants are
made from a fixed seed: two recordings of the same code are byte for byte the same.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "tests/moderation"
#: Look-alike letters the normaliser folds (Cyrillic a, e, o, p, c, i).
_LOOKALIKES = {
    "a": "\u0430",
    "e": "\u0435",
    "o": "\u043e",
    "p": "\u0440",
    "c": "\u0441",
    "i": "\u0456",
}
_LEET = str.maketrans("aeios", "43105")


def variants(text: str, rnd: random.Random) -> list[str]:
    """The line and 16 variants of it (empty ones left out)."""
    words = text.split()
    half = len(words) // 2
    found = [
        text,
        text.upper(),
        " ".join(" ".join(w) if len(w) > 3 and rnd.random() < 0.4 else w for w in words),
        " ".join(".".join(w) if len(w) > 3 and rnd.random() < 0.3 else w for w in words),
        " ".join(w.translate(_LEET) if rnd.random() < 0.5 else w for w in words),
        "".join(w + ("" if rnd.random() < 0.3 else " ") for w in words).strip(),
        " ".join(words[:half]),
        " ".join(words[half:]),
        f'she said "{text}"',
        f"'{text}'",
        "".join(_LOOKALIKES.get(ch, ch) if rnd.random() < 0.3 else ch for ch in text),
        "\u200b".join(words[:3]) + " " + " ".join(words[3:]),
        text + " lol",
        "not " + text,
        text + " tonight",
        "two years ago " + text,
        text + " " + text,
    ]
    return [variant for variant in found if variant]


def _lines() -> Iterator[str]:
    for path in sorted(SETS.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                yield json.loads(line)["text"]


def _screened(screened: Any) -> dict[str, Any]:
    return {
        "action": screened.action.label,
        "text": screened.text,
        "risk": screened.risk.label,
        "escalate": screened.escalate.label,
        "tags": list(screened.tags),
        "reasons": list(screened.reasons),
        "sender_reason": screened.sender_reason,
        "content_warning": screened.content_warning,
        "failed": list(screened.failed),
    }


def _verdict(verdict: Any) -> list[Any]:
    return [
        verdict.action.label,
        verdict.risk.label,
        list(verdict.tags),
        list(verdict.reasons),
        verdict.sender_reason,
        verdict.redacted,
        verdict.escalate.label,
        verdict.content_warning,
        verdict.canonical,
    ]


async def record(out: Path) -> int:
    from moderation import Submission
    from moderation.config import default_pipeline
    from moderation.stages.normalize import canonical

    rnd = random.Random(1234)  # noqa: S311 (variants, not secrets)
    texts = [variant for line in _lines() for variant in variants(line, rnd)]
    pipeline, alone = default_pipeline(), default_pipeline()
    now = 10**12
    with out.open("w") as file:
        for i, text in enumerate(texts):
            now += 10_000  # ten seconds apart, a member each: the limits stay out of the way
            screened = await pipeline.screen(Submission.of(text, member_id=f"m{i}", now_ms=now))
            form = canonical(text)
            stages = {
                run.stage.name: _verdict(
                    run.stage.screen(
                        Submission(text=text, canonical=form, member_id=f"a{i}", now_ms=now)
                    )
                )
                for run in alone.runs
            }
            row = {"text": text, "canonical": form, "screened": _screened(screened)}
            file.write(json.dumps({**row, "stages": stages}, ensure_ascii=False) + "\n")
        burst = texts[:]
        rnd.shuffle(burst)
        burst = [
            again for text in burst[:6000] for again in [text] * (2 if rnd.random() < 0.1 else 1)
        ]
        limited = default_pipeline()
        now = 10**12
        for i, text in enumerate(burst):
            now += 700
            submission = Submission.of(text, circle_id="c", member_id=f"b{i % 3}", now_ms=now)
            screened = await limited.screen(submission)
            file.write(
                json.dumps({"text": text, "burst": _screened(screened)}, ensure_ascii=False) + "\n"
            )
    print(f"{len(texts)} texts and {len(burst)} in a burst: {out}")
    return 0


def compare(before: Path, after: Path, shown: int = 5) -> int:
    old, new = before.read_text().splitlines(), after.read_text().splitlines()
    if len(old) != len(new):
        print(f"different lengths: {len(old)} and {len(new)} lines")
        return 1
    differences = 0
    for line_old, line_new in zip(old, new, strict=True):
        if line_old == line_new:
            continue
        differences += 1
        if differences <= shown:
            a, b = json.loads(line_old), json.loads(line_new)
            print(f"text: {a['text'][:120]!r}")
            for key in a:
                if a[key] != b.get(key):
                    print(f"  {key}: {a[key]}\n  -> {b.get(key)}")
    print(f"{differences} of {len(old)} lines differ")
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    recording = commands.add_parser("record", help="write every decision to a file")
    recording.add_argument("out", type=Path)
    recording.add_argument("--root", type=Path, default=ROOT, help="the checkout to record")
    comparing = commands.add_parser("compare", help="exit 1 if two recordings differ")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "compare":
        return compare(args.before, args.after)
    sys.path.insert(0, str(args.root.resolve()))
    return asyncio.run(record(args.out))


if __name__ == "__main__":
    sys.exit(main())
