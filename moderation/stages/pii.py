"""The PII stage: contact details are kept out of the circle.

"No contact details" is a ground rule of peer-support circles: members stay anonymous
to each other, and nobody is pulled into private contact they did not choose. This
stage finds phone numbers, e-mail addresses, street addresses and social-media handles,
and replaces each with a placeholder such as ``[phone removed]``. The rest of the
message is delivered (action ``redact``) and the sender is told why, kindly.

People who want to get a number past a filter write it the way they would say it, so
each kind is looked for in the forms people use:

* phone numbers in digits, however grouped and separated (``07700 900123``,
  ``077-009-00-123``, ``0 7 7 0 0 9 0 0 1 2 3``), in words (``oh seven seven double oh
  nine hundred ...``, ``five five five, one two three, four five six seven``) and in
  words and digits mixed (``07seven00 900 123``): a run of digits and number words that
  reads as seven to fifteen digits;
* e-mail addresses, also with "at" and "dot" spelled out, bracketed or set apart
  (``sam [at] mail [dot] com``, ``sam(at)mail.com``, ``sam -at- mail -dot- com``,
  ``sam @ mail . com``), and a webmail name without its ending after a word about
  e-mail (``email me: sam at gmail``);
* street addresses in common UK, US, Australian and some European forms, with the flat,
  unit or apartment before or after (``flat 3, 12 Elm Road``, ``42B Baker St``,
  ``apt 5 221 Main Street``, ``3/12 Elm St``, ``221 Main St #5``), a postcode after
  (``..., London SW1A 1AA``), and post-office boxes;
* handles: ``@name`` offered as contact (``add me @name``; a bare ``@name`` mentions a
  member and stays), ``u/name``, ``insta: name``, and a name offered on a platform
  (``find me on insta: name``, ``add me on snap name``, ``my discord is name#1234``,
  ``I'm name_99 on tiktok``). A plain word there is a handle only when it ends the
  phrase and is not an ordinary word (``my insta is private`` stays).

Matching runs on the text as written (with earlier redactions), so the replacements
land in the right places. What must never be removed:

* help lines, whoever shares them: ``keep_numbers`` (988, 911, 999, 112, 111,
  116 123, 741741 by default), compared digit for digit, in digits or in words;
* numbers that are not phone numbers: times (``10:30``), dates (``2024-05-01``,
  ``01/05/2024``), years and year ranges (also in words: ``nineteen ninety nine``),
  amounts (``1 000 000``, ``two hundred thousand``), versions and addresses of machines,
  decimals, short numbers and counts (``3 weeks``, ``24/7``, ``5 kms``, ``10 out of 10``,
  ``day 47``), scores and ratings (``8/10 7/10 9/10``), counting (``1 2 3 4 5 6 7``,
  ``ten twenty thirty forty``) and ordinary talk in number words (``two or three
  times``, ``one day at a time``, ``twenty years ago``, ``six months clean``).

Facilitators share the circle's resources (a crisis line, the service's own
address), so by default their messages are not redacted (``facilitators_exempt``).
Reasons name what kind of detail was removed, never the detail.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Iterable, Sequence

from moderation.stage import Submission
from moderation.verdict import ALLOW, Action, Verdict

__all__ = ["Pii"]

_ALLOW = ALLOW

DEFAULT_KEEP_NUMBERS = ("988", "911", "999", "112", "111", "116 123", "741741")

_PLACEHOLDERS = {
    "phone": "[phone removed]",
    "email": "[e-mail removed]",
    "address": "[address removed]",
    "handle": "[handle removed]",
}
_REASONS = {
    "phone": "phone number removed",
    "email": "e-mail address removed",
    "address": "street address removed",
    "handle": "social media handle removed",
}
_SENDER_REASON = (
    "To keep everyone anonymous, the circle keeps contact details out of messages, "
    "so we've taken them out of yours. The rest of your message was shared."
)

Span = tuple[int, int, str]

# --- phone numbers in digits ------------------------------------------------------------
# Digits, with single separators (space, dot, dash, slash; up to two spaces) and area
# codes in parentheses; an optional "+" in front. Which are phone numbers: _is_phone.
_PHONE = re.compile(
    r"(?<![\w@.,:/+-])(?:\+ ?)?(?:\(\+?\d{1,5}\) ?|\d)"
    r"(?:(?: ?[.\-/] ?|[ \u00a0]{1,2})?(?:\(\d{1,5}\) ?|\d))+"
    r"(?![\w@]|[.,:]\d)"
)
_GROUPS = re.compile(r"\d+")
_SEPARATORS = re.compile(r"[^\d()]+")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{2}|\d{4})")
_YEARS = re.compile(r"(?:19|20)\d\d(?: ?[-/] ?| )(?:(?:19|20)\d\d|\d\d)")
_DOTTED_QUAD = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_DECIMAL = re.compile(r"\d+[.]\d+")
# A count or an amount, not a number to call: "1234567 steps", "$1500000".
_COUNTED = re.compile(
    r"[\s,]{0,2}(?:%|percent|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?"
    r"|months?|years?|yrs?|times|people|members|steps|words|views|likes|followers|messages"
    r"|dollars|euros|pounds|quid|bucks|points|calories|miles|kms?|kilometres|metres|kg|lbs"
    r"|mg|ml|units|pills|tablets|sessions|thousand|million|billion|hundred|[€$£¥])(?!\w)",
    re.IGNORECASE,
)
_THOUSANDS = re.compile(r"\d{1,3}(?:([ \u00a0.])\d{3})(?:\1\d{3})*")

# --- phone numbers in words -------------------------------------------------------------
_DIGIT_WORDS = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "naught": 0, "one": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_NUMBER_WORDS = {
    **_DIGIT_WORDS,
    **_TENS_WORDS,
    **{word: 10 + n for n, word in enumerate(_TEENS.split())},
}  # fmt: skip
_REPEATS = {"double": 2, "triple": 3, "treble": 3}
_PIECES = "|".join(sorted([*_NUMBER_WORDS, *_REPEATS, "hundred"], key=len, reverse=True))
# One piece of a word: "07seven00" is "07", "seven", "00".
_PIECE = re.compile(rf"{_PIECES}|\d+")
# A word made of number words and digits only. (Each word is tried from its start only,
# and committed to: linear.)
_NUMBER_WORD = re.compile(rf"\b(?:{_PIECES}|\d)++\b", re.IGNORECASE)
# The same for ASCII text in lower case, whose words are the same at the same places:
# many times faster, as without IGNORECASE a piece whose first letter differs is passed
# over at once, and a word that starts with no piece's letter is not tried at all.
_FIRST_LETTERS = "".join(sorted({piece[0] for piece in _PIECES.split("|")}))
_NUMBER_WORD_LOWER = re.compile(rf"\b(?=[{_FIRST_LETTERS}\d])(?:{_PIECES}|\d)++\b")
# What may stand between the words of one number: "five five five, one-two-three",
# "double oh and then nine hundred".
_NUMBER_GAP = re.compile(r"[\s,.\-/()]{1,4}|[\s,]+(?:and|then|and\s+then|dash)[\s,]+", re.I)
# An "oh" that is a word of its own, not a zero: "Oh, ..." / "oh!"
_INTERJECTION = re.compile(r"o|oh", re.IGNORECASE)

# --- e-mail addresses ---------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b")
# "at" and "dot" spelled out, bracketed or set apart by marks: "[at]", "(dot)", "-at-".
_OPEN = r"[\[(<{*_/|'\"~-]"
_CLOSE = r"[\])>}*_/|'\"~-]"
_AT = (
    rf"(?:\s*{_OPEN}\s*(?:at|[@\uff20\ufe6b]|arroba)\s*{_CLOSE}\s*|\s+(?:at|arroba)\s+"
    r"|\s*[@\uff20\ufe6b]\s*)"
)
_DOT = (
    rf"(?:\s*{_OPEN}\s*(?:dot|\.|period|punto|punkt)\s*{_CLOSE}\s*"
    r"|\s+(?:dot|period|full\s?stop|punto|punkt)\s+|\s*\.\s*)"
)
_TLDS = (
    r"com|net|org|edu|gov|info|io|me|co|uk|us|ca|au|nz|ie|de|fr|es|it|nl|be|ch|at|se|no"
    r"|dk|fi|pl|pt|br|mx|in|jp"
)
# Spelled out: "sam at mail dot com", "sam [at] mail [dot] co [dot] uk". "at" or "dot"
# must be spelled out (plain ones are _EMAIL's) and it must end in a known domain.
_SPELLED_EMAIL = re.compile(
    # Possessive runs and bounded repeats keep this linear on long runs of dots.
    rf"(?<![\w.+-])[\w.+-]++(?:(?:{_DOT})[\w+-]++){{0,3}}(?:{_AT})"
    rf"[\w-]++(?:(?:{_DOT})[\w-]++){{0,3}}(?:{_DOT})(?:{_TLDS})\b",
    re.IGNORECASE,
)
_SPELLED_WORDS = "dot period stop fullstop punto punkt"
_TLD = re.compile(rf"\.\W{{0,2}}(?:{_TLDS})\b", re.IGNORECASE)
# A webmail name without its ending: "sam at gmail". An address only after a word about
# e-mail, or when the name before it looks like one (a digit, a dot, an underscore).
_WEBMAILS = "gmail googlemail hotmail outlook yahoo icloud protonmail aol ymail gmx yandex"
_WEBMAIL = re.compile(
    rf"(?<![\w.+-])(?P<local>[\w.+-]++)(?:{_AT})(?:{_WEBMAILS.replace(' ', '|')})\b"
    rf"(?P<tld>(?:{_DOT}|\s+)(?:{_TLDS})\b)?",
    re.IGNORECASE,
)
_EMAIL_CUE = re.compile(r"\b(?:e-?mail|mail|inbox|write|address)\b", re.IGNORECASE)
_NOT_LOCAL_WORDS = "me us you him her them it i is was am are or and mail email"
_NOT_LOCAL = frozenset(_NOT_LOCAL_WORDS.split())

# --- street addresses ---------------------------------------------------------------
# Words that end the name of a street whatever their case ("12 elm street") ...
_STREET_TYPES = (
    r"street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|parkway|pkwy|highway|hwy"
    r"|drive|dr|esplanade|promenade|freeway|turnpike"
)
# ... and words that are street types only when capitalised ("12 Kings Close", but not
# "3 really close friends").
_PROPER_STREET_TYPES = (
    r"Way|Close|Cl|Place|Pl|Court|Ct|Terrace|Tce|Crescent|Cres|Square|Sq|Circle|Cir|Row"
    r"|Mews|Gardens|Gdns|Grove|Hill|Walk|Green|Park|Rise|View|Vale|Parade|Pde|Circuit|Cct"
    r"|Quay|Wharf|Yard|Approach|Trail|Loop|Plaza|Alley|Cove|Ridge|Heights|Mall|Broadway"
)
# Words that cannot be part of a street's name: they make "walked 3 blocks down the
# road" a walk, not an address. (Checked after the match: faster than in the pattern.)
_NOT_NAME_WORDS = """
    the a an my our your his her their its this that these those down up on in at to of
    from by for and or with across along around near off over past into onto is was are
    were be i you we they he she it more other whole entire same next last block blocks
    mile miles km kms minute minutes min mins time times year years day days week weeks
    month months hour hours second seconds yard yards metre metres meter meters feet foot
    way ways people door doors house houses street streets road roads step steps floor
    floors car cars lane lanes
