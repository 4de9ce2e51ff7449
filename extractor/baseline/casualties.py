"""Casualty counts of one sentence: "killing 81 people", "six soldiers were wounded", "the death toll rose to 12"."""

from __future__ import annotations

import re

from ..models import Count
from ..text.numbers import COUNT, parse_count

_PERPETRATOR_NOUNS = re.compile(
    r"\b(?:terrorists?|militants?|attackers?|assailants?|jihadists?|gunmen|gunman|insurgents?|fighters?|bandits?|"
    r"rebels?|bombers?|extremists?|kidnappers?|suspects?)\b",
    re.IGNORECASE,
)
_VERB = {
    "killed": "killed",
    "killing": "killed",
    "kill": "killed",
    "dead": "killed",
    "died": "killed",
    "wounded": "wounded",
    "wounding": "wounded",
    "injured": "wounded",
    "injuring": "wounded",
    "hurt": "wounded",
    "kidnapped": "kidnapped",
    "kidnapping": "kidnapped",
    "abducted": "kidnapped",
    "abducting": "kidnapped",
}
_NOT_BETWEEN = r"(?!(?:and|or|but|who|which|that|where|by|in|on|at|after|as|while|with|of|killed|wounded|injured)\b)"
_NUMBER_FIRST = re.compile(
    rf"(?<![\w-])(?P<count>{COUNT})\s+(?P<noun>(?:{_NOT_BETWEEN}[\w’'-]+\s+){{0,4}}?)"
    r"(?:(?:were|was|have been|has been|had been|are|is|reportedly|also|been|later)\s+)*"
    r"(?<!\bthe )(?P<verb>killed|dead|died|wounded|injured|hurt|kidnapped|abducted)\b",  # "the dead": a noun
    re.IGNORECASE,
)
_VERB_FIRST = re.compile(
    r"(?<!the )\b(?P<verb>killed|killing|kill|wounded|wounding|injured|injuring|kidnapped|kidnapping|abducted|abducting)"
    rf"\s+[“\"]?(?P<count>{COUNT})\b(?P<noun>(?:\s+{_NOT_BETWEEN}[\w’'-]+){{0,3}})",
    re.IGNORECASE,
)
# "killing 11 soldiers and a child", "killing three police officers, two civilians": a second group of victims
# named right after the first, in the same list, adds to it (the MUC-4 and news keys count both).
_MORE_VICTIMS = re.compile(
    rf"^\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?P<count>an?|{COUNT})\s+(?P<noun>(?:[\w’'-]+\s+){{0,2}}?)"
    r"(?P<who>child(?:ren)?|civilians?|wom[ae]n|m[ae]n|boys?|girls?|soldiers?|police(?:m[ae]n| officers?)?|"
    r"officers?|troops|villagers?|people|persons?|passengers?|students?|worshippers?|farmers?|residents?|"
    r"guards?|teachers?|pupils?|relatives?)\b",
    re.IGNORECASE,
)
# What a number before the verb counts when it is no victim: attacks and weapons ("two suicide bombings killed over
# 48 people", "three airstrikes killed 20").
_EVENT_NOUNS = re.compile(
    r"\b(?:attacks?|bombings?|blasts?|explosions?|(?:air|drone )?strikes?|airstrikes?|raids?|ambushes|shootings?|"
    r"incidents?|assaults?|bombs?|grenades?|rockets?|shells?|missiles?|drones?|mortars?|devices?|IEDs?|"
    r"vehicles?|cars?|trucks?|boats?|operations?|clashes)\s*$",
    re.IGNORECASE,
)
# One named or described victim, with no number ("the mayor was shot dead", "gunmen killed the judge", "the
# assassination of the minister", "X was found dead"): one killed (the MUC-4 development keys count them).
_PERSON = (
    r"(?:man|woman|boy|girl|child|baby|soldier|policeman|police officer|officer|civilian|person|mayor|judge|"
    r"governor|journalist|reporter|priest|nun|bishop|leader|official|councilman|councilor|councillor|lawyer|"
    r"student|teacher|farmer|businessman|businesswoman|driver|guard|minister|deputy|senator|congressman|diplomat|"
    r"ambassador|commander|general|colonel|major|captain|lieutenant|sergeant|corporal|private|peasant|worker|"
    r"activist|candidate|president|director|chief|employee|citizen|resident|villager|member|doctor|nurse|"
    r"trader|merchant|pilot|prosecutor|magistrate|sheriff|trooper|agent|ranger|chairman|secretary|legislator|"
    r"lawmaker|politician|cleric|imam|pastor|rabbi|monk|tourist|engineer|contractor|aid worker|volunteer|"
    r"husband|wife|son|daughter|father|mother|brother|sister)"
)
_ONE_KILLED = re.compile(
    rf"\b(?:the|a|an|one|another)\s+(?:[\w’'-]+\s+){{0,3}}?{_PERSON}\b[^.;]{{0,60}}?\b(?:was|has been|had been|is)\s+"
    r"(?:\w+\s+)?(?:shot dead|shot to death|killed|murdered|assassinated|slain|found dead|beheaded|executed|stabbed to death)\b|"
    rf"\b(?:killed|killing|murdered|murdering|assassinated|assassinating|shot dead|shot and killed|beheaded)\s+"
    rf"(?:the|a|an)\s+(?:[\w’'-]+\s+){{0,3}}?{_PERSON}\b(?!\s*(?:s\b|and\b))|"
    r"\b(?:assassination|murder) of\b(?!\s+(?:\d|two|three|four|five|six|seven|eight|nine|ten|dozens?|scores?|hundreds?|"
    r"several|many|more|at least)\b)|\bwas found dead\b|"
    # a singular subject ("X, the mayor of Y, was shot to death"): one victim, named or not (MUC-4 dev's murders)
    r"\b(?:was|has been|had been)\s+(?:\w+\s+)?(?:shot to death|shot dead|shot and killed|killed|murdered|assassinated|"
    r"slain|gunned down|stabbed to death|hacked to death|beaten to death|tortured to death|strangled|beheaded)\b",
    re.IGNORECASE,
)
# One victim who died of an attack, where the grammar says one ("he died", "has died", "died after she was shot"),
# in a sentence that names the violence (MUC-4 dev: "HAS DIED FROM GUNSHOT WOUNDS", "DIED 2 HOURS AFTER HAVING BEEN
# SHOT"); "died" with a plural or unclear subject gives no count.
_ONE_DIED = re.compile(
    r"\b(?:he|she)\s+(?:later\s+|subsequently\s+|then\s+)?died\b|\bhas\s+died\b|"
    r"\bdied\b[^.;]{0,60}?\b(?:after|when|because)\s+(?:he|she)\s+(?:was|had been)\b|"
    r"\bdied\b[^.;]{0,60}?\bafter\s+(?:having\s+been|being)\s+(?:shot|stabbed|wounded|attacked|strafed|hit)\b",
    re.IGNORECASE,
)
_VIOLENT_CAUSE = re.compile(
    r"\b(?:shot|shots|gunshot|gunfire|bullets?|stabbed|(?<!heart )attack\w*|bomb\w*|explosion|blast|grenade|strafed|ambush\w*|"
    r"wounds?|wounded|injuries|injured)\b",
    re.IGNORECASE,
)
_ATTEMPT = re.compile(r"\b(?:attempt(?:ed)?|tried|try|plot|survived|escaped|failed)\b", re.IGNORECASE)
_TOLL = re.compile(rf"\bdeath toll\s+(?:\w+\s+){{0,3}}?(?:to|of|at)\s+(?P<count>{COUNT})\b", re.IGNORECASE)
_AMBIGUOUS = re.compile(r"\b(?:killed|dead) or (?:wounded|injured)\b|\bcasualties\b", re.IGNORECASE)


