"""The medical-advice stage: flags one member telling another what to do with medication.

Peer circles share experience, not prescriptions (a common ground rule: "empathy rather
than advice"). Telling someone to stop, start, skip, double or switch a medication, how
much to take, or that alcohol is fine with it can do real harm, so such a message is
delivered but flagged for facilitators (``allow_flag``, tag ``medical.advice``).

Personal experience is not advice and is only tagged ``medical.mention`` (no action):
"I stopped my meds last year and it was hard", "my doctor lowered my dose". Nor is
pointing someone to a professional: advice that also says to check with a doctor,
pharmacist or prescriber ("don't stop without talking to your doctor"), and "don't stop
your meds" itself, are mentions. Overdose quantities and means are the crisis and method
stages' business: this stage does not look for them.
"""

from __future__ import annotations

import re
from typing import Any

from moderation.scan import Heads
from moderation.stage import Submission
from moderation.verdict import ALLOW, Action, Verdict

__all__ = ["Medical"]

_MED = (
    r"(?:meds|medications?|medicines?|pills?|tablets?|prescriptions?|doses?|dosages?|"
    r"antidepressants?|anti-?depressants?|antipsychotics?|mood\s+stabili[sz]ers?|ssris?|snris?|"
    r"benzos?|sleeping\s+pills|sertraline|zoloft|fluoxetine|prozac|citalopram|celexa|"
    r"escitalopram|lexapro|paroxetine|paxil|venlafaxine|effexor|duloxetine|cymbalta|bupropion|"
    r"wellbutrin|mirtazapine|remeron|trazodone|quetiapine|seroquel|aripiprazole|abilify|"
    r"olanzapine|zyprexa|risperidone|lithium|lamotrigine|lamictal|valproate|depakote|prazosin|"
    r"propranolol|xanax|alprazolam|valium|diazepam|klonopin|clonazepam|ativan|lorazepam|ambien|"
    r"zolpidem|adderall|ritalin|methylphenidate|gabapentin|pregabalin|lyrica|hydroxyzine|"
    r"buspirone|melatonin|\d+(?:\.\d+)?\s*(?:mg|mcg|ml|milligrams?)\b)"
)
_YOUR = r"(?:your|ur|yr|the|those|these|that|all\s+(?:your|ur|the|those)|ya)"
_STOP = (
    r"(?:stop|quit|ditch|drop|skip|flush|bin|dump|toss|get\s+off|come\s+off|go\s+off|"
    r"throw\s+(?:away|out)|give\s+up|wean\s+(?:yourself\s+)?off|taper\s+off|cut\s+out)"
)
_CHANGE = (
    r"(?:take(?!\s+(?:your|ur)\s+(?:meds|medications?|pills)\b)|try|start|double|triple|halve|up|increase|raise|lower|reduce|cut|decrease|"
    r"switch\s+to|switch|change|mix|combine|crush|snort|borrow|share)"
)
_ADVISE = (
    r"(?:you\s+(?:should|need\s+to|have\s+to|gotta|ought\s+to|must|could|can|might\s+want\s+to|"
    r"better)|u\s+(?:should|need\s+to|can)|i\s*['\u2019]?d|if\s+i\s+were\s+you,?(?:\s+i\s*['\u2019]?d)?|"
    r"why\s+don['\u2019]?t\s+you|just|try|have\s+you\s+tried|maybe)"
)