"""
_NOT_NAME = frozenset(_NOT_NAME_WORDS.split())
# A number, then a name of one to three words and a street type (English), or a number
# and "rue" (French).
_RUE_TYPES = "rue|avenue|boulevard|chemin|allée|impasse|quai"
_ADDRESS = re.compile(
    r"\b\d{1,5}[A-Za-z]?(?:\s?(?:bis|ter))?,?"
    r"(?:(?P<name>(?:\s+(?:[A-Za-z][\w'.-]*|\d+(?:st|nd|rd|th))){1,3}?)"
    rf"\s+(?:(?i:{_STREET_TYPES})|{_PROPER_STREET_TYPES})\b\.?"
    rf"|\s+(?i:{_RUE_TYPES})(?:\s+[\w'\u2019-]+){{1,4}})"
)
# The street, then the number: "Hauptstraße 5", "Bahnhofstr. 12a", "Kerkweg 3" (German,
# Dutch), "calle Mayor 5" (Spanish). Possessive, then a look back at the word's ending,
# to stay linear.
_ADDRESS_NUMBER_LAST = re.compile(
    r"\b[A-ZÄÖÜ][\wäöüß-]*+"
    r"(?:(?<=straße)|(?<=strasse)|(?<=str)\.|(?<=weg)|(?<=gasse)|(?<=allee)|(?<=platz)"
    r"|(?<=straat)|(?<=laan))"
    r"\s*\d{1,4}[a-z]?\b"
    r"|\b(?i:calle|avenida|avda\.|paseo|plaza)(?:\s+[\w'\u2019-]+){1,3}?,?\s+\d{1,4}\b"
)
_NUMBER_LAST_HINT = re.compile("str|weg|gasse|allee|platz|laan|calle|avenida|avda|paseo|plaza")
# A flat, unit or apartment before the street ("flat 3, 12 ...", "apt 5 221 ...",
# "3/12 ..." as Australians write unit 3 at number 12) or after it ("..., Apt 5B", "#5").
_UNIT = r"(?i:flat|apt|apartment|unit|suite|ste|room|rm|lot)\.?\s*#?\s*"
_UNIT_BEFORE = re.compile(
    rf"(?:\b{_UNIT}|#\s*)\d{{1,4}}[A-Za-z]?\s*[,/-]?\s*$|\b\d{{1,4}}[A-Za-z]?/$"
)
_UNIT_AFTER = re.compile(rf",?\s*(?:\b{_UNIT}|#\s*)\d{{1,4}}[A-Za-z]?\b")
# A postcode after the street, with the town before it: "..., London SW1A 1AA",
# "..., Springfield, IL 62704", "..., Sydney NSW 2000".
_POSTCODE_AFTER = re.compile(
    r",?\s*(?:[A-Z][a-z]+(?:[ -][A-Z][a-z]+)?,?\s+)?"
    r"(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s+\d{4}"
    r"|(?:[A-Z]{2}\s+)?\d{5}(?:-\d{4})?)\b"
)
# A flat in a named building, with no street number: "flat 3, Elm House".
_BUILDING = re.compile(
    rf"\b{_UNIT}\d{{1,4}}[A-Za-z]?,?(?:\s+[A-Z][\w'\u2019-]*){{1,3}}\s+"
    r"(?:House|Court|Building|Tower|Towers|Mansions|Lodge|Apartments|Hall|Block|Residences)\b"
)
_UNIT_WORDS = "flat apt apartment unit suite ste room rm lot"
_PO_BOX = re.compile(r"\b(?i:p\.?\s?o\.?\s*box|post\s+office\s+box)\s*\d{1,6}\b")

# --- handles --------------------------------------------------------------------------
# "@name", with the "@" first so that the search can skip to it.
_AT_HANDLE = re.compile(r"@(?<![\w@.]@)[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])")
# "@name" alone addresses a member of the circle ("happy birthday @sam", "@sam please
# ring 988"): it is a contact detail only where the message offers it as one, with a
# platform named (a cue key), words that offer a way to reach someone elsewhere, or
# other contact details beside it.
_OFFERS_CONTACT = re.compile(
    r"(?i)\b(?:add|follow|find|dm|pm|message|msg|hmu|reach|contact|text|socials?|profile"
    r"|on\s+there|over\s+there|handle|user\s?name)\b"
)
_REDDIT_HANDLE = re.compile(r"(?<![\w/])u/[A-Za-z0-9_-]{3,20}\b")
_PLATFORMS = (
    r"insta(?:gram)?|ig|snap(?:chat)?|sc|tik\s?tok|twitter|discord|telegram|kik|signal"
    r"|whatsapp|facebook|fb|messenger|reddit|tumblr|threads|bluesky|bsky|mastodon|youtube"
    r"|twitch|steam|xbox|psn|skype|wechat"
)
_PLATFORM_WORDS = """insta instagram ig snap snapchat sc tik tiktok twitter discord telegram
    kik signal whatsapp facebook fb messenger reddit tumblr threads bluesky bsky mastodon
    youtube twitch steam xbox psn skype wechat handle username user gamertag"""
_ADD_ME = "snap kik add follow"
_NAME = r"(?P<handle>@?[A-Za-z0-9_](?:[\w.#-]{0,30}[A-Za-z0-9_])?)"
_WHAT = r"(?:\s+(?:handle|user\s?name|name|id|tag|account|@))?"
# "insta: name", "Discord - name#1234": the platform and the name go.
_PLATFORM_HANDLE = re.compile(
    rf"(?i:\b(?:{_PLATFORMS}){_WHAT}(?:\s*[:=]|\s+[-\u2013\u2014])\s*){_NAME}"
)
# "my insta is name", "my snap's name", "my username on discord is name".
_MY_HANDLE = re.compile(
    rf"(?i:\b(?P<my>(?:my|our)\s+)?(?:(?:{_PLATFORMS}){_WHAT}|handle|user\s?name|gamertag|@)"
    rf"(?:\s+on\s+(?:{_PLATFORMS}))?(?:\s+is|['\u2019]s|\s*[:=])\s+(?:just\s+)?){_NAME}"
)
# "find me on insta name", "add me on snap as name", "hmu on discord: name".
_OFFERED_HANDLE = re.compile(
    r"(?i:\b(?:find|add|follow|dm|message|msg|text|hmu|hit\s+me\s+up|reach|contact|friend"
    r"|look\s+me\s+up|talk\s+to\s+me|chat\s+(?:to|with)\s+me)\s+(?:me\s+)?(?:up\s+)?"
    rf"(?:on|at|via|in)\s+(?:{_PLATFORMS})\b[\s,:=\-\u2013\u2014]*"
    r"(?:(?:as|under|at|it['\u2019]?s|i['\u2019]?m)\s+)?)" + _NAME
)
# "I'm on discord as name", "snap me at name", "add me: name".
_AS_HANDLE = re.compile(
    rf"(?i:\b(?:(?:i['\u2019]?m|i\s+am|im|we['\u2019]?re)\s+on\s+(?:{_PLATFORMS})\s+(?:as|under)"
    r"|(?:snap|kik|add|follow)\s+me(?:\s+(?:at|on|@)|\s*[:\-\u2013\u2014]))\s*)" + _NAME
)
# "I'm name_99 on tiktok", "add name on snap": the name before the platform.
_NAMED_ON = re.compile(
    r"(?i:\b(?:i['\u2019]?m|i\s+am|im|it['\u2019]?s|its|add|follow|find|search(?:\s+for)?"
    rf"|look\s+up)\s+){_NAME}(?i:\s+on\s+(?:{_PLATFORMS})\b)"
)
# A plain word offered as a handle must end the phrase: "find me on insta samj, x".
_PHRASE_END = re.compile(
    r"\s*(?:$|[^\w\s'\u2019]|(?i:and|or|if|so|x+|lol|pls|please|thanks|thx|ty|hmu|add|follow"
    r"|dm|ok|okay|i|i['\u2019]m|its|it['\u2019]s|btw|too|tho|though)\b)"
)
# Ordinary words that follow "my insta is" or "find me on snap": never a handle.
_NOT_HANDLE_WORDS = """
    a an the and or but so if then than too also as at on in of for to from with by about
    into over under after before since until till while because though is are was were be
    been am do does did have has had will would can could should may might must it its
    it's this that these those there here where when what why how who which i me my mine
    you your we us our they them their he him his she her one someone anyone everyone
    people guys everybody all any some every no yes yeah not never now later tonight
    tomorrow today soon sometime sometimes anytime whenever always often again already
    still yet just only even really very pretty kinda quite literally basically actually
    mostly mainly totally private public locked open closed down up dead deleted
    deactivated inactive active gone new old empty full same different fine ok okay good
    bad better worse great awful boring toxic dry quiet busy weird cringe messy cute nice
    hidden hacked banned suspended blocked broken lol lmao haha pls please thanks thx ty x
    xx xxx hmu dm dms pm message messages chat account page profile handle username name
    link bio story stories post posts pics photos pictures reels videos stuff things
    instead anyway anymore either well usual much normal such idk tbh imo ngl omg babe hun
    friend friends mate mates folks lads girls love dear bestie
