"""The default moderation pipeline alone: microseconds per message over a realistic mix.

    .venv/bin/python benchmarks/pipeline.py [--mix circle|corpus] [--rounds 20]
                                             [--corpus tests/moderation/corpus.jsonl]
                                             [--out benchmarks/results] [--root DIR]

Two mixes of the labelled corpus (everyday talk, hard negatives, risk at every level,
contact details, obfuscations...):

* ``--mix corpus``: every line once per round, as the corpus has them (30% risk lines,
  far more than a circle sees);
* ``--mix circle`` (default): what a circle's traffic looks like, ordinary lines
  (everyday and hard negatives) weighted eight times over the rest, so about 87% of
  messages are ordinary and 13% carry risk, contact details, method talk and the like.

Each screening is timed twice over, after one warm-up round: by the wall clock
(``median_us``, p90, p99, as before) and by the CPU time of the thread
(``cpu_median_us``...), which a machine shared with other work disturbs less (a process
that waits for a core is not charged for the wait). Reading the thread's CPU clock is a
system call here, which adds about a microsecond to each CPU figure. The medians per
kind of line are CPU medians. Also the mean time per stage, from the pipeline's own
counters (which charge the pipeline's work between two stages to the second).
``--root`` measures the moderation package of another checkout (a ``git worktree`` of
the commit before, say), so that two versions can be run by turns in the same minutes.
Nothing here is asserted: speed is reported, not tested.
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
# (--root, read before the package is imported: the checkout measured)
_CHECKOUT = Path(sys.argv[sys.argv.index("--root") + 1]) if "--root" in sys.argv[:-1] else ROOT
sys.path.insert(0, str(_CHECKOUT.resolve()))

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


Sample = tuple[float, float, str]  # wall µs, CPU µs, category


async def _measure(
    texts: list[tuple[str, str]], rounds: int
) -> tuple[list[Sample], dict[str, float]]:
    pipeline = default_pipeline()
    wall, cpu = time.perf_counter_ns, time.thread_time_ns
    for i, (text, _) in enumerate(texts):  # warm-up: caches, regex compilation
        await pipeline.screen(Submission.of(text, member_id=f"m{i % 50}", now_ms=i * 10_000))
    for stats in pipeline.stats.values():
        stats.calls, stats.seconds = 0, 0.0
    samples: list[Sample] = []
    now = 10**12
    for _ in range(rounds):
        for i, (text, category) in enumerate(texts):
            now += 10_000  # ten seconds apart: the rate limits stay out of the way
            submission = Submission.of(text, member_id=f"m{i % 50}", now_ms=now)
            cpu_started = cpu()
            started = wall()
            await pipeline.screen(submission)
            ended = wall()
            cpu_ended = cpu()
            samples.append(((ended - started) / 1000, (cpu_ended - cpu_started) / 1000, category))
    per_stage = {name: stats.seconds / stats.calls * 1e6 for name, stats in pipeline.stats.items()}
    return samples, per_stage


def _centiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return (
        round(statistics.median(ordered), 1),
        round(ordered[int(len(ordered) * 0.9)], 1),
        round(ordered[int(len(ordered) * 0.99)], 1),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests/moderation/corpus.jsonl")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--mix", choices=["circle", "corpus"], default="circle")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    args = parser.parse_args()
    texts = _texts(args.corpus, args.mix)
    timed, per_stage = asyncio.run(_measure(texts, args.rounds))
    median, p90, p99 = _centiles([us for us, _, _ in timed])
    cpu_median, cpu_p90, cpu_p99 = _centiles([us for _, us, _ in timed])
    by_category: dict[str, list[float]] = {}
    for _, us, category in timed:
        by_category.setdefault(category, []).append(us)
    result = {
        "mix": args.mix,
        "messages": len(timed),
        "distinct_lines": len(texts),
        "median_us": median,
        "p90_us": p90,
        "p99_us": p99,
        "mean_us": round(statistics.fmean(us for us, _, _ in timed), 1),
        "cpu_median_us": cpu_median,
        "cpu_p90_us": cpu_p90,
        "cpu_p99_us": cpu_p99,
        "per_stage_mean_us": {k: round(v, 1) for k, v in per_stage.items()},
        # everyday talk is most of a real circle's traffic; hard negatives (ordinary
        # lines full of risk words) are the dearest ordinary lines
        "cpu_median_us_by_category": {
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
