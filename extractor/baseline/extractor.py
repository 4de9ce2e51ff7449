"""The offline baseline: a deterministic, rule-based backend needing no key, no network and no model.

It reads an article sentence by sentence. A sentence about violence that says something concrete (an event
date, a casualty count, a known place or a known armed group) is attached to an incident: the one with the
same date, else the latest undated one, else the one being read, else a new one. Background sentences
(another year, a month long past, habitual or cumulative wording) are skipped, and so are the undated
sentences after them unless they say "the attack". What it cannot do is listed in docs/baseline.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..backend import BackendResult
from ..models import Article, Claim, Count, Incident, Perpetrator, Spend, Target
from ..text.dates import date_mentions
from ..geo.places import country_name, find_countries, find_regions, in_place
from ..text.normalize import fold
from ..text.sentences import sentences
from ..geo.towns import article_countries, dateline_end, find_towns
from ..codebook import words
from . import lexicon
from .background import is_historical, is_retrospective, time_of_writing, too_old
from .casualties import casualties
from .groups import find_groups
from . import sites
from ..codebook.relevance import instruction_free, is_proceedings_report, is_sports_report, sentence_verdict

VERSION = "1"
# Long articles are read in the LLM path's windows (pipeline/windowed.py, the LLM defaults of max_input_chars and
# max_windows): the rules' work per window is bounded, so an article's cost grows with its length at most linearly
# and stops at the cap, instead of growing with the square of its sentences.
WINDOW_CHARS = 24000
MAX_WINDOWS = 8
_SINK = object()
_BACK_REFERENCE = re.compile(r"\bthe (?:attack|assault|strike|bombing|blast|ambush|raid|explosion)\b", re.IGNORECASE)
# A sentence that dates the act just described ("the mass kidnapping took place on 30 December"): its date is that
# incident's, not a new one's.
_REDATES = re.compile(
    r"\b(?:the|this|that)\s+(?:\w+\s+)?(?:attack|assault|kidnapping|abduction|massacre|bombing|blast|explosion|ambush|"
    r"raid|murder|killing|assassination|incident|shooting)\s+(?:\w+\s+)?(?:took place|occurred|happened)\b",
    re.IGNORECASE,
)
_NOT_A_TARGET = re.compile(
    r"^\W*(?:spokes\w+|source|said|says|told|statement|chief|official|called|announced|added)\b", re.IGNORECASE
)
_VICTIM_OF = re.compile(r"(?:\bon|\bagainst|\btargeting|\bfight(?:ing)? against)(?:\s+the)?\s*$", re.IGNORECASE)


@dataclass
class _Draft:
    """An incident being assembled from the sentences attached to it."""

    order: int
    date: dt.date | None = None
    date_text: str | None = None
    dated: bool = False
    country: str | None = None
    weak_country: str | None = None
    region: tuple[str, str] | None = None
    location: str | None = None
    town_country: str | None = None
    evidence: list[str] = field(default_factory=list)
    counts: dict[str, Count] = field(default_factory=dict)
    headline_counts: dict[str, Count] = field(default_factory=dict)  # the headline's figures, when it was read
    perpetrators: dict[str, Perpetrator] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    primary: bool = False
    acts: int = 0  # attached sentences that report an act (relevance.sentence_verdict)
    act_text: str | None = None  # the first of them: the summary is made from it
    read: list[_Sentence] = field(default_factory=list)  # every violence sentence read while it was the current one
    site: sites.Site | None = None  # the attacked facility, when the incident is one site of several (_split_sites)
    other_types: frozenset[str] = frozenset()  # then the target types of the article's other sites


@dataclass
class _Sentence:
    """What one sentence says that matters to the incident it belongs to."""

    text: str
    index: int
    date: tuple[str, dt.date | None] | None
    counts: dict[str, Count]
    country: str | None
    weak_country: str | None
    region: tuple[str, str] | None
    location: str | None
    groups: list[tuple[str, Perpetrator]]
    town: tuple[str, str] | None = None  # (gazetteer name, country code) of the first town the sentence names
    act: bool = False
    headline: bool = False  # the article's title, read as its first sentence (`headline`)

    @property
    def informative(self) -> bool:
        return bool(self.date or self.counts or self.region or self.location or self.groups)


class BaselineBackend:
    """Rule-based extraction; see the module docstring and docs/baseline.md."""

    name = "baseline"
    cacheable = False
    model = f"baseline-rules-v{VERSION}"
    endpoint: str | None = None
    mode = "rules"
    prompt_name: str | None = None
    prompt_hash: str | None = None
    window_chars = WINDOW_CHARS
    max_windows = MAX_WINDOWS

    def cache_identity(self) -> dict[str, Any]:
        return {"backend": self.name, "version": VERSION}

    async def extract(self, article: Article) -> BackendResult:
        """The rules are CPU work: they run in a worker thread, so a long article never blocks the event loop. What
        the codebook's families set aside is counted in the warnings."""
        incidents, set_aside = await asyncio.to_thread(_read_article, article)
        return BackendResult(incidents=incidents, spent=Spend(warnings=_set_aside_notes(set_aside)), mode=self.mode)

    async def aclose(self) -> None:
        return None


