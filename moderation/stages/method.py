"""Safe messaging: details of suicide or self-harm methods are held for a facilitator.

Safe-messaging guidance (Samaritans' guidance for user-generated content, the rules of
TalkLife and 7 Cups) keeps the how, with what, where and how much away from a group at
any risk level: such details can hurt others who are struggling. Crisis Text Line found
that means words (drug names, doses, the pill emoji) predicted emergency intervention
better than the word "suicide", so they weigh here.

The stage holds a message with method detail for facilitator review, tags it ``method``
plus the kind (``method.dose``, ``method.ligature``, ``method.height``, ``method.weapon``,
``method.poison``, ``method.cutting``, ``method.question``) and tells the sender why,
gently. A method the speaker is considering for themselves is active ideation (the
Columbia scale's "thoughts with method"), so it sets that risk and escalates (ERROR;
with a time frame, imminent and CRITICAL) when the detail is about the speaker now, as
the issue asks ("held; escalated when it is about the speaker"); details about someone else, or
about the speaker's past, are held without paging anyone (``others_escalation`` raises
that to ``info`` or ``warning``). Ordinary medication talk ("my doctor changed my dose")
is left alone: the medical stage flags advice about doses.
"""

from __future__ import annotations

import re

from moderation import scan
from moderation.scan import Literals, Scanned
from moderation.stage import Submission
from moderation.verdict import ALLOW, Action, Escalation, Risk, Verdict

__all__ = ["Method", "find_methods"]

_DRUG = (
    r"(?:paracetamol|acetaminophen|tylenol|panadol|ibuprofen|advil|aspirin|sertraline|zoloft|"
    r"fluoxetine|prozac|citalopram|escitalopram|lexapro|amitriptyline|nortriptyline|venlafaxine|"
    r"effexor|quetiapine|seroquel|lithium|diazepam|valium|xanax|alprazolam|oxycodone|oxycontin|"
    r"fentanyl|morphine|heroin|methadone|insulin|benadryl|diphenhydramine|zopiclone|zolpidem|"
    r"ambien|tramadol|codeine|lorazepam|ativan|clonazepam|klonopin|propranolol|mirtazapine|"
    r"trazodone|olanzapine|sleeping (?:pills?|tablets?)|painkillers|pills|tablets|meds|"
    r"medication|antidepressants|opioids)"
)
_PILLS = (
    r"(?:pills|tablets|meds|medication|caps|capsules|painkillers|sleeping pills|prescriptions?|💊)"
)
_DIE = (
    r"(?:die|be dead|kill (?:me|you|myself|yourself|someone|a person)|be fatal|be lethal|od|"
    r"overdose|not wake up|end it|do it|do the job|stop (?:my|your) heart)"
)

