"""What a regular expression needs, and one regular expression for many literals.

Tools for the stages' cheap tests; none changes what any pattern matches:

* :func:`required` reads a compiled pattern's own syntax tree (the one ``re`` compiles)
  and says, for each way the pattern can match (each alternative of an alternation at
  its top), sets of literal strings such that every such match contains a string of each
  set. ``\\b(?:want\\s*to\\s*die|wish i were dead)`` matches either with ``want`` and
  ``die`` in it, or with ``wish i were dead``: a text that has neither ``want`` nor
  ``wish i were dead`` cannot match. The reading is conservative: what it does not
  understand (a character class, a case-insensitive part, a back-reference) it takes to
  match anything, which only means fewer strings known.
* :class:`Guarded` is a compiled pattern that makes those few ``in`` tests first, and
  skips the search (the regex engine trying the pattern at every position) when they
  show it cannot match.
* :func:`ascii_twin` compiles a pattern again for ASCII: in a text of printable ASCII
  characters (most messages) it finds exactly what the pattern finds, a quarter to a half
  faster, because the regex engine then tells a letter or a space by a table of 128
  characters rather than by asking the Unicode database at every position.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["Guarded", "Twin", "ascii_twin", "plain", "required"]

# ``re``'s own parser and constants: private, but the only exact reading of a pattern. If
# a later Python moves them, ``required`` finds nothing and every search simply runs.
try:
    _parser: Any = importlib.import_module("re._parser")
    _sre: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - CPython 3.11 to 3.13 have both
    _parser = _sre = None

#: The most strings an exact set may hold before it is given up (cross products grow fast).
_CAP = 64
#: Literal strings shorter than this are too common to be worth a test, unless they hold
#: a character other than a plain letter ("19", an emoji).
_SHORTEST = 3
#: A guard that would make more ``in`` tests than this on a text that cannot match costs
#: about what the search itself does, and is not made.
_MOST_TESTS = 24
#: A character class of at most this many characters counts as a choice of literals.
_SMALL_CLASS = 8
#: How many of a way's sets are tested (the most selective first).
_NEEDS_PER_WAY = 2
_FLAGS_THAT_CHANGE_LITERALS = re.IGNORECASE | re.LOCALE


_EMPTY = frozenset({""})


@dataclasses.dataclass(frozen=True, slots=True)
class _Info:
    """What is known about the strings a part of a pattern matches."""

    #: Every match is one of these (None: unknown, or too many).
    exact: frozenset[str] | None
    #: Every match contains a string of each of these sets.
    needs: tuple[frozenset[str], ...] = ()
    #: Every match starts with one of these ({""}: nothing known).
    prefix: frozenset[str] = _EMPTY
    #: Every match ends with one of these ({""}: nothing known).
    suffix: frozenset[str] = _EMPTY


def _exact(strings: frozenset[str]) -> _Info:
    return _Info(strings, (), strings, strings)


_UNKNOWN = _Info(None)
_NOTHING = _exact(_EMPTY)
_ZERO_WIDTH = () if _sre is None else (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT)


Ways = tuple[tuple[frozenset[str], ...], ...]


def required(
    pattern: re.Pattern[str], most_tests: int | None = _MOST_TESTS, shortest: int = _SHORTEST
) -> Ways:
    """The ways ``pattern`` can match, each by the literal strings it needs: every match
    contains, for at least one way, a string of each of that way's sets.

    The ways are the alternatives of the first alternation at the pattern's top, each
    with what comes before and after it (``\\b(?:a|b|c)``, or ``w(?:ant|ish)`` as ``re``'s
    parser writes ``want|wish``), or the whole pattern as one way, whichever is likelier
    to rule a text out. Within a way the most selective set comes first. Strings are at
    least ``shortest`` characters long, unless they hold a character other than a letter
    ("19", an emoji), and neither start nor end with white space.

    Empty when nothing useful is known (then every search has to run), or when testing
    with ``in`` on a text that cannot match would take more than ``most_tests`` tests
    (None: no limit)."""
    if _parser is None or pattern.flags & _FLAGS_THAT_CHANGE_LITERALS:
        return ()
    try:
        items = list(_parser.parse(pattern.pattern, pattern.flags))
    except (re.error, TypeError, ValueError, AttributeError):  # pragma: no cover
        return ()
    # zero-width items at the ends (\b, lookarounds) take no characters of a match
    while items and items[0][0] in _ZERO_WIDTH:
        items.pop(0)
    while items and items[-1][0] in _ZERO_WIDTH:
        items.pop()
    infos = [_node(item) for item in items]
    options = [_ways([_concat(infos)], shortest)]
    branch = next((at for at, item in enumerate(items) if item[0] is _sre.BRANCH), None)
    if branch is not None:
        before, after = infos[:branch], infos[branch + 1 :]
        alternatives = [_concat([*before, _sequence(each), *after]) for each in items[branch][1][1]]
        options.append(_ways(alternatives, shortest))
    affordable = [
        ways for ways in options if ways and (most_tests is None or _tests(ways) <= most_tests)
    ]
    if most_tests is None:
        # looked up in a set, not tested one by one: the finer reading (the last) wins
        return affordable[-1] if affordable else ()
    return min(affordable, key=_cost, default=())


def _ways(alternatives: list[_Info], shortest: int) -> Ways:
    ways = []
    for info in alternatives:
        found = {_usable(need, shortest) for need in _all_needs(info)}
        needs: list[frozenset[str]] = []
        for need in sorted((n for n in found if n is not None), key=_selectivity, reverse=True):
            # a set each of whose strings holds one of a set kept already adds nothing
            if not any(_implies(kept, need) for kept in needs):
                needs.append(need)
        if not needs:
            return ()  # this way needs nothing known: any text might match
        ways.append(tuple(needs[:_NEEDS_PER_WAY]))
    return tuple(ways)


def _implies(kept: frozenset[str], need: frozenset[str]) -> bool:
    return all(any(string in found for string in need) for found in kept)


def _tests(ways: Ways) -> int:
    """The ``in`` tests a text that cannot match takes: each way's first set."""
    return sum(len(way[0]) for way in ways)