# The codebook's family (CODEBOOK section 12) of each reason a sentence with an act word is set aside.
FAMILIES = {
    "legal proceedings": "trial", "natural death": "natural-death", "allegation": "allegation",
    "old event": "old-event", "threat or hypothesis": "policy", "aggregate": "aggregate",
    "disaster or accident": "accident", "named as a cause": "other: named as a cause",
    "question": "question",
}  # fmt: skip


def _set_aside_notes(set_aside: Counter[str]) -> list[str]:
    """One warning naming what the rules set aside, by codebook family ("[trial] 2, [accident] 1")."""
    if not set_aside:
        return []
    return ["baseline: set aside as no act: " + ", ".join(f"[{family}] {n}" for family, n in sorted(set_aside.items()))]


def extract_incidents(article: Article) -> list[Incident]:
    """The incidents of one article, validated (an empty list when it reports no violence)."""
    return _read_article(article)[0]


def _read_article(article: Article) -> tuple[list[Incident], Counter[str]]:
    """The incidents, and how many sentences (or whole articles) each codebook family set aside."""
    set_aside: Counter[str] = Counter()
    text = instruction_free(article.text)
    if is_sports_report(article.title, text):
        return [], Counter({"other: a sports report": 1})
    if is_proceedings_report(article.title):
        return [], Counter({"trial: a headline about proceedings": 1})
    published = article.published.date() if article.published else None
    written = published or time_of_writing(text)  # for the 60-day window only, never to resolve dates
    if published is None and is_retrospective(text):
        return [], Counter({"old-event: a retrospective": 1})  # an undated text that looks back: history, not news
    context = article_countries(article.title, text)  # the countries it is about, most named (dateline double) first
    filed = dateline_end(text)  # where the report was filed ("PANAMA CITY (PANAMA), ..."): no incident's place
    head = headline(article.title, text)
    if head:  # the headline is read as the article's first sentence ("Strikes on drug boats kill 11")
        text = f"{head}\n\n{text}"
        filed = filed and filed + len(head) + 2
    spans = sentences(text)
    groups = find_groups(text)
    countries, in_title = [c for c in find_countries(text) if c[1] >= filed], find_countries(article.title)
    codes = sorted({code for code, _, _ in countries + in_title} | set(context))
    towns = [(place.location, place.country_code, s, e) for place, s, e in find_towns(text, context)]
    regions = [(name, code, s, e) for code in codes for name, s, e in find_regions(text, code) if s >= filed]
    title_country = in_title[0][0] if in_title else None

    drafts: list[_Draft] = []
    current: Any = None
    for index, (start, end) in enumerate(spans):
        sentence_text = text[start:end]
        if not words.VIOLENCE.search(sentence_text):
            if isinstance(current, _Draft) and lexicon.RESPONSIBLE.search(sentence_text):
                _blame(current, _read_sentence(sentence_text, index, start, end, None, written, groups, (), ()))
            continue
        anchor = current.date if isinstance(current, _Draft) else None
        dates = [d for d in date_mentions(sentence_text, published, anchor) if d[2]]
        event = dates[0][:2] if dates else None
        if (event and event[1] and too_old(event[1], written)) or (
            not event and is_historical(sentence_text, written)
        ):
            current = _SINK
            continue
        verdict = sentence_verdict(sentence_text, any(start <= s < end for _, s, _ in groups))
        if verdict.reason not in (None, "no violence word"):
            current = _SINK  # proceedings, a threat, an aggregate, a disaster: background, like history
            set_aside[FAMILIES.get(verdict.reason, "other")] += 1
            continue
        sentence = _read_sentence(
            sentence_text, index, start, end, event, written, groups, regions, countries, towns
        )  # fmt: skip
        sentence.act = verdict.act
        sentence.headline = bool(head) and index == 0
        if lexicon.CLAIM.search(sentence_text):
            if isinstance(current, _Draft) and (claim := _claim(sentence)):
                current.claims.append(claim)
            continue
        if not sentence.informative:
            if isinstance(current, _Draft):
                current.read.append(sentence)
            continue
        target = _choose(drafts, current, sentence)
        if target is None:
            continue
        if target not in drafts:
            drafts.append(target)
        _attach(target, sentence)
        current = target
    kept = [d for d in drafts if d.acts and (d.counts or d.headline_counts or d.date or d.perpetrators)]
    kept = [part for draft in kept for part in _split_sites(draft)]
    if len(kept) == 1:  # a headline's figure is the story's; with several incidents it is their total ("12 killed in attacks")
        kept[0].counts = kept[0].headline_counts | kept[0].counts  # the body's own figure first
    if kept and not any(d.primary for d in kept):
        kept[0].primary = True
    for draft in kept:
        draft.country = (
            draft.town_country or draft.country or (draft.region and draft.region[1])
            or (context[0] if context else None) or title_country or draft.weak_country
        )  # fmt: skip
    return [_incident(draft) for draft in kept], set_aside