_RULES: tuple[tuple[str, str], ...] = (
    (
        "method.question",
        r"(?:what'?s|what is|whats|which is|tell me|anyone know|does anyone know|is there) (?:the |"
        r"a )?(?:best|quickest|fastest|easiest|surest|most painless|least painful|painless|"
        r"most effective|most reliable|cleanest) (?:way|method|means|option) (?:to )?(?:die|kill|"
        r"end|go|do it|od\b|overdose|commit|not wake|unalive|hang)|how (?:do|can|would|could|"
        r"should) (?:i|you|someone|one|a person) (?:kill (?:my|your|one|them)self|overdose|od\b|"
        r"hang (?:my|your)self|end it|die painlessly|commit suicide|unalive)|how to (?:kill (?:my|"
        r"your|one)self|hang (?:my|your|one)self|tie a noose|overdose|od\b|commit suicide|"
        r"die painlessly|"
        r"unalive)",
    ),
    (
        "method.dose",
        rf"how (?:many|much) (?:milligrams|mg|grams) (?:\w+ ){{0,2}}(?:would|will|does|to) (?:it )?"
        rf"(?:take|kill|be (?:lethal|fatal|enough))|"
        rf"how (?:many|much) (?:(?:mg|grams?|ml) )?(?:of )?(?:(?:my|the|these|those|"
        rf"your) )?(?:\S+ )?{_DRUG}(?! (?:do|did|does|should|can) (?:you|u|they|he|she|i|"
        rf"we) ) (?:\S+ ){{0,6}}?(?:would it take|does it take|would take|it takes|take|kill|"
        rf"lethal|fatal|deadly|enough|to {_DIE})|how (?:many|much) (?:\S+ ){{0,4}}(?:would it take|"
        rf"does it take|would take|it takes|(?:is|are|would be|'s)) (?:to )?(?:lethal|fatal|deadly|"
        rf"{_DIE})|how (?:many|much) (?:\S+ ){{0,4}}(?:to|would|will|until you|until i|before you|"
        rf"before i) {_DIE}|(?:lethal|fatal|deadly|toxic) (?:dose|amount|quantity|level)|"
        rf"(?:stockpil\w*|hoard\w*|been saving|saving up|saved up|been collecting|collecting|"
        rf"collected) (?:up )?(?:all )?(?:my |the |of my )?(?:\w+ )?{_PILLS}|(?:the whole|"
        rf"an entire|a whole|whole) (?:box|bottle|pack|packet|strip|blister|"
        rf"month's supply) (?:of )?|\b(?:[2-9]\d|\d{{3,}}|twenty|thirty|forty|fifty|sixty|"
        rf"a hundred) (?:\w+ ){{0,2}}(?:{_PILLS}|{_DRUG})|how (?:many|much) (?:\w+ ){{0,3}}"
        rf"(?:would|do|does|will) (?:i|you|she|he|they|someone|one|a person) need|"
        rf"(?:\d{{2,}} ?(?:g|grams)|\d{{4,}} ?mg) (?:of )?{_DRUG}|"
        rf"(?:overdose|od) on (?:my |his |her )?{_DRUG}|{_DRUG} (?:would|will|could) (?:kill|"
        rf"be enough)|enough "
        rf"{_DRUG} to|💊 ?💊|💊 ?x ?\d+|\d+ ?x ?💊",
    ),
    (
        "method.lethality",
        rf"(?:more|most|less|least) (?:certain|lethal|reliable|effective|painless|deadly|sure|"
        rf"likely to work|dangerous (?:together|combined|mixed|with))|"
        rf"(?:tablets|pills|meds|medication) (?:she|he|they|i)(?:'d| had| "
        rf"has| have)? (?:stockpiled|hoarded|saved up|stashed)|barriers? (?:on|at) (?:\w+ ){{0,2}}"
        rf"bridges?|(?:make sure|be sure|certain) (?:it|this) works|"
        rf"(?:would|will|is) (?:it|that|this) be (?:quick|painless|fatal|enough)|"
        rf"whether it hurts|if it (?:would )?hurts?\b|would do it if i|what (?:it|they|that) "
        rf"would do to me|"
        rf"how (?:quick|fast|painful) (?:would|is|will) (?:it|that)|(?:\w+ )?supply all at once|"
        rf"(?:best|worst|easiest|quickest) (?:\w+ )?to overdose on|"
        rf"(?:high|tall|strong|deep|enough) enough (?:to|that) (?:be sure|die|"
        rf"kill|not (?:wake|survive)|do it|end it|nobody survives|no one survives|you don'?t "
        rf"survive)|(?:is|are|would|will) (?:\w+ ){{0,4}}enough to (?:be sure|die|kill (?:me|"
        rf"you|someone)|not (?:wake|survive)|do it|end it)|(?:nobody|no one|noone) survives|"
        rf"survive the fall|work (?:the )?first time|(?:bleed|bleeding|bled) out|how long "
        rf"(?:does|would|will|did) it take to (?:die|bleed out|lose consciousness|pass out|"
        rf"suffocate|stop breathing)|toxic threshold|knot that (?:won'?t|doesn'?t|will not|"
        rf"wont) (?:slip|come undone|fail)|(?:or do you|or would you|or will you|or does it) "
        rf"(?:just )?end up (?:with|in)|{_DRUG} (?:\w+ ){{0,3}}with (?:the |some |a bottle of "
        rf"|alcohol|)?(?:vodka|alcohol|wine|booze|whisky|whiskey|gin|rum|drink)|(?:mix|mixed|"
        rf"mixing|take|took|taking) (?:\w+ ){{0,2}}{_DRUG} (?:\w+ ){{0,2}}with (?:the |some |"
        rf"a bottle of )?(?:vodka|alcohol|wine|booze|whisky|whiskey|gin|rum)",
    ),
    (
        "method.ligature",
        r"(?:tie|tied|tying|make|made|making|bought|buy|got|have) (?:a |the )?(?:noose|ligature)|"
        r"noose|(?:rope|belt|cord|cable|scarf|sheet|ligature) (?:from|on|around|round|to|over|"
        r"tied to) (?:the |a |my )?(?:door|doorknob|door handle|beam|ceiling|banister|bannister|"
        r"tree|rail|closet rod|hook|pipe|neck|loft hatch)|hang(?:s|ing|"
        r"ed)? (?:\w+ ?self )?from (?:the |a |my )?"
        r"(?:door|beam|ceiling|banister|bannister|tree|rail|hook|loft)",
    ),
    (
        "method.height",
        r"(?:jump|jumping|jumped|leap|leaping|throw (?:my|him|her|them)self|fall|step) (?:off|from|"
        r"in front of|onto|out of) (?:the |a |that |this |my |our )?(?:\w+ ){0,2}(?:bridge|roof|"
        r"rooftop|building|cliff|tower|overpass|balcony|car park|parking (?:garage|lot|structure)|"
        r"train|bus|truck|lorry|tracks|window|\d+(?:st|nd|rd|th)? floor|ledge|viaduct|dam)|"
        r"how (?:high|tall|many (?:floors|storeys|stories)) (?:\S+ ){0,7}(?:to die|fatal|"
        r"is (?:enough|lethal|high enough)|would kill|do you need|does it need|to be sure|survive)|"
        r"(?:checking|checked|looking up|looked up|googling|googled|researching|"
        r"work(?:ed|ing) out) how (?:high|tall|many (?:floors|storeys|stories)) "
        r"(?:the |a |that |this )?(?:\w+ ){0,4}(?:multi[ -]?stor(?:e)?y|car ?park|bridge|building|"
        r"tower|block|flats|cliff|viaduct|roof)(?! (?:\w+ )?(?:for|before) (?:the |a |our |my )?"
        r"(?:van|lorry|truck|bus|caravan|trailer|delivery|removal))|"
        r"(?:bridges?|buildings?|cliffs?|roofs?|car ?parks?|towers?|floors?|balcon(?:y|ies)) "
        r"(?:\S+ ){0,7}(?:no|without|any|don'?t have|doesn'?t have|do not have|does not have|"
        r"have no|has no|lacks?|not|have) (?:\S+ )?(?:barriers?|fences?|cameras?|"
        r"railings?|security|nets?)|"
        r"(?:which|what) (?:bridge|building|cliff|floor|roof|car park|tower) (?:\S+ ){0,3}(?:is|"
        r"would be|'s) (?:high|tall|best|enough|the highest|the tallest)|(?:step|walk|lie|lay) "
        r"(?:down )?in front of (?:a |the )?(?:train|bus|truck|lorry|car)",
    ),
    (
        "method.weapon",
        r"(?:buy|get|borrow|acquire|order|buying|getting|bought|got|borrowed|ordered) (?:a |my |"
        r"his |my dad's |a loaded )?(?:gun|firearm|pistol|rifle|handgun|shotgun|revolver)|(?:where|"
        r"how) (?:can|do|could|would) (?:i|you|someone) (?:buy|get) (?:a |some )?(?:gun|firearm|"
        r"pistol|rope|pills|\w+ without (?:a )?prescription)|"
        r"(?:dad's|father's|brother's|his|my|the) (?:\w+ )?(?:gun|"
        r"rifle|pistol|shotgun)(?:'s|s| is)? (?:loaded|in the (?:safe|drawer|closet|cupboard|"
        r"garage|cabinet))|(?:cartridges|shells|ammo|bullets) (?:are |is )?(?:on|in) the|"
        r"(?:bullets|ammo|ammunition) for (?:the|my|his|a) (?:gun|pistol|rifle)|used (?:his|her|my|"
        r"their|a|the) (?:dad'?s |father'?s |mum'?s |mom'?s )?"
        r"(?:gun|rifle|pistol|shotgun|revolver)",
    ),
    (
        "method.poison",
        r"carbon monoxide|charcoal (?:in|burning|grill|bbq|in the)|exit bag|helium (?:tank|bag|"
        r"hood)|hose (?:from|to|into|in) the (?:exhaust|car)|(?:car|engine) running in the "
        r"(?:garage|shed)|(?:drink|drinking|drank|swallow) (?:the |some )?(?:bleach|antifreeze|"
        r"weed ?killer|pesticide|rat poison)",
    ),
    (
        "method.cutting",
        r"(?:cut|slit|slash|cutting|slitting) (?:my |your |the |his |her )?(?:wrists?|throat|"
        r"veins?|arm)? ?(?:vertically|down the|along|the right way|lengthways|across or)|"
        r"(?:cut|slit|slash|cutting|slitting) (?:(?:my |your |the |his |her )(?:wrists?|throat|"
        r"veins?|arms?|legs?|thighs?)|my ?self|your ?self) (?:\w+ )?(?:deep|deeper)|(?:which|what) "
        r"(?:vein|artery)|down the road,? not across|vertical(?:ly)? (?:not|instead of) horizontal",
    ),
    (
        # questions of lethality or means that name no way of dying: held, and the
        # speaker's only when they say so (see _ASKING)
        "method.means",
        rf"(?:which|what) (?:\w+ ){{0,2}}(?:overdoses?|drugs?|pills|tablets|medications?|meds) "
        rf"(?:\w+ ){{0,3}}(?:cause|causes|lead to|leads to|are (?:most |the most )?(?:dangerous|"
        rf"lethal|deadly|fatal))|(?:dangerous|lethal|deadly|fatal|kill (?:you|someone|a person)) "
        rf"if (?:you|someone|one|"
        rf"a person|i) (?:took|take|swallow(?:ed)?|had|have|necked|downed) (?:\w+ )?(?:loads|lots|"
        rf"a load|a lot|the lot|a handful|a bunch|the whole|all of them|all at once|\d{{2,}}|"
        rf"twenty|thirty|fifty|a hundred)|{_DRUG}[^.!?]{{0,80}}how (?:many|much) (?:\S+ ){{0,4}}"
        rf"(?:does it|would it|do you|would you|to|until|before)(?: take| need)?(?: to)? "
        rf"(?:\w+ )?(?:knock (?:you|me|someone|a person) (?:out|unconscious)|put (?:you|me|"
        rf"someone) (?:out|under)|make (?:you|me|someone) pass out)|how (?:high|tall|far down|"
        rf"deep) (?:does|would|should|must|do) (?:a |the |your )?(?:bridge|building|roof|drop|"
        rf"fall|cliff|balcony|window|floor|car park|tower|ledge)s? (?:\w+ )?(?:need|have|has) "
        rf"to be(?! (?:for|to|so|by|under|in|at|on)\b)",
    ),
)

