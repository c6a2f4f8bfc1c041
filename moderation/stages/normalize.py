"""The normalising stage: one canonical form of the text for later stages to match.

People who want to slip words past a filter, and people who simply type the way they
type, write the same words many ways: ``K I L L``, ``k.i.l.l``, ``k1ll``, ``kill``
spelled with a Cyrillic ``i``, a zero-width space in the middle, ``sooooo``. This stage folds
all of them into one lower-case form and returns it as ``Verdict.canonical``; it never
changes what participants see and never acts on the message itself.

The folding, in order:

1. invisible characters go: format characters (zero-width spaces and joiners, bidi
   controls, the soft hyphen, variation selectors, tag characters) and control
   characters other than white space;
2. Unicode NFKC (full-width, mathematical and circled letters become plain ones),
   lower case, and combining marks that did not compose (stacked "zalgo" marks) go;
3. look-alike letters from Cyrillic, Greek and Armenian become Latin in words that
   also hold Latin letters or leet digits; words made of look-alikes only fold too,
   unless the text has letters of those scripts that look like no Latin one (so
   ordinary Russian or Greek stays as written);
4. letters spelled out one at a time, separated by spaces or by one repeated
   punctuation mark, join into words; a wider gap between two spelled-out words
   stays a word break (``k i l l  m y s e l f`` becomes ``kill myself``); a run spelled
   with one space throughout joins into one word, cut again at the words of a risk
   sentence when it reads as those throughout (``i w a n t t o d i e`` becomes ``i want
   to die``; ``t e a m`` and ``i a m o k`` stay ``team`` and ``iamok``);
5. white space collapses to single spaces;
6. leetspeak folds (``0 1 3 4 5 7 @ $`` to ``o i e a s t a s``; ``11`` to ``ll``),
   but only in words that also have letters and that are not a number with a unit
   (``10pm``, ``3rd``, ``50mg``), nor hold a digit that has no letter meaning
   (``covid19``, ``gr8``); so times, numbers and phone numbers stay digits;
7. a letter or mark repeated three times or more is kept twice (``sooooo`` to ``soo``);
8. a risk word with letters masked by ``*``, ``#``, ``_`` or ``!`` folds to the word when
   the marks stand for exactly the letters missing and only one risk word fits
   (``k*ll``, ``su*cide``, ``d!e``; not ``f*ck``, ``s**t``); and chat spellings fold
   to the standard ones where the reading is not in doubt:
   contractions typed without their apostrophe (``dont``, ``wasnt``, ``im``, ``ive``,
   ``cant``, ``wont``) gain it, and ``tonite``, ``gonna``, ``wanna``, ``u``, ``thru``,
   ``cuz``/``cos`` become ``tonight``, ``going to``, ``want to``, ``you``, ``through``,
   ``because``; so every later rule reads one spelling. ``id`` and ``hell`` become
   ``i'd`` and ``he'll`` only before a verb that follows them (``id never``, ``hell
   be``) and never after a word that makes them nouns (``my id never came``, ``what the
   hell do you``, ``go to hell``). Words with two everyday readings stay as typed:
   ``ill``, ``its``, ``were``, ``well``, ``shed``, ``lets``, ``ur`` (your or you're), and
   ``rn`` (in chat a filler more often than a time). A slip of the keys (a letter left
   out, two swapped) in a few long risk words is corrected too (``myslef``,
   ``suicdal``), never into a word that is one in its own right (``overdoes``).

The result is idempotent: normalising a canonical form gives it back unchanged.
Plain ASCII text skips steps 1 to 3, which keeps the common case to a few microseconds.
"""

from __future__ import annotations

import itertools
import re
import string
import unicodedata
from typing import Any

from moderation.stage import Submission
from moderation.verdict import Verdict

__all__ = ["Normalize"]

# Control characters other than white space; white space is handled by the split.
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")

# Invisible characters, removed outright before NFKC (removing them afterwards could
# leave two characters that NFKC would compose, breaking idempotence).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"  # C0/C1 controls (not white space, not NEL)
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)

# Combining marks for Latin, Greek and Cyrillic that are still separate after NFKC:
# either a stack of marks ("zalgo") or a mark no precomposed letter carries.
_LOOSE_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

