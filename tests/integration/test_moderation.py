"""A node with a moderation configuration, over real WebSockets.

The tests of how a node carries out the pipeline's decisions (resends, the sender's
private words, escalation requests) run on both backends: what a resend is answered
with comes from the backend's records.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from structlog.testing import capture_logs

from circles.app import create_app
from circles.backends.base import Backend
from circles.config import ConfigError
from circles.screening import hold_id
from protocol import (
    JSON,
    MSGPACK,
    Ack,
    Blocked,
    Flagged,
    Held,
    Message,
    Redacted,
    Review,
    Role,
    Say,
)
from tests.support import Client, make_settings, node, open_circle, token_for

#: The shipped stages these tests rely on, with their shipped settings: the repeat and
#: rate rules of ``limits`` on (tests/moderation.toml lifts them), crisis messages held.
SCREENING = """
[[stages]]
use = "normalize"

[[stages]]
use = "limits"

[[stages]]
use = "pii"

[[stages]]
use = "crisis"
"""

CONFIG = """
[[stages]]
use = "tests.moderation.stagekit:Keyword"
[stages.settings]
word = "secret"

[circles.c_lenient]
disable = ["tests.moderation.stagekit:Keyword"]
"""


async def test_the_configured_pipeline_screens_what_members_say(tmp_path: Path) -> None:
    config = tmp_path / "moderation.toml"
    config.write_text(CONFIG)
    async with node(make_settings(moderation=config)) as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with Client.connect(url, MSGPACK) as ann, Client.connect(url, JSON) as bo:
            await ann.hello(token_for(circle.id, "Ann"))
            await bo.hello(token_for(circle.id, "Bo", Role.FACILITATOR))
            await ann.send(Say(ref="r1", text="my secret is out"))
            assert await ann.expect(Blocked) == Blocked(ref="r1", reason="not that word, please")
            await ann.send(Say(ref="r2", text="fine words"))
            assert (await ann.expect(Ack)).ref == "r2"
            # Bo saw only the second
            assert (await bo.expect(Message)).text == "fine words"


async def test_a_circle_with_its_own_policy_gets_it(tmp_path: Path) -> None:
    config = tmp_path / "moderation.toml"
    config.write_text(CONFIG)
    async with node(make_settings(moderation=config)) as n:
        lenient = await open_circle(n.backend, id="c_lenient")
        async with Client.connect(n.ws_url(lenient.id)) as ann:
            await ann.hello(token_for(lenient.id, "Ann"))
            await ann.send(Say(ref="r1", text="a secret"))
            assert (await ann.expect(Ack)).ref == "r1"


@pytest.mark.parametrize("content", ["[[stages]]\nuse = 'nope'", "not toml ["])
def test_a_bad_moderation_configuration_stops_the_node_at_start(
    tmp_path: Path, content: str
) -> None:
    config = tmp_path / "moderation.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match="CIRCLES_MODERATION"):
        create_app(make_settings(moderation=config))


# --- carrying out the pipeline's decisions, on both backends --------------------------------


def _screening(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "moderation.toml"
    config.write_text(SCREENING + extra)
    return config


async def _escalations(http: str) -> dict[str, float]:
    """``circles_escalations_requested_total`` by severity, from ``GET /metrics``."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{http}/metrics")).text
    found = {}
    for line in text.splitlines():
        if line.startswith('circles_escalations_requested_total{severity="'):
            labels, value = line.rsplit(" ", 1)
            found[labels.split('"')[1]] = float(value)
    return found


async def test_a_resent_say_is_answered_as_the_first_time_and_not_screened_again(
    backend: Backend, tmp_path: Path
) -> None:
    # The limits stage blocks the same words from the same member within two minutes:
    # a resend screened again would be refused after it was delivered.
    async with node(make_settings(moderation=_screening(tmp_path)), backend=backend) as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with Client.connect(url, JSON) as bo:
            await bo.hello(token_for(circle.id, "Bo"))
            async with Client.connect(url) as ann:
                await ann.hello(token_for(circle.id, "Ann"))
                await ann.send(Say(ref="r1", text="Thank you all for being here tonight"))
                acked = await ann.expect(Ack)
                await ann.send(Say(ref="r2", text="text me on 07700 900123 any time"))
                redacted = await ann.expect(Redacted)
            # the connection dropped before Ann saw the answers: she sends both again
            async with Client.connect(url) as ann:
                await ann.hello(token_for(circle.id, "Ann"), last_id=0)
                await ann.send(Say(ref="r1", text="Thank you all for being here tonight"))
                assert await ann.expect(Ack) == acked
                await ann.send(Say(ref="r2", text="text me on 07700 900123 any time"))
                assert await ann.expect(Redacted) == redacted
            delivered = [(await bo.expect(Message)).id for _ in range(2)]
            assert delivered == [acked.id, redacted.id]
            await bo.send(Say(ref="b1", text="and you"))
            assert (await bo.expect(Message)).id == redacted.id + 1  # nothing delivered twice


