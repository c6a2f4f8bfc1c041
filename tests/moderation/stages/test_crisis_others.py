"""Danger from others and to others said without the usual threat words, and the ordinary
readings that share those words. Each shape is tested with sentences of our own in several
voices (phone typing, formal, understated, second-language English), none of a labelled
set's lines."""

from __future__ import annotations

import time

import pytest

from moderation.stages.crisis import assess
from moderation.stages.normalize import canonical
from moderation.verdict import Risk

_A, _I = Risk.ACTIVE_IDEATION, Risk.IMMINENT


# Danger from others right now: broken in, in the house, at the door with a weapon, drunk
# and smashing things, the speaker hiding with the children.
@pytest.mark.parametrize(
    "text",
    [
        "someone's broken in downstairs, I'm in the bedroom with the door wedged",
        "He has smashed the back door and he is inside. I am hiding in the bathroom with my "
        "daughter.",
        "my ex has kicked the door in, hes in the kitchen pls help",
        "Please, he is in my house and he is very drunk, he has broken the door. I am with my "
        "kids in bathroom.",
        "he's forced the door and he's inside now",
        "My husband he is drunk and he broke the door of bedroom, he is inside now, I am with my "
        "son in bathroom",
        "My former partner has forced entry to the property. I have locked myself and the "
        "children in the bedroom.",
        "he's in the house now, drunk, I'm in the shed",
        "he got in thru the back window, im in the bathroom w the baby, pls someone call",
        "they've smashed my windows again and shouted that they'll come back tonight",
        "There is a man in the house. I can hear him downstairs. Please help me.",
        "there's someone downstairs, i can hear them, i'm so scared",
        "My ex is sat outside the house in his car with a baseball bat. The kids are upstairs.",
        "theres a guy at my door with a hammer shouting my name",
        "he's drunk again and smashing the place up, me and the kids are in the bedroom",
        "My partner is throwing things at the walls and screaming. I've locked myself in with "
        "the baby.",
        "dad's wasted and breaking stuff downstairs, im scared",
        "my stepdad's smashing up the kitchen again and mum's crying, i'm in my room",
        "im hiding in the wardrobe with my son, he's going mental downstairs",
        "We are hiding upstairs with the children. He is shouting that he will get in.",
        "Er steht vor der Tür mit einem Messer",
        "he's pounding on the front door and shouting, I'm in the bathroom with my phone",
        "Her brother has just turned up hammering on the door, he says he's going to kill me.",
    ],
)
def test_danger_from_others_right_now_is_imminent(text: str) -> None:
    assert assess(canonical(text)).from_others is _I


# A threat made today or left at the door, an abuser moved close, out of prison or seen,
# a relative threatened with a weapon: active at least.
@pytest.mark.parametrize(
    "text",
    [
        "someone pushed a note through my letterbox saying they know where I live and I'm next",
        "Found a note taped to my front door this morning calling me a slur and saying they'd "
        "burn the place down.",
        "Powiedział dziś, że mnie zabije.",
        "The man who raped me has moved in two doors down.",
        "Somebody put a brick through my window tonight with a note saying leave or die",
        "my abuser moved in with his mum, literally across the road from me. i cant breathe",
        "my abuser is out of prison and he's moved back onto my street",
        "My former husband has been released from prison and has moved into a flat on my road. "
        "I am frightened.",
        "My stepfather, who abused me, gets out next week. I'm terrified.",
        "my ex saw me in town today and followed me to the bus stop",
        "her husband held a knife to my daughter's throat last week. I am so scared for her.",
        "My brother-in-law threatened my mum with a hammer yesterday.",
        "He's going to do it, he's going to put me in hospital this time",
    ],
)
def test_danger_from_others_near_or_threatened(text: str) -> None:
    assert assess(canonical(text)).from_others >= _A


