"""The safe-messaging stage: method and means detail is held; escalated when it is the
speaker's own; ordinary medication talk and general news are left alone."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.stage import Submission
from moderation.stages.method import Method, find_methods
from moderation.verdict import Action, Escalation, Risk, Verdict

try:
    from moderation.stages.normalize import canonical as _canonical
except ImportError:  # pragma: no cover - until the normalising stage exists

    def _canonical(text: str) -> str:
        return text.lower()


def screen(text: str, **settings: str) -> Verdict:
    submission = Submission(text=text, canonical=_canonical(text))
    return Method(**settings).screen(submission)


SPEAKER = [
    ("How many paracetamol would it take to not wake up?", "method.dose"),
    ("how many pills would it take", "method.dose"),
    ("what's the best way to kill myself", "method.question"),
    ("What is the most painless way to die?", "method.question"),
    ("how do i hang myself", "method.question"),
    ("I've been stockpiling my sleeping pills", "method.dose"),
    ("I have 60 tablets of amitriptyline saved", "method.dose"),
    ("Does anyone know how much amitriptyline is a lethal dose?", "method.dose"),
    ("I don't know how many pills would kill me", "method.dose"),
    ("💊💊💊💊", "method.dose"),
    ("I tied a noose", "method.ligature"),
    ("Which bridge in town is high enough?", "method.height"),
    ("how high does a building need to be to die", "method.height"),
    ("I want to step in front of the train on my way home", "method.height"),
    ("Thinking about jumping off the multistorey car park near work", "method.height"),
    ("my dad's gun is in the safe and I know the code", "method.weapon"),
    ("where can I buy a gun", "method.weapon"),
    ("Is it true charcoal in a closed room is painless?", "method.poison"),
    ("Should you cut vertically or across? asking for me", "method.cutting"),
    ("h0w many p1lls w0uld it take", "method.dose"),
    ("which is more certain for me, pills or the bridge", "method.lethality"),
    ("is the 8th floor enough to be sure", "method.lethality"),
    ("I just want it to work the first time", "method.lethality"),
    ("if I mixed my mirtazapine with the vodka would that be enough", "method.lethality"),
    ("how long does it take to bleed out", "method.lethality"),
    ("I've been saving my prescriptions for weeks", "method.dose"),
]
OTHERS = [
    ("The news said he jumped off the Golden Gate Bridge", "method.height"),
    ("My cousin overdosed on paracetamol, she took 50 tablets", "method.dose"),
    ("In the show she hangs herself from the banister", "method.ligature"),
    ("years ago I saved up my pills, now I'm 5 years clean", "method.dose"),
    ("my friend told me she's researching how long it takes to bleed out", "method.lethality"),
    ("for my nursing module: what's the toxic threshold for paracetamol?", "method.lethality"),
    (
        "my character in the novel needs to die of an overdose, how many would she need",
        "method.dose",
    ),
]
ORDINARY = [
    "I take my meds every morning",
    "my doctor changed my dose to 100mg",
    "I take 50mg sertraline and it's helping",
    "I took 3 pills for my headache",
    "I took two paracetamol and went to bed early",
    "My psychiatrist switched me from fluoxetine to citalopram",
    "I walk my dog on the bridge every morning",
    "we had 30 people at the meeting",
    "the film was about a man who died by suicide",
    "The film is about a suicide but it doesn't show anything graphic",
    "I'd never jump off a bridge, I'm scared of heights lol",
    "I got my prescription refilled today",
    "What's the best way to fall asleep after a nightmare?",
    "How many sessions does it take to feel better?",
    "that comment from my boss cut deep",
    "which is more likely to help, yoga or running?",
    "is a week enough to get over jet lag",
]


@pytest.mark.parametrize(("text", "tag"), SPEAKER)
def test_speakers_method_talk_is_held_and_escalated(text: str, tag: str) -> None:
    verdict = screen(text)
    assert verdict.action is Action.HOLD
    assert {"method", tag} <= set(verdict.tags)
    assert verdict.escalate >= Escalation.ERROR
    assert verdict.risk >= Risk.ACTIVE_IDEATION
    assert verdict.sender_reason
    assert "facilitator" in verdict.sender_reason


@pytest.mark.parametrize(("text", "tag"), OTHERS)
def test_method_detail_about_others_is_held_without_escalation(text: str, tag: str) -> None:
    verdict = screen(text)
    assert verdict.action is Action.HOLD
    assert tag in verdict.tags
    assert verdict.escalate is Escalation.NONE
    assert verdict.risk is Risk.NONE


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_medication_and_news_talk_is_left_alone(text: str) -> None:
    assert screen(text) == Verdict()


def test_time_frame_makes_it_imminent() -> None:
    verdict = screen("💊💊💊💊 tonight")
    assert verdict.risk is Risk.IMMINENT
    assert verdict.escalate is Escalation.CRITICAL


@pytest.mark.parametrize(
    "text",
    [
        "I've been stockpiling my sleeping pills, I have about 60 now",
        "my dad's gun is in the safe and I know the code",
        "how many of my sleeping tablets would it take? i've got a full box here",
    ],
)
def test_means_at_hand_makes_it_imminent(text: str) -> None:
    assert screen(text).risk is Risk.IMMINENT


def test_others_escalation_setting() -> None:
    text = "The news said he jumped off the Golden Gate Bridge"
    assert screen(text, others_escalation="warning").escalate is Escalation.WARNING


def test_sender_reason_is_gentle_and_never_quotes() -> None:
    verdict = screen("how many paracetamol would it take to not wake up")
    assert verdict.sender_reason is not None
    assert "paracetamol" not in verdict.sender_reason
    assert "details about methods can hurt others" in verdict.sender_reason
    assert all("paracetamol" not in reason for reason in verdict.reasons)


def test_find_methods_reports_the_speaker() -> None:
    assert find_methods("what's the best way to kill myself") == (("method.question",), True)
    assert find_methods("hello there") == ((), False)


@pytest.mark.parametrize(
    "settings", [{"others_escalation": "critical"}, {"resources": ""}, {"resources": "  "}]
)
def test_bad_settings_are_refused(settings: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="must be"):
        Method(**settings)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_never_raises(text: str) -> None:
    assert isinstance(screen(text), Verdict)


@pytest.mark.parametrize(
    "text", ["how many pills " * 300, "how many " + "x " * 1500, "cut " * 1000, "💊" * 2000]
)
def test_long_hostile_input_stays_linear(text: str) -> None:
    started = time.perf_counter()
    screen(text)
    assert time.perf_counter() - started < 0.25


# Hyperbole: a bare mention of a fall, about someone else, said as a figure of speech.
HYPERBOLE = [
    "my sister says she'll throw herself off the balcony if her team lose the final lol",
    "dad always jokes he'll jump off the pier if the boiler breaks again 🙄",
    "my flatmate reckons she'll leap off the roof if the wifi goes again, such a drama queen",
]
# The same shapes that are detail, or the speaker's, or a real report: still held.
NOT_HYPERBOLE = [
    # detail about someone else: which place, how high
    ("my mate keeps asking which bridge is high enough, he's being dramatic i think", False),
    # a time is detail
    ("my brother says he'll jump off the roof tonight lol", False),
    # the speaker's own, whatever the laughter
    ("i'll jump off the roof if we lose again lol", True),
    # a real report of someone else at risk, no hyperbole
    ("my brother keeps saying he'll jump off the bridge, i'm really scared for him", False),
]


@pytest.mark.parametrize("text", HYPERBOLE)
def test_hyperbole_about_someone_else_is_not_held(text: str) -> None:
    assert screen(text) == Verdict()


@pytest.mark.parametrize(("text", "speaker"), NOT_HYPERBOLE)
def test_detail_the_speaker_or_a_report_is_still_held(text: str, speaker: bool) -> None:
    verdict = screen(text)
    assert verdict.action is Action.HOLD
    assert (verdict.escalate >= Escalation.ERROR) is speaker


# Questions of lethality or means that name no way of dying.
MEANS_QUESTIONS = [
    "is the stuff they hand out at the walk-in centre deadly if you take a handful",
    "what meds are the most dangerous, like for real",
    "how far down does a cliff need to be",
    "the strongest sleeping pill you can buy, how many would it take to knock someone out",
]
MEANS_ORDINARY = [
    "how high is the bridge for the lorry",
    "how high does the bridge need to be for the new double-decker buses",
    "is sertraline safe with alcohol? my gp said a glass is fine",
    "is it ok to take my tablets with a drink",
    "is ibuprofen dangerous if you take too many? asking because of my stomach",
    "how many beers does it take to knock you out lol",
    "do the trains still run on sundays? need to get to my mum's",
    "what time does the last train go, asking for me and my sister",
]


@pytest.mark.parametrize("text", MEANS_QUESTIONS)
def test_means_questions_are_held_without_escalation(text: str) -> None:
    verdict = screen(text)
    assert verdict.action is Action.HOLD
    assert "method.means" in verdict.tags
    assert verdict.risk is Risk.NONE
    assert verdict.escalate is Escalation.NONE


@pytest.mark.parametrize(
    "text",
    [
        "are my quetiapine deadly if i take the lot",
        "do the fast trains still go through the crossing at night? asking for myself",
        "can you still get up onto the top level of the multistorey? asking for myself",
    ],
)
def test_means_questions_of_ones_own_are_escalated(text: str) -> None:
    verdict = screen(text)
    assert "method.means" in verdict.tags
    assert verdict.escalate >= Escalation.ERROR


@pytest.mark.parametrize("text", MEANS_ORDINARY)
def test_ordinary_questions_of_height_drink_and_trains_are_not_held(text: str) -> None:
    assert screen(text).action is not Action.HOLD


def test_the_drink_that_is_a_plan_is_still_held() -> None:
    assert screen("going to take all my sertraline with the vodka tonight").action is Action.HOLD


# Cameras, barriers and railings are method talk when asked about as absent or present
# at a place of danger, not when they are why a place feels safe.
@pytest.mark.parametrize(
    "text",
    [
        "which car parks in town have no cameras on the top floor",
        "does the bridge by the station have barriers yet",
        "I checked which roofs don't have railings",
    ],
)
def test_barriers_and_cameras_asked_about_are_method(text: str) -> None:
    assert screen(text).action is Action.HOLD


@pytest.mark.parametrize(
    "text",
    [
        "we do the handover in the car park by the police station because of the cameras",
        "the bridge near us got new railings and lights, it looks lovely now",
        "our building has a security guard at night so I sleep better",
    ],
)
def test_barriers_and_cameras_as_safety_are_ordinary(text: str) -> None:
    assert screen(text) == Verdict()


# Checking the height of a place of danger is method research.
@pytest.mark.parametrize(
    "text",
    [
        "been looking up how tall the bridge over the bypass is",
        "checked how many floors the car park by the hospital has",
    ],
)
def test_checking_heights_of_places_is_method(text: str) -> None:
    assert screen(text).action is Action.HOLD


@pytest.mark.parametrize(
    "text",
    [
        "we checked how high the bridge is for the van before we set off",
        "the kids counted how many floors the hotel has, they loved the lift",
    ],
)
def test_heights_in_ordinary_talk(text: str) -> None:
    assert screen(text) == Verdict()
