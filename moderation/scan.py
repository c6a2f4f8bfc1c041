"""One pass over a message that every stage's cheap tests read.

The crisis and method stages each scanned the whole text for their own trigger words
before their real patterns ran, and harassment, graphic and medical each split it into
words for theirs. This module does that once per message:

* :class:`Literals`: literal strings a stage looks for (the crisis and method triggers).
  Every set made is found by **one** pass over the text (:func:`found`): an Aho-Corasick
  automaton of all of them (``pyahocorasick``, in C), which reads each character once
  however many strings there are, so the stages after the first read the answer for
  nothing. The answer is exact: every registered string that occurs in
  ``" " + text + " "``, and no other.
* :class:`Scanned`: a compiled pattern with the strings every match of it needs
  (:func:`moderation.literals.required`), registered for the same pass. When the pass
  was over the very text searched and found no string of a set one of those needs, the
  pattern cannot match and the search is skipped; otherwise it runs as it always did, so
  it finds exactly what the pattern finds. A sentence or window cut from a message is
  searched with ``within=`` the message's answer: a string missing from the message is
  missing from every part of it.
* :func:`heads`: the first four characters of each word, for the stages whose cheap test
  is "a word starts like one of these"; :func:`heads_among` finds those of a stage's
  words by one search, without splitting the text (what the stages use).

Both answers are kept for the last text only (as ``crisis.assess`` keeps its last
answer): a message screened after a different one is always scanned afresh.
"""

from __future__ import annotations

import functools
import operator
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Literal

import ahocorasick  # type: ignore[import-not-found]  # (a C extension without type hints)

from moderation.literals import ascii_twin, plain, required

__all__ = [
    "PUNCTUATION",
    "Heads",
    "Literals",
    "Scanned",
    "found",
    "heads",
    "heads_among",
    "prepare",
]

#: A word at least this long is rare enough to stand for a string that holds it.
_RARE = 5
#: Stripped from the ends of a word before its head is taken.
PUNCTUATION = "\"'()[]{}*_-.,!?;:“”\u2018\u2019«»„<>~/"


_NONE: frozenset[str] = frozenset()
_STRING = operator.itemgetter(1)
# (a word's head, by calls the interpreter makes itself rather than a loop of bytecode)
_STRIPPED = operator.methodcaller("strip", PUNCTUATION)
_HEAD = operator.itemgetter(slice(0, 4))


class _Scanner:
    """Every registered string, one automaton over them, and the last answer."""

    def __init__(self) -> None:
        self._words: set[str] = set()
        # None until built (again, after strings were added); False: nothing to find
        self._automaton: ahocorasick.Automaton | Literal[False] | None = None
        #: (text, the registered strings in " text ") for the last text scanned.
        self.last: tuple[str, frozenset[str]] | None = None

    def prepare(self) -> None:
        if self._automaton is None:
            self._build()

    def add(self, words: Iterable[str]) -> None:
        new = {word for word in words if word} - self._words
        if new:
            self._words |= new
            self._automaton = None
            self.last = None

    def found(self, text: str) -> frozenset[str]:
        last = self.last
        if last is not None and last[0] == text:
            return last[1]
        automaton = self._automaton
        if automaton is None:
            automaton = self._build()
        # every occurrence of every string, overlapping ones too ("to die" and "die"), as
        # (where it ends, the string itself)
        result = frozenset(map(_STRING, automaton.iter(f" {text} "))) if automaton else _NONE
        self.last = (text, result)
        return result

    def _build(self) -> ahocorasick.Automaton | Literal[False]:
        if not self._words:
            self._automaton = False  # (an automaton with no strings cannot be searched)
            return False
        automaton = ahocorasick.Automaton()
        for word in sorted(self._words):
            automaton.add_word(word, word)
        automaton.make_automaton()
        self._automaton = automaton
        return automaton


_SCANNER = _Scanner()


def prepare() -> None:
    """Build the pass over every string registered so far now, rather than on the first
    message (a stage that reads the pass calls this when it is made)."""
    _SCANNER.prepare()


def found(text: str) -> frozenset[str]:
    """Every registered string that occurs in ``" " + text + " "`` (one pass; the answer
    for the last text is kept)."""
    return _SCANNER.found(text)


