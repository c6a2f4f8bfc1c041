"""Crisis language: how much danger a message's words suggest, and the default policy.

A clause-level rule engine over the canonical text, no model. Precompiled rules (the
table below) find first-person risk statements (direct, indirect, slang, a few other
languages), danger to others and danger from others; a rule is tried only when one of
its trigger words occurs, so ordinary messages cost a few microseconds. The message is
split into sentences and clauses, and each finding is checked against the scopes a
keyword filter ignores:

* idioms and hyperbole (``this job is killing me``, ``I'm dead 💀``) are blanked first;
* negation just before the statement (``I'm not suicidal``, ``I'd never``);
* the past told as past (``two years ago I tried ...``), unless the clause brings it
  back to now (``still``, ``again``, ``tonight``);
* someone else as the subject (``she wants to die``, ``if you're thinking of ending
  it``), reported speech and quotations (``my counsellor said ...``), hypotheticals
  (``if I ever feel like ...``);
* laughter next to slang (``kms lol``) lowers the level by one rather than dropping it;
  next to a threat to or from someone else (``my mum will kill me 😂``) it drops it.

Escalators then raise the level: a plan, means at hand, a time frame, a goodbye,
giving things away, an act under way. The levels follow the Columbia scale's order:
a wish to be dead is passive ideation; thoughts of killing oneself or intent are active;
a plan, means, time, goodbye or act make it imminent. Two choices go further than the
scale's wording, because people in crisis write that way: a plain "I want to die" is
read as active (it is hedged back to passive by what keeps it a wish: "I'm not going to
do anything", "some days", "part of me"), and a wish with a near time ("I want to die
tonight") is at least active.

A goodbye often has no risk word in it ("thank you all for everything, you were the
only ones who listened"). Signs of finality (``final.*`` rules: a farewell, a decision
made, means acquired, letters written, "you won't hear from me again") are weighed
together: one alone is ordinary (a circle ends with thanks and love), two strong ones
or a strong and a weak one make a goodbye, and so do goodbye letters written for one's
family on their own. Signals of a plan (``sig.*``: intent to act, means at hand, a time)
are weighed the same way (``_plan``): intent or means with a time or a goodbye is
imminent.

Default policy (settings): ``hold_at`` (``active_ideation``) and above is held for the
facilitators with a caring private reply naming ``resources``, escalated ERROR, or
CRITICAL when imminent; ``deliver = true`` delivers it flagged instead. Passive ideation
is delivered and flagged to the facilitators, who are the right first response to a wish
without intent; paging the on-call professional for it would make alerts noise
(``passive_escalation``, default ``none``). Distress is delivered with its tag.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

from moderation import scan
from moderation._quick import quick_init
from moderation.literals import Guarded, Twin
from moderation.scan import Literals, Scanned
from moderation.stage import Submission
from moderation.verdict import ALLOW, Action, Escalation, Risk, Verdict

__all__ = ["NOTHING_FOUND", "Assessment", "Crisis", "assess", "kept"]

_P, _A, _D = Risk.PASSIVE_IDEATION, Risk.ACTIVE_IDEATION, Risk.DISTRESS
_I = Risk.IMMINENT
SELF, TO_OTHERS, FROM_OTHERS = "self", "harm_to_others", "danger_from_others"
# Finality: farewells, thanks "for everything", a decision made, means acquired. One alone
# is ordinary (a circle ends with thanks and love); together they are a goodbye.
FINAL = "final"
# Signals: intent to act ("doing it after this"), a time, means at hand, a goodbye's
# deeds. Each alone is too little; together they are a plan.
SIGNAL = "signal"
TIME = "time"
_WEIGHTS = {"weak": 1, "strong": 2, "decisive": 3}
_GOODBYE_WEIGHT = 3

_ME = r"(?:i|i'm|im|i am|i've|ive|i'll|i'd|id|i will|i would)"
_GO = (
    r"(?:going to|gonna|gunna|about to|ready to|want to|wanna|plan(?:ning)? to|planning on|"
    r"decided to|will|'ll|'m going to|need to|have to|intend to|intending to)"
)
_PERSON = (
    r"(?:him|her|them|someone|somebody|some ?one|everyone|people|my (?:ex|husband|wife|"
    r"partner|boyfriend|girlfriend|bf|gf|dad|father|step ?dad|mum|mom|mother|brother|"
    r"sister|boss|abuser|neighbou?r|son|daughter|baby|kids?|family|teacher|roommate)|"
    r"(?:that|the) (?:man|guy|woman|bastard|bitch|asshole|prick|bloke|person|one) who|"
    r"that (?:man|guy|woman|bastard|bitch|asshole|prick))"
)
_THREAT = r"(?:kill|hurt|beat|shoot|stab|strangle|choke|murder|rape|come for|get)"
# Who a danger from others comes from, wider than <AGENT>: a stranger in the house, an
# ex-partner written with a hyphen, the one who abused the speaker named by what they did.
_ASSAILANT = (
    r"(?:he|she|they|someone|somebody|some ?one|there'?s (?:a man|a guy|someone|somebody)|"
    r"(?:my |our )?(?:ex(?:[ -]?(?:partner|husband|wife|boyfriend|girlfriend|bf|gf))?|"
    r"former[ -]?(?:partner|husband|wife|boyfriend|girlfriend)|husband|partner|boyfriend|dad|"
    r"father|step ?(?:dad|father|mum|mother)|abuser|attacker|stalker|rapist)|my (?:wife|"
    r"girlfriend|bf|gf|mum|mom|mother|brother|uncle|cousin|neighbou?r|landlord)|my \w+'s "
    r"(?:brother|father|dad|husband|ex|boyfriend|partner|son)|(?:the|that) (?:man|guy|bloke|"
    r"woman|person|one|lad|men|people) who (?:\w+ ){0,2}(?:abused|raped|attacked|assaulted|"
    r"hurt|stalked|groomed|molested|beat|trafficked) (?:me|us|my \w+))"
)
_AGENT = (
    r"(?:he|she|they|my (?:ex|husband|wife|partner|boyfriend|girlfriend|bf|gf|dad|father|"
    r"step ?dad|mum|mom|mother|brother|abuser|uncle|cousin|son|neighbou?r)|my \w+'s (?:brother|"
    r"father|dad|husband|ex|boyfriend|partner|son))"
)
_DIE = (
    r"(?:die(?! of old age| peacefully| happy| laughing)|be dead|not (?:be )?alive|not exist|"
    r"disappear(?! into| for a| from| off(?! the face))|vanish(?! into| for a| from| off(?! the "
    r"face)| to| with| in)|be gone|sleep forever|be (?:six|6) ?(?:feet|ft) under|be in (?:a|the|"
    r"my) grave)"
)
# Tablets and medicines by their kinds and common names (an overdose's means).
_MEDS = (
    r"(?:pills|tablets|meds|medication|medicine|prescription|capsules|sleeping pills|sleepers|"
    r"painkillers|antidepressants|paracetamol|co-?codamol|ibuprofen|aspirin|insulin|lithium|"
    r"benzos|opioids|oxy\w*|\w+(?:pine|pam|lam|done|zole|codeine|madol|barbital|tanyl|xetine|"
    r"traline|tyline|clone|damol|profen))"
)

# The rules, one a paragraph: "tag level kind", then "when" lines naming the triggers
# (plain substrings, "_" for a space: the pattern is tried only when one occurs, which keeps
# ordinary messages fast), optional "needs" lines (a pattern that must also occur
# somewhere in the message: the context that makes the words mean danger) and "unless"
# lines (one that must not: the context that makes them ordinary), then the pattern's
# lines, joined as they are. A space in a
# pattern also matches no space (the normaliser joins spelled-out letters); <GO>, <PERSON>,
# <AGENT>, <THREAT>, <DIE> and <MEDS> stand for the fragments above.
_RULE_TEXT = r"""
crisis.act imminent self
  when took taken swallowed downed
    (?:i(?:'ve| have)? (?:just )?|just )(?:took|taken|swallowed|downed) (?:all|a lot|a bunch|
    the whole|every|too many|loads|\d+|twenty|thirty|forty|fifty|so many)\b[^.!?]{0,30}(?:pills|
    tablets|meds|of them|of my)
crisis.act imminent self
  when edge ledge bridge roof tracks cliff
  unless fix|repair|clean|gutter|tiles?|solar|aerial|antenna|sunbath|barbecue|bbq|party|drinks|
  unless view|photos?|pics|selfie|walk|run|cycl|commute|train (?:to|home)|waiting|platform \d
    (?:i'm|im|i am) (?:standing )?(?:on|at) the (?:train |railway )?(?:edge|ledge|bridge|roof|
    tracks|cliff)
crisis.act imminent self
  when deep bleeding
    (?:i|i've|i have|i just) (?:just )?cut (?:my ?self |my (?:arm|wrist|leg|thigh)s? )?(?:way |
    too |really |so |very )*deep|can'?t stop the bleeding
crisis.goodbye imminent self
  when because_i
    because i (?:finally |actually )?(?:went|'?ve gone|have gone|had gone) through with it
crisis.goodbye imminent self
  when bye the_end last_m last_p last_t last_w last_l last_n final_m final_g final_w read_this
  when i'm_gone im_gone i_am_gone tell_my take_care look_after be_here be_around farewell
  when suicide_n suicide_l said_my
    this is (?:my )?(?:goodbye(?! (?:from me )?(?:for|till|until|from)\b)|the end(?! of)|my last
     (?:message|post|time))|goodbye forever|(?:bye|
    goodbye) for (?:good|ever)|by the time you (?:read|see) this|my (?:last|final) (?:message|
    goodbye|words)|when i'?m gone|(?:take care of|look after) my (?:cat|dog|kids|babies|pets?|
    plants) (?:for me|when)|tell my (?:\w+ )?(?:mum|mom|dad|family|kids|
    sister|brother|partner|son|daughter|husband|wife|friends?|nan|gran) (?:i love|that i love|
    i loved|
    that i loved|i'm sorry|im sorry)|won'?t be (?:here|around) (?:anymore|
    after tonight)|(?:i'?ve|i have) said my goodbyes(?! to)|
    (?:writing|wrote|written|write|left|leaving) (?:a |my )?(?:goodbye|farewell|last|suicide)
     (?:letters?|notes?|messages?)
crisis.act imminent self
  when took taken swallowed downed necked had_a_bunch had_loads had_a_load had_a_handful
  needs <MEDS>|wooz|weird|drows|dizz|sleepy|floaty|sick|numb|spinning|lying down|
  needs heart (?:is )?racing|
  needs whisky|whiskey|vodka|wine|gin\b|rum\b|beer|cider|lager|booze|alcohol|washed (?:them|it)
    (?<!\bif\si\s)(?<!\bif\si've\s)(?<!\bif\si\shave\s)(?<!\bif\si\sjust\s)(?:took|taken|swallowed|
    downed|necked|had) (?:like |about |around |maybe |over |nearly |almost |just |all )?(?:a bunch|
    a load|loads|a handful|handfuls|heaps|a lot|the lot|the whole (?:lot|packet|pack|box|bottle|
    strip|tub|prescription|supply)|too many|\d{2,}|twelve|fifteen|twenty|thirty|forty|fifty)(?: of
     (?:my |the |those |these |his |her |them |all )?(?:\w+ )?<MEDS>| of them| <MEDS>|(?= ?(?:$|
    [.,!]|with (?:the |some |a |half a |my |a bottle of )?(?:\w+ )?(?:whisky|whiskey|vodka|wine|gin|
    rum|beer|cider|lager|booze|drink|alcohol)|and (?:now|i)|now|already|earlier|an? (?:hour|while|
    few)|\d+ ?(?:mins?|minutes?|hours?|hrs?) ago)))|(?<!\bif\si\s)(?:took|taken|swallowed|downed)
     (?:all )?the <MEDS> i (?:was|'d been|had been|have been|'ve been) (?:saving|keeping|
    stockpiling|hoarding|collecting|stashing)|(?<!\bif\si\s)(?:took|taken|swallowed|downed|necked)
     (?:my|the) (?:whole|entire) (?:prescription|supply|stash|<MEDS>)
crisis.act imminent self
  when cut_my cut_deep cut_too cut_really cut_so_deep cut_very cut_way cut_open cut_up slit sliced
  when slashed
  needs blood|bleeding|bleed
  unless shav|chopp|cook|kitchen|slipped|accident|fence|glass|garden|by mistake|paper|onion|
  unless veg|bread|hair|fringe|nails?\b|tin\b|can\b|dog|cat\b|surgery|stitches from
    (?:cut|slit|sliced|slashed) (?:open |up )?(?:my ?self|my (?:wrists?|arms?|forearms?|thighs?|
    legs?|veins?|stomach|throat)|(?:too |really |so |very |way )?deep)(?! (?:on|with the|while|
    whilst|shaving|chopping|by accident|accidentally)\b)
crisis.act imminent self
  when bath
  unless shav|legs|armpit|pits\b|book|candle
    (?:in|into|sitting in|sat in|lying in|lay in|getting in|got in|
    get in) the bath (?:\w+ ){0,2}with
     (?:a|the|my|dad'?s|his|some) (?:razor|blade|knife|stanley knife|razors|blades|scalpel)
crisis.act imminent self
  when writing_this typing_this messaging_from texting_from writing_from typing_from
  unless view|hotel|holiday|ship|captain|enterprise|game|deck
    (?:writing|typing|sending|messaging|texting) (?:this |you )?(?:from|on) (?:the|
    a) (?:\w+ )?(?:bridge|
    roof|ledge|edge|cliff|cliff ?top|tracks|railway|viaduct|multi-?stor(?:e)?y)
crisis.act imminent self
  when railway rail_line train_line tracks
  unless platform|station|waiting|delay|commut|train (?:to|home)|work(?:ing|s)? on|engineer|
  unless maintenance|model|toy|train ?set|hobby|spott|photo|walk|dog|bike
    (?:i'?m|im|i am|standing|sitting|sat|stood|lying|laying|lay|kneeling|here) (?:right )?(?:now )?
    (?:on|onto|across|between) the (?:railway|train|rail) ?(?:line|tracks?)|(?:i'?m|im|i am|
    standing|
    sitting|sat|stood|lying|laying|lay|kneeling|^|[.!?,] ?) (?:right )?(?:now )?(?:on|across|
    between) the (?:train |railway )?tracks(?! (?:of|for|by|near)\b)
crisis.act imminent self
  when cliff
  unless view|walk|hik|sunset|sunrise|photo|dog|coast ?path|beautiful|gorgeous|lovely|picnic|climb
    (?:standing|stood|sitting|sat|i'?m|im|i am) (?:right )?(?:on|at) (?:the )?(?:edge of the )?
    cliff(?:s| ?top| edge| path)? (?:now|right now|rn)
crisis.act imminent self
  when side_of_the
  unless gig|concert|match|queue|road|festival|crowd|zoo|pitch|stage|law|history|argument|debate
    (?:i'?m|im|i am|standing|sitting|sat|stood|climbed|climbing|got) (?:right )?(?:now )?(?:on |
    over |to )?the (?:other|wrong|outside|far) side of the (?:railings?|barriers?|rail|fence|
    balustrade|balcony|parapet|bridge)
crisis.act imminent self
  when balcony
  unless plants|washing|smok|coffee|tea|sun|view|drink|beer|wine|bbq|barbecue|painting|fix
    (?:i'?m|im|i am|standing|sitting|sat|stood|perched|climbed) (?:up )?(?:right )?(?:now )?(?:on|
    over|onto) the (?:balcony )?(?:rail|railing|ledge|edge|wall)(?: of the balcony)?
crisis.act imminent self
  when engine ticking idling car's_running car_is_running cars_running van's_running vans_running
  when van_is_running car_still_running van_still_running car_running van_running car's_on
  when car_is_on van's_on
  needs garage|hose|exhaust|door (?:is )?(?:down|shut|closed)|tape|windows? (?:up|shut|closed)
  unless warm|defrost|\bice\b|frost|school run|waiting for|pick(?:ing)? (?:up|her|him)|drive-?thr|
  unless mechanic|garage (?:said|says|fixed|quoted|told|rang|called)|\bmot\b|servic|battery|
  unless lift|charg|heater|air ?con|fixed|repair
    (?:engine|car|van|motor|truck)(?:'s| is| has been|'s been)? (?:still )?(?:running|on|ticking
     over|idling)(?! (?:again|fine|well|better|rough|smooth|ok|okay|lovely|great|now that)\b)
crisis.act imminent self
  when loaded gun_out shotgun_out rifle_out pistol_out revolver_out
  unless clean|clay|range|hunt|pheasant|deer|rabbit|pigeon|club|season|film|movie|game|airsoft|
  unless paintball|nerf|water gun|glue gun|staple|nail gun|heat gun|fox|vermin|farm|licen[cs]
    (?:loaded|loading) (?:up )?(?:the|my|his|dad'?s|my dad'?s|a|her|my husband'?s) (?:\w+ )?(?:gun|
    shotgun|rifle|pistol|revolver|firearm)|(?:gun|shotgun|rifle|pistol|revolver|firearm)(?:'s| is)
     (?:already )?loaded|(?:taken|took|got|getting|get|have|i'?ve got) (?:the |my |his |her |
    a )?(?:\w+'s )?
    (?:gun|shotgun|rifle|pistol|revolver|firearm) out(?! (?:to|for|on) (?:clean|the range|a shoot|
    shoot|hunt))
crisis.means active_ideation self
  when chemists pharmacies shops supermarkets stores
  needs <MEDS>|boxes|packs|packets|strips
  unless ran out|out of stock|sold out|cheaper|offer|deal|price|cold|flu|fever|hay ?fever|
  unless allerg|period|for (?:my|the|our) (?:kids|baby|mum|dad|nan|gran|family|son|daughter)
    (?:bought|buying|got|getting|picked up|collected) (?:\w+ ){0,5}(?:from|at|in|across|
    round) (?:two|
    three|four|five|six|several|\d+|a few|a couple of|all the|different)(?: different| separate)?
     (?:chemists|pharmacies|shops|supermarkets|stores)
crisis.means imminent self
  when enough
  needs boxes|packs|packets|strips|hose|helium|charcoal|stockpil|counted|\d{2,}\b|a month'?s|
  needs supply|saved up|been saving
  unless for (?:a|the|my|our) (?:cold|flu|fever|headache|migraine|period|kids|holiday|trip|week|
  unless month)|tiles|paint|wallpaper|food|biscuits|cake|party|guests|recipe|first aid|doctor|dose|
  unless dosage|\d+ ?mg\b|\bgp\b|nurse|vet\b|dog|cat\b|money|savings|\bpounds?\b|quid|points|words
    (?<!\w\s)(?<!\w)(?:is (?:that|it|this|\d+) |are (?:they|those|these|\d+) |will (?:that|it|this|
    they|\d+) be |would (?:that|it|this|they|\d+) be |that'?s |thats |it'?s |its |it is |that is
     |they'?re |there'?s )?(?:definitely |surely |probably |now |more than )?enough(?: (?:now|then|
    yet|do you think|right|you reckon|to do it|for it))?(?= ?(?:$|[.!?;]))
crisis.means active_ideation self
  when hose helium
  unless garden|water|plants|lawn|wash|pool|paddling|flower|veg|allotment|drought|ban\b|balloon|
  unless party|birthday|voice|leak|radiator|washing machine|dishwasher|shower|vacuum|hoover
    (?:hose ?(?:pipe)?|helium) (?:\w+ ){0,2}(?:is |are |'s )?(?:already |all )?(?:in|into|on|to fit|
    fits?|cut to fit|taped to|attached to) (?:the |my |his |her )?(?:\w+ )?(?:garage|car|boot|
    exhaust|van|trunk|window)|(?:exhaust hose|hose (?:\w+ ){0,4}(?:exhaust|gaffer|duct tape|cut to
     fit))|(?:bought|got|ordered|picked up) (?:the |a |some |a tank of |a canister of |
    a bottle of )?
    (?:helium|length of hose|hose ?pipe and)
crisis.means active_ideation self
  when counted lined_up laid_out ready_for
  unless round|ward|patients?\b|shift|dosette|blister|pharmac|collection|prescri|nurse
    <MEDS> (?:are |'re |all |is )?(?:all )?(?:counted|lined up|laid out|
    sorted)(?: out)?(?: and (?:ready|
    waiting|lined up|laid out))?(?= ?(?:$|[.,!]|for (?:tonight|tomorrow|later|the weekend|when|
    after)))|
    <MEDS> (?:are |'re |is )?(?:all )?ready for (?:tonight|tomorrow|later|when|after)
sig.means strong signal
  when everything_i_need what_i_need
  unless holiday|trip|flight|move|moving|wedding|party|birthday|course|uni|college|baby|project
    (?:got|have|i'?ve got) (?:everything|all|what) i need (?:saved up|stashed|hidden|together|in
     (?:the|my) (?:car|bag|drawer|boot|room))
sig.time strong time
  when waiting_till waiting_until wait_till wait_until to_go_home to_go_to_bed to_leave
  when to_fall_asleep
  when to_be_asleep
    (?:waiting|wait) (?:till|until|for) (?:\w+ ){1,3}(?:(?:is|are|'s|'re|s) )?(?:asleep|to (?:go|be)
     (?:home|out|asleep|to bed)|to leave|go(?:es)? (?:home|out|to bed)|leaves?|to fall asleep)
sig.time strong time
  when for_the_weekend at_the_weekend over_the_weekend by_the_weekend
    (?:plan|planned|it|that) (?:\w+ )?(?:for|at|over|by) the weekend
sig.means strong signal
  when bottle_of
    <MEDS> and (?:a |half a |the )?bottle of (?:gin|vodka|whisky|whiskey|wine|rum|brandy)|
    a (?:month|week|fortnight)'?s(?: worth of| supply of| supply| worth)? (?:my )?<MEDS>
crisis.plan imminent self
  when the_date my_date chosen decided_on settled_on
  unless wedding|party|birthday|anniversar|holiday|trip|flight|mov(?:e|ing)\b|interview|surgery|
  unless \bop\b|operation|appointment|date night|match\b|gig\b|meeting|dinner|lunch|date with|
  unless christening|funeral|(?:exam|test|results?) (?:is|are|'s)|save the date|scan\b|court|
  unless hearing|visit|viewing|
  unless completion|start(?:ing)? (?:date|work|my)|due date|induction|lesson|class|course
    (?:that'?s|thats|that is|it'?s|its|it is|this is) (?:the|my) date(?= ?(?:$|[.,!]))|(?:i'?ve|i
     have|i) (?:now )?(?:chosen|picked|set|decided on|settled on|fixed) (?:the (?:date|day)[,:]? )?
    (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tonight|tomorrow)(?= ?(?:$|[.,!]))
crisis.plan imminent self
  when decided. decided! it's_decided its_decided that's_decided all_decided set_in_stone
  needs \b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tonight|tomorrow)\b
  unless wedding|party|birthday|anniversar|holiday|trip|flight|mov(?:e|ing)\b|interview|pizza|
  unless dinner|lunch|takeaway|curry|film|movie|restaurant|match (?:is|on)|pub|drinks|date night
    (?<!\w\s)(?<!\w)(?:it'?s |that'?s |all |i'?ve |i have |its )?(?:decided|set in stone)(?=
     ?(?:$|[.!?;]))
crisis.plan active_ideation self
  when is_the_week is_the_day is_the_night is_the_weekend is_the_month is_the_year is_my_week
  when is_my_day is_my_night is_my_weekend is_my_month is_my_year
  unless smok|quit|gym|diet|marathon|propos|driving|exam|interview|tell (?:him|her|them|my)|ask
  unless apply|sober|clean|run\b|dye|tattoo|cut my hair|leave him|leave her|move out|book
    this is (?:the|my) (?:week|day|night|weekend|month|year) (?:that |when )?i (?:finally |actually
     |really )?(?:do it|go through with it|end it|end things)(?= ?(?:$|[.,!]))
final.pet weak final
  when for_a_while for_a_week for_a_bit for_a_few for_a_fortnight agreed_to_take has_enough_food
  when have_enough_food dropped_the dropped_my dropped_off to_take_my to_have_my to_mind_my
  when to_look_after_my to_keep_my to_take_the to_have_the to_mind_the to_look_after_the
  needs \b(?:dogs?|cats?|pets?|puppy|kitten|rabbits?|budgie|hamster|parrot|tortoise|horse|fish)\b
    (?:take|took|taking|have|having|keep|keeping|mind|minding|look after|looking after|agreed to
     take|agreed to have)(?: (?:my|the|our|her|him|them|it))? (?:\w+ )?(?:for a (?:while|week|bit|
    few (?:days|weeks)|fortnight|couple of (?:days|weeks))|on (?:monday|tuesday|wednesday|thursday|
    friday|saturday|sunday))|(?:has|have) enough food for a (?:week|fortnight|while|few days)|
    dropped (?:off )?(?:the|my) (?:dog|cat|puppy|kitten|rabbits?|pets?) (?:off )?(?:at|with)|
    told (?:him|her|them) (?:it'?s|it is|it was) for a (?:while|week|bit|few days|fortnight)|
    (?:asked|asking) (?:my |a )?(?:\w+ ){0,2}to (?:take|have|mind|look after|keep) (?:my|
    the) (?:dog|
    cat|puppy|kitten|rabbits?|pets?|budgie|hamster|parrot)
final.denial strong final
  when it_isn't. it_isn't! it's_not. it's_not! it_is_not. it_is_not! i'm_not. i'm_not! im_not.
  when im_not! i_am_not. i_am_not! it_won't_be. it_won't_be! it_will_not_be. giving_h giving_t
  when bringing_h bringing_t
  needs for a (?:while|week|bit|few (?:days|weeks)|fortnight)|(?:thinks|think|told (?:him|her|
  needs them|everyone)|said) (?:that )?(?:i'?m|i am|it'?s|it is|i was|it was)
    (?<!\w\s)(?<!\w)(?:it isn'?t|it'?s not|it is not|i'?m not|im not|i am not|it won'?t be|
    it will not be)(?= ?(?:$|[.!]))|(?:won'?t|will not|wont|shan'?t|not) be (?:giving|bringing|
    handing) (?:her|him|them|it) back
final.scheduled weak final
  when scheduled timed_a timed_an queued
  unless meeting|work|team|client|newsletter|campaign|invoice|report|reminder|remind|birthday|
  unless appointment|post office|promo
    (?:scheduled|timed|queued)(?: up)? (?:a |an |some |the |my )?(?:texts?|messages?|emails?|
    e-mails?|posts?|tweets?)
final.explain strong final
  when ll_explain will_explain where_to_find_me
    (?:they|it|the (?:emails?|letters?|notes?|messages?|texts?))(?:'ll| will) explain(?: everything|
     it all)?(?= ?(?:$|[.,!]))|so (?:she|he|they|someone|somebody|people|the police|my \w+)
     (?:knows?|will know|can find|will find|finds?) where to find me(?= ?(?:$|[.,!]))
final.door strong final
  when to_break to_kick to_force to_smash
    so (?:they|nobody|no one|noone|whoever|the police|the paramedics|anyone|someone)
     (?:don'?t|doesn'?t|won'?t|will not|wont|needs? not) (?:have|need|has) to (?:break|kick|force|
    smash) (?:it|the door|in|down|the door down|the lock)|(?:nobody|no one|noone) (?:has|needs|will
     have) to (?:break|kick|force|smash) (?:it|the door|in|down|the lock)
final.keys weak final
  when unlocked on_the_latch keys_on key_on keys_with key_with keys_under key_under
    (?:left|leaving|leave) (?:the )?(?:front |back )?door (?:unlocked|on the latch)|door(?:'s| is)
     (?:left )?(?:unlocked|on the latch)|(?:left |
    leaving )?(?:the |my )?(?:spare )?keys? (?:is |are )?(?:left )?(?:on|under|with) (?:the|my)
     (?:table|mat|side|caretaker|neighbou?r|kitchen|doormat)
final.last_session strong final
  when my_last_session my_last_one my_last_meeting my_last_circle my_last_post my_last_check
  when my_last_time my_final_session my_final_one my_final_meeting my_final_circle my_final_post
  when my_final_check my_final_time
  unless holiday|moving|move|graduat|course|programme|discharg|new group|evening group|job|
  unless switch|before|for a while|till|until|for now|maternity|surgery|op\b|abroad|away
    (?:this|today|tonight)(?:'ll| will|'s| is) (?:be )?my (?:last|final) (?:session|one|meeting|
    circle|post|check-?in|time here|time)(?= ?(?:$|[.,!]|here|with you))
final.arranged strong final
  when arrangements at_peace_with
    (?:made|make|making) (?:all )?(?:my|the) (?:final )?arrangements|at peace with (?:them|that|it
     all|everything|my (?:choice|decision|plans?))
final.whoever strong final
  when for_whoever for_the_person for_the_one
    for (?:whoever|the person who|the one who) (?:comes|finds|gets here|turns up|is first)
final.its_time strong final
  when it's_time it_is_time its_time
    (?<!\w\s)(?<!\w)(?:it'?s|it is) time(?= ?(?:$|[.!]))
final.tidied weak final
  when tidied cleaned_the cleaned_my
    (?:tidied|cleaned) (?:up )?(?:the|my) (?:flat|house|room|place|bedroom)
final.loose_ends strong final
  when loose_ends
  unless work|holiday|job|project|office|leav(?:e|ing) (?:for|on)|mov(?:e|ing)\b|maternity|trip|
  unless before (?:my|the|our|we|i go|i fly)|retir|solicitor|lawyer|will\b|probate|estate|
  unless accountant|tax\b|divorce|house sale|mortgage
    (?:tying|tie|tied|tidying|sorting|wrapping) up (?:all )?(?:my |the )?loose ends
final.instructions strong final
  when instructions_for
  unless sitter|minder|feeder|holiday|flight|fly|trip|away|abroad|hospital stay|while i'?m|
  unless while we'?re|work
    (?:left|leaving|written|wrote|writing) (?:\w+ ){0,2}instructions for (?:the |my )?(?:cat|dog|
    pets?|fish|kids|funeral|whoever|rabbits?)
final.passwords strong final
  when passwords_in passwords_are password_is
  unless work|office|manager|it department|holiday|away|laptop for
    passwords? (?:is |are )?(?:all )?in (?:an|the|a) envelope
crisis.giving_away active_ideation self
  when be_needing
  unless sell|sold|new|replac|upgrad|mov(?:e|ed|ing)\b|holiday|away|abroad|lend|borrow|return
    (?:shall not|shan'?t|won'?t|will not|wont) be needing (?:them|it|these|those|any of (?:it|this|
    them)|my \w+|the \w+) (?:after|beyond|past|from)
crisis.indirect active_ideation self
  when make_that_happen make_it_happen make_this_happen
  needs gone|better off|without me|not here|dead|be free|burden|no longer
    (?:i|i'?m|i am|i will|i'?ll) (?:\w+ )?(?:intend|mean|plan|going|gonna|will|want|
    need)(?: to)? make
     (?:that|it|this) happen
crisis.indirect active_ideation self
  when out_of_the_picture out_of_the_equation out_of_this_world out_of_everyone
  needs better (?:for|off)|for good|permanently|forever|for ever|burden|nobody|no one|gone|alive|
  needs for real
    (?:take|taking|remove|removing|get|getting) my ?self out of (?:the picture|the equation|this
     world|everyone'?s (?:lives|life|way))
crisis.indirect active_ideation self
  when t_plan not_plan t_intend not_intend t_mean not_mean t_expect not_expect
    (?:don'?t|do not|not) (?:plan|planning|intend|intending|mean|expect) (?:on|to) (?:seeing|see|
    reach(?:ing)?|mak(?:e|ing) it to|be(?:ing)? (?:here|around|alive) (?:for|at|by|on)) (?:my (?:\w+
     )?birthday|christmas|another (?:year|birthday|christmas|winter|summer)|next (?:year|
    christmas|birthday)|the new year|(?:my )?\d+(?:st|nd|rd|th)?)(?! (?:with|at|in|as|abroad|
    away|here|there|sober)\b)
crisis.indirect active_ideation self
  when see_christmas see_next see_another see_the_new see_the_summer see_the_spring see_the_winter
  when see_summer see_spring see_winter t_see_my ll_see_my not_see_my gonna_see_my to_see_my
  when make_it_to_my
  when make_it_to_christmas make_it_to_next make_it_to_another make_it_to_the here_for_christmas
  when here_for_my around_for_my around_for_christmas here_for_the around_for_the
  needs my (?:choice|decision)|on purpose|make sure|(?:don'?t|do not|dont) want to(?= ?(?:$|[.!]))|
  needs won'?t let my ?self
    (?:don'?t think i'?ll|won'?t|will not|not going to|not gonna|shan'?t) (?:see|make it to|be
     (?:here|around) for) (?:christmas|my (?:\w+ )?birthday|next (?:year|christmas|birthday)|the
     new year|another (?:year|birthday|christmas|winter|summer)|(?:the )?(?:summer|spring|winter))
crisis.indirect active_ideation self
  when to_check_out na_check_out m_checking_out am_checking_out checking_out_tonight
  when checking_out_for checking_out_now
  needs for good|permanently|not the hotel|for real|not a joke|of life|of this world|no more|
  needs forever|for ever|for keeps
    (?:(?:ready to|going to|gonna|about to|time to|want to|wanna|i'?m|i am|im) |(?<!\w\s)(?<!\w)
    )(?:check|checking) out(?: of (?:here|life|this life|this world))?(?= ?(?:$|[.,!]|for good|
    permanently|tonight|
    now|soon|for real|for keeps|forever))
crisis.indirect active_ideation self
  when make_sure_of_it making_sure_i make_sure_i
  needs not long for|won'?t see|won'?t be (?:here|around)|gone|wake|be dead|not make it|birthday|
  needs christmas|this world|alive
    (?:i'?ll|i will|gonna|going to|i'?m going to) make sure of it|(?:thinking (?:of|about)|going
     to|gonna|will|i'?ll) mak(?:e|ing) sure i (?:don'?t|never|won'?t|do not)(?: (?:wake|make it|
    see)|(?= ?(?:$|[.,!])))
crisis.indirect active_ideation self
  when done_done
    (?:i'?m|im|i am|i think i'?m|think im) (?:just |so |properly |completely |really )?done done
    (?! with (?:the|this|my|that|work|it|him|her|them)\b)
crisis.attempt active_ideation self
  when tried try_to trying attempted
    (?:tried|try|trying|attempted) to (?:kill my ?self|end (?:my|it)|take my (?:own )?life|
    overdose|od\b|hang my ?self)
crisis.direct active_ideation self
  when self
    (?:kill|kil|killing|hang|hanging|shoot|shooting|drown|drowning|off|offing|unalive|unaliving|
    delete|deleting|end|ending|gas|poison|overdose on purpose) ?my ?self
crisis.direct active_ideation self
  when life my_own it_all existence
    (?:end|ending|take|taking|end(?:ed)?) (?:my (?:own )?life|it all|my existence)|(?:end|ending|
    ended) my own(?! \w)
crisis.direct active_ideation self
  when end_it endit ending_it endingit
    (?:want|wanna|going|gonna|ready|plan(?:ning)?|thinking (?:about|of)|think about|decided|
    need|about) (?:to )?end(?:ing)? it(?! (?:with|between|for|off|on)\b)(?! \w+ \w+ \w+ (?:him|
    her))
crisis.direct active_ideation self
  when end_it endit ending_it endingit end_things end_everything ending_things ending_everything
    end(?:ing)? (?:things|everything)(?! (?:with|between|off|on|for)\b)|
    end(?:ing)? it(?: all)?(?= ?(?:$|[.,!?]|tonight|now|today|soon|for good|forever|after|this|
    before|when|once|and|already))
crisis.plan active_ideation self
  when ways best_way how method
    (?:looking (?:at|up|into)|researching|googling|searching (?:for)?|read(?:ing)? about|
    thinking (?:about|of)|figured out|worked out) (?:ways|methods|the best way|how) (?:to |
    i'?d |i would |i could |i'?ll )?(?:do it|die|end it|go|kill)|(?:thinking|
    thought) about how$|ways to do it|(?:think|thinking|thought) about how (?:i'?d|i would|i'?ll|i
     will|i could|to) (?:do it|end it|go through with it)
crisis.plan active_ideation self
  when overdos _od _0d jump take_all take_every take_the taking_all taking_every taking_the
  when take_them taking_them swallow
    (?:<GO>|thinking (?:of|about)|considering) (?:overdos(?:e|ing)|[o0]d\b|jump(?:ing)?\b(?! (?:in|
    on|into|at|for|up|around|ship|start|the queue|through)\b)|(?:tak|swallow)(?:e|ing) (?:all|
    every one|the whole|them all))
crisis.plan active_ideation self
  when plan through
    (?:have|got|made) a plan (?:and|to|,) (?:i'?m |im )?(?:going to|gonna|will) (?:do it|
    go through with it)|go(?:ing)? through with it
crisis.means active_ideation self
  when front_of hand next_to
    (?:pills|tablets|rope|gun|knife|blade|blades|razor|noose) (?:is |
    are )?(?:right )?(?:here )?(?:in front of me|in my hand|next to me|beside me|in my lap)(?!.*(?:
    which|morning|evening|dose|
    prescri|doctor|pharmac|vitamin))
crisis.direct active_ideation self
  when on_myself on_my_self
  needs gun|weapon|rifle|pistol|firearm|shotgun|revolver|knife|blade|razor|taser|sidearm|glock
    (?:turn|turning|turned|point|pointing|pointed|use|using|used) (?:it|the (?:\w+ )?(?:gun|weapon|
    rifle|pistol|firearm|shotgun|knife|blade|razor)|my (?:\w+ )?(?:gun|weapon|rifle|pistol|
    firearm|shotgun|knife|blade|razor)|a (?:gun|knife|blade)) on my ?self
crisis.direct active_ideation self
  when suicidal
    (?:i'm|im|i am|feel|feeling|felt|been|so+|getting|very|really|actively|quite|pretty|super|
    extremely|more|become)(?: (?!not\b|never\b|no\b)\w+)? suicidal|suicidal (?:thoughts|
    ideation|urges|feelings|again|tonight|today|right now)
crisis.direct active_ideation self
  when think thought
    (?:thinking|thought|think|thoughts) (?:about|of) (?:suicide|killing my ?self|ending (?:it|
    my life|things)|taking my (?:own )?life|dying by suicide|not being alive)
crisis.direct active_ideation self
  when suicide
    <GO> (?:commit suicide|die by suicide)
crisis.direct active_ideation self
  when suicide
    (?:commit|committing) suicide
crisis.self_harm active_ideation self
  when self relapsed cut hurt
    (?:want|wanna|going|gonna|urge|urges|need|going back) (?:to )?(?:hurt|harm|cut|
    burn) my ?self|(?:relapsed|cut) (?:again|last night|tonight|today)|self ?harm(?:ed|
    ing)? (?:again|tonight|last night|today)
crisis.slang active_ideation self
  when kms unaliv un-aliv ctb sewer slide suiside sooicide suicde delete sudoku toaster yeet rope
  when the_bus my_shelf myshelf
  when thebus
    (?<![\d.])(?<!\d\s)kms|un-?aliv(?:e|ing)|ctb|
    (?:kill|killing|unalive|end|ending) my ?shelf|sewer ?slide|suiside|sooicide|suicde|self ?delete|
    commit (?:sudoku|
    toaster bath|die)|toaster bath|yeet my ?self (?:off|out)|rope my ?self|
    catch(?:ing)? the bus(?! to| home| into| from| at| back| in | there| because| so| with|
     after| before| or)
crisis.indirect active_ideation self
  when without won't wont will_not not_be deal_with relieved free_when think_i doubt_i
    (?:better|happier|easier) (?:off )?without me|(?:won'?t|will not|wont) be (?:a burden|
    a problem|in (?:your|anyone's|their) way|around|here|alive) (?:(?:to|for) (?:anyone|any of
     you|you all|you|everyone) )?(?:much|for much|
    any|for) ?(?:longer|more)|won'?t have to (?:deal with|worry about) me (?:much longer|
    anymore|soon)|not be (?:around|here) (?:much longer|for long)|(?:don'?t think|
    doubt) i'?ll (?:be (?:around|here|alive)|make it) (?:next|much longer|by|for|to|tomorrow|
    through)|won'?t be (?:anyone'?s|a|your|their|everyone'?s) (?:problem|burden)(?! to)|(?:have|
    need) to deal with me (?:much longer|anymore|for long)|(?:relieved|free) when i'?m gone
crisis.giving_away active_ideation self
  when t_need where_i
    won'?t need (?:it|them|any of (?:it|this|them)|my \w+|anything) (?:anymore|any more|
    where i'?m going|soon|after)|where i'?m going
crisis.giving_away passive_ideation self
  when giving
    giving (?:away )?(?:all )?my (?:things|stuff|belongings|possessions|clothes)(?: away)?
crisis.passive passive_ideation self
  when wish hope_i hoping_i pray part_of exist all_be all_to wake dying death for_good forever
  when permanently
    wish (?:i (?:was|were|could be|'d be)|to be) (?:dead|gone|never born|not alive|not here|(?:six|
    6) ?(?:feet|ft) under|in (?:a|the|my) (?:grave|coffin))|
    wish i (?:could )?(?:just )?(?:go to sleep|sleep|fall asleep) and (?:not|never) wake|
    wish i (?:could )?(?:just )?(?:go to sleep|sleep|fall asleep|close my eyes) and (?:be with|
    join) (?:him|her|them|my \w+)\b(?! (?:in the morning|tomorrow|later|when)\b)|
    wish i (?:could )?(?:just )?(?:wouldn't|didn't|would not|did not|won't|never|not) wake(?!
     (?:up )?(?:so |this )?(?:early|late|at|before|till|until|with|every|in the night))|
    wish i (?:wasn't|
    had never been|was never|hadn't been|were never) born|(?:hope|hoping|praying) i (?:don't|
    never|won't|do not) wake up(?! (?:late|early|in time|before|till|until|at|with|too|to|on|
    when|hungover|sick|stiff|grumpy)\b)|wish i could (?:just )?(?:die|disappear|stop existing|
    not exist)|pray(?:ing)? i (?:don't|never|won't|do not) wake|wish i (?:wasn't|weren't|
    was not) (?:alive|here|around)|part of me (?:wants|wishes|would like|longs) to <DIE>|
    if i (?:just )?(?:didn'?t|
    did not) exist|(?:want|wanna) to (?:go to )?sleep and (?:never|not) wake|(?:thinking|think|
    thoughts) (?:about|of) (?:dying|death|being dead)|want (?:it|this|
    everything) (?:all )?(?:to be|to) (?:over|end|stop) (?:for good|forever|permanently)|(?:it|
    everything) (?:would|could|will)? ?all be over|want it all to (?:stop|end)
crisis.passive passive_ideation self
  when die dead alive exist disappear gone forever vanish feet_under ft_under grave
    (?:want|wanna|wanted|want(?:ed)? to|longing to|ready to) <DIE>
crisis.passive passive_ideation self
  when die death dead
    wanna die|want death|want to be dead
crisis.want_to_die active_ideation self
  when morir mourir sterben morrer morire jag_vill
    (?:me )?quiero morir(?:me)?|je veux mourir|ich (?:will|möchte|mochte|moechte) (?:nur noch )?
    sterben|quero morrer|voglio morire|jag vill (?:bara )?d[öo]\b
crisis.passive passive_ideation self
  when leven vill_inte_leva
    ik wil niet (?:meer )?leven|jag vill inte leva (?:längre|langre|mer)
crisis.direct active_ideation self
  when eind_aan zelfmoord livet_av
    er (?:\w+ ){0,2}een eind(?:e)? aan (?:te )?maken(?! met)|zelfmoord (?:te )?plegen|
    mijn leven (?:te )?be[eë]indigen|ta livet av mig
crisis.want_to_die active_ideation self
  when die dead
    (?:i |i just |i really |i honestly |i seriously |just |really )?(?:want|wanna|wan|ready)(?: to)?
     (?:die|be dead)(?! (?:of|from|in|at|when|laughing|happy|old)\b)
crisis.passive passive_ideation self
  when want
    (?:don'?t|do not|dont|didn'?t) (?:particularly |really |especially )?want to (?:live|be alive|
    exist|wake up|be here (?:anymore|
    any more|any longer)|keep (?:living|existing)|go on living)
crisis.passive passive_ideation self
  when dead point reason tired done no_one nobody noone mind_d mind_i mind_n worth
    better off dead|life'?s not worth living|(?:no|what'?s the|what is the) (?:point|reason) (?:in |
    of |to )?(?:keep |
    go on |carry on )?(?:living|being alive|live|life|going on|existing|staying alive|
    being here)|tired of (?:living|being alive|existing|life)|done with (?:life|living|
    being alive)|(?:no one|nobody|noone) would (?:even |really |ever )?(?:miss me|
    notice if i (?:was|were|died) gone|notice if i (?:disappeared|died|was gone|vanished)|
    care if i (?:died|was gone|disappeared))|(?:wouldn'?t|would not) mind (?:dying|if i died|
    not waking up|if a (?:bus|car|truck) hit me)|life (?:isn'?t|is not) worth living
crisis.distress distress self
  when can't cant can_not cannot burden hopeless worthless trapped empty numb alone exhausted
  when broken useless failure way_out no_hope nothing give_up giving_up hate falling cares tired
    can'?t (?:do this|take (?:it|this|any more|anymore)|cope|go on|keep (?:doing|going|living|
    fighting)|handle (?:it|this|anything)|live like this)|(?:i'm|im|i am|feel|feeling|feel like|
    feeling like|being) (?:such |so |a |an )*(?:burden|hopeless|worthless|trapped|empty|numb|
    so alone|
    completely alone|all alone|exhausted|broken|useless|a failure)|no way out|no hope|
    nothing (?:will|is going to|ever) (?:change|get better|gets better)|(?:i )?give up\b|
    giving up|hate my ?self|falling apart|nobody cares|no one cares|so tired of (?:everything|
    it all|fighting|trying|pretending|being)
crisis.distress distress self
  when hopeless pointless lonel exhausted drowning crying too_much failure don't_see done
  when what's_wrong believes_me
    hopeless(?:ness)?|pointless|lonel(?:y|iness)|exhausted|drowning|crying (?:all|every|on and off|
    since|for hours)|(?:nobody|no one|noone) (?:ever )?believes? me|(?:it's|it is|
    everything is) (?:all )?too much|(?:such|a total|a complete) failure|don'?t see the point|
    what'?s wrong with me|(?:i'm|im|i am) (?:so |just |completely )?done(?= ?(?:$|[.!,]|
    with (?:it all|everything|life|this life)))
crisis.direct active_ideation self
  when matar suicid tuer finir umbring mich selbstmord suizid uccid ammazz farla
    (?:me (?:quiero|voy a) (?:matar|suicidar)|quiero (?:matarme|suicidarme)|voy a (?:matarme|
    suicidarme)|pienso en (?:suicidarme|matarme|el suicidio)|je (?:veux|vais) me (?:suicider|
    tuer)|envie de me (?:suicider|tuer)|je pense (?:au suicide|[aà] me suicider)|
    en finir avec (?:la vie|tout)|ich (?:will|werde|möchte|mochte|moechte) mich umbringen|
    ich bring(?:e)? mich (?:\w+ ){0,3}um\b|mich umzubringen|denke an (?:selbstmord|suizid)|
    selbstmordgedanken|vou me matar|quero me matar|mi voglio (?:uccidere|ammazzare)|
    voglio (?:uccidermi|farla finita))
crisis.passive passive_ideation self
  when morir mourir vivre sterben leben morrer morire vivere vivir aufwachen despertar veiller
  when svegliarmi acordar
    (?:no quiero (?:vivir|seguir viviendo)|envie de mourir|je ne veux plus vivre|
    ich will nicht mehr leben|
    non voglio (?:più|piu) vivere|(?:nicht|nie) mehr aufwachen|no despertar(?:me)? (?:nunca|
    m[aá]s)|ne (?:plus|jamais) me r[ée]veiller|non svegliarmi (?:più|piu)|n[aã]o acordar (?:mais|
    nunca))
crisis.distress distress self
  when puedo peux kann faccio
    ya no puedo m[aá]s|je n'en peux plus|ich kann nicht mehr|non ce la faccio (?:più|piu)
crisis.passive passive_ideation self
  when to_die sleep_forever
    can'?t wait to die(?! my| your| her| his| it)|(?:need|deserve|should|ought) to die|
    (?:go to |fall )?sleep forever
crisis.plan active_ideation self
  when method plan_is picked chose chosen decided_on
    (?:have|got) my method|(?:picked|chose|chosen|decided on|settled on) (?:a |my |the )?(?:method|
    date|way to do it)(?! (?:for|of)\b)|my plan is to (?:end it|end my|go through with it|die|kill)
crisis.indirect active_ideation self
  when not_going not_gonna won't wont
    (?:not going to|not gonna|won'?t|will not) be (?:here|around|alive) (?:much longer|
    for (?:much )?longer|for long|by (?:the weekend|next week|tomorrow|friday|morning))
crisis.self_harm active_ideation self
  when urge cut burn hurt
    urges? to (?:cut|self ?harm|burn|hurt my ?self)|(?:hurt|cut|burned|burnt|harmed) my ?self
     (?:again|last night|tonight|today|this morning)
crisis.passive passive_ideation self
  when ganas lust
    ganas de morir(?:me)?|keine lust mehr (?:zu leben|auf das leben)
crisis.direct active_ideation self
  when finir
    (?:vais|veux|voudrais|envie d'|envie de|besoin d') en finir
danger_from_others active_ideation danger_from_others
  when afraid scared terrified
    (?:i'm |im |i am )?(?:afraid|scared|terrified) (?:to go|of going) (?:back )?home
crisis.passive passive_ideation self
  when wasn't weren't was_not tired_of_being death wish_i'd wish_i_had
    if i (?:just )?(?:wasn'?t|weren'?t|was not) (?:here|around|alive)|death (?:sounds|seems|feels|
    would be) (?:peaceful|nice|good|like a relief|easier|appealing|better)|wish i (?:'d|had)
     (?:died|never woken|not survived|not woken)
crisis.plan active_ideation self
  when ways methods
    (?:thinking (?:of|about)|looking (?:at|up|into)|researching|reading about|searching (?:for |
    up )?|
    googling) (?:ways|methods)(?= ?(?:$|[.,!]|to (?:do it|die|end (?:it|my|things)|kill|go\b|not
     wake|hang|overdose|disappear)|i (?:could|would|might|'d)|of (?:doing it|dying|ending|killing)|
    online|again|and then|and delet))
crisis.direct active_ideation self
  when pensando quitarme denke
    pensando en (?:suicidarme|matarme|el suicidio|quitarme la vida)|quitarme la vida|
    denke (?:\w+ ){0,3}an (?:selbstmord|suizid)
danger_from_others imminent danger_from_others
  when breaking kicking
    (?:breaking|kicking) (?:down |in )?(?:the|my) door
harm_to_others active_ideation harm_to_others
  when kill hurt stab shoot strangl murder poison beat_up run_over break_his break_her break_their
  when ending_him ending_her
  unless (?:the )?(?:ref|referee|linesman|umpire)\b|(?:penalty|penalties|offside|free kick|
  unless red card|own goal|sent off|sends? (?:him|her|them) off)\b
    (?:<GO>|i'll|i will|i'm gonna|'m going to) (?:\w+ )?(?:kill|hurt|stab|shoot|strangle|murder|
    poison|beat up|run over|shoot up) <PERSON>(?! \w*ing)|(?:<GO>|i'll|i will|i'm gonna|'m going
     to) (?:\w+ )?break (?:his|her|their) (?:\w+ )?(?:jaw|neck|legs?|arms?|nose|face|skull|teeth|
    fingers|kneecaps?)|(?:i'?m|i am|<GO>|i'll|i will) (?:\w+ )?ending (?:him|her)(?= ?(?:$|[.,!]|
    for good|tonight|when|once|if))
harm_to_others active_ideation harm_to_others
  when killing hurting stabbing shooting make_him make_her make_them shoot
    (?:thoughts|thinking|urges?|fantasi[sz]e|fantasi[sz]ing) (?:of |about )?(?:killing|hurting|
    stabbing|shooting) <PERSON>|make (?:him|her|them) pay|shoot up (?:the|my) (?:school|office|
    work|place)
danger_from_others active_ideation danger_from_others
  when kill hurt beat shoot stab strangl chok murder rape come_for get_me get_us
  unless (?:neighbou?r|parking|hedge|bins?) (?:disputes?|wars?|feuds?)\b(?!.*(?:scared|afraid|
  unless terrified|frightened|police))|
  unless my (?:mum|mom|mam|mother|nan|gran|nana|granny)(?:'s| is)? (?:going to|gonna|will|'ll)
  unless  (?:literally |actually )?kill me\b(?!.*(?:scared|afraid|terrified|frightened|hurt|
  unless hit|beat|belt|abus|knife|gun|mean it|not joking|serious|if i (?:leave|tell|go)))
    <AGENT>(?:'s| is| was)? (?:going to|gonna|will|'ll|'d|would|
    said (?:he|she|they)(?:'d| would| will|'ll)|threatened to|threatening to|
    keeps threatening to|swore (?:he|she)(?:'d| would)|
    says (?:he|she)(?:'ll| will)) <THREAT> (?:me|us|my kids|my \w+)
danger_from_others imminent danger_from_others
  when bang break gun knife weapon lock hid where_i out_where know_where knows_where
    (?:he|she|they|my ex|my husband|my partner)(?:'s| is| are|'re) (?:outside )?(?:banging on|
    breaking in|
    trying to (?:get|break) in)|(?:has|got|grabbed|pulled out|pulled) a (?:gun|knife|weapon)
     (?:on me)?|(?:locked|hiding|hid) (?:my ?self )?in (?:the|my) (?:bathroom|bedroom|car|
    room|closet)|(?:he|she|they|my ex|my husband|my partner|my dad|my stepdad|my abuser)(?: has|
    's| have|'ve)? (?:found out|found|knows|know|worked out) where (?:i|we|the kids|my kids)
     (?:live|am|are|'m|'re|stay|work)|(?:he|she|they|my ex|my husband|my partner|my dad|my
     stepdad|my abuser)(?: has|'s| have|'ve)? (?:found out|found|knows|know|worked out) where
     (?:the|my|our) (?:refuge|shelter|safe house) is
danger_from_others imminent danger_from_others
  when he's hes he_is she's shes she_is they're they_are theyre ex's ex_is ex_s husband
  when partner friend's friend_is dad's dad_is stepdad
  unless film|movie|episode|\bseries\b|documentary|trailer|novel|\bscene\b|hide and seek|wasps?\b|
  unless spiders?\b|\bfork\b
  needs scared|afraid|terrified|frightened|drunk|wasted|angry|furious|raging|violent|threat|
  needs (?:hit|hurt|kill|beat|hits|hurts|hitting|hurting)s? (?:me|us)|abus|dangerous|weapon|gun|
  needs knife|hid(?:e|ing)|not safe|unsafe|panick?|help me|shaking|released from|on bail|
  needs got out(?= ?(?:$|[.,!]|and|early|of (?:prison|jail|the nick)))|restraining order|
  needs injunction|non-?molestation|protection order|refuge|shelter
    (?:he|she|they|my ex|my husband|my partner|my (?:boy|girl)friend|my dad|my stepdad)(?:'s|
    s| is| are|'re) (?:\w+ )?(?:outside|at (?:my|the) (?:door|window|house)|in the house|
    (?:back |at )?home|here|downstairs|upstairs|in the (?:next|other) room|coming (?:back|
    home|over|round|around|for me)(?: \w+)? (?:tonight|now|soon|drunk|any minute)|
    on (?:his|her|their) way)
danger_from_others active_ideation danger_from_others
  when threatening hitting attacking hurting choking
    <AGENT>(?:'s| is| are|'re) (?:threatening|hitting|attacking|hurting|choking|
    strangling) (?:me|us|my kids)
danger_from_others active_ideation danger_from_others
  when safe danger scared afraid terrified hit_me hit_us chok strangl beat punch attack rape
  when threaten
    i don'?t feel safe (?:at home|here|tonight|right now|now|with him|with her)|
    (?:i'm|im|i am|i feel|i don'?t feel) (?:not safe|unsafe|in danger) (?:at home|here|
    tonight|right now|now|with him|with her)|(?:i'm|im|i am) (?:so )?(?:scared|afraid|
    terrified) (?:he|she|they)(?:'ll| will|'s going to|'s gonna| is going to| might|
     is gonna) (?:kill|hurt|hit|find|come)|(?:he|she|they|my ex|my husband|my partner) (?:hit|
    choked|strangled|beat|punched|attacked|raped|threatened) (?:me|us) (?:again|today|
    last night|this morning)
danger_from_others imminent danger_from_others
  when hit_me hit_us chok strangl beat punch attack rape
    (?:he|she|they|my ex|my husband|my partner) (?:hit|choked|strangled|beat|punched|attacked|
    raped) (?:me|us) (?:again )?(?:tonight|just now|an? (?:hour|few minutes|minute) ago|(?:\d+|
    ten|five|twenty) minutes ago)
crisis.direct active_ideation self
  when all_i stop_thinking
    (?:suicide|killing my ?self|ending it|ending my life|taking my (?:own )?life) is all i (?:can )?
    (?:think|thinking) (?:about|of)|all i (?:can )?(?:think|thinking) (?:about|of) is (?:suicide|
    killing my ?self|ending it|ending my life)|can'?t stop thinking (?:about|of) (?:suicide|
    killing my ?self|ending (?:it|my life))
crisis.passive passive_ideation self
  when all_i stop_thinking
    (?:dying|death|being dead) is all i (?:can )?(?:think|thinking) (?:about|of)|all i (?:can )?
    (?:think|thinking) (?:about|of) is (?:dying|death|being dead)|can'?t stop thinking (?:about|
    of) (?:dying|death|being dead)
crisis.means active_ideation self
  when saved saving stockpil hoard stash collect
    (?:i'?ve |i have |i'?m |i am |i )?(?:been )?(?:saved|saving|stockpiled|stockpiling|hoarded|
    hoarding|stashed|stashing|collected|collecting) (?:up )?(?:\w+ ){0,3}(?:pills|tablets|
    meds|painkillers|sleeping pills|prescriptions?)|(?:pills|tablets|meds|painkillers) (?:i'?ve |
    i have )?
    (?:saved|stockpiled|hoarded|stashed|hidden) (?:up|away)|(?:pills|tablets|meds|painkillers|
    benzos|sleepers|opioids|oxy\w*|patches|insulin|\w+(?:pine|pam|lam|done|zole|codeine|madol|
    barbital|tanyl)) (?:i'?ve |i have )?(?:got )?(?:saved|stockpiled|hoarded|stashed|hidden|put
     by|put aside)(?= ?(?:$|[.,!?]|up|away|for|in|,))
final.farewell strong final
  when goodbye bye farewell
    (?:goodbye|bye) (?:forever|for good)|goodbye (?:everyone|everybody|all|guys|friends)(?! (?:for|
    till|until|from)\b)|farewell|this is (?:my )?goodbye(?! (?:from me )?(?:for|till|until|
    from)\b)|saying (?:my )?goodbyes?(?! to)
final.bye weak final
  when goodbye
    (?<!\w\s)(?<![\w,])goodbye ?(?:[.!]+|$)
final.bye weak final
  when bye
    bye (?:everyone|everybody|all|guys|friends)(?! (?:for|till|until|from)\b)
final.thanks weak final
  when for_everything for_trying
    (?:thank you|thanks|thank u|ty) (?:all |so much |guys |everyone |for |again )*(?:for )?
    (?:everything|trying)
final.love weak final
  when love_you love_u
    (?:i )?love (?:you|u) (?:all|guys|everyone)
final.care weak final
  when take_care look_after
    (?:take care of|look after) (?:each other|yourselves|one another)
final.sorry strong final
  when sorry_for forgive
    (?:i'?m |i am )?(?:so )?sorry for everything|please forgive me|(?:i'?m |i am )?sorry for
     (?:being (?:such )?a burden|all the (?:trouble|pain) i'?ve caused)
final.only strong final
  when the_only
    (?:you|you all|you guys|this (?:group|circle)) (?:were|was|have been|'ve been|are) the only
     (?:ones|one|people|person|thing|place|reason)
final.blame strong final
  when blame fault
    (?:don'?t|do not|dont) blame (?:yourselves|yourself|anyone|any of you)|(?:it'?s|it is|this
     is|this isn'?t|it isn'?t) not (?:your|anyone'?s|any of your) fault
final.last strong final
  when last_time hear_from see_me coming_back be_here be_around be_back
    (?:last time (?:you'?ll|you will|anyone will|i'?ll|i will) (?:hear|see|talk|read)|(?:won'?t|
    will not|wont) (?:hear from|see) me (?:again|anymore|any more)|(?:i'?m|i am) not coming back|
    won'?t be (?:coming )?back(?! (?:next|for|until|till|on|in|after|this|because|from))|(?:won'?t|
    wont|will not|not going to|not gonna) be (?:here|around) (?:tomorrow|after (?:today|tonight|
    this)))
final.decided strong final
  when decided decision mind_is made_up at_peace ready_now ready_with time_for time_to_go
  when what_i'm what_i_am what_im what_i_have what_i_need
    (?:i'?ve|i have) (?:finally )?(?:made (?:up )?my (?:mind|decision)|decided)(?= ?(?:$|[.,!]|
    and|it'?s|it is|it will|it'?ll))|my mind is made up|(?:i'?m|i am) (?:at peace|ready) (?:now|
    with (?:it|this|my decision))|it'?s time (?:for me )?to go|i know what i'?m (?:going to|gonna)
     do|i know what i (?:have|need) to do
final.secret strong final
  when asleep wakes finds notices stops everyone's everyone_is everyone_are everybody they're
  when they_are house_is they_re
    (?:when|once) (?:everyone|everybody|they|the house)(?:'s|'re| is| are)? (?:asleep|gone|out|
    quiet)|
    before (?:anyone|they|someone) (?:wakes|finds|notices|stops)
final.means strong final
  when rope gun pills tablets charcoal razor blade
    (?:bought|got|have|picked up|ordered) (?:a |the |some |enough |my )?(?:rope|gun|pills|
    tablets|charcoal|razors?|blades?)(?! for\b| to\b)
crisis.act imminent self
  when took taken swallowed
    (?:i(?:'ve| have)? )?(?:already |just )(?:took|taken|swallowed) (?:them|it|the lot|all of
     them|everything)|(?:took|taken|swallowed) (?:them|it|the lot|all of them) (?:already|
    (?:like )?an? (?:hour|while|few minutes) ago|\d+ (?:mins?|minutes|hours?) ago)
crisis.act imminent self
  when bleeding stop_bleeding too_deep
    (?:won'?t|doesn'?t|wont|isn'?t|can'?t|cant) (?:stop )?(?:stop )?bleeding|went too deep|
    (?:i|i've) (?:just )?cut (?:\w+ ){0,3}too deep
crisis.act imminent self
  when edge ledge bridge roof tracks cliff railing platform car_park carpark building balcony
  when tower
    (?:standing|sitting|sat|stood|perched|stand|sit|up|here|i'm|im|i am) (?:right )?(?:on|
    at) (?:the )?
    (?:edge|ledge|railing|top) of (?:the |a |my )?(?:\w+ ){0,2}(?:roof|bridge|building|car ?park|
    cliff|tower|balcony|platform)|(?:standing|sitting|sat|stood) (?:on|at) the (?:\w+ )?(?:bridge|
    roof|tracks|cliff|ledge|edge)(?= ?(?:$|[.,!]|right now|now|rn|and|it'?s|up here))
crisis.plan imminent self
  when how_many
  needs pills|tablets|meds|patch|benzo|insulin|sleepers|painkillers|paracetamol|\w+(?:pine|pam|
  needs lam|done|zole|codeine|madol|barbital|tanyl|xetine|traline)\b|opioid|oxy
    (?:know|worked out|figured out|calculated|counted|work out) (?:exactly |precisely |roughly )?
    how many (?:\w+ ){0,3}(?:i'?d|i would|i'?ll|i will|it would|it'?d|it will|it'?ll) (?:need|
    take)(?! (?:for (?:the|a|my|your|work|school)|to (?:make|bake|cover|feed|fill|buy|build|
    paint|finish|get through)))
sig.means strong signal
  when lined_up laid_out counted_out set_out
    (?:pills|tablets|meds|capsules|blades|razors) (?:are |all )?(?:\w+ )?(?:lined up|laid out|
    counted out|set out)|(?:lined|laid|counted|set) (?:up |out )?(?:all )?(?:the |my |his |her
     )?(?:pills|tablets|meds|capsules|blades|razors)
sig.do_it weak signal
  when the_night the_day
  unless wish me luck|excited|celebrat|party|birthday|anniversar|wedding|gig\b|concert|match\b|
  unless proposing|propose|interview|exam\b|results|(?:days?|weeks?|months?|years?) (?:clean|sober)|
  unless sobriety|(?:i'?m|i am) (?:finally )?(?:telling|going to tell|gonna tell)|big reveal
    (?:tonight|today|tomorrow)'?s the (?:night|day)|(?:tonight|today) is the (?:night|day)
crisis.plan imminent self
  when it's_time everything_ready all_ready
  unless wish me luck|excited|celebrat|party|birthday|anniversar|wedding|gig\b|concert|match\b|
  unless proposing|propose|interview|exam\b|results|(?:days?|weeks?|months?|years?) (?:clean|sober)|
  unless sobriety|(?:i'?m|i am) (?:finally )?(?:telling|going to tell|gonna tell)|big reveal
    (?:i'?ve |i have )?got everything (?:i need )?ready(?! for\b| to\b)|
    everything is ready(?! for\b|
     to\b)|all ready now
crisis.indirect active_ideation self
  when being_a
    (?:time (?:i|to)|<GO>|i'?ll|i will) stop(?:ped)? being a (?:problem|burden|weight) (?:for|to|on)
     (?:everyone|anyone|you all|everybody|my family|them)
crisis.indirect active_ideation self
  when worry_about have_to_worry miss_me
    (?:no one|nobody|noone|you|you all|none of you) (?:will |'ll )?(?:have|need) to worry about
     me (?:after|any ?more|much longer|soon|for long)
crisis.attempt active_ideation self
  when properly right_this_time this_time
    (?:do|doing|did) it (?:properly|right) (?:this time|next time)|get it right this time|
    (?:finish|finishing) (?:the job|what i started)
crisis.passive passive_ideation self
  when hit_me wouldn't_fight rather_not rather_be never_been faded fade finished_the_job
  when never_born wouldn't_mind hit_by
    wish (?:a|the|some) (?:car|bus|truck|lorry|train) would (?:just )?hit me|(?:wouldn'?t|would
     not|won'?t) fight it|(?:i'?d|i would) (?:rather|prefer to) (?:not be (?:alive|here|around)|
    be dead|not exist|not wake up|not be)(?= ?(?:$|[.,!]|if|anymore|any more|tbh|honestly))|
    wish i(?:'d| had) never been born|wish (?:he|she|they)(?:'d| had) finished the job|
    (?:wouldn'?t|would not) mind if i (?:just )?(?:faded|disappeared|died|didn'?t wake|
    stopped existing|never woke)|(?:i'?d|i would) be better off (?:dead|unalive|not here|gone)|
    rather (?:be dead|not exist|not be alive|not be here)
crisis.direct active_ideation self
  when suicidal
    (?:^|[.!?,] ?)suicidal (?:af|asf|rn|again|today|tonight|now|as hell|and)
crisis.plan active_ideation self
  when rope bridge pills edge tracks gun
    (?:thinking|thought|think|dreaming) (?:about|of) (?:the )?(?:rope|bridge|pills|edge|tracks|gun)
     (?:again|a lot|lately|all the time|every day|constantly|tonight|today)
crisis.plan active_ideation self
  when railway tracks train_line level_crossing
    (?:keep|kept|can'?t stop|cannot stop) (?:thinking|dreaming) (?:about|of) (?:the )?(?:railway|
    tracks|train line|level crossing)(?: line)?(?! (?:we|in|at|they|you|he|she|from|that|strike|
    strikes|closure|works|repairs|project|delays?|fares?)\b)
crisis.plan active_ideation self
  when flip dive jump leap
    (?:<GO>|thinking (?:of|about)) (?:do )?(?:a )?(?:flip|dive|swan ?dive|jump|leap) off (?:the|a|
    that) (?:bridge|roof|building|cliff|balcony|car ?park|tower)
crisis.giving_away active_ideation self
  when be_needing
    (?:won'?t|wont|will not) be needing (?:them|it|these|those|any of (?:it|this|them)|my \w+)
     (?:anymore|any more|where|soon|after|$)|(?:won'?t|wont|will not) be needing (?:them|it|
    these|those)(?= ?(?:$|[.,!]))
final.nice strong final
  when nice_knowing pleasure_knowing good_knowing honour_knowing honor_knowing
    (?:it'?s|it has|it'?s been|been) (?:so )?(?:nice|good|a pleasure|an honou?r) knowing (?:you|
    u|all)
final.letters decisive final
  when letter notes note_for note_to the_note
  unless (?:therapist|counsell?or|psychologist|grief (?:worker|counsell?or)|support worker|sponsor|
  unless group|facilitator) (?:\w+ ){0,3}(?:suggested|said|asked|told|recommended|set|gave)|
  unless \b(?:exercise|homework|assignment)\b|(?:to|for) (?:my |our )?(?:late|dead|deceased)\b
    (?:wrote|written|writing|left) (?:\w+ ){0,2}(?:letters?|notes?) (?:for|to) (?:my(?! (?:younger|
    older|future|past|inner|little|teenage|child|kid|\d+ year)\b)(?! \w+'?s (?:teacher|school|
    nursery|doctor|gp|class|coach|boss|work|birthday))|each|everyone)|
    wrote the note(?!\w)
final.ready strong final
  when i'm_ready im_ready i_am_ready mean_it
    i think i'?m ready(?= ?(?:$|[.,!]|now))|i mean it this time|i'?m ready to go
final.cancel weak final
  when cancelled canceled
  unless mov(?:e|ed|ing)\b|emigrat|new (?:house|flat|home|phone|contract|provider|deal)|switch|
  unless upgrad|cheaper|better deal|abroad|relocat
    (?:cancelled|canceled) (?:my|the) (?:phone|contract|subscriptions?|gym|plans|appointments|
    insurance|lease|tenancy)
final.giving strong final
  when gave giving given give_away give_my give_the
    (?:gave|giving|give|given) (?:away )?(?:the |my )?(?:dog|cat|pets?|guitar|plants|things|stuff|
    jewell?ery|books|car|rings?|wedding ring|watch|necklace|medals|bracelet) (?:\w+ ){0,2}(?:to|
    away)
final.farewell strong final
  when wanted_to_say one_last one_final last_time final_time
    (?:just )?wanted to say (?:thanks|thank you|goodbye|bye|sorry) to (?:this group|you all|
    everyone|all of you)|one last (?:message|time|thing to say)|one (?:last|final) (?:chat|talk|
    word|goodbye|hello)(?! (?:with|before) (?:my|the|our|him|her|them|\w+ (?:before|at))\b)|(?:talk|
    chat|speak) to (?:you|you all|you guys|everyone|someone) (?:one )?(?:last|final) time
danger_from_others imminent danger_from_others
  when knife gun weapon
    (?:he|she|they|my ex|my husband|my partner)(?:'s| is| has|'s got| got) (?:got )?(?:the|a|his|
    her)
     (?:knife|gun|weapon|blade) (?:out|in (?:his|her) hand|again)
danger_from_others active_ideation danger_from_others
  when dead_before dead_by
    (?:said|says|told me|texted|threatened) (?:that )?(?:i'?d|i would|i will|
    i'?ll) be dead (?:before|
    by|if|soon)
danger_from_others active_ideation danger_from_others
  when matar
    (?:me|te) (?:va|iba) a matar|amenaz[oó] con matarme
sig.intent strong signal
  when end_it end_this end_things end_everything through_with keep_doing keep_going keep_living
  when keep_being
    (?:<GO>|i'?m|i am|i'?ll|i will|i'?ve decided|decided to|time to) (?:\w+ )?(?:end (?:it|this|
    things|everything)(?: for good| all)?(?= ?(?:$|[.,!?]|tonight|now|today|soon|for good|forever|
    after|before|when|once|and|already|this time))|go through with it)|(?:i'?ve decided|decided|
    i'?m|i am) (?:i'?m |i am )?not (?:going to|gonna) keep (?:doing it|going|living|doing this|
    being here)
sig.do_it weak signal
  when do_it doing_it finish_it finishing_it
    (?:<GO>|i'?m|i am|i'?ll|i will|i'?ve decided|decided to|time to) (?:\w+ )?(?:do it|doing it|
    finish it|finishing it)
    (?! (?:with|for|on|off|at work|in class|again)\b)|(?:^|[.!?,] ?)doing it (?:tonight|tomorrow|
    2nite|on|at|when|after|this|friday|saturday|sunday|monday|tuesday|wednesday|thursday|before)
sig.time strong time
  when countdown by_morning asleep away days_left day_left gone_by
    countdown|by (?:the )?morning|(?:falls?|is|are|'s|'re) asleep|when (?:my )?(?:\w+ )?(?:is|'s|
    are|'re) (?:away|out|asleep|gone|at work)|(?:\d+|two|three|few) days? left|gone by
sig.means strong signal
  when gun rifle rope pills tablets razor blade knife beam barriers need_today i_need car_is
  when engine running garage milligrams cabinet supply
    (?:i have|i'?ve got|i got|i'?m holding|holding|bought|found) (?:the |a |my |his |her |some |
    enough )?(?:\w+ )?(?:gun|rifle|rope|pills|tablets|razor|blade|knife|beam|meds)\b(?! (?:for|
    to cook|to cut (?:the|some|my (?:hair|fringe))|in the kitchen))|(?:gun|rifle|rope|pills|
    razor|blade|knife) (?:is |are )?(?:in|on) my (?:lap|hand|hands|pocket|bag|bed|desk)|bought
     what i need|(?:car|engine) is running|beam (?:\w+ ){0,4}(?:would|will|could) hold|
    (?:don'?t|do not|without) (?:have )?barriers|how many (?:milligrams|mg)|(?:\d+|three|six)
     months? supply|what'?s in (?:my|the|our|my mum'?s|my mom'?s) (?:\w+ )?cabinet|the key is
     (?:on|in|under)
final.deeds strong final
  when letters log_in goodbye last_time peace spare_key fed_the left_the be_gone
    (?:written|wrote) (?:\w+ ){0,2}letters|last time i'?ll (?:log in|post|be here|write)|made
     (?:my )?peace with it|left the spare key|fed the (?:cat|dog)|(?:sorry|apologi[sz]e) for
     (?:all )?the trouble|deserved (?:someone|something) better|(?:i'?ll|i will) be gone(?= ?(?:$|
    [.!]|by (?:the )?(?:morning|then|sunrise|dawn)|soon|forever|for good))
crisis.self_harm active_ideation self
  when hurting cutting burning harming burned burnt razor blade self_harm selfharm
    (?:keep|kept|been|started|start) (?:hurting|cutting|burning|harming) my ?self|(?:burned|burnt|
    cut|scratched) my (?:arm|arms|leg|legs|thigh|thighs|wrist|wrists|skin|
    stomach)(?: again)? (?:last
    night|tonight|today|again|this morning|this week)|(?:testing|pressing|running) the (?:razor|
    blade|knife) (?:on|across|along) my|self ?harm urges|urges? to self ?harm|
    (?:a little |a bit )?deeper every (?:night|time|day)
crisis.slang active_ideation self
  when sewerslid sewer_slid
    sewer ?slid(?:al|e|ing)
danger_from_others active_ideation danger_from_others
  when regret finish_it hands neck throat won't_stop wont_stop knows_where kids_go
  unless (?:neighbou?r|parking|hedge|bins?) (?:disputes?|wars?|feuds?)\b(?!.*(?:scared|afraid|
  unless terrified|frightened|police))
    <AGENT> (?:said|says|texted|told me|threatened|swore|
    keeps saying)(?: that)?(?: if [^.!?]{1,40})?
     (?:he|she|they)(?:'d|'ll| would| will| is going to|'s going to|'s gonna| is gonna| gonna)
     (?:\w+ ){0,2}(?:make sure i (?:regret|pay|suffer)|finish (?:it|me|the job)|make me (?:pay|
    regret|suffer|sorry)|(?:kill|hurt|hit|find|take) (?:me|us|the kids|my kids|the baby))|put
     (?:his|her|their) hands (?:on|around|round) my (?:neck|throat)|next time (?:he|she|they)
     (?:won'?t|will not|wont) stop|knows where (?:the kids|my kids|i|we) (?:go|live|are|work|
    stay|sleep)|said (?:he|she|they)(?:'d| would) finish it
danger_from_others imminent danger_from_others
  when his_way her_way their_way spare_key my_key gets_home get_home outside_my
  needs kill|hurt|finish|regret|threat|scared|afraid|terrified|hands on|neck|hit|beat|knife|gun|
  needs sort me out|sort you out|teach me|deal with
    (?:on (?:his|her|their) way (?:over|here|home|back|round)|(?:still )?(?:has|have|
    got) my (?:spare
     )?key|gets? home at|(?:is|'s) outside my (?:door|house|window|flat))
harm_to_others active_ideation harm_to_others
  when understand pay suffer regret bring_something bring_a knife gun what_it
    make (?:every ?one of them|them all|all of them|him|her|them|everyone|
    everybody) (?:\w+ )?(?:understand|
    pay|suffer|regret it|sorry)|bring (?:something|a gun|a knife|a weapon|my (?:gun|knife))
     (?:in|to (?:work|school|the office))|outside (?:his|her|their) (?:house|flat|place|door)
     with a (?:knife|gun|bat|weapon)|(?:he|she|they)(?:'s|'re| is| are) going to know what it
     (?:felt|feels) like
danger_from_others active_ideation danger_from_others
  when umbring schreit droht töten
    (?:er|sie) (?:\w+ ){0,3}(?:mich|uns) (?:\w+ )?(?:umbringt|umbringen|töten|tötet)|droht
     (?:mir|mich)
crisis.act imminent self
  when running lap
    (?:car|engine) is (?:still )?running in (?:the|a|my) (?:\w+ )?garage|(?:gun|rifle|pistol|knife|
    blade|razor) (?:is )?(?:in|on) my (?:lap|hands?)(?! earlier)
crisis.act imminent self
  when pastillas
    (?:me voy a tomar|voy a tomarme|me tom[eé]) (?:todas )?las pastillas
crisis.passive passive_ideation self
  when peaceful relief easier envy existed takes_me take_me exit
    (?:peaceful|nice|easier|a relief|restful|quiet) (?:\w+ ){0,2}(?:it )?(?:would be |'d be |
    must be )?to (?:not be here|not be alive|not exist|not wake up|be gone|disappear|just stop)|
    envy (?:people|those|the ones|anyone) who (?:die|died|get to die|don'?t wake)|(?:never have|
    never had|had never|hadn'?t|have never) existed|(?:god|the universe|death|something) (?:would |
    will |could )?
    (?:just )?takes? me(?: away)? in my sleep|(?:get|have|find) an exit|(?:pray|praying|hope|
    hoping) (?:\w+ ){0,3}takes? me
crisis.passive passive_ideation self
  when wouldn't would_not relieved be_sad mind be_fine be_okay be_ok be_alright be_a_relief
  when no_loss mercy
  needs if (?:a|the|some|my) (?:\w+ )?(?:bus|car|truck|lorry|train|plane) (?:\w+ )?(?:hit|
  needs crash\w*|ran|runs|run|went|goes|came|comes|fell|falls|knocked|took|swerved|mounted|
  needs flipped|derailed|ploughed|plowed|skidded)|if something (?:just )?
  needs happened|if i (?:didn'?t|did not|never|don'?t) (?:wake|woke)|if i (?:just )?died|
  needs if i (?:wasn'?t|weren'?t) (?:here|around)|accident|hit me|in my sleep
    (?:wouldn'?t|would not|won'?t) (?:really |honestly |even |actually )?(?:mind|care|be sad|be
     upset|fight it|be (?:that |too |all that |very |overly )?(?:bothered|fussed))|(?:i'?d|i would|
    i will|i'?ll|part of me would|part of me'?d) be (?:relieved|glad|ok|okay|fine with it)|
    (?:that'?d|it'?d|that would|it would|that'?s|it'?s) (?:honestly |really |probably )?(?:be )?
    (?:fine|okay|ok|alright|a relief|no loss|a mercy)
crisis.distress distress self
  when hollow nothing_left empty ghost grey gray motions stuck no_door disappearing better_mom
  when better_mother better_dad better_father better_parent pretending messing falls_apart
  when fall_apart get_better
    hollowed out|nothing left (?:of|in) me|running on empty|like a ghost|everything is (?:grey|
    gray)|going through the motions|(?:i'?m|i am) (?:so )?stuck|no (?:door|way) out|(?:i'?m|i am)
     disappearing|deserve (?:a )?better (?:mom|mum|mother|dad|father|parent)|(?:can'?t|cannot)
     keep pretending|keep pretending|mess(?:ing)? everything up|(?:everything|all) (?:i touch )?
    falls? apart|(?:don'?t|do not|can'?t) see (?:how )?(?:things|it|anything) (?:get|getting|
    will get|is going to get) better
danger_from_others active_ideation danger_from_others
  when break_my can't_walk cant_walk better_not do_it_again getting_it deal_with regret sorry
  when put_me bury_me end_me finish_me
    <AGENT> (?:\w+ ){0,8}(?:said|says|told me|texted|threatened|swore|warned me|keeps saying)(?:
     \w+){0,4}? (?:that )?(?:(?:if|next time|when|once) [^.!?]{1,60} )?(?:he|she|they|i)(?:'d|'ll|
     would| will| is going
     to|'s going to|'s gonna| is gonna| gonna|'m|'d better| had better| better)? (?:\w+ ){0,2}
    (?:break my (?:arm|arms|legs?|neck|jaw|face|nose|fingers)|make sure i (?:can'?t|cannot|won'?t)
     (?:walk|talk|leave|see)|not (?:to )?make (?:him|her|them) do it again|getting it|
    deal with (?:it|
    me|you)|be sorry|regret it|put me in (?:the ground|hospital|a grave|a box)|bury me|end me|finish
     me(?: off)?)
danger_from_others imminent danger_from_others
  when outside_my outside_the back_in on_his_way on_her_way
  needs scared|afraid|terrified|frightened|chain|lock|address|never gave|getting it|deal with|
  needs drunk|angry|threat|hurt|kill
    (?:he|she|they|my ex|my husband|my partner|my (?:boy|girl)friend|my dad)(?:'s| is| are|'re|
    s) (?:\w+ )?(?:outside (?:my|the) (?:building|flat|house|door|window|work|car)|on (?:his|her|
    their) way (?:back|over|home|here)?)|when (?:he|she|they)(?:'s| is|'re| are|'ll be| will
     be) back in (?:an|one|a few|\d+|half an) (?:hours?|minutes?|mins?)
harm_to_others active_ideation harm_to_others
  when one_way_or another his_house her_house his_place her_place know_where
    (?:driving|going|heading|walking) (?:to|over to|round to) (?:his|her|their) (?:house|place|
    flat|work) (?:\w+ ){0,8}(?:one way or (?:another|the other)|end(?:ing)? (?:it|this) with (?:him|
    her|them))
danger_from_others imminent danger_from_others
  when broken smashed kicked forced booted just_broke just_smash just_kick got_in climbed_in
  when broke_in forced_entry forced_his forced_her forced_their
  unless film|movie|episode|\bseries\b|documentary|trailer|novel|\bscene\b
  needs in the house|inside|downstairs|upstairs|hiding|\bhid\b|help me|please help|pls help|
  needs plz help|call (?:the police|999|911)|ring (?:the police|999)|scared|terrified|afraid|
  needs frightened|drunk|knife|weapon|gun|\bkids\b|children|baby|order|not (?:supposed|allowed)|
  needs shout|screaming|threat|kill|hurt|\bex\b|ex-|abus|locked|wedged|barricad|bail|
  needs come back|coming back|pls|please|call
    <ASSAILANT>(?:'s| has| have|'ve)?(?: just)? (?:got|climbed|broke) in (?:through|thru|via)
     (?:the|a|my|our) (?:\w+ )?(?:window|door)|<ASSAILANT>(?:(?:'s| has| have|'ve)(?: just| now|
     already)? (?:broken|smashed|kicked|forced|
    booted)| just (?:broke|smashed|kicked|forced|booted)) (?:entry|(?:his|her|their) way in|
    in(?= ?(?:$|[.,!]|and|through|
    downstairs|upstairs|now))|into (?:the|my|our) (?:house|flat|home|place|room|bedroom)|(?:the|
    my|our) (?:front |back |bedroom |bathroom |kitchen |patio )?(?:door|window|lock|gate)(?: (?:in|
    down|open))?|(?:down|in|open) (?:the|my|our) (?:front |back |bedroom |bathroom )?(?:door|
    window))
danger_from_others active_ideation danger_from_others
  when brick rock stone bottle petrol firework
  unless \bnews\b|riot|\bshop\b|film|movie|\bball\b|football|accident|\bkids\b|lawnmower
    (?:put|threw|thrown|chucked|lobbed|came) (?:a |another |some )?(?:brick|rock|stone|bottle|
    petrol bomb|firework)s? (?:through|at|into) (?:the|my|our) (?:\w+ )?(?:window|door|car|
    letterbox|letter box|windscreen)
danger_from_others imminent danger_from_others
  when hammering banging pounding thumping kicking
  needs kill|hurt|scared|terrified|afraid|frightened|police|999|911|help|hiding|\bhid\b|drunk|
  needs screaming|shouting|threat|knife|weapon|gun|locked|shaking
  unless film|movie|episode|\bseries\b|documentary|trailer|novel|\bscene\b|parcel|delivery|
  unless postman|lol|haha|toddler|\bloo\b|toilet|(?:the|my) (?:kids|children|son|daughter|boys|
  unless girls|dog) (?:are|is|'s|'re)
    (?:hammering|banging|pounding|thumping|kicking) (?:on |at )?(?:the|my|our) (?:front |back |
    bedroom |bathroom )?(?:door|window)(?! ?(?:frame|hinge|handle|knob|stop|mat))
danger_from_others imminent danger_from_others
  when inside in_my_house in_our_house in_my_flat in_our_flat in_the_house
  unless film|movie|episode|\bseries\b|documentary|trailer|novel|\bscene\b|lol|haha
  needs drunk|wasted|broke|broken|smashed|kicked|forced|scared|terrified|afraid|frightened|
  needs hiding|\bhid\b|locked|help|police|999|911|knife|weapon|gun|threat|kill|hurt|not (?:supposed|
  needs allowed)|order|bail|shaking|screaming|shouting
    <ASSAILANT>(?:'s| is| are|'re) (?:\w+ )?(?:inside|in (?:my|our|the) (?:house|flat|home))
    (?= ?(?:$|[.,!]|now|right now|again|and|with))
danger_from_others imminent danger_from_others
  when there's there_is theres there_are intruder
  unless film|movie|episode|\bseries\b|documentary|trailer|novel|\bscene\b|lol|haha|fixing|
  unless boiler|plumber|electrician|engineer|builder|repair|\bmeter\b|viewing|estate agent
  needs help|scared|terrified|afraid|frightened|hiding|\bhid\b|police|999|911|shaking|panic|
  needs knife|weapon|gun|locked|can hear|don'?t know who|not supposed|broke|broken|forced
    (?:there(?:'s| is| are|s)|(?:an|the) intruder(?:'s| is)?) (?:a (?:man|guy|stranger)|someone|
    somebody|some one|an intruder|people|men|a person)? ?(?:\w+ )?(?:in (?:the|my|our) (?:house|
    flat|home|hall|kitchen|living room|garden)(?! next door| opposite| across| over the road)|
    downstairs|inside|in the next room)
danger_from_others imminent danger_from_others
  when outside at_the_door at_my_door at_our_door at_the_front at_the_back at_the_window
  when at_my_window
  unless film|movie|episode|\bseries\b|documentary|trailer|novel|\bscene\b
  unless cricket|rounders|softball|baseball (?:game|match|practi)|\bballs?\b|practi[cs]e|
  unless \bnets\b|\bgame\b|\bmatch\b|detector|\bbats\b|hedge|garden(?:ing)?\b|lawn|bbq|barbecue|
  unless fork|\btea\b|dinner|lunch|breakfast|cutlery|cake|fixing|mending|repair|\bdiy\b|fence|
  unless \bshed\b|putting up|tools
    <ASSAILANT>(?:'s| is| are|'re|s)? (?:\w+ ){0,4}(?:outside|at (?:the|my|our) (?:front |back )?
    (?:door|window|gate)) (?:\w+ ){0,5}with (?:a|an|the|his|her|their|some) (?:\w+ )?(?:bat|
    knife|knives|gun|hammer|machete|crowbar|axe|weapon|blade|shotgun|rifle|pistol|golf club|
    iron bar|metal bar|broken bottle|smashed bottle)\b
danger_from_others imminent danger_from_others
  when smashing breaking throwing wrecking trashing punching kicking
  unless film|movie|episode|\bseries\b|documentary|trailer|novel|\bscene\b
  needs drunk|wasted|pissed|off (?:his|her|their) face|rag(?:e|ing)|angry|furious|kicking off|
  needs going mental|lost it|scared|terrified|afraid|frightened|hiding|\bhid\b|locked|help|
  needs shaking|screaming|shouting|crying
  unless toddler|tantrum|year old|yr old|teething|meltdown|autis|puppy|the cat|the dog|
  unless clear(?:ing)? out|declutter|spring clean|moving house|skip
    <ASSAILANT>(?:'s| is| are|'re|s) (?:\w+ ){0,3}(?:smashing|breaking|throwing|wrecking|
    trashing|punching|kicking) (?:\w+ ){0,2}(?:things|stuff|everything|the place|the house|
    the flat|the kitchen|the room|the car|plates|glasses|furniture|the (?:\w+ )?(?:walls?|doors?|
    windows?|tv|telly))(?! (?:out|
    away|together|off|in the bin|into (?:boxes|bags)))
danger_from_others imminent danger_from_others
  when hiding hidden barricaded locked_in locked_inside
  unless film|movie|episode|\bseries\b|documentary|trailer|novel|\bscene\b
  needs \b(?:he|he's|hes|she|she's|shes|they|him|her|them)\b|my (?:ex|husband|partner|dad|
  needs stepdad|boyfriend)|scared|terrified|afraid|frightened|help|police
  unless seek|\bgame\b|playing|surprise|presents|birthday|chocolate|biscuits|wine|telly|\btv\b|
  unless film|movie|thunder|storm|fireworks|spider|wasp|\bsun\b|\brain\b|heat|lol|haha|😂
    (?:i'?m|i am|we'?re|we are|me and (?:the|my) (?:kids|children|baby|son|daughter)(?: are)?)
     (?:\w+ ){0,2}(?:hiding|hidden|locked (?:in|inside)|barricaded|shut (?:in|inside)) (?:\w+ ){0,4}
    with (?:the|my|our) (?:kids|children|baby|little ones|son|daughter|boys|girls|toddler|
    youngest|eldest|sister|brother)
danger_from_others active_ideation danger_from_others
  when note letter message threat graffiti
  needs deal with|kill|hurt|\bdie\b|dead|burn|watch (?:my|your) back|know(?:s)? where|
  needs coming for|get (?:you|me|us)|threat|scared|terrified|afraid|frightened|unsafe|not safe|
  needs \btrans\b|\bgay\b|queer|lesbian|slur|hate|or else|i'?m next|you'?re next|regret|
  needs pay for
    (?:notes?|letters?|messages?|threats?|graffiti|one|another) (?:\w+ ){0,5}(?:taped|stuck|pinned|
    left|pushed|shoved|posted|put|nailed|sprayed|painted|scratched|written|slipped) (?:\w+ ){0,3}
    (?:on|to|through|under|in|into|across) (?:my|our|the) (?:front )?(?:door|letterbox|letter box|
    car|windscreen|doorstep|window|gate|mailbox)
danger_from_others active_ideation danger_from_others
  when zabij grozi
    (?:mnie|nas|cię|ciebie) zabij(?:e|ę)|zabij(?:e|ę) (?:mnie|nas|cię)|grozi(?:ł|ła)? (?:mi|nam),?
     (?:że|ze)
danger_from_others active_ideation danger_from_others
  when moved moving living lives renting staying
  needs abus|rap(?:e|ed|ist)|attack|assault|stalk|groom|molest|hurt (?:me|us)|beat (?:me|us)|
  needs hit (?:me|us)|restraining|injunction|non-?molestation|(?<!never been )(?<!not )(?<!n't )
  needs (?<!never )(?:violent|scared|terrified|afraid|frightened)|panic|not safe|unsafe|
  needs (?:haven'?t|have not|not) left the house
    <ASSAILANT>(?:,? who (?:\w+ ){0,3}(?:me|us),?)?(?:'s| has| have|'ve| is| are)?(?: just| now|
     only)? (?:moved|moving|living|lives|renting|staying) (?:back )?(?:in |into |onto |on |to |
    round |around |across |down |up |near )?(?:the )?(?:[\w,']+ ){0,5}(?:next street|next road|
    (?:my|our|the same) (?:street|road|block|building|estate|village)|corner|doors? (?:down|away|
    up|from (?:me|us))|next door|opposite|across the road|down the road|up the road|near (?:me|us|
    my \w+)|nearby|close by)
danger_from_others active_ideation danger_from_others
  when out_of_prison out_of_jail out_of_custody released let_out freed paroled gets_out getting_out
  when got_out get_out is_out 's_out hes_out be_out been_out
  needs abus|rap(?:e|ed|ist)|attack|assault|stalk|groom|molest|hurt (?:me|us)|beat (?:me|us)|
  needs hit (?:me|us)|restraining|injunction|non-?molestation|(?<!never been )(?<!not )(?<!n't )
  needs (?<!never )(?:violent|scared|terrified|afraid|frightened)|panic|not safe|unsafe
    <ASSAILANT>(?:,? who (?:\w+ ){0,3}(?:me|us),?)?(?:'s| is| has been|'s been| gets| got|
     getting| was| will be|'ll be)(?: \w+)? (?:out|released|let out|freed|paroled)(?: (?:of|from)
     (?:prison|jail|the nick|custody|inside))?(?= ?(?:$|[.,!]|next|this|on|in|today|tomorrow|
    tonight|early|soon|and|yesterday|last))
danger_from_others active_ideation danger_from_others
  when saw_me seen_me spotted_me followed following watching_me waiting_for_me turned_up
  when showed_up
  needs abus|rap(?:e|ed|ist)|attack|assault|stalk|groom|molest|hurt (?:me|us)|beat (?:me|us)|
  needs hit (?:me|us)|restraining|injunction|non-?molestation|(?<!never been )(?<!not )(?<!n't )
  needs (?<!never )(?:violent|scared|terrified|afraid|frightened)|panic|not safe|unsafe|
  needs (?:haven'?t|have not|not) left the house|
  needs followed me (?:home|back|to|from|around|round|all|into|down)|following me
    <ASSAILANT>(?:,? who (?:\w+ ){0,3}(?:me|us),?)?(?:'s| has| have| is)?(?: been)? (?:saw|seen|
    spotted|recogni[sz]ed|followed|following|watching|waiting for|turned up at|showed up at)
     (?:me|us|my (?:house|flat|work|kids?|school|car))(?! (?:on|off) (?:insta|instagram|twitter|
    tiktok|facebook|snap|x)\b)
danger_from_others active_ideation danger_from_others
  when threatened attacked went_for came_at pulled held_a held_his held_her put_a put_his put_her
  unless film|movie|episode|series|\bshow\b|novel|\bbook\b|\bgame\b|documentary|\bnews\b|
  unless article|trailer|scene|character|\bplay\b
    (?:threatened|attacked|went for|came at) (?:me|us|my \w+|the kids|her|him) (?:\w+ ){0,2}with
     (?:a|an|his|her|the) (?:\w+ )?(?:knife|gun|blade|hammer|bat|machete|axe|weapon|screwdriver|
    bottle)\b|(?:pulled|held|put) (?:a|his|her|the) (?:knife|gun|blade) (?:on|to) (?:me|us|my \w+|
    the kids|her|him)
harm_to_others active_ideation harm_to_others
  when do_him do_her
  needs what (?:he|she|they) did|did (?:me|my \w+) over|hurt|rap(?:e|ed|ist)|abus|touch(?:ed)?|
  needs bastard|prick|scum|nonce|revenge|pay for|gets? out|find (?:him|her)|i swear|not messing|
  needs mean it|not joking|knife|\bbat\b|gun|hammer|mad\b|angry|furious|rage|hate|ruin(?:ed|ing)?
  needs  my life
  unless \bdog\b|\bcat\b|puppy|kitten|horse|hair|nails|make ?up|flea|worm|bath|groom|portrait|
  unless drawing|paint|sketch|cake
    (?:i'?ll|i will|i'?m going to|i'?m gonna|i am going to|gonna|going to) (?:\w+ )?do (?:him|
    her|that (?:\w+ )?
    (?:bastard|prick|scumbag|nonce|bloke|guy|man|woman|bitch))(?: in| over| proper(?:ly)?| good)?
    (?= ?(?:$|[.,!;]|when|if|once|for (?:what|it|good)|i swear|not messing))
harm_to_others active_ideation harm_to_others
  when through_the into_the out_of_the down_the off_the in_hospital into_hospital in_the_ground
  when into_next in_a_wheelchair
    (?:<GO>|i'?ll|i will|i'?m going to|i'?m gonna) (?:\w+ )?(?:put|throw|chuck|lob|smash|knock|
    kick|push|slam|shove) (?:him|her|his (?:\w+ )?(?:head|face)|her (?:\w+ )?(?:head|face)|
    their (?:\w+ )?(?:heads?|faces?)) (?:through|into|out of|down|off|in) (?:the|a|an|his|her)
     ?(?:window|wall|windscreen|table|floor|door|stairs|ground|grave|wheelchair|river|canal|
    balcony|roof|next week)\b|(?:<GO>|i'?ll|i will|i'?m going to|i'?m gonna) (?:\w+ )?put (?:him|
    her|them) in(?:to)? hospital
harm_to_others active_ideation harm_to_others
  when knife blade hammer bat axe machete gun rifle crowbar cleaver
    (?:take|taking|took|put|putting) (?:a|the|my|his|her|dad'?s) (?:[\w']+ )?(?:knife|blade|hammer|
    bat|axe|machete|gun|shotgun|rifle|crowbar|cleaver|screwdriver) (?:to|on) (?:him|her|them|my
     (?:brother|sister|dad|father|stepdad|mum|mom|mother|husband|wife|ex|partner|boyfriend|
    girlfriend|boss|neighbou?r|son|daughter|uncle|cousin|landlord|flatmate|roommate)(?!'s|s\b)|
    his (?:\w+ )?(?:head|face|throat|neck)|her (?:\w+ )?(?:head|face|throat|neck)|that (?:\w+ )?
    (?:bastard|prick|man|guy|bloke|woman))(?!\w)
danger_from_others active_ideation danger_from_others
  when put_me_in
  unless doctor|\bgp\b|nurse|consultant|psychiatr|surgeon|midwife|\bward\b|section|admit|
  unless observation|levels|scan|operation|a&e
    (?!they\b)<ASSAILANT>(?:'s| is| are|'re)? (?:going to|gonna|will|'ll|'d|would) (?:\w+ )?put
     me in (?:hospital|the ground|a grave|my grave|a box|a wheelchair|intensive care)
harm_to_others imminent harm_to_others
  when going heading driving walking off_to off_round
  needs not (?:ruining|wrecking|destroying|taking|keeping|stopping|getting away|going to (?:ruin|
  needs wreck|take|keep|stop|get
  needs  away))|won'?t (?:ruin|wreck|take|get away)|get away with|ruin(?:ing|ed)? my life|
  needs sort (?:him|her|them) out|once and for all|teach (?:him|her|them)|pay for|regret|kill|hurt|
  needs knife|\bbat\b|hammer|gun|deal with (?:him|her|them)|(?:going|gone|went) to the police|
  needs grass|snitch
    (?:(?:i'?m|i am) (?:\w+ )?)?(?:going|heading|driving|walking|off) (?:round |over |back |up |
    down )?(?:to )?(?:there|his|hers|theirs|(?:his|her|their) (?:house|flat|place|work))(?: \w+)?
    (?: right)? (?:now|tonight)\b
harm_to_others imminent harm_to_others
  when life lives
    (?:<GO>|i'?ll|i will|i'?m going to|i'?m gonna|thinking (?:of|about)|decided to|i'?ve
     decided to) (?:\w+ )?(?:take|end|taking|ending) (?:my|our|the) (?:\w+ )?(?:son|daughter|kids?|
    children|baby|boy|girl|boys|girls|little ones?|twins|family)(?:'s|s'|')? li(?:fe|ves)\b
    (?! ?(?:story|stories|savings|insurance|lessons?|skills?|history|support|cover|jacket|choices|
    span|size))
harm_to_others imminent harm_to_others
  when with_me
  needs \b(?:die|dying|dead|end(?:ing)? it|kill|suicide|my own life|(?:their|his|her) li(?:fe|
  needs ves)|not (?:wake|be here)|when i go(?= ?(?:$|[.,!]))|when i'?m gone)
    (?:<GO>|i'?ll|i will|i'?m going to|i'?m gonna|i'?m taking|if i|i could|i should|i'?d|i would)
     (?:\w+ )?(?:take |took )?(?:the (?:kids|
    children|baby)|my (?:kids|children|son|daughter|baby|boy|girl|boys|girls)) with me(?= ?(?:$|
    [.,!]|when|so|because|and (?:end|die|go|kill)))
final.order strong final
  when order passwords
    (?:getting|got|put|putting) (?:everything|my affairs|things|it all) in order|passwords?
     (?:written down|in the|on the)
final.after strong final
  when sort_it sort_things sort_anything
    (?:nobody|no one|noone) (?:has|will have|needs) to sort (?:it|things|anything) out
final.deeds strong final
  when mattered meant_so meant_everything meant_the meant_a sunrise dawn daybreak said_what
  when home_tonight back_tonight home_again back_again home_ever back_ever gravestone
    (?:you|you all|this group|you guys) (?:have |all )?(?:mattered|meant (?:so much|everything|
    the world|a lot)) to me|(?:i'?ve|i have) said what i needed to|(?:before|by)
     (?:sunrise|dawn|morning|daybreak)|not (?:going|coming) (?:home|back) (?:tonight|again|
    ever)|gravestone (?:soon|tonight|tomorrow)
sig.intent strong signal
  when tonight_i today_i now_i dead_by gone_by dead_before gone_before what_they what_it's
  when what_these make_that make_it do_something be_done be_over
    (?:tonight|today|tomorrow|now) i (?:stop|end it|go|do it|finish it)\b|i'?(?:ll| will) be
     (?:dead|gone) (?:by|before|soon|tonight|tomorrow)|i know what (?:they'?re|it'?s|they are|it
     is|these are) for|how to make (?:that|it) happen|(?:want|going|need) to do something about
     it|it'?ll be (?:done|over) (?:by|before|tonight|soon)
sig.means strong signal
  when boot trunk glovebox already_out are_out is_out next_to beside in_front lookout tracks
  when cliff
    (?:rope|gun|rifle|knife|blade|razor|pills|tablets|meds|hose) (?:is |are )?in (?:the|my) (?:\w+
     ){0,3}(?:car|boot|trunk|bag|pocket|glovebox)|(?:blade|knife|razor|pills|rope|gun) (?:is|
    are) (?:already )?out|(?:pills|tablets|meds|gun|rope|knife|blade|razor)s? (?:are |is )?
    (?:right )?(?:here )?(?:next to|beside|in front of) me|(?:at|by) the (?:lookout|tracks|
    cliffs?|edge|bridge)
crisis.direct active_ideation self
  when only_way only_option only_answer only_choice
    (?:suicide|dying|death|ending it|killing my ?self|ending my life) (?:feels|seems|is|looks|
    sounds) like (?:the )?only (?:way out|option|answer|choice|way)
crisis.want_to_die active_ideation self
  when stop_being stop_living stop_existing be_alive_any
    (?:want|wanna|going) to (?:stop being alive|stop living|stop existing|not be alive anymore)|
    (?:then|and then|after (?:that|this|tonight|it)),? i(?:'ll| will)? (?:just )?(?:stop existing|
    stop living|stop being alive)(?! (?:in|like|for|with|on|at|off|under|as)\b)|
    (?:don'?t|do not) (?:want|wanna) (?:to )?be alive (?:anymore|any more|any longer)
crisis.want_to_die active_ideation self
  when be_here_any
  needs \balive\b
    (?:don'?t|do not) (?:want|wanna) (?:to )?be here (?:anymore|any more|any longer)
crisis.self_harm active_ideation self
  when sh_urges sh_again sh_tonight
    \bsh urges|\bsh (?:again|tonight)
crisis.act imminent self
  when took_something took_some took_a took_loads
    (?:already|just) took (?:something|some(?! time)|a lot|loads)
crisis.direct active_ideation self
  when matar tabletten pillen pastillas
    pensando em (?:me matar|suic[ií]dio)|(?:tabletten|pillen) liegen (?:neben|vor) mir|
    (?:las )?pastillas (?:est[aá]n )?(?:junto a|al lado de|delante de) m[ií]
danger_from_others imminent danger_from_others
  when voor_de_deur pakken vermoord
    (?:staat|is) (?:nu )?voor de deur|te pakken krijgt|vermoordt|vermoorden
final.decided strong final
  when decidid décid decid entschieden
    estoy decidid[ao]|je suis d[ée]cid[ée]e?|ich habe mich entschieden
crisis.passive passive_ideation self
  when will_nicht_mehr
    ich will nicht mehr(?= ?(?:$|[.!]))
crisis.passive passive_ideation self
  when not_existing stop_existing unexist weren't_here wasn't_here not_exist disappearing
  when vanishing not_being
    (?:easier|better|okay|ok|fine|nice|peaceful|a relief|relief|simpler)(?: \w+){0,5} (?:if i|to)
     (?:\w+ ){0,2}(?:weren'?t|wasn'?t|was not|were not|stop(?:ped)?|just stop|didn'?t|not)
     (?:here|around|exist(?:ing)?|alive|be here)|(?:think|thinking|thought) about (?:just )?
    (?:disappearing|not existing|not being here|vanishing|stopping existing)|(?:wish|want) (?:i
     could |to )?(?:just )?unexist|\bunexist(?:ing)?\b
crisis.passive passive_ideation self
  when the_one it_was_me it_were_me been_me
    wish (?:it (?:was|were|had been|'d been) me|i (?:was|were|had been|'d been) the one)(?: that|
     who)? (?:died|instead|didn'?t make it|got taken|was taken|who died)
crisis.passive passive_ideation self
  when other_side addormentarmi
    (?:wish|want|wanna|long|longing|ready) (?:i could |to )?(?:just )?(?:be|go) (?:with|to)
     (?:him|her|them|my \w+) (?:on the other side|in heaven|wherever (?:he|she|they) (?:is|are))|
    addormentarmi e (?:raggiungere|rivedere|stare con)
crisis.passive passive_ideation self
  when take_me_home take_me_away
    (?:lord|god|jesus|heaven) (?:\w+ ){0,3}take me (?:home|away|now)|take me home (?:now|soon|
    already)
crisis.passive passive_ideation self
  when goes_down crashes terminal happens_to_me hits_me
    (?:hope|hoping|wish|wishing|pray|praying) (?:\w+ ){0,5}(?:goes down|crash(?:es)?|something
     terminal|(?:is|comes back|turns out) terminal|happens to me|hits me)
crisis.passive passive_ideation self
  when reason_to point_in point_to
    (?:don'?t|do not|can'?t|cannot) see (?:a|any|the) (?:reason|point) (?:to|in) (?:keep(?:ing)?
     going|go(?:ing)? on|living|carry(?:ing)? on|being here|staying)
final.give_back strong final
  when give_them give_it give_him give_her
    (?:won'?t|don'?t|will not|do not) (?:need|have) to give (?:it|them|him|her) back
final.better_than strong final
  when better_than
    (?:look after|take care of|care for) (?:them|him|her|it) better than i (?:could|can|ever did|
    ever could)
final.last strong final
  when the_next
    (?:won'?t|wont|will not|not going to) be (?:at|in|coming to) the next (?:one|session|circle|
    meeting|group)
final.letters decisive final
  when abschiedsbrie despedida adieu addio
    abschiedsbrie(?:f|fe)|cartas? de despedida|lettres? d'adieu|letter[ae] d'addio
crisis.self_harm active_ideation self
  when tagliat cortado corté cortei coupé geritzt cutting_again harming_again burning_again
    mi sono tagliat[ao]|me (?:he cortado|cort[eé]|cortei)|je me suis coupée?|ich habe mich
     (?:\w+ )?geritzt|(?:^|[.!?,] ?)(?:cutting|self ?harming|burning) again|(?:started|start)
     (?:cutting|self ?harming) again
crisis.act imminent self
  when take_already take_all took_all taken_all swallowed_all took_every
  unless every (?:morning|day|night|evening)|as prescribed|with (?:food|breakfast|dinner)|daily|
  unless vitamin
    (?:i )?(?:take|took|taken|swallowed) (?:already |just )?(?:all|every) (?:the |my |of the |of
     my )?(?:pills|tablets|meds)
crisis.passive passive_ideation self
  when despertar existir
    dormir(?:me)? y no despertar(?:me)?|(?:seria )?melhor n[aã]o (?:existir|estar aqui)|(?:sería|
    seria) mejor no (?:existir|estar aqui|estar aquí)
crisis.direct active_ideation self
  when suicide killing_my ending_it ending_my taking_my
    (?:(?:^|[.!?,] ?)|(?:the )?(?:thoughts?|idea|word) of )(?:suicide|killing my ?self|ending it|
    ending my life|taking my (?:own )?life) (?:just )?(?:keeps?|won'?t stop|is|has been) (?:going|
    spinning|running|swirling|circling|playing|coming back|going round|round) (?:\w+ ){0,5}(?:in
     )?my (?:head|mind)|(?:can'?t|cannot) get (?:the (?:thoughts?|idea) of )?(?:suicide|killing
     my ?self|ending it|ending my life) out of my (?:head|mind)
crisis.direct active_ideation self
  when seriously rehears on_my_mind
    (?:think|thinking|thought) (?:\w+ )?(?:seriously|properly|constantly|a lot) (?:about|of)
     (?:suicide|killing my ?self|ending (?:it|my life|things)|taking my (?:own )?life)|
    rehears(?:e|ing) (?:it|my (?:death|suicide|exit))|(?:suicide|killing my ?self|ending it|
    ending my life|dying)
     (?:is|has been|'s) (?:always |constantly |all |never )?(?:on my mind|all i think about)
final.order strong final
  when sorted tied_up arranged
    (?:have|having|got|get|getting) (?:everything|it all|things|my affairs) (?:sorted|tied up|
    arranged|squared away)
final.note strong final
  when note_on left_a_note left_the_note
    left (?:a|the) note (?:\w+ ){0,5}for
final.nocall strong final
  when ring_anyone call_anyone phone_anyone contact_anyone tell_anyone stop_me
    (?:don'?t|do not|dont|please don'?t) (?:ring|call|phone|contact|tell|look for) (?:anyone|
    anybody|the police|an ambulance|my (?:mum|mom|family))|(?:not|n't) (?:telling|saying this to|
    telling this to|posting this so) (?:you|anyone|you all|you guys) (?:so|for) (?:you|anyone|
    someone|somebody)(?:'ll| will| can| could| to)? (?:try to )?stop me
final.farewell strong final
  when you_lot say_bye
    (?:wanted to |just )?say (?:bye|goodbye|thanks|thank you) to (?:you lot|you guys|you all|
    everyone|this group|all of you)
crisis.act imminent self
  when taken_everything took_everything swallowed_everything
    (?:taken|took|swallowed) (?:everything|all of it|the lot|whatever was) (?:in|from) (?:the|my)
     (?:cupboard|cabinet|box|drawer|bottle|packet|medicine)
sig.intent strong signal
  when my_chance my_opportunity dead_by gone_by feels_like_the
    this is my (?:chance|opportunity|window)|(?:^|[.!?,] ?)(?:dead|gone) by (?:sunday|monday|
    tuesday|wednesday|thursday|friday|saturday|tonight|tomorrow|the weekend|morning)|(?:tonight|
    today|this) feels like the (?:night|day|time)
sig.means strong signal
  when what_i_need top_floor roof_of edge_of multi_stor multistor multi-stor top_of_the_car
  when top_of_the_tower top_of_the_block top_of_the_flats top_of_the_build
    (?:got|have|i'?ve got|bought|brought) what i need|(?:top floor|roof|edge|top) of (?:the|a)
     (?:multi[ -]?stor(?:e)?y|car ?park|building|tower|block|flats)
final.deeds strong final
  when back_down back_up
    (?:not|never|don'?t|dont|won'?t|can'?t) (?:\S+ ){0,2}(?:going|coming) back (?:down|up|home)
final.decided strong final
  when already_decided
    already decided(?= ?(?:$|[.,!]))
danger_from_others active_ideation danger_from_others
  when watch_my_back which_school photo_of sort_me teach_me
    <AGENT> (?:\w+ ){0,8}(?:said|saying|says|messaged|texted|wrote|told (?:me|my \w+))(?: \w+){0,3}
     (?:that )?(?:i'?d|i had|you'?d) better watch (?:my|your) back|knows (?:which|what) school
     (?:the kids|my kids|my son|my daughter|they) (?:go|goes|attend)|(?:sent|texted) me a (?:photo|
    picture|pic) of my (?:front )?(?:door|house|flat|car|work)|(?:sort|teach) me (?:out|a lesson)
danger_from_others imminent danger_from_others
  when locked_the locked_me my_phone let_me_leave let_me_go put_her put_him take_her take_him
    (?:he|she|they)(?:'s| has|'ve| have| just)? (?:locked (?:me in|the door)|(?:taken|took) my
     phone)|(?:won'?t|will not|wont) let me (?:leave|go|out)|trying to (?:put|take|drag) (?:her|
    him|my (?:son|daughter|kids?)|the kids) (?:in|into) (?:his|her|their) car
danger_from_others active_ideation danger_from_others
  when ammazza uccide denuncio
    mi ammazza|mi uccide|(?:ti|la|lo) ammazzo
danger_from_others imminent danger_from_others
  when devant
  needs peur|frappe|menace|tuer|crie|cri
    (?:il|elle) est devant (?:ma|la|chez) (?:porte|maison|moi)
crisis.direct active_ideation self
  when farla_finita
    (?:penso|pensando|pensare|voglio) (?:\w+ ){0,3}a farla finita
crisis.passive passive_ideation self
  when esserci
    non voglio (?:più|piu) esserci
crisis.self_harm active_ideation self
  when still_cutting keep_cutting kept_cutting the_urge
    (?:still|keep|kept) cutting|the urges? (?:to cut )?(?:won'?t|wont|will not|doesn'?t|does
     not) (?:leave|go|stop)
crisis.passive passive_ideation self
  when wake come_round come_around come_to
    (?:hope|hoping|praying|pray) i (?:just |simply )?(?:don't|never|won't|do not) wake(?!
     (?:up )?(?:late|early|in time|before|till|until|at|with|too|to|on|when|hungover|sick|stiff|
    grumpy)\b)|(?:hope|hoping|praying|pray|hopes) i (?:just |simply )?(?:don't|never|won't|do
     not) come (?:round|around|to) (?:from|after) (?:the )?(?:anaesthetic|anesthetic|op|operation|
    surgery|sedation)
crisis.passive passive_ideation self
  when got_me get_me take_me taken_me took_me
    wish(?:es|ed|ing)? (?:that )?(?:the|that|a|it|this|my) (?:\w+ ){0,3}(?:had (?:got|taken|killed)|
    would (?:\w+ ){0,3}(?:get|take|kill)|got|took|killed) me
crisis.passive passive_ideation self
  when worst_thing
  needs if i (?:\w+ ){0,4}(?:died|crashed|fell|didn'?t wake|never woke|got (?:sick|ill|hit)|
  needs was(?:n'?t| gone)|disappeared)|if (?:a|the|some) (?:\w+ )?(?:bus|car|truck|lorry|train)
    (?:wouldn'?t|would not|won'?t) (?:really |honestly |even )?be the worst (?:thing|outcome)
crisis.passive passive_ideation self
  when bother
  needs if (?:i|it|that|this|the|my) (?:\w+ ){0,3}(?:sick|ill|cancer|serious|terminal|came back|
  needs comes back|lump|tumou?r|heart|worse)
    (?:wouldn'?t|would not|don'?t think i'?d|not sure i'?d|i'?d not|won'?t|wouldn'?t even)
     (?:even )?bother (?:going to |seeing |calling |ringing |with )?(?:the |a |an )?(?:doctors?|
    gp|hospital|treatment|ambulance|a&e|chemo)
crisis.passive passive_ideation self
  when death_ dying_
    (?:death|dying) (?:[^.!?]{0,40} )?(?:looks|seems|sounds|feels) (?:\w+ )?(?:restful|peaceful|
    like (?:a )?(?:rest|relief|peace)|appealing|inviting|kind)
crisis.passive passive_ideation self
  when eulogy funeral
    (?:writing|planning|rehearsing|picturing|imagining) my (?:own )?(?:eulogy|funeral)
crisis.passive passive_ideation self
  when if_i
    if i (?:just )?(?:disappeared|died|vanished|was gone|went),? (?:\w+ ){0,2}(?:no ?one|nobody|
    noone) would (?:even |really |ever )?(?:notice|care|miss me)
crisis.passive passive_ideation self
  when better_off
    (?:everyone|everybody|they|you all|my \w+)(?:'d| would|'ll| will)? (?:\w+ )?be better off
     (?:if i (?:wasn'?t|weren'?t|was not|were not) (?:here|around|alive)|without me)
final.letters decisive final
  when notes letters
    (?:written|wrote|left|finished) (?:the|my|some|all the) (?:notes|letters),? (?:one for|for
     (?:each|every|everyone|all of))
final.clear weak final
  when paid_off deleted wiped cleared settled
    (?:paid off|cleared|settled) (?:all )?my (?:debts?|bills|tabs?|loans?|accounts?)|
    (?:deleted|wiped|cleared) (?:all )?my (?:socials|
    accounts|laptop|phone|browser|history|messages|profiles?)
final.after strong final
  when go_through deal_with has_to have_to
    (?:so |that )?(?:nobody|no one|noone) (?:has|will have|needs|would have) to (?:go through|
    deal with|sort|find|clear out) (?:it|them|my \w+|anything|things)
final.sorted weak final
  when sorted tidy squared all_settled s_settled
    (?:it'?s|everything'?s|everything is|all) (?:all )?(?:sorted|tied up|arranged|in order|tidy|
    squared away|settled)
     (?:now|out now)?(?= ?(?:$|[.,!]))
crisis.act imminent self
  when top_level top_floor top_deck roof edge
  unless parked|parking|ticket|my car|shopping|meeting|office|view|photo|sunset|party|drinks|
  unless gig|lift|smok
    (?:i'?m|i am) (?:sat |sitting |standing |stood )?(?:on|at|up) (?:the )?(?:top (?:floor|level|
    deck)|roof|edge) of (?:the |a )?(?:multi[ -]?stor(?:e)?y|car ?park|tower|block|flats|bridge|
    cliff)
crisis.act imminent self
  when engine running
    (?:in|inside) the car in (?:the|my) garage with the engine (?:on|running)|in (?:the|my) garage
     with the (?:engine|car) (?:on|running)
crisis.plan active_ideation self
  when looked_up_how looking_up_how look_up_how googled_how googling_how searched_how
  when searching_how researched_how researching_how
  needs engine|exhaust|garage|overdos|hang|bleed|drown|charcoal|carbon monoxide|to die|fentanyl|
  needs insulin|pills|tablets
    (?:(?:looked|looking|look) up|googled|googling|searched|searching|researched|researching)
     how (?:long|much|many) (?:\w+ ){0,4}(?:takes?|would
     take|it'?d take|to (?:die|work|kill))
crisis.plan active_ideation self
  when like_an_accident like_a_natural like_an_overdose
    (?:make|want|wanted|need|so|have|like|'d like|would like) (?:it|this|my death|the whole thing)
     (?:to )?(?:look|seem|appear)
     like (?:an (?:accident|overdose)|a natural)
crisis.plan active_ideation self
  when walk_in walk_into
    (?:going to|about to|will|planning to|want to) walk (?:in|into) (?:the )?(?:sea|water|river|
    lake|waves|ocean)|(?:going to|about to|will) walk in (?:when|once|after|tonight)
crisis.means active_ideation self
  when stockpil hoard stash saving_up saved_up
    (?:stockpil|hoard|stash)\w* (?:up )?(?:of )?(?:my |all my |the )?(?:\w+(?:'s)? ){0,2}(?:pills|
    tablets|meds|medication|sleepers|sleeping pills|painkillers)|sav(?:ing|ed) up (?:my |
    all my )?(?:pills|tablets|meds|medication|\w+(?:pine|pam|
    lam|done|zole|xetine|traline|codeine|madol|barbital))
crisis.act imminent self
  when took taken swallowed downed
  needs \d+ ?(?:mins?|minutes?|hours?|hrs?) ago|(?:an|half an) hour ago|feeling (?:\w+ )?(?:floaty|
  needs dizzy|sick|sleepy|drowsy|numb|weird|strange|fine)|heart (?:is )?racing
    (?:^|[.!?,] ?|i(?:'ve| have)? (?:just )?|just )(?:took|taken|swallowed|downed) (?:the whole|
    all the|a whole|every|both) (?:box|packet|bottle|strip|pack|tub)(?:s|es)?(?! of (?!pills|
    tablets|meds|paracetamol|ibuprofen|sleeping))(?! (?:to|into|home|back|out|with|round|over))
crisis.indirect active_ideation self
  when same_pull same_urge same_draw same_call same_way same_thing
  needs why (?:he|she|they) did it|(?:took|ended|taken|ending) (?:his|her|their) (?:own )?life|
  needs killed (?:him|her|them)sel|suicide|hanged|hung (?:him|her|them)sel|what (?:he|she|they) did
    (?:feel|feeling|felt|get|getting) (?:\w+ ){0,2}the (?:same|exact same) (?:pull|urge|draw|
    call|way|thing)(?= ?(?:$|[.,!]|now|too|as (?:him|her|them|he|she|they)|
    (?:he|she|they) (?:did|felt|must have)))
crisis.indirect active_ideation self
  when mean_done mean_with mean_finished
    (?:done|finished|through)\b[^.!?]{0,12}(?:don'?t|do not|dont) mean (?:done |finished |through
     )?(?:with|from|in) (?:\w+ ){0,2}(?:recovery|drinking|using|the job|work|rehab|this group|
    the group|it|them|that|treatment|meetings)
crisis.indirect active_ideation self
  when decided made_up
    (?:i'?ve|i have|i'?m|i am|already) (?:decided|made up my mind),? (?:\w+ ){0,2}(?:i'?m |i am )?
    (?:not|won'?t|will not|shall not|shan'?t) (?:be )?(?:doing|seeing|see|do|having|have|facing|
    face|getting through|get through|going
     through|go through|living through|live through|surviving|survive) another (?:winter|year|
    christmas|birthday|
    summer|month|week)(?! (?:at|with|in|of|for|like|there|here|alone|sober|on))
crisis.passive passive_ideation self
  when deserve
    (?:don'?t|do not|doesn'?t feel like i) deserve to (?:live|be alive|be here|exist|keep living)
crisis.want_to_die active_ideation self
  when dood
    ik wil (?:echt |gewoon )?dood(?: gaan)?\b
crisis.passive passive_ideation self
  when żyć zyc
    nie chc[eę] (?:już |juz )?(?:dłużej |dluzej )?(?:żyć|zyc)
crisis.act imminent self
  when cachets médicaments medicaments comprimés comprimes
    j'ai (?:\w+ )?pris tou(?:s|tes) mes (?:cachets|m[ée]dicaments|comprim[ée]s|pilules)
crisis.indirect active_ideation self
  when see_myself see_my_self imagine_myself imagine_my_self picture_myself picture_my_self
    (?:don'?t|do not|can'?t|cannot|never) (?:see|imagine|picture) my ?self (?:still )?(?:making
     it|living|getting|reaching|being alive|being here|being around|alive|around|here) (?:to |
    past |at |by |until |till )?(?:[1-3]\d|(?:twenty|thirty)(?:[ -]\w+)?|eighteen|nineteen|my
     (?:[1-3]\d(?:st|nd|rd|th)|next birthday|birthday)|(?:another|next) (?:year|birthday|
    christmas|winter|summer|spring)|christmas|the (?:new year|end of the (?:year|
    month)))(?! (?:without|
    with|if|unless|in|at|like|on|before|after|dinner|party|lunch|market|shopping|do|eve|day|time)\b)
crisis.indirect active_ideation self
  when of_reasons no_reasons any_reasons many_reasons
    (?:running|run|ran) out of reasons? (?:left )?not to (?:end it|do it|kill my ?self|die|go
     through with it|end my life|end things)|(?:no|not (?:many|any)) reasons? left not to (?:end
     it|do it|kill my ?self|die|go through with it|end my life)
crisis.passive passive_ideation self
  when of_reasons no_reasons any_reasons many_reasons
    (?:running|run|ran) out of reasons? (?:left )?to (?:live|stay alive|keep living|keep going|be
     here|go on|carry on|stick around|be alive)|(?:no|not (?:many|any)) reasons? left to (?:live|
    stay alive|keep living|keep going|be here|go on|be alive)
crisis.indirect active_ideation self
  when around_to_see here_to_see be_alive_to
  unless holiday|away|abroad|travel|trip|flight|shift|working|at work|visit|moving|moved
    (?:won'?t|will not|wont|shan'?t|shall not) be (?:around|here|alive) to see (?:it|that|this|
    the day|them|him|her)(?= ?(?:$|[.,!]))
crisis.indirect active_ideation self
  when going_too go_too go_with_h go_with_t going_with_h going_with_t follow_him follow_her
  when follow_them
    (?:when|once|after|if) (?:my )?(?:\w+ )?(?:mum|mam|mom|mother|dad|father|nan|gran|grandma|
    grandad|husband|wife|partner|he|she|dog|cat|son|daughter) (?:dies|passes(?: away| on)?|is
     gone|has gone|'s gone|leaves us),? (?:i'?m|i am|i'?ll|i will) (?:going|go|be going|be
     following|follow) (?:too|as well|with (?:him|her|them)|(?:him|her|them)(?= ?(?:$|[.,!])))
crisis.indirect active_ideation self
  when going_too go_too go_with_h go_with_t going_with_h going_with_t
  needs \b(?:decided|keeping me (?:here|alive|going)|only (?:reason|thing)|can'?t (?:live|go on|be
  needs here) without|no (?:point|reason) (?:in )?(?:staying|being here)|after that)\b
    (?:when|once) (?:my )?(?:\w+ )?(?:mum|mam|mom|mother|dad|father|nan|gran|grandma|grandad|
    husband|wife|partner) goes,? (?:i'?m|i am|i'?ll|i will) (?:going|go|be going) (?:too|as well|
    with (?:him|her|them))(?= ?(?:$|[.,!]))
final.deeds strong final
  when not_driving not_walking not_swimming be_driving be_walking be_swimming
    (?:i'?m|i am) not (?:driving|walking|swimming) (?:back|home)(?= ?(?:$|[.!]))|(?:won'?t|will
     not) be (?:driving|walking|swimming) (?:back|home)(?= ?(?:$|[.!]))
final.place weak final
  when parked
    parked (?:up )?(?:at|by|on|near|above) the (?:coast|cliffs?|sea ?front|seaside|sea|beach|
    pier|quarry|reservoir|river|bridge|dam|viaduct|lookout|railway|tracks|level crossing|harbour|
    headland)
final.giving strong final
  when a_home_for new_home_for homes_for
    (?:found|finding|got) (?:a )?(?:new )?homes? for (?:the |my )?(?:dog|cat|pets?|rabbits?|budgie|
    animals|fish|horse)
final.sorted weak final
  when left_to_sort else_to_sort left_to_arrange left_to_do left_to_tidy left_to_organ
    nothing (?:left|else|more) to (?:sort|arrange|do|tidy|organi[sz]e)(?: out)?(?= ?(?:$|[.!]|
    now))
danger_from_others imminent danger_from_others
  when vor_meiner vor_unserer vor_der_t an_meiner an_der_t
  needs angst|hilfe|droht|schl[äa]gt|betrunken|h[äa]mmert|tritt|schreit|polizei|messer|waffe|
  needs pistole
    (?:er|sie) (?:steht|ist|wartet|h[äa]mmert|klopft|tritt) (?:\w+ ){0,3}(?:vor|an) (?:meiner|
    unserer|der) (?:t[üu]r|wohnung|haus)
sig.means strong signal
  when klaar
    (?:pillen|tabletten|medicijnen) (?:\w+ )?(?:klaar(?:liggen|leggen|gelegd|staan)?|liggen
     klaar)
sig.do_it weak signal
  when doe_ik_het ik_doe_het
    (?:vanavond|vannacht|morgen|nu|straks) doe ik het|ik doe het (?:vanavond|vannacht|morgen|
    straks)
crisis.slang active_ideation self
  when gravestone coffin
    (?:<GO>|wanna|want to) (?:go |be )?(?:in (?:a|the|my) )?(?:coffin|gravestone)(?= ?(?:$|[.,!]|
    soon|tonight|now|fr|ngl|rn|tbh))
crisis.passive passive_ideation self
  when ready_for
  needs \b(?:life|lived|living|alive|dying|death|die|hasten|my time)\b
    ready for (?:it|this|life|my life|everything)(?: all)? to (?:be over|end)(?= ?(?:$|[.,!;]|now|
    for good))
crisis.passive passive_ideation self
  when skid swerve off_the_road would_crash just_crash
    (?:hope|hoping|wish|wishing|pray|praying) (?:that )?(?:the|a|my) (?:car|bus|plane|train|lorry|
    truck|coach) would (?:just )?(?:skid|swerve|spin off|crash|come off the road|go off the road|
    leave the road)
final.note weak final
  when someone_know somebody_know
    (?:just )?so (?:someone|somebody) (?:here )?knows?(?= ?(?:$|[.,!]))
sig.means strong signal
  when slow_down t_slow never_slow fast_train fast_one express_train the_express freight
    (?:trains?|express|freight|\d{1,2}[:.]\d{2}|fast one) (?:\w+ ){0,3}(?:doesn'?t|does not|never|
    won'?t|don'?t) slow(?: down)?(?= ?(?:$|[.,!]|there|here|at|through|thru|past|for))|(?:fast|
    express|freight|non-?stop(?:ping)?) (?:trains?|ones?) (?:\w+ ){0,2}(?:go(?:es)?|come(?:s)?|
    pass(?:es)?|run(?:s)?|fly|flies) (?:through|thru|past|by)
sig.means strong signal
  when gun rifle pistol firearm revolver combo combination the_code_to the_code_for
    (?:guns?|rifles?|shotguns?|pistols?|firearms?|revolver)(?:'s|s| is| are)? (?:still )?(?:in|
    under|on top of|behind) (?:the|my|his|dad'?s|my dad'?s) (?:gun )?(?:safe|cabinet|drawer|
    wardrobe|loft|cupboard)|(?:i )?(?:know|have|got|found|i'?ve got) the (?:combo|combination|code)
     (?:to|for) (?:the|his|my dad'?s|dad'?s) (?:gun )?(?:safe|cabinet)|(?:i )?know the (?:combo|
    combination|code)(?= ?(?:$|[.,!]))
harm_to_others active_ideation harm_to_others
  when know_what_it feel_what_it out_what_it
  needs watch|follow|outside (?:his|her|their)|(?:his|her|their) (?:\w+ )?(?:\w+'s )?(?:house|flat|
  needs place|address|car|work)|found out where|revenge|pay for
    (?:want|wanna|going to|gonna|will|'ll|need) (?:to )?(?:make )?(?:her|him|them|that \w+|his \w+|
    her \w+) (?:to )?(?:know|feel|find out) what it (?:felt|feels|'s|is) like(?= ?(?:$|[.,!]))
final.giving strong final
  when who_gets who_should_get who_will_get who_should_have who_can_have
  unless (?:my|the|a|his|her|mum'?s|dad'?s) will\b|solicitor|lawyer|probate|executor|testament
    (?<!and\s)(?:i'?ve been|i'?m|i am|been|i|i have|i'?ve) (?:writing|wrote|written|sorting|
    sorted|working|worked|making|made|deciding|decided|listing|listed) (?:out |up )?(?:a list of )?
    who (?:gets|should get|will get|should have|can have) (?:what|my)
final.note weak final
  when in_case
    (?<!\w\s)(?<!\w)just in case(?= ?(?:$|[.!]))
"""
_FRAGMENTS = {
    "<GO>": _GO,
    "<PERSON>": _PERSON,
    "<AGENT>": _AGENT,
    "<THREAT>": _THREAT,
    "<ASSAILANT>": _ASSAILANT,
    "<DIE>": _DIE,
    "<MEDS>": _MEDS,
}


@dataclass(frozen=True, slots=True)
class _Rule:
    tag: str
    risk: Risk
    kind: str
    triggers: tuple[str, ...]
    pattern: str
    needs: str = ""
    unless: str = ""
    weight: int = 0


def _parse_rules(text: str) -> tuple[_Rule, ...]:
    rules: list[_Rule] = []
    for line in text.strip().splitlines():
        if line.startswith("    "):
            last = rules[-1]
            rules[-1] = dataclasses.replace(last, pattern=last.pattern + line[4:])
        elif line.startswith("  when "):
            last = rules[-1]
            more = tuple(t.replace("_", " ") for t in line[7:].split())
            rules[-1] = dataclasses.replace(last, triggers=last.triggers + more)
        elif line.startswith("  unless "):
            rules[-1] = dataclasses.replace(rules[-1], unless=rules[-1].unless + line[9:])
        elif line.startswith("  needs "):
            rules[-1] = dataclasses.replace(rules[-1], needs=rules[-1].needs + line[8:])
        else:
            tag, level, kind = line.split()
            if kind in (FINAL, SIGNAL, TIME):
                rules.append(_Rule(tag, Risk.NONE, kind, (), "", weight=_WEIGHTS[level]))
            else:
                rules.append(_Rule(tag, Risk[level.upper()], kind, (), ""))
    for name, fragment in _FRAGMENTS.items():
        rules = [
            dataclasses.replace(
                r,
                pattern=r.pattern.replace(name, fragment),
                needs=r.needs.replace(name, fragment),
            )
            for r in rules
        ]
    return tuple(rules)


_RULES = _parse_rules(_RULE_TEXT)
_RULES_BY_TAG_WEIGHT = {
    rule.tag: rule.weight for rule in _RULES if rule.kind in (FINAL, SIGNAL, TIME)
}


_KEEP_SPACE = re.compile(r"(?<=[+*])(?: )|(?<=\(\?:)(?: )| (?=\\[wS])")


def _space(pattern: str) -> str:
    """Let a space in a pattern also match no space: the normaliser joins spelled-out
    letters ("k i l l m y s e l f" becomes "killmyself"). A space next to a word wildcard
    (``\\w+ ``) stays a space: made optional there, it would let the regex engine split one
    long word every possible way, which takes exponential time."""
    parts = _KEEP_SPACE.split(pattern)
    return " ".join(part.replace(" ", r"\s*") for part in parts)


# Guarded: a rule's pattern is searched for only when the text holds the words one of its
# ways of matching needs (most candidates find nothing, and most of those skip the search).
# Over the whole message the shared pass has already said which of those words occur
# (_SCANNED, a look-up); over one sentence of it, a few ``in`` tests say (_COMPILED).
_COMPILED = tuple(Guarded(re.compile(rf"\b(?:{_space(rule.pattern)})")) for rule in _RULES)
_SCANNED = tuple(Scanned(guarded.pattern, shortest=3) for guarded in _COMPILED)
_NEEDS = tuple(re.compile(rf"\b(?:{rule.needs})") if rule.needs else None for rule in _RULES)
_UNLESS = tuple(re.compile(rf"\b(?:{rule.unless})") if rule.unless else None for rule in _RULES)
_BY_TRIGGER: dict[str, list[int]] = {}
for _index, _rule in enumerate(_RULES):
    for _trigger in _rule.triggers:
        _BY_TRIGGER.setdefault(_trigger, []).append(_index)
# Found by the shared pass over " text " (padded, so that a trigger may ask for a word's
# start: " od"), with every other stage's words.
_TRIGGER_WORDS = Literals(_BY_TRIGGER)
# A trigger stands for every longer one it begins ("beat" for "beat up"): the rules were
# first written for a scan that stopped at the shortest trigger found.
_BY_TRIGGER = {
    short: sorted(
        {i for long, found in _BY_TRIGGER.items() if long.startswith(short) for i in found}
    )
    for short in _BY_TRIGGER
}
_NO_RULES: frozenset[int] = frozenset()
# For each rule, the strings of which every way it can match needs one (None: not known,
# the search always runs); as Scanned.possible's first test, made before calling it.
_FIRSTS = tuple(scanned.firsts for scanned in _SCANNED)


def _twin(pattern: str) -> Twin:
    """A scope run over a whole message or sentence: a plain ASCII text (most messages) is
    searched by the pattern compiled for ASCII, which finds the same matches faster."""
    return Twin(re.compile(pattern))


def _scope(pattern: str) -> Scanned:
    """A scope of many alternatives, searched only when the shared pass found in the message
    the words one of its ways of matching needs: a long alternation costs the regex engine
    microseconds at every search, and the words are missing from most messages. Searched
    over a sentence or a window of the message with ``within=`` the message's answer (a
    word missing from the message is missing from every part of it). A plain ASCII text is
    searched as with :func:`_twin`."""
    return Scanned(re.compile(pattern), shortest=3)


_IDIOMS = _scope(
    _space(
        r"\b(?:(?:is|are|was|'s|s|it'?s|they'?re|you'?re|these|this|that|"
        r"those) (?:\w+ )?(?:literally )?(?:killing|murdering) (?:me|my)|kill(?:ing|ed|s)? it\b|"
        r"kill(?:ing)? (?:time|the (?:vibe|mood|lights|engine|game|bugs?))|(?:could|would) (?:kill|"
        r"die) for|dying (?:to|for|of|laughing)|(?:i'm|im|i am|literally|i'm literally|"
        r"i'm actually) (?:so )?(?:dead|dying|deceased|ded)"
        r"(?= ?(?:💀|😂|🤣|😭|lol|lmao|haha|rn|omg|!|$))|"
        r"dead (?:tired|serious|set|on|wrong|right|easy|good|heavy|quiet|end)|to die for|"
        r"die (?:of|from) (?:embarrassment|boredom|laughter|shame|cringe)|over my dead body|killer|"
        r"kill (?:switch|count)|shoot me a (?:text|message)|end it (?:with|on)\b|"
        r"(?:my )?feet are killing me|mi (?:ammazza|uccide|sta ammazzando) (?:questo|questa|il|"
        r"la|lo|sto) (?:\w+ )?(?:turno|lavoro|caldo|traffico|fatica|settimana|giornata|capo|mal))"
    )
)
# Laughter and clause breaks are looked for in every message a rule matched. Written with a
# literal first in every alternative and the word boundary checked behind it ("l(?<=\bl)"
# for "\bl"), they let the regex engine skip to the characters that can start a match,
# which it cannot do for a pattern that starts with "\b"; the same matches, found about
# twice as fast (tests/moderation/stages/test_crisis.py compares them with the plain form).
_LAUGH = _twin(
    r"💀|😂|🤣|🙈|🤦|l(?<=\bl)(?:o+l|mf?ao)\b|h(?<=\bh)a(?:ha)+\b|j(?<=\bj)k\b|c(?<=\bc)ringe\b"
    r"|m(?<=\bm)ortified\b|e(?<=\be)mbarrass"
)
_EARNEST = _twin(r"\b(?:not joking|no joke|i'?m serious|i mean it|for real|fr)\b")
_NEGATION = re.compile(
    _space(
        r"\b(?:not|never|no longer|no(?! ?one\b| ?body\b)|nor|don'?t|dont|do not|didn'?t|did not|"
        r"won'?t|wont|wouldn'?t|would not|isn'?t|ain'?t|am not|without|nothing|neither|none|"
        r"haven'?t|have not|hasn'?t|hadn'?t|wasn'?t|weren'?t|aren'?t)\b"
        # the two words after it may not start a clause of the speaker's own ("nothing
        # works i want to die"), unless the negation is of a verb of thinking or saying
        r"(?: (?:think|say|mean|know|believe|feel like|guess) i| (?!i\b|i'm\b|im\b|i've\b)\S+){0,2}"
        r" ?$"
    )
)
_NEGATION_FRAME = re.compile(
    _space(
        r"\b(?:not|never|no|ne|nicht|don'?t|dont|didn'?t|doesn'?t|isn'?t|wasn'?t)"
        r"(?: (?:that|saying|say|said|think|thinking|mean|meaning|like|because|feel like))? ?$"
    )
)
# "once" tells the past only as an adverb: before a verb in the past ("I once tried", "he
# once said"), at a clause's end ("she told me that once", "once, years ago") or "once or
# twice", "once upon a time". Followed by a clause it is a time ("once everyone's asleep",
# "once the park empties"), "for once" and "at once" are neither.
_ONCE_PAST = (
    r"(?<!\bfor )(?<!\bat )\bonce(?: *(?:[,.!?;:]|$)| (?:or twice|upon a time|before)\b|"
    r" (?:(?:really|actually|even|almost|nearly) )?(?:\w+(?<!e)ed|was|were|had|did|said|told|"
    r"took|went|got|made|saw|thought|felt|wrote|came|ran|drank|ate|gave|left|knew|found|sat|"
    r"stood|fell|cut|hit|held|kept|lost|met|paid|put|sent|slept|spent|threw|woke|bought|"
    r"brought|caught|taught|began|drove|broke|spoke|swallowed|overdosed|could)\b)"
)
_PAST = _scope(
    _space(
        r"\b(?:(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|several|many|a few|few|"
        r"couple of|some) (?:years?|yrs?|months?|mths?|decades?) ago|when i was|"
        r"back (?:then|when|in (?:the day|\d{4}|school|college|uni|high school|my|those|the))|"
        r"in the past|in my (?:teens|twenties|thirties|youth|past)|at my (?:lowest|worst)|"
        r"as a (?:kid|teen|teenager|child)|used to|years ago|long ago|last (?:year|summer|winter|"
        r"spring|autumn|fall|decade)|in (?:19|20)\d\d|survived|survivor|after my attempt|"
        r"since my attempt|my (?:first|last|second) attempt|i was suicidal|aged? \d+|"
        r"when i (?:wanted|tried|felt|thought)|"
        # a wish dated, set against now ("30 days ago I wanted to be dead"); not a deed
        r"(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|couple of) (?:days?|"
        r"weeks?) ago,? i (?:wanted|wished|felt like|thought about|was)|"
        r"at (?:sixteen|fifteen|seventeen|fourteen|thirteen|twelve))\b"
    )
    + "|"
    + _ONCE_PAST
)
_NOW = _scope(
    _space(
        r"\b(?:still|again|now|today|tonight|lately|these days|this (?:week|month)|currently|"
        r"right now|anymore|any more|this time|keep|keeps|back there|back to that)\b"
    )
)
_TIMED = _scope(
    _space(
        r"\b(?:tonight|tonite|2nite|2night|tomorrow|this (?:evening|weekend|afternoon)|in (?:an|"
        r"one|a few|\d+) (?:hours?|minutes?|mins?)|after (?:this|the) (?:session|call|circle|"
        r"meeting|shift)|(?:on |this |next |by )?(?:monday|tuesday|wednesday|thursday|friday|"
        r"saturday|sunday)|before (?:sunrise|dawn|morning)|by (?:sunrise|dawn|morning)|"
        r"esta noche|ce soir|heute nacht|stasera|hoje [àa] noite|vanavond)\b"
    )
)
_SOON = _scope(
    _space(
        r"\b(?:tonight|tonite|2nite|2night|this (?:evening|afternoon)|in (?:an|one|a few|\d+) "
        r"(?:hours?|minutes?|mins?)|(?:when|once) (?:everyone|everybody|they)(?:'s|'re| is| are)? "
        r"(?:asleep|gone|out)|after (?:this|the|my) (?:session|call|circle|meeting|shift)|"
        r"esta noche|ce soir|heute nacht|stasera)\b"
    )
)
_WISHES = {"crisis.want_to_die", "crisis.passive", "crisis.distress", "crisis.joking"}
_HEDGE = _scope(
    _space(
        r"\b(?:(?:not|never) (?:going|gonna) (?:to )?(?:do|act on) (?:anything|it)|(?:won'?t|wont|"
        r"wouldn'?t|will not|would not) (?:ever )?(?:do|act on) (?:anything|it)|(?:i'?m|i am) safe|"
        r"just a (?:wish|feeling|thought)|no plans?\b|not planning|sometimes|some days|some nights|"
        r"part of me|in a way|(?:don'?t|do not) (?:also )?(?:want|wanna) to (?:die|kill my ?self))"
        r"\b"
    )
)
_RECENT = _scope(
    _space(r"\b(?:last night|yesterday|this morning|earlier|an hour ago|just now|today|tonight)\b")
)
_FIRST = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|i'll|me|my|myself|mine|ich|je|j'ai|yo|me)\b")
_OTHER = re.compile(
    r"\b(?:you|you're|youre|your|u|ur|he|he's|hes|she|she's|shes|they|they're|his|her|him|"
    r"them|we|someone|somebody|anyone|anybody|people|person|everyone|everybody|character|"
    r"protagonist|friend|sister|brother|mum|mom|dad|son|daughter|cousin|husband|wife|partner|"
    r"boyfriend|girlfriend|member|client|patient|kid|teen|man|woman|guy|girl|who|one|folks|"
    r"nan|nana|gran|granny|grandma|grandad|grandpa|aunt|auntie|uncle|niece|nephew|stepdad|"
    r"stepmum|stepmom|neighbou?r|ex)\b"
)
_REPORTED = _scope(
    _space(
        r"\b(?:(?:counsell?or|counselor|therapist|psychiatrist|psychologist|doctor|gp|nurse|"
        r"facilitator|teacher|friend|he|she|they|someone|people|hotline|crisis line|helpline|"
        r"character|song|book|film|movie|article|news|show|lyrics?) (?:said|says|told me|tells|"
        r"asked|asks|always says|would say|reminded me|explained|taught me|wrote|posted|texted|"
        r"sings|reported)|(?:in|from) the (?:film|movie|show|series|book|novel|song|episode|"
        r"article|news|documentary|podcast|play|game)|(?:reading|watched|watching|read|saw|"
        r"heard) (?:a|an|the|this|that) (?:book|film|movie|show|article|story|post|news|"
        r"documentary|song))\b"
    )
)
_HYPOTHETICAL = re.compile(
    _space(
        r"\b(?:if (?:i |you |anyone |someone )?ever|whenever|in case|next time|if you|when you|"
        r"if i (?:took|take|were to|did|had ever|'d ever|have ever|'ve ever)|whether i "
        r"(?:had |have |'d |'ve )?ever)\b"
    )
    # "if" right before the statement ("if i took the whole box ...")
    + r"|\bif\s*$"
)
_QUOTED = re.compile(r"[\"“”«»„]([^\"“”«»„]{3,}?)[\"“”«»„]")
_QUOTED_WORD = _twin(r"(?<![\w'])'\w+'(?![\w'])")
_QUOTE_OWN = re.compile(
    r"\bi (?:said|say|told \w+|texted|wrote|keep (?:thinking|saying)|thought)\W*$"
)
_SENTENCE = re.compile(r"[.!?\n]+|;")
_GLUED_I = re.compile(
    r"\bi(?=(?:want|wanna|feel|have|just|really|need|wish|hate|keep|think|tried|took|dont|"
    r"don't|cant|can't|am|will|would|never)\b)"
)
# Pictures that stand for means and places (Crisis Text Line: the pill emoji predicts
# risk better than the word "suicide"); each becomes the word, one for one.
_EMOJI = str.maketrans(
    {
        "🪢": " rope ",
        "🌉": " bridge ",
        "💊": " pills ",
        "🔪": " knife ",
        "🔫": " gun ",
        "⚰": " coffin ",
        "🩸": " blood ",
        "🪦": " gravestone ",
    }
)
_SLASHED = re.compile(r"(?<=\b\w)[/-](?=\w\b)")
_DOTTED = re.compile(r"(?:^|(?<=[.!?] ))(\w+)\.+ +(?=\w+\.+(?: |$))")
# Whether _DOTTED can match at all: at the start, or after a sentence's end (a pattern
# that starts with a mark is found fast; most texts have no match and skip the
# substitution).
_DOTTED_FIRST = re.compile(r"\w+\.+ +\w+\.+(?: |$)")
_DOTTED_LATER = re.compile(r"[.!?] \w+\.+ +\w+\.+(?: |$)")
# the same without the word boundary in front: a literal start, so found fast (most
# texts have neither, and then the substitutions are skipped); the words they need are
# found by the shared pass, so that most texts are not searched at all
_GLUED_I_SEEN = Scanned(
    re.compile(
        r"i(?:want|wanna|feel|have|just|really|need|wish|hate|keep|think|tried|took|dont|"
        r"don't|cant|can't|am|will|would|never)\b"
    ),
    shortest=3,
)
_GLUED_I_AFTER_SEEN = Scanned(re.compile(r"(?:tonight|today|now|then|and|so)i "), shortest=3)
_GLUED_I_AFTER = re.compile(r"\b(tonight|today|now|then|and|so)i(?= )")
_BANG = re.compile(r"(?<=[a-z])!(?=[a-z])")
_CLAUSE_BREAK = _twin(r",|b(?<=\bb)ut\b|h(?<=\bh)owever\b|\u2014|\u2013| - ")  # (as _LAUGH)

_ESCALATORS = _scope(
    _space(
        r"\b(?:(?P<time>tonight|tonite|2nite|2night|today|right now|"
        r"this (?:evening|weekend|afternoon)|tomorrow|"
        r"in (?:an|one|a few|\d+) (?:hours?|minutes?|mins?)|(?:when|once) (?:everyone|everybody|"
        r"they)(?:'s|'re| is| are)? (?:asleep|gone|out)|"
        r"after (?:this|the) (?:session|call|circle|meeting)|"
        r"(?:by |on |this |next )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
        r"by (?:the weekend|morning)|esta noche|hoy|ce soir|heute(?: nacht| abend)?|stasera|hoje)|"
        r"(?P<plan>(?:have|got|made|'ve got|wrote|written|worked out|figured out|picked) (?:a|the|"
        r"my) (?:plan|note|letter|date|spot)|everything (?:is |'s )?(?:ready|planned|sorted|"
        r"in place|set)|(?:it's|its|it is) (?:all )?(?:planned|decided)|suicide note|(?:wrote|"
        r"written|writing|left) (?:a|my) (?:goodbye|last) (?:note|letter)|i know how i'?(?:m|"
        r"ll) (?:do|going)|(?:bought|got|have|saved|stockpiled|collected|hoarded|been saving|"
        r"been collecting) (?:up )?(?:the |a |enough |all the |my )?(?:pills|rope|gun|tablets|meds|"
        r"razors?|blades?|charcoal)|(?:pills|gun|rope|knife|blade|razor|tablets)(?: is|"
        r" are)? (?:in front of me|next to me|in my hand|ready|right here)|(?:is|will|would) "
        r"(?:that|this|it|they) (?:be )?enough (?:or|to (?:do it|kill|make sure))|do i need more)|"
        r"(?P<weak>(?:goodbye|"
        r"bye) (?:everyone|all|guys|everybody)|thank you (?:all )?for everything|i love you all|"
        r"sorry for everything|saying my goodbyes)|(?P<giving>(?:gave|giving|"
        r"give) (?:away )?my (?:cat|dog|pets?|guitar|things|stuff|jewellery|jewelry|books) (?:away|"
        r"to)))\b"
    )
)


@quick_init
@dataclass(frozen=True, slots=True)
class Assessment:
    """What the detector found: one level per kind of danger, and its tags."""

    self_risk: Risk = Risk.NONE
    to_others: Risk = Risk.NONE
    from_others: Risk = Risk.NONE
    tags: tuple[str, ...] = ()

    @property
    def risk(self) -> Risk:
        return max(self.self_risk, self.to_others, self.from_others)


#: The answer for most messages, made once (a frozen dataclass is slow to make); a reader
#: may test for it by identity before asking the level.
NOTHING_FOUND = Assessment()


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _unquote(text: str) -> str:
    """Blank out quotations, unless the speaker is quoting themselves."""

    def repl(match: re.Match[str]) -> str:
        if _QUOTE_OWN.search(text, 0, match.start()):
            return match.group(0)
        return " " * len(match.group(0))

    text = _QUOTED.sub(repl, text)
    # a single word in single quotes is a word mentioned, not used ("saying 'unalive'")
    return _QUOTED_WORD.sub(_blank, text) if "'" in text else text


def _last_subject_is_other(prefix: str) -> bool:
    first = other = -1
    for found in _FIRST.finditer(prefix):
        first = found.end()
    for found in _OTHER.finditer(prefix):
        other = found.end()
    return other > first


@quick_init
@dataclass(frozen=True, slots=True)
class _Sentence:
    """What the scopes need to know about one sentence, worked out once: per statement
    they then look only at a short window, so that a long message stays linear."""

    text: str
    breaks: tuple[tuple[int, int], ...]
    past: bool
    reported_end: int
    joking: bool
    #: The shared pass's answer for the whole message.
    present: frozenset[str]

    @classmethod
    def of(cls, text: str, message: _Message) -> _Sentence:
        # each scope is looked for in a sentence only if the message has it at all
        present = message.present
        reported = _REPORTED.search(text, within=present) if message.reported else None
        return cls(
            text=text,
            breaks=tuple(b.span() for b in _CLAUSE_BREAK.finditer(text)),
            past=message.past and _PAST.search(text, within=present) is not None,
            reported_end=reported.end() if reported else len(text) + 1,
            joking=message.joking and _LAUGH.search(text) is not None,
            present=present,
        )

    def clause(self, start: int, end: int) -> tuple[int, int]:
        """The clause around ``start:end``: from the last break before it to the next."""
        index = bisect.bisect_right(self.breaks, (start, start))
        begin = self.breaks[index - 1][1] if index else 0
        after = bisect.bisect_left(self.breaks, (end, end))
        finish = self.breaks[after][0] if after < len(self.breaks) else len(self.text)
        return min(begin, start), max(finish, end)


@quick_init
@dataclass(frozen=True, slots=True)
class _Message:
    """Whether a message has each scope anywhere: most have none, and then no sentence
    needs looking at for it."""

    past: bool
    reported: bool
    joking: bool
    #: The shared pass's answer for the message (its words, for the scopes).
    present: frozenset[str]

    @classmethod
    def of(cls, text: str, present: frozenset[str]) -> _Message:
        return cls(
            past=_PAST.search(text, within=present) is not None,
            reported=_REPORTED.search(text, within=present) is not None,
            # (laughter first: it is rarer than the words that would take it back)
            joking=_LAUGH.search(text) is not None and _EARNEST.search(text) is None,
            present=present,
        )


_WINDOW = 80


def _scoped_out(sentence: _Sentence, start: int, end: int, kind: str) -> bool:
    """True when the statement at ``start:end`` is negated, past, someone else's, reported
    or hypothetical."""
    clause_start, clause_end = sentence.clause(start, end)
    text = sentence.text
    prefix = text[max(clause_start, start - _WINDOW) : start]
    matched = text[start:end]
    # a statement with its own subject ("nothing works i want to die") is negated only by
    # what frames it ("not that i ...", "i don't think i ..."), not by the clause before
    negation = _NEGATION_FRAME if _FIRST.match(matched) else _NEGATION
    if negation.search(prefix[-40:]):
        return True
    clause = text[max(clause_start, start - _WINDOW) : min(clause_end, end + _WINDOW)]
    if sentence.past and not _NOW.search(clause, within=sentence.present):
        return kind != FROM_OTHERS or not _RECENT.search(clause, within=sentence.present)
    if kind in (FROM_OTHERS, TIME):
        # Threats are reported speech by nature ("he said he'd kill me"); a time is
        # anyone's ("when everyone is asleep").
        return False
    if sentence.reported_end <= start or _HYPOTHETICAL.search(prefix):
        return True
    if kind == FINAL:
        # a goodbye speaks of others too ("they won't need to give them back")
        return False
    return (
        not _FIRST.match(matched)
        and (kind == TO_OTHERS or not _FIRST.search(matched))
        and (_last_subject_is_other(prefix))
    )


def _findings(
    text: str, candidates: list[int], present: frozenset[str]
) -> Iterable[tuple[str, Risk, str, bool]]:
    """(tag, risk, kind, joking) for every statement of the candidate rules that survives
    its scopes (``present``: the shared pass's answer for ``text``)."""
    found: set[tuple[int, bool]] = set()
    message = _Message.of(text, present)
    for raw in _SENTENCE.split(text):
        matches = [(i, f.span()) for i in candidates for f in _COMPILED[i].finditer(raw)]
        if not matches:
            continue
        sentence = _Sentence.of(raw, message)
        for index, (start, end) in matches:
            # A rule that already counted needs no second look (unless joking the first time).
            if (index, False) in found or (index, sentence.joking) in found:
                continue
            rule = _RULES[index]
            if not _scoped_out(sentence, start, end, rule.kind):
                found.add((index, sentence.joking))
                yield rule.tag, rule.risk, rule.kind, sentence.joking


def _plan(signals: set[str], level: Risk, finality: dict[str, int], timed: bool) -> Risk:
    """What signals of a plan add up to: intent to act with a time, means or a goodbye is
    imminent; means at hand with a time or a goodbye is imminent; intent or means next to
    any risk language is active."""
    intent = "sig.intent" in signals
    do_it = "sig.do_it" in signals
    means = "sig.means" in signals
    final = sum(finality.values())
    goodbye = final >= _WEIGHTS["strong"]
    if (intent or means) and (timed or goodbye or (means and intent)):
        return Risk.IMMINENT
    if do_it and (means or goodbye or (timed and (final or level >= Risk.DISTRESS))):
        return Risk.IMMINENT
    if (final >= _GOODBYE_WEIGHT and timed) or (goodbye and "sig.time" in signals):
        return Risk.IMMINENT
    if intent or ((means or do_it) and level >= Risk.DISTRESS):
        return Risk.ACTIVE_IDEATION
    if goodbye and level >= Risk.PASSIVE_IDEATION:
        # a wish to be dead and a decision or farewell beside it
        return Risk.ACTIVE_IDEATION
    return Risk.NONE


#: (text, its assessment) for the last text assessed.
_last: tuple[str, Assessment] = ("", NOTHING_FOUND)  # (what "" is found to be)


def assess(canonical: str) -> Assessment:
    """Assess a canonical (normalised, lower-case) text. The last answer is kept: the
    risk model stage asks again about the message the crisis stage just read."""
    global _last
    last = _last
    if last[0] == canonical:
        return last[1]
    found = _assess(canonical)
    _last = (canonical, found)
    return found


def kept(canonical: str) -> Assessment | None:
    """The assessment of ``canonical`` if it is the last text assessed, else None (and
    nothing is worked out)."""
    last = _last
    return last[1] if last[0] == canonical else None


#: A rule as the candidates' test reads it: its index, the strings of which each way it
#: can match needs one (None: not known), its pattern, and its needs and unless patterns.
_Candidate = tuple[
    int, frozenset[str] | None, Scanned, re.Pattern[str] | None, re.Pattern[str] | None
]
#: For each set of triggers found, the rules it selects, in order, as the test reads them
#: (the same few sets come back message after message: "want", "kill", "self").
_SELECTIONS: dict[frozenset[str], tuple[_Candidate, ...]] = {}
_KEPT_SELECTIONS = 4096


def _selected(hits: frozenset[str]) -> tuple[_Candidate, ...]:
    """The rules the triggers ``hits`` select, in the order written."""
    selected = _SELECTIONS.get(hits)
    if selected is None:
        if len(_SELECTIONS) >= _KEPT_SELECTIONS:
            _SELECTIONS.clear()  # (bounded: a flood of odd messages cannot grow it)
        rules = sorted(_NO_RULES.union(*map(_BY_TRIGGER.__getitem__, hits)))
        selected = tuple((i, _FIRSTS[i], _SCANNED[i], _NEEDS[i], _UNLESS[i]) for i in rules)
        _SELECTIONS[hits] = selected
    return selected


def _assess(canonical: str) -> Assessment:
    text = canonical.lower().replace("\u2019", "'").replace("\u2018", "'")
    if not text.isascii():
        text = text.translate(_EMOJI)
    if "!" in text:
        text = _BANG.sub("i", text)
    if "/" in text or "-" in text:
        text = _SLASHED.sub("", text)
    # the shared pass: every stage's words in this text (the crisis triggers among them)
    present = scan.found(text)
    hits = _TRIGGER_WORDS.words.intersection(present)
    if not hits:
        return NOTHING_FOUND
    # The normaliser glues a spelled-out "i" to the next word ("i w a n t" -> "iwant").
    # (Each pattern's first test is made here, with the pass's answer; a text changed is
    # passed over again, so that the answer is always this text's.)
    glued = _GLUED_I_SEEN.firsts
    if (glued is None or not present.isdisjoint(glued)) and _GLUED_I_SEEN.search(text):
        text = _GLUED_I.sub("i ", text)
        present = scan.found(text)
    glued = _GLUED_I_AFTER_SEEN.firsts
    if (glued is None or not present.isdisjoint(glued)) and _GLUED_I_AFTER_SEEN.search(text):
        text = _GLUED_I_AFTER.sub(r"\1 i", text)
        present = scan.found(text)
    # One word a sentence ("kill. my. self.") is one sentence said slowly.
    if ". " in text and (_DOTTED_FIRST.match(text) or _DOTTED_LATER.search(text)):
        text = _DOTTED.sub(r"\1 ", text)
        present = scan.found(text)
    # Most candidates find nothing; only a text some rule matches is worth the scopes.
    # (The pass's answer rules most of them out with one look-up each.)
    candidates = [
        i
        for i, firsts, scanned, needs, unless in _selected(hits)
        if (firsts is None or not present.isdisjoint(firsts))
        and scanned.search(text, within=present)
        and not (needs and not needs.search(text))
        and not (unless and unless.search(text))
    ]
    if not candidates:
        return NOTHING_FOUND
    unquoted = _unquote(text)
    # (the pass's answer is this text's only while the text is unchanged)
    blanked = _IDIOMS.sub(_blank, unquoted, within=present if unquoted is text else None)
    if blanked is not text:
        present = scan.found(blanked)
    text = blanked
    levels = {SELF: Risk.NONE, TO_OTHERS: Risk.NONE, FROM_OTHERS: Risk.NONE}
    tags: list[str] = []
    signs = 0
    finality: dict[str, int] = {}
    signals: set[str] = set()
    for tag, risk, kind, joking in _findings(text, candidates, present):
        if kind in (SIGNAL, TIME):
            signals.add(tag)
            continue
        if kind == FINAL:
            if not joking:
                finality[tag] = _RULES_BY_TAG_WEIGHT[tag]
            continue
        if joking and risk < Risk.IMMINENT:
            # Laughter next to a threat to or from someone else is hyperbole ("my mum
            # will kill me 😂"); next to one's own risk it may be masking, so only lowered.
            risk = Risk(max(Risk.NONE, risk - 1)) if kind == SELF else Risk.NONE
            tags.append("crisis.joking")
        if risk > Risk.NONE:
            signs += kind == SELF
            levels[kind] = max(levels[kind], risk)
            tags.append(tag)
    if (
        levels[SELF] is Risk.ACTIVE_IDEATION
        and "crisis.want_to_die" in tags
        and set(tags) <= _WISHES
        and _HEDGE.search(text, within=present)
    ):
        # "I want to die" said with what keeps it a wish ("I'm not going to do anything")
        levels[SELF] = Risk.PASSIVE_IDEATION
    if signals or finality:
        timed = "sig.time" in signals or _TIMED.search(text, within=present) is not None
        planned = _plan(signals, levels[SELF], finality, timed)
        if planned > levels[SELF]:
            levels[SELF] = planned
            tags.extend(["crisis.plan", *sorted(signals)])
    farewell = sum(finality.values()) >= _GOODBYE_WEIGHT
    if farewell:
        # a goodbye with no risk word in it is still a goodbye
        levels[SELF] = max(levels[SELF], Risk.ACTIVE_IDEATION)
        tags.append("crisis.goodbye")
    if not tags:
        return NOTHING_FOUND
    found = {
        m.lastgroup
        for m in _ESCALATORS.finditer(text, within=present)
        # "I don't have a plan", "not today"
        if m.lastgroup and not _NEGATION.search(text, max(0, m.start() - 24), m.start())
    }
    if levels[SELF] is Risk.PASSIVE_IDEATION and _SOON.search(text, within=present):
        # a wish to be dead with a time on it ("I want to die tonight") is more than a wish
        levels[SELF] = Risk.ACTIVE_IDEATION
        signs += 1
        found.discard("time")
    strong = "plan" in found
    if levels[SELF] >= Risk.DISTRESS and (
        strong
        or found & {"weak", "giving"}
        or ("crisis.giving_away" in tags and signs > 1)
        or (finality and signs > 0)
    ):
        levels[SELF] = Risk.IMMINENT
    if "time" in found:
        for kind in levels:
            if levels[kind] >= Risk.ACTIVE_IDEATION:
                levels[kind] = Risk.IMMINENT
    if (
        "crisis.attempt" in tags
        and _RECENT.search(text, within=present)
        and not _PAST.search(text, within=present)
    ):
        levels[SELF] = Risk.IMMINENT
    if max(levels.values()) >= Risk.DISTRESS:
        names = {
            "time": "crisis.timeframe",
            "plan": "crisis.plan",
            "weak": "crisis.goodbye",
            "giving": "crisis.giving_away",
        }
        tags.extend(names[name] for name in sorted(found))
    return Assessment(
        levels[SELF], levels[TO_OTHERS], levels[FROM_OTHERS], tuple(dict.fromkeys(tags))
    )


_LEVELS = {risk.label: risk for risk in (_P, _A, _I)}
_SEVERITIES = {e.label: e for e in (Escalation.NONE, Escalation.INFO, Escalation.WARNING)}
DEFAULT_RESOURCES = (
    "call your local emergency number, or a crisis line: 988 in the US and Canada, "
    "116 123 (Samaritans) in the UK and Ireland"
)


class Crisis:
    """The crisis-language stage. Settings: ``hold_at`` (``passive_ideation``,
    ``active_ideation`` or ``imminent``), ``deliver`` (deliver flagged instead of
    holding), ``resources`` (the local help named to the sender), ``passive_escalation``
    (``none``, ``info`` or ``warning``)."""

    name = "crisis"

    def __init__(
        self,
        *,
        hold_at: str = "active_ideation",
        deliver: bool = False,
        resources: str = DEFAULT_RESOURCES,
        passive_escalation: str = "none",
    ) -> None:
        if hold_at not in _LEVELS:
            raise ValueError(f"hold_at must be one of {sorted(_LEVELS)}, not {hold_at!r}")
        if not isinstance(deliver, bool):
            raise ValueError("deliver must be true or false")
        if not isinstance(resources, str) or not resources.strip():
            raise ValueError("resources must be a non-empty text")
        if passive_escalation not in _SEVERITIES:
            raise ValueError(f"passive_escalation must be one of {sorted(_SEVERITIES)}")
        self._hold_at = _LEVELS[hold_at]
        self._deliver = deliver
        self._resources = resources.strip()
        self._passive = _SEVERITIES[passive_escalation]
        scan.prepare()  # the shared pass is built now, not on the first message

    def screen(self, submission: Submission) -> Verdict:
        """Assess the canonical text and apply the policy."""
        found = assess(submission.canonical)
        if found is NOTHING_FOUND:
            return ALLOW  # (most messages, known without working out the level)
        risk = found.risk
        if risk is Risk.NONE:
            return ALLOW
        reasons = tuple(
            _reason(kind, level)
            for kind, level in (
                (SELF, found.self_risk),
                (TO_OTHERS, found.to_others),
                (FROM_OTHERS, found.from_others),
            )
            if level > Risk.NONE
        )
        escalate = Escalation.NONE
        if risk >= Risk.ACTIVE_IDEATION:
            escalate = Escalation.CRITICAL if risk is Risk.IMMINENT else Escalation.ERROR
        elif risk is Risk.PASSIVE_IDEATION:
            escalate = self._passive
        if risk < self._hold_at:
            action = Action.ALLOW_FLAG if risk >= Risk.PASSIVE_IDEATION else Action.ALLOW
            return Verdict(
                action=action, risk=risk, tags=found.tags, reasons=reasons, escalate=escalate
            )
        return Verdict(
            action=Action.ALLOW_FLAG if self._deliver else Action.HOLD,
            risk=risk,
            tags=found.tags,
            reasons=reasons,
            escalate=escalate,
            sender_reason=self._sender_reason(found),
        )

    def _sender_reason(self, found: Assessment) -> str:
        held = (
            ""
            if self._deliver
            else (
                " For now your message is with them rather than the whole circle, so they can "
                "reach you first."
            )
        )
        if found.to_others > max(found.self_risk, found.from_others):
            return (
                "A facilitator has seen your message and will talk with you privately in a "
                f"moment.{held} If you feel you might hurt someone now, {self._resources}."
            )
        return (
            "A facilitator has seen your message and will be with you in a moment. You "
            f"matter, and you don't have to face this alone.{held} If you are in danger now, "
            f"{self._resources}."
        )


def _reason(kind: str, level: Risk) -> str:
    what = {
        SELF: "crisis language",
        TO_OTHERS: "possible danger to others",
        FROM_OTHERS: "possible danger from others",
    }[kind]
    return f"{what}: {level.label.replace('_', ' ')}"
