"""protocol/frames.py: the catalogue, cross-field checks, privacy of repr, and the
frame catalogue in docs/protocol.md (fields and examples)."""

from __future__ import annotations

import dataclasses

import pytest

from protocol import (
    CLIENT_FRAMES,
    JSON,
    MAX_HIDDEN,
    MUTE_MINUTES,
    SERVER_FRAMES,
    SLOW_SECONDS,
    Accept,
    Accepted,
    Alert,
    Approved,
    Audience,
    CircleInfo,
    Command,
    Decided,
    ErrorCode,
    EscalationNotice,
    Frame,
    FrameError,
    Heard,
    Hello,
    Hidden,
    Hide,
    Member,
    Message,
    Mute,
    Muted,
    Rejected,
    Removed,
    ResumeResult,
    Retracted,
    Role,
    Say,
    Slow,
    State,
    Support,
    Unhide,
    Unmuted,
    Welcome,
)
from protocol.frames import Sender
from protocol.personal import Rules
from tests.protocol.doc import code, json_blocks, section, subsections, tables
from tests.protocol.samples import CLIENT_SAMPLES, SERVER_SAMPLES, side

ALL_FRAMES = {**CLIENT_FRAMES, **SERVER_FRAMES}
SECRET = "MARKER-text-a91f"
TOKEN = "MARKER-token-5c2e"
WARNING = "MARKER-cw-77d0"


# --- the catalogue --------------------------------------------------------------------


COMMANDS = {
    "mute", "unmute", "remove", "lock", "unlock", "slow", "retract", "approve", "reject",
    "pause", "resume", "end", "open", "escalate",
}  # fmt: skip


#: A participant's requests for themselves (not commands: no facilitator needed).
REQUESTS = {"accept", "hide", "unhide", "support"}


def test_clients_send_hello_say_ping_pong_the_commands_and_the_requests() -> None:
    assert set(CLIENT_FRAMES) == {"hello", "say", "ping", "pong"} | COMMANDS | REQUESTS
    assert {k for k, cls in CLIENT_FRAMES.items() if issubclass(cls, Command)} == COMMANDS


def test_servers_send_the_rest_and_ping_pong() -> None:
    assert set(SERVER_FRAMES) == {
        "ping", "pong", "welcome", "message", "ack", "presence", "members", "held",
        "blocked", "redacted", "review", "flagged", "error", "done", "state", "muted",
        "unmuted", "removed", "retracted", "approved", "rejected", "decided", "phase",
        "accepted", "hidden", "heard", "alert", "escalation",
    }  # fmt: skip


@pytest.mark.parametrize("kind", sorted(COMMANDS))
def test_every_command_has_a_ref_first(kind: str) -> None:
    assert dataclasses.fields(CLIENT_FRAMES[kind])[0].name == "ref"


def test_frames_about_one_member_say_who_hears_them() -> None:
    assert Muted.AUDIENCE is Unmuted.AUDIENCE is Audience.MEMBER_AND_FACILITATORS
    assert Approved.AUDIENCE is Rejected.AUDIENCE is Audience.MEMBER
    assert Decided.AUDIENCE is Audience.FACILITATORS
    assert State.AUDIENCE is Removed.AUDIENCE is Retracted.AUDIENCE is Audience.ALL
    assert Accepted.AUDIENCE is Hidden.AUDIENCE is Heard.AUDIENCE is Audience.MEMBER
    assert Alert.AUDIENCE is Audience.FACILITATORS
    assert EscalationNotice.AUDIENCE is Audience.FACILITATORS


@pytest.mark.parametrize("kind", sorted(REQUESTS))
def test_every_request_has_a_ref_first_and_is_no_command(kind: str) -> None:
    assert dataclasses.fields(CLIENT_FRAMES[kind])[0].name == "ref"
    assert not issubclass(CLIENT_FRAMES[kind], Command)


@pytest.mark.parametrize("kind", sorted(ALL_FRAMES))
def test_a_frame_is_keyed_by_its_type_and_senders(kind: str) -> None:
    cls = ALL_FRAMES[kind]
    assert kind == cls.TYPE
    assert (kind in CLIENT_FRAMES) == (Sender.CLIENT in cls.SENDERS)
    assert (kind in SERVER_FRAMES) == (Sender.SERVER in cls.SENDERS)


@pytest.mark.parametrize("frame", [*CLIENT_SAMPLES, *SERVER_SAMPLES], ids=repr)
def test_frames_are_frozen(frame: Frame) -> None:
    assert frame.__dataclass_params__.frozen  # type: ignore[attr-defined]
    fields = dataclasses.fields(frame)
    if fields:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(frame, fields[0].name, None)