class Literals:
    """Literal strings a stage looks for; :meth:`found` says which occur in a text."""

    __slots__ = ("words",)

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(words)
        if "" in self.words:
            raise ValueError("Literals: the empty string occurs everywhere")
        _SCANNER.add(self.words)

    def found(self, text: str) -> frozenset[str]:
        """Those of :attr:`words` that occur in ``" " + text + " "``."""
        return self.words.intersection(_SCANNER.found(text))


_NEVER: tuple[re.Match[str], ...] = ()


def _shortened(string: str) -> str:
    """The longest word of ``string``, if it is long enough to be rare; else all of it."""
    word = max(string.split(" "), key=len)
    return word if len(word) >= _RARE else string


class Scanned:
    """A compiled pattern whose search is skipped when the shared pass, over the very
    text searched, found no string of a set every match needs (for patterns that need
    one of many words: a drug's name, say, where ``in`` tests would cost more than the
    search). Finds exactly what :attr:`pattern` finds."""

    __slots__ = ("_ascii", "_rests", "firsts", "pattern", "ways")

    def __init__(self, pattern: re.Pattern[str], *, shortest: int = _RARE - 1) -> None:
        """``shortest``: the fewest letters a string the pass looks for may have (short
        words are common: they skip little and slow the pass)."""
        self.pattern = pattern
        # searched instead in a text of printable ASCII (the same matches, found faster)
        self._ascii = ascii_twin(pattern) or pattern
        # each string cut to its longest word ("enough zoloft to" to "zoloft"): a part of
        # a string that must occur occurs too, and fewer, shorter strings keep the pass fast
        #: For each way the pattern can match, the strings one of each of which it needs.
        self.ways = tuple(
            tuple(frozenset(map(_shortened, need)) for need in way)
            for way in required(pattern, most_tests=None, shortest=shortest)
        )
        #: Every way needs a string of its first set: with none of these in the text, the
        #: pattern cannot match (None: nothing is known). A caller that holds the pass's
        #: answer for the very text may make this test itself, before :meth:`search`.
        self.firsts = frozenset().union(*(way[0] for way in self.ways)) if self.ways else None
        # For each string of a first set, the other sets of each way that set begins: only
        # the ways whose first string is in the text are looked at, whatever their number.
        rests: dict[str, list[tuple[frozenset[str], ...]]] = {}
        for way in self.ways:
            for string in way[0]:
                rests.setdefault(string, []).append(way[1:])
        self._rests = rests
        _SCANNER.add(word for way in self.ways for need in way for word in need)

    def possible(self, text: str, *, within: frozenset[str] | None = None) -> bool:
        """False only when the pattern cannot match anywhere in ``text``. ``within``: the
        pass's answer (:func:`found`) for a text that holds ``text`` (the message a
        sentence or a window of it was cut from): a string missing there is missing from
        every part of it too. Without it, the pass's last answer counts if it was for
        ``text`` itself; otherwise nothing is known and the search runs."""
        if self.firsts is None:
            return True
        if within is None:
            last = _SCANNER.last
            if last is None or last[0] != text:
                return True  # no answer for this text: the search runs
            within = last[1]
        for string in within.intersection(self.firsts):
            for rest in self._rests[string]:
                for need in rest:
                    if within.isdisjoint(need):
                        break
                else:
                    return True  # every set of this way has a string in the text
        return False

    def search(
        self,
        text: str,
        pos: int = 0,
        endpos: int = sys.maxsize,
        *,
        within: frozenset[str] | None = None,
    ) -> re.Match[str] | None:
        """As :meth:`re.Pattern.search` (``within``: as for :meth:`possible`)."""
        if not self.possible(text, within=within):
            return None
        return (self._ascii if plain(text) else self.pattern).search(text, pos, endpos)

    def finditer(
        self,
        text: str,
        pos: int = 0,
        endpos: int = sys.maxsize,
        *,
        within: frozenset[str] | None = None,
    ) -> Iterator[re.Match[str]]:
        """As :meth:`re.Pattern.finditer` (``within``: as for :meth:`possible`)."""
        if not self.possible(text, within=within):
            return iter(_NEVER)
        return (self._ascii if plain(text) else self.pattern).finditer(text, pos, endpos)

    def sub(
        self,
        repl: str | Callable[[re.Match[str]], str],
        text: str,
        *,
        within: frozenset[str] | None = None,
    ) -> str:
        """As :meth:`re.Pattern.sub` (``within``: as for :meth:`possible`)."""
        if not self.possible(text, within=within):
            return text
        return (self._ascii if plain(text) else self.pattern).sub(repl, text)