# Lower-case look-alikes (the text is lower-cased first) and the Latin letter each passes
# for. Upper-case-only look-alikes (Cyrillic capital ve, en, em) are listed by their lower case.
_HOMOGLYPHS = {
    # Cyrillic
    "\N{CYRILLIC SMALL LETTER A}": "a",
    "\N{CYRILLIC SMALL LETTER VE}": "b",
    "\N{CYRILLIC SMALL LETTER IE}": "e",
    "\N{CYRILLIC SMALL LETTER IO}": "e",
    "\N{CYRILLIC SMALL LETTER KA}": "k",
    "\N{CYRILLIC SMALL LETTER EM}": "m",
    "\N{CYRILLIC SMALL LETTER EN}": "h",
    "\N{CYRILLIC SMALL LETTER O}": "o",
    "\N{CYRILLIC SMALL LETTER ER}": "p",
    "\N{CYRILLIC SMALL LETTER ES}": "c",
    "\N{CYRILLIC SMALL LETTER TE}": "t",
    "\N{CYRILLIC SMALL LETTER U}": "y",
    "\N{CYRILLIC SMALL LETTER HA}": "x",
    "\N{CYRILLIC SMALL LETTER DZE}": "s",
    "\N{CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I}": "i",
    "\N{CYRILLIC SMALL LETTER YI}": "i",
    "\N{CYRILLIC SMALL LETTER JE}": "j",
    "\N{CYRILLIC SMALL LETTER SHHA}": "h",
    "\N{CYRILLIC SMALL LETTER KOMI DE}": "d",
    "\N{CYRILLIC SMALL LETTER PALOCHKA}": "l",
    "\N{CYRILLIC SMALL LETTER QA}": "q",
    "\N{CYRILLIC SMALL LETTER WE}": "w",
    "\N{CYRILLIC SMALL LETTER SOFT SIGN}": "b",
    "\N{CYRILLIC SMALL LETTER STRAIGHT U}": "y",
    "\N{LATIN SMALL LETTER SCRIPT G}": "g",
    "\N{LATIN SMALL LETTER DOTLESS I}": "i",
    # Greek
    "\N{GREEK SMALL LETTER ALPHA}": "a",
    "\N{GREEK SMALL LETTER BETA}": "b",
    "\N{GREEK SMALL LETTER GAMMA}": "y",
    "\N{GREEK SMALL LETTER EPSILON}": "e",
    "\N{GREEK SMALL LETTER ETA}": "n",
    "\N{GREEK SMALL LETTER IOTA}": "i",
    "\N{GREEK SMALL LETTER KAPPA}": "k",
    "\N{GREEK SMALL LETTER NU}": "v",
    "\N{GREEK SMALL LETTER OMICRON}": "o",
    "\N{GREEK SMALL LETTER RHO}": "p",
    "\N{GREEK SMALL LETTER TAU}": "t",
    "\N{GREEK SMALL LETTER UPSILON}": "u",
    "\N{GREEK SMALL LETTER CHI}": "x",
    "\N{GREEK SMALL LETTER OMEGA}": "w",
    "\N{GREEK LUNATE SIGMA SYMBOL}": "c",
    "\N{GREEK LETTER YOT}": "j",
    # Armenian
    "\N{ARMENIAN SMALL LETTER OH}": "o",
    "\N{ARMENIAN SMALL LETTER SEH}": "u",
    "\N{ARMENIAN SMALL LETTER HO}": "h",
    "\N{ARMENIAN SMALL LETTER VO}": "n",
    "\N{ARMENIAN SMALL LETTER CO}": "g",
    "\N{ARMENIAN SMALL LETTER ZA}": "q",
}
_HOMOGLYPH_TABLE = str.maketrans(_HOMOGLYPHS)
_HOMOGLYPH_HINT = re.compile("[" + "".join(_HOMOGLYPHS) + "]")
_HOMOGLYPH_WORD = re.compile(r"(?<![\w@$])(?=[\w@$]*?[" + "".join(_HOMOGLYPHS) + r"])[\w@$]+")
# A Greek, Cyrillic or Armenian letter that looks like no Latin one.
_NATIVE = re.compile("(?![" + "".join(_HOMOGLYPHS) + "])[\u0370-\u058f]")
_LATIN_OR_LEET = re.compile(r"[a-z0134578@$]")

