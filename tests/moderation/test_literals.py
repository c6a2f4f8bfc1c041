"""What a regular expression needs: sound (never rules out a text that matches)."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation.literals import Guarded, Twin, ascii_twin, plain, required
from moderation.scan import Scanned
from moderation.stages import crisis, graphic, harassment, method
from moderation.stages.normalize import canonical

SETS = Path(__file__).parent

# Pieces of patterns, and every way of putting them together that the stages use.
_ATOMS = st.sampled_from(
    [
        *("a", "b", " ", "ab", "ba", "[ab]", "[^a]", ".", r"\b", "(?=a)", "(?<!b)"),
        *(r"\s*", r"\w", "(?i:a)", "[a-c]", "$", "^"),
    ]
)


def _patterns() -> st.SearchStrategy[str]:
    return st.recursive(
        _ATOMS,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map("".join),
            st.lists(inner, min_size=2, max_size=3).map(lambda parts: f"(?:{'|'.join(parts)})"),
            inner.map(lambda part: f"({part})"),
            st.tuples(
                inner, st.sampled_from(["?", "*", "+", "{2}", "{1,3}", "*?", "?+", "{0,2}"])
            ).map(lambda pair: f"(?:{pair[0]}){pair[1]}"),
        ),
        max_leaves=8,
    )


_TEXTS = ["".join(chars) for n in range(6) for chars in itertools.product("ab c", repeat=n)]


@settings(max_examples=300, deadline=None)
@given(_patterns())
def test_every_match_holds_what_one_of_the_ways_needs(source: str) -> None:
    pattern = re.compile(source)
    ways = required(pattern, most_tests=None, shortest=1)
    for text in _TEXTS:
        for match in pattern.finditer(text):
            matched = match.group(0)
            assert (
                any(all(any(string in matched for string in need) for need in way) for way in ways)
                or not ways
            ), (source, text)


def test_what_each_alternative_needs_rules_texts_out() -> None:
    guarded = Guarded(re.compile(r"\b(?:want\s*to\s*die|wish i were dead)"))
    assert not guarded.possible("i want to go home")  # "want", but no "die"
    assert not guarded.possible("i wish i could")
    assert guarded.possible("i wantto die")
    assert guarded.possible("sometimes i wish i were dead")


def test_small_classes_and_runs_join() -> None:
    assert required(re.compile(r"x[o0]d\d+")) == ((frozenset({"xod", "x0d"}),),)
    assert required(re.compile(r"ab+cd"), shortest=1) == ((frozenset({"bcd"}), frozenset({"ab"})),)


@pytest.mark.parametrize(
    "source",
    [
        r"(?i)kill",  # case-insensitive: any case of the letters
        r"\w+in",  # short: "in" would rule out too little
        r"kill|.",  # one way needs nothing
        r"(\w)\1",  # a back-reference
    ],
)
def test_nothing_known_means_no_guard(source: str) -> None:
    assert required(re.compile(source)) == ()
    assert Guarded(re.compile(source)).possible("")


def test_too_many_tests_make_no_guard() -> None:
    many = "|".join(f"word{n:03d}" for n in range(30))
    assert required(re.compile(many)) == ()
    assert required(re.compile(many), most_tests=None)


def _spans(matches: object) -> list[tuple[int, int]]:
    return [match.span() for match in matches]  # type: ignore[attr-defined]


def test_a_guarded_pattern_finds_what_the_pattern_finds() -> None:
    guarded = Guarded(re.compile(r"\bkill(?:ing)?\s*my\s*self\b"))
    for text in ["i could kill myself", "killing myself", "kill my self", "nothing", "skill"]:
        found, expected = guarded.search(text), guarded.pattern.search(text)
        assert (found and found.span()) == (expected and expected.span())
        assert _spans(guarded.finditer(text)) == _spans(guarded.pattern.finditer(text))
    assert not guarded.possible("nothing here")


def _stage_guards() -> list[Guarded]:
    return [*crisis._COMPILED]


def test_the_stages_guards_let_through_every_labelled_line_their_pattern_matches() -> None:
    guards = _stage_guards()
    assert sum(bool(guard.ways) for guard in guards) > 100
    for path in sorted(SETS.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            text = canonical(json.loads(line)["text"])
            for candidate in (text, text.lower().replace("\u2019", "'")):
                for guard in guards:
                    if guard.pattern.search(candidate):
                        assert guard.possible(candidate), (guard.pattern.pattern[:60], text)


def _twinned() -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    patterns = [guard.pattern for guard in _stage_guards()]
    scanned = [*crisis._SCANNED, *method._COMPILED.values(), crisis._GLUED_I_SEEN]
    scanned += graphic._GUARDED.values()
    scanned += [each for each in vars(crisis).values() if isinstance(each, Scanned)]
    scanned += [guard for _, guard in harassment._GUARDED_THREATS]
    scanned += [check[1] for check in harassment._GUARDED_CHECKS]
    patterns += [each.pattern for each in scanned]
    patterns += [twin.pattern for twin in vars(crisis).values() if isinstance(twin, Twin)]
    twins = [(pattern, ascii_twin(pattern)) for pattern in patterns]
    return [(pattern, twin) for pattern, twin in twins if twin is not None]


_TWINNED = _twinned()


def _found(
    pattern: re.Pattern[str], text: str
) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(match.span(), match.groups()) for match in pattern.finditer(text)]


def test_every_printable_ascii_character_is_the_same_to_both_twins() -> None:
    # \w, \d, \s and \b hold of the same characters in a plain text, and "." too
    sources = [r"\w", r"\W", r"\d", r"\D", r"\s", r"\S", r"[\w@]", r"[^\s.]", r"\b.", "."]
    for source in sources:
        pattern = re.compile(source)
        twin = ascii_twin(pattern)
        assert twin is not None
        for code in range(32, 127):
            text = f"a{chr(code)}b"
            assert plain(text)
            assert _found(pattern, text) == _found(twin, text), (source, code)


def test_what_could_differ_has_no_twin() -> None:
    assert ascii_twin(re.compile("\u017f", re.IGNORECASE)) is None  # long s: "s" too
    assert ascii_twin(re.compile("a(?i:\u212a)")) is None  # Kelvin sign: "k" too
    assert not plain("a\x1cb")  # a separator that only Unicode's \s takes
    assert not plain("caf\u00e9")


def test_the_stages_twins_find_what_their_patterns_find_in_every_labelled_line() -> None:
    assert len(_TWINNED) > 150
    for path in sorted(SETS.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            text = canonical(json.loads(line)["text"]).lower().replace("\u2019", "'")
            if not plain(text):
                continue
            for pattern, twin in _TWINNED:
                assert _found(pattern, text) == _found(twin, text), (pattern.pattern[:60], text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))
def test_the_stages_twins_find_what_their_patterns_find_in_any_plain_text(text: str) -> None:
    for pattern, twin in _TWINNED[::5]:
        assert _found(pattern, text) == _found(twin, text)