@pytest.mark.parametrize("frame", [*CLIENT_SAMPLES, *SERVER_SAMPLES], ids=repr)
def test_valid_samples_pass_their_checks(frame: Frame) -> None:
    frame.check()


# --- checks across fields ----------------------------------------------------------------


def test_hello_refuses_epoch_without_last_id() -> None:
    with pytest.raises(FrameError) as caught:
        Hello(token="t", epoch="e1").check()
    assert caught.value.code is ErrorCode.INVALID_FIELD
    Hello(token="t", last_id=3).check()
    Hello(token="t", last_id=3, epoch="e1").check()


@pytest.mark.parametrize(
    ("text", "cw"), [(" ", None), ("\n\t\u2003", None), ("hi", " "), ("hi", "")]
)
def test_say_refuses_blank_text_or_warning_and_names_its_ref(text: str, cw: str | None) -> None:
    with pytest.raises(FrameError) as caught:
        Say(ref="r7", text=text, cw=cw).check()
    assert caught.value.code is ErrorCode.INVALID_FIELD
    assert caught.value.ref == "r7"


def test_say_with_surrounding_whitespace_is_kept_as_is() -> None:
    frame = Say(ref="r", text="  hi  ", cw=" cw ")
    frame.check()
    assert JSON.decode(JSON.encode(frame), side(frame)[0]) == frame


# --- privacy -------------------------------------------------------------------------------


def _private_frames() -> list[Frame]:
    message = Message(id=1, name="Sam", role=Role.PARTICIPANT, text=SECRET, ts=1, cw=WARNING)
    return [
        Hello(token=TOKEN, last_id=1, epoch="e"),
        Say(ref="r1", text=SECRET, cw=WARNING),
        message,
        Welcome(
            circle=CircleInfo(id="c", title="t", opens_at=0, closes_at=1, capacity=2),
            you=Member(name="Sam", role=Role.PARTICIPANT),
            members=[],
            epoch="e",
            last_id=1,
            resume=ResumeResult.EXACT,
            history=[message],
            alerts=[_alert(SECRET)],
        ),
        Support(ref="r2", note=SECRET),
        _alert(SECRET),
    ]


def _alert(note: str) -> Alert:
    return Alert(member=Member(name="Sam", role=Role.PARTICIPANT, handle="m-1"), ts=1, note=note)


@pytest.mark.parametrize("frame", _private_frames(), ids=lambda f: f.TYPE)
def test_repr_hides_text_warnings_and_tokens(frame: Frame) -> None:
    for shown in (repr(frame), str(frame), f"{frame!r:>10}"):
        assert "MARKER" not in shown


def test_repr_still_shows_what_helps_debugging() -> None:
    assert repr(Say(ref="r1", text=SECRET)) == "Say(ref='r1')"
    assert "last_id=9" in repr(Hello(token=TOKEN, last_id=9))
    assert "id=5" in repr(Message(id=5, name="Sam", role=Role.PARTICIPANT, text=SECRET, ts=1))


def test_frame_errors_never_quote_the_text() -> None:
    frames = [
        '{"type":"say","ref":"r1","text":"MARKER' + "x" * 5000 + '"}',
        '{"type":"say","ref":"r1","text":" MARKER ","cw":" "}',
        '{"type":"say","ref":"r1","text":["MARKER"]}',
        '{"type":"MARKER"}',
        '{"type":"hello","token":"MARKER","epoch":"MARKER"}',
    ]
    for text in frames:
        with pytest.raises(FrameError) as caught:
            JSON.decode(text, side(Say)[0])
        assert "MARKER" not in str(caught.value)
        assert "MARKER" not in caught.value.detail


# --- docs/protocol.md -----------------------------------------------------------------------


def _frame_sections() -> dict[str, str]:
    return {
        code(name): body
        for name, body in subsections("## Frame catalogue").items()
        if name.startswith("`")
    }


def test_every_frame_has_a_section_and_a_catalogue_row() -> None:
    assert set(_frame_sections()) == set(ALL_FRAMES)
    (rows,) = [t for t in tables(section("## Frame catalogue")) if t[0][0] == "`hello`"]
    senders = {code(row[0]): row[1] for row in rows}
    expected = {"client": Sender.CLIENT, "server": Sender.SERVER}
    expected["client and server"] = Sender.CLIENT | Sender.SERVER
    assert {kind: expected[who] for kind, who in senders.items()} == {
        kind: cls.SENDERS for kind, cls in ALL_FRAMES.items()
    }