# A word character for spelling and leetspeak: a letter, a digit, or @ and $.
_W = r"(?:[^\W_]|[@$])"
# Three or more single characters, separated by white space or by one repeated mark.
_SPELLED = re.compile(
    rf"(?<![\w@$]){_W}"
    rf"(?:(?P<sep>[.\-_*·~+])(?:{_W}(?P=sep))+{_W}|(?:\s+{_W}){{2,}})"
    r"(?![\w@$])"
)
# Cheap tests that say whether the full patterns can match at all: most lines have no
# spelled-out word, no leet and no long repeat, and skip those passes.
_SPELLED_HINT = re.compile(r"[\s.\-_*·~+][\w@$][\s.\-_*·~+]+[\w@$](?![\w@$])")
# For ASCII text, a faster test on its bytes translated to classes: "w" a character of
# a spelled word (a letter, a digit, @ or $), "s" a separator (\s is these in ASCII, and
# "·" is not ASCII), "o" any other. A spelled-out run has a character with separators
# on both sides, then more separators and a character that ends a word: "sws", "s"
# any number of times, "w" not followed by "w" ("_" is a separator here; it never
# stands for a character of the run, nor where the run ends). A search whose first
# three bytes are fixed skips along much faster than one that tries every space.
_ASCII_SEPARATORS = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f .-_*~+"
_ASCII_WORD = (string.ascii_letters + string.digits + "@$").encode()
_SPELLED_CLASSES = bytes(
    ord("s") if byte in _ASCII_SEPARATORS else ord("w") if byte in _ASCII_WORD else ord("o")
    for byte in range(256)
)
_SPELLED_HINT_CLASSES = re.compile(rb"sws+w(?!w)")
_GAP = re.compile(r"\s+")
_HAS_LETTER = re.compile(r"[^\W\d_]")
# A spelled-out run with one space between letters and between words alike ("i w a n t
# t o d i e") joins into one word; it is cut into words again only when the cut reads
# as words of this list throughout and one of them carries risk. The list has the words
# of risk sentences and no word of one letter but "i", so an ordinary spelled word
# ("t e a m", "t h e r a p i s t") or a calm sentence ("i a m o k") stays as joined.
_SPELLED_RISK = frozenset(
    (
        "kill",
        "killing",
        "die",
        "dying",
        "dead",
        "death",
        "suicide",
        "suicidal",
        "unalive",
        "overdose",
        "myself",
        "ctb",
        "kms",
        "end",
        "live",
        "living",
    )
)
_SPELLED_VOCABULARY = _SPELLED_RISK | frozenset(
    (
        "i",
        "im",
        "me",
        "my",
        "it",
        "its",
        "all",
        "to",
        "and",
        "so",
        "just",
        "now",
        "want",
        "wanna",
        "gonna",
        "going",
        "will",
        "would",
        "am",
        "need",
        "wish",
        "should",
        "could",
        "be",
        "better",
        "off",
        "cut",
        "hurt",
        "hang",
        "jump",
        "tonight",
        "today",
        "tomorrow",
        "soon",
        "life",
        "self",
        "really",
        "feel",
        "like",
        "ready",
        "dont",
        "cant",
        "anymore",
        "do",
        "this",
        "take",
        "pills",
        "the",
        "tired",
        "of",
        "done",
        "with",
        "everything",
        "everyone",
        "here",
        "no",
        "more",
    )
)
_SPELLED_LONGEST_WORD = max(map(len, _SPELLED_VOCABULARY))
_SPELLED_LONGEST_RUN = 80

# A word whose first character that is not a letter is a leet one, and whose first
# character that is not a digit, @ or $ is a letter: "k1ll", "h3ll0", "$hit", "10pm".
# (Possessive lookaheads keep this one linear.)
_LEET_WORD = re.compile(
    r"(?<![\w@$])(?=[^\W\d_]*+[0134578@$])(?=[\d@$]*+[^\W\d_])(?:[^\W_]|[@$])++"
    # not the "v1" of "v1.2": a word followed by a number
    r"(?![.,:/]\d++(?![\w@$]))"
)
_LEET_TABLE = str.maketrans("013457@$", "oieasta" + "s")
_UNITS = (
    "st|nd|rd|th|s|a|p|am|pm|h|hr|hrs|m|min|mins|d|w|wk|wks|mo|y|yr|yrs|yo|x|k|km|"
    "kg|g|mg|mcg|ug|ml|l|lb|lbs|oz|ft|cm|mm|mph|kph|ish|gb|mb|kb"
)
# Kept as written: a number with a unit, a number glued to a word, money, a digit
# without a letter meaning (2, 6, 8, 9).
_NOT_LEET = re.compile(rf"\$?\d(?:{_UNITS})|\$?\d\d.*|\$\d.*|.*[2689].*")

