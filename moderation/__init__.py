"""Screening of every message before anyone sees it, and escalation of risk.

This first version holds the pipeline's interface and combination of verdicts; the
built-in stages (crisis language, PII, harassment, ...) arrive with their own issue.
"""

from moderation.pipeline import Pipeline, Stage
from moderation.verdict import Action, Screened, Verdict

__all__ = ["Action", "Pipeline", "Screened", "Stage", "Verdict"]