#: Plain substrings, one of which every match of a rule holds ("_" for a space): a rule is
#: tried only when one occurs, which keeps ordinary messages fast.
_TRIGGERS: dict[str, str] = {
    "method.question": "best quickest fastest easiest surest painless effective reliable cleanest "
    "how",
    "method.dose": "milligrams how lethal fatal deadly toxic stockpil hoard saving saved collect "
    "whole entire 0 1 2 3 4 5 6 7 8 9 twenty thirty forty fifty sixty hundred overdose od kill "
    "enough 💊",
    "method.lethality": "more_dangerous most_dangerous overdoses drugs pills tablets "
    "medication meds barrier more_certain more_lethal more_reliable more_effective more_painless "
    "more_deadly more_sure more_likely most_certain most_lethal most_reliable most_effective "
    "most_painless most_deadly most_sure most_likely less_painful least_painful less_certain "
    "enough_to enough_that survives survive_the first_time bleed_out bleeding_out bled_out "
    "how_long toxic_threshold knot_that end_up vodka alcohol wine booze whisk sure_it works "
    "whether_it if_it do_it would_do "
    "all_at_once overdose_on be_quick be_painless be_fatal be_enough how_quick how_fast "
    "how_painful",
    "method.ligature": "noose ligature rope belt cord cable scarf sheet hang",
    "method.height": "jump leap throw fall step front high tall floor storeys stories bridge "
    "building cliff roof car_park carpark tower balcon",
    "method.weapon": "gun firearm pistol rifle handgun shotgun revolver bullet ammo ammunition "
    "rope pills prescription",
    "method.poison": "carbon charcoal exit_bag helium hose running bleach antifreeze killer "
    "pesticide poison",
    "method.cutting": "cut slit slash vein artery across vertical",
    "method.means": "overdose drugs pills tablets medication meds dangerous lethal deadly fatal "
    "kill knock put_you put_me put_someone pass_out need_to have_to has_to",
}
_COMPILED = {tag: Scanned(re.compile(rf"(?<!\w)(?:{pattern})")) for tag, pattern in _RULES}
_BY_TRIGGER: dict[str, set[str]] = {}
for _tag, _words in _TRIGGERS.items():
    for _word in _words.split():
        _BY_TRIGGER.setdefault(_word.replace("_", " "), set()).add(_tag)
