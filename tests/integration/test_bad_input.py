"""Every kind of bad input gets its documented answer, and the others carry on."""

from __future__ import annotations

import asyncio
import socket
import subprocess

import msgpack
import pytest

from circles.hub import HubSettings
from circles.outbox import OutboxLimits
from circles.session import SessionSettings
from protocol import (
    JSON,
    MSGPACK,
    Ack,
    CirclePhase,
    CloseCode,
    Error,
    ErrorCode,
    Hello,
    Message,
    Role,
    Say,
)
from tests.support import UNLIMITED, Client, make_settings, node, open_circle, token_for


async def _still_works(sender: Client, receiver: Client, text: str) -> None:
    await sender.send(Say(ref="still", text=text))
    ack = await sender.expect(Ack)
    message = await receiver.expect(Message)
    assert (message.id, message.text) == (ack.id, text)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\xc1", ErrorCode.MALFORMED),  # never-used msgpack byte
        (b"\x93\x01\x02", ErrorCode.MALFORMED),  # truncated array
        (msgpack.packb([1, 2, 3]), ErrorCode.MALFORMED),  # not a map
        (msgpack.packb({"type": "dance", "ref": "r1"}), ErrorCode.UNKNOWN_TYPE),
        (msgpack.packb({"type": "say", "ref": "r1", "text": 5}), ErrorCode.INVALID_FIELD),
        (msgpack.packb({"type": "say", "ref": "r1"}), ErrorCode.INVALID_FIELD),
        (msgpack.packb({"type": "say", "ref": "r1", "text": "   "}), ErrorCode.INVALID_FIELD),
        (msgpack.packb({"type": "say", "ref": "r1", "text": "x" * 4001}), ErrorCode.TOO_LARGE),
        (
            msgpack.packb({"type": "say", "ref": "r1", "text": "x", "cw": 1}),
            ErrorCode.INVALID_FIELD,
        ),
        (msgpack.packb({"type": "welcome", "ref": "r1"}), ErrorCode.UNEXPECTED),
        (msgpack.packb({"type": "hello", "token": "again"}), ErrorCode.UNEXPECTED),
        (msgpack.packb({"type": "say", "x": [[[[1]]]]}), ErrorCode.TOO_LARGE),
        (b"\x80" + b"\x00" * 30_000, ErrorCode.TOO_LARGE),  # over the frame limit
        ("a text frame on the msgpack subprotocol", ErrorCode.MALFORMED),
    ],
)
async def test_bad_frames_get_an_error_frame_and_the_circle_carries_on(
    raw: bytes | str, code: ErrorCode
) -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        async with Client.connect(url) as bad, Client.connect(url, JSON) as other:
            await bad.hello(token_for(circle.id, "Bad"))
            await other.hello(token_for(circle.id, "Other"))
            await bad.send_raw(raw)
            error = await bad.expect(Error)
            assert error.code is code
            if isinstance(raw, bytes) and b"r1" in raw:
                assert error.ref == "r1"
            # the sender's connection carries on, and so does everyone else's
            await _still_works(bad, other, "after the bad frame")
            await _still_works(other, bad, "the other member too")


@pytest.mark.parametrize(
    "raw",
    ["{", "[]", '{"type":"say","ref":"r1","text":NaN}', '{"type":"say","type":"say"}', b"\x80"],
)
async def test_bad_json_frames_get_an_error_frame(raw: str | bytes) -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        async with Client.connect(n.ws_url(circle.id), JSON) as bad:
            await bad.hello(token_for(circle.id, "Bad"))
            await bad.send_raw(raw)
            assert (await bad.expect(Error)).code is ErrorCode.MALFORMED
            await bad.send(Say(ref="ok", text="fine now"))
            assert (await bad.expect(Ack)).ref == "ok"


async def test_too_many_bad_frames_in_a_row_close_the_connection() -> None:
    settings = make_settings(session=SessionSettings(max_bad_frames=3, close_timeout=1))
    async with node(settings) as n:
        circle = await open_circle(n.backend)
        async with Client.connect(n.ws_url(circle.id)) as bad:
            await bad.hello(token_for(circle.id, "Bad"))
            for _ in range(3):
                await bad.send_raw(b"\xc1")
            assert await bad.close_code() == CloseCode.PROTOCOL_ERROR