# Intent to hurt someone without the usual threat verbs: "do him", "put him through the
# wall", a weapon "taken to" someone, going round there now with a grievance.
@pytest.mark.parametrize(
    "text",
    [
        "when he gets out I'm going to do him. simple.",
        "he touched my kid, I'll do him in, I swear",
        "gonna do him over when i see him, the bastard",
        "I swear I'll put his head through the wall if he touches her again",
        "I have been lying awake all night thinking about how I will put him in hospital.",
        "I keep thinking about taking a hammer to him while he sleeps",
        "I'm taking my dad's shotgun to him, I know where he drinks",
        "I want to take the kitchen knife to my stepdad, I've thought about it every night this "
        "week",
    ],
)
def test_intent_to_hurt_someone_without_a_threat_verb(text: str) -> None:
    assert assess(canonical(text)).to_others >= _A


# ... imminent with a time, or when on the way now; a parent's plan to take a child's life.
@pytest.mark.parametrize(
    "text",
    [
        "gonna put him in hospital tomorrow, done talking",
        "i want to put his face through the windscreen tbh. when he comes back tonight",
        "I'm driving over to his now. He's not getting away with it.",
        "going round hers right now, she's not taking my kids off me",
        "I'm going to do her, she's ruined my life. Tonight.",
        "if she goes to the police i'll take the kids with me and end it",
        "im driving to hers now, she's not keeping my son from me",
        "I think it would be kinder if I took the children with me when I go.",
        "I have decided to take my daughter's life and then mine. I can't leave her with him.",
        "i'm going to take the kids with me when i end it",
    ],
)
def test_harm_to_others_with_a_time_or_a_child_is_imminent(text: str) -> None:
    assert assess(canonical(text)).to_others is _I


