"""Two real ``circles serve`` processes sharing one Redis: one circle, any node.

Members land on either node, in either codec; they must see one order, resume on the
other node without gap or duplicate, see each other's presence, and survive the crash
of a node (kill -9) without losing anything that was acknowledged.
"""

from __future__ import annotations

import time

from protocol import JSON, MSGPACK, PresenceAction, ResumeResult, Role
from tests.nodes import PRESENCE_TTL, Member, NodeProcess, create_circle

#: A crashed node's members are gone everywhere within the presence TTL plus one refresh
#: (TTL / 3); with slack for a busy machine.
PRESENCE_HEAL_TIMEOUT = PRESENCE_TTL * 4 / 3 + 4.0


def _consecutive(ids: list[int]) -> bool:
    return ids == list(range(ids[0], ids[0] + len(ids))) if ids else True


async def test_both_nodes_are_ready(nodes: list[NodeProcess]) -> None:
    for node in nodes:
        response = await node.get("/readyz")
        assert response is not None
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ok", "detail": "ok"}
        health = await node.get("/healthz")
        assert health is not None
        assert health.status_code == 200


async def test_members_split_across_nodes_see_one_order(nodes: list[NodeProcess]) -> None:
    a, b = nodes
    circle = await create_circle(a)
    ann = Member(circle, "Ann", MSGPACK, Role.FACILITATOR)
    bo = Member(circle, "Bo", JSON)
    cy = Member(circle, "Cy", JSON)
    di = Member(circle, "Di", MSGPACK)
    placed = [(ann, a), (bo, b), (cy, a), (di, b)]
    for member, node in placed:
        welcome = await member.join(node.ws_url(circle))
        assert welcome.resume is ResumeResult.FRESH
    members = [m for m, _ in placed]
    # Di joined last, on B, and sees everyone, whichever node they are on
    assert [m.name for m in di.welcomes[0].members] == ["Ann", "Bo", "Cy", "Di"]

    # Everyone speaks three times, interleaved, without waiting for anyone.
    rounds = 3
    for i in range(rounds):
        for member in members:
            await member.say(f"{member.name}-{i}")
    total = rounds * len(members)
    for member in members:
        await member.until_ids(total)
        await member.until_acks(rounds)
    orders = {m.name: [(x.id, x.name, x.text) for x in m.messages] for m in members}
    assert orders["Ann"] == orders["Bo"] == orders["Cy"] == orders["Di"]
    assert ann.ids() == list(range(1, total + 1))
    by_text = {x.text: x for x in ann.messages}
    for member in members:
        for i in range(rounds):
            ack = member.acks[f"{member.name}-{i}"]
            sent = by_text[f"{member.name}: {member.name}-{i}"]
            assert (ack.id, ack.ts) == (sent.id, sent.ts)
            assert sent.name == member.name
        # each member's own messages are in the order they were said
        own = [x.id for x in member.messages if x.name == member.name]
        assert own == sorted(own)
    for member in members:
        assert await member.quiet(0.2) == []  # nothing more, no duplicate
        assert member.errors == []
    for member in members:
        await member.leave()


async def test_member_moves_from_a_to_b_and_misses_nothing(nodes: list[NodeProcess]) -> None:
    a, b = nodes
    circle = await create_circle(b)
    ann = Member(circle, "Ann", MSGPACK, Role.FACILITATOR)
    bo = Member(circle, "Bo", JSON)
    cy = Member(circle, "Cy", MSGPACK)
    await ann.join(a.ws_url(circle))
    await bo.join(a.ws_url(circle))
    await cy.join(b.ws_url(circle))

    for i in range(3):
        await ann.say(f"before-{i}")
        await ann.until_ack(f"before-{i}")
    await bo.until_ids(3)
    seen_by_bo = bo.last_id
    epoch = bo.epoch
    await bo.leave()

    # missed: sent on both nodes while Bo is away
    for i in range(4):
        await ann.say(f"away-a-{i}")
        await cy.say(f"away-b-{i}")
    await ann.until(lambda: len(ann.acks) == 7)
    await cy.until(lambda: len(cy.acks) == 4)
    await ann.until_ids(11)
    missed = [m for m in ann.messages if m.id > 3]
    assert [m.id for m in missed] == list(range(4, 12))

    welcome = await bo.join(b.ws_url(circle))  # resumes with last_id 3 and the epoch
    assert (seen_by_bo, epoch) == (3, welcome.epoch)
    assert welcome.resume is ResumeResult.EXACT
    assert welcome.last_id == 11
    assert welcome.more is False
    assert welcome.history == missed  # exactly the missed ones: no gap, no duplicate

    # then live ones, from both nodes
    await ann.say("live-a")
    await bo.until_ids(12)
    await cy.say("live-b")
    await bo.until_ids(13)
    assert bo.ids() == list(range(1, 14))
    assert [m.text for m in bo.messages[-2:]] == ["Ann: live-a", "Cy: live-b"]
    assert await bo.quiet(0.3) == []
    for member in (ann, bo, cy):
        await member.leave()


