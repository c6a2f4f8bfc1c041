"""The graphic-detail stage: suggests a content warning for vivid trauma detail.

Survivors must be able to say what happened: "I was assaulted", "he hit me", "I was
abused as a child" name an event and pass untouched. What this stage looks for is
*detail*: how a body was hurt, blood and wounds described, sexual violence described
act by act. Such a message is still delivered (``allow_flag``): facilitators see the tag
and the suggested content warning, so readers can be offered a note to unfold. Warnings
are a choice, not a cure (they do not reduce distress), so the stage stays narrow.

Kinds, each a tag ``graphic.<kind>`` with its suggested warning:

* ``sexual_violence``: explicit detail of a sexual assault;
* ``violence``: injuries and gore described (blood pouring, bones breaking, "until I
  passed out");
* ``self_harm``: wounds from self-harm described (depth, bleeding, stitches). How and
  with what is the method stage's business, not this one's;
* ``abuse``: detail of physical abuse (instruments, burns, being locked up for days).

When the sender already gave a content warning (``Submission.cw``), they have labelled it
themselves: the verdict is ``allow`` with the tags and the extra tag ``graphic.labelled``,
and no warning is suggested (set ``flag_when_labelled`` to flag anyway).
"""

from __future__ import annotations

import re
from typing import Any

from moderation.scan import Heads, Scanned
from moderation.stage import Submission
from moderation.verdict import ALLOW, Action, Verdict

__all__ = ["WARNINGS", "Graphic"]

#: The content warning suggested for each kind, in order of precedence.
WARNINGS: dict[str, str] = {
    "sexual_violence": "sexual violence",
    "self_harm": "self-harm injury",
    "abuse": "abuse detail",
    "violence": "violence",
}

_HE = r"(?:he|she|they|him|her|them|it|someone|somebody|my\s+\w+)"
_ME = r"(?:me|my|i|myself)"
_BODY_SEX = (
    r"(?:penis|dick|cock|fingers?|hands?|tongue|mouth|vagina|pussy|anus|ass|genitals?|"
    r"crotch|private\s+parts|breasts?|nipples?|thighs|semen|cum)"
)
_BLOOD_HEAVY = (
    r"(?:everywhere|all\s+over|pouring|poured|gushing|gushed|spurting|spurted|dripping|"
    r"dripped|pooling|pooled|running\s+down|soaking|soaked|splattered|on\s+the\s+"
    r"(?:floor|walls?|sheets|bed|ceiling|carpet))"
)
_UNTIL = (
    r"until\s+(?:i|my\s+\w+|he|she|they|it)\s+(?:bled|was\s+bleeding|were\s+bleeding|"
    r"passed\s+out|blacked\s+out|lost\s+consciousness|couldn['\u2019]?t\s+breathe|"
    r"could\s+not\s+breathe|threw\s+up|broke|cracked|tore)"
)

