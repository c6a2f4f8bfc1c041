"""The same sessions served by the ``websockets`` library's own server (the seam)."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from circles.app import create_app
from circles.websockets_server import serve_websockets
from protocol import JSON, MSGPACK, Ack, CloseCode, Message, Say
from tests.support import Client, make_settings, open_circle, token_for


async def test_members_chat_and_bad_tokens_are_refused_on_the_websockets_server() -> None:
    app = create_app(make_settings())
    circle = await open_circle(app.state.backend)
    server = await serve_websockets(app.state.session_context, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"ws://127.0.0.1:{port}/v1/circles/{circle.id}/ws"
    try:
        async with Client.connect(url, MSGPACK) as ann, Client.connect(url, JSON) as bo:
            await ann.hello(token_for(circle.id, "Ann"))
            await bo.hello(token_for(circle.id, "Bo"))
            await ann.send(Say(ref="r", text="hello from the other server"))
            ack = await ann.expect(Ack)
            message = await bo.expect(Message)
            assert (message.id, message.text) == (ack.id, "hello from the other server")
        async with Client.connect(url) as mallory:
            await mallory.send_raw(MSGPACK.encode(Say(ref="r", text="no hello")))
            assert await mallory.close_code() == CloseCode.PROTOCOL_ERROR
        async with Client.connect(url, subprotocols=["other"]) as nobody:
            assert await nobody.close_code() == CloseCode.SUBPROTOCOL_REQUIRED
        with pytest.raises(InvalidStatus):
            async with connect(f"ws://127.0.0.1:{port}/elsewhere"):
                pass
    finally:
        server.close()
        await server.wait_closed()