"""
_NOT_HANDLES = frozenset(_NOT_HANDLE_WORDS.split())


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _monotone(values: Sequence[int]) -> bool:
    """Counting up or down (1 2 3 4 ..., 10 20 30 40, ten nine eight ...)."""
    pairs = list(itertools.pairwise(values))
    return len(values) >= 3 and (all(a < b for a, b in pairs) or all(a > b for a, b in pairs))


class Pii:
    """Redacts phone numbers, e-mail and street addresses, and social handles."""

    name = "pii"

    def __init__(
        self,
        *,
        keep_numbers: Iterable[str] = DEFAULT_KEEP_NUMBERS,
        facilitators_exempt: bool = True,
        facilitator_roles: Iterable[str] = ("facilitator",),
        phones: bool = True,
        emails: bool = True,
        addresses: bool = True,
        handles: bool = True,
    ) -> None:
        """Validate the settings; a bad one raises TypeError or ValueError naming it.

        ``phones``, ``emails``, ``addresses`` and ``handles`` turn each kind on or off
        (a circle whose members @-mention each other may turn ``handles`` off).
        """
        self.keep_numbers = frozenset(_digits(n) for n in _names("keep_numbers", keep_numbers))
        if "" in self.keep_numbers:
            raise ValueError("pii setting 'keep_numbers' must hold numbers with digits")
        self.facilitator_roles = frozenset(_names("facilitator_roles", facilitator_roles))
        flags = {
            "facilitators_exempt": facilitators_exempt,
            "phones": phones,
            "emails": emails,
            "addresses": addresses,
            "handles": handles,
        }
        for setting, value in flags.items():
            if not isinstance(value, bool):
                raise TypeError(f"pii setting {setting!r} must be true or false, got {value!r}")
        self.facilitators_exempt = facilitators_exempt
        self._phones, self._emails = phones, emails
        self._addresses, self._handles = addresses, handles

    def screen(self, submission: Submission) -> Verdict:
        """Redact contact details, or allow the message if it has none."""
        if self.facilitators_exempt and submission.role in self.facilitator_roles:
            return _ALLOW
        spans = self.find(submission.text)
        if not spans:
            return _ALLOW
        return _redact(submission.text, spans)

    def find(self, text: str) -> list[Span]:
        """The (start, end, kind) of every contact detail in ``text``, in order,
        without overlaps."""
        # Each kind is looked for only when a cheap test says it may be there: most
        # messages have no digit, no "@" and none of the words that start a search
        # (number words, "dot", "insta", "gmail" ...) but for the quiet ones ("me",
        # "flat"), and end here.
        is_ascii = text.isascii()
        # (the table lower-cases ASCII letters; other text is lower-cased first)
        words = (text if is_ascii else text.lower()).encode().translate(_TO_WORDS)
        if is_ascii:  # (its digits are the "0"s of words)
            digit = _ASCII_DIGIT.search(text) if _ZERO in words else None
        else:
            digit = _HAS_DIGIT.search(text)
        at = text.find("@") if "@" in text else -1  # (the look is quicker than the find)
        cues = _CUE_KEYS.intersection(words.split())
        if digit is None and at < 0 and cues <= _QUIET_KEYS and "u/" not in text and is_ascii:
            return []
        low = text.lower()
        found: list[Span] = []
        if self._phones:
            if (
                digit is not None
                and (not is_ascii or words.count(b"0") >= 7)  # (seven digits or more)
                and _SEVEN_DIGITS.search(text, digit.start())
            ):
                # A phone number may start a little before its first digit: "+(44)".
                found.extend(self._find_phones(text, max(0, digit.start() - 4)))
            # Seven digits in words take two number words, or one and some digits, or
            # words and digits run together ("07seven00").
            spoken = len(cues & _NUMBER_KEYS)
            if spoken > 1 or (
                digit is not None and (spoken or _GLUED.search(low, digit.start()) is not None)
            ):
                found.extend(self._find_spoken_phones(text))
        if self._addresses and digit is not None:
            found.extend(_find_addresses(text, low, cues, digit.start()))
        if self._emails:
            if at >= 0 and _EMAIL_TAIL.search(text, at):
                found.extend(_spans(_EMAIL, text, "email", max(0, at - 64)))
            # every e-mail address has an "@", or "at" in some form
            if (
                at >= 0
                or (not is_ascii and _WIDE_AT.search(text) is not None)
                or (
                    not cues.isdisjoint(_AT_KEYS)
                    and (not cues.isdisjoint(_SPELLED_KEYS) or _TLD.search(text) is not None)
                )
            ):
                found.extend(_spans(_SPELLED_EMAIL, text, "email"))
            if not cues.isdisjoint(_WEBMAIL_KEYS):
                found.extend(_find_webmail(text))
        if self._handles:
            if at >= 0 and (
                found  # among other contact details
                or not cues.isdisjoint(_PLATFORM_KEYS)
                or _OFFERS_CONTACT.search(text) is not None
            ):
                found.extend(_spans(_AT_HANDLE, text, "handle", at))
            if "u/" in text:
                found.extend(_spans(_REDDIT_HANDLE, text, "handle"))
            if not cues.isdisjoint(_PLATFORM_KEYS):
                found.extend(_find_platform_handles(text))
            elif b"me" in cues and not cues.isdisjoint(_ADD_ME_KEYS):
                found.extend(_find_as_handles(text))
        return _without_overlaps(found) if len(found) > 1 else found

    # --- phone numbers ----------------------------------------------------------------

    def _find_phones(self, text: str, start: int) -> list[Span]:
        return [
            (m.start(), m.end(), "phone")
            for m in _PHONE.finditer(text, start)
            if self._is_phone(m[0]) and not _counted(text, m.start(), m.end())
        ]

    def _is_phone(self, candidate: str) -> bool:
        digits = _digits(candidate)
        if not 7 <= len(digits) <= 15 or digits in self.keep_numbers:
            return False
        if candidate.startswith("+"):
            return True
        groups = _GROUPS.findall(candidate)
        if (
            _DATE.fullmatch(candidate)
            or _YEARS.fullmatch(candidate)
            or _DECIMAL.fullmatch(candidate)
            or (
                _DOTTED_QUAD.fullmatch(candidate) is not None
                and all(int(group) <= 255 for group in groups)
            )
        ):
            return False
        if _THOUSANDS.fullmatch(candidate) and "000" in groups[1:]:
            return False  # 1 000 000, 2.000.000: an amount
        if max(len(group) for group in groups) <= 2:
            return _phone_in_ones_and_twos(candidate, groups, digits)
        return True

    def _find_spoken_phones(self, text: str) -> list[Span]:
        """Runs of number words and digits that read as a phone number."""
        if text.isascii():
            words = list(_NUMBER_WORD_LOWER.finditer(text.lower()))
        else:
            words = list(_NUMBER_WORD.finditer(text))
        if not words:
            return []
        found: list[Span] = []
        run = [words[0]]
        for word in words[1:]:
            if _NUMBER_GAP.fullmatch(text, run[-1].end(), word.start()):
                run.append(word)
                continue
            found.extend(self._spoken_phone(text, run))
            run = [word]
        found.extend(self._spoken_phone(text, run))
        return found

    def _spoken_phone(self, text: str, run: list[re.Match[str]]) -> list[Span]:
        if (
            len(run) > 1
            and _INTERJECTION.fullmatch(run[0][0])
            and not text[run[0].end() : run[1].start()].isspace()
        ):
            run = run[1:]  # "Oh, ...": a word of its own
        while run and run[-1][0].lower() in _REPEATS:
            run = run[:-1]
        if not run:
            return []
        spoken = _spoken_digits(match[0] for match in run)
        if spoken is None:
            return []
        number, values = spoken
        start, end = run[0].start(), run[-1].end()
        if (
            not 7 <= len(number) <= 15
            or number in self.keep_numbers
            or len(set(number)) < 3
            or _monotone(values)
            or _years(number, values)
            or _counted(text, start, end)
        ):
            return []
        if start and text[start - 1] == "+":
            start -= 1
        return [(start, end, "phone")]


_HAS_DIGIT = re.compile(r"\d")
# The same in ASCII text (whose only decimal digits are these), found without asking the
# Unicode database about every character.
_ASCII_DIGIT = re.compile(r"[0-9]")
# For the cheap tests: the words of a message, lower case, without punctuation, as
# bytes (translating bytes is many times faster than translating text, and lower-cases
# ASCII letters on the way). Every digit becomes "0": then one look for a "0" says
# whether an ASCII text has a digit (faster than a search), and as no cue word holds a
# digit, the cues found are the same.
_TO_WORDS = bytes.maketrans(
    (string.punctuation + string.digits + string.ascii_uppercase).encode(),
    (" " * len(string.punctuation) + "0" * len(string.digits) + string.ascii_lowercase).encode(),
)
# (As a number: bytes hold a number faster than they hold a one-byte string.)
_ZERO = ord("0")
# For the cheap test of _ADDRESS in ASCII text: its words as \b sees them (runs of
# letters, digits and "_"), lower case. A match has one of the words that name a
# street among them (as a whole word: white space before it, \b or white space after).
_WORD_BYTES = (string.ascii_letters + string.digits + "_").encode()
_BETWEEN_WORDS = bytes.maketrans(
    bytes(byte for byte in range(256) if byte not in _WORD_BYTES),
    b" " * (256 - len(_WORD_BYTES)),
)


def _keys(words: Iterable[str]) -> frozenset[bytes]:
    return frozenset(word.encode() for word in words)


_NUMBER_KEYS = _keys([*_NUMBER_WORDS, *_REPEATS, "hundred"])
_WEBMAIL_KEYS = _keys(_WEBMAILS.split())
_SPELLED_KEYS = _keys(_SPELLED_WORDS.split())
_AT_KEYS = _keys(["at", "arroba"])
_PLATFORM_KEYS = _keys(_PLATFORM_WORDS.split())
_ADD_ME_KEYS = _keys(_ADD_ME.split())
_UNIT_KEYS = _keys(_UNIT_WORDS.split())
_CUE_KEYS = _NUMBER_KEYS | _WEBMAIL_KEYS | _SPELLED_KEYS | _AT_KEYS | _PLATFORM_KEYS
_CUE_KEYS |= _ADD_ME_KEYS | _UNIT_KEYS | {b"me", b"box"}
# Cues that start no search alone without a digit, an "@" or "u/": "me" starts one only
# beside "add" or "follow", a flat's words and "box" only beside a number.
_QUIET_KEYS = _UNIT_KEYS | {b"me", b"box"}
_STREET_KEYS = _keys("|".join((_STREET_TYPES, _PROPER_STREET_TYPES.lower(), _RUE_TYPES)).split("|"))
_WIDE_AT = re.compile("[\uff20\ufe6b]")
# A digit and a letter side by side: searched from the first digit, as digits come
# first in the pattern (the search then skips to the next digit, not trying each place).
_GLUED = re.compile(r"[0-9](?:[a-z]|(?<=[a-z][0-9]))")
# Seven digits with at most a few other characters between each: the shortest phone.
_SEVEN_DIGITS = re.compile(r"\d(?:\D{0,6}\d){6}")
_EMAIL_TAIL = re.compile(r"@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b")


def _phone_in_ones_and_twos(candidate: str, groups: list[str], digits: str) -> bool:
    """Digits in groups of one or two: a phone number as France writes it (06 12 34 56
    78), or spaced out to get past a filter (0 7 7 0 0 9 0 0 1 2 3, 07 7 00 9 00 12 3);
    not counting (1 2 3 4 5 6 7, 10 20 30 40), nor scores and ratings, whose separators
    change (6-4 6-3 7-5, 8/10 7/10 9/10)."""
    if len(groups) == 5 and len(digits) == 10 and digits[0] == "0":
        return True
    separators = {separator.strip() or " " for separator in _SEPARATORS.findall(candidate)}
    return (
        len(separators) == 1
        and len(set(digits)) >= 3
        and not _monotone([int(group) for group in groups])
    )


def _spoken_digits(words: Iterable[str]) -> tuple[str, list[int]] | None:
    """The digits a run of number words and digits reads as ("oh seven seven double oh"
    is 07700; "nine hundred" 900; "twenty three" 23), and the numbers said one by one;
    None when it is all digits (that is _PHONE's) or names an amount ("thousand")."""
    digits: list[str] = []
    values: list[int] = []
    spoken = False
    repeat = 1
    tens_open = False  # "twenty" said, "three" may follow to make 23
    for word in words:
        for piece in _PIECE.findall(word.lower()):
            if piece in _REPEATS:
                repeat = _REPEATS[piece]
                continue
            if piece.isdigit():
                value, said = int(piece), piece
            elif piece == "hundred":
                spoken = True
                if values and 0 < values[-1] < 10 and digits[-1] == str(values[-1]):
                    values[-1] *= 100
                    digits[-1] += "00"
                tens_open = False
                continue
            else:
                spoken = True
                value = _NUMBER_WORDS[piece]
                if tens_open and 0 < value < 10 and repeat == 1:
                    values[-1] += value
                    digits[-1] = str(values[-1])
                    tens_open = False
                    continue
                said = str(value)
            digits.append(said * repeat)
            values.extend([value] * repeat)
            tens_open = piece in _TENS_WORDS and repeat == 1
            repeat = 1
    return ("".join(digits), values) if spoken else None


def _years(number: str, values: list[int]) -> bool:
    """Years said in pairs: "nineteen ninety nine", "twenty twenty-three, twenty twenty-four"."""
    return (
        len(number) % 4 == 0
        and all(value >= 10 for value in values)
        and all(number[at : at + 2] in ("19", "20") for at in range(0, len(number), 4))
    )


# --- e-mail, addresses, handles ----------------------------------------------------------


def _find_webmail(text: str) -> list[Span]:
    found = []
    for match in _WEBMAIL.finditer(text):
        local = match["local"]
        if local.lower() in _NOT_LOCAL:
            continue
        if (
            match["tld"]
            or any(ch.isdigit() or ch in "._" for ch in local)
            or _EMAIL_CUE.search(text, max(0, match.start() - 40), match.start())
        ):
            found.append((match.start(), match.end(), "email"))
    return found


def _find_addresses(text: str, low: str, cues: frozenset[bytes], start: int) -> list[Span]:
    found = []
    # In ASCII text (most), _ADDRESS can match only when a word names a street.
    if not text.isascii() or not _STREET_KEYS.isdisjoint(
        low.encode().translate(_BETWEEN_WORDS).split()
    ):
        for match in _ADDRESS.finditer(text, start):
            if match["name"] and not _NOT_NAME.isdisjoint(match["name"].lower().split()):
                continue
            begin, end = match.start(), match.end()
            unit = _UNIT_BEFORE.search(text, max(0, begin - 24), begin)
            if unit is not None:
                begin = unit.start()
            for tail in (_UNIT_AFTER, _POSTCODE_AFTER):
                extra = tail.match(text, end)
                if extra is not None:
                    end = extra.end()
            found.append((begin, end, "address"))
    if _NUMBER_LAST_HINT.search(low):
        found.extend(_spans(_ADDRESS_NUMBER_LAST, text, "address"))
    if not cues.isdisjoint(_UNIT_KEYS):
        found.extend(_spans(_BUILDING, text, "address"))
    if b"box" in cues:
        found.extend(_spans(_PO_BOX, text, "address"))
    return found


def _find_platform_handles(text: str) -> list[Span]:
    found = []
    for match in _PLATFORM_HANDLE.finditer(text):
        if _offered(text, match):
            found.append((match.start(), match.end(), "handle"))
    for match in _MY_HANDLE.finditer(text):
        # without "my", only a name written as a handle: "discord is sam#1234"
        if _handle_like(match["handle"]) if match["my"] is None else _offered(text, match):
            found.append((match.start("handle"), match.end("handle"), "handle"))
    for match in _OFFERED_HANDLE.finditer(text):
        if _offered(text, match):
            found.append((match.start("handle"), match.end("handle"), "handle"))
    for match in _NAMED_ON.finditer(text):
        if _handle_like(match["handle"]):
            found.append((match.start("handle"), match.end("handle"), "handle"))
    found.extend(_find_as_handles(text))
    return found


def _find_as_handles(text: str) -> list[Span]:
    return [
        (match.start("handle"), match.end("handle"), "handle")
        for match in _AS_HANDLE.finditer(text)
        if _offered(text, match)
    ]


def _plain(handle: str) -> str:
    return handle.lstrip("@").lower()


def _handle_like(handle: str) -> bool:
    """Written as only a handle is: "@sam", "sam_99", "sam.x", "sam#1234"."""
    if handle.startswith("@"):
        return True
    return any(ch.isalpha() for ch in handle) and any(ch.isdigit() or ch in "_.#" for ch in handle)


def _offered(text: str, match: re.Match[str]) -> bool:
    """A name offered as a handle: written as one, or a word that is not an ordinary one
    and ends the phrase ("my insta is samjones", not "my insta is private")."""
    handle = match["handle"]
    if _handle_like(handle):
        return True
    return (
        _plain(handle) not in _NOT_HANDLES
        and _PHRASE_END.match(text, match.end("handle")) is not None
    )


def _spans(pattern: re.Pattern[str], text: str, kind: str, start: int = 0) -> list[Span]:
    return [(m.start(), m.end(), kind) for m in pattern.finditer(text, start)]


def _counted(text: str, start: int, end: int) -> bool:
    """Whether the number at text[start:end] is an amount or a count."""
    return (start > 0 and text[start - 1] in "$€£¥") or _COUNTED.match(text, end) is not None


def _names(setting: str, values: Iterable[str]) -> list[str]:
    if isinstance(values, str) or not all(isinstance(value, str) for value in values):
        raise TypeError(f"pii setting {setting!r} must be a list of strings")
    return list(values)


def _without_overlaps(found: list[Span]) -> list[Span]:
    """Keep the earliest, then longest, of overlapping spans."""
    found.sort(key=lambda span: (span[0], -span[1]))
    kept: list[Span] = []
    for span in found:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def _redact(text: str, spans: list[Span]) -> Verdict:
    parts: list[str] = []
    at = 0
    kinds: dict[str, None] = {}
    for start, end, kind in spans:
        parts.append(text[at:start])
        parts.append(_PLACEHOLDERS[kind])
        at = end
        kinds[kind] = None
    parts.append(text[at:])
    return Verdict(
        action=Action.REDACT,
        tags=tuple(f"pii.{kind}" for kind in kinds),
        reasons=tuple(_REASONS[kind] for kind in kinds),
        sender_reason=_SENDER_REASON,
        redacted="".join(parts),
    )
