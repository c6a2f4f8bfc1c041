"""The medical stage: advice about someone else's medication is flagged; experience,
and pointing to a professional, are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation.stage import Submission
from moderation.stages.medical import Medical
from moderation.stages.normalize import Normalize
from moderation.verdict import Action, Verdict

STAGE = Medical()
MENTION = Verdict(tags=("medical.mention",))


def sub(text: str) -> Submission:
    """A submission whose canonical form is just the lower-cased text."""
    return Submission(text=text, canonical=text.lower())


@pytest.mark.parametrize(
    "text",
    [
        "you should get off your meds",
        "take 2 of my pills",
        "try 50mg of sertraline",
        "you can take up to 400mg of it",
        "just double your dose",
        "Stop taking your antidepressants, they're poison",
        "meds are poison",
        "you don't need your meds",
        "honestly you need to come off the lithium",
        "why don't you switch to prozac",
        "it's fine to drink on lexapro",
        "a couple of beers won't hurt with xanax",
        "you can still have a drink while on seroquel",
        "have you tried lexapro? it helped me",
        "skip your pills for a few days and see",
        "deja de tomar tus pastillas",
        "setz deine Medikamente ab",
        "arrête tes médicaments",
        "you could try half a pill, that's what I do",
    ],
)
def test_flags_advice(text: str) -> None:
    verdict = STAGE.screen(sub(text))
    assert verdict.action is Action.ALLOW_FLAG
    assert verdict.tags == ("medical.advice",)
    assert verdict.reasons
    assert verdict.sender_reason is None


@pytest.mark.parametrize(
    "text",
    [
        "I stopped my meds last year and it was hard",
        "my doctor lowered my dose",
        "I had to stop meds when I got pregnant",
        "I take 50mg of sertraline every morning",
        "remember to take your meds",
        "please don't stop your meds without talking to your doctor",
        "don't stop taking your meds",
        "talk to your doctor before you change your dose",
        "you should ask your psychiatrist about upping your dose",
        "I forgot my pills today",
        "my pdoc switched me to prozac",
        "I'm thinking of stopping my meds",
        "should I stop my meds?",
        "I'm on lexapro and it's fine to drink a little, my doc said",
        "don't mix alcohol with benzos, it's dangerous",
        "you can't drink on those meds",
        "take a deep breath, the meds take weeks to kick in",
        "does anyone else get headaches on 20mg citalopram?",
    ],
)
def test_experience_and_referral_are_mentions(text: str) -> None:
    assert STAGE.screen(sub(text)) == MENTION


@pytest.mark.parametrize(
    "text",
    ["you should stop being so hard on yourself", "take a break, you've earned it", "", "ok"],
)
def test_no_medication_no_tag(text: str) -> None:
    assert STAGE.screen(sub(text)) == Verdict()


def test_mentions_untagged_when_configured() -> None:
    assert Medical(tag_mentions=False).screen(sub("my doctor lowered my dose")) == Verdict()


def test_obfuscated_advice_via_the_canonical_form() -> None:
    text = "STOP taking y0ur m3ds"
    canonical = Normalize().screen(Submission.of(text)).canonical
    assert canonical is not None
    assert STAGE.screen(Submission(text=text, canonical=canonical)).action is Action.ALLOW_FLAG


@pytest.mark.parametrize(
    ("settings", "error"),
    [({"colour": "red"}, TypeError), ({"tag_mentions": "yes"}, TypeError)],
)
def test_bad_settings_name_the_setting(settings: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error, match=next(iter(settings))):
        Medical(**settings)  # type: ignore[arg-type]


def test_name() -> None:
    assert STAGE.name == "medical"


_WORDS = st.sampled_from(
    [
        "you",
        "should",
        "stop",
        "take",
        "your",
        "my",
        "meds",
        "pills",
        "50mg",
        "sertraline",
        "double",
        "dose",
        "don't",
        "doctor",
        "ask",
        "it's",
        "fine",
        "to",
        "drink",
        "on",
        ".",
        ",",
        "just",
        "try",
    ]
)


@given(st.one_of(st.text(max_size=300), st.lists(_WORDS, max_size=30).map(" ".join)))
def test_never_raises(text: str) -> None:
    verdict = STAGE.screen(Submission(text=text, canonical=text))
    assert verdict.action in {Action.ALLOW, Action.ALLOW_FLAG}