_PATTERNS: dict[str, re.Pattern[str]] = {
    "sexual_violence": re.compile(
        rf"\b{_HE}\s+(?:forced|shoved|pushed|put|stuck|rammed|jammed|thrust)\s+(?:his|her|"
        rf"their|its|a|the|an)\s+(?:\w+\s+)?{_BODY_SEX}\s+(?:inside|into|in|down|up)\s+(?:me\b|my\s+"
        rf"(?:mouth|throat|pants|underwear|knickers|vagina|pussy|ass|anus|skirt|body))"
        rf"|\b(?:penetrated|sodomi[sz]ed)\s+{_ME}\b"
        rf"|\b(?:came|ejaculated|finished)\s+(?:in|on|inside)\s+(?:me|my)\b"
        rf"|\bforced\s+me\s+to\s+(?:suck|lick|touch\s+(?:his|her)|give\s+(?:him|her)\s+(?:head|a\s+"
        rf"blow)|perform\s+oral|swallow)"
        rf"|\b(?:held|pinned|tied)\s+me\s+down\s+(?:and|while)\s+(?:\w+\s+){{0,2}}(?:raped|fucked|"
        rf"penetrated|touched|forced|groped)"
        rf"|\b(?:raped|fucked)\s+me\s+(?:with|until|so\s+hard|again\s+and\s+again|while\s+i)"
        rf"|\bmy\s+(?:vagina|anus|genitals|crotch)\s+(?:was|were|bled|tore|ripped|hurt)"
        rf"|\b(?:his|her)\s+(?:penis|dick|cock|semen|cum)\b"
    ),
    "self_harm": re.compile(
        r"\b(?:cuts?|wounds?|gash(?:es)?|slashes)\s+(?:were|was|are|is|got|went)\s+(?:so\s+|really\s+"
        r"|very\s+)?(?:deep|gaping|down\s+to|to\s+the\s+bone)"
        r"|\b(?:see|saw|seeing|showing|exposed)\s+(?:the\s+)?(?:yellow\s+)?(?:fat|bone|"
        r"muscle|tendons?|fatty\s+tissue)\b"
        r"|\bneeded\s+(?:\d+|\w+)\s+stitches\b|\b(?:fresh|deep|open|bleeding)\s+(?:cuts|wounds|"
        r"gashes)\s+(?:on|all\s+over|across|down)\s+my\b"
        r"|\b(?:my\s+)?(?:cuts?|wounds?|arms?|wrists?|thighs?)\s+(?:won['\u2019]?t|wouldn['\u2019]?t|"
        r"didn['\u2019]?t|kept|keeps)\s+(?:stop\s+)?bleed"
        r"|\bblood\s+(?:soaked|seeped|seeping|soaking)\s+through\s+(?:the\s+)?(?:bandage|gauze|"
        r"sleeve|towel)"
    ),
    "abuse": re.compile(
        r"\b(?:burn(?:ed|t)|scalded)\s+(?:me|us)\s+with\s+(?:\w+\s+)?(?:cigarettes?|cigs?|"
        r"lighter|iron|boiling|hot|matches|candle|stove|curling)\b"
        rf"|\b(?:beat|hit|whipped|hit|struck|beaten|belted|lashed)\s+(?:me|us)\s+with\s+(?:a|an|"
        rf"his|her|the|their)\s+(?:\w+\s+)?(?:belt|buckle|cord|wire|bat|pipe|chain|hanger|"
        rf"stick|board|whip|hose|extension\s+cord)"
        rf"|\blocked\s+(?:me|us)\s+in\s+(?:a|the|his|her|their)\s+(?:\w+\s+)?(?:cage|closet|"
        rf"basement|crate|cupboard|room|shed|trunk|attic)\s+for\s+(?:\w+\s+)?(?:days|hours|"
        rf"weeks|nights)"
        rf"|\b(?:kicked|stomped|punched|kneed|hit|beat|slapped|choked|strangled|smothered|"
        rf"drowned|whipped|shook)\s+(?:me|us|her|him)\s+(?:\w+\s+){{0,5}}{_UNTIL}"
    ),
    "violence": re.compile(
        rf"\bblood\s+(?:was\s+|were\s+|kept\s+)?{_BLOOD_HEAVY}"
        rf"|\b(?:covered|soaked|drenched|dripping|pool|puddle|lying)\s+(?:in|of|with)\s+"
        rf"(?:my\s+|his\s+|her\s+|their\s+|the\s+)?(?:own\s+)?blood\b"
        rf"|\b(?:coughing|coughed|vomiting|vomited|spitting|spat)\s+(?:up\s+)?blood\b"
        rf"|\b(?:skull|bones?|ribs?|jaw|teeth|nose)\s+(?:cracked|crunched|snapped|shattered|"
        rf"splintered|caved\s+in|sticking\s+out|poking\s+(?:out|through)|through\s+the\s+skin)"
        rf"|\b(?:brains?|guts|intestines|organs|entrails|insides)\s+(?:were\s+|was\s+)?"
        rf"(?:everywhere|spilled|spilling|hanging|splattered|all\s+over|out)\b"
        rf"|\b(?:flesh|skin)\s+(?:was\s+)?(?:torn|ripped|hanging|burning|melting|peeling|"
        rf"split\s+open)|\b(?:decapitated|disembowell?ed|dismembered|severed\s+(?:head|arm|leg|"
        rf"hand|finger))\b|\b(?:eye|eyeball)\s+(?:was\s+)?(?:hanging|gouged|popped)"
        rf"|\b(?:his|her|my|their)\s+(?:face|head)\s+(?:was\s+)?(?:smashed|caved|crushed|"
        rf"split\s+open|ripped)"
        r"|\bsangre\s+por\s+todas\s+partes|\bba[ñn]ad[oa]\s+en\s+sangre|\bblut\s+[uü]e?berall"
        r"|\bdu\s+sang\s+partout|\bcouverte?\s+de\s+sang"
    ),
}
# Cheap pre-screen: every pattern needs a word that starts like one of these.
_CUE_WORDS = """blood bled bleed bleeding stitches bone skull flesh guts brain organs intestines
    entrails decapitated disembowelled dismembered severed eye eyes eyeball face head teeth jaw
    nose rib ribs until fat muscle tendon cut cuts wound gash gashes slash penis dick cock finger
    hand tongue mouth vagina pussy anus ass genitals crotch private breast nipple thigh semen cum
    penetrated sodomised sodomized came ejaculated finished forced held pinned tied raped fucked
    burned burnt scalded beat beaten hit hits whipped struck belted lashed locked kicked stomped
    punched kneed choked strangled smothered drowned skin sangre bañado bañada banado blut sang
    couvert"""