_REPEATS = re.compile(r"(\D)\1\1+")
_REPEATS_HINT = re.compile(r"(.)\1\1")
_LEET_HINT = re.compile(r"[0134578@$]")
# For ASCII text, a faster test: a letter ("l") next to a leet character ("d"), or a
# letter before "@" ("a"; an "@" before a letter is a handle, "@sam").
_LEET_CLASSES = bytes.maketrans(
    string.ascii_letters.encode() + b"@0134578$",
    b"l" * len(string.ascii_letters) + b"a" + b"d" * 8,
)
# The classes of leet characters, as numbers: bytes hold a number faster than they hold
# a one-byte string, and those two say whether there is any leet character at all.
_LEET_DIGIT, _LEET_AT = b"da"

_MAX_ROUNDS = 4

# Step 8: letters masked by a mark inside a word ("k*ll", "su*cide", "d!e") or marks put
# between them ("ki_ll"); full stops are left to step 4 (see canonical). A word folds
# only to one of these, when its marks stand for exactly the letters missing (one mark a
# letter) or drop out to leave the word, and only one of these fits; "f*ck", "s**t",
# "my_file", "#killit" stay as written.
_MASKED_RISK = (
    "kill",
    "killing",
    "suicide",
    "suicidal",
    "die",
    "dead",
    "ctb",
    "kms",
    "unalive",
    "overdose",
    "myself",
)
_MASK_CHARS = "*#_!"
_MASKS = re.compile(r"[*#_!]")
# (A word with at least one mark between letters; possessive, so linear.)
_MASKED_WORD = re.compile(
    r"(?<![\w*#.!@$'/-])[a-z]++(?:[*#_!]++[a-z]++)++(?![\w@$'/-]|[*#.!]+[a-z\d])"
)
# A mark inside a word is followed by a letter ("k*ll", "s**cide").
_MARK_LETTER = re.compile(r"[*#_!][a-z]")

# Step 8: chat spellings with one reading. ("cant" and "wont" are English words too, but
# rare enough in a support circle that the contraction is the reading to keep.)
_CHAT = {
    **{
        word: word[:-1] + "'t"
        for word in (
            "dont",
            "doesnt",
            "didnt",
            "cant",
            "wont",
            "wouldnt",
            "couldnt",
            "shouldnt",
            "isnt",
            "wasnt",
            "werent",
            "arent",
            "havent",
            "hasnt",
            "hadnt",
            "aint",
            "mustnt",
            "neednt",
        )
    },
    "im": "i'm",
    "ive": "i've",
    "youre": "you're",
    "youve": "you've",
    "theyre": "they're",
    "theyve": "they've",
    "hes": "he's",
    "shes": "she's",
    "thats": "that's",
    "whats": "what's",
    "theres": "there's",
    "everythings": "everything's",
    "tonite": "tonight",
    "2nite": "tonight",
    "2night": "tonight",
    "tmrw": "tomorrow",
    "2moro": "tomorrow",
    "gonna": "going to",
    "wanna": "want to",
    "u": "you",
    "thru": "through",
    "cuz": "because",
    "cos": "because",
    "coz": "because",
    "thinkin": "thinking",
    "nothin": "nothing",
    "somethin": "something",
}


def _typos(word: str) -> set[str]:
    """The spellings one slip away from ``word``: a letter left out, two letters swapped."""
    dropped = {word[:i] + word[i + 1 :] for i in range(len(word))}
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    return (dropped | swapped) - {word}