def _with_more_victims(count: Count, rest: str) -> Count:
    """`count` plus a second group of victims listed right after it ("11 soldiers and a child": 12)."""
    more = _MORE_VICTIMS.match(rest)
    if more is None or _PERPETRATOR_NOUNS.search(more.group("noun")):
        return count
    word = more.group("count").lower()
    extra = Count(min=1, max=1) if word in ("a", "an") else parse_count(word)
    if extra is None:
        return count
    high = count.max + extra.max if count.max is not None and extra.max is not None else None
    return Count(min=count.min + extra.min, max=high)


def casualties(sentence: str) -> dict[str, Count]:
    """Counts of one sentence keyed 'killed', 'wounded', 'perpetrators_killed', 'kidnapped' (first mention each)."""
    sentence = _AMBIGUOUS.sub("", sentence)
    found: list[tuple[int, str, Count]] = []
    for pattern in (_NUMBER_FIRST, _VERB_FIRST):
        for match in pattern.finditer(sentence):
            count = parse_count(match.group("count"))
            if count is None:
                continue
            field = _VERB[match.group("verb").lower()]
            if pattern is _NUMBER_FIRST and (
                _EVENT_NOUNS.search(match.group("noun")) or _VERB_FIRST.match(sentence, match.start("verb"))
            ):
                continue  # "two bombings killed 48", "two gunmen killed 5 villagers": the number is no victim's
            if field == "killed" and _PERPETRATOR_NOUNS.search(match.group("noun")):
                field = "perpetrators_killed"
            elif pattern is _VERB_FIRST:
                count = _with_more_victims(count, sentence[match.end() :])
            found.append((match.start(), field, count))
    for match in _TOLL.finditer(sentence):
        if (count := parse_count(match.group("count"))) is not None:
            found.append((match.start(), "killed", count))
    if not any(field == "killed" for _, field, _ in found) and not _ATTEMPT.search(sentence):
        for match in _ONE_KILLED.finditer(sentence):
            subject = sentence[max(0, match.start() - 60) : match.start()] if match.group()[:1] in "wWhH" else ""
            if not _PERPETRATOR_NOUNS.search(match.group()) and not _PERPETRATOR_NOUNS.search(subject):
                found.append((match.start(), "killed", Count(min=1, max=1)))
                break
        else:
            if (died := _ONE_DIED.search(sentence)) and _VIOLENT_CAUSE.search(sentence):
                found.append((died.start(), "killed", Count(min=1, max=1)))
    out: dict[str, Count] = {}
    for _, field, count in sorted(found, key=lambda item: item[0]):
        out.setdefault(field, count)
    return out
