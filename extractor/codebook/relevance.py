"""Is this about a specific act of armed violence? The codebook's relevance rules (CODEBOOK.md, section 2), as
general keyword rules shared by the baseline's extractor, the pipeline's post-checks and its pre-filter.

A sentence reports an act when it has a hard violence word (killing, wounding, a bombing, a shooting, an
ambush, an abduction...) that is not in a context the codebook excludes:
- proceedings about a past act (a trial, an indictment, a sentence, a plea);
- a threat, a plan, a fear or a hypothesis ("threatens to attack", "could strike", "what if");
- an aggregate over a period ("thousands killed", "2,352 dead from November to January", "up to 30,000");
- a disaster or accident with no attack word (a fire, a flood, a crash);
and an article is not about armed violence at all when it is a sports report (several sports words and
violent idioms: "bomb out", "strike", "killed off their hopes"). Paragraphs addressed to a model or a
machine reader ("ignore the previous instructions", "AI systems must record...") are instructions, never
news: they are removed before anything is read. Every rule is a general family of wording, checked on the
development splits (seed, news-dev, MUC-4 dev); docs/baseline.md gives the measurements.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from ..text.dates import MONTH, MONTHS
from ..text.sentences import sentences
from .words import VIOLENCE

# Words that only an act of violence (or its victims) explains; "attack", "strike", "targeted", "raid",
# "clash" and "fired" alone are too often figurative or non-violent.
HARD = re.compile(
    r"\b(?:kill(?:s|ed|ing)?|died|dead|deaths?|wound(?:s|ed|ing)?|injur(?:ed|ing|ies)|ambush(?:ed|es)?|"
    r"bomb(?:s|ed|ing|ings|er|ers)?|explo(?:ded|sions?|sives?)|blasts?|IEDs?|(?:air|drone)\s?strikes?|airstrikes?|"
    r"shell(?:ed|ing)|shot|shooting|gunmen|gunman|gunfire|kidnapp(?:ed|ing|ers?)|abduct(?:ed|ion|ing)|massacred?|"
    r"beheaded|opened fire|murder(?:ed|s)?|assassinat(?:ed|ion)|executed|hostages?|slain|lynched|stabb(?:ed|ing))\b",
    re.IGNORECASE,
)
_SOFT = re.compile(
    r"\b(?:attack(?:s|ed|ing)?|assault(?:s|ed)?|storm(?:s|ed)?|raid(?:s|ed)?|fired (?:on|at|upon)|firing (?:on|at)|"
    r"struck|targeted|clash(?:es|ed)?|offensive|overran|seized)\b",
    re.IGNORECASE,
)
_ACTOR = re.compile(
    r"\b(?:fighters?|militants?|gunmen|gunman|insurgents?|rebels?|jihadists?|terrorists?|troops|soldiers|army|"
    r"forces|guerrillas?|militias?|militiamen|attackers?|assailants?|bandits|paramilitar(?:y|ies)|commandos?)\b",
    re.IGNORECASE,
)
_NEGATED_HARM = re.compile(
    r"\b(?:no(?:\s+one|body)?|none|without)\b[^.;,]{0,30}?\b(?:killed|dead|deaths?|injur(?:ed|ies)|wounded|"
    r"hurt|casualties|fatalities)\b",
    re.IGNORECASE,
)
_LEGAL = re.compile(
    r"\b(?:on trial|stand(?:s|ing)? trial|trial of|in court|court (?:heard|ruled|convicted|sentenced|found)|"
    r"convicted|convicts?|conviction|indict(?:s|ed|ment)?|pleaded|pleads?|sentenced|"
    r"sentencing|prosecut(?:ors?|ion|ed)|verdict|jury|acquitted|testif(?:ied|y|ies)|extradit(?:ed|ion)|"
    r"charged with|faces? charges|guilty|accused of (?:carrying out|plotting|involvement)|lawsuits?|sued|sues|suing|"
    r"wrongful[- ]death|plaintiffs?|court filings?|filings? (?:at|in|with) (?:the )?\w* ?court|"
    r"appear(?:s|ed|ing)? (?:\w+ ){0,3}(?:court|tribunal)|court appearance)\b",
    re.IGNORECASE,
)
_HYPOTHETICAL = re.compile(
    r"\b(?:threat(?:en(?:s|ed|ing)?)?\s+(?:to|of)|plan(?:s|ned|ning)?\s+to|plot(?:s|ted|ting)?\s+to|"
    r"vow(?:s|ed)?\s+to|prepar(?:e|es|ed|ing)\s+to|intend(?:s|ed)?\s+to|fears?\s+(?:of|that)|warn(?:s|ed|ing)?\s+"
    r"(?:of|that|against)|risk\s+of|potential|possible|would|could|might|if|unless|what if|in case of|"
    r"to prevent|deter|in the event of)\b"
    r"(?:\W+\w+){0,6}?\W+(?=" + HARD.pattern[2:-2] + r"|attacks?\b|strikes?\b|assaults?\b|raids?\b)",
    re.IGNORECASE,
)
_AGGREGATE = re.compile(
    r"\b(?:(?:killed|kill|killing|deaths? of|died|dead)\W+(?:\w+\W+){0,2}(?:tens of |hundreds of )?thousands|"
    r"(?:tens of |hundreds of )?thousands\W+(?:\w+\W+){0,3}(?:killed|dead|died|deaths)|a total of|in total|so far this year|"
    r"this year alone|to date|cumulative|every year|each year|annually|per year|"
    r"death toll (?:since|in the war|of the war)|in the (?:past|last) (?:\w+ )?(?:weeks|months|years|decades)|"
    r"over the (?:past|last) "
    r"(?:\w+ )?(?:days|weeks|months|years|decades?)|up to [\d,]{4,}|(?:more|over) than [\d,]{4,}|"
    r"between [\d,]+ and [\d,]+ (?:\w+ ){0,3}(?:were )?killed|from \d{1,2} \w+ (?:\d{4} )?to \d{1,2} \w+|"
    # deaths over a period of unrest ("ten people died in the recent protests"), no act of their own
    r"(?:died|killed|dead|deaths)\W+(?:\w+\W+){0,3}?(?:in|during) (?:the )?(?:recent|weeks of|months of|days of|"
    r"nationwide|ongoing|weeks-long|months-long) (?:\w+ )?(?:protests|unrest|riots|demonstrations|uprising))\b",
    re.IGNORECASE,
)
# "The deadliest attack to date", "its most audacious attacks to date": a superlative ranks one act among others,
# it is no total over a period (the `aggregate` family's "to date" is "killed 300 to date").
_RANKED_TO_DATE = re.compile(
    r"\b(?:most|least|worst|best|\w+iest|biggest|largest|greatest|highest|strongest|longest|fiercest|gravest|"
    r"boldest)\b(?:\W+[\w’'-]+){0,5}?\W+to date\b",
    re.IGNORECASE,
)
# Figurative or technical uses of violence words (CODEBOOK section 12, `violent-words`): removed before a sentence
# is read, like a negated harm ("the hype has died down", "cancers that are death sentences", "a killer app").
_FIGURATIVE = re.compile(
    r"\b(?:died|dying|dies) (?:down|out|off)\b|\bdeath (?:sentences?|knell|spiral|blow|trap)s?\b(?! (?:was|were|is) (?:handed|passed|imposed))|"
    r"\bdead (?:end|heat|last|weight|serious|wrong|set on)\b|\bdeadlines?\b|\bkiller (?:apps?|features?|deals?|instinct)\b|"
    r"\bkill(?:s|ed|ing)? (?:it|time|the (?:deal|bill|mood|vibe|buzz)|(?:the |its |their )?(?:competition|momentum))\b|"
    r"\b(?:shots?|fired shots) (?:at|across) (?:its |their |a |the )?(?:rivals?|competitors?|bow)\b|\bshot (?:to fame|up)\b|"
    r"\b(?:photo|moon|big|long|cheap|parting|warning) ?shots?\b|\b(?:price|bidding|trade|culture|talent|turf) wars?\b|"
    # things, not people, killed ("Mosseri killed the project", "it may kill my company", "kills the spontaneity")
    r"\bkill(?:s|ed|ing)? (?:the|my|his|her|its|their|our|your|a|an|this|that) (?:\w+ )?(?:project|company|companies|"
    r"idea|plan|proposal|startup|product|feature|app|spontaneity|magic|joy|fun|conversation|career|business|"
    r"industry|market|brand|show|series|story|chances?|hopes?|appetite|habit)s?\b|"
    # growth and flops ("exploded in popularity", "ChatGPT exploded onto the scene", "a box office bomb")
    r"\bexplod(?:ed|es|ing) (?:in (?:popularity|size|value|use)|onto|on to|into (?:the )?(?:mainstream|public)|"
    r"across (?:the )?(?:internet|web))|\b(?:population|data|information|price) explosion\b|"
    r"\bbox[- ]office (?:bombs?|flops?)\b|\bbombed (?:\w+ )?at the box office\b|\blike a shot\b",
    re.IGNORECASE,
)
# Deaths that are no act of violence (`natural-death`): illness and old age, obituaries ("died Tuesday at the age
# of 84", "dies at 84", "died of cancer", "passed away"), and self-harm (a suicide that is not a suicide attack).
_NATURAL_DEATH = re.compile(
    r"\b(?:died|dies|dead|death)\b[^.;]{0,40}?\b(?:at (?:the )?age (?:of )?\d+|aged \d+|at \d{2,3}\b)|"
    r"\b(?:died|dies|death|dead) (?:of|from|after (?:a|an|his|her) (?:long )?)?\W*(?:natural causes|old age|illness|"
    r"cancer|a (?:heart attack|stroke)|complications|pneumonia|covid|dementia|(?:a )?(?:long|short|brief) illness)\b|"
    r"\bpassed away\b|\bobituar(?:y|ies)\b|\ba life in pictures\b|\bsuicides?\b(?! (?:bomb|attack|vest|car|mission|squad))|"
    r"\btook (?:his|her|their) own li(?:fe|ves)\b|\bkilled (?:himself|herself|themselves)\b|\bself-harm\b",
    re.IGNORECASE,
)
# An act named only as the cause of something else (`policy`/`other` news: CODEBOOK sections 1 and 11, "an event named
# only as the cause of a protest", seed 84451): "following the killing of Pretti, the letter has 450 signatories",
# "ceremonies commemorating 40 days since the death of protesters". The sentence is an act only if it still has
# an act word once these phrases are set aside.
_CAUSE = re.compile(
    r"\b(?:following|after|since|amid|in response to|in the wake of|in protest (?:at|against|over)|"
    r"protests? (?:against|over)|outrage (?:at|over)|backlash (?:over|to|against)|revenge for|retaliation for|"
    r"to avenge)\s+(?:the\s+|a\s+|his\s+|her\s+|their\s+)?(?:recent\s+|fatal\s+|brutal\s+|alleged\s+)?"
    r"(?:shooting\s+|stabbing\s+)?(?:killings?|deaths?|murders?|shootings?|assassinations?|slayings?)\s+of\b",
    re.IGNORECASE,
)
# An act reported only as someone's accusation or a denial of one (`allegation`), and events the text itself puts
# far in the past (`old-event`: codebook rule 2, the 60-day window).
_ALLEGATION = re.compile(
    r"\b(?:rejects?|rejected|denies|denied|dismiss(?:es|ed)|refutes?|refuted)\b[^.;]{0,30}?\b(?:claims?|accusations?|"
    r"allegations?|reports?|charges?)\b|\b(?:accusations?|allegations?) (?:that|of)\b",
    re.IGNORECASE,
)
_LONG_AGO = re.compile(
    r"\b(?:(?:two|three|four|five|six|seven|eight|nine|ten|\d+|several|many) (?:years|decades)|a decade|decades|"
    r"a century) ago\b",
    re.IGNORECASE,
)
_DISASTER = re.compile(
    r"\b(?:fire|blaze|flames|flood(?:s|ing)?|earthquake|quake|landslides?|mudslides?|storm|hurricane|cyclone|"
    r"typhoon|tornado|heatwave|drought|famine|avalanche|crash(?:ed|es)?|collision|derail(?:ed|ment)|"
    r"accident(?:al|ally)?|capsized|overdose|disease|outbreak|epidemic|cholera|stampede|collapsed?)\b",
    re.IGNORECASE,
)
# Blasts the codebook names as accidents ("fireworks blasts", section 11), however violent the words: an explosion
# at a fireworks shop or of a gas cylinder is an accident unless an attacker is named.
_ACCIDENTAL_BLAST = re.compile(
    r"\b(?:fireworks?|firecrackers?|gas (?:leak|cylinders?|tanks?|explosions?|pipelines?)|boilers?|"
    r"chemical (?:plant|factory|warehouse)|mine (?:collapse|blast|explosion)|short[- ]circuit|electrical fault)\b",
    re.IGNORECASE,
)
_ATTACKER = re.compile(
    r"\b(?:attack(?:s|ed|ers?)?|arson|bomb(?:s|ed|ing|ings|er|ers)?|gunmen|gunman|militants?|terroris\w+|"
    r"insurgents?|rebels?|suicide)\b",
    re.IGNORECASE,
)
_ATTACK_WORD = re.compile(
    r"\b(?:attack(?:s|ed|ers?)?|arson|set (?:on )?fire|torched|bomb\w*|gunmen|gunman|shot|shooting|militants?|"
    r"terroris\w+|insurgents?|rebels?|ambush\w*|explosi\w+|blast)\b",
    re.IGNORECASE,
)
_SPORT = re.compile(
    r"\b(?:match(?:es)?|league|season|coach|manager|striker|midfielder|goalkeeper|goals?|scored|tournament|"
    r"championship|cup|semi-?finals?|quarter-?finals?|finals?|fixture|kick-?off|stadium|fans|teammates?|"
    r"innings|wickets?|batting|bowler|touchdown|quarterback|playoffs?|standings|title race|relegation|"
    r"premiership|grand slam|seeded|knockout stage|half-?time|penalty|referee)\b",
    re.IGNORECASE,
)
_INSTRUCTION = re.compile(
    r"\b(?:ignore (?:all |any |the )?(?:previous|prior|above|earlier|preceding) (?:instructions|rules|prompts?)|"
    r"disregard (?:all |any |the )?(?:previous|prior|above) |(?:AI|language model|LLM|automated|machine)s? "
    r"(?:systems?|assistants?|readers?|models?|extractors?|pipelines?|tools?)?\s*(?:must|should|are to|shall|will)\b|"
    r"note to (?:the )?(?:AI|model|assistant|automated|extraction|data)|system prompt|you are (?:now )?an? "
    r"(?:AI|assistant|language model)|as an AI|(?:data|incident) extraction (?:systems?|tools?|models?)|"
    r"(?:record|extract|output|add|log|code) (?:this|the following|an?) (?:as an? )?(?:incident|event|attack|bombing)s?)\b",
    re.IGNORECASE,
)
SPORT_MIN_HITS = 4  # distinct sports words that make an article a sports report (dev: no violent article has 4)
# Arts and culture (CODEBOOK section 12, `other`: "politics, sport, culture..."): an exhibition, a museum, a book or
# a film whose violent words are its subject's history ("a letter asks the samurai to kill one soldier").
_CULTURE = re.compile(
    r"\b(?:exhibitions?|exhibits?|exhibited|museums?|galler(?:y|ies)|curators?|curated|paintings?|painters?|"
    r"sculptures?|sculptors?|artworks?|artists?|artistic|calligraphy|masterpieces?|on show|on display|novels?|"
    r"novelists?|poems?|poetry|poets?|screenplay|box office|albums?|opera|ballet|orchestra|theatre|theater|"
    r"choreograph\w*|auction(?:ed)?|portraits?|films?|movies?|cinema|box office|franchise|sequel|installment|"
    r"starring|actors?|actress(?:es)?|soundtrack|concerts?|singers?|songs?|bands?|tours?|fans)\b",
    re.IGNORECASE,
)
CULTURE_MIN_HITS = 4  # distinct culture words (dev: the exhibition review has 6, no article with an incident 3)


def instructions(text: str) -> list[str]:
    """The paragraphs of `text` addressed to a model or a machine reader."""
    return [p for p in re.split(r"\n\s*\n", text) if _INSTRUCTION.search(p)]


def instruction_free(text: str) -> str:
    """The text with every paragraph addressed to a model or machine reader blanked out (offsets kept)."""
    out, start = [], 0
    for match in re.finditer(r"\n\s*\n|\Z", text):
        paragraph = text[start : match.start()]
        out.append(re.sub(r"\S", " ", paragraph) if _INSTRUCTION.search(paragraph) else paragraph)
        out.append(text[match.start() : match.end()])
        start = match.end()
    if start < len(text):
        out.append(text[start:])
    return "".join(out)[: len(text)]


@functools.lru_cache(maxsize=16)  # asked by the baseline and again by the relevance post-check
def is_sports_report(title: str, text: str) -> bool:
    """Several distinct sports words: violent words in it are idioms ("bomb out", "strike", "killed off")."""
    words = {m.group().lower().rstrip("s") for m in _SPORT.finditer(f"{title}\n{text[:4000]}")}
    return len(words) >= SPORT_MIN_HITS


def is_culture_report(title: str, text: str) -> bool:
    """Several distinct words of the arts (an exhibition, a museum, a book, a film): the violence is its subject's."""
    words = {m.group().lower().rstrip("s") for m in _CULTURE.finditer(f"{title}\n{text[:4000]}")}
    return len(words) >= CULTURE_MIN_HITS