def _cost(ways: Ways) -> float:
    """A rough cost of a guard, in ``in`` tests: its tests, and the search it lets through
    (worth some fifty tests) times the chance that it does, taking a string of n letters
    to be in a message with a chance of about 1/2**n (a longer word is a rarer one)."""
    passes = sum(
        math.prod(min(1.0, sum(0.5 ** len(string) for string in need)) for need in way)
        for way in ways
    )
    return _tests(ways) + 50 * min(1.0, passes)


_NEVER: tuple[re.Match[str], ...] = ()


class Guarded:
    """A compiled pattern that skips its search when the text lacks what every way of
    matching needs (:func:`required`): a few ``in`` tests instead of the regex engine
    trying the pattern at every position. Finds exactly what :attr:`pattern` finds."""

    __slots__ = ("_ascii", "pattern", "ways")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._ascii = ascii_twin(pattern) or pattern
        #: For each way the pattern can match, the strings one of each of which it needs.
        self.ways = tuple(tuple(tuple(sorted(need)) for need in way) for way in required(pattern))

    def possible(self, text: str) -> bool:
        """False only when the pattern cannot match anywhere in ``text``."""
        if not self.ways:
            return True
        occurs = text.__contains__  # (each set tested by calls the interpreter makes itself)
        for way in self.ways:
            for need in way:
                if not any(map(occurs, need)):
                    break  # this need is not met: not this way
            else:
                return True  # every need of this way is met
        return False

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """As :meth:`re.Pattern.search`."""
        if not self.possible(text):
            return None
        return (self._ascii if plain(text) else self.pattern).search(text, pos, endpos)

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        """As :meth:`re.Pattern.finditer`."""
        if not self.possible(text):
            return iter(_NEVER)
        return (self._ascii if plain(text) else self.pattern).finditer(text, pos, endpos)


