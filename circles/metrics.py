"""``GET /metrics``: what an operator graphs, in Prometheus' text format.

Counts only: no message text, no names, no account ids, no circle ids. Everything is
read when scraped (a collector), so serving messages costs nothing extra.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from circles.hub import Hub
from moderation import Pipeline

__all__ = ["registry"]


class _Collector(Collector):
    def __init__(
        self,
        hub: Hub,
        pipelines: Callable[[], Iterable[Pipeline]],
        escalations: Mapping[str, int],
    ) -> None:
        self._hub = hub
        self._pipelines = pipelines
        self._escalations = escalations

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        connections = self._hub.connections()
        yield GaugeMetricFamily(
            "circles_connections", "WebSocket connections of members on this node",
            value=len(connections),
        )  # fmt: skip
        yield GaugeMetricFamily(
            "circles_circles_active", "Circles with members on this node",
            value=len({conn.circle_id for conn in connections}),
        )  # fmt: skip
        families = {
            "calls": CounterMetricFamily(
                "circles_moderation_stage_calls", "Messages a moderation stage screened",
                labels=["stage"],
            ),
            "failures": CounterMetricFamily(
                "circles_moderation_stage_failures",
                "Times a stage raised (its failure policy was applied)", labels=["stage"],
            ),
            "timeouts": CounterMetricFamily(
                "circles_moderation_stage_timeouts",
                "Times an async stage ran out of time (its failure policy was applied)",
                labels=["stage"],
            ),
            "overruns": CounterMetricFamily(
                "circles_moderation_stage_overruns",
                "Times a sync stage took longer than its budget", labels=["stage"],
            ),
            "seconds": CounterMetricFamily(
                "circles_moderation_stage_seconds", "Time spent in a stage", labels=["stage"],
            ),
        }  # fmt: skip
        totals: dict[str, dict[str, float]] = {}
        for pipeline in self._pipelines():
            for stage, stats in pipeline.stats.items():
                sums = totals.setdefault(stage, dict.fromkeys(families, 0.0))
                for field in families:
                    sums[field] += getattr(stats, field)
        for stage, sums in sorted(totals.items()):
            for field, family in families.items():
                family.add_metric([stage], sums[field])
        yield from families.values()
        requested = CounterMetricFamily(
            "circles_escalations_requested",
            "Screened messages that asked for the on-call professional, by severity",
            labels=["severity"],
        )
        for severity, count in self._escalations.items():
            requested.add_metric([severity], count)
        yield requested


def registry(
    hub: Hub,
    pipelines: Callable[[], Iterable[Pipeline]],
    escalations: Mapping[str, int] | None = None,
) -> CollectorRegistry:
    """A registry of this node's figures (its own: tests may build several nodes).
    ``escalations`` is read when scraped: requests so far, by severity."""
    found = CollectorRegistry(auto_describe=True)
    found.register(_Collector(hub, pipelines, {} if escalations is None else escalations))
    return found