async def test_presence_across_nodes(nodes: list[NodeProcess]) -> None:
    a, b = nodes
    circle = await create_circle(a)
    ann = Member(circle, "Ann", MSGPACK, Role.FACILITATOR)
    bo = Member(circle, "Bo", JSON)
    cy = Member(circle, "Cy", MSGPACK)

    welcome = await ann.join(a.ws_url(circle))
    assert [m.name for m in welcome.members] == ["Ann"]
    welcome = await bo.join(b.ws_url(circle))
    assert [(m.name, m.role) for m in welcome.members] == [
        ("Ann", Role.FACILITATOR),
        ("Bo", Role.PARTICIPANT),
    ]
    await ann.until_presence(PresenceAction.JOIN, "Bo")
    assert ann.presence[0].member.role is Role.PARTICIPANT

    # a second device of Bo, on the other node: present once, no second join
    bo_phone = Member(circle, "Bo", MSGPACK)
    welcome = await bo_phone.join(a.ws_url(circle))
    assert [m.name for m in welcome.members] == ["Ann", "Bo"]
    await cy.join(a.ws_url(circle))
    await bo.until_presence(PresenceAction.JOIN, "Cy")  # joined on A, seen on B
    await ann.until_presence(PresenceAction.JOIN, "Cy")

    # Bo's phone leaves: Bo is still there (on B), nobody is told of a leave
    await bo_phone.leave()
    await bo.say("still-here")
    await ann.until_ids(1)
    # Bo's last connection leaves (on B): announced on A
    await bo.leave()
    await ann.until_presence(PresenceAction.LEAVE, "Bo")
    await cy.until_presence(PresenceAction.LEAVE, "Bo")
    for member in (ann, cy):
        assert [(p.action, p.member.name) for p in member.presence] == (
            [(PresenceAction.JOIN, "Bo"), (PresenceAction.JOIN, "Cy"), (PresenceAction.LEAVE, "Bo")]
            if member is ann
            else [(PresenceAction.LEAVE, "Bo")]
        )
    di = Member(circle, "Di", JSON)
    welcome = await di.join(b.ws_url(circle))
    assert [m.name for m in welcome.members] == ["Ann", "Cy", "Di"]
    for member in (ann, cy, di):
        await member.leave()


async def test_a_say_repeated_through_the_other_node_is_acked_once(
    nodes: list[NodeProcess],
) -> None:
    a, b = nodes
    circle = await create_circle(a)
    ann = Member(circle, "Ann", MSGPACK, Role.FACILITATOR)
    bo = Member(circle, "Bo", JSON)
    cy = Member(circle, "Cy", MSGPACK)
    await ann.join(a.ws_url(circle))
    await bo.join(a.ws_url(circle))
    await cy.join(b.ws_url(circle))

    await bo.say("first")
    first = await bo.until_ack("first")
    await ann.until_ids(first.id)
    await cy.until_ids(first.id)
    # Bo's connection drops before Bo knew (say the ack was lost); Bo resumes on B and
    # sends the same say again, as the protocol says
    bo.drop()
    welcome = await bo.join(b.ws_url(circle))
    assert welcome.resume is ResumeResult.EXACT
    del bo.acks["first"]
    await bo.say("first")
    again = await bo.until_ack("first")
    assert (again.id, again.ts) == (first.id, first.ts)

    await bo.say("second")
    second = await bo.until_ack("second")
    assert second.id == first.id + 1
    for member in (ann, cy, bo):
        await member.until_ids(second.id)
        texts = [m.text for m in member.messages]
        assert texts.count("Bo: first") == 1, member
        assert _consecutive(member.ids())
        assert member.ids()[-1] == second.id
    for member in (ann, cy):
        await member.leave()
    await bo.leave()