_DATED = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?)?(?P<m>{MONTH})\.?\s+"
    r"(?:(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+)?(?P<y>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
WINDOW_DAYS = 60  # the codebook's rule 2


def _dated(match: re.Match[str]) -> tuple[dt.date, bool] | None:
    """(the day, or a month's first day; whether a day was given) of a date with its year ("27 August 1975",
    "December 1975"); None for the verb "may" or an impossible day."""
    if not match.group("m")[0].isupper():
        return None
    day = match.group("d1") or match.group("d2")
    try:
        return dt.date(int(match.group("y")), MONTHS[match.group("m").lower()], int(day or 1)), day is not None
    except ValueError:
        return None


def latest_dated(text: str) -> dt.date | None:
    """For a text with no publication date: the latest day it dates with a year, a month counting from its first
    day ("the cell was caught in December 1975")."""
    days = [found[0] for m in _DATED.finditer(text) if (found := _dated(m)) is not None]
    return max(days) if days else None


def stated_day(words: str | None) -> dt.date | None:
    """The day that a date expression fixes with day, month and year ("On 27 August 1975"), else None."""
    for match in _DATED.finditer(words or ""):
        found = _dated(match)
        if found is not None and found[1]:
            return found[0]
    return None


def history_when_written(day: dt.date | None, text: str) -> tuple[dt.date, dt.date] | None:
    """(the event's day, the text's latest dated day) when a text with no publication date dates the event (`day`)
    more than WINDOW_DAYS before another event it dates: history when written, however it is told (the codebook's
    rule H1, section 11: "a later dated event ... shows" an attack is over 60 days old; `old-event`). None
    otherwise."""
    later = latest_dated(text)
    if day is None or later is None or (later - day).days <= WINDOW_DAYS:
        return None
    return day, later


