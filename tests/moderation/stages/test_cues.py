"""The graphic and medical stages' cheap first test ("a word starts like a cue word"),
found without splitting the text into words: the same answer as the split it replaced,
on every labelled line and on any text."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moderation import scan
from moderation.stages import graphic, medical
from moderation.stages.normalize import canonical

SETS = Path(__file__).parent.parent


def _graphic_by_splitting(text: str) -> bool:
    """graphic's cue test as it was first written."""
    return not scan.heads(text).isdisjoint(graphic._CUES)


def _medical_by_splitting(text: str) -> bool:
    """medical's cue test as it was first written (its units anywhere, or a cue word)."""
    units = ("mg", "mcg", "ml", "milligram")
    return any(unit in text for unit in units) or not scan.heads(text).isdisjoint(medical._CUES)


STAGES: list[tuple[Callable[[str], bool], Callable[[str], bool], frozenset[str]]] = [
    (graphic._cued, _graphic_by_splitting, frozenset(graphic._CUES)),
    (medical._cued, _medical_by_splitting, frozenset(medical._CUES)),
]
IDS = ["graphic", "medical"]


@pytest.mark.parametrize(("cued", "by_splitting", "_cues"), STAGES, ids=IDS)
def test_the_cue_test_finds_a_word_that_starts_like_a_cue_word(
    cued: Callable[[str], bool], by_splitting: Callable[[str], bool], _cues: frozenset[str]
) -> None:
    for path in sorted(SETS.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            text = canonical(json.loads(line)["text"])
            for candidate in (text, f"({text}\u00a0)", text.replace(" ", "\n'"), text[1:]):
                assert cued(candidate) == by_splitting(candidate), candidate


@pytest.mark.parametrize(("cued", "by_splitting", "cues"), STAGES, ids=IDS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_cue_test_of_any_text_finds_a_word_that_starts_like_a_cue_word(
    cued: Callable[[str], bool],
    by_splitting: Callable[[str], bool],
    cues: frozenset[str],
    data: st.DataObject,
) -> None:
    parts = data.draw(
        st.lists(st.sampled_from(sorted(cues)) | st.text("ab.,'(\u00a0 #"), max_size=8)
    )
    text = "".join(parts)
    assert cued(text) == by_splitting(text)
