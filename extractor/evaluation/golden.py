"""Golden sets: the named sets shipped in golden/ (their feeds, labels and split) and reading a labels file
(one GoldArticle per line) with every line validated.

| name      | articles                                  | use                          |
| --------- | ----------------------------------------- | ---------------------------- |
| seed      | golden/feed.xml, golden/labels.jsonl      | development (prompts, rules) |
| news-dev  | golden/news/feeds/*.xml, split "dev"      | development                  |
| news-test | golden/news/feeds/*.xml, split "test"     | test: report, never tune     |
| adversarial | golden/adversarial/ (17 traps, no incident) | test: report, never tune   |
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..errors import GoldenError, validation_text
from ..feeds import load_feed
from ..models import GOLD_ONLY_FIELDS, Article, ArticleRecord, GoldArticle, GroundedIncident, Provenance
from ..resources import data_path

DEFAULT_PATH = data_path("golden", "labels.jsonl")
GOLDEN_FEED = data_path("golden", "feed.xml")


@dataclass(frozen=True)
class GoldenSet:
    """A labels file, the feed files its articles come from, and optionally one half of its split."""

    name: str
    labels: Path
    feeds: tuple[Path, ...]
    split: str | None = None
    development: bool = True

    def gold(self) -> dict[str, GoldArticle]:
        """The labels, restricted to the split when there is one."""
        gold = load_golden(self.labels)
        return {aid: label for aid, label in gold.items() if label.split == self.split} if self.split else gold

    def load(self) -> tuple[list[Article], dict[str, GoldArticle]]:
        """The labelled articles (in feed order) and their labels."""
        gold = self.gold()
        articles = [a for feed in self.feeds for a in _articles_of(feed) if a.id in gold]
        missing = sorted(set(gold) - {a.id for a in articles})
        if missing:
            raise GoldenError(
                f"golden set {self.name}: {len(missing)} labelled article(s) in no feed, e.g. {missing[0]}"
            )
        return articles, gold


def _articles_of(feed: Path) -> list[Article]:
    """A golden set's articles: a feed file, or a JSONL file of articles (what `extract golden export` writes)."""
    if feed.suffix == ".jsonl":
        from ..feeds import iter_articles

        return list(iter_articles(str(feed)))
    return load_feed(str(feed)).articles


def named_sets() -> dict[str, GoldenSet]:
    """The golden sets shipped with the package, by name."""
    news = data_path("golden", "news")
    news_feeds = tuple(sorted(news.joinpath("feeds").glob("*.xml")))
    return {
        "seed": GoldenSet("seed", DEFAULT_PATH, (GOLDEN_FEED,)),
        "news-dev": GoldenSet("news-dev", news / "labels.jsonl", news_feeds, split="dev"),
        "news-test": GoldenSet("news-test", news / "labels.jsonl", news_feeds, split="test", development=False),
        "adversarial": GoldenSet(
            "adversarial",
            data_path("golden", "adversarial", "labels.jsonl"),
            (data_path("golden", "adversarial", "feed.xml"),),
            development=False,
        ),
    }


def golden_set(ref: str, feed: str | None = None) -> GoldenSet:
    """A named set, or a labels file (with the feed its articles come from: `feed`, else the seed feed)."""
    sets = named_sets()
    if ref in sets:
        if feed is not None and Path(feed) not in sets[ref].feeds:
            raise GoldenError(f"golden set {ref} has its own feeds; drop --feed or name a labels file")
        return sets[ref]
    path = Path(ref)
    if path.suffix != ".jsonl" and not path.is_file():
        raise GoldenError(f"no golden set {ref!r} (named sets: {', '.join(sets)}; or a labels .jsonl file)")
    if path.resolve() == DEFAULT_PATH.resolve() and feed is None:
        return sets["seed"]
    return GoldenSet(path.stem, path, (Path(feed) if feed else GOLDEN_FEED,), development=not _held_out(path))


def _held_out(path: Path) -> bool:
    """A labels file all of whose labels belong to the test half (a sample of news-test, say) is held out: its
    scores are reported as test, never development."""
    if not path.is_file():
        return False
    splits = {label.split for label in load_golden(path).values()}
    return splits == {"test"}