# Found by the shared pass, with every other stage's words.
_TRIGGER_WORDS = Literals(_BY_TRIGGER)
# A trigger stands for every longer one it begins: the rules were first written for a
# scan that stopped at the shortest trigger found.
_BY_TRIGGER = {
    short: {t for long, tags in _BY_TRIGGER.items() if long.startswith(short) for t in tags}
    for short in _BY_TRIGGER
}
_NO_TAGS: frozenset[str] = frozenset()
# the rules are tried in the order they are written (the order of the tags found)
_ORDER = {tag: index for index, tag in enumerate(_COMPILED)}
_NEGATED = re.compile(
    r"\b(?:never|not|no|don'?t|dont|won'?t|wouldn'?t|didn'?t|isn'?t)\b(?! know| understand|"
    r" care)(?: \S+)? ?$"
)
_FIRST = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|i'll|me|my|myself)\b")
_OTHER = re.compile(
    r"\b(?:he|she|they|his|her|him|them|someone|somebody|people|character|man|woman|guy|girl|"
    r"friend|mate|flatmate|brother|sister|cousin|mum|mom|dad|son|daughter|husband|wife|partner|"
    r"boyfriend|girlfriend|news|film|movie|show|book|article|police)\b"
)
_PAST = re.compile(
    r"\b(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|several|many|a few|"
    r"few) (?:years?|months?) ago|\byears ago\b|\bwhen i was\b|"
    r"\bback (?:then|when|in (?:the day|\d{4}|school|college|uni|high school|my|those|the))\b|"
    r"\bused to\b|\bin the past\b|\bat my (?:lowest|worst)\b|\blast year\b|\bin (?:19|20)\d\d\b"
)
_NOW = re.compile(r"\b(?:still|again|now|today|tonight|right now|these days)\b")
_SENTENCE = re.compile(r"[.!?\n;]+")
_CLAUSE = re.compile(r",|\bbut\b|\band now\b")
_TIME = re.compile(
    r"\b(?:(?:i'?ve got|i have|got) (?:about |around |over |nearly |almost )?(?:\d+|twenty|thirty|"
    r"forty|fifty|sixty|a hundred)|"
    r"know (?:the code|where (?:the key|he keeps|she keeps|they keep))|"
    r"(?:got|have|is|are|'s|'re|sitting|keep|kept) (?:\w+ ){0,4}?(?:here|in the (?:house|shed|"
    r"garage|cupboard|drawer|car)|with me|in front of me|next to me|in my (?:room|bag|drawer|"
    r"wardrobe|hand|pocket|car))|tonight|tonite|2nite|today|right now|"
    r"this (?:evening|weekend|afternoon)|tomorrow|in (?:an|one|a few|"
    r"\d+) (?:hours?|minutes?|mins?)|(?:when|once) (?:everyone|everybody)(?:'s| is) asleep)\b"
)
_ESCALATION = {Risk.ACTIVE_IDEATION: Escalation.ERROR, Risk.IMMINENT: Escalation.CRITICAL}
_SEVERITIES = {e.label: e for e in (Escalation.NONE, Escalation.INFO, Escalation.WARNING)}
_DEFAULT_RESOURCES = (
    "call your local emergency number, or a crisis line: 988 in the US and Canada, "
    "116 123 (Samaritans) in the UK and Ireland"
)