_CUES = frozenset(word[:4] for word in _CUE_WORDS.split())
_CUE_HEADS = Heads(_CUES)
# Skipped when the text lacks a word every match needs, as the shared pass (which the
# cue test above reads) shows: it knows words of three letters, where ``in`` tests would
# be too many to make ("her", "put" and "with" rule out most of the sexual violence
# pattern's searches, and words of blood and bone most of the violence pattern's).
_GUARDED = {kind: Scanned(pattern, shortest=3) for kind, pattern in _PATTERNS.items()}


#: Whether a word of a text starts like a cue word.
_cued = _CUE_HEADS.start_a_word


class Graphic:
    """Flags vivid trauma detail with a suggested content warning."""

    name = "graphic"

    def __init__(self, *, flag_when_labelled: bool = False, **unknown: Any) -> None:
        """``flag_when_labelled``: flag detail even when the sender gave a warning."""
        if unknown:
            raise TypeError(f"graphic: unknown setting(s): {', '.join(sorted(unknown))}")
        if not isinstance(flag_when_labelled, bool):
            raise TypeError("graphic: flag_when_labelled must be true or false")
        self._flag_when_labelled = flag_when_labelled

    def screen(self, submission: Submission) -> Verdict:
        """``allow_flag`` with a content warning for graphic detail; see the module docs."""
        text = submission.canonical
        if not _cued(text):
            return ALLOW
        kinds = [kind for kind, pattern in _GUARDED.items() if pattern.search(text)]
        if not kinds:
            return ALLOW
        kinds.sort(key=list(WARNINGS).index)
        tags = tuple(f"graphic.{kind}" for kind in kinds)
        reasons = tuple(f"graphic detail: {WARNINGS[kind]}" for kind in kinds)
        if submission.cw and submission.cw.strip() and not self._flag_when_labelled:
            return Verdict(tags=(*tags, "graphic.labelled"), reasons=reasons)
        warning = ", ".join(WARNINGS[kind] for kind in kinds)
        return Verdict(
            action=Action.ALLOW_FLAG, tags=tags, reasons=reasons, content_warning=warning
        )