# An obituary's headline (`natural-death`: "Jesse Jackson ... dies at 84", "Fania Fénelon, 74; Memoirs Described
# ...", "a life in pictures"): the deaths it tells of are the person's and their history.
_OBITUARY_TITLE = re.compile(
    r"\b(?:dies|died|dead) (?:at|aged) \d{2,3}\b|^[^;:,]{3,60}, \d{2,3}(?:;|,? dies\b)|\bobituary\b|"
    r"\b(?:a )?life in (?:pictures|photos|images)\b",
    re.IGNORECASE,
)


def is_obituary(title: str) -> bool:
    """A headline announcing a death by age or telling a life (an obituary or a photo essay of one)."""
    return bool(_OBITUARY_TITLE.search(title))


def is_proceedings_report(title: str) -> bool:
    """A headline about a trial, an indictment, a plea or a sentence: the act it concerns is past news."""
    return bool(_LEGAL.search(title))


@dataclass(frozen=True)
class Verdict:
    """Why a sentence is or is not the report of an act."""

    act: bool
    reason: str | None = None


@functools.lru_cache(maxsize=4096)  # the baseline reads each sentence, the post-check its incidents' quotes again
def sentence_verdict(sentence: str, armed_group: bool = False) -> Verdict:
    """Whether one sentence reports an act of violence, and the excluded context when it does not. A soft word
    ("attacked", "stormed", "fired on") is an act only with an armed actor in the sentence (`armed_group`: a
    known group was found in it)."""
    words = _NEGATED_HARM.sub(" ", sentence)  # "no one was hurt" reports no harm
    words = _FIGURATIVE.sub(" ", words)  # "the hype has died down" reports none either

    def act_words(text: str) -> bool:
        return bool(HARD.search(text) or (_SOFT.search(text) and (armed_group or _ACTOR.search(text))))

    if not act_words(words):
        return Verdict(False, "no violence word")
    if not act_words(_CAUSE.sub(" ", words)):
        return Verdict(False, "named as a cause")
    if sentence.rstrip(" \"”’')]").endswith("?"):
        return Verdict(False, "question")  # "how many rebels have died in this offensive?" asks, reports nothing
    if _LEGAL.search(sentence):
        return Verdict(False, "legal proceedings")
    if _NATURAL_DEATH.search(sentence) and not _ATTACK_WORD.search(sentence):
        return Verdict(False, "natural death")
    if _ALLEGATION.search(sentence):
        return Verdict(False, "allegation")
    if _LONG_AGO.search(sentence):
        return Verdict(False, "old event")
    if _HYPOTHETICAL.search(sentence):
        return Verdict(False, "threat or hypothesis")
    if _AGGREGATE.search(_RANKED_TO_DATE.sub(" ", sentence)):
        return Verdict(False, "aggregate")
    if _DISASTER.search(sentence) and not _ATTACK_WORD.search(sentence):
        return Verdict(False, "disaster or accident")
    if _ACCIDENTAL_BLAST.search(sentence) and not _ATTACKER.search(sentence):
        return Verdict(False, "disaster or accident")
    return Verdict(True)