_ADVICE = re.compile(
    # "stop your meds", "you should come off them", "just get off lexapro"
    rf"(?<!n['\u2019]t\s)(?<!not\s)(?<!never\s)\b{_STOP}\s+(?:taking\s+)?{_YOUR}\s+{_MED}"
    rf"|\b{_ADVISE}\s+(?:just\s+)?{_STOP}\s+(?:taking\s+)?(?:them|it|(?:{_YOUR}\s+)?{_MED})"
    # "you should double your dose", "try 50mg of sertraline", "take 2 of my pills"
    rf"|\b{_ADVISE}\s+(?:just\s+)?{_CHANGE}\s+(?:taking\s+)?(?:\w+\s+){{0,3}}{_MED}"
    rf"|\b(?:have\s+you\s+tried|(?:you|u)\s+should\s+try)\s+(?:taking\s+)?(?:\w+\s+){{0,2}}{_MED}"
    rf"|(?:^|[.!?,;]\s*)(?:just\s+|so\s+|then\s+|please\s+)?(?:{_CHANGE}|{_STOP}|don['\u2019]?t\s+take)"
    rf"\s+(?:taking\s+)?"
    rf"(?:\w+\s+){{0,3}}{_MED}"
    # "you don't need your meds", "meds are poison"
    rf"|\b(?:you|u)\s+(?:don['\u2019]?t|do\s+not)\s+(?:really\s+)?need\s+(?:{_YOUR}\s+)?{_MED}"
    rf"|\b{_MED}\s+(?:are|is)\s+(?:just\s+)?(?:poison|a\s+scam|a\s+crutch|for\s+the\s+weak|"
    rf"making\s+you\s+worse)"
    # alcohol with medication
    rf"|\b(?:it['\u2019]?s|its|it\s+is)\s+(?:totally\s+)?(?:fine|ok|okay|safe)\s+to\s+(?:drink|mix)"
    rf"|\b(?:you|u)\s+can\s+(?:still\s+)?(?:drink|have\s+(?:a\s+)?(?:drink|beer|wine))\s+"
    rf"(?:\w+\s+){{0,2}}(?:on|with|while)\b"
    rf"|\b(?:a|one|few|couple)\s+(?:of\s+)?(?:drinks?|beers?|glass(?:es)?\s+of\s+wine)\s+"
    rf"(?:won['\u2019]?t|wont|doesn['\u2019]?t|don['\u2019]?t)\s+(?:hurt|matter|interact)"
    # Spanish, German, French: "stop taking your pills"
    r"|\bdeja\s+(?:de\s+tomar\s+)?(?:tus|las)\s+(?:pastillas|medicinas|medicamentos)"
    r"|\bsetz\s+(?:deine|die)\s+(?:medikamente|tabletten|pillen)\s+ab"
    r"|\barr[eê]te\s+(?:de\s+prendre\s+)?(?:tes|les)\s+(?:m[eé]dicaments|cachets|pilules)"
)
# Cheap pre-screen: a word starting like a medication word, or a dose unit.
_CUE_WORDS = """meds medication medicine pill pills tablet tablets prescription dose doses
    dosage antidepressant antipsychotic stabilizer stabiliser ssri ssris snri snris benzo benzos
    sertraline zoloft fluoxetine prozac citalopram celexa escitalopram lexapro paroxetine paxil
    venlafaxine effexor duloxetine cymbalta bupropion wellbutrin mirtazapine remeron trazodone
    quetiapine seroquel aripiprazole abilify olanzapine zyprexa risperidone lithium lamotrigine
    lamictal valproate depakote prazosin propranolol xanax alprazolam valium diazepam klonopin
    clonazepam ativan lorazepam ambien zolpidem adderall ritalin methylphenidate gabapentin
    pregabalin lyrica hydroxyzine buspirone melatonin pastillas medikamente médicaments
    medicaments"""
_CUES = frozenset(word[:4] for word in _CUE_WORDS.split())
_CUE_HEADS = Heads(_CUES)


def _cued(text: str) -> bool:
    # a unit, each tested in turn (a loop over them would cost more than the tests)
    if "mg" in text or "mcg" in text or "ml" in text or "milligram" in text:
        return True
    return _CUE_HEADS.start_a_word(text)


_MENTION = re.compile(rf"\b{_MED}|\b(?:pastillas|medikamente|m[eé]dicaments)\b")
# Pointing to a professional makes it guidance toward care, not advice in place of it.
_PROFESSIONAL = re.compile(
    r"\b(?:ask|talk\s+to|talk\s+with|check\s+with|speak\s+to|speak\s+with|call|consult|see|"
    r"tell|without)\s+(?:your|ur|a|the|with\s+your)\s+(?:\w+\s+)?(?:doctor|doc|gp|psychiatrist|"
    r"pdoc|prescriber|pharmacist|nurse|care\s+team|medical\s+team|physician)"
    r"|\b(?:doctor|doc|gp|psychiatrist|pdoc|prescriber|pharmacist|nurse)\s+(?:said|says|told|"
    r"recommended|suggested|approved|okayed)"
)


class Medical:
    """Flags medication advice to others; tags personal mentions only."""

    name = "medical"

    def __init__(self, *, tag_mentions: bool = True, **unknown: Any) -> None:
        """``tag_mentions``: tag messages that only mention medication (no action)."""
        if unknown:
            raise TypeError(f"medical: unknown setting(s): {', '.join(sorted(unknown))}")
        if not isinstance(tag_mentions, bool):
            raise TypeError("medical: tag_mentions must be true or false")
        self._tag_mentions = tag_mentions

    def screen(self, submission: Submission) -> Verdict:
        """``allow_flag`` for medication advice; see the module docstring."""
        text = submission.canonical
        if not _cued(text) or not _MENTION.search(text):
            return ALLOW
        if _ADVICE.search(text) and not _PROFESSIONAL.search(text):
            return Verdict(
                action=Action.ALLOW_FLAG,
                tags=("medical.advice",),
                reasons=("medication advice to others",),
            )
        return Verdict(tags=("medical.mention",)) if self._tag_mentions else Verdict()
