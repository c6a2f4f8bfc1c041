"""Risk to the speaker said as deeds, not risk words: an act under way, means at hand with a
place or a time, a decision with a date, goodbyes as arrangements, and intent without a risk
word; each class with sentences of our own and their ordinary readings (the same words in
the past, negated, someone else's, a film, a holiday, a pet boarded for a trip)."""

from __future__ import annotations

import pytest

from moderation.stages.crisis import assess
from moderation.stages.normalize import canonical
from moderation.verdict import Risk


def level(text: str) -> Risk:
    return assess(canonical(text)).self_risk


# 1. An act under way: tablets taken (with or without "I", with drink, a feeling after),
# cutting with bleeding, a blade in the bath, on a bridge, cliff, balcony or the railway,
# the engine running in a garage, a loaded gun out.
ACTS = [
    "took a bunch of my meds about half an hour ago. feel weird",
    "Took the lot. Washed them down with vodka. Feeling really dizzy now.",
    "I've swallowed the whole packet. Lying down now.",
    "I have taken the tablets I had been saving, with most of a bottle of wine.",
    "just took like 15 of my sertraline with vodka",
    "swallowed a load of my sleeping pills, feel really drowsy",
    "took loads of my antidepressants and now i feel woozy",
    "i've taken a handful of pills with the wine",
    "downed my whole prescription tbh",
    "took the lot. feeling sick now",
    "cut my wrists, it's a lot of blood",
    "i cut my arm and there's so much blood, idk what to do",
    "cut deep tonight, blood everywhere",
    "I'm in the bath with the razor.",
    "sitting in the bath with a blade rn",
    "I am typing this from the bridge. The water is very dark.",
    "stood on the cliff edge now",
    "im on the balcony rail now",
    "I'm on the railway line now. Nobody knows.",
    "on the train tracks right now",
    "I am on the wrong side of the railings on the bridge.",
    "Sat in the garage, door shut. Engine's on.",
    "Hose is on the exhaust. Engine's running.",
    "Loaded the rifle. It's on the bed next to me.",
    "I have taken my father's pistol out of the safe.",
    "the gun is loaded and on my lap",
    "i've got dad's shotgun out, it's loaded",
]
ACTS_ORDINARY = [
    "took the lot of the biscuits, feel a bit sick now lol",
    "we took the lot to the tip this morning",
    "took a bunch of photos at the beach today, feeling weird about them",
    "I took my meds with a glass of wine, is that ok?",
    "took 2 paracetamol for my headache",
    "took all my vitamins this morning",
    "my mum took a bunch of pills years ago. i found her",
    "years ago i took a handful of pills with vodka. today im 5 years sober",
    "she took the whole packet and had to go to hospital",
    "in the film she swallows a bunch of pills with whisky",
    "I've never taken a handful of pills, but I think about it",
    "took loads of pictures, had a bunch of beers, feeling weird today",
    "took my daily tablets with breakfast as usual",
    "if i took a handful of my tablets with wine would it be enough to sleep",
    "cut my finger chopping onions, so much blood",
    "cut my leg shaving, loads of blood lol",
    "cut myself on a tin can, there was blood everywhere",
    "when i was 15 i cut my wrists and there was a lot of blood",
    "my friend cut her wrists last year, so much blood",
    "I'm in the bath with a book and candles",
    "shaving my legs in the bath with a razor",
    "writing this from the balcony of our hotel, what a view",
    "typing this on the train home",
    "i'm on the train now, tracks are flooded",
    "the railway line near me is closed for works",
    "standing on the cliff path now, gorgeous view with the dog",
    "the car is running again after the garage fixed it",
    "engine's running to warm the car up, frost everywhere",
    "loaded the dishwasher and the washing machine",
    "took the rifle out of the cabinet to clean it before the clay shoot",
    "my husband loaded his shotgun for the pheasant season",
    "the gun in the film was loaded the whole time",
    "the other side of the barrier at the gig was chaos",
]


@pytest.mark.parametrize("text", ACTS)
def test_an_act_under_way_is_imminent(text: str) -> None:
    assert level(text) is Risk.IMMINENT


@pytest.mark.parametrize("text", ACTS_ORDINARY)
def test_the_same_words_in_ordinary_talk_are_not_risk(text: str) -> None:
    assert level(text) < Risk.PASSIVE_IDEATION