# A slip of the keys in one of the few long words that carry risk ("myslef", "suicdal")
# folds to the word; a slip that is itself an English word ("overdoes") or a risk word
# does not, and no short or everyday word is ever corrected.
_RISK_WORDS = ("myself", "suicide", "suicidal", "overdose", "overdosing", "unalive")
_NOT_TYPOS = frozenset({"overdoes", "suicides", "unlive", *_RISK_WORDS})
_CHAT.update((typo, word) for word in _RISK_WORDS for typo in sorted(_typos(word) - _NOT_TYPOS))
# Two words are contractions only before a verb that follows one, and never after a word
# that makes them nouns: "id never" is "I'd never" (not "my id card"), "hell be" is "he'll
# be" (not "what the hell do you", "go to hell").
_AMBIGUOUS = {"id": "i'd", "hell": "he'll"}
_THEN_VERB = (
    "never|rather|sooner|be|have|had|just|probably|honestly|really|only|still|already|always|"
    "love|like|hate|prefer|want|go|do|say|tell|give|get|take|kill|die|end|bother|not|gladly|"
    "happily|better|even|jump|hurt|find|come|know|make|hit|beat|stab|shoot|wait|leave"
)
_NOUN_AFTER = frozenset(
    {"my", "your", "his", "her", "their", "our", "the", "a", "an", "photo", "valid", "no"}
    | {"student", "user", "to", "of", "in", "from", "like", "as", "bloody", "what", "who"}
)
_CHAT_WORD = re.compile(
    r"(?<![\w'@#/.-])(?:(?:id|hell)(?= (?:"
    + _THEN_VERB
    + r")\b)|"
    + "|".join(sorted(_CHAT, key=len, reverse=True))
    + r")(?![\w'@#-]|\.\w)"
)
# The cheap test: the words of the text's UTF-8 bytes, split at every byte that is not
# an ASCII letter or digit, with one of the spellings among them. (A spelling the
# patterns find is all ASCII letters and digits, with no word character on either side,
# so it is one of these words whatever else the text holds.)
_CHAT_KEYS = frozenset(word.encode() for word in (*_CHAT, *_AMBIGUOUS))
_AMBIGUOUS_KEYS = frozenset(word.encode() for word in _AMBIGUOUS)
_WORD_BYTES = set((string.ascii_lowercase + string.digits).encode())
_SPLIT_WORDS = bytes.maketrans(
    bytes(byte for byte in range(256) if byte not in _WORD_BYTES),
    b" " * (256 - len(_WORD_BYTES)),
)
# One pattern a word, for ASCII text whose words the cheap test already knows: one or two
# short searches with a literal start are faster than the whole alternation.
_CHAT_ONE = {
    word.encode(): re.compile(
        rf"(?<![\w'@#/.-]){word}"
        + (rf"(?= (?:{_THEN_VERB})\b)" if word in _AMBIGUOUS else "")
        + r"(?![\w'@#-]|\.\w)"
    )
    for word in (*_CHAT, *_AMBIGUOUS)
}


def _fold_homoglyph_word(match: re.Match[str]) -> str:
    word = match[0]
    others = word.translate(_HOMOGLYPH_TABLE)
    # Fold a word that mixes scripts, or one made of look-alikes only.
    if _LATIN_OR_LEET.search(word):
        return others
    return word


def _fold_homoglyph_all(match: re.Match[str]) -> str:
    return match[0].translate(_HOMOGLYPH_TABLE)


def _segment(word: str) -> list[str] | None:
    """``word`` cut into the fewest words of ``_SPELLED_VOCABULARY``, or None when it
    cannot be cut into them all, or when the cut has two one-letter words in a row."""
    size = len(word)
    if size > _SPELLED_LONGEST_RUN:
        return None
    # count[end]: the fewest words that make word[:end] (size + 1: none do); last[end]:
    # where the last of them starts
    count = [0] + [size + 1] * size
    last = [0] * (size + 1)
    for end in range(1, size + 1):
        for start in range(max(0, end - _SPELLED_LONGEST_WORD), end):
            if count[start] + 1 < count[end] and word[start:end] in _SPELLED_VOCABULARY:
                count[end] = count[start] + 1
                last[end] = start
    if count[size] > size:
        return None
    words: list[str] = []
    end = size
    while end:
        words.append(word[last[end] : end])
        end = last[end]
    words.reverse()
    if any(len(one) == 1 and len(two) == 1 for one, two in itertools.pairwise(words)):
        return None
    return words


def _split_spelled(words: list[str]) -> list[str]:
    """Words joined from a spelled-out run, each cut into the words of a risk sentence
    when every one that has more than a word in it can be and one of the words carries
    risk ("iwanttodie" to "i want to die"); otherwise as joined ("team", "iamok")."""
    cuts = [_segment(word) if word not in _SPELLED_VOCABULARY else [word] for word in words]
    if not any(cut is not None and not _SPELLED_RISK.isdisjoint(cut) for cut in cuts):
        return words
    out: list[str] = []
    for word, cut in zip(words, cuts, strict=True):
        out.extend([word] if cut is None else cut)
    return out