# The ordinary readings: the past told as past, a partner home as news, films and news,
# games, cooking, toddlers, clearing out, notes about the bins, a relative moved close,
# hospital, the referee, "my mum will kill me", a neighbour dispute told as such, hair and
# pets, phone calls and the wash, visits.
@pytest.mark.parametrize(
    "text",
    [
        "he broke the door down years ago, I still jump at loud knocks",
        "When I was nine my dad kicked the door in and I hid under the bed with my sister.",
        "my ex used to break things when he drank. that was ten years ago and I'm safe now",
        "My husband's coming home tonight after three weeks offshore, can't wait",
        "my partner is in the house doing the washing up, bless him",
        "In the film the burglars have broken in and she's hiding upstairs with the kids, I had "
        "to turn it off",
        "someone's broken into my car overnight, so annoying, had to call the insurance",
        "my son has smashed the kitchen window with his football again",
        "he's outside with his cricket bat and a ball, the kids love it",
        "my husband is in the kitchen with a knife doing the veg, dinner at 7",
        "there's someone at the door, brb",
        "There's a man in the house next door playing drums at 2am",
        "my toddler is throwing things at the walls again, tantrum central",
        "she's throwing things out, the whole house is getting decluttered",
        "he's breaking the news to his mum tonight, I'm nervous for him",
        "we're playing hide and seek, I'm hiding in the wardrobe with my daughter",
        "I'm hiding upstairs with the kids and a film while he does the tax return lol",
        "my neighbour left a note on my car about the bins again",
        "he left a sweet note on my door this morning before work",
        "my brother has moved into the next street, it's lovely having him close",
        "my dad gets out of hospital next week, we're so relieved",
        "my brother is out of prison next week and I'm so proud of how he's changed",
        "my ex saw me in town today and we actually had a nice chat",
        "She threatened me with a water pistol at the barbecue",
        "The news said a man threatened a shop worker with a knife in town",
        "the nurse said they'd put me in the hospital overnight for observation",
        "my mum will kill me if I'm late again",
        "my mum will kill me when she sees the state of my room",
        "If the referee sends him off again I'll strangle him",
        "The bloke at number 9 says he'll kill me if my hedge blocks his light again. Neighbour "
        "disputes, honestly.",
        "I'll do her hair tomorrow before the wedding",
        "the dog's filthy, I'll do him in the bath later",
        "I'll do him a fry-up when he's back from his shift",
        "he's going to do her hair for the prom, he's so good at it",
        "I'll put him through to the manager, one sec",
        "I'll put them through the wash on Monday",
        "she put me through hell for years",
        "I'm taking the carving knife to the turkey at 3, come hungry",
        "took a hammer to my old laptop before recycling it, very satisfying",
        "I'm going round there now, she's made a lasagne",
        "I'm going round to my mum's now, she's not been well",
        "I'm going round to his now to give him back his jacket, he's not getting it washed though",
        "I'm going to take the kids with me to the seaside on Saturday",
        "In the film the father takes his son's life and then his own, I had to switch off",
        "I'd do anything for him",
        "He's outside with a bottle of wine, date night!",
        "I'm going to take my son's life story and make it into a book",
        "my partner is in the house now with the kids, I'm at work",
        "my husband is home, he's inside now making tea",
        "They broke in while we were on holiday and took the telly, insurance sorted it",
        "My husband kicked the door in because we lost the keys lol",
        "My brother is out next week, proud of him for doing his time",
        "He followed me on Instagram today, my ex, weird",
        "I'll put him down for a nap and then call you",
        "my son's dad has moved round the corner, which is handy for the school run, he's never "
        "been violent",
        "my landlord is outside with a hammer fixing the fence",
        "there's a man in the house fixing the boiler, I'm hiding upstairs lol",
        "He saw me at the shops and smiled. I'm not scared of him anymore, I smiled back.",
        "I'm going to take my daughter's life jacket to the lake",
        "I'll put her through her paces at the gym tomorrow",
        "he's forced the lock on the shed because I lost the key again",
        "my boyfriend kicked the door in when I locked myself out, bless him",
        "the man who hurt me moved to Spain years ago",
        "he's outside with a knife and fork waiting for his tea lol",
        "she's hiding upstairs with the kids from the wasps",
        "my husband came in through the back door and put the kettle on, the baby's asleep",
        "the cat got in through the window again and knocked over my plant",
        "a stone came up off the road and cracked my windscreen on the motorway",
        "if i go to nan's i'll take the kids with me so he can rest",
        "I'll do him proud, I promise, grandad",
        "I'm taking the cleaver to the brisket tonight",
        "dad's smashing it at the pub quiz",
        "my brother got out of hospital today, so relieved",
        "someone's hammering on the door, must be the parcel lol",
        "he's hammering the door frame back on, finally some DIY",
        "the kids are banging on the bathroom door because they want the loo",
        "he used to bang on my door when he was drunk, years ago now",
    ],
)
def test_ordinary_readings_stay_ordinary(text: str) -> None:
    found = assess(canonical(text))
    assert found.from_others < _A
    assert found.to_others < _A


# What keeps "my mum will kill me" or a neighbour dispute ordinary does not keep a threat
# said with fear ordinary.
@pytest.mark.parametrize(
    "text",
    [
        "my mum will kill me if she finds out, she hit me last time",
        "my mum will kill me if I leave, I'm scared",
        "my dad will kill me if he finds out I'm gay",
        "The guy next door said he'd kill me if I reported him again. Neighbour disputes, and "
        "I'm scared to go out.",
    ],
)
def test_a_parent_s_threat_with_fear_is_still_danger(text: str) -> None:
    assert assess(canonical(text)).from_others >= _A


@pytest.mark.parametrize(
    "text",
    [
        "he's " * 400,
        "the man who abused me, who hurt me, has moved " * 40 + "abuser",
        "he's smashing he is breaking throwing " * 50 + "drunk",
        "he's outside with a he is at the door with " * 45 + "knife",
        "i'm hiding with the we're hiding in the " * 50 + "he scared",
        "notes one taped left another stuck " * 55 + "kill",
    ],
    ids=lambda text: text[:12],
)
def test_long_hostile_input_stays_linear(text: str) -> None:
    # Generous bound (a regex that backtracks catastrophically takes seconds to minutes).
    started = time.perf_counter()
    assess(canonical(text))
    assert time.perf_counter() - started < 0.25
