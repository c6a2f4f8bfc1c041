"""The harassment stage: insults, threats, exclusion and hate aimed at people.

A circle is where survivors vent, so swearing is welcome and so is anger at people
outside the circle ("my ex is an asshole"). What is blocked is what is *aimed*: an
insult, a threat or "nobody wants you here" addressed to a member (second person or an
``@mention``), and hate toward a whole group (slurs, dehumanising generalisations). The
sender is told kindly why; facilitators get tags and reasons, never the words.

What is not blocked, on purpose:

* self-talk ("I'm such an idiot") is distress, not harassment;
* negated or empathic second person ("you're not stupid", "nobody thinks you're weak");
* what was said *to* a survivor ("he called me a ...", "she'd say 'you're worthless'"):
  reported speech (a reporting verb earlier in the sentence) and double-quoted words are
  ``allow_flag`` (tag ``harassment.reported``), so a facilitator can look, and the
  survivor is not silenced;
* a reclaimable slur used in-group or about oneself (``harassment.reclaimed``): flagged.

Matching runs on ``Submission.canonical`` (leet, look-alikes and spacing already folded);
each lexicon letter may repeat, so "idioot" still matches. One cheap trigger pattern
screens out the ordinary message before the detailed patterns run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from moderation.stage import Submission
from moderation.verdict import ALLOW, Action, Verdict

__all__ = ["DEFAULT_SENDER_REASON", "HATE_SENDER_REASON", "Harassment"]

DEFAULT_SENDER_REASON = (
    "This reads as aimed at someone here, so it wasn't shared. You're welcome to say how "
    "you feel about what happened, in your own words."
)
HATE_SENDER_REASON = (
    "This uses words that put down a whole group of people, so it wasn't shared. You're "
    "welcome to say how you feel about what happened, in your own words."
)


def _lex(words: Iterable[str]) -> str:
    """An alternation of ``words`` where each letter may repeat and spaces stretch."""
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        runs = re.findall(r"(\w)\1*|(\s+)|([^\w\s])", word)
        parts.append(
            "".join(
                re.escape(ch) + "+" if ch else (r"\s+" if gap else re.escape(other))
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
_THREAT = re.compile(
    rf"\b(?:i\s*{_AP}\s*ll|i\s+will|i\s*{_AP}\s*m\s+(?:going\s+to|gonna)|imma|ima)\s+"
    rf"(?:\w+\s+)?(?:kill|hurt|beat|stab|shoot|rape|come\s+for|end|destroy|punch|"
    rf"fuck\s+up|strangle)\s+{_YOU}\b(?!\s+with\s+kindness)"
    rf"|\bi\s+know\s+where\s+{_YOU}\s+live\b|\bwatch\s+(?:your|ur)\s+back\b"
    rf"|\b(?:go\s+)?(?:kill|hang|unalive)\s+(?:your\s*self|urself)\b|\bkys\b"
    rf"|\bhope\s+{_YOU}\s+(?:die|get\s+(?:raped|hurt|killed|cancer)|suffer|rot|burn|choke)\b"
    rf"(?!\s+(?:laughing|of\s+laughter))"
    rf"|\b{_YOU}\s+(?:should|deserve\s+to|need\s+to|ought\s+to)\s+(?:just\s+)?(?:die|suffer|"
    rf"rot|be\s+(?:raped|hurt|killed|shot|beaten)|get\s+(?:raped|hurt|killed))\b"
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
_THREAT_, _TARGETED_, _BLAME_, _EXCLUSION_, _HATE_, _SLUR_ = (1 << n for n in range(6))
_CUES = (
    (_THREAT_, "kill hurt beat stab shoot rape come end destroy punch strangle live back "
     "hang unalive kys die suffer rot raped killed shot beaten burn choke"),
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
_PUNCT = "\"'()[]{}*_-.,!?;:“”\u2018\u2019«»„<>~/"


def _cued(text: str) -> int:
    """The checks worth running on ``text`` (for most ordinary messages: none)."""
    flags = 0
    get = _CUE_TABLE.get
    for word in text.split():
        flags |= get(word.strip(_PUNCT)[:4], 0)
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
_CHECKS = (
    (_THREAT_, _THREAT, _SOFTENED, "harassment.threat_to_member", "threat aimed at a member"),
    (_TARGETED_, _TARGETED, _SOFTENED, "harassment.insult", "insult aimed at a member"),
    (_BLAME_, _BLAME, _SOFTENED_BLAME, "harassment.insult", "blaming a member for harm done"),
    (_EXCLUSION_, _EXCLUSION, _SOFTENED, "harassment.exclusion", "telling a member to go"),
    (_HATE_, _HATE, _SOFTENED, "harassment.hate", "hateful generalisation about a group"),
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
        **unknown: Any,
    ) -> None:
        """``block_group_hate``: block (else flag) slurs and hate not aimed at a member.
        ``flag_reported``: flag (else allow) reported, quoted or reclaimed slurs and insults.
        ``sender_reason``, ``hate_sender_reason``: what the sender is told (non-empty)."""
        if unknown:
            raise TypeError(f"harassment: unknown setting(s): {', '.join(sorted(unknown))}")
        for setting, value in (("block_group_hate", block_group_hate),
                               ("flag_reported", flag_reported)):  # fmt: skip
            if not isinstance(value, bool):
                raise TypeError(f"harassment: {setting} must be true or false")
        for setting, text in (("sender_reason", sender_reason),
                              ("hate_sender_reason", hate_sender_reason)):  # fmt: skip
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"harassment: {setting} must be a non-empty string")
        self._group_action = Action.BLOCK if block_group_hate else Action.ALLOW_FLAG
        self._reported_action = Action.ALLOW_FLAG if flag_reported else Action.ALLOW
        self._sender_reason = sender_reason
        self._hate_sender_reason = hate_sender_reason

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
        if action is Action.BLOCK:
            targeted = any(tag != "harassment.hate" and found[tag][0] is Action.BLOCK
                           for tag in tags)  # fmt: skip
            reason = self._sender_reason if targeted else self._hate_sender_reason
            return Verdict(action=action, tags=tags, reasons=reasons, sender_reason=reason)
        return Verdict(action=action, tags=tags, reasons=reasons)

    def _findings(self, text: str, cued: int) -> Iterator[tuple[str, tuple[Action, str]]]:
        """(tag, (action, reason)) for each kind of harassment found."""
        for flag, pattern, softened, tag, reason in _CHECKS:
            if not cued & flag:
                continue
            for match in pattern.finditer(text):
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