async def test_a_resent_held_say_is_held_once_even_after_a_facilitator_took_it(
    backend: Backend, tmp_path: Path
) -> None:
    async with node(make_settings(moderation=_screening(tmp_path)), backend=backend) as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with Client.connect(url, JSON) as sam, Client.connect(url) as ann:
            await sam.hello(token_for(circle.id, "Sam", Role.FACILITATOR))
            await ann.hello(token_for(circle.id, "Ann"))
            say = Say(ref="r1", text="I want to kill myself")
            await ann.send(say)
            held = await ann.expect(Held)
            review = await sam.expect(Review)
            # sent again while it waits: the same answer, shown again as the same hold
            await ann.send(say)
            assert await ann.expect(Held) == held
            assert await sam.expect(Review) == review
            # a facilitator takes it off the queue (the decision comes with their
            # controls); sent again now, it is answered alike and held no more
            hold = hold_id("acct-Ann", "r1")
            assert (await n.backend.reviews.take(circle.id, hold)) is not None
            await ann.send(say)
            assert await ann.expect(Held) == held
            await ann.send(Say(ref="r2", text="sorry, I am still here"))
            await ann.expect(Ack)
            # Sam saw Ann's next message and no review before it
            assert not isinstance(await sam.recv(), Review)
            assert await n.backend.reviews.pending(circle.id) == []
            assert (await _escalations(n.http))["error"] == 1  # asked once


async def test_a_circle_that_delivers_crisis_messages_still_answers_the_sender_with_care(
    backend: Backend, tmp_path: Path
) -> None:
    config = _screening(tmp_path, "\n[circles.c_delivers.settings.crisis]\ndeliver = true\n")
    async with node(make_settings(moderation=config), backend=backend) as n:
        circle = await open_circle(n.backend, id="c_delivers")
        url = n.ws_url(circle.id)
        async with (
            Client.connect(url, JSON) as sam,
            Client.connect(url) as bo,
            Client.connect(url) as ann,
        ):
            await sam.hello(token_for(circle.id, "Sam", Role.FACILITATOR))
            await bo.hello(token_for(circle.id, "Bo"))
            await ann.hello(token_for(circle.id, "Ann"))
            said = "MARKER I want to kill myself tonight"
            with capture_logs() as logs:
                await ann.send(Say(ref="r1", text=said))
                ack = await ann.expect(Ack)
                assert ack.note is not None
                assert "you don't have to face this alone" in ack.note
                assert "988" in ack.note  # where to find help, now
                message = await bo.expect(Message)
                assert (message.id, message.text) == (ack.id, said)
                flagged = await sam.expect(Flagged)
                assert (flagged.id, flagged.risk.value) == (ack.id, "imminent")
                # the answer was lost; the same say again gets the same words, once
                await ann.send(Say(ref="r1", text=said))
                assert await ann.expect(Ack) == ack
                requested = await _escalations(n.http)
            assert requested == {"info": 0, "warning": 0, "error": 0, "critical": 1}
            (escalation,) = [e for e in logs if e["event"] == "escalation.requested"]
            assert (escalation["message_id"], escalation["hold"]) == (ack.id, None)
            assert (escalation["severity"], escalation["risk"]) == ("critical", "imminent")
            assert escalation["member"] == "acct-Ann"
            assert "MARKER" not in repr(logs)
            # Bo got the message, and nothing of what was said to Ann alone
            await bo.send(Say(ref="b1", text="we are here with you"))
            seen = [await bo.recv()]
            while not (isinstance(seen[-1], Message) and seen[-1].text == "we are here with you"):
                seen.append(await bo.recv())
            assert [f for f in seen if isinstance(f, Ack) and f.note] == []