def recorded_set(golden_set_ref: str | None, split: str | None, label: str) -> GoldenSet | None:
    """The golden set a stored run's manifest records (`golden_set` and `golden_split`, or for older manifests the
    label 'news-dev (/path/labels.jsonl, split dev)'); None when it names no set this program can find (a
    benchmark such as MUC-4 has no labels file)."""
    sets = named_sets()
    if golden_set_ref:
        if golden_set_ref in sets:
            return sets[golden_set_ref]
        path = Path(golden_set_ref)
        return GoldenSet(path.stem, path, (GOLDEN_FEED,), split=split) if path.is_file() else None
    match = re.fullmatch(r"(?P<name>.+?) \((?P<labels>.+?)(?:, split (?P<split>\w+))?\)", label.strip())
    head = match["name"] if match else label.split(" (", 1)[0].strip()
    if head in sets:
        return sets[head]
    labels = Path(match["labels"]) if match else Path(head)
    if labels.suffix == ".jsonl" and labels.is_file():
        same = [g for g in sets.values() if g.labels.resolve() == labels.resolve() and g.split == (match and match["split"])]
        return same[0] if same else GoldenSet(labels.stem, labels, (GOLDEN_FEED,), split=match and match["split"])
    return None


def load_golden(path: str | Path = DEFAULT_PATH) -> dict[str, GoldArticle]:
    """Return the gold articles keyed by article_id, in file order.

    Raises GoldenError (naming the file and line) on a missing or unreadable file, a line that is not
    JSON, a line that does not validate as a GoldArticle, or an article_id seen twice. Blank lines are skipped.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GoldenError(f"golden labels not found: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldenError(f"cannot read golden labels {file}: {exc}") from exc
    articles: dict[str, GoldArticle] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldenError(f"{file}:{number}: not valid JSON: {exc.msg} (column {exc.colno})") from exc
        try:
            article = GoldArticle.model_validate(data)
        except ValidationError as exc:
            raise GoldenError(f"{file}:{number}: invalid gold article: {_short(exc)}") from exc
        if article.article_id in articles:
            raise GoldenError(f"{file}:{number}: duplicate article_id {article.article_id!r}")
        articles[article.article_id] = article
    return articles


def _short(exc: ValidationError, limit: int = 3) -> str:
    """The first few validation errors as 'field.path: message', one line."""
    return validation_text(exc, limit=limit, root="<root>")


def stratified_split(strata: dict[str, str]) -> dict[str, str]:
    """'dev' or 'test' for each article id, given its stratum (e.g. source and whether it reports an incident).

    Within a stratum the articles are ordered by the sha256 of their id and alternate dev, test, dev, ...: the
    halves are balanced in every stratum, and the assignment depends on nothing but the ids.
    """
    by_stratum: dict[str, list[str]] = {}
    for article_id, stratum in strata.items():
        by_stratum.setdefault(stratum, []).append(article_id)
    split = {}
    for ids in by_stratum.values():
        for rank, article_id in enumerate(sorted(ids, key=lambda i: hashlib.sha256(i.encode()).hexdigest())):
            split[article_id] = "dev" if rank % 2 == 0 else "test"
    return split


def extend_split(frozen: dict[str, str], strata: dict[str, str]) -> dict[str, str]:
    """'dev' or 'test' for each article id of `strata`: an article of `frozen` (halves assigned earlier) keeps its
    half, so nothing tuned on the development half ever moves to the test half; the others are split among
    themselves by `stratified_split`, so both halves grow in every stratum."""
    kept = {aid: half for aid, half in frozen.items() if aid in strata}
    return kept | stratified_split({aid: stratum for aid, stratum in strata.items() if aid not in kept})


def oracle_records(chosen: GoldenSet) -> dict[str, ArticleRecord]:
    """The set's gold incidents as if extracted (gold-only fields dropped, grounded), with their articles' titles,
    links and publication dates: what merging alone is scored on."""
    articles, gold = chosen.load()
    provenance = Provenance(backend="oracle", model="gold", schema_hash="-")
    return {
        a.id: ArticleRecord(
            article_id=a.id, title=a.title, link=a.link, published=a.published, status="ok", provenance=provenance,
            incidents=[GroundedIncident(**i.model_dump(exclude=set(GOLD_ONLY_FIELDS)), grounded=True)
                       for i in gold[a.id].incidents],
        )  # fmt: skip
        for a in articles
    }
