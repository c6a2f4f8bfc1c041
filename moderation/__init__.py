"""Screening of every message before anyone sees it, and escalation of risk.

A :class:`Pipeline` runs :class:`Stage` s (one job each) over a :class:`Submission` and
combines their :class:`Verdict` s into one :class:`Screened` conclusion.
"""

from moderation.pipeline import FailurePolicy, Pipeline, StageRun, StageStats
from moderation.stage import Stage, Submission
from moderation.verdict import ALLOW, Action, Escalation, Risk, Screened, Verdict, combine

__all__ = [
    "ALLOW",
    "Action",
    "Escalation",
    "FailurePolicy",
    "Pipeline",
    "Risk",
    "Screened",
    "Stage",
    "StageRun",
    "StageStats",
    "Submission",
    "Verdict",
    "combine",
]