def find_methods(canonical: str) -> tuple[tuple[str, ...], bool]:
    """The method tags found in a canonical text, and whether any is about the speaker
    now (rather than someone else, or the speaker's past)."""
    text = canonical.lower().replace("\u2019", "'")
    hits = _TRIGGER_WORDS.found(text)
    # "asking for myself" makes a question about a place the speaker's: it names no
    # trigger word of its own
    own_question = "asking for m" in text and _ASKING_FOR_SELF.search(text) is not None
    if not hits and not own_question:
        return (), False
    candidates = _NO_TAGS.union(*map(_BY_TRIGGER.__getitem__, hits))
    rules = [
        (tag, pattern)
        for tag in sorted(candidates, key=_ORDER.__getitem__)
        if (pattern := _COMPILED[tag]).search(text)
    ]
    if not rules and not own_question:
        return (), False
    tags: list[str] = []
    about_speaker = False
    # study, fiction, hearsay and the news frame a whole message as not the speaker's own
    framed = _FRAMED.search(text) is not None and not _FIRST_INTENT.search(text)
    for sentence in _SENTENCE.split(text):
        for tag, pattern in rules:
            for found in pattern.finditer(sentence):
                start = found.start()
                if _NEGATED.search(sentence, max(0, start - 30), start) or _ordinary(
                    tag, found.group(0), sentence, start, text
                ):
                    continue
                tags.append(tag)
                if tag == "method.means":
                    # a question that names no way of dying is the asker's only when they
                    # say so ("is my sertraline dangerous if i take loads")
                    speaker = _FIRST.search(sentence) or _FIRST_INTENT.search(text)
                    about_speaker = about_speaker or (
                        not framed and speaker is not None and _is_speaker(sentence, "", start)
                    )
                    continue
                about_speaker = about_speaker or (
                    not framed and _is_speaker(sentence, found.group(0), start)
                )
    if own_question and not framed and _PLACE_QUESTION.search(text):
        # "asking for myself" makes a question about a place of danger the speaker's
        tags.append("method.means")
        about_speaker = True
    return tuple(dict.fromkeys(tags)), about_speaker