@functools.lru_cache(maxsize=1)
def heads(text: str) -> frozenset[str]:
    """The first four characters of each word of ``text`` (split at white space), with
    :data:`PUNCTUATION` taken off its ends first. The last answer is kept."""
    return frozenset(map(_HEAD, map(_STRIPPED, text.split())))


# The heads among a stage's cue words found by one regular expression search rather than
# by :func:`heads` (which splits, strips and slices every word of the text in Python):
# after each white space, the word's leading punctuation is passed over and the cue words
# are tried as a tree of their letters, each word's head taken exactly as ``heads`` takes
# it (the first four characters once punctuation is stripped from both ends). ``\s`` and
# ``str.split`` agree on what white space is.
_PUNCTUATION = re.escape(PUNCTUATION)
# A head of four characters that ends in punctuation ("tt''" of "tt''es") needs a
# character other than punctuation later in the word (stripping would shorten it).
_WORD_GOES_ON = rf"(?=[{_PUNCTUATION}]*[^\s{_PUNCTUATION}])"
# A shorter head is the whole word, but for punctuation at its end.
_WORD_ENDS = rf"(?=[{_PUNCTUATION}]*+(?!\S))"

_Tree = dict[str, "_Tree"]


def _can_be_head(key: str) -> bool:
    """Whether ``key`` is the head of some word: a head has no white space, is at most
    four characters long, and starts (and, when shorter, ends) with no punctuation."""
    return (
        0 < len(key) <= 4
        and key[0] not in PUNCTUATION
        and (len(key) == 4 or key[-1] not in PUNCTUATION)
        and not any(character.isspace() for character in key)
    )


def _alternatives(tree: _Tree, key: str = "") -> str:
    """The keys of ``tree`` (which lie under ``key``) as an alternation, longest first."""
    branches = [re.escape(letter) + _alternatives(below, key + letter)
                for letter, below in sorted(tree.items()) if letter]  # fmt: skip
    if "" in tree:  # ``key`` itself ends here (tried last: the longer keys first)
        if len(key) < 4:
            branches.append(_WORD_ENDS)
        elif key[-1] in PUNCTUATION:
            branches.append(_WORD_GOES_ON)
        else:
            branches.append("")
    if not branches:
        return "(?!)"  # (no keys: nothing is found)
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


def heads_among(keys: Iterable[str]) -> re.Pattern[str]:
    """A pattern whose ``findall`` over ``" " + text`` lists each word of ``text`` whose
    head (as :func:`heads` takes it) is one of ``keys``, by its head (the
    empty head of a word that is all punctuation is not looked for). The graphic and
    medical stages find their cues with it too, so that no stage splits the text."""
    tree: _Tree = {}
    for key in filter(_can_be_head, keys):
        node = tree
        for letter in key:
            node = node.setdefault(letter, {})
        node[""] = {}
    return re.compile(rf"\s[{_PUNCTUATION}]*+({_alternatives(tree)})")


class Heads:
    """A stage's cheap test "a word of the text starts like one of these" (each key a
    head: at most four characters), without splitting the text: a head is a part of the
    text, so a text in which the shared pass finds none of the keys has no word that
    starts like one; when it finds one, one search of :func:`heads_among` tells."""

    __slots__ = ("_anywhere", "_heads")

    def __init__(self, keys: Iterable[str]) -> None:
        keys = frozenset(keys)
        self._anywhere = Literals(keys)
        self._heads = heads_among(keys)

    def start_a_word(self, text: str) -> bool:
        """Whether a word of ``text`` has one of the keys as its head (:func:`heads`)."""
        if self._anywhere.words.isdisjoint(found(text)):
            return False
        return self._heads.search(" " + text) is not None
