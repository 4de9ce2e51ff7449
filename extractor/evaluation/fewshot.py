"""Few-shot examples drawn from the golden set, leave-one-out: an article never sees its own labels.

An article is also never shown an example that reports one of its events (the Bamako attack is labelled in
three articles), since that would hand it the answer. Examples are the shortest eligible golden articles that
report at least one incident (an empty answer teaches little), then the rest.
"""

from __future__ import annotations

import hashlib
import json

from ..feeds import load_feed
from ..llm.examples import Example
from ..models import GOLD_ONLY_FIELDS, Article, GoldArticle, Incident
from .golden import DEFAULT_PATH, GOLDEN_FEED, load_golden


class ExamplePool:
    """Labelled golden articles, handed out k at a time without leaking the article being extracted."""

    def __init__(self, articles: list[Article], gold: dict[str, GoldArticle], k: int = 1) -> None:
        self.k = k
        examples = []
        for article in articles:
            label = gold.get(article.id)
            if label is None:
                continue
            incidents = [Incident.model_validate(i.model_dump(exclude=GOLD_ONLY_FIELDS)) for i in label.incidents]
            answer = json.dumps({"incidents": [i.model_dump(mode="json") for i in incidents]}, ensure_ascii=False)
            examples.append(Example(article, answer, frozenset(i.event_id for i in label.incidents)))
        self._examples = sorted(examples, key=lambda e: (not e.event_ids, len(e.article.text) + len(e.answer)))
        self._events = {e.article.id: e.event_ids for e in self._examples}

    @classmethod
    def from_golden(cls, feed_path: str, labels_path: str, k: int = 1) -> ExamplePool:
        return cls(load_feed(feed_path).articles, load_golden(labels_path), k)

    @property
    def hash(self) -> str:
        digest = hashlib.sha256(str(self.k).encode())
        for example in self._examples:
            digest.update(example.article.id.encode() + example.answer.encode())
        return digest.hexdigest()[:16]

    def for_article(self, article_id: str) -> list[Example]:
        """Up to k examples that are not this article and share none of its events."""
        own_events = self._events.get(article_id, frozenset())
        eligible = [e for e in self._examples if e.article.id != article_id and not (e.event_ids & own_events)]
        return eligible[: self.k]


def seed_examples() -> ExamplePool:
    """Few-shot examples come from the seed set (development data), leave-one-out for its own articles."""
    return ExamplePool.from_golden(str(GOLDEN_FEED), str(DEFAULT_PATH))