# A bare mention of a fall, about someone else, said as hyperbole ("he'll jump off the
# roof if we lose again, so dramatic") is a figure of speech, not method detail.
_MENTION = re.compile(r"(?:jump|jumping|leap|leaping|throw \w+self|step) (?:off|from) ")
_HYPERBOLE = re.compile(
    r"\b(?:so dramatic|being dramatic|(?:over|melo)dramatic|drama queen|exaggerat\w*|joking|"
    r"jokes|kidding|lol|lmao|haha\w*|if (?:\w+ ){0,2}(?:lose|lost|loses|win|wins|miss|misses|"
    r"runs? out of|breaks?|cancel\w*) )|[🙄😂🤣]"
)
_DETAIL = re.compile(r"\b(?:tonight|today|tomorrow|right now|how|which|\d+|plan\w*|note)\b")
# "is it safe with alcohol?" asks about an ordinary interaction (the medical stage's)
_SAFE_QUESTION = re.compile(r"\b(?:safe|ok|okay|alright|fine|allowed)\b")
_DRINK = re.compile(r"\b(?:vodka|alcohol|wine|booze|whisky|whiskey|gin|rum|drink)\b")


def _ordinary(tag: str, matched: str, sentence: str, start: int, text: str) -> bool:
    """Method words in an ordinary reading: hyperbole about someone else with no detail,
    or whether a medicine is safe with a drink."""
    if tag == "method.lethality":
        return _DRINK.search(matched) is not None and _SAFE_QUESTION.search(sentence) is not None
    if tag != "method.height" or not _MENTION.match(matched):
        return False
    if not _HYPERBOLE.search(text) or _DETAIL.search(text):
        return False
    prefix = sentence[:start]
    first = max((m.end() for m in _FIRST.finditer(prefix)), default=-1)
    other = max((m.end() for m in _OTHER.finditer(prefix)), default=-1)
    return other > first


