"""The PersonalStore contract (and presence within a capacity), run against the memory
backend and a real Redis."""

from __future__ import annotations

import asyncio

import pytest

from circles.backends.base import Backend, CircleFull, Directed
from circles.backends.personal import ALERTS_KEPT, NAME_CHARS, name_candidates, name_key
from circles.backends.redis import RedisBackend, RedisSettings
from circles.model import CircleId, MemberId, new_circle_id
from protocol import Accepted, Alert, Hidden, Member, Role
from tests.circles.backends.test_contract import Recorder, _circle, eventually
from tests.conftest import delete_prefix

NOW = 1_800_000_000_000
SAM = Member(name="Sam", role=Role.PARTICIPANT, handle="m-sam")


async def _listen(backend: Backend, circle: CircleId) -> Recorder:
    heard = Recorder()
    await backend.events.subscribe(circle, heard)
    return heard


# --- display names ----------------------------------------------------------------------


def test_names_are_compared_without_case_or_extra_spaces() -> None:
    assert name_key("Zoë  Ann") == name_key("ZOË ANN") == name_key("zoe\u0308 ann")
    assert name_key("Sam") != name_key("Sam 2")


def test_numbered_names_still_fit_and_the_last_resort_is_the_handle() -> None:
    long = "L" * NAME_CHARS
    found = list(name_candidates(long, "m-0123456789abcdef"))
    assert found[0] == long
    assert found[1] == "L" * (NAME_CHARS - 2) + " 2"
    assert all(len(name) <= NAME_CHARS for name in found)
    assert found[-1].endswith(" abcdef")
    assert len(set(map(name_key, found))) == len(found)


async def test_a_name_taken_by_another_member_is_numbered_and_each_keeps_theirs(
    backend: Backend,
) -> None:
    circle = new_circle_id()
    first = await backend.personal.enter(circle, "m-1", "Sam")
    second = await backend.personal.enter(circle, "m-2", "sam")  # the same name, by case
    third = await backend.personal.enter(circle, "m-3", "Sam")
    assert (first.name, second.name, third.name) == ("Sam", "sam 2", "Sam 3")
    # coming back, with another token's name even: the name first got stays
    assert (await backend.personal.enter(circle, "m-2", "Samuel")).name == "sam 2"
    assert (await backend.personal.enter(circle, "m-1", "Sam")).name == "Sam"
    # someone literally called "Sam 2" gets the next free one
    assert (await backend.personal.enter(circle, "m-4", "Sam 2")).name == "Sam 2 2"
    # another circle is another namespace
    assert (await backend.personal.enter(new_circle_id(), "m-2", "Sam")).name == "Sam"


async def test_racing_joiners_with_one_name_get_different_names(backend: Backend) -> None:
    circle = new_circle_id()
    entered = await asyncio.gather(
        *(backend.personal.enter(circle, f"m-{i}", "Bo") for i in range(8))
    )
    assert sorted(e.name for e in entered) == sorted(["Bo", *(f"Bo {n}" for n in range(2, 9))])


# --- ground rules -----------------------------------------------------------------------


async def test_an_acceptance_is_kept_and_told_to_the_member_on_every_node(
    backend: Backend,
) -> None:
    circle = new_circle_id()
    heard = await _listen(backend, circle)
    assert (await backend.personal.enter(circle, "m-sam", "Sam")).accepted == ""
    await backend.personal.accept(circle, "m-sam", "r-1")
    assert (await backend.personal.enter(circle, "m-sam", "Sam")).accepted == "r-1"
    await eventually(lambda: Directed("m-sam", Accepted(version="r-1")) in heard.controls)
    assert heard.frames == []  # nobody else hears of it
    assert (await backend.personal.snapshot(circle)).accepted == {"m-sam": "r-1"}


# --- hiding -----------------------------------------------------------------------------


async def test_hiding_keeps_a_list_per_member_and_tells_only_them(backend: Backend) -> None:
    circle = new_circle_id()
    heard = await _listen(backend, circle)
    store = backend.personal
    assert await store.hide(circle, "m-sam", "m-bo", True, 3) == ("m-bo",)
    assert await store.hide(circle, "m-sam", "m-cy", True, 3) == ("m-bo", "m-cy")
    assert await store.hide(circle, "m-sam", "m-bo", True, 3) == ("m-bo", "m-cy")  # again
    assert await store.hide(circle, "m-ann", "m-bo", True, 3) == ("m-bo",)
    assert await store.hide(circle, "m-sam", "m-bo", False, 3) == ("m-cy",)
    assert await store.hide(circle, "m-sam", "m-zz", False, 3) == ("m-cy",)  # harmless
    assert (await store.enter(circle, "m-sam", "Sam")).hidden == ("m-cy",)
    assert (await store.enter(circle, "m-bo", "Bo")).hidden == ()
    assert (await store.snapshot(circle)).hidden == {"m-sam": ("m-cy",), "m-ann": ("m-bo",)}
    await eventually(lambda: len(heard.controls) == 6)
    assert heard.controls[-2] == Directed("m-sam", Hidden(members=["m-cy"]))
    assert heard.controls[3] == Directed("m-ann", Hidden(members=["m-bo"]))
    assert heard.frames == []


