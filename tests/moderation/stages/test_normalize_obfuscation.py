"""Obfuscated spellings in the canonical form: a whole sentence spelled out letter by
letter with single spaces throughout, and letters of a risk word masked by a mark.

The canonical form must read as the crisis rules expect ("i want to die", "kill myself")
and must leave ordinary text as it was ("t e a m", "f*ck", "e.g.", prices, file names).
"""

from __future__ import annotations

import pytest

from moderation.config import default_pipeline
from moderation.stage import Submission
from moderation.stages.normalize import canonical

SPELLED_SENTENCES = [
    ("I w a n t t o d i e", "i want to die"),
    ("i w a n n a k i l l m y s e l f", "i want to kill myself"),
    ("k i l l m y s e l f t o n i g h t", "kill myself tonight"),
    ("I W A N T T O D I E", "i want to die"),
    ("i m g o i n g t o k i l l m y s e l f", "i'm going to kill myself"),
    ("i d o n t w a n t t o l i v e a n y m o r e", "i don't want to live anymore"),
    ("i w a n t t o e n d i t a l l t o n i g h t", "i want to end it all tonight"),
    ("i j u s t w a n t t o d i e", "i just want to die"),
    ("w a n t t o b e d e a d", "want to be dead"),
    ("k.i.l.l.m.y.s.e.l.f", "kill myself"),
    ("k-i-l-l-m-y-s-e-l-f t-o-n-i-g-h-t", "kill myself tonight"),
    ("i  w a n t t o  d i e", "i want to die"),
    ("honestly i w a n t t o d i e tbh", "honestly i want to die tbh"),
    ("i w i l l c u t m y s e l f", "i will cut myself"),
]

ORDINARY_SPELLED = [
    ("a b c", "abc"),
    ("t e a m", "team"),
    ("I a m o k", "iamok"),
    ("t h e r a p i s t", "therapist"),
    ("w e e k e n d", "weekend"),
    ("s k i l l s", "skills"),
    ("d i e t", "diet"),
    ("s t u d i e d", "studied"),
    ("a t t h e e n d", "attheend"),
    ("o l i v e", "olive"),
    ("l a d i e s", "ladies"),
    ("i l o v e y o u", "iloveyou"),
    ("1 2 3", "1 2 3"),
    ("k i l l  m y s e l f", "kill myself"),  # (as before: the wider gap)
]

MASKED = [
    ("k*lling myself", "killing myself"),
    ("k*ll myself", "kill myself"),
    ("su*cide", "suicide"),
    ("s.u.i.c.i.d.e", "suicide"),
    ("d!e", "die"),
    ("i want to d*e", "i want to die"),
    ("k#ll me", "kill me"),
    ("ki_ll myself", "kill myself"),
    ("s**cide", "suicide"),
    ("k*ll*ng myself", "killing myself"),
    ("unal*ve", "unalive"),
    ("ov3rd*se", "overdose"),
    ("k*ll mys*lf", "kill myself"),
    ("su*c*dal", "suicidal"),
    ("better off de*d", "better off dead"),
    ("k!ll myself", "kill myself"),
    ("K*LL MYSELF", "kill myself"),
]

ORDINARY_MASKED = [
    "f*ck this",
    "s**t happens",
    "this is sh*t.",
    "e.g. the bus",
    "at 9 a.m. today",
    "i.e. tomorrow",
    "see notes.txt and die.txt",
    "kill.exe stopped",
    "it was $4.50",
    "pi is 3.14",
    "mail sam.smith@example.com",
    "d.e. smith",
    "k*** off",
    "*ill check",
    "the k*ds are fine",
    "h*ll no",
    "d*mn it",
    "#killit at work today",
    "my_file.py",
    "wow!great",
]


@pytest.mark.parametrize(("text", "expected"), SPELLED_SENTENCES)
def test_spelled_sentence_reads_as_words(text: str, expected: str) -> None:
    assert canonical(text) == expected
    assert canonical(expected) == expected


@pytest.mark.parametrize(("text", "expected"), ORDINARY_SPELLED)
def test_ordinary_spelled_words_stay_joined(text: str, expected: str) -> None:
    assert canonical(text) == expected
    assert canonical(expected) == expected


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_masked_risk_word_folds(text: str, expected: str) -> None:
    assert canonical(text) == expected
    assert canonical(expected) == expected


@pytest.mark.parametrize("text", ORDINARY_MASKED)
def test_ordinary_masks_stay(text: str) -> None:
    out = canonical(text)
    assert canonical(out) == out
    for word in ("kill", "die", "dead", "suicide", "ctb", "kms"):
        assert word not in out.split(), (text, out)


def test_full_stops_inside_a_word_are_left() -> None:
    # A full stop is in most messages; testing every one for a letter after it costs more
    # than the whole step, so only a word spelled out with them is joined (step 4).
    assert canonical("ct.b") == "ct.b"
    assert canonical("s.u.i.c.i.d.e") == "suicide"


def test_mask_needs_the_exact_letters() -> None:
    # a mark for each missing letter, no more, no fewer
    assert canonical("k**ll") == "k**ll"
    assert canonical("su*ide") == "su*ide"
    # letters that fit no risk word
    assert canonical("k*ss") == "k*ss"


async def _escalates(text: str) -> bool:
    result = await default_pipeline().screen(Submission.of(text))
    return bool(result.escalate)


@pytest.mark.parametrize(
    "text",
    [
        "I w a n t t o d i e",
        "i w a n n a k i l l m y s e l f",
        "k i l l m y s e l f t o n i g h t",
        "i m g o i n g t o k i l l m y s e l f",
        "k*lling myself",
        "k*ll myself tonight",
        "thinking about su*cide every day",
        "i want to d!e",
        "gonna k*ll myself t0night",
    ],
)
async def test_obfuscated_risk_escalates(text: str) -> None:
    assert await _escalates(text)


@pytest.mark.parametrize(
    "text",
    [
        "a b c",
        "t e a m",
        "I a m o k",
        "f*ck this day",
        "e.g. the bus at 9 a.m.",
        "t h e r a p i s t says hi",
        "i l o v e y o u",
    ],
)
async def test_ordinary_obfuscations_do_not_escalate(text: str) -> None:
    assert not await _escalates(text)
