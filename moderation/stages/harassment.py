"""The harassment stage: insults, threats, exclusion and hate aimed at people.

A circle is where survivors vent, so swearing is welcome and so is anger at people
outside the circle ("my ex is an asshole"). What is blocked is what is *aimed*: an
insult, a wish of harm or "nobody wants you here" addressed to a member (second person
or an ``@mention``), and hate toward a whole group (slurs, dehumanising
generalisations). The sender is told kindly why; facilitators get tags and reasons,
never the words.

**Threats of violence to a member are held, not blocked, and escalated.** A stated
intent to hurt someone here ("I'll find you and hurt you", "say that again and I'll
break your jaw", "I know where you live", "you'd better watch your back") is danger to
others, which the on-call professional must hear of: the verdict is ``hold`` with risk
``active_ideation``, escalation ``error``, tag ``harassment.threat`` and a reason, and
the sender is told kindly that a facilitator will look at it. Hold rather than block,
because a blocked message is kept nowhere: a facilitator must be able to read the threat
to protect the member it names, and the on-call professional to see what was said; and
:func:`~moderation.verdict.combine` turns a block at this risk into a hold anyway (an
insult or a rate limit in the same breath does not undo it), so the stage says what
happens. A held message reaches the circle only if a facilitator, having read it,
decides so.

Wishing or urging harm ("kys", "I hope you die") states no intent of the sender's: it
is blocked (tag ``harassment.wish_harm``), not escalated. "I'll kill you if you spoil it
lol" and "you're so dead lol" (laughter or affection in the message, and a verb that is
hyperbole as often as not) are blocked as ``harassment.violent_words``, not escalated;
menace ("I know where you live") is escalated whatever the laughter.

What is not blocked, on purpose:

* self-talk ("I'm such an idiot") is distress, not harassment;
* negated or empathic second person ("you're not stupid", "nobody thinks you're weak",
  "I would never hurt you", "I'll kill you with kindness");
* fear of one's own thoughts and the heart's hurt ("I'm scared I'll hurt you", "if I
  leave I'll hurt you"); play ("I'll destroy you at chess", "I'll hit you up later");
* what was said *to* a survivor ("he called me a ...", "she'd say 'you're worthless'",
  "he said he'd find me"): reported speech (a reporting verb earlier in the sentence)
  and double-quoted words are ``allow_flag`` (tag ``harassment.reported``), so a
  facilitator can look, and the survivor is not silenced; danger *from* others is the
  crisis stage's to escalate;
* a reclaimable slur used in-group or about oneself (``harassment.reclaimed``): flagged.

Matching runs on ``Submission.canonical`` (leet, look-alikes and spacing already folded);
each lexicon letter may repeat, so "idioot" still matches. One cheap trigger pattern
screens out the ordinary message before the detailed patterns run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from moderation import scan
from moderation.scan import Scanned, heads_among
from moderation.stage import Submission
from moderation.verdict import ALLOW, Action, Escalation, Risk, Verdict

__all__ = ["DEFAULT_SENDER_REASON", "HATE_SENDER_REASON", "THREAT_SENDER_REASON", "Harassment"]

DEFAULT_SENDER_REASON = (
    "This reads as aimed at someone here, so it wasn't shared. You're welcome to say how "
    "you feel about what happened, in your own words."
)
HATE_SENDER_REASON = (
    "This uses words that put down a whole group of people, so it wasn't shared. You're "
    "welcome to say how you feel about what happened, in your own words."
)
THREAT_SENDER_REASON = (
    "This reads as a threat to someone here, so it hasn't been shared with the circle. A "
    "facilitator will look at it and may talk with you privately. If you feel you might "
    "hurt someone, please call your local emergency number."
)
_THREAT_TAG = "harassment.threat"


def _lex(words: Iterable[str]) -> str:
    """An alternation of ``words`` where each letter may repeat and spaces stretch."""
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        runs = re.findall(r"(\w)\1*|(\s+)|([^\w\s])", word)
        # "ii*" rather than "i+": the same matches, tried in the same order, but the regex
        # engine passes over an alternative that starts with a plain letter at a glance,
        # where one that starts with a repeat has to be entered at every position.
        parts.append(
            "".join(
                re.escape(ch) * 2 + "*" if ch else (r"\s+" if gap else re.escape(other))
                for ch, gap, other in runs
            )
        )
    return "(?:" + "|".join(parts) + ")"


_INSULTS = """idiot idiots idiotic stupid moron moronic dumb dumbass pathetic loser worthless
useless disgusting gross freak psycho psychopath retard retarded bitch cunt whore slut
bastard asshole arsehole dickhead dick prick twat wanker liar attention-seeker
attention-whore drama-queen snowflake trash garbage scum scumbag ugly fat pig clown
joke weak weakling hypocrite fraud fake faker nutcase lunatic degenerate parasite leech
failure embarrassment piece-of-shit pos sack-of-shit subhuman vermin jackass fuckwit
dipshit shithead imbecile halfwit cretin douche douchebag creep weirdo crybaby pussy
coward whiner burden disgrace pervert skank tramp waste-of-space waste-of-oxygen
waste-of-air"""
# Slurs that are never reclaimed in ordinary use, and those often reclaimed in-group.
_HARD_SLURS = """nigger niggers sandnigger kike kikes spic spics gook gooks wetback
wetbacks raghead ragheads towelhead towelheads faggot faggots tranny trannies shemale
beaner beaners paki pakis golliwog jungle-bunny porch-monkey kaffir gyppo pikey dago
schwuchtel maricon maricón sudaca bougnoule youpin"""
_RECLAIMABLE = "nigga niggas niggaz dyke dykes fag fags"
_GROUPS = """jews muslims blacks black-people gays gay-people homosexuals lesbians
trans-people transgender-people trans-women trans-men immigrants migrants refugees
foreigners mexicans arabs asians chinese africans christians hindus sikhs gypsies roma
disabled-people autistic-people indians pakistanis latinos hispanics white-people"""


def _words(block: str) -> list[str]:
    return [word.replace("-", " ") for word in block.split()]


_INSULT = _lex(_words(_INSULTS)) + r"\b"
_SLUR = _lex(_words(_HARD_SLURS)) + r"\b"
_RECLAIM = _lex(_words(_RECLAIMABLE)) + r"\b"
_GROUP = _lex(_words(_GROUPS)) + r"\b"
_AP = r"['\u2019]?"
_YOU = r"(?:you|u|ya)"
_INTENS = (
    r"(?:(?:a|an|such|so|the|biggest|most|really|just|fucking|fuckin|fkn|freaking|damn|"
    r"goddamn|total|complete|absolute|utter|little|sad|big|sick|filthy|lazy|crazy|"
    r"piece\s+of|bunch\s+of|one\s+of\s+those)\s+){0,4}"
)
# "you're", "are you", "you look like", and the bare vocative "you idiot".
_YOU_BE = (
    rf"(?:you\s*{_AP}\s*re|you\s+(?:are|were|r|was)|u\s*r|u\s+are|are\s+(?:you|u)|"
    rf"were\s+you|you\s+(?:look|sound|seem|act)(?:\s+like)?|"
    rf"{_YOU}(?=\s+{_INTENS}(?!(?:joke|fake|creep|leech|trash|burden|fat)\b)))"
)

_TARGETED = re.compile(
    rf"\b{_YOU_BE}\s+(?:being\s+)?{_INTENS}{_INSULT}"
    rf"|\b(?:your|ur|yo)\s+(?:a|an|such\s+an?|so)\s+{_INTENS}{_INSULT}"
    rf"|\bfuck\s+(?:you|u|ya)\b(?!\s*(?:dad|mom|mum|father|mother|abuser|cancer|depression|"
    rf"anxiety|ptsd|world|life|brain|trauma)\b)|\bgo\s+fuck\s+(?:your\s*self|urself)\b"
    rf"|\bscrew\s+(?:you|u)\b|(?:^|[.!?,:;]\s*)(?:just\s+)?fuck\s+off\b"
    rf"|@\w+[,:]?\s+(?:is\s+|{_AP}s\s+|are\s+)?{_INTENS}{_INSULT}"
    # Spanish, German, French: "you are (a) ...".
    r"|\b(?:eres|sos)\s+(?:una?\s+|tan\s+|muy\s+)?(?:idiota|est[uú]pid[oa]|imb[eé]cil|in[uú]til|"
    r"pat[eé]tic[oa]|basura|pendej[oa]|put[oa]|gilipollas)\b"
    r"|\bdu\s+(?:bist\s+)?(?:so\s+|ein\s+|eine\s+|echt\s+)?(?:dumm|idiot|versager|"
    r"erb[aä]rmlich|nutzlos|wertlos|hure|schlampe|arschloch|wichser|hurensohn)\b"
    r"|\b(?:t['\u2019]?es|tu\s+es)\s+(?:une?\s+|trop\s+|si\s+|vraiment\s+)?(?:idiot|conne?|"
    r"d[eé]bile|path[eé]tique|nulle?|salope|pute|connard|connasse)\b"
)
# Blaming a member for what was done to them.
_BLAME = re.compile(
    rf"\b(?:you|u)\s+(?:deserved|asked\s+for)\s+(?:it|that|this|what)\b"
    rf"|\bit(?:{_AP}s|\s+was|\s+is)\s+(?:all\s+)?(?:your|ur)\s+(?:own\s+)?fault\b"
)
_EXCLUSION = re.compile(
    rf"\b(?:nobody|no\s*one)\s+(?:here\s+)?(?:wants|likes|cares\s+about|asked|needs|"
    rf"gives\s+a\s+(?:shit|fuck|damn)\s+about)\s+{_YOU}\b(?!\s+to\b)"
    rf"|\b{_YOU}\s+(?:don{_AP}t|do\s+not)\s+belong\s+(?:here|in\s+this)"
    rf"|\b(?:you\s*{_AP}\s*re|you\s+are|ur)\s+not\s+welcome\b(?!\s+to\b)"
    # Told to go: an imperative, or "you should ..."; not "maybe I should leave the chat".
    rf"|(?:^|[.!?,:;]\s*|@\w+\s*|\b{_YOU}\s+(?:should|need\s+to|have\s+to|must|better)\s+|"
    rf"\bplease\s+|\bgo\s+)(?:just\s+)?(?:get\s+out\s+of|leave)\s+(?:this|our|the)\s+"
    rf"(?:group|circle|chat)"
    rf"|\b(?:gtfo|get\s+lost)\b|\bpeople\s+like\s+{_YOU}\s+(?:should|shouldn{_AP}t|deserve|"
    rf"don{_AP}t\s+belong|are|need\s+to|make\s+me|always|never)"
    rf"|(?:^|[.!?,:;]\s*|@\w+\s*)(?:just\s+)?(?:shut\s+(?:the\s+(?:fuck|hell)\s+)?up|stfu)\b"
    # ... but "shut up, that's amazing!" is delight.
    rf"(?![\s,!.]*(?:that|this|omg|no\s+way|wow|what|really|seriously|lol|i\s+love)\b)"
)
# Wishing or urging harm on a member: blocked, not escalated (no intent of the sender's).
_WISH_HARM = re.compile(
    rf"\b(?:go\s+)?(?:kill|hang|unalive)\s+(?:your\s*self|urself)\b|\bkys\b"
    rf"|\bhope\s+{_YOU}\s+(?:die|get\s+(?:raped|hurt|killed|cancer)|suffer|rot|burn|choke)\b"
    rf"(?!\s+(?:laughing|of\s+laughter))"
    rf"|\b{_YOU}\s+(?:should|deserve\s+to|need\s+to|ought\s+to)\s+(?:just\s+)?(?:die|suffer|"
    rf"rot|be\s+(?:raped|hurt|killed|shot|beaten)|get\s+(?:raped|hurt|killed))\b"
)
# --- threats of violence to a member: held and escalated (see the module docstring) ----
# Who is threatened: a member ("you", "@sam") or someone of theirs ("your kids").
_OBJ = (
    rf"(?:{_YOU}|@\w+|(?:your|ur|ya)\s+(?:whole\s+|little\s+|fucking\s+)?(?:family|kids?|"
    r"children|son|daughter|wife|husband|partner|boyfriend|girlfriend|mum|mom|mother|dad|"
    r"father|sister|brother|baby|dog|cat|pets?))"
)
# The speaker's intent: "I'll", "I'm going to", "imma", "I want to", "we're gonna".
_INTENT = (
    rf"(?:i\s*{_AP}\s*ll|i\s+(?:will|shall)|(?:i\s*{_AP}\s*m|i\s+am)\s+(?:going\s+to|gonna|gunna|"
    rf"about\s+to|coming\s+to|ready\s+to)|imma|ima|i\s*{_AP}\s*ma|i\s+(?:want|need)\s+to|"
    rf"i\s+wanna|i\s*{_AP}\s*d\s+(?:love|like)\s+to|i\s+would\s+(?:love|like)\s+to|"
    rf"we\s*{_AP}\s*ll|we\s+will|(?:we\s*{_AP}\s*re|we\s+are)\s+(?:going\s+to|gonna))"
)
# Words between the intent and the act: adverbs, and coming to do it ("find you and").
# Not "not" or "never": "I'll never hurt you" is no threat.
_APPROACH = (
    rf"(?:come|go|get|walk|drive|turn\s+up)(?:\s+(?:over|round|around|there|up))?"
    rf"(?:\s+to\s+(?:your|ur)\s+(?:house|place|home|door|work))?\s+and"
    rf"|find\s+{_YOU}(?:\s+(?:first|later|one\s+day|someday|again))?\s+and"
    rf"|(?:track|hunt)\s+{_YOU}\s+down\s+and|wait\s+(?:for\s+{_YOU}\s+)?(?:outside\s+)?and"
    rf"|(?:catch|get)\s+{_YOU}(?:\s+(?:alone|outside|later))?\s+and"
)
_BETWEEN = (
    r"(?:(?:just|really|fucking|fuckin|fkn|literally|actually|personally|seriously|definitely|"
    r"totally|gladly|happily|honestly|so|then|also|even|still|gonna|go|come|swear|"
    rf"make\s+sure\s+(?:i|to)|try\s+(?:and|to)|{_APPROACH})\s+){{0,3}}"
)
_BODY = (
    r"(?:jaw|neck|nose|face|head|skull|legs?|arms?|teeth|ribs?|fingers?|knees?|kneecaps?|"
    r"bones?|throat|eyes?|ass|arse|spine|hands?|brains?|lights|guts|skin)"
)
# The act. A verb that can be hyperbole between friends ("I'll kill you if you spoil
# it lol") is named, so laughter can soften it; the others cannot be.
_HARM_VERB = (
    r"(?P<verb>kill|murder|hurt|stab|shoot|rape|strangle|choke|throttle|punch|slap|smack|"
    r"kick|batter|bash|attack|torture|knife|shank|gut|drown|bury|end|destroy|beat|hit|"
    rf"smash|break|burn|cut|slit)\s+{_OBJ}\b"
)
_HARM = (
    rf"(?:beat|knock|punch|kick|smack|slap|bash)\s+the\s+(?:shit|crap|hell|fuck|life|"
    rf"living\s+daylights)\s+out\s+of\s+{_OBJ}"
    rf"|(?:fuck|mess|beat|bash|smash|carve|cut)\s+{_OBJ}\s+up\b|knock\s+{_OBJ}\s+out\b"
    rf"|(?:cut|rip|tear|slice)\s+{_OBJ}\s+open\b|hunt\s+{_OBJ}\s+down\b"
    rf"|(?:run|mow)\s+{_OBJ}\s+(?:over|down)\b"
    rf"|put\s+{_OBJ}\s+in\s+(?:the\s+|a\s+)?(?:hospital|ground|grave|body\s*bag|wheelchair|"
    r"coffin|morgue|icu)"
    rf"|make\s+{_OBJ}\s+(?:suffer|bleed|regret\s+(?:it|this|that|the\s+day|being)|pay"
    r"(?=\s*(?:$|[.!?,;:]|for\s+(?:this|that|it|what|everything|saying|being|hurting))))"
    r"|(?:break|smash|snap|crack|cut|slit|slash|bash|kick|punch|rip|tear|stab|beat|cave|"
    rf"knock|blow|gouge|stomp|caved?)\s+(?:your|ur|ya)\s+(?:\w+\s+)?{_BODY}"
    r"|(?:put|stick|shove)\s+(?:a|my|this)\s+(?:knife|blade|bullet|fist)\s+(?:in|into|through)"
    rf"\s+(?:{_OBJ}|(?:your|ur)\s+(?:\w+\s+)?{_BODY})"
)
# What turns the words into something else: "beat you to it", "hit you up", "shoot you a
# message", "kill you with kindness", "destroy you at chess", "kick you out of the group".
_NOT_HARM = (
    r"(?!\s+(?:to\s+(?:it|the|that)\b|there\b|home\b|first\b|up\b|back\b|off\b|out\b|"
    r"over\b|next\b|this\s+time|one\s+day|someday|eventually|fair\b|some\s+slack|an?\s+"
    r"(?:\w+\s+)?(?:break|deal|message|text|line|e-?mail|dm|pm|note|copy|cd|playlist|link|slice|"
    r"piece|question|reply|invite)\b|"
    r"with\s+(?!(?:a|an|the|my|this|that|his|her|bare|my\s+bare)\s+(?:bat|brick|bottle|hammer|"
    r"knife|stick|belt|chair|pipe|rock|stone|club|crowbar|shovel|plank|gun|blade|axe|machete|"
    r"hands|fists)\b|(?:my\s+)?(?:bare\s+)?(?:hands|fists)\b)))"
)
# Play, not violence, whatever the verb: "destroy you at chess", "kick your ass in tennis".
_NOT_PLAY = (
    r"(?!\s+(?:at\b|in\s+(?:a\s+|the\s+|this\s+|that\s+|our\s+)?(?:game|race|match|round|"
    r"debate|argument|quiz|chess|cards|scrabble|monopoly|mario\s*kart|tennis|pool|darts|"
    r"trivia|hugs|love|kisses|compliments|kindness|paperwork|memes)\b))"
)
# Each kind of threat is its own pattern: one pattern of many branches would try every
# branch at every position (many times slower than these together).
_INTENT_TO_HARM = re.compile(
    rf"\b{_INTENT}\s+{_BETWEEN}(?:{_HARM_VERB}{_NOT_HARM}|{_HARM}){_NOT_PLAY}"
)
# Menace without a verb of violence: knowing where a member lives, "watch your back".
_MENACE = re.compile(
    rf"\bi\s+(?:know|found\s+out|figured\s+out|know\s+exactly|can\s+find)\s+where\s+"
    rf"(?:{_YOU}\s+(?:live|sleep|stay|work)\b(?=\s*(?:$|[.!?,;:]|and\b|now\b|so\b|lol\b|"
    rf"bitch\b|@))|(?:your|ur)\s+(?:kids?|children|family)\s+(?:lives?|are|go|goes|sleeps?)\b)"
    rf"|\bi\s+(?:know|have|got|found)\s+(?:your|ur)\s+(?:home\s+)?address\b"
    # "you'd better watch your back", not "watch your back around him" (_WATCH_BEFORE)
    rf"|(?P<watch>\bwatch\s+(?:your|ur)\s+back\b)"
    rf"(?!\s+(?:around|with|at|when|in|near|if|on|out|from|while|for)\b)"
    rf"|(?:\byour\s+days\s+are\s+numbered|\b{_YOU}\s+(?:won{_AP}t|will\s+not)\s+see\s+it\s+"
    rf"coming)(?=\s*(?:$|[.!?,;:]|bitch\b|@))|\bsleep\s+with\s+one\s+eye\s+open\b"
    rf"|\b{_YOU}\s+(?:won{_AP}t|will\s+not)\s+live\s+(?:to\s+see|till|until|past)"
    rf"|\b{_YOU}\s*{_AP}\s*ll\s+(?:be|end\s+up)\s+(?:dead|in\s+(?:the\s+)?hospital|in\s+a\s+"
    rf"(?:body\s*bag|box|coffin|wheelchair))\b|\b{_YOU}\s*{_AP}\s*ll\s+wish\s+{_YOU}\s+"
    rf"(?:were|was)\s+(?:dead|never\s+born)"
    # Verbless, and hyperbole between friends as often as not: "you're so dead".
    rf"|(?P<dead>\b(?:you\s*{_AP}\s*re|you\s+are|ur|u\s+r)\s+(?:so\s+|fucking\s+)?"
    rf"(?:dead(?:\s+meat)?|a\s+dead\s+(?:man|woman|girl|boy))\b"
    rf"(?=\s*(?:$|[.!?,;:]|when\b|if\b|once\b|bitch\b|lol\b)))"
)
_WATCH_BEFORE = re.compile(r"(?:^|\b(?:better|best)|[.!?,;:]|@\w+)\s*$")
# Spanish, German, French, Portuguese, Italian.
_FOREIGN_THREAT = re.compile(
    r"\bte\s+voy\s+a\s+(?:matar|partir|romper|reventar|pegar|hacer\s+da[nñ]o|dar\s+una\s+"
    r"paliza)|\bte\s+mato\b|\bs[eé]\s+d[oó]nde\s+vives\b|\bich\s+(?:bring|bringe)\s+dich\s+um\b"
    r"|\bich\s+(?:mach|mache)\s+dich\s+(?:fertig|kalt|platt)\b|\bich\s+wei(?:ß|ss)\s*,?\s+wo\s+"
    r"du\s+wohnst\b|\bje\s+vais\s+te\s+(?:tuer|buter|frapper|d[eé]foncer|d[eé]molir|massacrer|"
    r"crever|casser\s+la\s+gueule)|\bje\s+te\s+(?:tue|bute|d[eé]fonce)\b|\bje\s+sais\s+o[uù]\s+"
    r"tu\s+(?:habites|vis)\b|\bvou\s+te\s+matar\b|\bsei\s+onde\s+(?:voc[eê]|tu)\s+mora\b"
    r"|\bti\s+(?:ammazzo|uccido)\b|\bso\s+dove\s+abiti\b"
)
_INTENT_CUES = (
    "kill murder hurt stab shoot rape strangle choke throttle punch slap smack kick batter "
    "bash attack torture knife shank gut drown bury end destroy beat hit smash break burn "
    "cut slit hunt knock fuck mess rip tear carve run mow put make snap crack slash cave "
    "blow gouge stomp stick shove"
)
_MENACE_CUES = "know found figured address watch days coming sleep live dead wish"
_FOREIGN_CUES = (
    "matar mato vives dich wohnst tuer buter frapper défoncer defoncer démolir demolir "
    "massacrer crever casser tue bute habites vis ammazzo uccido abiti mora"
)
# Hyperbole between friends: laughter or affection anywhere in the message ("I'll slap
# you if you call yourself stupid again <3").
_LAUGHTER = re.compile(
    r"\b(?:lo+l|lmf?ao+|rofl|(?:ha){2,}h?|(?:he){2,}|jk|j/k|just\s+(?:kidding|joking)|kidding|"
    r"joking|xd|:p|love\s+(?:you|ya|u)|ily|hugs?)\b|<3|[\u2764\u2665\U0001f602\U0001f923"
    r"\U0001f606\U0001f61c\U0001f61d\U0001f609\U0001f605\U0001f495\U0001f496\U0001f497"
    r"\U0001f917\U0001f618]"
)
_HYPERBOLE = "kill murder strangle choke throttle end destroy slap smack punch hit kick beat smash"
_HYPERBOLE_VERBS = frozenset(_HYPERBOLE.split())
# "hurt" may be the heart's: "if I leave I'll hurt you", "I'll hurt you by telling you".
_HEARTS_HURT_BEFORE = re.compile(r"\b(?:if|when|once)\s+i\b|\bby\s+\w+ing\b")
_HEARTS_HURT_AFTER = re.compile(
    r"\s+(?:by|emotionally|more\s+than|if\s+i|when\s+i|with\s+(?:my|this|what|the\s+truth|"
    r"words|it))\b"
)
# Not intent: fear of one's own thoughts, a nightmare, "what if", negation.
_NOT_INTENT = re.compile(
    r"\b(?:afraid|scared|terrified|worried|worry|worries|fear|fears|feared|frightened|"
    r"paranoid|nightmares?|dream|dreams|dreamt|dreamed|imagine|imagining|pretend|what\s+if|"
    r"as\s+if|in\s+case|thoughts?|intrusive|urges?|ocd|hope\s+i)\b"
)
# Reported threats, besides reported speech: "he threatened: I'll find you".
_THREATENED = re.compile(
    r"\b(?:threatened|threatens|threatening|swore|swears|warned|whispered|hissed|growled|"
    r"muttered)\b"
)
# Not a report when the last reporting verb is the speaker's, to the member: "I told
# you, ...", "I'm warning you, ..." (but "I told you he said ..." is a report).
_SAID_BY_ME = re.compile(rf"\bi(?:\s*{_AP}\s*m|\s+am)?\s+$")
_TO_YOU = re.compile(rf"\s+(?:to\s+)?{_YOU}\b")
# "I don't think I'll hurt you", "nobody is saying I'll hurt you" (but not "if you
# don't stop, I'll hurt you").
_NEGATED = re.compile(
    r"(?:\b(?:not|never|nobody|no\s*one|noone)|n['\u2019]?t)\s+(?:\w+\s+)?(?:think|thinks|"
    r"thought|believe|mean|meant|say|says|said|saying|want|wants|wanted|worry|like|imply|"
    r"implying|suggesting)\b"
)

_DEHUMANISING = (
    r"animals|vermin|subhuman|disgusting|parasites|rapists|terrorists|criminals|trash|scum|"
    r"evil|inferior|degenerates|pa?edophiles|groomers|a\s+disease|a\s+plague|cockroaches|"
    r"rats|monsters|freaks|abominations?|not\s+human|less\s+than\s+human|filth|savages"
)
_HATE = re.compile(
    rf"\bgo\s+back\s+(?:to\s+)?(?:where\s+{_YOU}\s+(?:came|come)\s+from|(?:to\s+)?(?:your|ur)"
    rf"\s+(?:own\s+)?country)"
    rf"|\b{_GROUP}\s+(?:are|r)\s+(?:all\s+|just\s+|nothing\s+but\s+|fucking\s+)*"
    rf"(?:{_DEHUMANISING})\b"
    rf"|\b(?:{_GROUP}|men|women)\s+(?:should|must|deserve\s+to)\s+(?:all\s+)?(?:die|burn|rot|"
    rf"be\s+(?:killed|shot|gassed|hanged|exterminated|wiped\s+out|burned))\b"
    rf"|\b(?:kill|gas|exterminate|death\s+to)\s+(?:all\s+)?(?:the\s+)?(?:{_GROUP}|men|women)"
    rf"|\bi\s+(?:hate|despise)\s+(?:all\s+)?{_GROUP}"
)
_HARD_SLUR = re.compile(rf"\b{_SLUR}")
_RECLAIMABLE_SLUR = re.compile(rf"\b{_RECLAIM}")
_SLUR_AT_YOU = re.compile(rf"\b{_YOU_BE}\s+{_INTENS}$|\b(?:your|ur)\s+{_INTENS}$")
_SELF_ID = re.compile(
    r"\b(?:i\s*['\u2019]?\s*m|i\s+am|as\s+an?|us|we|fellow|my)\s+(?:\w+\s+){0,2}$"
)
# Cheap pre-screen: each check needs a word starting like one of its cue words; the
# cue of the insult check is the insult lexicon, of the slur check the slurs, and so on.
_INTENT_, _MENACE_, _FOREIGN_, _WISH_, _TARGETED_, _BLAME_, _EXCLUSION_, _HATE_, _SLUR_ = (
    1 << n for n in range(9)
)
_THREAT_ = _INTENT_ | _MENACE_ | _FOREIGN_
_CUES = (
    (_INTENT_, _INTENT_CUES),
    (_MENACE_, _MENACE_CUES),
    (_FOREIGN_, _FOREIGN_CUES),
    (_WISH_, "kill hang unalive kys die suffer rot raped killed shot beaten burn choke"),
    (_TARGETED_, "fuck screw eres sos du es tes t'es t\u2019es tu " + _INSULTS),
    (_BLAME_, "deserved asked fault"),
    (_EXCLUSION_, "nobody no noone belong welcome leave get gtfo lost people shut stfu"),
    (_HATE_, "back men women gas exterminate death kill hate despise " + _GROUPS),
    (_SLUR_, _HARD_SLURS + " " + _RECLAIMABLE),
)  # fmt: skip


def _prefixes(word: str) -> set[str]:
    """The first four letters of ``word``, allowing any of them doubled ("stuupid")."""
    heads = {""}
    for letter in word[:4]:
        heads = {head + letter * n for head in heads for n in (1, 2)}
    keys = {head[:4] for head in heads}
    if len(word) < 4:
        keys.update(head + "s" for head in heads if len(head) < 4)
    return keys


def _cue_table() -> dict[str, int]:
    table: dict[str, int] = {}
    for flag, block in _CUES:
        for entry in _words(block):
            for key in _prefixes(entry.split()[0]):
                table[key] = table.get(key, 0) | flag
    return table


_CUE_TABLE = _cue_table()

_CUE_HEADS = heads_among(_CUE_TABLE)


def _cued(text: str) -> int:
    """The checks worth running on ``text`` (for most ordinary messages: none)."""
    flags = 0
    for head in _CUE_HEADS.findall(" " + text):
        flags |= _CUE_TABLE[head]
    return flags


# Reported speech earlier in the sentence: what was said to the speaker.
_REPORTED = re.compile(
    r"\b(?:called|calls|calling|said|says|saying|told|tells|telling|yelled|yells|screamed|"
    r"screams|shouted|shouts|wrote|texted|messaged|heard|mocked|taunted|sneered|"
    r"kept\s+saying|used\s+to\s+say|would\s+say|the\s+word|slurs?|voices?)\b"
)
_SENTENCE_END = re.compile(r".*[.!?\n]", re.DOTALL)
# Negation or empathy just before: "you're not", "nobody thinks you're", "if you feel".
_SOFTENED = re.compile(
    r"\b(?:not|no|never|nobody|no\s*one|noone|none|feel|feels|felt|feeling|like|when|"
    r"whenever|make|makes|made|"
    r"(?:do|does|did|is|was|are|were|would|could|should|ca|wo|ai|have|has|had)n['\u2019]?t)\b"
    r"|\bstop\s+(?:saying|thinking|believing)|\bplease\s+don"
)
# For blame, also belief: "you might think it was your fault".
_SOFTENED_BLAME = re.compile(rf"{_SOFTENED.pattern}|\b(?:think|thinks|thought|believe|blame|tell)")
_CLAUSE_END = re.compile(r".*[.!?;,\n]", re.DOTALL)
_THREATS = (
    (_INTENT_, _INTENT_TO_HARM),
    (_MENACE_, _MENACE),
    (_FOREIGN_, _FOREIGN_THREAT),
)
_CHECKS = (
    (_WISH_, _WISH_HARM, _SOFTENED, "harassment.wish_harm", "wishing harm on a member"),
    (_TARGETED_, _TARGETED, _SOFTENED, "harassment.insult", "insult aimed at a member"),
    (_BLAME_, _BLAME, _SOFTENED_BLAME, "harassment.insult", "blaming a member for harm done"),
    (_EXCLUSION_, _EXCLUSION, _SOFTENED, "harassment.exclusion", "telling a member to go"),
    (_HATE_, _HATE, _SOFTENED, "harassment.hate", "hateful generalisation about a group"),
)
# Each pattern is skipped when the text lacks the words every match needs: a cue (a word's
# head) is not enough ("end" starts "ending" and "endless"). The shared pass says which of
# those words the message has (one look-up a set of them, rather than ``in`` tests).
_GUARDED_THREATS = tuple((flag, Scanned(pattern, shortest=3)) for flag, pattern in _THREATS)
_GUARDED_CHECKS = tuple(
    (flag, Scanned(pattern, shortest=3), softened, tag, reason)
    for flag, pattern, softened, tag, reason in _CHECKS
)


def _reported(text: str, start: int) -> bool:
    """Whether the words at ``start`` are quoted, or reported earlier in their sentence."""
    before = text[:start]
    if before.count('"') % 2 or before.count("“") > before.count("”"):
        return True
    if before.count("«") > before.count("»") or before.count("„") > before.count("“"):
        return True
    window = before[-80:]
    end = _SENTENCE_END.match(window)
    return _REPORTED.search(window, end.end() if end else 0) is not None


def _told_by_me(sentence: str) -> bool:
    """Whether the last reporting verb of ``sentence`` is the speaker telling the member."""
    verbs = [*_REPORTED.finditer(sentence), *_THREATENED.finditer(sentence)]
    if not verbs:
        return False
    last = max(verbs, key=lambda verb: verb.start())
    return (
        _SAID_BY_ME.search(sentence, 0, last.start()) is not None
        and _TO_YOU.match(sentence, last.end()) is not None
    )


def _sentence_before(text: str, start: int, width: int = 100) -> str:
    """The words before ``start`` in the same sentence, at most ``width`` characters."""
    window = text[max(0, start - width) : start]
    end = _SENTENCE_END.match(window)
    return window[end.end() :] if end else window


def _clause_before(text: str, start: int, width: int = 40) -> str:
    """The words before ``start`` in the same clause, at most ``width`` characters."""
    window = text[max(0, start - width) : start]
    end = _CLAUSE_END.match(window)
    return window[end.end() :] if end else window


class Harassment:
    """Blocks harassment aimed at members and hate toward groups; allows venting."""

    name = "harassment"

    def __init__(
        self,
        *,
        block_group_hate: bool = True,
        flag_reported: bool = True,
        sender_reason: str = DEFAULT_SENDER_REASON,
        hate_sender_reason: str = HATE_SENDER_REASON,
        threat_sender_reason: str = THREAT_SENDER_REASON,
        **unknown: Any,
    ) -> None:
        """``block_group_hate``: block (else flag) slurs and hate not aimed at a member.
        ``flag_reported``: flag (else allow) reported, quoted or reclaimed slurs and insults.
        ``sender_reason``, ``hate_sender_reason``, ``threat_sender_reason``: what the
        sender is told (non-empty)."""
        if unknown:
            raise TypeError(f"harassment: unknown setting(s): {', '.join(sorted(unknown))}")
        for setting, value in (("block_group_hate", block_group_hate),
                               ("flag_reported", flag_reported)):  # fmt: skip
            if not isinstance(value, bool):
                raise TypeError(f"harassment: {setting} must be true or false")
        for setting, text in (("sender_reason", sender_reason),
                              ("hate_sender_reason", hate_sender_reason),
                              ("threat_sender_reason", threat_sender_reason)):  # fmt: skip
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"harassment: {setting} must be a non-empty string")
        self._group_action = Action.BLOCK if block_group_hate else Action.ALLOW_FLAG
        self._reported_action = Action.ALLOW_FLAG if flag_reported else Action.ALLOW
        self._sender_reason = sender_reason
        self._hate_sender_reason = hate_sender_reason
        self._threat_sender_reason = threat_sender_reason

    def screen(self, submission: Submission) -> Verdict:
        """Block what is aimed at a member or demeans a group; see the module docstring."""
        text = submission.canonical
        cued = _cued(text)
        if not cued:
            return ALLOW
        found: dict[str, tuple[Action, str]] = {}
        for tag, (action, reason) in self._findings(text, cued):
            if tag not in found or action > found[tag][0]:
                found[tag] = (action, reason)
        if not found:
            return ALLOW
        action = max(action for action, _ in found.values())
        tags = tuple(found)
        reasons = tuple(reason for _, reason in found.values())
        if _THREAT_TAG in found:
            # Whatever else is in it: held for facilitators and escalated, never delivered.
            return Verdict(
                action=Action.HOLD,
                risk=Risk.ACTIVE_IDEATION,
                escalate=Escalation.ERROR,
                tags=tags,
                reasons=reasons,
                sender_reason=self._threat_sender_reason,
            )
        if action is Action.BLOCK:
            targeted = any(tag != "harassment.hate" and found[tag][0] is Action.BLOCK
                           for tag in tags)  # fmt: skip
            reason = self._sender_reason if targeted else self._hate_sender_reason
            return Verdict(action=action, tags=tags, reasons=reasons, sender_reason=reason)
        return Verdict(action=action, tags=tags, reasons=reasons)

    def _findings(self, text: str, cued: int) -> Iterator[tuple[str, tuple[Action, str]]]:
        """(tag, (action, reason)) for each kind of harassment found."""
        present = scan.found(text)  # (kept: usually the text the stages before read)
        if cued & _THREAT_:
            yield from self._threats(text, cued, present)
        for flag, pattern, softened, tag, reason in _GUARDED_CHECKS:
            if not cued & flag:
                continue
            for match in pattern.finditer(text, within=present):
                if _reported(text, match.start()):
                    yield "harassment.reported", (self._reported_action, f"reported: {reason}")
                elif not softened.search(_clause_before(text, match.start())):
                    action = Action.BLOCK
                    if tag == "harassment.hate":
                        action = self._group_action
                    yield tag, (action, reason)
                    break
        if cued & _SLUR_:
            yield from self._slurs(text)

    def _threats(
        self, text: str, cued: int, present: frozenset[str]
    ) -> Iterator[tuple[str, tuple[Action, str]]]:
        matches = (
            match
            for flag, pattern in _GUARDED_THREATS
            if cued & flag
            for match in pattern.finditer(text, within=present)
        )
        for match in matches:
            start = match.start()
            sentence = _sentence_before(text, start)
            reported = _reported(text, start) or _THREATENED.search(sentence) is not None
            if reported and not _told_by_me(sentence):
                yield "harassment.reported", (self._reported_action, "reported: threat")
                continue
            if _NOT_INTENT.search(sentence) or _NEGATED.search(sentence):
                continue
            groups = match.groupdict()
            if groups.get("watch") and not _WATCH_BEFORE.search(text, max(0, start - 40), start):
                continue
            verb = groups.get("verb")
            if verb == "hurt" and (
                _HEARTS_HURT_BEFORE.search(sentence) or _HEARTS_HURT_AFTER.match(text, match.end())
            ):
                continue
            if (groups.get("dead") or verb in _HYPERBOLE_VERBS) and _LAUGHTER.search(text):
                # "I'll kill you if you spoil it lol": still not for the circle, but no
                # one need be woken for it.
                yield "harassment.violent_words", (Action.BLOCK, "violent words, laughing")
                continue
            yield _THREAT_TAG, (Action.HOLD, "threat of violence to a member")
            return

    def _slurs(self, text: str) -> Iterator[tuple[str, tuple[Action, str]]]:
        for pattern, hard in ((_HARD_SLUR, True), (_RECLAIMABLE_SLUR, False)):
            for match in pattern.finditer(text):
                before = _clause_before(text, match.start())
                if _reported(text, match.start()):
                    yield "harassment.reported", (self._reported_action, "reported slur")
                elif _SLUR_AT_YOU.search(before):
                    yield "harassment.insult", (Action.BLOCK, "slur aimed at a member")
                    yield "harassment.hate", (Action.BLOCK, "slur")
                elif _SELF_ID.search(before) or not hard:
                    yield "harassment.reclaimed", (self._reported_action, "reclaimable slur")
                else:
                    yield "harassment.hate", (self._group_action, "slur")
