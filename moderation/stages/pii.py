"""The PII stage: contact details are kept out of the circle.

"No contact details" is a ground rule of peer-support circles: members stay anonymous
to each other, and nobody is pulled into private contact they did not choose. This
stage finds phone numbers, e-mail addresses (also spelled out, ``sam at mail dot
com``), street addresses and social-media handles, and replaces each with a
placeholder such as ``[phone removed]``. The rest of the message is delivered
(action ``redact``) and the sender is told why, kindly.

Matching runs on the text as written (with earlier redactions), so the replacements
land in the right places. What must never be removed:

* help lines, whoever shares them: ``keep_numbers`` (988, 911, 999, 112, 111,
  116 123, 741741 by default), compared digit for digit;
* numbers that are not phone numbers: times (``10:30``), dates (``2024-05-01``,
  ``01/05/2024``), years and year ranges, amounts (``1 000 000``), versions and
  addresses of machines, decimals, short numbers and counts (``3 weeks``, ``24/7``).

Facilitators share the circle's resources (a crisis line, the service's own
address), so by default their messages are not redacted (``facilitators_exempt``).
Reasons name what kind of detail was removed, never the detail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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

# --- phone numbers ----------------------------------------------------------------------
# Digits, with single separators (space, dot, dash, slash) and area codes in parentheses;
# an optional "+" in front. Which of these are phone numbers is decided in _is_phone.
_PHONE = re.compile(
    r"(?<![\w@.,:/+-])(?:\+ ?)?(?:\(\+?\d{1,5}\) ?|\d)"
    r"(?:(?: ?[.\-/] ?|[ \u00a0])?(?:\(\d{1,5}\) ?|\d))+"
    r"(?![\w@]|[.,:]\d)"
)
_GROUPS = re.compile(r"\d+")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{2}|\d{4})")
_YEARS = re.compile(r"(?:19|20)\d\d(?: ?[-/] ?| )(?:(?:19|20)\d\d|\d\d)")
_DOTTED_QUAD = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_DECIMAL = re.compile(r"\d+[.]\d+")
# A count or an amount, not a number to call: "1234567 steps", "$1500000".
_COUNTED = re.compile(
    r"\s?(?:%|percent|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?"
    r"|times|people|steps|words|views|likes|followers|dollars|euros|pounds|points|calories"
    r"|miles|km|kg|mg|[€$£¥])(?!\w)",
    re.IGNORECASE,
)
_THOUSANDS = re.compile(r"\d{1,3}(?:([ \u00a0.])\d{3})(?:\1\d{3})*")

# --- e-mail addresses ---------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b")
_AT = r"(?:\s*[\[(<{]\s*at\s*[\])>}]\s*|\s+at\s+|\s*@\s*)"
_DOT = r"(?:\s*[\[(<{]\s*dot\s*[\])>}]\s*|\s+dot\s+|\s*\.\s*)"
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

# --- street addresses ---------------------------------------------------------------
# Words that end the name of a street whatever their case ("12 elm street") ...
_STREET_TYPES = (
    r"street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|parkway|pkwy|highway|hwy"
    r"|drive|dr"
)
# ... and words that are street types only when capitalised ("12 Kings Close", but not
# "3 really close friends").
_PROPER_STREET_TYPES = (
    r"Way|Close|Place|Pl|Court|Ct|Terrace|Crescent|Square|Sq|Circle|Cir|Row|Mews|Gardens"
    r"|Grove|Hill|Walk|Green"
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
_ADDRESS = re.compile(
    r"\b\d{1,5}[A-Za-z]?(?:\s?(?:bis|ter))?,?"
    r"(?:(?P<name>(?:\s+(?:[A-Za-z][\w'.-]*|\d+(?:st|nd|rd|th))){1,3}?)"
    rf"\s+(?:(?i:{_STREET_TYPES})|{_PROPER_STREET_TYPES})\b\.?"
    r"|\s+(?i:rue|avenue|boulevard|chemin|allée|impasse|quai)(?:\s+[\w'\u2019-]+){1,4})"
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

# --- handles --------------------------------------------------------------------------
# "@name", with the "@" first so that the search can skip to it.
_AT_HANDLE = re.compile(r"@(?<![\w@.]@)[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])")
_PLATFORM_HANDLE = re.compile(
    r"(?i:\b(?:insta(?:gram)?|ig|snap(?:chat)?|tiktok|twitter|discord|telegram|kik"
    r"|signal|whatsapp|facebook|fb)\s*:\s*)@?[A-Za-z0-9_][\w.#-]*\w"
)
_REDDIT_HANDLE = re.compile(r"(?<![\w/])u/[A-Za-z0-9_-]{3,20}\b")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


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

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """The (start, end, kind) of every contact detail in ``text``, in order,
        without overlaps."""
        # Each kind is looked for only when a cheap test says it may be there: most
        # messages have no digit, no "@" and no spelled-out address.
        found: list[tuple[int, int, str]] = []
        digit = _HAS_DIGIT.search(text)
        if digit is not None:
            if self._phones and _SEVEN_DIGITS.search(text, digit.start()):
                # A phone number may start a little before its first digit: "+(44)".
                found.extend(self._find_phones(text, max(0, digit.start() - 4)))
            if self._addresses:
                found.extend(
                    (m.start(), m.end(), "address")
                    for m in _ADDRESS.finditer(text, digit.start())
                    if not m["name"] or _NOT_NAME.isdisjoint(m["name"].lower().split())
                )
                if _NUMBER_LAST_HINT.search(text.lower()):
                    found.extend(_spans(_ADDRESS_NUMBER_LAST, text, "address"))
        at = text.find("@")
        if self._emails:
            if at >= 0 and _EMAIL_TAIL.search(text, at):
                found.extend(_spans(_EMAIL, text, "email", max(0, at - 64)))
            if "dot" in text.lower() or "@ " in text or ("." in text and _TLD.search(text)):
                found.extend(_spans(_SPELLED_EMAIL, text, "email"))
        if self._handles:
            if at >= 0:
                found.extend(_spans(_AT_HANDLE, text, "handle", at))
            if ":" in text:
                found.extend(_spans(_PLATFORM_HANDLE, text, "handle"))
            if "u/" in text:
                found.extend(_spans(_REDDIT_HANDLE, text, "handle"))
        return _without_overlaps(found) if len(found) > 1 else found

    def _find_phones(self, text: str, start: int) -> list[tuple[int, int, str]]:
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
            or _DOTTED_QUAD.fullmatch(candidate)
            or _DECIMAL.fullmatch(candidate)
        ):
            return False
        if _THOUSANDS.fullmatch(candidate) and "000" in groups[1:]:
            return False  # 1 000 000, 2.000.000: an amount
        if max(len(group) for group in groups) <= 2:
            # Pairs are a phone number only as in France: 06 12 34 56 78.
            return len(groups) == 5 and len(digits) == 10
        return True


_HAS_DIGIT = re.compile(r"\d")
# Seven digits with at most a few other characters between each: the shortest phone.
_SEVEN_DIGITS = re.compile(r"\d(?:\D{0,6}\d){6}")
_EMAIL_TAIL = re.compile(r"@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b")
# "at" spelled out, with a plain dot before the domain: "sam at gmail.com".
_TLD = re.compile(rf"\.\s*(?:{_TLDS})\b", re.IGNORECASE)


def _spans(
    pattern: re.Pattern[str], text: str, kind: str, start: int = 0
) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), kind) for m in pattern.finditer(text, start)]


def _counted(text: str, start: int, end: int) -> bool:
    """Whether the number at text[start:end] is an amount or a count."""
    return (start > 0 and text[start - 1] in "$€£¥") or _COUNTED.match(text, end) is not None


def _names(setting: str, values: Iterable[str]) -> list[str]:
    if isinstance(values, str) or not all(isinstance(value, str) for value in values):
        raise TypeError(f"pii setting {setting!r} must be a list of strings")
    return list(values)


def _without_overlaps(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the earliest, then longest, of overlapping spans."""
    found.sort(key=lambda span: (span[0], -span[1]))
    kept: list[tuple[int, int, str]] = []
    for span in found:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def _redact(text: str, spans: list[tuple[int, int, str]]) -> Verdict:
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