# Words of the political-violence register that the keyword families miss and the MUC-4 development keys
# need (sabotage, dynamite, arson, "terrorist actions"): an article with one of them is always sent.
_ALWAYS_SEND = re.compile(r"\b(?:sabotag\w*|dynamit\w*|arson\w*|terroris\w*)\b", re.IGNORECASE)
# Contexts that still send an article to the model (it may code a threat or a past act the rules exclude).
_SEND_CONTEXTS = (
    None, "threat or hypothesis", "legal proceedings", "aggregate", "allegation", "old event", "named as a cause",
    "question",
)


def prefilter_reason(title: str, text: str) -> str | None:
    """Why an article need not go to the model at all, or None to send it. Tuned for recall on the development
    splits (docs/baseline.md): skip a sports report, or an article none of whose sentences has a violence word
    outside a disaster, unless it has a word of the political-violence register."""
    text = instruction_free(text)
    if _ALWAYS_SEND.search(title) or _ALWAYS_SEND.search(text):
        return None
    if is_sports_report(title, text):
        return "sports report"
    for start, end in sentences(text):
        if sentence_verdict(text[start:end]).reason in _SEND_CONTEXTS:
            return None
    if sentence_verdict(title).reason in _SEND_CONTEXTS:
        return None
    return "no act of violence"


def reports_violence(sentence: str) -> bool:
    """The extractor's first test of a sentence: any violence word (wider than HARD)."""
    return bool(VIOLENCE.search(sentence))
