"""The shared pass: exact (every registered string that occurs, no other), kept for one
text only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation import scan
from moderation.scan import PUNCTUATION, Literals, Scanned, found, heads
from moderation.stages import crisis, graphic, harassment, method
from moderation.stages.normalize import canonical

SETS = Path(__file__).parent


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text("ab o", min_size=1, max_size=4), min_size=1, max_size=10),
    st.text("ab od", max_size=30),
)
def test_the_pass_finds_exactly_the_strings_that_occur(words: list[str], text: str) -> None:
    scanner = scan._Scanner()  # a pass of its own: the shared one holds the stages' words
    scanner.add(words)
    assert scanner.found(text) == {word for word in words if word in f" {text} "}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text("ab é💀\u200b", min_size=1, max_size=5), min_size=1, max_size=12),
    st.text("ab é💀\u200b.", max_size=40),
)
def test_overlapping_and_wide_strings_are_all_found(words: list[str], text: str) -> None:
    # strings inside others, at either end, sharing a start or an end; characters beyond
    # Latin-1 and beyond the first plane
    scanner = scan._Scanner()
    scanner.add(words)
    assert scanner.found(text) == {word for word in words if word in f" {text} "}


def test_a_pass_with_nothing_to_find_finds_nothing() -> None:
    assert scan._Scanner().found("anything at all") == set()


def test_strings_are_found_in_the_padded_text() -> None:
    words = Literals([" od", "od", "kill", "to die", "die"])
    assert words.found("od on them") == {" od", "od"}
    assert words.found("good") == {"od"}
    assert words.found("i want to die") == {"to die", "die"}
    assert words.found("") == set()


def test_the_last_answer_is_kept_for_that_text_only() -> None:
    first = found("i feel good today")
    assert found("i feel good today") is first
    found("something else")
    last = scan._SCANNER.last
    assert last is not None
    assert last[0] == "something else"


def test_the_empty_string_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        Literals(["kill", ""])


def _spans(matches: object) -> list[tuple[int, int]]:
    return [match.span() for match in matches]  # type: ignore[attr-defined]


def test_a_scanned_pattern_finds_what_the_pattern_finds() -> None:
    scanned = Scanned(re.compile(r"\b(?:overdose|od) on (?:my )?(?:paracetamol|insulin)"))
    for text in ["i could od on my insulin", "overdose on paracetamol", "so good on my walk"]:
        for prepared in (False, True):
            if prepared:
                found(text)
            else:
                found("not this text")
            match, expected = scanned.search(text), scanned.pattern.search(text)
            assert (match and match.span()) == (expected and expected.span())
            assert _spans(scanned.finditer(text)) == _spans(scanned.pattern.finditer(text))
    found("so good on my walk")
    assert not scanned.possible("so good on my walk")
    assert scanned.possible("never scanned")  # no answer for it: the search runs


def _scopes() -> list[Scanned]:
    """The crisis stage's scopes and the harassment stage's patterns: searched over a
    message, or over a sentence or window of it with ``within=`` the message's answer."""
    scopes = [each for each in vars(crisis).values() if isinstance(each, Scanned)]
    scopes += [guard for _, guard in harassment._GUARDED_THREATS]
    scopes += [check[1] for check in harassment._GUARDED_CHECKS]
    return scopes


def test_the_stages_scanned_patterns_let_through_every_line_they_match() -> None:
    patterns = [*method._COMPILED.values(), crisis._GLUED_I_SEEN, crisis._GLUED_I_AFTER_SEEN]
    patterns += graphic._GUARDED.values()
    assert sum(bool(pattern.ways) for pattern in patterns) >= len(patterns) - 1
    patterns += _scopes()
    for path in sorted(SETS.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            text = canonical(json.loads(line)["text"]).lower().replace("\u2019", "'")
            found(text)
            for pattern in patterns:
                if pattern.pattern.search(text):
                    assert pattern.possible(text), (pattern.pattern.pattern[:60], text)


def test_a_scope_searched_over_part_of_a_message_finds_what_its_pattern_finds() -> None:
    # each sentence, and every window of 30 characters, of every labelled line, searched
    # with the whole line's answer: a word missing from the line is missing from its parts
    scopes = _scopes()
    assert sum(bool(scope.ways) for scope in scopes) >= len(scopes) - 4
    for path in sorted(SETS.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            text = canonical(json.loads(line)["text"]).lower().replace("\u2019", "'")
            present = found(text)
            parts = [
                *re.split(r"[.!?\n]+|;", text),
                *(text[i : i + 30] for i in range(0, len(text), 7)),
            ]
            for part in parts:
                found("another text")  # (so that the answer cannot come from the last pass)
                for scope in scopes:
                    expected = [m.span() for m in scope.pattern.finditer(part)]
                    assert [m.span() for m in scope.finditer(part, within=present)] == expected
                    match = scope.search(part, within=present)
                    assert (match and match.span()) == (expected[0] if expected else None)
                    replaced = scope.pattern.sub("_", part)
                    assert scope.sub("_", part, within=present) == replaced


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"ab .,'(\"!-\t\n\u2019", "\u00a0"]), max_size=40))
def test_heads_are_the_words_first_four_characters_without_punctuation(text: str) -> None:
    expected = {word.strip(PUNCTUATION)[:4] for word in text.split()}
    assert heads(text) == expected


_WORDS = ["want to", "myself", "going", "tonight", "today", "kms", "sleep", "ever", "x", "."]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=8))
def test_a_scanned_pattern_is_searched_whenever_one_of_its_ways_is_in_the_text(
    words: list[str],
) -> None:
    # the look-up by first strings says what trying every way in turn says
    scanned = Scanned(
        re.compile(r"\b(?:want to \w+ myself|going to \w+ (?:tonight|today)|kms|sleep \w+ ever)"),
        shortest=3,
    )
    assert sum(len(way) > 1 for way in scanned.ways) >= 3  # ways that need two strings
    text = " ".join(words)
    present = found(text)
    expected = any(all(not present.isdisjoint(need) for need in way) for way in scanned.ways)
    assert scanned.possible(text) == expected
    if scanned.pattern.search(text):
        assert expected


def test_a_pattern_that_needs_nothing_known_is_always_searched() -> None:
    anything = Scanned(re.compile(r"\w+"))
    assert anything.firsts is None
    found("some text")
    assert anything.possible("some text")
