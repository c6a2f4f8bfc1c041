"""The harassment stage: aimed insults, threats, exclusion and hate are blocked kindly;
venting, self-talk, disagreement and survivors' accounts of what was said are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation.stage import Submission
from moderation.stages.harassment import DEFAULT_SENDER_REASON, HATE_SENDER_REASON, Harassment
from moderation.stages.normalize import Normalize
from moderation.verdict import Action, Verdict

STAGE = Harassment()


def sub(text: str) -> Submission:
    """A submission whose canonical form is just the lower-cased text."""
    return Submission(text=text, canonical=text.lower())


def normalised(text: str) -> Submission:
    """A submission with the canonical form the normalising stage makes."""
    canonical = Normalize().screen(Submission.of(text)).canonical
    assert canonical is not None
    return Submission(text=text, canonical=canonical)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("you're pathetic", "harassment.insult"),
        ("@Sam you idiot", "harassment.insult"),
        ("@sam is an idiot", "harassment.insult"),
        ("@Sam, pathetic.", "harassment.insult"),
        ("You are such a fucking loser", "harassment.insult"),
        ("are you stupid?", "harassment.insult"),
        ("ur such a loser lol", "harassment.insult"),
        ("your a joke", "harassment.insult"),
        ("I think you're an idiot", "harassment.insult"),
        ("you useless piece of shit", "harassment.insult"),
        ("you're a liar, it never happened", "harassment.insult"),
        ("you are a burden to everyone here", "harassment.insult"),
        ("you were weak for staying with him", "harassment.insult"),
        ("fuck you", "harassment.insult"),
        ("Sam, fuck off.", "harassment.insult"),
        ("you deserved it", "harassment.insult"),
        ("honestly it was your own fault", "harassment.insult"),
        ("you asked for it", "harassment.insult"),
        ("nobody wants you here", "harassment.exclusion"),
        ("no one cares about you", "harassment.exclusion"),
        ("you don't belong here", "harassment.exclusion"),
        ("you're not welcome", "harassment.exclusion"),
        ("just leave this group already", "harassment.exclusion"),
        ("people like you should be locked up", "harassment.exclusion"),
        ("shut up sam", "harassment.exclusion"),
        ("stfu", "harassment.exclusion"),
        ("I'll kill you", "harassment.threat_to_member"),
        ("I'm going to hurt you", "harassment.threat_to_member"),
        ("i know where you live", "harassment.threat_to_member"),
        ("kys", "harassment.threat_to_member"),
        ("go kill yourself", "harassment.threat_to_member"),
        ("I hope you die", "harassment.threat_to_member"),
        ("you deserve to suffer", "harassment.threat_to_member"),
        ("go back to where you came from", "harassment.hate"),
        ("muslims are animals", "harassment.hate"),
        ("all immigrants are criminals", "harassment.hate"),
        ("trans people are freaks", "harassment.hate"),
        ("I hate jews", "harassment.hate"),
        ("gays should be killed", "harassment.hate"),
        ("kill all men", "harassment.hate"),
        ("that faggot at work", "harassment.hate"),
        ("eres un idiota", "harassment.insult"),
        ("du bist so dumm", "harassment.insult"),
        ("t'es vraiment nulle", "harassment.insult"),
        ("no, you're an idiot", "harassment.insult"),
        ("my therapist said I should share more. you're pathetic sam", "harassment.insult"),
    ],
)
def test_blocks_what_is_aimed(text: str, tag: str) -> None:
    verdict = STAGE.screen(sub(text))
    assert verdict.action is Action.BLOCK
    assert tag in verdict.tags
    assert verdict.reasons
    assert verdict.sender_reason in {DEFAULT_SENDER_REASON, HATE_SENDER_REASON}


@pytest.mark.parametrize(
    "text",
    [
        "this fucking week",
        "I'm so angry at my ex, he's an asshole",
        "my dad is a worthless piece of shit and I'm done with him",
        "I'm such an idiot",
        "I feel so stupid and useless today",
        "I don't agree with you, Sam",
        "I hear you, but I see it differently",
        "you're not stupid for feeling this",
        "you are not a burden",
        "you're no idiot",
        "nobody thinks you're weak",
        "I don't think you're stupid at all",
        "when you're so weak from depression you can't get up",
        "it makes you feel like you're worthless",
        "it wasn't your fault",
        "it's not your fault, none of it",
        "I know you think it was your fault",
        "you didn't deserve what he did",
        "nobody deserves that",
        "fuck you dad",
        "I told him to fuck off",
        "my brain won't shut up tonight",
        "I'd never hurt you",
        "please don't kys, we need you here",
        "do you ever fake it till you make it",
        "you joke about it but I can tell it hurts",
        "thank you so much, this group is everything",
        "I hope you feel better soon",
        "you should leave him, you deserve safety",
        "you're welcome here, always",
        "people like you make this place feel safe",
        "men scare me since it happened",
        "I'm scared of going back to work",
        "a chink in the armour",
        "maybe I should leave this group",
        "can I leave the chat early today?",
        "nobody wants you to suffer",
        "shut up, that's amazing!!",
        "I'll kill you with kindness",
        "I hope you die laughing at this meme",
        "you're killing it at therapy!",
        "you're a legend",
        "he said I deserved it",
        "tu es si belle",
        "du bist nicht allein",
        "",
    ],
)
def test_allows_venting_self_talk_and_support(text: str) -> None:
    assert STAGE.screen(sub(text)) == Verdict()


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("he called me a faggot", "harassment.reported"),
        ("she used to say you're worthless", "harassment.reported"),
        ('my stepdad said "nobody wants you" every day', "harassment.reported"),
        ("he told me to go kill yourself lol", "harassment.reported"),
        ('he said "you\'re worthless. nobody wants you."', "harassment.reported"),
        ("\u201edu bist so dumm\u201c hat er gesagt", "harassment.reported"),
        ("as a dyke I feel seen here", "harassment.reclaimed"),
        ("me and my niggas went out", "harassment.reclaimed"),
    ],
)
def test_reported_and_reclaimed_are_flagged_not_blocked(text: str, tag: str) -> None:
    verdict = STAGE.screen(sub(text))
    assert verdict.action is Action.ALLOW_FLAG
    assert tag in verdict.tags
    assert verdict.sender_reason is None


def test_a_slur_aimed_at_a_member_is_insult_and_hate() -> None:
    verdict = STAGE.screen(sub("you fucking faggot"))
    assert verdict.action is Action.BLOCK
    assert {"harassment.insult", "harassment.hate"} <= set(verdict.tags)
    assert verdict.sender_reason == DEFAULT_SENDER_REASON


def test_hate_not_aimed_at_a_member_gets_its_own_kind_reason() -> None:
    verdict = STAGE.screen(sub("muslims are vermin"))
    assert verdict.sender_reason == HATE_SENDER_REASON


def test_reasons_never_quote_the_message() -> None:
    verdict = STAGE.screen(sub("you're a pathetic loser"))
    assert not any("pathetic" in reason or "loser" in reason for reason in verdict.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "y o u   a r e   p a t h e t i c",
        "you're p@th3tic",
        "ur such a l0s3r",
        "you are an idiooooot",
        "you\u2019re a \u0455tupid cunt",  # a Cyrillic s
        "you\u200bre wor\u200bthless",
        "k y s",
        "you're a f4gg0t",
        "NOBODY WANTS YOU HERE",
    ],
)
def test_obfuscation_is_folded_by_the_canonical_form(text: str) -> None:
    assert STAGE.screen(normalised(text)).action is Action.BLOCK


def test_settings() -> None:
    lenient = Harassment(block_group_hate=False, flag_reported=False)
    assert lenient.screen(sub("muslims are vermin")).action is Action.ALLOW_FLAG
    assert lenient.screen(sub("he called me a faggot")).action is Action.ALLOW
    assert lenient.screen(sub("you idiot")).action is Action.BLOCK
    custom = Harassment(sender_reason="Please say it another way.")
    assert custom.screen(sub("you idiot")).sender_reason == "Please say it another way."


@pytest.mark.parametrize(
    ("settings", "error", "named"),
    [
        ({"colour": "red"}, TypeError, "colour"),
        ({"block_group_hate": "yes"}, TypeError, "block_group_hate"),
        ({"flag_reported": 1}, TypeError, "flag_reported"),
        ({"sender_reason": "  "}, ValueError, "sender_reason"),
        ({"hate_sender_reason": None}, ValueError, "hate_sender_reason"),
    ],
)
def test_bad_settings_name_the_setting(
    settings: dict[str, object], error: type[Exception], named: str
) -> None:
    with pytest.raises(error, match=named):
        Harassment(**settings)  # type: ignore[arg-type]


def test_name() -> None:
    assert STAGE.name == "harassment"


_WORDS = st.sampled_from(
    [
        "you",
        "you're",
        "ur",
        "@sam",
        "are",
        "idiot",
        "loser",
        "fuck",
        "off",
        "nobody",
        "wants",
        "here",
        "kill",
        "i'll",
        "hate",
        "jews",
        "called",
        "me",
        "said",
        '"',
        "not",
        "never",
        "go",
        "back",
        "people",
        "like",
        "should",
        "die",
        "faggot",
        "dyke",
        ".",
        ",",
        "!",
        "?",
        "kys",
        "deserved",
        "fault",
        "it",
        "was",
        "your",
    ]
)


@given(st.one_of(st.text(max_size=300), st.lists(_WORDS, max_size=30).map(" ".join)))
def test_never_raises(text: str) -> None:
    verdict = STAGE.screen(Submission(text=text, canonical=text))
    assert isinstance(verdict, Verdict)
    assert verdict.action in {Action.ALLOW, Action.ALLOW_FLAG, Action.BLOCK}