class Twin:
    """A compiled pattern that searches a :func:`plain` text with its :func:`ascii_twin`
    (the same matches, found faster); for patterns run over whole messages, where that
    saves more than the test costs. Finds exactly what :attr:`pattern` finds."""

    __slots__ = ("_ascii", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._ascii = ascii_twin(pattern) or pattern

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        """As :meth:`re.Pattern.search`."""
        return (self._ascii if plain(text) else self.pattern).search(text, pos, endpos)

    def finditer(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        """As :meth:`re.Pattern.finditer`."""
        return (self._ascii if plain(text) else self.pattern).finditer(text, pos, endpos)

    def split(self, text: str) -> list[str | Any]:
        """As :meth:`re.Pattern.split`."""
        return (self._ascii if plain(text) else self.pattern).split(text)

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        """As :meth:`re.Pattern.sub`."""
        return (self._ascii if plain(text) else self.pattern).sub(repl, text)


#: Inline flags that may make a part of a pattern ignore case ("(?i:", "(?mi)"; an escaped
#: one counts too, which only costs the twin).
_INLINE_FLAGS = re.compile(r"\(\?[a-zA-Z-]*[iL]")


def ascii_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` compiled again with ``re.ASCII``, for :func:`plain` texts only; None
    when the two could differ on such a text.

    In a text of printable ASCII characters the two are the same pattern: ``\\w``, ``\\d``,
    ``\\b`` and ``\\s`` (and their opposites) hold of exactly the same characters there
    (Unicode's ``\\s`` also takes the separators U+001C to U+001F, which are not printable).
    Ignoring case is left out: a non-ASCII letter in the pattern may stand for an ASCII one
    ("\u017f" for "s"), which only the Unicode pattern knows."""
    if pattern.flags & (re.IGNORECASE | re.LOCALE) or _INLINE_FLAGS.search(pattern.pattern):
        return None
    return re.compile(pattern.pattern, (pattern.flags & ~re.UNICODE) | re.ASCII)


def plain(text: str) -> bool:
    """Whether ``text`` is all printable ASCII characters, where an :func:`ascii_twin` finds
    what its pattern finds."""
    return text.isascii() and text.isprintable()


# --- reading the syntax tree ----------------------------------------------------------


def _all_needs(info: _Info) -> list[frozenset[str]]:
    needs = list(info.needs)
    for strings in (info.exact, info.prefix, info.suffix):
        if strings is not None and "" not in strings:
            needs.append(strings)
    return needs


def _usable(need: frozenset[str], shortest: int = _SHORTEST) -> frozenset[str] | None:
    """The set with white space at the ends taken off its strings (a part of a string
    that must occur occurs too), or None when some string is too short to be useful."""
    stripped = frozenset(string.strip() for string in need)
    if any(len(string) < shortest and (not string or string.isalpha()) for string in stripped):
        return None
    return stripped


def _selectivity(need: frozenset[str]) -> tuple[int, int]:
    # a longer shortest string is rarer in text; fewer strings are fewer chances
    return min(map(len, need)), -len(need)


def _join(left: frozenset[str], right: frozenset[str]) -> frozenset[str] | None:
    if len(left) * len(right) > _CAP:
        return None
    return frozenset(a + b for a in left for b in right)


def _sequence(items: Iterable[Any]) -> _Info:
    return _concat([_node(item) for item in items])


def _concat(infos: Iterable[_Info]) -> _Info:
    """Parts matched one after another: exact strings run together while they can, and a
    run joins the start or the end of the part next to it ("w" and "(?:ant|ish)")."""
    run = _EMPTY  # the exact strings since the last item that was not exact
    exact = True
    prefix = _EMPTY
    suffix: frozenset[str] | None = None  # the end of the last item that was not exact
    needs: list[frozenset[str]] = []
    for info in infos:
        needs.extend(info.needs)
        joined = None if info.exact is None else _join(run, info.exact)
        if joined is not None:
            run = joined
            continue
        # the run before this item, with the item's start: a string every match holds
        _keep(needs, _join(run, info.prefix) or run)
        if suffix is not None:
            _keep(needs, _join(suffix, run) or run)
        if exact:
            prefix = _join(run, info.prefix) or run
        exact = False
        if info.exact is None:
            suffix, run = info.suffix, _EMPTY
        else:
            suffix, run = None, info.exact  # too many to join: start a new run with it
    if exact:
        return _exact(run)
    if suffix is not None:
        _keep(needs, _join(suffix, run) or run)
    else:
        _keep(needs, run)
    end = run if suffix is None else (_join(suffix, run) or run)
    return _Info(None, tuple(needs), prefix, end)


def _keep(needs: list[frozenset[str]], strings: frozenset[str]) -> None:
    if "" not in strings:
        needs.append(strings)


def _node(item: tuple[Any, Any]) -> _Info:
    op, arg = item
    if op is _sre.LITERAL:
        return _exact(frozenset({chr(arg)}))
    if op in _ZERO_WIDTH:
        return _NOTHING  # takes no characters of the match
    if op is _sre.IN:
        chars = _class(arg)
        return _UNKNOWN if chars is None else _exact(chars)
    if op is _sre.SUBPATTERN:
        _group, add_flags, del_flags, items = arg
        if (add_flags | del_flags) & _FLAGS_THAT_CHANGE_LITERALS:
            return _UNKNOWN
        return _sequence(items)
    if op is _sre.ATOMIC_GROUP:
        return _sequence(arg)
    if op is _sre.BRANCH:
        return _branch([_sequence(items) for items in arg[1]])
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        low, high, items = arg
        return _repeat(low, high, _sequence(items))
    return _UNKNOWN  # any character, a category, a back-reference, a condition


def _class(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """The characters of a small class of plain characters (``[o0]``), else None."""
    chars: set[str] = set()
    for op, arg in items:
        if op is _sre.LITERAL:
            chars.add(chr(arg))
        elif op is _sre.RANGE and arg[1] - arg[0] < _SMALL_CLASS:
            chars.update(map(chr, range(arg[0], arg[1] + 1)))
        else:
            return None  # negated, a category (\d, \w, \s), a wide range
    return frozenset(chars) if 0 < len(chars) <= _SMALL_CLASS else None


def _branch(alternatives: list[_Info]) -> _Info:
    exact = _union([info.exact for info in alternatives])
    if exact is not None:
        return _exact(exact)
    prefix = _union([info.prefix for info in alternatives]) or _EMPTY
    suffix = _union([info.suffix for info in alternatives]) or _EMPTY
    # every alternative needs something: then the pattern needs one of those somethings
    best = [_best(info) for info in alternatives]
    if any(need is None for need in best):
        return _Info(None, (), prefix, suffix)
    return _Info(None, (frozenset().union(*(need for need in best if need)),), prefix, suffix)


def _union(sets: list[frozenset[str] | None]) -> frozenset[str] | None:
    """All the strings of ``sets``, or None when one is unknown or there are too many."""
    union: frozenset[str] = frozenset()
    for strings in sets:
        if strings is None:
            return None
        union |= strings
    return union if len(union) <= _CAP else None


def _best(info: _Info) -> frozenset[str] | None:
    usable = [need for need in _all_needs(info) if _usable(need) is not None]
    return max(usable, key=_selectivity, default=None)


def _repeat(low: int, high: int, info: _Info) -> _Info:
    if low == 0:
        if high == 1 and info.exact is not None:
            return _exact(info.exact | _EMPTY)  # optional: the strings, or nothing
        return _UNKNOWN
    if low == high and info.exact is not None:
        exact: frozenset[str] | None = _EMPTY
        for _ in range(low):
            exact = _join(exact, info.exact) if exact is not None else None
        if exact is not None:
            return _exact(exact)
    # at least one repetition: whatever one needs, the whole needs; it starts as one does
    # and ends as one does
    return _Info(None, tuple(_all_needs(info)), info.prefix, info.suffix)
