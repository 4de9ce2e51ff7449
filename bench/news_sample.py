"""A fixed 30-article sample of news-dev for slow models: every article with a gold incident and 12 without.

    python bench/news_sample.py docs/runs/news-dev-s30
    python bench/news_sample.py docs/runs/news-test-s25 news-test    # the test half, to report once

Writes `labels.jsonl` (the sample's gold labels) and `feed.xml` (their articles as one RSS 2.0 feed, ids,
titles, dates and texts unchanged), for `extract eval --golden DIR/labels.jsonl --feed DIR/feed.xml`. The local
CPU model takes about a minute per article, so the 65-article half is cut to the articles that move incident
F1 (all 18 positives) and a seeded sample of the negatives (no-incident score). Development data only.
"""

from __future__ import annotations

import email.utils
import random
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from extractor.evaluation.golden import named_sets
from extractor.feeds import load_feed

NEGATIVES, SEED = 12, 13


def main(folder: Path, name: str = "news-dev") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    golden = named_sets()[name]
    articles, gold = golden.load()
    positives = [a for a in articles if gold[a.id].incidents]
    negatives = [a for a in articles if not gold[a.id].incidents]
    picked = {a.id for a in positives + random.Random(SEED).sample(negatives, NEGATIVES)}
    items = []
    for a in articles:
        if a.id not in picked:
            continue
        item = f"<item><title>{escape(a.title)}</title>"
        item += f"<link>{escape(a.link)}</link>" if a.link else ""
        item += f'<guid isPermaLink="false">{escape(a.id)}</guid>'
        item += f"<pubDate>{email.utils.format_datetime(a.published)}</pubDate>" if a.published else ""
        items.append(item + f"<content:encoded><![CDATA[{a.text}]]></content:encoded></item>")
    (folder / "feed.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/'
        'content/"><channel><title>' + escape(name) + ' sample</title><link>http://example.org</link><description>'
        + ("development" if golden.development else "held-out test") + " sample</description>" + "".join(items) + "</channel></rss>",
        encoding="utf-8",
    )
    with open(folder / "labels.jsonl", "w", encoding="utf-8") as out:
        for article_id, label in gold.items():
            if article_id in picked:
                out.write(label.model_dump_json() + "\n")
    back = {a.id: a for a in load_feed(str(folder / "feed.xml")).articles}
    same = sum(1 for a in articles if a.id in picked and back[a.id].text.strip() == a.text.strip())
    print(f"{len(picked)} articles ({len(positives)} with incidents), {same} read back unchanged -> {folder}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/runs/news-dev-s30"), *sys.argv[2:3])
