"""One pass over a message that every stage's cheap tests read.

The crisis and method stages each scanned the whole text for their own trigger words
before their real patterns ran, and harassment, graphic and medical each split it into
words for theirs. This module does that once per message:

* :class:`Literals`: literal strings a stage looks for (the crisis and method triggers).
  Every set made is found by **one** regex pass over the text (:func:`found`), a trie of
  all of them, so the stages after the first read the answer for nothing. The answer is
  exact: every registered string that occurs in ``" " + text + " "``, and no other.
* :class:`Scanned`: a compiled pattern with the strings every match of it needs
  (:func:`moderation.literals.required`), registered for the same pass. When the pass
  was over the very text searched and found no string of a set one of those needs, the
  pattern cannot match and the search is skipped; otherwise it runs as it always did, so
  it finds exactly what the pattern finds.
* :func:`heads`: the first four characters of each word, for the stages whose cheap test
  is "a word starts like one of these".

Both answers are kept for the last text only (as ``crisis.assess`` keeps its last
answer): a message screened after a different one is always scanned afresh.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterable, Iterator

from moderation.literals import longest_alternation, required

__all__ = ["PUNCTUATION", "Literals", "Scanned", "found", "heads", "prepare"]

#: A word at least this long is rare enough to stand for a string that holds it.
_RARE = 5
#: Stripped from the ends of a word before its head is taken.
PUNCTUATION = "\"'()[]{}*_-.,!?;:“”\u2018\u2019«»„<>~/"


class _Scanner:
    """Every registered string, one trie over them, and the last answer."""

    def __init__(self) -> None:
        self._words: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        # For each string, the registered strings it begins with, itself included: the
        # trie finds the longest string starting at a position, and so every shorter one
        # starting there.
        self._prefixes: dict[str, frozenset[str]] = {}
        # Strings with white space at an end (" od": "od" as a word's start) are looked
        # for in " text " one by one; the trie runs over the text alone, so that the
        # regex engine can pass over spaces without trying them.
        self._edged: tuple[str, ...] = ()
        #: (text, the registered strings in " text ") for the last text scanned.
        self.last: tuple[str, frozenset[str]] | None = None

    def prepare(self) -> None:
        if self._pattern is None:
            self._compile()

    def add(self, words: Iterable[str]) -> None:
        new = {word for word in words if word} - self._words
        if new:
            self._words |= new
            self._pattern = None
            self.last = None

    def found(self, text: str) -> frozenset[str]:
        last = self.last
        if last is not None and last[0] == text:
            return last[1]
        search = (self._pattern or self._compile()).search
        found: set[str] = set()
        prefixes = self._prefixes
        position = 0
        # the longest string at the next position where one starts, then on from the
        # position after it: strings that overlap are all found ("to die" and "die")
        while (match := search(text, position)) is not None:
            found |= prefixes[match[0]]
            position = match.start() + 1
        if self._edged:
            padded = f" {text} "
            found.update(word for word in self._edged if word in padded)
        result = frozenset(found)
        self.last = (text, result)
        return result

    def _compile(self) -> re.Pattern[str]:
        words = {word for word in self._words if word == word.strip()}
        self._edged = tuple(sorted(self._words - words))
        self._prefixes = {
            word: frozenset(word[:end] for end in range(1, len(word) + 1) if word[:end] in words)
            for word in words
        }
        # (with nothing to find, a pattern that never matches)
        self._pattern = re.compile(longest_alternation(words) if words else "(?!)")
        return self._pattern


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

    __slots__ = ("_firsts", "pattern", "ways")

    def __init__(self, pattern: re.Pattern[str], *, shortest: int = _RARE - 1) -> None:
        """``shortest``: the fewest letters a string the pass looks for may have (short
        words are common: they skip little and slow the pass)."""
        self.pattern = pattern
        # each string cut to its longest word ("enough zoloft to" to "zoloft"): a part of
        # a string that must occur occurs too, and fewer, shorter strings keep the pass fast
        #: For each way the pattern can match, the strings one of each of which it needs.
        self.ways = tuple(
            tuple(frozenset(map(_shortened, need)) for need in way)
            for way in required(pattern, most_tests=None, shortest=shortest)
        )
        # every way needs a string of its first set: none of these, no way (one test)
        self._firsts = frozenset().union(*(way[0] for way in self.ways))
        _SCANNER.add(word for way in self.ways for need in way for word in need)

    def possible(self, text: str) -> bool:
        """False only when the pattern cannot match anywhere in ``text``."""
        last = _SCANNER.last
        if not self.ways or last is None or last[0] != text:
            return True  # no answer for this text: the search runs
        present = last[1]
        if present.isdisjoint(self._firsts):
            return False
        for way in self.ways:
            for need in way:
                if present.isdisjoint(need):
                    break
            else:
                return True
        return False

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """As :meth:`re.Pattern.search`."""
        return self.pattern.search(text, pos, endpos) if self.possible(text) else None

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        """As :meth:`re.Pattern.finditer`."""
        return self.pattern.finditer(text, pos, endpos) if self.possible(text) else iter(_NEVER)


@functools.lru_cache(maxsize=1)
def heads(text: str) -> frozenset[str]:
    """The first four characters of each word of ``text`` (split at white space), with
    :data:`PUNCTUATION` taken off its ends first. The last answer is kept."""
    return frozenset([word.strip(PUNCTUATION)[:4] for word in text.split()])