def _join_spelled(match: re.Match[str]) -> str:
    run = match[0]
    if not _HAS_LETTER.search(run):
        return run  # "1 2 3", "1.2.3": numbers, not a spelled word
    if match["sep"] is not None:
        return " ".join(_split_spelled([run.replace(match["sep"], "")]))
    letters = _GAP.split(run)
    gaps = [len(gap) for gap in _GAP.findall(run)]
    narrow = min(gaps)
    words = [letters[0]]
    for gap, letter in zip(gaps, letters[1:], strict=True):
        if gap > narrow:
            words.append(letter)
        else:
            words[-1] += letter
    # A one-letter piece joins its neighbour, so no spelled run survives a second pass.
    joined: list[str] = []
    for word in words:
        if joined and (len(word) == 1 or len(joined[-1]) == 1):
            joined[-1] += word
        else:
            joined.append(word)
    return " ".join(_split_spelled(joined))


def _fold_leet_word(match: re.Match[str]) -> str:
    word = match[0]
    if word[0] == "@":
        # A leading @ is a handle, kept; the rest of the word may still be leet.
        rest = word[1:]
        return "@" + _fold_leet(rest) if rest else word
    return _fold_leet(word)


def _fold_leet(word: str) -> str:
    if not _HAS_LETTER.search(word) or _NOT_LEET.fullmatch(word):
        return word
    return word.replace("11", "ll").translate(_LEET_TABLE)


def _unicode_fold(text: str) -> str:
    """Steps 1 and 2: invisible characters, NFKC, case, loose marks."""
    for _ in range(_MAX_ROUNDS):
        text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).lower()
        if _LOOSE_MARKS.search(text):
            # Marks NFKC could not compose: a stack of them. Take every such mark off
            # every letter; an accent is not worth keeping next to "zalgo" text.
            text = _LOOSE_MARKS.sub("", unicodedata.normalize("NFD", text))
            text = unicodedata.normalize("NFKC", text)
        # One round is nearly always enough; a few characters (lower-case forms that
        # are not NFKC, fillers that NFKC turns into other fillers) need a second.
        if (
            unicodedata.is_normalized("NFKC", text)
            and text.lower() == text
            and not _INVISIBLE.search(text)
        ):
            break
    return text


def _fold_homoglyphs(text: str) -> str:
    """Step 3, after spelled-out letters are joined (joining could make a word mixed)."""
    if not _HOMOGLYPH_HINT.search(text):
        return text
    # Words made of look-alikes only ("\N{CYRILLIC SMALL LETTER ES}op") fold too,
    # unless the text is really written in those scripts. (Folding does not change
    # the answer, so a second pass decides the same.)
    native = _NATIVE.search(text) is not None
    fold = _fold_homoglyph_word if native else _fold_homoglyph_all
    return _HOMOGLYPH_WORD.sub(fold, text)


def _leet_start(text: str, is_ascii: bool) -> int:
    """Where the first word that may hold leetspeak starts (in white-space-collapsed
    text), or -1 when no word can."""
    if not is_ascii:
        found = _LEET_HINT.search(text)
        return -1 if found is None else text.rfind(" ", 0, found.start()) + 1
    classes = text.encode("ascii").translate(_LEET_CLASSES)
    if _LEET_DIGIT not in classes and _LEET_AT not in classes:
        return -1  # no leet character at all: most messages
    end = len(text) + 1  # -1 (not found) modulo end is the largest
    at = min(classes.find(b"ld") % end, classes.find(b"dl") % end, classes.find(b"la") % end)
    return -1 if at == end - 1 else text.rfind(" ", 0, at) + 1


def _has_triple(text: str) -> bool:
    """Whether a character of ASCII ``text`` may come three times in a row: the cheap
    test before the search for one, which tries a match at every character. Read as one
    number, the text's bytes XOR the same shifted by one byte have a zero byte wherever
    a byte equals the one before it, so three equal bytes make two zero bytes in a row.
    (Two NULs at the start do too, as the first byte is compared with a zero; a yes is
    only a "may".) About half the work of the search."""
    data = text.encode()
    number = int.from_bytes(data)
    return (number ^ number >> 8).to_bytes(len(data)).find(b"\0\0") >= 0