def headline(title: str, text: str) -> str:
    """The title, when it is a sentence of its own: several words, and not the opening of the text (a wire's first
    line, MUC-4's truncated first sentence). Quotes from it are grounded (`pipeline.grounding`)."""
    title = " ".join(title.split())
    if len(title.split()) < 4:
        return ""
    opening = fold(" ".join(text[: len(title) + 400].split()))
    return "" if fold(title)[:60] in opening else title


def _read_sentence(text, index, start, end, event, published, groups, regions, countries, towns=()) -> _Sentence:
    """Counts, places and groups of one sentence (group and place spans are article offsets)."""
    region_hits = [(name, code) for name, code, s, e in regions if start <= s < end]
    town_hits = [(name, code) for name, code, s, e in towns if start <= s < end]
    country_hits = [(code, in_place(text, s - start)) for code, s, e in countries if start <= s < end]
    strong = [code for code, located in country_hits if located]
    habitual = is_historical(text, published)
    mentions: list[tuple[str, Perpetrator]] = []
    claimed = bool(lexicon.CLAIMED.search(text))
    for canonical, s, e in groups:
        if not start <= s < end or habitual:
            continue
        before, after = text[: s - start], text[e - start :]
        if lexicon.AFFILIATION.match(after) or _VICTIM_OF.search(before):
            continue
        if claimed:
            attribution = "claimed"
        elif lexicon.SUSPECTED.search(before[-30:]):
            attribution = "suspected"
        else:
            attribution = "reported_as_fact"
        name = " ".join(re.sub(r"[“”\"]", " ", text[s - start : e - start]).split())
        mentions.append((canonical, Perpetrator(name=name, attribution=attribution)))
    return _Sentence(
        text=text,
        index=index,
        date=event,
        counts=casualties(text),
        country=strong[0] if strong else None,
        weak_country=country_hits[0][0] if country_hits else None,
        region=region_hits[0] if region_hits else None,
        location=lexicon.find_location(text) or (town_hits[0][0] if town_hits else None),
        groups=mentions,
        town=town_hits[0] if town_hits else None,
    )


def _choose(drafts: list[_Draft], current: Any, sentence: _Sentence) -> _Draft | None:
    """The incident a sentence belongs to, possibly a new one; None to drop the sentence."""

    def fits(draft: _Draft) -> bool:
        return sentence.region is None or draft.region is None or draft.region == sentence.region

    if sentence.date and isinstance(current, _Draft) and _REDATES.search(sentence.text):
        return current
    if sentence.date:
        date = sentence.date[1]
        same = [d for d in drafts if d.dated and d.date == date and date is not None and fits(d)]
        undated = [d for d in drafts if not d.dated and fits(d)]
        if same:
            return same[0]
        if undated:
            return undated[-1]
        return _Draft(order=len(drafts))
    if current is _SINK:
        return drafts[-1] if drafts and _BACK_REFERENCE.search(sentence.text) else None
    if current is not None and fits(current) and not _elsewhere(current, sentence):
        return current
    same_place = [d for d in drafts if d.region and d.region == sentence.region]
    return same_place[0] if same_place else _Draft(order=len(drafts))


def _elsewhere(draft: _Draft, sentence: _Sentence) -> bool:
    """A second act with its own toll in another town than the incident's (a round-up: "a car bomb in Sadr City
    killed 12 ... in Tarmiyah, a bomb hurt nine"): another incident (the codebook's rule 3)."""
    return bool(
        sentence.act and sentence.counts and draft.counts and draft.location and sentence.location
        and fold(sentence.location) != fold(draft.location)
    )


