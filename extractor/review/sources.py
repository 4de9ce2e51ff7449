"""What a review page is made of: the records of a run (a JSONL output or a stored run folder), its manifest and
scores when stored, the article texts (re-read from the run's feed, since records do not hold them), and the
golden labels when the run was scored against a set (or `--golden` names one)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ExtractorError, RunStoreError
from ..evaluation.golden import golden_set, named_sets
from ..feeds.sources import iter_articles
from ..models import Article, ArticleRecord, GoldArticle
from ..store.records import LineCounts
from ..store.runs import DEFAULT_RUNS_DIR, METRICS, Manifest, load_manifest, load_run_records, predictions_path

log = logging.getLogger(__name__)


@dataclass
class ReviewSource:
    """One run to review: records in file order (a later line of an article wins) and what goes with them."""

    label: str
    records: list[ArticleRecord]
    manifest: Manifest | None = None
    metrics: dict | None = None
    articles: dict[str, Article] = field(default_factory=dict)
    feeds: dict[str, str] = field(default_factory=dict)  # article id -> feed name
    gold: dict[str, GoldArticle] | None = None
    golden_name: str | None = None
    invalid_lines: int = 0
    notes: list[str] = field(default_factory=list)
    lines: LineCounts = field(default_factory=LineCounts)  # older, foreign and cut lines of the predictions
    no_feed: bool = False  # a JSONL output without a manifest and no --feed: the page has no article texts


def load_source(
    ref: str,
    *,
    feed: str | None = None,
    golden: str | None = None,
    runs_dir: Path = DEFAULT_RUNS_DIR,
    texts: dict[str, Article] | None = None,
) -> ReviewSource:
    """A run given as a JSONL output, a run folder or a run id in `runs_dir`, with its texts and golden labels.

    `feed` overrides the feed named in the manifest; `golden` (a set name or labels file) overrides the manifest's
    golden set. A feed that cannot be read is a note on the page, not an error (the page then shows no text).
    """
    path = predictions_path(ref, runs_dir)
    records_map, counts = load_run_records(path)
    invalid = counts.unreadable
    if not records_map and invalid:
        raise RunStoreError(f"{ref}: no valid record ({invalid} unreadable line(s)); is it a run output?")
    folder = path.parent
    manifest = _manifest(folder)
    metrics = _metrics(folder) if manifest else None
    source = ReviewSource(
        label=manifest.run_id if manifest else path.name,
        records=list(records_map.values()),
        manifest=manifest,
        metrics=metrics,
        invalid_lines=invalid,
        lines=counts,
    )
    golden_ref = golden or (_golden_ref(manifest) if manifest else None)
    run_feeds = [f for f in manifest.feed.split(";") if f] if manifest else []
    if golden_ref:
        own_feed = feed or (run_feeds[0] if len(run_feeds) == 1 else None)
        chosen = golden_set(golden_ref, None if _is_named(golden_ref) else own_feed)
        source.gold, source.golden_name = chosen.gold(), chosen.name
        feeds = [feed] if feed else [str(f) for f in chosen.feeds]
    else:
        feeds = [feed] if feed else run_feeds
        if not feeds and texts is None:
            source.notes.append("no feed given (--feed): article texts are not shown")
            source.no_feed = True
    if texts is not None:
        source.articles = texts
    else:
        wanted = {r.article_id for r in source.records}
        source.articles, source.feeds = read_texts(feeds, wanted, source.notes)
    if golden and not (set(source.gold or {}) & {r.article_id for r in source.records}):
        raise RunStoreError(f"no article of {ref} has a label in golden set {golden}")
    return source


def read_texts(feeds: list[str], wanted: set[str], notes: list[str]) -> tuple[dict[str, Article], dict[str, str]]:
    """The wanted articles of `feeds` by id, and the feed each came from; unreadable feeds become notes."""
    articles: dict[str, Article] = {}
    origin: dict[str, str] = {}
    for feed in feeds:
        name = Path(feed).stem if "://" not in feed else feed
        try:
            for article in iter_articles(feed, warn=lambda message: None):
                if article.id in wanted and article.id not in articles:
                    articles[article.id] = article
                    origin[article.id] = name
        except ExtractorError as exc:
            notes.append(f"feed {feed} not read: {exc}")
        except OSError as exc:  # a feed folder (MUC-4) or a file gone since the run
            notes.append(f"feed {feed} not read: {exc.strerror or exc}")
    missing = len(wanted - set(articles))
    if feeds and missing:
        notes.append(f"{missing} article text(s) not found in the feed(s): shown without text")
    return articles, origin


def _is_named(ref: str) -> bool:
    return ref in named_sets()


def _golden_ref(manifest: Manifest) -> str | None:
    """The golden set a manifest names: its `golden_set`, else from its label: 'news-test (/path/labels.jsonl, split
    test)' -> 'news-test', a labels path -> that path; None for anything else (a benchmark such as MUC-4)."""
    if manifest.golden_set:
        return manifest.golden_set
    label = manifest.golden
    head = label.split(" (", 1)[0].strip()
    if _is_named(head):
        return head
    if head.endswith(".jsonl") and Path(head).is_file():
        same = [n for n, g in named_sets().items() if not g.split and g.labels.resolve() == Path(head).resolve()]
        return same[0] if same else head
    if head.endswith(".jsonl") and Path(head).name == "labels.jsonl":
        return "seed" if Path(head).parent.name == "golden" else None
    return None


def _manifest(folder: Path) -> Manifest | None:
    try:
        return load_manifest(folder)
    except (ValueError, OSError, RunStoreError):
        return None


def _metrics(folder: Path) -> dict | None:
    path = folder / METRICS
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (ValueError, OSError):
        return None
