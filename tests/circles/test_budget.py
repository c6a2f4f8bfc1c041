from __future__ import annotations

from circles.budget import Bucket
from circles.clock import ManualClock


def test_a_bucket_gives_its_burst_then_its_rate() -> None:
    clock = ManualClock()
    bucket = Bucket(rate=2.0, burst=3.0, monotonic=clock.monotonic)
    assert [bucket.take(1) for _ in range(4)] == [True, True, True, False]
    clock.advance(0.5)  # one unit back
    assert bucket.take(1)
    assert not bucket.take(1)
    clock.advance(60)  # never more than the burst
    assert bucket.take(3)
    assert not bucket.take(0.5)


def test_a_refused_take_takes_nothing() -> None:
    clock = ManualClock()
    bucket = Bucket(rate=1.0, burst=10.0, monotonic=clock.monotonic)
    assert not bucket.take(11)
    assert bucket.take(10)