def _attach(draft: _Draft, sentence: _Sentence) -> None:
    """Fill what the incident still lacks from one sentence."""
    if sentence.date and (not draft.dated or _REDATES.search(sentence.text)):
        draft.date_text, draft.date = sentence.date
        draft.dated = True
    draft.country = draft.country or sentence.country
    draft.weak_country = draft.weak_country or sentence.weak_country
    if draft.region is None and sentence.region and sentence.region[1] == (draft.country or sentence.region[1]):
        draft.region = sentence.region
    draft.location = draft.location or sentence.location
    draft.town_country = draft.town_country or (sentence.town[1] if sentence.town else None)
    for name, count in sentence.counts.items():
        (draft.headline_counts if sentence.headline else draft.counts).setdefault(name, count)
    rank = {"claimed": 0, "suspected": 1, "reported_as_fact": 2, "unknown": 3}
    for canonical, perpetrator in sentence.groups:
        known = draft.perpetrators.get(canonical)
        if known is None or rank[perpetrator.attribution] < rank[known.attribution]:
            name = known.name if known else perpetrator.name
            draft.perpetrators[canonical] = Perpetrator(name=name, attribution=perpetrator.attribution)
    draft.read.append(sentence)
    draft.acts += sentence.act
    if sentence.act and draft.act_text is None:
        draft.act_text = sentence.text
    if len(draft.evidence) < 3 and sentence.text not in draft.evidence:
        draft.evidence.append(sentence.text)
    draft.primary = draft.primary or sentence.index < 2


def _split_sites(draft: _Draft) -> list[_Draft]:
    """One incident per attacked site when the draft's sentences name two or more distinct ones (the codebook's
    rule 3: a different site the same day is a different incident; `sites.py`). Each site keeps the day, place,
    perpetrators and claims of the whole; its act sentence, evidence, figures and targets come from the sentences
    that name it and no other site (then from those naming it with others); figures only from the former, since
    a toll for the whole attack is not tied to one site."""
    groups = sites.distinct([site for sentence in draft.read for site in sites.attacked_sites(sentence.text)])
    if len(groups) < 2:
        return [draft]
    kinds = [frozenset().union(*(s.types for s in group)) for group in groups]
    named = [(s, sites.named_types(s.text) | frozenset().union(*(x.types for x in sites.attacked_sites(s.text))))
             for s in draft.read]  # fmt: skip
    parts = []
    for n, (group, own) in enumerate(zip(groups, kinds)):
        others = frozenset().union(*(k for m, k in enumerate(kinds) if m != n))
        alone = [s for s, types in named if types & own and not types & others]
        shared = [s for s, types in named if types & own and types & others]
        part = _Draft(
            order=draft.order, date=draft.date, date_text=draft.date_text, dated=draft.dated, country=draft.country,
            weak_country=draft.weak_country, region=draft.region, town_country=draft.town_country,
            perpetrators=dict(draft.perpetrators), claims=list(draft.claims), primary=draft.primary,
            site=max(group, key=lambda s: len(s.name)), other_types=others,
        )  # fmt: skip
        part.location = draft.location  # the town: the site is named by the targets and the act sentence
        for sentence in alone:
            for name, count in sentence.counts.items():
                part.counts.setdefault(name, count)
        ordered = alone + shared
        part.evidence = [s.text for s in ordered[:3]]
        part.acts = sum(s.act for s in ordered) or draft.acts
        part.act_text = next((s.text for s in ordered if s.act), ordered[0].text if ordered else draft.act_text)
        part.read = ordered
        parts.append(part)
    return parts


def _blame(draft: _Draft, sentence: _Sentence) -> None:
    """The groups a responsibility sentence names, given to the incident it follows: claimed when the group claims
    it, suspected when others hold it responsible."""
    attribution = "claimed" if lexicon.CLAIMED.search(sentence.text) else "suspected"
    for canonical, perpetrator in sentence.groups:
        draft.perpetrators.setdefault(canonical, Perpetrator(name=perpetrator.name, attribution=attribution))


