"""The PII stage: contact details out, help lines and ordinary numbers in."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.stage import Submission
from moderation.stages import pii
from moderation.stages.pii import Pii
from moderation.verdict import Action, Verdict

PII = Pii()


def screen(text: str, stage: Pii = PII, **fields: Any) -> Verdict:
    return stage.screen(Submission.of(text, **fields))


def redacted(text: str, stage: Pii = PII) -> str:
    verdict = screen(text, stage)
    return text if verdict.redacted is None else verdict.redacted


# --- phone numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me on 555-123-4567", "call me on [phone removed]"),
        ("my number is +44 20 7946 0958 ok", "my number is [phone removed] ok"),
        ("+1 (555) 123-4567", "[phone removed]"),
        ("(555) 123-4567 after six", "[phone removed] after six"),
        ("555.123.4567", "[phone removed]"),
        ("555 1234", "[phone removed]"),
        ("07700 900123", "[phone removed]"),
        ("07700900123", "[phone removed]"),
        ("+33 6 12 34 56 78", "[phone removed]"),
        ("06 12 34 56 78", "[phone removed]"),
        ("0049 30 1234567", "[phone removed]"),
        ("030/1234567", "[phone removed]"),
        ("+44 (0)20 7946 0958", "[phone removed]"),
        ("text me: 555-123-4567.", "text me: [phone removed]."),
        ("1-800-555-0199 is my work", "[phone removed] is my work"),
        # spaced out, or grouped oddly, to get past a filter
        ("0 7 7 0 0 9 0 0 1 2 3", "[phone removed]"),
        ("ring 0 7 7 0 0  9 0 0 1 2 3 pls", "ring [phone removed] pls"),
        ("5 5 5 1 2 3 4 5 6 7", "[phone removed]"),
        ("07 7 00 9 00 12 3", "[phone removed]"),
        ("077-009-00-123", "[phone removed]"),
        ("07.700.900.123", "[phone removed]"),
        ("0.7.7.0.0.9.0.0.1.2.3", "[phone removed]"),
        ("0770/090/0123", "[phone removed]"),
    ],
)
def test_phone_numbers_are_redacted(text: str, expected: str) -> None:
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # help lines, whoever says them
        "please call 988",
        "in the UK it's 999 or 111",
        "Samaritans are on 116 123, any time",
        "text HOME to 741741",
        "911 or 112 in an emergency",
        # times, dates, years
        "see you at 10:30",
        "from 10:30-11:45 tonight",
        "on 2024-05-01",
        "on 01/05/2024",
        "on 01.05.2024",
        "from 1990-2000",
        "between 2019 and 2021",
        "in 2023 2024 it was hard",
        "I was 15 in 2009",
        # counts and amounts
        "24/7 support",
        "3 weeks clean",
        "day 45",
        "1 000 000 people",
        "$1500000",
        "1234567 steps",
        "2.000.000 euros",
        "it cost 1,250,000",
        # other numbers
        "192.168.1.1",
        "pi is 3.14159265",
        "scores 10 20 30 40",
        "my kids are 4 7 and 9",
        "counting 1 2 3 4 5 6 7",
        "my zip is 90210",
        "version 1.2.3",
        # counting, scores, ratings, results: not spaced-out phone numbers
        "1 2 3 4 5 6 7 8 9 10",
        "10 9 8 7 6 5 4 3 2 1",
        "scores 10 20 30 40 50",
        "ages 4 6 9 12 15",
        "rated it 8/10 7/10 9/10 and 6/10",
        "we won 6-4 3-6 7-6 6-4",
        "0 0 0 0 0 0 0",
        "I ran 5 kms today",
        "I'd rate today 10 out of 10",
        "day 47 of no drinking",
        "24/7, 365 days",
    ],
)
def test_not_phone_numbers(text: str) -> None:
    assert screen(text) == Verdict()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oh seven seven double oh nine hundred one two three", "[phone removed]"),
        ("zero seven seven zero zero nine zero zero one two three", "[phone removed]"),
        ("five five five, one two three, four five six seven", "[phone removed]"),
        ("Five-five-five-one-two-three-four", "[phone removed]"),
        ("07seven00 900 123", "[phone removed]"),
        ("0seven7double0nine001two3", "[phone removed]"),
        ("o7700 9OO 123", "[phone removed]"),
        ("07 seven 7 00 nine 00 one 23", "[phone removed]"),
        ("my number is 555 one two three four five six seven", "my number is [phone removed]"),
        ("text me at +44 seven seven double oh nine double oh one two three", "text me at "
         "[phone removed]"),
        ("call me on oh seven seven double oh, nine hundred, one two three thanks",
         "call me on [phone removed] thanks"),
        ("oh seven seven double oh and then nine hundred one two three", "[phone removed]"),
        ("my number's oh one one eight, four nine six, oh two three one", "my number's "
         "[phone removed]"),
        ("ring me on double seven double oh nine, one two three", "ring me on [phone removed]"),
        ("triple five, double two, one three", "[phone removed]"),
        ("Oh, oh seven seven double oh nine hundred one two three", "Oh, [phone removed]"),
    ],
)  # fmt: skip
def test_phone_numbers_in_words_are_redacted(text: str, expected: str) -> None:
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # help lines in words
        "call one one six, one two three any time",
        "Oh, one one six one two three is the Samaritans",
        "seven four one seven four one",
        "dial nine eight eight if you need to",
        "nine nine nine or one one one in the UK",
        # ordinary counting and talk in number words
        "two or three times",
        "one day at a time",
        "twenty years ago",
        "six months clean",
        "one two three four five six seven eight, breathe",
        "it's been one, two, three, four, five, six, seven days",
        "ten, nine, eight, seven, six, five, four, three, two, one",
        "ten twenty thirty forty fifty",
        "five four three two one grounding helps",
        "one, two, three, breathe. four, five, six, hold. seven eight nine ten",
        "I slept two hours, then three, then one",
        "we were six, seven, maybe eight years old",
        "I'm twenty five and my sister is twenty nine",
        "oh oh oh oh oh oh oh",
        "one on one sessions",
        "nought to sixty in seconds",
        # years, amounts, times
        "nineteen ninety nine was the worst year",
        "twenty twenty-three, twenty twenty-four, both awful",
        "He was born in nineteen eighty two, I was born in nineteen eighty five",
        "two thousand and nine",
        "two hundred thousand pounds of debt",
        "I've been clean one thousand two hundred and six days",
        "seven hundred and fifty people",
        "twenty four seven, three sixty five",
        "at seven thirty, eight fifteen, nine",
        "I doubled my dose",
        "double oh seven",
    ],
)
def test_not_phone_numbers_in_words(text: str) -> None:
    assert screen(text) == Verdict()


def test_keep_numbers_setting() -> None:
    stage = Pii(keep_numbers=["0800 111 0 111"])
    assert screen("TelefonSeelsorge: 0800 111 0 111", stage) == Verdict()
    assert screen("TelefonSeelsorge: 0800-1110111", stage) == Verdict()
    # Only the configured numbers are kept: 988 is now an ordinary (short) number,
    # and a phone number is still removed.
    assert redacted("me: 555 123 4567", stage) == "me: [phone removed]"


# --- e-mail -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email sam@example.com pls", "email [e-mail removed] pls"),
        ("x.y+z@mail.co.uk.", "[e-mail removed]."),
        ("Sam.Jones@Example.ORG", "[e-mail removed]"),
        ("sam at gmail dot com", "[e-mail removed]"),
        ("sam dot jones at gmail dot com", "[e-mail removed]"),
        ("sam [at] mail [dot] co [dot] uk", "[e-mail removed]"),
        ("sam(at)mail(dot)de", "[e-mail removed]"),
        ("sam @ gmail . com", "[e-mail removed]"),
        ("reach me: sam AT gmail DOT com!", "reach me: [e-mail removed]!"),
        ("sam(at)mail.com", "[e-mail removed]"),
        ("sam [at] mail [dot] com", "[e-mail removed]"),
        ("sam @ mail . com", "[e-mail removed]"),
        ("sam -at- mail -dot- com", "[e-mail removed]"),
        ("sam *at* mail *dot* com", "[e-mail removed]"),
        ("sam[@]mail[.]com", "[e-mail removed]"),
        ("sam at mail period com", "[e-mail removed]"),
        ("sam\uff20mail.com", "[e-mail removed]"),
        ("email me: sam at gmail", "email me: [e-mail removed]"),
        ("my email's sam at hotmail", "my email's [e-mail removed]"),
        ("it's sam.jones at gmail", "it's [e-mail removed]"),
        ("sam at gmail com, write soon", "[e-mail removed], write soon"),
    ],
)
def test_email_addresses_are_redacted(text: str, expected: str) -> None:
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm at home, dot dot dot",
        "look at that dot on the map",
        "I was at work dot",
        "meet at the park",
        "my therapist said it's fine",
        "look at yahoo news",
        "I'm at gmail all day",
        "email me at gmail",
    ],
)
def test_not_email_addresses(text: str) -> None:
    assert screen(text) == Verdict()


# --- street addresses ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live at 12 Elm Street now", "I live at [address removed] now"),
        ("221b Baker St", "[address removed]"),
        ("1600 Pennsylvania Ave.", "[address removed]"),
        ("1600 Pennsylvania Avenue NW", "[address removed] NW"),
        ("it's 12 elm st", "it's [address removed]"),
        ("come to 42 Wallaby Way, Sydney", "come to [address removed], Sydney"),
        ("12 Kings Close", "[address removed]"),
        ("10 Downing Street", "[address removed]"),
        ("350 5th Avenue", "[address removed]"),
        ("Hauptstraße 5", "[address removed]"),
        ("Bahnhofstr. 12a, Berlin", "[address removed], Berlin"),
        ("12 rue de la Paix", "[address removed]"),
        ("calle Mayor 5", "[address removed]"),
        # with the flat, unit or apartment, before or after
        ("flat 3, 12 Elm Road", "[address removed]"),
        ("I'm at Flat 3, 12 Elm Road now", "I'm at [address removed] now"),
        ("42B Baker St", "[address removed]"),
        ("apt 5 221 Main Street", "[address removed]"),
        ("Apartment 4B, 350 5th Ave", "[address removed]"),
        ("Unit 4/56 Smith Street", "[address removed]"),
        ("3/12 Elm St", "[address removed]"),
        ("221 Main St, Apt 5B", "[address removed]"),
        ("221 Main St #5", "[address removed]"),
        ("Flat 3, Elm House", "[address removed]"),
        # with the postcode
        ("12 Elm Road, London SW1A 1AA", "[address removed]"),
        ("42 Wallaby Way, Sydney NSW 2000", "[address removed]"),
        ("1234 N Main St Apt 5, Springfield, IL 62704", "[address removed]"),
        ("write to PO Box 1234", "write to [address removed]"),
        ("14 Acacia Crescent", "[address removed]"),
    ],
)
def test_street_addresses_are_redacted(text: str, expected: str) -> None:
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I walked 3 blocks down the street",
        "we have 2 dogs on our street",
        "3 really close friends",
        "it's a 2 way street",
        "a 4 lane road",
        "a 10 minute drive",
        "a 5 hour drive",
        "at 10 I walked down Main Street",
        "I live on Elm Street",
        "the 3 of us on the road",
        "I live in flat 3",
        "we met in room 5",
        "it took 2 years on the road to recovery",
        "I spent 3 nights at Ronald McDonald House",
    ],
)
def test_not_street_addresses(text: str) -> None:
    assert screen(text) == Verdict()


# --- handles ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("add me @sam_99", "add me [handle removed]"),
        ("@sam.jones on there", "[handle removed] on there"),
        ("insta: sam.x", "[handle removed]"),
        ("my snap: @samx ok", "my [handle removed] ok"),
        ("Discord: sam#1234", "[handle removed]"),
        ("u/throwaway123", "[handle removed]"),
        ("find me on insta: samj", "find me on [handle removed]"),
        ("find me on insta samj_99", "find me on insta [handle removed]"),
        ("find me on insta samjones", "find me on insta [handle removed]"),
        ("add me on snap as samx!", "add me on snap as [handle removed]!"),
        ("hmu on discord sam#1234", "hmu on discord [handle removed]"),
        ("ig - sam.x", "[handle removed]"),
        ("my insta is samjones", "my insta is [handle removed]"),
        ("my discord is sam#1234", "my discord is [handle removed]"),
        ("discord is sam#1234", "discord is [handle removed]"),
        ("my username on discord is samx", "my username on discord is [handle removed]"),
        ("I'm sam_99 on tiktok", "I'm [handle removed] on tiktok"),
        ("I'm on discord as samx", "I'm on discord as [handle removed]"),
        ("snap me at samx", "snap me at [handle removed]"),
        ("add me: sam_99", "add me: [handle removed]"),
    ],
)
def test_handles_are_redacted(text: str, expected: str) -> None:
    assert redacted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm on insta too",
        "meet @ 5",
        "big: deal",
        "@ home",
        "I deleted my insta",
        "my insta is private",
        "my snap is dead lol",
        "find me on insta later",
        "dm me on insta anytime",
        "add me on snap guys!",
        "find help on reddit",
        "I found support on tiktok",
        "I'm new on discord",
        "I'm on discord as well",
        "I'm on tiktok way too much",
        "my insta is mostly cats",
        "my username is the same everywhere",
        "the discord is down",
        "ig - idk",
        "YouTube: search for calm music",
        "Steam: let off some steam",
        "follow me on this one",
        "I'll add me to the list",
    ],
)
def test_not_handles(text: str) -> None:
    assert screen(text) == Verdict()


def test_handles_can_be_turned_off() -> None:
    assert screen("thanks @sam", Pii(handles=False)) == Verdict()


# --- the verdict --------------------------------------------------------------------


def test_verdict_tags_and_kind_reasons_never_quote_the_detail() -> None:
    text = "call 555-123-4567 or sam@example.com, 12 Elm Street, @samx"
    verdict = screen(text)
    assert verdict.action is Action.REDACT
    assert verdict.redacted == (
        "call [phone removed] or [e-mail removed], [address removed], [handle removed]"
    )
    assert verdict.tags == ("pii.phone", "pii.email", "pii.address", "pii.handle")
    assert len(verdict.reasons) == 4
    words = ("555", "sam", "Elm", "example")
    for said in (*verdict.reasons, verdict.sender_reason or ""):
        assert not any(word in said for word in words)
    assert "contact details" in (verdict.sender_reason or "")


def test_repeated_kind_is_tagged_once() -> None:
    verdict = screen("555-123-4567 or 555-765-4321")
    assert verdict.tags == ("pii.phone",)
    assert verdict.redacted == "[phone removed] or [phone removed]"


def test_redacts_the_text_as_given_not_the_canonical_form() -> None:
    submission = Submission(text="Call ME: 555-123-4567", canonical="call me: 555-123-4567")
    assert PII.screen(submission).redacted == "Call ME: [phone removed]"


def test_facilitators_are_exempt_by_default() -> None:
    text = "You can reach the service at help@example.org or 0800 555 0199"
    assert screen(text, role="facilitator") == Verdict()
    assert screen(text).action is Action.REDACT
    assert screen(text, Pii(facilitators_exempt=False), role="facilitator").action is Action.REDACT


# --- settings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "error", "name"),
    [
        ({"keep_numbers": "988"}, TypeError, "keep_numbers"),
        ({"keep_numbers": [988]}, TypeError, "keep_numbers"),
        ({"keep_numbers": ["help"]}, ValueError, "keep_numbers"),
        ({"facilitators_exempt": "yes"}, TypeError, "facilitators_exempt"),
        ({"phones": 1}, TypeError, "phones"),
        ({"facilitator_roles": "facilitator"}, TypeError, "facilitator_roles"),
        ({"urls": True}, TypeError, "urls"),
    ],
)
def test_bad_settings_are_named(
    settings: dict[str, Any], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        Pii(**settings)


# --- never raises -------------------------------------------------------------------

_CONTACTISH = st.text(alphabet="0123456789 +-.()/@:#abcdeSt at dot com Elm Street\n", max_size=60)
_SPOKEN_WORDS = (
    "oh o zero one two six seven nine ten twenty hundred thousand double triple and 0 7 "
    "12 , - . flat apt 3 Elm Road insta : my is find me on sam_9 at gmail"
)
_SPOKEN = st.lists(st.sampled_from(_SPOKEN_WORDS.split()), max_size=25).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _CONTACTISH, _SPOKEN))
def test_never_raises(text: str) -> None:
    verdict = screen(text)
    if verdict.action is Action.REDACT:
        assert verdict.redacted is not None
        assert verdict.redacted != text
    else:
        assert verdict == Verdict()


def test_the_ascii_digit_test_is_the_unicode_one_on_every_ascii_character() -> None:
    for code in range(128):
        char = chr(code)
        assert (pii._ASCII_DIGIT.match(char) is None) == (pii._HAS_DIGIT.match(char) is None)


@pytest.mark.parametrize(
    "text",
    [
        "well done @jules, that took guts",
        "@ash_88 same here, the mornings are the worst",
        "morning @Bea! ring 988 if tonight gets bad",
        "thinking of you @tom.k",
    ],
)
def test_a_mention_of_a_member_is_not_contact_details(text: str) -> None:
    assert screen(text) == Verdict()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("follow @jules_art for the drawings", "follow [handle removed] for the drawings"),
        ("dm @ash_88 if you want to talk", "dm [handle removed] if you want to talk"),
        ("text me 07700 900123 or @bea_b", "text me [phone removed] or [handle removed]"),
    ],
)
def test_a_handle_offered_as_contact_is_redacted(text: str, expected: str) -> None:
    assert redacted(text) == expected


# --- the cheap tests say "no" only where the searches they spare find nothing -------

_PIECES = [*pii._NUMBER_WORDS, *pii._REPEATS, "hundred"]
_ASCII_TEXT = st.text(
    alphabet=st.sampled_from([*string.printable, "\x1c", "\x00"]), max_size=40
) | st.lists(
    st.sampled_from([*_PIECES, *(p.upper() for p in _PIECES), "7", "07", "Oh", "x", "t"])
    | st.text(alphabet=string.digits + string.ascii_letters, max_size=4),
    max_size=10,
).map(lambda pieces: " ".join(pieces).replace("  ", "-"))


def test_the_quiet_cues_start_no_search_alone() -> None:
    # a message with only these cues, no digit, no "@" and no "u/" ends at once
    for keys in (
        pii._NUMBER_KEYS,
        pii._AT_KEYS,
        pii._SPELLED_KEYS,
        pii._WEBMAIL_KEYS,
        pii._PLATFORM_KEYS,
        pii._ADD_ME_KEYS,
    ):
        assert pii._QUIET_KEYS.isdisjoint(keys)
    assert redacted("text me, flat out, lot of love, box of room") == (
        "text me, flat out, lot of love, box of room"
    )


def test_no_cue_word_holds_a_digit() -> None:
    # Every digit is a "0" in the words the cues are found among: no cue may hold one.
    assert not any(byte in string.digits.encode() for key in pii._CUE_KEYS for byte in key)


@given(_ASCII_TEXT)
def test_number_words_in_lower_case_ascii_are_the_same(text: str) -> None:
    def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
        return [match.span() for match in pattern.finditer(text)]

    assert spans(pii._NUMBER_WORD_LOWER, text.lower()) == spans(pii._NUMBER_WORD, text)


@given(st.text(alphabet=st.sampled_from("ab 12Z\u0661\u0130,"), max_size=12))
def test_the_glued_test_from_the_first_digit_is_the_old_one(text: str) -> None:
    old = re.compile(r"[a-z][0-9]|[0-9][a-z]")
    first = pii._HAS_DIGIT.search(text)
    if first is not None:
        low = text.lower()
        found = pii._GLUED.search(low, first.start()) is not None
        assert found == (old.search(low, max(0, first.start() - 1)) is not None)


_STREETS = "|".join((pii._STREET_TYPES, pii._PROPER_STREET_TYPES, pii._RUE_TYPES)).split("|")
_GAP = st.sampled_from([" ", "  ", "\t", "\x1c", ", ", ".", "-", "_", "#", ""])
_WORD = st.sampled_from(["12", "3a", "Elm", "the", "Rd", "St", "x_y"]) | st.text(
    alphabet=string.ascii_letters + string.digits, max_size=3
)


@given(
    st.lists(st.tuples(_WORD, _GAP), max_size=6),
    st.sampled_from([*_STREETS, *(street.upper() for street in _STREETS)]),
    st.lists(st.tuples(_GAP, _WORD), max_size=3),
)
def test_an_address_needs_a_street_word(
    before: list[tuple[str, str]], street: str, after: list[tuple[str, str]]
) -> None:
    text = "".join(a + b for a, b in before) + street + "".join(a + b for a, b in after)
    if pii._ADDRESS.search(text):
        tokens = text.lower().encode().translate(pii._BETWEEN_WORDS).split()
        assert not pii._STREET_KEYS.isdisjoint(tokens)


@pytest.mark.parametrize("street", [street for street in _STREETS if street.isascii()])
def test_each_street_word_is_a_key(street: str) -> None:
    # (The cheap test is made for ASCII text only.)
    found = 0
    for form in (street, street.lower(), street.upper()):
        for gap in (" ", "\t", "\x1c", "  "):
            for tail in ("", ".", ",", " 5", "_b", "x", " Sq"):
                for text in (f"flat 2, 12{gap}Elm{gap}{form}{tail}", f"12{gap}{form}{gap}d{tail}"):
                    if not pii._ADDRESS.search(text):
                        continue
                    found += 1
                    tokens = text.lower().encode().translate(pii._BETWEEN_WORDS).split()
                    assert not pii._STREET_KEYS.isdisjoint(tokens), text
    assert found  # (the texts tried do hold addresses)