_ASKING_FOR_SELF = re.compile(r"\basking for (?:myself|me)\b")
# A question about a place of danger: whether it can be reached, or when it is quiet.
_PLACE_QUESTION = re.compile(
    r"\b(?:(?:do|does|are|is|when do|when does|what time do|what time does|how often do|how "
    r"often does)(?: the)?(?: \w+)? (?:trains?|bridge|cliffs?|roof|rooftop|car ?park|"
    r"multi-?stor(?:e)?y|tracks|railway|line|crossing|viaduct|tower|quarry|reservoir)s? "
    r"(?:still )?(?:run|pass|go through|come through|open|locked|closed|fenced|watched|have "
    r"cameras)|(?:can|could) (?:you|i|anyone|someone) (?:still )?(?:get|climb) (?:up )?(?:onto "
    r"|on to |to |into )?(?:the )?(?:\w+ )?(?:roof|bridge|tracks|railway|cliff|top (?:level|floor)|"
    r"viaduct|tower|quarry))\b"
)


_FIRST_INTENT = re.compile(
    r"\b(?:for me|for myself|asking for me|i (?:want|need|plan|am going|'m going)|"
    r"my (?:own )?(?:life|plan))\b"
)
_FRAMED = re.compile(
    r"\b(?:(?:for|in) (?:my|a|our) (?:nursing|medical|pharmacology|"
    r"module|course|class|essay|novel|book|story|script|assignment|exam|research|lecture|"
    r"training)|my character|asking for a (?:story|book|novel|character)|(?:someone|a friend|"
    r"my friend|he|she|they) (?:at work |online )?(?:said|told me|says)|the (?:article|news|"
    r"documentary|report|film|show) (?:said|says|named|described))\b"
)


def _is_speaker(sentence: str, matched: str, start: int) -> bool:
    """First person in the sentence (or nobody named: a bare question is the asker's),
    and not told as the past."""
    clause_start = max((m.end() for m in _CLAUSE.finditer(sentence, 0, start)), default=0)
    clause_end = _CLAUSE.search(sentence, start)
    clause = sentence[clause_start : clause_end.start() if clause_end else len(sentence)]
    if _PAST.search(sentence) and not _NOW.search(clause):
        return False
    if _FIRST.search(matched):
        return True
    prefix = sentence[:start]
    first = max((m.end() for m in _FIRST.finditer(prefix)), default=-1)
    other = max((m.end() for m in _OTHER.finditer(prefix)), default=-1)
    if first != other:
        return first > other
    return bool(_FIRST.search(sentence)) or not _OTHER.search(sentence)


class Method:
    """The safe-messaging stage. Settings: ``resources`` (named to a speaker at risk),
    ``others_escalation`` (``none``, ``info`` or ``warning``: for details about others)."""

    name = "method"

    def __init__(
        self, *, resources: str = _DEFAULT_RESOURCES, others_escalation: str = "none"
    ) -> None:
        if not isinstance(resources, str) or not resources.strip():
            raise ValueError("resources must be a non-empty text")
        if others_escalation not in _SEVERITIES:
            raise ValueError(f"others_escalation must be one of {sorted(_SEVERITIES)}")
        self._resources = resources.strip()
        self._others = _SEVERITIES[others_escalation]
        scan.prepare()  # the shared pass is built now, not on the first message

    def screen(self, submission: Submission) -> Verdict:
        """Hold a message with method or means detail, and say why."""
        tags, about_speaker = find_methods(submission.canonical)
        if not tags:
            return ALLOW
        reason = (
            "Thank you for sharing. A facilitator will look at your message before it goes "
            "to the circle, because details about methods can hurt others who are "
            "struggling. You're welcome to share how you feel without those details."
        )
        if about_speaker:
            reason += (
                f" A facilitator will be with you soon. If you are in danger now, "
                f"{self._resources}."
            )
        risk = Risk.NONE
        if about_speaker:
            # A method one is considering for oneself is active ideation on the Columbia
            # scale; with a time frame it is imminent.
            imminent = _TIME.search(submission.canonical.lower())
            risk = Risk.IMMINENT if imminent else Risk.ACTIVE_IDEATION
        return Verdict(
            action=Action.HOLD,
            risk=risk,
            tags=("method", *tags),
            reasons=("method or means detail" + (" about the speaker" if about_speaker else ""),),
            sender_reason=reason,
            escalate=_ESCALATION[risk] if about_speaker else self._others,
        )
