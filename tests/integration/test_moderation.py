"""A node with a moderation configuration, over real WebSockets."""

from __future__ import annotations

from pathlib import Path

import pytest

from circles.app import create_app
from circles.config import ConfigError
from protocol import JSON, MSGPACK, Ack, Blocked, Message, Role, Say
from tests.support import Client, make_settings, node, open_circle, token_for

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