def _claim(sentence: _Sentence) -> Claim | None:
    """A party's own figures ("the MPLJ claims to have killed 14 soldiers"), when the sentence gives a number."""
    killed, wounded = sentence.counts.get("killed"), sentence.counts.get("wounded")
    if killed is None and wounded is None:
        return None
    if sentence.groups:
        by = sentence.groups[0][1].name
    else:
        head = re.split(r"\bclaim|\breported having", sentence.text, maxsplit=1, flags=re.IGNORECASE)[0]
        by = " ".join(re.sub(r"^(?:the|a|an)\s+", "", head.strip(" ,"), flags=re.IGNORECASE).split()[-4:]) or "unknown"
    return Claim(by=by, killed=killed, wounded=wounded, text=sentence.text)


def _targets(evidence: list[str]) -> list[Target]:
    """One target per type found in the evidence, described by the article's own word."""
    targets = []
    for kind, pattern in lexicon.TARGETS:
        for sentence in evidence:
            hit = next((m for m in pattern.finditer(sentence) if not _NOT_A_TARGET.match(sentence[m.end() :])), None)
            if hit:
                targets.append(Target(type=kind, description=hit.group()))
                break
    return targets


def _attacked_targets(draft: _Draft) -> list[Target]:
    """The evidence's targets, without a facility the text names but does not say was attacked when it names one
    that was ("gunmen attacked a military police base ... and the airport was closed": the airport is no target)."""
    attacked = frozenset().union(*(s.types for sentence in draft.read for s in sites.attacked_sites(sentence.text)))
    found = _targets(draft.evidence)
    if not attacked:
        return found
    return [t for t in found if t.type in attacked or not sites.is_facility(t.description)]


def _site_targets(draft: _Draft) -> list[Target]:
    """The targets of one site of several: the site itself, then the evidence's other targets that are no other
    site's."""
    assert draft.site is not None
    own = [Target(type=kind, description=draft.site.name) for kind, _ in lexicon.TARGETS if kind in draft.site.types]
    return own + [t for t in _targets(draft.evidence) if t.type not in draft.site.types | draft.other_types]


SUMMARY_CHARS = 280
_TAGS = re.compile(r"^(?:\[[^\]]{0,80}\]\s*)+")  # "[REPORT] [COPREFA] [TEXT]", "[Ayin Network]"
_LEAD = re.compile(r"^[A-Z][A-Z .'’-]+(?:,\s*[^,()—–-]{2,40})?\s*(?:\([^)]{1,40}\)\s*)?(?:--|—|–|-)\s+")


def _summary(draft: _Draft, region: str | None, country: str | None) -> str:
    """One sentence from the text: the incident's act sentence (who did what to whom, in the article's words),
    without a dateline, cut at a word near SUMMARY_CHARS, then the place and day it leaves out, in brackets."""
    core = " ".join((draft.act_text or draft.evidence[0]).split())
    core = _TAGS.sub("", _LEAD.sub("", _TAGS.sub("", core, count=1), count=1), count=1) or core
    if len(core) > SUMMARY_CHARS:
        core = core[: core.rfind(" ", 0, SUMMARY_CHARS)].rstrip(" ,;:") + " …"
    said = fold(core)
    where = [p for p in (draft.location, region, country) if p and fold(p) not in said]
    when = [draft.date.isoformat()] if draft.date else []
    extra = "; ".join(part for part in (", ".join(where), *when) if part)
    core = core.rstrip(" .")
    return f"{core} ({extra})." if extra else f"{core}."


def _incident(draft: _Draft) -> Incident:
    """The validated Incident of a finished draft."""
    joined = " ".join(draft.evidence)
    headlines = {s.text for s in draft.read if s.headline}  # a headline quote has no place in the text: last
    suicide = bool(words.SUICIDE.search(joined))
    attack = "suicide_attack" if suicide else next((k for k, p in words.ATTACK_TYPES if p.search(joined)), "unknown")
    country = country_name(draft.country) if draft.country else None
    region = draft.region[0] if draft.region else None
    return Incident(
        summary=_summary(draft, region, country),
        date=draft.date.isoformat() if draft.date else None,
        date_text=draft.date_text,
        country=country,
        region=region,
        location=draft.location,
        attack_type=attack,
        suicide=suicide,
        perpetrators=list(draft.perpetrators.values()),
        targets=_site_targets(draft) if draft.site else _attacked_targets(draft),
        weapons=[kind for kind, pattern in lexicon.WEAPONS if pattern.search(joined)],
        killed=draft.counts.get("killed"),
        wounded=draft.counts.get("wounded"),
        perpetrators_killed=draft.counts.get("perpetrators_killed"),
        kidnapped=draft.counts.get("kidnapped"),
        claims=draft.claims,
        evidence=sorted(draft.evidence, key=lambda quote: quote in headlines),  # the body's sentences first
        primary=draft.primary,
    )
