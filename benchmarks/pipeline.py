"""The default moderation pipeline alone: microseconds per message over a realistic mix.

    .venv/bin/python benchmarks/pipeline.py [--corpus tests/moderation/corpus.jsonl]
                                             [--rounds 20] [--out benchmarks/results]

Two mixes of the labelled corpus (everyday talk, hard negatives, risk at every level,
contact details, obfuscations...):

* ``--mix corpus``: every line once per round, as the corpus has them (30% risk lines,
  far more than a circle sees);
* ``--mix circle`` (default): what a circle's traffic looks like, ordinary lines
  (everyday and hard negatives) weighted eight times over the rest, so about 87% of
  messages are ordinary and 13% carry risk, contact details, method talk and the like.

Each screening is timed, after one warm-up round; the median, p90 and p99 are over every
screening. Also the mean time per stage, from the pipeline's own counters. Nothing
here is asserted: speed is reported, not tested.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import Submission  # noqa: E402
from moderation.config import default_pipeline  # noqa: E402

ORDINARY = {"everyday", "hard_negative"}


def _texts(corpus: Path, mix: str) -> list[tuple[str, str]]:
    """(text, category) pairs in the order they are screened."""
    lines = [json.loads(line) for line in corpus.read_text().splitlines() if line.strip()]
    if mix == "corpus":
        return [(line["text"], line["category"]) for line in lines]
    texts = [
        (line["text"], line["category"])
        for line in lines
        for _ in range(8 if line["category"] in ORDINARY else 1)
    ]
    # interleaved, as a circle's traffic is: the same words eight times in a row would let
    # any cache of the last answer flatter the figures
    random.Random(0).shuffle(texts)  # noqa: S311 (an order, not a secret)
    return texts


async def _measure(
    texts: list[tuple[str, str]], rounds: int
) -> tuple[list[tuple[float, str]], dict[str, float]]:
    pipeline = default_pipeline()
    clock = time.perf_counter_ns
    for i, (text, _) in enumerate(texts):  # warm-up: caches, regex compilation
        await pipeline.screen(Submission.of(text, member_id=f"m{i % 50}", now_ms=i * 10_000))
    for stats in pipeline.stats.values():
        stats.calls, stats.seconds = 0, 0.0
    samples: list[tuple[float, str]] = []
    now = 10**12
    for _ in range(rounds):
        for i, (text, category) in enumerate(texts):
            now += 10_000  # ten seconds apart: the rate limits stay out of the way
            submission = Submission.of(text, member_id=f"m{i % 50}", now_ms=now)
            started = clock()
            await pipeline.screen(submission)
            samples.append(((clock() - started) / 1000, category))
    per_stage = {name: stats.seconds / stats.calls * 1e6 for name, stats in pipeline.stats.items()}
    return samples, per_stage


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests/moderation/corpus.jsonl")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--mix", choices=["circle", "corpus"], default="circle")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results")
    args = parser.parse_args()
    texts = _texts(args.corpus, args.mix)
    timed, per_stage = asyncio.run(_measure(texts, args.rounds))
    samples = sorted(us for us, _ in timed)
    by_category: dict[str, list[float]] = {}
    for us, category in timed:
        by_category.setdefault(category, []).append(us)
    result = {
        "mix": args.mix,
        "messages": len(samples),
        "distinct_lines": len(texts),
        "median_us": round(statistics.median(samples), 1),
        "p90_us": round(samples[int(len(samples) * 0.9)], 1),
        "p99_us": round(samples[int(len(samples) * 0.99)], 1),
        "mean_us": round(statistics.fmean(samples), 1),
        "per_stage_mean_us": {k: round(v, 1) for k, v in per_stage.items()},
        # everyday talk is most of a real circle's traffic; hard negatives (ordinary
        # lines full of risk words) are the dearest ordinary lines
        "median_us_by_category": {
            k: round(statistics.median(v), 1) for k, v in sorted(by_category.items())
        },
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "load_avg": os.getloadavg()[0],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"pipeline-{args.mix}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