def _fold_masked_word(match: re.Match[str]) -> str:
    word = match[0]
    letters = _MASKS.sub("", word)
    if letters in _MASKED_RISK:
        return letters  # marks put between the letters: "ct.b", "ki_ll"
    if len(letters) < 2:
        return word  # "k**": too little left to say which word it is
    found = [risk for risk in _MASKED_RISK if _masks_letters(word, risk)]
    return found[0] if len(found) == 1 else word


def _masks_letters(word: str, risk: str) -> bool:
    """Whether ``word`` is ``risk`` with some of its letters, one mark each, masked."""
    return len(word) == len(risk) and all(
        have == want or have in _MASK_CHARS for have, want in zip(word, risk, strict=True)
    )


def _fold_chat_word(match: re.Match[str]) -> str:
    word = match[0]
    if word in _AMBIGUOUS:
        before = match.string[: match.start()].rsplit(None, 1)
        return word if before and before[-1] in _NOUN_AFTER else _AMBIGUOUS[word]
    return _CHAT[word]


def _fold_chat(text: str, is_ascii: bool) -> str:
    """Step 8: chat spellings, after a cheap test that says whether any can occur."""
    words = text.encode().translate(_SPLIT_WORDS).split()
    if _CHAT_KEYS.isdisjoint(words):
        return text  # (most messages; quicker than finding an empty intersection)
    if is_ascii:
        hits = _CHAT_KEYS.intersection(words)
        # One word's pattern at a time finds what the whole alternation finds, whatever
        # the order (a fold keeps letters at its ends, so its neighbours' tests read the
        # same), except for "id" and "hell", which read the word before and after: with
        # another spelling beside them, the text as written decides, as in one pass.
        if len(hits) == 1 or _AMBIGUOUS_KEYS.isdisjoint(hits):
            for hit in hits:
                text = _CHAT_ONE[hit].sub(_fold_chat_word, text)
            return text
    return _CHAT_WORD.sub(_fold_chat_word, text)


def canonical(text: str) -> str:
    """The canonical form of ``text`` (see the module docstring)."""
    is_ascii = text.isascii()
    # printable ASCII (most messages): the only white space is the plain space
    spaces_only = is_ascii and text.isprintable()
    if is_ascii:
        if not spaces_only:
            text = _ASCII_CONTROL.sub("", text)
        text = text.lower()
    else:
        text = _unicode_fold(text)
    if (
        _SPELLED_HINT_CLASSES.search(text.encode().translate(_SPELLED_CLASSES))
        if is_ascii
        else _SPELLED_HINT.search(text)
    ):
        text = _SPELLED.sub(_join_spelled, text)
    if not is_ascii:
        text = _fold_homoglyphs(text)
    if not (spaces_only and "  " not in text and text[:1] != " " and text[-1:] != " "):
        text = " ".join(text.split())  # (otherwise it is so already)
    start = _leet_start(text, is_ascii)
    if start >= 0:
        text = text[:start] + _LEET_WORD.sub(_fold_leet_word, text[start:])
    if not is_ascii or _has_triple(text):
        repeat = _REPEATS_HINT.search(text)
        while repeat is not None and repeat[1].isdigit():  # "1000", "555": numbers stay
            repeat = _REPEATS_HINT.search(text, repeat.end())
        if repeat is not None:
            text = _REPEATS.sub(r"\1\1", text)
    # Step 8's masks, after a cheap test: a single character is found fastest. (A full
    # stop is in most messages, and every other test for one before a letter costs more
    # than the rest of the step, so a word masked by full stops only, "ct.b", is left;
    # one spelled out with them, "s.u.i.c.i.d.e", is joined by step 4.)
    if (
        ("*" in text or "#" in text or "_" in text or "!" in text) if is_ascii else True
    ) and _MARK_LETTER.search(text) is not None:
        text = _MASKED_WORD.sub(_fold_masked_word, text)
    return _fold_chat(text, is_ascii)


class Normalize:
    """Sets the canonical form of each message; never acts on the message."""

    name = "normalize"

    def __init__(self, **settings: Any) -> None:
        """Take no settings; any given raise :class:`TypeError` naming them."""
        if settings:
            raise TypeError(f"normalize takes no settings, got: {', '.join(sorted(settings))}")

    def screen(self, submission: Submission) -> Verdict:
        """The canonical form of ``submission.text``, with action allow."""
        return Verdict(canonical=canonical(submission.text))