async def test_a_message_over_the_transport_cap_closes_with_1009() -> None:
    async with node(make_settings(ws_max_bytes=64 * 1024)) as n:
        circle = await open_circle(n.backend)
        async with Client.connect(n.ws_url(circle.id), max_size=None) as bad:
            await bad.hello(token_for(circle.id, "Bad"))
            await bad.send_raw(b"\x00" * 100_000)
            assert await bad.close_code() == CloseCode.MESSAGE_TOO_BIG


async def test_no_hello_in_time_closes_with_4408() -> None:
    settings = make_settings(session=SessionSettings(hello_timeout=0.2, close_timeout=1))
    async with node(settings) as n:
        circle = await open_circle(n.backend)
        async with Client.connect(n.ws_url(circle.id)) as silent:
            assert await silent.close_code() == CloseCode.HELLO_TIMEOUT


@pytest.mark.parametrize(
    "first",
    [
        MSGPACK.encode(Say(ref="r", text="hi")),
        b"\xc1",
        msgpack.packb({"type": "hello"}),
        msgpack.packb({"type": "hello", "token": 12}),
    ],
    ids=["say", "garbage", "no-token", "token-not-string"],
)
async def test_a_first_frame_that_is_not_a_valid_hello_closes_with_4400(first: bytes) -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        async with Client.connect(n.ws_url(circle.id)) as bad:
            await bad.send_raw(first)
            assert isinstance(await bad.recv(), Error)
            assert await bad.close_code() == CloseCode.PROTOCOL_ERROR


async def test_without_a_known_subprotocol_the_server_closes_with_4406() -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        for offered in ([], ["chat", "circles.v2.msgpack"]):
            async with Client.connect(n.ws_url(circle.id), subprotocols=offered) as client:
                assert await client.close_code() == CloseCode.SUBPROTOCOL_REQUIRED


async def test_the_server_takes_the_clients_first_choice_of_subprotocol() -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        offered = ["nope", "circles.v1.json", "circles.v1.msgpack"]
        async with Client.connect(n.ws_url(circle.id), JSON, subprotocols=offered) as client:
            assert client.ws.subprotocol == "circles.v1.json"
            await client.hello(token_for(circle.id))


@pytest.mark.parametrize(
    ("token_kwargs", "code"),
    [
        ({"expires_in_ms": -120_000}, CloseCode.TOKEN_EXPIRED),
        ({"secret": "another-secret-" + "z" * 32}, CloseCode.TOKEN_INVALID),
        ({"audience": "another-service"}, CloseCode.TOKEN_INVALID),
    ],
    ids=["expired", "forged", "wrong-audience"],
)
async def test_bad_tokens_are_refused_with_their_close_code(
    token_kwargs: dict[str, object], code: CloseCode
) -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        async with Client.connect(n.ws_url(circle.id)) as client:
            await client.send(Hello(token=token_for(circle.id, **token_kwargs)))  # type: ignore[arg-type]
            assert await client.close_code() == code


async def test_garbage_and_tampered_tokens_are_invalid() -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        good = token_for(circle.id)
        header, payload, signature = good.split(".")
        # claims changed (another name), signature kept; and the "alg: none" trick
        other_claims = token_for(circle.id, "Mallory", Role.FACILITATOR).split(".")[1]
        tampered = f"{header}.{other_claims}.{signature}"
        unsigned = f"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}."
        for token in ("not-a-jwt", tampered, unsigned):
            async with Client.connect(n.ws_url(circle.id)) as client:
                await client.send(Hello(token=token))
                assert await client.close_code() == CloseCode.TOKEN_INVALID


async def test_a_token_for_another_circle_is_refused_with_4403() -> None:
    async with node() as n:
        circle = await open_circle(n.backend)
        other = await open_circle(n.backend)
        async with Client.connect(n.ws_url(circle.id)) as client:
            await client.send(Hello(token=token_for(other.id)))
            assert await client.close_code() == CloseCode.WRONG_CIRCLE
        # a token naming the URL's unknown circle: not found
        async with Client.connect(n.ws_url("c_nosuchcircle")) as client:
            await client.send(Hello(token=token_for("c_nosuchcircle")))
            assert await client.close_code() == CloseCode.CIRCLE_NOT_FOUND


