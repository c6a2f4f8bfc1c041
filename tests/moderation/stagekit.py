"""Small stages for the tests of the pipeline's configuration."""

from __future__ import annotations

from moderation import Action, Submission, Verdict

NOT_A_FACTORY = 42


class Keyword:
    name = "keyword"

    def __init__(self, word: str) -> None:
        if not word:
            raise ValueError("word: must not be empty")
        self.word = word

    def screen(self, submission: Submission) -> Verdict:
        if self.word in submission.canonical:
            return Verdict(Action.BLOCK, sender_reason="not that word, please")
        return Verdict()


class Upper:
    name = "upper"

    def screen(self, submission: Submission) -> Verdict:
        return Verdict(Action.REDACT, redacted=submission.text.upper())


class Crisisish:
    name = "crisisish"

    def screen(self, submission: Submission) -> Verdict:
        return Verdict()


class Nameless:
    def screen(self, submission: Submission) -> Verdict:
        return Verdict()