async def test_kill_9_a_node_its_members_resume_on_the_other(nodes: list[NodeProcess]) -> None:
    a, b = nodes
    circle = await create_circle(b)
    ann = Member(circle, "Ann", MSGPACK, Role.FACILITATOR)  # on A, reconnects to B
    bo = Member(circle, "Bo", JSON)  # on A, never comes back
    cy = Member(circle, "Cy", JSON)  # on B
    di = Member(circle, "Di", MSGPACK)  # on B
    for member, node in ((ann, a), (bo, a), (cy, b), (di, b)):
        await member.join(node.ws_url(circle))
    await bo.until_presence(PresenceAction.JOIN, "Di")  # A hears of B's members

    for i in range(3):
        for member in (ann, bo, cy, di):
            await member.say(f"{member.name}-{i}")
    for member in (ann, bo, cy, di):
        await member.until_acks(3)
    acked = {ack.id for m in (ann, bo, cy, di) for ack in m.acks.values()}
    assert acked == set(range(1, 13))
    await ann.until_ids(12)
    await ann.say("in-flight")  # maybe accepted, maybe not: the node dies now

    await a.kill()
    crashed_at = time.monotonic()
    assert await ann.closed() == 1006  # the network connection just drops
    assert await bo.closed() == 1006

    # B keeps serving: /readyz 200 and the circle carries on
    assert await b.ready_status() == 200
    await cy.say("after-crash")
    after_crash = await cy.until_ack("after-crash")

    # Ann resumes on B with her last id and epoch and resends what had no ack
    ann_had = ann.last_id
    assert ann_had is not None
    welcome = await ann.join(b.ws_url(circle))
    assert welcome.resume is ResumeResult.EXACT
    assert [m.id for m in welcome.history] == list(range(ann_had + 1, welcome.last_id + 1))
    ann.acks.pop("in-flight", None)
    await ann.say("in-flight")
    in_flight = await ann.until_ack("in-flight")
    last = max(in_flight.id, after_crash.id)
    # nothing acknowledged is lost, nothing is doubled, everyone sees the same
    for member in (ann, cy, di):
        await member.until_ids(last)
        assert member.ids() == list(range(1, last + 1)), member
        assert [m.text for m in member.messages].count("Ann: in-flight") == 1
    assert [(m.id, m.text) for m in ann.messages] == [(m.id, m.text) for m in cy.messages]
    assert acked <= set(ann.ids())

    # presence heals: Bo, whose node died, leaves everyone's presence; Ann, who came
    # back through B, does not
    await cy.until_presence(PresenceAction.LEAVE, "Bo", timeout=PRESENCE_HEAL_TIMEOUT)
    healed_in = time.monotonic() - crashed_at
    print(f"\npresence healed {healed_in:.2f} s after the crash")
    await di.until_presence(PresenceAction.LEAVE, "Bo", timeout=2.0)
    await ann.until_presence(PresenceAction.LEAVE, "Bo", timeout=2.0)
    for member in (ann, cy, di):
        assert [p.member.name for p in member.presence if p.action is PresenceAction.LEAVE] == [
            "Bo"
        ], member
    eve = Member(circle, "Eve", JSON)
    welcome = await eve.join(b.ws_url(circle))
    assert sorted(m.name for m in welcome.members) == ["Ann", "Cy", "Di", "Eve"]
    # the bound: TTL (15 s) plus one refresh interval (5 s) after the crash
    assert healed_in < 22.0, healed_in  # (2 s of slack for a busy machine)
    for member in (ann, cy, di, eve):
        await member.leave()