@pytest.mark.parametrize("kind", sorted(ALL_FRAMES))
def test_a_frames_field_table_lists_exactly_its_fields(kind: str) -> None:
    found = tables(_frame_sections()[kind])
    if not dataclasses.fields(ALL_FRAMES[kind]):  # a frame without fields says so, in words
        assert found == []
        assert "No fields" in _frame_sections()[kind]
        return
    (rows,) = found
    documented = [code(row[0]) for row in rows]
    actual = [f.name for f in dataclasses.fields(ALL_FRAMES[kind])]
    assert documented == actual
    for row, field in zip(rows, dataclasses.fields(ALL_FRAMES[kind]), strict=True):
        optional = field.default is not dataclasses.MISSING
        assert ("optional" in row[2]) == optional, field.name


def test_nested_value_tables_list_exactly_their_fields() -> None:
    member, circle, rules = tables(subsections("## Frame catalogue")["Values inside frames"])
    assert [code(row[0]) for row in member] == [f.name for f in dataclasses.fields(Member)]
    assert [code(row[0]) for row in circle] == [f.name for f in dataclasses.fields(CircleInfo)]
    assert [code(row[0]) for row in rules] == [f.name for f in dataclasses.fields(Rules)]


@pytest.mark.parametrize("kind", sorted(ALL_FRAMES))
def test_a_frames_example_decodes_to_that_frame(kind: str) -> None:
    examples = json_blocks(_frame_sections()[kind])
    assert examples, f"no example for {kind}"
    cls = ALL_FRAMES[kind]
    for example in examples:
        limits, accept = side(cls)
        frame = JSON.decode(example.strip(), limits, accept)
        assert type(frame) is cls
        assert JSON.decode(JSON.encode(frame), limits, accept) == frame


@pytest.mark.parametrize(
    ("text", "cw"),
    [
        ("a\x00b", None),
        ("\x1b[2J cleared", None),
        ("bell\x07", None),
        ("c1\x85", None),
        ("del\x7f", None),
        ("fine", "two\nlines"),
        ("fine", "esc\x1b"),
    ],
)
def test_say_refuses_control_characters_but_tab_and_newline(text: str, cw: str | None) -> None:
    with pytest.raises(FrameError) as refused:
        Say(ref="r9", text=text, cw=cw).check()
    assert (refused.value.code, refused.value.ref) == (ErrorCode.INVALID_FIELD, "r9")


@pytest.mark.parametrize("text", ["\u200b", " \u200d\u200b ", "\u2066\u2069", "\n\t"])
def test_say_refuses_text_that_shows_nothing(text: str) -> None:
    with pytest.raises(FrameError) as refused:
        Say(ref="r", text=text).check()
    assert refused.value.code is ErrorCode.INVALID_FIELD


def test_say_refuses_a_ref_with_control_characters() -> None:
    with pytest.raises(FrameError) as refused:
        Say(ref="a\x00b", text="hi").check()
    assert refused.value.code is ErrorCode.INVALID_FIELD


def test_say_keeps_tabs_newlines_and_every_script() -> None:
    Say(ref="r", text="line one\n\tline two — ça va? 你好 🙂\u200d", cw="grief").check()


# --- the facilitators' commands ----------------------------------------------------------


@pytest.mark.parametrize("minutes", [0, MUTE_MINUTES[1] + 1, 10**9])
def test_mute_refuses_minutes_out_of_range_and_names_its_ref(minutes: int) -> None:
    with pytest.raises(FrameError) as refused:
        Mute(ref="c1", member="m-1", minutes=minutes).check()
    assert (refused.value.code, refused.value.ref) == (ErrorCode.INVALID_FIELD, "c1")
    assert refused.value.detail == "minutes: out of range 1..1440"


@pytest.mark.parametrize("minutes", [None, *MUTE_MINUTES])
def test_mute_takes_minutes_within_range_or_none(minutes: int | None) -> None:
    Mute(ref="c1", member="m-1", minutes=minutes).check()


@pytest.mark.parametrize("seconds", [SLOW_SECONDS[1] + 1, 86_400])
def test_slow_refuses_seconds_out_of_range(seconds: int) -> None:
    with pytest.raises(FrameError) as refused:
        Slow(ref="c2", seconds=seconds).check()
    assert (refused.value.code, refused.value.ref) == (ErrorCode.INVALID_FIELD, "c2")


@pytest.mark.parametrize(
    "raw",
    [
        '{"type":"mute","ref":"c1","member":"m-1","minutes":"10"}',
        '{"type":"mute","ref":"c1","member":"m-1","minutes":10.0}',
        '{"type":"mute","ref":"c1","member":"m-1","minutes":true}',
        '{"type":"mute","ref":"c1","member":"m-1","minutes":-5}',
        '{"type":"mute","ref":"c1","member":7}',
        '{"type":"mute","ref":"c1"}',
        '{"type":"mute","ref":"c1","member":""}',
        '{"type":"mute","ref":"c1","member":"m\\u0000x"}',
        '{"type":"slow","ref":"c1","seconds":"30"}',
        '{"type":"slow","ref":"c1","seconds":1.5}',
        '{"type":"slow","ref":"c1"}',
        '{"type":"retract","ref":"c1","id":"44"}',
        '{"type":"approve","ref":"c1","hold":["h-1"]}',
    ],
)
def test_commands_with_fields_of_the_wrong_type_are_refused_with_their_ref(raw: str) -> None:
    with pytest.raises(FrameError) as refused:
        JSON.decode(raw, side(Mute)[0])
    assert (refused.value.code, refused.value.ref) == (ErrorCode.INVALID_FIELD, "c1")