# 2. Means at hand with a place or a time: bought across shops, counted, asked if "enough",
# a hose for the exhaust, helium in the boot; 3. a decision with a date.
MEANS_AND_DATES = [
    "I bought the paracetamol from three different chemists this afternoon so nobody noticed.",
    "been getting paracetamol at different shops all week so they don't ask. got 96 now",
    "got 3 packs of co-codamol and a bottle of vodka here. Is it enough? Please just answer.",
    "been stockpiling my meds since march. counted them today. it's enough. saturday.",
    "bought the helium today. it's in the boot of the car",
    "Got a length of hose and duct tape. The garage is ready. Tomorrow at 6.",
    "The hose is cut to fit the exhaust. Tonight.",
    "The 💊 are counted and ready for tonight.",
    "tablets are all lined up for tonight",
    "got everything i need stashed, just waiting till the house is asleep",
    "I have a month's supply of my tablets and a bottle of whisky. That is my plan for Sunday.",
    "Sunday. It's decided.",
    "friday after work. thats the date. feel calm about it",
    "I have chosen Saturday.",
    "i think this is the week i finally do it",
]
MEANS_AND_DATES_ORDINARY = [
    "bought calpol from three different chemists because they all ran out",
    "got paracetamol in two different shops for the kids' fevers",
    "Took 2 tablets, is that enough?",
    "the doctor says 20 mg, is that enough?",
    "bought 4 boxes of tiles, is that enough?",
    "saved up 50 quid for her present, is that enough?",
    "made 3 trays of sandwiches for the party. is it enough",
    "bought helium for the party balloons today, it's in the boot",
    "the hosepipe is in the garage, can you water the plants on sunday",
    "my meds are ready for collection at the pharmacy tomorrow",
    "the pills are counted and ready for tonight's round on the ward",
    "got everything I need saved up for the trip, waiting till the kids are asleep to pack",
    "my dad has a month's supply of his tablets and a bottle of wine for the weekend",
    "The wedding is on Friday, that's the date.",
    "I have chosen Saturday for the christening.",
    "Where are we eating Saturday? Pizza. Decided.",
    "this is the year i finally do it, marathon here i come",
    "moving house friday. thats the date. so excited",
]


@pytest.mark.parametrize("text", MEANS_AND_DATES)
def test_means_at_hand_or_a_date_decided_is_held(text: str) -> None:
    assert level(text) >= Risk.ACTIVE_IDEATION


@pytest.mark.parametrize("text", MEANS_AND_DATES_ORDINARY)
def test_means_and_dates_in_ordinary_talk_are_not_risk(text: str) -> None:
    assert level(text) < Risk.PASSIVE_IDEATION


# 4. Goodbyes as arrangements: a pet handed over with a cover story, messages scheduled so
# they know where to find me, the door left so nobody has to break it, a last session, "it's
# time" after the flat is tidied; 5. intent without a risk word.
ARRANGEMENTS_AND_INTENT = [
    "asked my cousin to have my dog 'for a bit'. he won't be bringing him back",
    "Dropped the cat off with my mum. Told her it's for a few days. It isn't.",
    "My friend agreed to take the rabbits on Sunday. She thinks I'm going away. I'm not.",
    "timed a message to go to my sister at 7 so she knows where to find me",
    "Queued up emails to my family for the morning. They will explain everything.",
    "front door's on the latch so nobody has to kick it in",
    "Cleaned the flat, left the keys on the table. It's time.",
    "Today will be my final session. I have made all the arrangements. Please don't be sad.",
    "The fish have enough food for a week, and the number's by the tank for whoever comes.",
    "I shan't be needing the car after Friday.",
    "They would be happier with me gone, and I mean to make that happen.",
    "gonna take myself out of the picture for good",
    "I do not intend to see another Christmas.",
    "not gonna see my next birthday. my choice",
    "time to check out for real",
    "won't be here for the summer. I'll make sure of it.",
    "i don't want to wake up and i'm going to make sure i don't",
    "honestly im done done",
    "cleared my accounts, tying up the loose ends. sunday",
    "wrote instructions for the dog, passwords are in the envelope by the door. tonight",
    "checking out tonight. for good.",
]
ARRANGEMENTS_AND_INTENT_ORDINARY = [
    "my cat is at my brother's for a week while I'm on holiday",
    "my neighbour agreed to take the dog for a week while we're in spain. thanks for everything!",
    "asked my mum to take my cat for a week while I'm at my sister's wedding",
    "told him it's for a week. it isn't, it's for two, i got the dates wrong lol",
    "my sister took my cat for a while and she won't be giving her back lol",
    "scheduled the emails for tomorrow morning, thanks for everything today team",
    "I texted my mum my location so she knows where to find me",
    "ask the nurses, they'll explain",
    "left the door unlocked for the plumber",
    "left the keys with the neighbour while we're away",
    "this will be my last session before my holiday, see you all in june",
    "this is my last one before I move to the evening group",
    "I won't be needing the car after Friday, I'm selling it",
    "I'm taking myself out of the group chat for a bit",
    "I'll take myself out of the equation and let them decide",
    "I don't plan on seeing Christmas with my in-laws this year lol",
    "I don't think I'll see Christmas at home, I'm working",
    "checking out tonight, the hotel was lovely",
    "Dinner's ready. It's time.",
    "I'm done done with this job",
    "tying up loose ends at work before my holiday on saturday",
    "tying up loose ends with the solicitor on friday, paid off my bills too",
    "left instructions for the cat sitter, we fly tonight",
    "checking out the new cafe tonight, anyone been?",
]


@pytest.mark.parametrize("text", ARRANGEMENTS_AND_INTENT)
def test_arrangements_and_intent_are_held(text: str) -> None:
    assert level(text) >= Risk.ACTIVE_IDEATION


@pytest.mark.parametrize("text", ARRANGEMENTS_AND_INTENT_ORDINARY)
def test_arrangements_and_plans_in_ordinary_talk_are_not_risk(text: str) -> None:
    assert level(text) < Risk.PASSIVE_IDEATION