async def test_joining_early_waits_and_joining_after_the_close_is_refused_with_4431() -> None:
    async with node() as n:
        clock = n.app.state.clock
        now = clock.now_ms()
        early = await open_circle(n.backend, opens_at=now + 600_000, closes_at=now + 1_200_000)
        ended = await open_circle(n.backend, opens_at=now - 1_200_000, closes_at=now - 600_000)
        async with Client.connect(n.ws_url(early.id)) as client:
            welcome = await client.hello(token_for(early.id))
            assert welcome.phase is not None
            assert welcome.phase.phase is CirclePhase.WAITING
        async with Client.connect(n.ws_url(ended.id)) as client:
            await client.send(Hello(token=token_for(ended.id)))
            assert await client.close_code() == CloseCode.CIRCLE_ENDED


async def test_a_member_who_does_not_read_is_closed_and_the_others_are_not_slowed() -> None:
    settings = make_settings(
        hub=HubSettings(outbox=OutboxLimits(soft=8, hard=32, grace=0.2)),
        session=SessionSettings(close_timeout=5, inbound=UNLIMITED),
    )
    async with node(settings) as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        # a tiny receive buffer, and a client that stops reading after its first frames
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (n.host, n.port))
        async with (
            Client.connect(url, sock=sock, max_queue=1) as slow,
            Client.connect(url) as talker,
            Client.connect(url, JSON) as listener,
        ):
            await slow.hello(token_for(circle.id, "Slow"))
            await talker.hello(token_for(circle.id, "Talker"))
            await listener.hello(token_for(circle.id, "Listener"))
            hub = n.app.state.hub
            text = "a long message " * 260
            sent = 0
            heard: list[int] = []

            async def listen() -> None:
                while True:
                    heard.append((await listener.expect(Message)).id)

            listening = asyncio.create_task(listen())
            for i in range(3000):  # bounded; stops as soon as the slow member is gone
                await talker.send(Say(ref=f"r{i}", text=text))
                sent += 1
                if i % 10 == 9:
                    # the others keep up: every ack and message arrives while Slow stalls
                    for _ in range(10):
                        await talker.expect(Ack)
                    if not any(c.member.name == "Slow" for c in hub.connections()):
                        break
            assert not any(c.member.name == "Slow" for c in hub.connections())
            async with asyncio.timeout(5):
                while len(heard) < sent:
                    await asyncio.sleep(0.01)
            listening.cancel()
            assert heard == list(range(1, sent + 1))
            # once Slow reads again, it learns why it was closed
            assert await slow.close_code() == CloseCode.SLOW_CONSUMER


def _established(port: int) -> int:
    """Server-side TCP connections on ``port`` that are still established."""
    out = subprocess.run(
        ["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return len([line for line in out.splitlines() if line.strip()])


async def test_a_client_that_never_reads_again_loses_its_server_socket_in_bounded_time() -> None:
    settings = make_settings(
        hub=HubSettings(outbox=OutboxLimits(soft=8, hard=32, grace=0.2)),
        session=SessionSettings(close_timeout=0.5, inbound=UNLIMITED),
        stall_timeout=1.0,
    )
    async with node(settings) as n:
        circle = await open_circle(n.backend)
        url = n.ws_url(circle.id)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (n.host, n.port))
        async with (
            # its own close handshake cannot complete either: do not wait long for it
            Client.connect(url, sock=sock, max_queue=1, close_timeout=0.2) as stalled,
            Client.connect(url) as talker,
        ):
            await stalled.hello(token_for(circle.id, "Stalled"))
            await talker.hello(token_for(circle.id, "Talker"))
            assert _established(n.port) == 2
            text = "a long message " * 260
            hub = n.app.state.hub
            for i in range(3000):  # bounded: stops once the stalled member is gone
                await talker.send(Say(ref=f"r{i}", text=text))
                await talker.expect(Ack)
                if not any(c.member.name == "Stalled" for c in hub.connections()):
                    break
            # the session gave up on the close handshake; the kernel ends the socket
            async with asyncio.timeout(10):
                while _established(n.port) > 1:
                    await asyncio.sleep(0.1)
            await talker.send(Say(ref="after", text="the circle carries on"))
            assert (await talker.expect(Ack)).ref == "after"