def test_a_command_without_a_ref_is_refused() -> None:
    with pytest.raises(FrameError) as refused:
        JSON.decode('{"type":"lock"}', side(Mute)[0])
    assert refused.value.code is ErrorCode.INVALID_FIELD


def test_the_documented_bounds_of_mute_and_slow_are_the_codes() -> None:
    rows = {kind: tables(_frame_sections()[kind])[0] for kind in ("mute", "slow")}
    minutes = next(row for row in rows["mute"] if row[0] == "`minutes`")
    seconds = next(row for row in rows["slow"] if row[0] == "`seconds`")
    assert minutes[2] == f"optional, {MUTE_MINUTES[0]}..{MUTE_MINUTES[1]}"
    assert seconds[2] == f"{SLOW_SECONDS[0]}..{SLOW_SECONDS[1]}"


# --- a participant's requests ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"type":"accept","ref":"p1"}', ErrorCode.INVALID_FIELD),
        ('{"type":"accept","ref":"p1","version":""}', ErrorCode.INVALID_FIELD),
        ('{"type":"accept","ref":"p1","version":3}', ErrorCode.INVALID_FIELD),
        ('{"type":"accept","ref":"p1","version":"r\\u001b1"}', ErrorCode.INVALID_FIELD),
        ('{"type":"accept","ref":"p1","version":"' + "v" * 65 + '"}', ErrorCode.TOO_LARGE),
        ('{"type":"hide","ref":"p1"}', ErrorCode.INVALID_FIELD),
        ('{"type":"hide","ref":"p1","member":""}', ErrorCode.INVALID_FIELD),
        ('{"type":"hide","ref":"p1","member":["m-1"]}', ErrorCode.INVALID_FIELD),
        ('{"type":"unhide","ref":"p1","member":null}', ErrorCode.INVALID_FIELD),
        ('{"type":"unhide","ref":"p1","member":"m\\u0000"}', ErrorCode.INVALID_FIELD),
        ('{"type":"hide","ref":"p1","member":"' + "m" * 65 + '"}', ErrorCode.TOO_LARGE),
        ('{"type":"support","ref":"p1","note":""}', ErrorCode.INVALID_FIELD),
        ('{"type":"support","ref":"p1","note":" \\u200b "}', ErrorCode.INVALID_FIELD),
        ('{"type":"support","ref":"p1","note":"help\\u0007"}', ErrorCode.INVALID_FIELD),
        ('{"type":"support","ref":"p1","note":7}', ErrorCode.INVALID_FIELD),
        ('{"type":"support","ref":"p1","note":"' + "n" * 281 + '"}', ErrorCode.TOO_LARGE),
    ],
)
def test_a_bad_request_is_refused_with_its_ref(raw: str, code: ErrorCode) -> None:
    with pytest.raises(FrameError) as refused:
        JSON.decode(raw, side(Accept)[0])
    assert (refused.value.code, refused.value.ref) == (code, "p1")
    assert "vvv" not in refused.value.detail
    assert "nnn" not in refused.value.detail


def test_a_request_for_support_may_carry_a_short_note_on_lines_of_its_own() -> None:
    for frame in (Support(ref="p1"), Support(ref="p2", note="could someone\ncheck in? 🌱")):
        frame.check()
        assert JSON.decode(JSON.encode(frame), side(frame)[0]) == frame
    Support(ref="p3", note="n" * 280).check()


def test_hide_and_unhide_name_one_member_by_handle() -> None:
    for frame in (Hide(ref="p1", member="m-0f3a"), Unhide(ref="p2", member="m-0f3a")):
        frame.check()
        assert JSON.decode(JSON.encode(frame), side(frame)[0]) == frame


def test_a_welcome_lists_whom_its_member_hides_and_at_most_what_a_frame_holds() -> None:
    # a member may hide at most MAX_HIDDEN others: their handles fit in one welcome
    handles = [f"m-{i:016x}" for i in range(MAX_HIDDEN)]
    frame = Hidden(members=handles)
    assert JSON.decode(JSON.encode(frame), *side(frame)) == frame
    assert Heard(ref="p1", text="told").AUDIENCE is Audience.MEMBER