async def test_hiding_beyond_the_limit_changes_nothing(backend: Backend) -> None:
    circle = new_circle_id()
    store = backend.personal
    for i in range(3):
        await store.hide(circle, "m-sam", f"m-{i}", True, 3)
    assert await store.hide(circle, "m-sam", "m-4", True, 3) is None
    assert (await store.enter(circle, "m-sam", "Sam")).hidden == ("m-0", "m-1", "m-2")
    assert await store.hide(circle, "m-sam", "m-0", False, 3) == ("m-1", "m-2")
    # racing changes to one list lose none of them
    await asyncio.gather(*(store.hide(circle, "m-bo", f"m-{i}", True, 50) for i in range(20)))
    assert sorted((await store.enter(circle, "m-bo", "Bo")).hidden) == sorted(
        f"m-{i}" for i in range(20)
    )


# --- asking for support -----------------------------------------------------------------


async def test_support_is_taken_once_an_interval_per_member(backend: Backend) -> None:
    circle = new_circle_id()
    store = backend.personal
    assert await store.support(circle, "m-sam", NOW, 60_000) is None
    assert await store.support(circle, "m-sam", NOW + 1_000, 60_000) == NOW + 60_000
    assert await store.support(circle, "m-bo", NOW + 1_000, 60_000) is None
    assert await store.support(circle, "m-sam", NOW + 60_000, 60_000) is None
    assert await store.support(circle, "m-sam", NOW + 60_001, 60_000) == NOW + 120_000


async def test_alerts_reach_facilitators_and_the_most_recent_are_kept(backend: Backend) -> None:
    circle = new_circle_id()
    heard = await _listen(backend, circle)
    alerts = [Alert(member=SAM, ts=NOW + i, note=f"note {i}") for i in range(ALERTS_KEPT + 3)]
    for alert in alerts:
        await backend.personal.alert(circle, alert)
    assert await backend.personal.alerts(circle) == alerts[3:]
    await eventually(lambda: len(heard.frames) == len(alerts))
    assert heard.frames == alerts
    assert await backend.personal.alerts(new_circle_id()) == []


async def test_everything_personal_in_redis_expires_with_the_circle(
    redis_url: str, redis_prefix: str
) -> None:
    backend = RedisBackend(RedisSettings(url=redis_url, prefix=redis_prefix))
    await backend.start()
    try:
        circle = _circle()
        await backend.circles.create(circle)
        await backend.personal.enter(circle.id, "m-sam", "Sam")
        await backend.personal.accept(circle.id, "m-sam", "r-1")
        await backend.personal.hide(circle.id, "m-sam", "m-bo", True, 5)
        await backend.personal.support(circle.id, "m-sam", NOW, 60_000)
        await backend.personal.alert(circle.id, Alert(member=SAM, ts=NOW))
        keys = backend.keys
        retention = backend.settings.retention_ms
        for key in (keys.personal(circle.id), keys.names(circle.id), keys.alerts(circle.id)):
            assert key in keys.circle_keys(circle.id)
            assert await backend.redis.pexpiretime(key) == circle.closes_at + retention, key
    finally:
        await backend.close()
        await delete_prefix(redis_url, redis_prefix)


# --- presence within a capacity ---------------------------------------------------------


async def test_a_full_circle_refuses_a_new_participant_but_not_a_facilitator_or_a_second_tab(
    backend: Backend,
) -> None:
    circle = new_circle_id()
    presence = backend.presence
    ann, bo = Member(name="Ann", role=Role.PARTICIPANT), Member(name="Bo", role=Role.PARTICIPANT)
    zoe = Member(name="Zoe", role=Role.FACILITATOR)
    assert await presence.join(circle, MemberId("z"), zoe, None)  # not counted
    assert await presence.join(circle, MemberId("a"), ann, 2)
    assert await presence.join(circle, MemberId("b"), bo, 2)
    with pytest.raises(CircleFull):
        await presence.join(circle, MemberId("c"), Member(name="Cy", role=Role.PARTICIPANT), 2)
    assert not await presence.join(circle, MemberId("a"), ann, 2)  # Ann's phone
    assert await presence.join(circle, MemberId("y"), Member(name="Y", role=Role.FACILITATOR))
    assert [m.name for m in await presence.members(circle)] == ["Zoe", "Ann", "Bo", "Y"]
    assert not await presence.leave(circle, MemberId("a"))
    assert await presence.leave(circle, MemberId("a"))
    assert await presence.join(circle, MemberId("c"), Member(name="Cy", role=Role.PARTICIPANT), 2)


async def test_racing_joins_never_exceed_the_capacity(backend: Backend) -> None:
    circle = new_circle_id()

    async def join(i: int) -> bool:
        member = Member(name=f"P{i}", role=Role.PARTICIPANT)
        try:
            return await backend.presence.join(circle, MemberId(f"p{i}"), member, 5)
        except CircleFull:
            return False

    joined = await asyncio.gather(*(join(i) for i in range(12)))
    assert sum(joined) == 5
    assert len(await backend.presence.members(circle)) == 5
