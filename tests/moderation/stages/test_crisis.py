"""The crisis-language stage: levels, scopes (idiom, negation, past, others, quotes),
obfuscation, other languages, danger to and from others, and the default policy."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.stage import Submission
from moderation.stages import crisis
from moderation.stages.crisis import DEFAULT_RESOURCES, Crisis, assess
from moderation.verdict import Action, Escalation, Risk, Verdict

try:
    from moderation.stages.normalize import canonical as _canonical
except ImportError:  # pragma: no cover - until the normalising stage exists

    def _canonical(text: str) -> str:
        return text.lower()


def sub(text: str) -> Submission:
    return Submission(text=text, canonical=_canonical(text), circle_id="c", member_id="m")


def screen(text: str, **settings: object) -> Verdict:
    return Crisis(**settings).screen(sub(text))  # type: ignore[arg-type]


IMMINENT = [
    "I'm going to kill myself tonight.",
    "This is my last message. Goodbye everyone.",
    "I've got everything ready. I can't do this anymore.",
    "I'm giving away all my things, I won't need them where I'm going.",
    "By the time you read this I'll be gone.",
    "I just took all my pills.",
    "I'm on the bridge right now.",
    "I want to unalive myself tonight",
    "kms tonight",
    "I tried to kill myself last night",
    "I'm thinking of taking all my pills tonight",
    "I'm planning to jump tonight",
    "I'm going to overdose tonight",
    "i'm ready to go. i've said my goodbyes",
    "I've started writing goodbye letters to my kids",
    "I have the pills in front of me right now",
    "Please look after my cat for me when I'm gone.",
]
ACTIVE = [
    "I want to kill myself",
    "I want to kill myself.",
    "I've been having suicidal thoughts again",
    "I feel suicidal",
    "I'm thinking about ending my life",
    "I keep thinking about taking my own life",
    "everyone would be better off without me",
    "my kids would be better off without me",
    "I won't be a burden much longer",
    "honestly don't think i'll be around next week",
    "kms",
    "honestly just want to kms",
    "I want to unalive myself",
    "thinking about ctb",
    "sewerslide is on my mind again",
    "ready to catch the bus, i'm so tired",
    "I want to end it all",
    "i want to end things",
    "I've been googling ways to die",
    "I'm gonna off myself",
    "I feel like killing myself",
    "I really want to hurt myself",
    "I'm going to commit suicide",
]
PASSIVE = [
    "I wish I could go to sleep and not wake up",
    "Sometimes I wish I was dead",
    "I don't want to be here anymore",
    "I wish I had never been born",
    "What's the point of living?",
    "I'd be better off dead",
    "I want to die, but I'm not going to do anything",
    "some days i just want to die",
    "nobody would even notice if i disappeared",
    "i cant stop thinking about dying",
    "want to sleep and never wake up",
    "i just want it to be over for good",
    "Death sounds peaceful right now",
    "I wish I'd died that night instead of surviving it",
    "Sometimes I think everyone would be fine if I just wasn't here",
]
DISTRESS = [
    "I can't keep doing this",
    "I'm a burden",
    "I feel completely hopeless",
    "I'm so exhausted, I can't do this anymore",
    "I feel so alone",
    "I'm not suicidal, just exhausted",
]
NEGATIVES = [
    # idioms and hyperbole
    "this job is killing me",
    "my back is killing me today",
    "I'm dead 💀",
    "omg I'm dying 😂",
    "you're killing it!",
    "she killed it on stage",
    "killing time before my appointment",
    "I'd kill for a coffee",
    "I could murder a pizza right now",
    "I'm dying to see the new season",
    "dead tired after work",
    "the deadline is killing me",
    "I'm going to kill it at my exam tomorrow",
    "I could kill him lol",
    "My mum is going to kill me when she sees this haircut 😂",
    # negation
    "I'm not suicidal, just tired",
    "I don't want to die",
    "I would never kill myself, my kids need me",
    "I'm not going to hurt myself, I promise",
    "I haven't felt suicidal since I started therapy",
    # the past told as past
    "two years ago I tried to end my life; today I'm celebrating",
    "Ten years ago I attempted suicide. Today I got my degree.",
    "When I was 15 I wanted to die every day. Now I'm grateful I stayed.",
    "I used to want to die every day",
    "I was suicidal last year but now I'm doing so much better",
    "I used to self harm but I'm 3 years clean today",
    # third persons, news, films, books
    "She wants to die in the film",
    "In the movie he kills himself at the end",
    "The book is about a girl who wants to die",
    "My brother died by suicide in 2015",
    "The protagonist attempts suicide in chapter 3",
    "The suicide rate is rising",
    "My daughter said she wants to die and I don't know what to do",
    "My friend said she's going to kill him",
    # quoting a counsellor; encouraging another member
    'My counsellor said "if you want to die, call us first"',
    "My therapist always says if you ever feel like ending it, call the line",
    "If you're thinking of ending it, please call 988",
    "Please call the crisis line if you're having thoughts of suicide",
    "You're not a burden. Please talk to your facilitator.",
    # ordinary words near the patterns
    "I need to catch the bus to work",
    "I'm going to end it with my boyfriend",
    "I'm going to end this session early tonight",
    "Goodbye everyone, see you next week!",
    "Thank you all for everything, this group has been amazing",
    "I tried to kill the spider",
    "Suicide awareness walk is this weekend, who's in?",
    "We talked about suicide prevention at work",
    "I want to disappear into a good book this weekend",
]
OBFUSCATED = [
    "k i l l m y s e l f",
    "k1ll mys3lf",
    "su1c1dal again",
    "I want to k\u0456ll myself",  # Cyrillic i
    "I w\u0430nt to \u0435nd my lif\u0435",  # Cyrillic a, e
    "kil\u200bl my\u200bself",  # zero-width spaces
    "\uff29 \uff57\uff41\uff4e\uff54 \uff54\uff4f "  # full-width
    "\uff4b\uff49\uff4c\uff4c \uff4d\uff59\uff53\uff45\uff4c\uff46",
    "I feel sooooo suicidal",
    "$u!c!dal thoughts every night",
]
NON_ENGLISH = [
    "Me quiero suicidar",
    "Voy a matarme",
    "Je veux me suicider",
    "Je vais me tuer",
    "Ich will mich umbringen",
    "Ich bringe mich heute Nacht um",
    "Vou me matar",
    "Voglio uccidermi",
    "Estoy pensando en suicidarme",
    "Ich denke jeden Tag an Selbstmord",
    "Je vais en finir ce soir",
]
NON_ENGLISH_PASSIVE = [
    "Ich will nicht mehr leben",
    "manchmal wünschte ich, ich würde nicht mehr aufwachen",
]
# "I want to die", unhedged, is treated as more than a wish (see the module docstring).
WANT_TO_DIE = [
    "I want to die",
    "i hate my life and want to die",
    "nothing works i want to die",
    "Me quiero morir",
    "Je veux mourir",
    "Quero morrer",
]
NON_ENGLISH_NEGATIVE = ["No me quiero morir", "Je ne veux pas mourir", "Ich will nicht sterben"]
TO_OTHERS = [
    "I'm going to kill him for what he did to me",
    "I'm going to stab him when he gets home tonight",
    "I keep thinking about hurting my stepdad",
    "I'm going to hurt him tonight when he gets home",
]
FROM_OTHERS = [
    "He said he'd kill me if I ever told anyone",
    "He's outside banging on the door",
    "My ex is coming back tonight and he's drunk",
    "I don't feel safe at home tonight",
    "he said tonight he's going to kill me",
    "my partner is threatening me right now",
    "He hit me again tonight",
    "I'm locked in the bathroom, he has a knife",
    "He told me this morning he'd kill me if I leave",
    "He's drunk and he's breaking down the door",
]


@pytest.mark.parametrize("text", IMMINENT)
def test_imminent_is_held_and_escalated_critical(text: str) -> None:
    verdict = screen(text)
    assert (verdict.risk, verdict.action, verdict.escalate) == (
        Risk.IMMINENT,
        Action.HOLD,
        Escalation.CRITICAL,
    )


@pytest.mark.parametrize("text", ACTIVE + OBFUSCATED + NON_ENGLISH)
def test_active_ideation_is_held_and_escalated(text: str) -> None:
    verdict = screen(text)
    assert verdict.risk >= Risk.ACTIVE_IDEATION
    assert verdict.action is Action.HOLD
    assert verdict.escalate >= Escalation.ERROR
    assert verdict.sender_reason
    assert DEFAULT_RESOURCES in verdict.sender_reason


@pytest.mark.parametrize("text", ACTIVE + WANT_TO_DIE)
def test_active_without_escalator_is_active(text: str) -> None:
    assert screen(text).risk is Risk.ACTIVE_IDEATION


@pytest.mark.parametrize("text", PASSIVE + NON_ENGLISH_PASSIVE)
def test_passive_ideation_is_delivered_and_flagged(text: str) -> None:
    verdict = screen(text)
    assert (verdict.risk, verdict.action, verdict.escalate) == (
        Risk.PASSIVE_IDEATION,
        Action.ALLOW_FLAG,
        Escalation.NONE,
    )


@pytest.mark.parametrize("text", DISTRESS)
def test_distress_is_delivered_with_its_tag(text: str) -> None:
    verdict = screen(text)
    assert (verdict.risk, verdict.action, verdict.escalate) == (
        Risk.DISTRESS,
        Action.ALLOW,
        Escalation.NONE,
    )
    assert "crisis.distress" in verdict.tags


@pytest.mark.parametrize("text", NEGATIVES + NON_ENGLISH_NEGATIVE)
def test_no_alarm_on_idiom_negation_past_others_quotes(text: str) -> None:
    verdict = screen(text)
    assert verdict.risk <= Risk.DISTRESS, verdict.tags
    assert verdict.action is Action.ALLOW
    assert verdict.escalate is Escalation.NONE


@pytest.mark.parametrize("text", TO_OTHERS)
def test_danger_to_others_escalates(text: str) -> None:
    verdict = screen(text)
    assert "harm_to_others" in verdict.tags
    assert verdict.action is Action.HOLD
    assert verdict.escalate >= Escalation.ERROR


@pytest.mark.parametrize("text", FROM_OTHERS)
def test_danger_from_others_escalates(text: str) -> None:
    verdict = screen(text)
    assert "danger_from_others" in verdict.tags
    assert verdict.action is Action.HOLD
    assert verdict.escalate >= Escalation.ERROR


def test_time_frame_raises_a_threat_to_imminent() -> None:
    assert screen("He threatened to kill me, he's coming back tonight").risk is Risk.IMMINENT
    assert screen("He threatened to kill me").risk is Risk.ACTIVE_IDEATION


def test_tags_name_the_escalators() -> None:
    tags = screen("I'm going to kill myself tonight, I've written my note").tags
    assert {"crisis.direct", "crisis.timeframe"} <= set(tags)
    assert "crisis.slang" in screen("kms").tags
    assert "crisis.indirect" in screen("everyone would be better off without me").tags
    assert "crisis.goodbye" in screen("This is goodbye. I love you all.").tags


def test_laughter_lowers_but_does_not_silence_slang() -> None:
    verdict = screen("lol this homework kms")
    assert verdict.risk is Risk.PASSIVE_IDEATION
    assert verdict.action is Action.ALLOW_FLAG
    assert "crisis.joking" in verdict.tags


def test_deliver_setting_delivers_flagged_and_still_escalates() -> None:
    verdict = screen("I want to kill myself", deliver=True)
    assert verdict.action is Action.ALLOW_FLAG
    assert verdict.escalate is Escalation.ERROR
    assert verdict.sender_reason
    assert "with them rather than" not in verdict.sender_reason


def test_hold_at_setting() -> None:
    assert screen("I wish I was dead", hold_at="passive_ideation").action is Action.HOLD
    assert screen("I want to kill myself", hold_at="imminent").action is Action.ALLOW_FLAG
    assert screen("I want to kill myself tonight", hold_at="imminent").action is Action.HOLD


def test_resources_and_passive_escalation_settings() -> None:
    verdict = screen("I want to kill myself", resources="call 999 or Samaritans on 116 123")
    assert verdict.sender_reason
    assert "call 999 or Samaritans on 116 123" in verdict.sender_reason
    assert "facilitator" in verdict.sender_reason
    assert screen("I wish I was dead", passive_escalation="info").escalate is Escalation.INFO


def test_reasons_never_quote_the_message() -> None:
    text = "I want to kill myself tonight"
    verdict = screen(text)
    for reason in (*verdict.reasons, verdict.sender_reason or ""):
        assert "kill myself" not in reason


@pytest.mark.parametrize(
    "settings",
    [
        {"hold_at": "distress"},
        {"hold_at": "sometimes"},
        {"deliver": "yes"},
        {"resources": ""},
        {"passive_escalation": "critical"},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        Crisis(**settings)  # type: ignore[arg-type]


def test_unknown_setting_is_refused() -> None:
    with pytest.raises(TypeError):
        Crisis(colour="red")  # type: ignore[call-arg]


def test_ordinary_talk_is_left_alone() -> None:
    assert screen("Thanks everyone, I went for a walk and felt the sun today") == Verdict()
    assert assess("").risk is Risk.NONE


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_never_raises(text: str) -> None:
    assert isinstance(screen(text), Verdict)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "i",
                "kill",
                "myself",
                "not",
                "want",
                "to",
                "die",
                "tonight",
                "he",
                "'",
                '"',
                ",",
                ".",
                "never",
                "lol",
                "💀",
                "years ago",
                "end",
                "it",
                "my",
                "life",
                "me",
                "\n",
            ]
        ),
        max_size=40,
    )
)
def test_never_raises_on_risk_vocabulary(words: list[str]) -> None:
    assert isinstance(screen(" ".join(words)), Verdict)


@pytest.mark.parametrize(
    "text",
    [
        "denke " + "a" * 3000 + " an",
        "ich bringe mich " + "x" * 3000,
        "kms " * 1000,
        "years ago " + "kms " * 1000,
        "i want to die, " * 250,
        "he " * 1500 + "kill myself",
        "i " + " " * 3000 + "want to die",
    ],
    ids=lambda text: text[:12],
)
def test_long_hostile_input_stays_linear(text: str) -> None:
    # Generous bound (a regex that backtracks catastrophically takes seconds to minutes).
    started = time.perf_counter()
    screen(text)
    assert time.perf_counter() - started < 0.25


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("I feel safe here, thank you all for listening.", Risk.NONE),
        ("I'm safe now, he moved out", Risk.NONE),
        ("I don't feel safe at home tonight", Risk.IMMINENT),
        ("I'm not joking, I'm going to kill myself.", Risk.ACTIVE_IDEATION),
    ],
)
def test_lines_from_the_review(text: str, risk: Risk) -> None:
    from moderation.stages.normalize import canonical

    assert assess(canonical(text)).risk is risk


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        # ordinary words that sound like danger
        ("I'm on the roof fixing the gutter, back in a bit", Risk.NONE),
        ("my husband's on his way to pick me up so I might leave early", Risk.NONE),
        ("that comment really cut deep, I'm still thinking about it", Risk.NONE),
        ("I won't be around tomorrow, dentist appointment", Risk.NONE),
        ("did 5 kms this morning and felt great", Risk.NONE),
        ("Bye all, take care of yourselves this week!", Risk.NONE),
        ("I've got everything ready for my daughter's party tomorrow!", Risk.NONE),
        ("this is goodbye from me for tonight, need an early night. love you all", Risk.NONE),
        ("thanks for everything tonight, love you all", Risk.NONE),
        # a wish with a time on it, a goodbye without a risk word, danger in the house
        ("I want to die tonight", Risk.IMMINENT),
        (
            "thank you all for everything. you were the only ones who listened. take care",
            Risk.IMMINENT,
        ),
        ("I've decided. It'll be tonight when everyone's asleep.", Risk.IMMINENT),
        ("I bought a rope today. I know what I'm going to do.", Risk.IMMINENT),
        ("he's drunk and angry and he's in the next room, I'm scared", Risk.IMMINENT),
        ("he's got the knife out again", Risk.IMMINENT),
        # obfuscation and pictures
        ("su1c1d3 is all I think about", Risk.ACTIVE_IDEATION),
        ("Kill. My. Self. That's what I want.", Risk.ACTIVE_IDEATION),
        ("thinking about the 🪢 again", Risk.ACTIVE_IDEATION),
        ("t o n i g h t  i  e n d  i t", Risk.IMMINENT),
        # means and acts
        ("I have 40 of my sleeping pills saved up in the drawer", Risk.ACTIVE_IDEATION),
        ("i already took them. like an hour ago", Risk.IMMINENT),
        ("standing on the bridge right now. it's really windy up here", Risk.IMMINENT),
        # signs of a plan, weighed together
        ("after everyone's asleep I'm going to end it for good", Risk.IMMINENT),
        ("I'm going to do it after group tonight. thank you for everything", Risk.IMMINENT),
        ("I'm going to do the exposure homework tonight, wish me luck", Risk.NONE),
        ("I'm going to end this session early tonight, sorry all", Risk.NONE),
        ("the engine is running in the garage and I'm sitting in the car", Risk.IMMINENT),
        ("my countdown is at 3 days. I've made my peace with it", Risk.IMMINENT),
        (
            "he put his hands around my throat and said next time he won't stop",
            Risk.ACTIVE_IDEATION,
        ),
        ("I'm outside her flat with a knife", Risk.ACTIVE_IDEATION),
        ("su1c1d4l again lol. not joking", Risk.ACTIVE_IDEATION),
        # wishes not to be, in other words
        ("honestly it would be easier for everyone if I just wasn't around", Risk.PASSIVE_IDEATION),
        ("if I never woke up tomorrow that would be fine by me", Risk.PASSIVE_IDEATION),
        ("I keep praying God will just take me home", Risk.PASSIVE_IDEATION),
        ("part of me hopes the biopsy comes back terminal", Risk.PASSIVE_IDEATION),
        ("I can't see any reason to keep going", Risk.PASSIVE_IDEATION),
        ("I can't see any reason to keep going. I've made my decision.", Risk.IMMINENT),
        # a goodbye in deeds
        (
            "dropped the cat at my sister's, she'll care for him better than I ever could. she "
            "won't have to give him back",
            Risk.ACTIVE_IDEATION,
        ),
        ("I'm taking a week off work, so I won't be at the next session", Risk.NONE),
        # threats said other ways
        ("my ex's brother told me he'll put me in the ground if I testify", Risk.ACTIVE_IDEATION),
        ("I take all my meds every morning with breakfast", Risk.NONE),
        ("ive taken all the pills already and i feel strange", Risk.IMMINENT),
        ("c-u-t-t-i-n-g again tonight", Risk.IMMINENT),
        # situations rather than words
        ("the kids are at my mum's all weekend. this is my chance", Risk.ACTIVE_IDEATION),
        ("got what I need in the boot. this is my chance", Risk.IMMINENT),
        ("left a note on the fridge for my son. please don't call anyone", Risk.ACTIVE_IDEATION),
        ("left a note for the plumber about the leak", Risk.NONE),
        ("he's locked the door and taken my phone", Risk.IMMINENT),
        ("he texted my cousin saying I'd better watch my back", Risk.ACTIVE_IDEATION),
        ("dead by friday. already decided", Risk.IMMINENT),
        ("I've started thinking seriously about suicide", Risk.ACTIVE_IDEATION),
        # the past brought back to now
        (
            "I survived an attempt in 2019 but I keep thinking about doing it properly this time",
            Risk.ACTIVE_IDEATION,
        ),
    ],
)
def test_lines_no_rule_was_written_for(text: str, risk: Risk) -> None:
    from moderation.stages.normalize import canonical

    assert assess(canonical(text)).risk is risk


# --- classes from the seventh set's misses, each in new words ----------------------------


def risk_of(text: str) -> Risk:
    return assess(_canonical(text)).risk


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        # text-speak with no apostrophes reads as the standard spelling
        # (and "I don't want to be alive anymore" is "I want to die" said another way: active
        # unless hedged, as the policy reads the plain wish)
        ("honestly i dont want to be alive anymore", Risk.ACTIVE_IDEATION),
        ("ive been thinkin about killing myslef", Risk.ACTIVE_IDEATION),
        ("gonna end it all tonite", Risk.IMMINENT),
        ("u know what, id rather be dead", Risk.PASSIVE_IDEATION),
        # a passive wish said as a hope, a wish, "wouldn't mind"
        ("most mornings i pray i just dont wake up", Risk.PASSIVE_IDEATION),
        ("i keep wishing the heart thing had taken me instead", Risk.PASSIVE_IDEATION),
        ("wouldnt mind if the 6am train derailed, if a lorry hit me", Risk.PASSIVE_IDEATION),
        ("if i crashed on the motorway it wouldnt be the worst thing", Risk.PASSIVE_IDEATION),
        ("if that lump is cancer i dont think id bother with the treatment", Risk.PASSIVE_IDEATION),
        ("dying kind of sounds peaceful lately", Risk.PASSIVE_IDEATION),
        ("caught myself planning my own funeral on the bus again", Risk.PASSIVE_IDEATION),
        ("if i vanished tomorrow nobody would even notice", Risk.PASSIVE_IDEATION),
        ("my family would honestly be better off if i wasnt here", Risk.PASSIVE_IDEATION),
        ("i dont deserve to be alive", Risk.PASSIVE_IDEATION),
        # goodbyes as deeds
        ("finished the letters, one for each of the kids", Risk.ACTIVE_IDEATION),
        (
            "cancelled my bank cards and deleted all my accounts so no one has to deal with it",
            Risk.ACTIVE_IDEATION,
        ),
        # places and means
        ("im sitting on the roof of the car park, it's cold up here", Risk.IMMINENT),
        ("in my garage with the car running, just wanted to tell someone", Risk.IMMINENT),
        ("going to walk into the river when the park empties", Risk.ACTIVE_IDEATION),
        ("been stockpiling my tablets for a month", Risk.ACTIVE_IDEATION),
        ("swallowed both packets an hour ago and my heart is racing", Risk.IMMINENT),
        ("ive decided im not facing another christmas. no idea how yet", Risk.ACTIVE_IDEATION),
        # other languages, direct statements
        ("ik wil echt dood", Risk.ACTIVE_IDEATION),
        ("nie chce juz zyc", Risk.PASSIVE_IDEATION),
        ("j'ai pris tous mes comprimés", Risk.IMMINENT),
    ],
)
def test_new_shapes_of_risk(text: str, risk: Risk) -> None:
    assert risk_of(text) is risk


@pytest.mark.parametrize(
    "text",
    [
        # the same words, ordinary: idioms, negation, past, third persons, quotes
        "i hope i dont wake up late tomorrow, big exam",
        "i wish the rain had held off for the barbecue",
        "wouldnt mind if the bus was on time for once",
        "if i got a dog it wouldnt be the worst thing",
        "i wouldnt bother with the doctor for a cold",
        "the death scene in that film looks so fake",
        "wrote the eulogy for my gran, it went well",
        "she thinks everyone would be better off if she wasnt here, how do i help her",
        "my dad says i dont deserve to live at home rent free lol",
        "wrote the notes for my sons teacher",
        "cancelled my phone contract, the new one is cheaper",
        "deleted all my socials for a month, best decision, i feel great",
        "it's all sorted now, the car passed its mot",
        "im on the top floor of the car park, cant remember where i parked",
        "we're on the roof of the tower for drinks, amazing view",
        "going to walk into town once the rain stops",
        "saving up my money for a holiday",
        "took the whole box of chocolates to work",
        "ive decided im not doing another christmas at my in-laws",
        "mi ammazza questo caldo, ma stasera esco",
        "my brother keeps saying hell jump in the lake at the wedding",
        "i used to feel like i dont deserve to live, im in a much better place now",
    ],
)
def test_new_shapes_keep_their_ordinary_readings(text: str) -> None:
    assert risk_of(text) < Risk.ACTIVE_IDEATION
    assert risk_of(text) <= Risk.DISTRESS or "dont deserve" in text


# "once" with a clause after it is a time, not the past.
@pytest.mark.parametrize(
    ("text", "at_least"),
    [
        ("going to walk into the sea once the campsite goes quiet", Risk.ACTIVE_IDEATION),
        ("i'm going to end it once my shift is over", Risk.ACTIVE_IDEATION),
        ("gonna do it once everybody's asleep", Risk.IMMINENT),
        ("i'm going to jump once the last bus has gone tonight", Risk.IMMINENT),
    ],
)
def test_once_with_a_clause_is_a_time(text: str, at_least: Risk) -> None:
    assert assess(_canonical(text)).self_risk >= at_least


# "once" as an adverb of the past still scopes a statement out.
@pytest.mark.parametrize(
    "text",
    [
        "i once tried to end it, a long time before i found this group",
        "my counsellor once asked whether i wanted to kill myself",
        "i wanted to end it once, and that's behind me",
        "thought about killing myself once or twice at uni",
    ],
)
def test_once_as_the_past_is_still_the_past(text: str) -> None:
    assert assess(_canonical(text)).self_risk <= Risk.PASSIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "for once i'm proud of myself",
        "take them all at once or one by one, the vitamins i mean",
        "i'm going to jump on the trampoline with my kids",
        "thinking about jumping into the pool after work",
        "we will end it on a high note once everyone has arrived",
    ],
)
def test_once_and_jump_in_ordinary_talk(text: str) -> None:
    assert assess(_canonical(text)).self_risk is Risk.NONE


# Classes from the eighth blind set, each with sentences of our own.


def level_of(text: str) -> Risk:
    return assess(_canonical(text)).self_risk


# "I don't want to be alive anymore" is "I want to die" said another way: active, and kept
# a wish by what hedges it; "here" is read as alive when the message says so.
@pytest.mark.parametrize(
    "text",
    [
        "honestly i do not want to be alive any more",
        "i dont wanna be alive anymore",
        "I don't want to be here any longer. Alive, I mean.",
    ],
)
def test_not_wanting_to_be_alive_is_active(text: str) -> None:
    assert level_of(text) >= Risk.ACTIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "I don't want to be alive anymore, but I don't want to die either. I want the pain gone.",
        "some days i don't want to be alive anymore. i'm not going to do anything",
        "I don't want to be here anymore. Not at this job, I'm handing in my notice",
    ],
)
def test_not_wanting_to_be_alive_hedged_stays_a_wish(text: str) -> None:
    assert level_of(text) <= Risk.PASSIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "I didn't want to be alive anymore back then; now I'm doing much better",
        "My brother says he doesn't want to be alive anymore and I don't know what to say",
        "I'd never say I don't want to be alive anymore, I'm just tired",
    ],
)
def test_not_wanting_to_be_alive_past_or_others_is_not_held(text: str) -> None:
    assert level_of(text) <= Risk.PASSIVE_IDEATION


# A resolve with no risk word: a future that stops, reasons running out, "I won't be
# around to see it", "when he dies I'm going with him".
@pytest.mark.parametrize(
    "text",
    [
        "I can't see myself making it to 30 honestly",
        "i don't see myself still being here by christmas",
        "I've made up my mind, I won't face another christmas",
        "I have decided I shall not live through another winter.",
        "i'm running out of reasons not to do it",
        "ran out of reasons not to end it tbh",
        "If they take the house I won't be around to see it.",
        "When my husband dies, I'm going with him.",
        "once my nan passes away i'll follow her",
        "When dad goes I'm going too. I've decided, there's no point staying after that",
    ],
)
def test_resolve_without_a_risk_word_is_active(text: str) -> None:
    assert level_of(text) >= Risk.ACTIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "I can't see myself reaching 30 without a mortgage lol",
        "I can't see myself living to 90 like my gran",
        "I don't see myself making it to christmas dinner, the trains are off",
        "I don't see myself getting to the party on time",
        "I have decided I won't do another Christmas at my mother-in-law's",
        "My therapist and I wrote my reasons not to end it, the list is on the fridge",
        "We ran out of reasons to stay in that town",
        "If it's on the 14th I won't be around to see it, we're on holiday",
        "My grandad won't be around to see it, he died last year",
        "When mum goes to bingo I'm going too",
        "when she goes I'm going too, she's my lift",
        "when my sister goes abroad i'll follow her on insta",
    ],
)
def test_resolve_shapes_in_ordinary_talk(text: str) -> None:
    assert risk_of(text) < Risk.ACTIVE_IDEATION


def test_reasons_to_live_running_out_is_passive() -> None:
    assert level_of("running out of reasons to keep going tbh") is Risk.PASSIVE_IDEATION


# Goodbyes as deeds: a pet rehomed, debts cleared, nothing left to sort, "I'll be gone",
# parked by the sea and not driving back; "finish it" with such a goodbye.
@pytest.mark.parametrize(
    "text",
    [
        "Found a new home for my cat and settled all my debts. Nothing else to sort now.",
        "Everything's in order. By morning I'll be gone.",
        "Parked up by the cliffs. I won't be driving back.",
        "I've put my affairs in order, and I intend to finish it tomorrow.",
    ],
)
def test_goodbye_deeds_without_a_risk_word(text: str) -> None:
    assert level_of(text) >= Risk.ACTIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "I'm not going back to him. Thank you all for everything.",
        "I'm parked at the beach with the kids, thanks for everything everyone",
        "We found a new home for the cat because of my allergy",
        "I'll be gone for the weekend, thanks for everything",
        "I'm going to finish it tonight, the scarf is nearly done",
        "I intend to finish the degree next year",
        "cleared my debts at last, nothing left to sort but the party!",
        "I'm not driving back tonight, staying at my sister's, love you all",
    ],
)
def test_goodbye_deeds_in_ordinary_talk(text: str) -> None:
    assert level_of(text) < Risk.ACTIVE_IDEATION


# Searching for ways, and suicide going round one's head.
@pytest.mark.parametrize(
    "text",
    [
        "I've been googling ways to do it at night",
        "I keep searching for ways and then clearing the browser",
        "the thought of killing myself keeps coming back into my head",
        "I can't get suicide out of my head",
        "Ending it just keeps spinning round my mind at night",
    ],
)
def test_searching_for_ways_and_thoughts_that_return(text: str) -> None:
    assert level_of(text) >= Risk.ACTIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "I'm searching for ways to save money on the food shop",
        "researching ways to get the kids to sleep",
        "I looked into ways of coping with flashbacks, grounding helps",
        "Researching methods of contraception with my GP",
        "that podcast about suicide keeps going round my head, so sad",
        "a song about suicide keeps playing in my head, it's catchy",
    ],
)
def test_ways_and_thoughts_in_ordinary_talk(text: str) -> None:
    assert level_of(text) < Risk.ACTIVE_IDEATION


# Graves and coffins as slang and wishes; Dutch means and a time; a stash of tablets.
@pytest.mark.parametrize(
    ("text", "at_least"),
    [
        ("wanna be in a coffin ngl", Risk.ACTIVE_IDEATION),
        ("gonna go ⚰️ tonight", Risk.IMMINENT),
        ("wish i was six feet under", Risk.PASSIVE_IDEATION),
        ("part of me wants to vanish off the face of the earth", Risk.PASSIVE_IDEATION),
        ("Ik heb mijn tabletten klaargelegd, vannacht doe ik het", Risk.IMMINENT),
        ("I've got a stash of my mum's sleeping pills in my drawer", Risk.ACTIVE_IDEATION),
    ],
)
def test_graves_vanishing_and_means(text: str, at_least: Risk) -> None:
    assert level_of(text) >= at_least


@pytest.mark.parametrize(
    "text",
    [
        "we're going to go coffin shopping for grandad tomorrow",
        "I wish my abuser was six feet under",
        "grandad is six feet under now, miss him",
        "I want to vanish into a good book this weekend",
        "Ik heb de boodschappen klaarliggen en vanavond doe ik het",
        "my nan had a stash of pills in her handbag, bless her",
    ],
)
def test_graves_vanishing_and_means_in_ordinary_talk(text: str) -> None:
    assert level_of(text) < Risk.PASSIVE_IDEATION


# Wishes in other words: a crash hoped for, "wouldn't be bothered", "ready for it to be
# over" about one's life, "part of me would be relieved", not waking.
@pytest.mark.parametrize(
    "text",
    [
        "wish the bus would just crash on the way to work",
        "if I didn't wake up tomorrow I wouldn't be too bothered",
        "I'm 87, my life has been full, I'm ready for it to be over",
        "part of me would be relieved if something happened to me",
        "i wish i could just not wake up",
    ],
)
def test_wishes_in_other_words_are_passive(text: str) -> None:
    assert level_of(text) is Risk.PASSIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "I hope the bus doesn't crash on the ice",
        "if the train is cancelled I wouldn't be that bothered",
        "the trial starts monday, I'm ready for it to be over",
        "I wish I could not wake up so early every day",
        "someone asked if I'd ever wanted to die; yes, long ago, not now",
        "my niece asked whether I had ever wanted to end it. Once, long ago, I told her.",
    ],
)
def test_wishes_in_ordinary_talk(text: str) -> None:
    assert level_of(text) < Risk.PASSIVE_IDEATION


# Distress said in other words (delivered, tagged for facilitators).
@pytest.mark.parametrize(
    "text",
    [
        "I feel like such a burden to everyone",
        "the loneliness is crushing me lately",
        "nobody believes me about what he did",
        "been crying on and off all afternoon",
    ],
)
def test_distress_in_other_words(text: str) -> None:
    assert level_of(text) is Risk.DISTRESS


# Danger from others told by the situation: out of prison and at the house, the refuge
# found, at the door in German.
@pytest.mark.parametrize(
    "text",
    [
        "my ex just got out of prison and he's outside the flat",
        "he's back home again and there's a non-molestation order on him",
        "my ex has found out where we live now, he's been texting",
        "My husband has found out where the refuge is.",
        "Sie steht vor meiner Tür und schreit, ich habe Angst",
    ],
)
def test_danger_from_others_told_by_the_situation(text: str) -> None:
    assert assess(_canonical(text)).from_others >= Risk.ACTIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "my dad's home, he got out of hospital today",
        "my friend found out where the refuge is so she could drop off donations",
        "Er steht vor der Tür, das Paket ist da",
        "he's outside with the dog, back in five",
    ],
)
def test_danger_from_others_situations_in_ordinary_talk(text: str) -> None:
    assert assess(_canonical(text)).from_others is Risk.NONE


# Means and deeds without a risk word: trains that do not slow, a gun in its safe with
# the code known, rings given away, "not telling you so you'll stop me"; a threat said
# as "I want her to know what it feels like" beside watching her house.
@pytest.mark.parametrize(
    ("text", "at_least"),
    [
        (
            "Gave my wedding ring to my son this morning. I think I'm ready now.",
            Risk.ACTIVE_IDEATION,
        ),
        (
            "tonight i'm doing it. not telling you so you can stop me, just so somebody knows",
            Risk.IMMINENT,
        ),
        (
            "I keep thinking about the tracks behind the school. The fast trains don't slow down.",
            Risk.ACTIVE_IDEATION,
        ),
        ("thinking about unaliving tonight ngl", Risk.IMMINENT),
        ("un-aliving myself after this", Risk.ACTIVE_IDEATION),
    ],
)
def test_means_and_deeds_without_a_risk_word(text: str, at_least: Risk) -> None:
    assert level_of(text) >= at_least


@pytest.mark.parametrize(
    "text",
    [
        "Gave my old watch to my grandson for his birthday, he loved it",
        "not telling you so you'll stop me, i'm just proud i finally left him",
        "I keep thinking about the railway strike, so annoying",
        "the 7:40 doesn't slow down at the crossing, someone will get hurt",
        "dad's rifle is in the gun safe, he takes it to the range on sundays",
    ],
)
def test_means_and_deeds_in_ordinary_talk(text: str) -> None:
    assert level_of(text) < Risk.ACTIVE_IDEATION


def test_a_threat_without_a_threat_verb() -> None:
    text = "I've been outside her flat most nights. I want her to know what it feels like."
    assert assess(_canonical(text)).to_others >= Risk.ACTIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "I want my kids to know what it feels like, a proper Christmas",
        "he made me pay for his car, I want him to know what it feels like to be skint",
    ],
)
def test_knowing_what_it_feels_like_in_ordinary_talk(text: str) -> None:
    assert assess(_canonical(text)).to_others is Risk.NONE


# Deciding who gets one's things, with "just in case": a goodbye's deed; a will made with a
# solicitor, or someone else's things, is not.
def test_who_gets_what_just_in_case_is_a_goodbye() -> None:
    text = "I've made a list of who gets my books and records. Just in case."
    assert level_of(text) >= Risk.ACTIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "I've been sorting out who gets what in my will with the solicitor, just in case.",
        "Mum and I sorted who gets what at the allotment, just in case",
        "bring a coat, just in case.",
        "I've decided who gets what at the party: cake for everyone",
    ],
)
def test_who_gets_what_in_ordinary_talk(text: str) -> None:
    assert level_of(text) < Risk.ACTIVE_IDEATION


_A, _I = Risk.ACTIVE_IDEATION, Risk.IMMINENT


# The ninth set's classes, each written for its shape (sentences of our own, none of a set's).
# A weapon turned on oneself; the pull felt by the one who died; "done, and I don't mean
# with X"; ceasing to exist after a countdown; a death made to look like an accident;
# researching how long it takes; the amount of means counted for oneself; the act foretold
# to be found ("it's because I went through with it"); a last conversation at a high place.
@pytest.mark.parametrize(
    ("text", "at_least"),
    [
        ("Some nights on duty I look at my sidearm and think about turning it on myself.", _A),
        ("I keep picturing pointing the rifle on my self, the gun's in the truck", _A),
        ("Now I get why she did it. Lately I feel the same pull she must have felt.", _A),
        ("Mum took her own life in March and I'm getting the exact same urge now.", _A),
        ("One more bad week and I'm finished, and I don't mean finished with the job.", _A),
        ("after christmas, then I'll just stop existing.", _A),
        ("Got to get through the inquest, and then i stop living", _A),
        ("I'd like it to look like an accident so the insurance pays out for the girls.", _A),
        ("Been googling how long it would take with charcoal in the bathroom.", _A),
        ("I've worked out how many of my sleepers it would take. Checked twice.", _I),
        ("The oxy I've got saved, is that enough or do I need more", _I),
        ("If I'm not online tomorrow it's because I finally went through with it.", _I),
        ("Sat on the top floor of the car park. Just wanted one last talk with you lot.", _I),
        ("i just wanna kill my shelf ngl", _A),
    ],
)
def test_ninth_set_shapes_of_risk(text: str, at_least: Risk) -> None:
    assert level_of(text) >= at_least


@pytest.mark.parametrize(
    "text",
    [
        "I turned the camera on myself for once, first selfie in years",
        "I feel the same pull towards the sea every summer, we always go back to Cornwall",
        "When I say I'm done, I mean with the takeaway, not with the diet.",
        "One more shift then I stop living on pot noodles, payday!",
        "My grief counsellor suggested I write letters to my late husband. I wrote two.",
        "Homework from my therapist: write a letter to my son about the day he was born.",
        "Tonight's the night! Two years sober and I'm getting my chip.",
        "Today's the day, wish me luck at the interview",
        "Sold the car, cancelled my phone contract, all sorted now, moving to Spain on Monday!",
        "I know exactly how many sandwiches it'll take for the picnic.",
        "A month ago I wanted to be dead. Today I went swimming. Small steps.",
        "Had one last chat with my nan before she moved into the home.",
        "The gym's closing so I cancelled the membership, all tidy now",
        "I'm going to break his heart when I tell him I'm moving out",
    ],
)
def test_ninth_set_shapes_in_ordinary_talk(text: str) -> None:
    assert level_of(text) < Risk.ACTIVE_IDEATION
    assert assess(_canonical(text)).to_others < Risk.ACTIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "If my landlord cuts the heating again I'm going to break his nose, I swear",
        "I'm tracking down the man who sold him that batch and I'm ending him",
    ],
)
def test_harm_named_by_the_injury(text: str) -> None:
    assert assess(_canonical(text)).to_others >= Risk.ACTIVE_IDEATION


def test_coming_round_with_a_knife_is_danger_from_others() -> None:
    text = "My ex says he's coming round tonight, he had a knife on him last time. I'm alone."
    assert assess(_canonical(text)).from_others >= Risk.ACTIVE_IDEATION


@pytest.mark.parametrize(
    ("text", "at_least"),
    [
        ("Ik wil niet meer leven.", Risk.PASSIVE_IDEATION),
        ("Ik wil er gewoon een eind aan maken.", _A),
        ("Jag vill bara dö.", _A),
        ("wish it was me that died instead, not my little brother", Risk.PASSIVE_IDEATION),
    ],
)
def test_more_languages_and_wishes(text: str, at_least: Risk) -> None:
    assert level_of(text) >= at_least


# Wishes (passive) in the ninth set's shapes: joining the one who died through sleep or on
# "the other side", not coming round from an operation, "don't particularly want to be
# alive"; grief's ordinary longings stay quiet.
@pytest.mark.parametrize(
    "text",
    [
        "I wish I could just fall asleep and be with my dad.",
        "Most evenings I want to be with him on the other side.",
        "Honestly hoping I don't come round after the operation next week.",
        "I'm not going to act on it, I just don't really want to live.",
        "Vorrei addormentarmi e rivedere mia madre.",
    ],
)
def test_ninth_set_wishes_are_passive(text: str) -> None:
    assert level_of(text) is Risk.PASSIVE_IDEATION


@pytest.mark.parametrize(
    "text",
    [
        "I wish I could fall asleep and see my mum again, even just in a dream.",
        "I hope I come round from the anaesthetic quickly, I hate hospitals.",
        "We want to go to the other side of the lake with my dad on Sunday.",
        "I wish I could sleep and be with my kids in the morning without the alarm.",
    ],
)
def test_ninth_set_wishes_in_ordinary_talk(text: str) -> None:
    assert level_of(text) is Risk.NONE


# --- "tonight's the night": a decision with a time, not a plan by itself ------------------


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        # alone, or beside ordinary plans, it is anticipation: nothing for the rules
        ("tonight's the night", Risk.NONE),
        ("Tonight's the night, the final is on and the pizza's ordered", Risk.NONE),
        ("today is the day, first driving lesson", Risk.NONE),
        # beside a goodbye, means at hand or risk language, it is the time of a decision
        ("tonight's the night. wanted to say bye to you all properly", Risk.IMMINENT),
        ("the tablets are lined up on the table. tonight's the night", Risk.IMMINENT),
        ("I can't keep going like this. Today is the day.", Risk.IMMINENT),
        ("i want to die and tonight's the night", Risk.IMMINENT),
    ],
)
def test_tonights_the_night_is_a_decision_with_a_time(text: str, risk: Risk) -> None:
    assert risk_of(text) is risk


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        # means laid out ready are means at hand: with a time or a goodbye, imminent
        ("laid out all my tablets on the bed. tonight", Risk.IMMINENT),
        ("the pills are all counted out. goodbye everyone", Risk.IMMINENT),
        # the same words about an ordinary day, or a carer's task, are nothing
        ("laid out my clothes for the interview tonight", Risk.NONE),
        ("I counted out mum's tablets into her weekly box tonight", Risk.NONE),
    ],
)
def test_means_laid_out_ready(text: str, risk: Risk) -> None:
    assert risk_of(text) is risk


# _LAUGH and _CLAUSE_BREAK as first written: the boundary before the alternatives
_PLAIN_FORMS = {
    "_LAUGH": r"[💀😂🤣🙈🤦]|\b(?:lo+l|lmf?ao|ha(?:ha)+|jk|cringe|mortified)\b|\bembarrass",
    "_CLAUSE_BREAK": r",|\bbut\b|\bhowever\b|\u2014|\u2013| - ",
}


def _spans(pattern: object, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(_PLAIN_FORMS))
@settings(max_examples=400, deadline=None)
@given(text=st.text("lolmfaohajkcringemortifiedembarrassbutwever,- x'😂\u2014é\n", max_size=40))
def test_the_boundary_checked_behind_the_first_letter_finds_the_same(name: str, text: str) -> None:
    written = getattr(crisis, name)
    plain = re.compile(_PLAIN_FORMS[name])
    assert _spans(written, text) == _spans(plain, text)
    for word in ("lol", "haha", "jk", "but", "however", "embarrassed", "lmao"):
        for around in (f"{word}", f"x{word}", f"{word}x", f" {word} ", f"é{word}", f"'{word}'"):
            assert _spans(written, around + text) == _spans(plain, around + text)


def test_the_rules_a_set_of_triggers_selects_are_kept_and_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(crisis, "_SELECTIONS", {})
    monkeypatch.setattr(crisis, "_KEPT_SELECTIONS", 3)
    triggers = sorted(crisis._BY_TRIGGER)
    for n in range(8):
        hits = frozenset(triggers[n : n + 3])
        selected = crisis._selected(hits)
        expected = sorted({i for trigger in hits for i in crisis._BY_TRIGGER[trigger]})
        assert [rule[0] for rule in selected] == expected
        assert crisis._selected(hits) is selected  # kept
        assert len(crisis._SELECTIONS) <= 3
    assert crisis._selected(frozenset()) == ()


@pytest.mark.parametrize(
    "text",
    [
        "2 yrs ago i tried to end it, today i have a job and a dog",
        "3 mths ago I tried to kill myself, I am doing ok these days",
        "ten yrs ago i wanted to die, now i run a support group",
    ],
)
def test_the_past_in_chat_abbreviations_is_the_past(text: str) -> None:
    assert assess(_canonical(text)).risk is Risk.NONE


def test_an_abbreviated_past_beside_a_present_plan_is_still_read() -> None:
    text = "i tried to kill myself 2 yrs ago and i want to kill myself again tonight"
    assert assess(_canonical(text)).risk is Risk.IMMINENT
