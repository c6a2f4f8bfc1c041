"""The graphic stage: vivid detail is flagged with a suggested content warning; naming
what happened is not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation.stage import Submission
from moderation.stages.graphic import WARNINGS, Graphic
from moderation.stages.normalize import Normalize
from moderation.verdict import Action, Verdict

STAGE = Graphic()


def sub(text: str, cw: str | None = None) -> Submission:
    """A submission whose canonical form is just the lower-cased text."""
    return Submission(text=text, canonical=text.lower(), cw=cw)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("he forced his fingers inside me", "sexual_violence"),
        ("he shoved his dick in my mouth", "sexual_violence"),
        ("he came inside me and I felt dirty for years", "sexual_violence"),
        ("he held me down and raped me", "sexual_violence"),
        ("he forced me to suck him", "sexual_violence"),
        ("there was blood everywhere", "violence"),
        ("blood was pouring from my head", "violence"),
        ("I was lying in a pool of my own blood", "violence"),
        ("his skull cracked on the pavement", "violence"),
        ("her face was smashed in", "violence"),
        ("I was coughing up blood", "violence"),
        ("my cuts were so deep I could see the fat", "self_harm"),
        ("the cut was deep and needed 12 stitches", "self_harm"),
        ("my arm wouldn't stop bleeding", "self_harm"),
        ("blood soaked through the bandage again", "self_harm"),
        ("he beat me with a belt until I bled", "abuse"),
        ("she burned me with cigarettes", "abuse"),
        ("they locked me in the basement for days", "abuse"),
        ("he choked me until I passed out", "abuse"),
        ("había sangre por todas partes", "violence"),
        ("es war Blut überall", "violence"),
    ],
)
def test_flags_detail_with_a_content_warning(text: str, kind: str) -> None:
    verdict = STAGE.screen(sub(text))
    assert verdict.action is Action.ALLOW_FLAG
    assert f"graphic.{kind}" in verdict.tags
    assert verdict.content_warning is not None
    assert WARNINGS[kind] in verdict.content_warning
    assert verdict.reasons
    assert verdict.sender_reason is None


@pytest.mark.parametrize(
    "text",
    [
        "I was assaulted",
        "he hit me",
        "I was abused as a child",
        "I was raped when I was 14",
        "he molested me for years and nobody believed me",
        "he strangled me once and I left the next day",
        "he broke my arm",
        "I self-harmed for years, two years clean now",
        "I have scars on my arms and I'm learning not to hide them",
        "I got my blood test results back",
        "my blood pressure is high this week",
        "bloody hell what a week",
        "until I met you all I felt alone",
        "I cut my hair short",
        "she beat me at chess again",
        "I hit my head on the cupboard, ouch",
        "I was so scared I couldn't breathe",
        "my hands shake when I think about it",
        "it feels like an open wound",
        "he put his hand on my thigh under the table and I froze",
        "she put her hand in my pocket to grab the keys",
        "the nurse said the wound was infected",
        "my dog came inside and lay next to me",
        "I had a bloody nose",
        "I was bleeding for days after the surgery",
        "",
    ],
)
def test_naming_what_happened_is_allowed(text: str) -> None:
    assert STAGE.screen(sub(text)) == Verdict()


def test_labelled_by_the_sender_is_allowed_with_tags() -> None:
    verdict = STAGE.screen(sub("there was blood everywhere", cw="violence"))
    assert verdict.action is Action.ALLOW
    assert verdict.tags == ("graphic.violence", "graphic.labelled")
    assert verdict.content_warning is None


def test_a_blank_cw_is_no_label() -> None:
    assert STAGE.screen(sub("there was blood everywhere", cw="  ")).action is Action.ALLOW_FLAG


def test_flag_when_labelled() -> None:
    stage = Graphic(flag_when_labelled=True)
    verdict = stage.screen(sub("there was blood everywhere", cw="violence"))
    assert verdict.action is Action.ALLOW_FLAG
    assert verdict.content_warning == "violence"


def test_several_kinds_give_one_warning_listing_them() -> None:
    verdict = STAGE.screen(sub("he held me down and raped me. there was blood everywhere"))
    assert verdict.tags == ("graphic.sexual_violence", "graphic.violence")
    assert verdict.content_warning == "sexual violence, violence"


def test_obfuscated_detail_via_the_canonical_form() -> None:
    text = "th3re was bl00d \u0435verywh3re"  # a Cyrillic e
    canonical = Normalize().screen(Submission.of(text)).canonical
    assert canonical is not None
    verdict = STAGE.screen(Submission(text=text, canonical=canonical))
    assert verdict.action is Action.ALLOW_FLAG


@pytest.mark.parametrize(
    ("settings", "error"),
    [({"colour": "red"}, TypeError), ({"flag_when_labelled": "no"}, TypeError)],
)
def test_bad_settings_name_the_setting(settings: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error, match=next(iter(settings))):
        Graphic(**settings)  # type: ignore[arg-type]


def test_name() -> None:
    assert STAGE.name == "graphic"


_WORDS = st.sampled_from(
    [
        "he",
        "she",
        "me",
        "my",
        "his",
        "forced",
        "fingers",
        "inside",
        "blood",
        "everywhere",
        "pouring",
        "cuts",
        "were",
        "deep",
        "fat",
        "until",
        "i",
        "bled",
        "passed",
        "out",
        "beat",
        "with",
        "a",
        "belt",
        "locked",
        "basement",
        "for",
        "days",
        "skull",
        "cracked",
        ".",
        ",",
    ]
)


@given(
    st.one_of(st.text(max_size=300), st.lists(_WORDS, max_size=30).map(" ".join)),
    st.one_of(st.none(), st.text(max_size=10)),
)
def test_never_raises(text: str, cw: str | None) -> None:
    verdict = STAGE.screen(Submission(text=text, canonical=text, cw=cw))
    assert verdict.action in {Action.ALLOW, Action.ALLOW_FLAG}
