"""GET /metrics: counts an operator graphs, and nothing about anyone."""

from __future__ import annotations

import httpx

from moderation import Pipeline, Submission, Verdict
from protocol import Ack, Say
from tests.support import Client, node, open_circle, token_for


class Boom:
    name = "boom"

    def screen(self, submission: Submission) -> Verdict:
        raise RuntimeError("fails on purpose")


class Fine:
    name = "fine"

    def screen(self, submission: Submission) -> Verdict:
        return Verdict()


def _value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in the metrics")


async def test_metrics_count_connections_and_each_stage_without_naming_anyone() -> None:
    from moderation import FailurePolicy, StageRun

    pipeline = Pipeline([StageRun(Boom(), on_failure=FailurePolicy.OPEN), Fine()])
    async with node(pipeline=pipeline) as n:
        circle = await open_circle(n.backend)
        async with Client.connect(n.ws_url(circle.id)) as ann, httpx.AsyncClient() as http:
            await ann.hello(token_for(circle.id, "Ann", member_id="acct-SECRET-ID"))
            for i in range(3):
                await ann.send(Say(ref=f"r{i}", text="MARKER-TEXT"))
                await ann.expect(Ack)
            response = await http.get(f"{n.http}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert _value(text, "circles_connections") == 1
    assert _value(text, "circles_circles_active") == 1
    assert _value(text, 'circles_moderation_stage_calls_total{stage="boom"}') == 3
    assert _value(text, 'circles_moderation_stage_failures_total{stage="boom"}') == 3
    assert _value(text, 'circles_moderation_stage_failures_total{stage="fine"}') == 0
    # every severity is there from the start, so a graph shows 0 rather than nothing
    for severity in ("info", "warning", "error", "critical"):
        assert _value(text, f'circles_escalations_requested_total{{severity="{severity}"}}') == 0
    for private in ("MARKER-TEXT", "acct-SECRET-ID", "Ann", circle.id):
        assert private not in text
