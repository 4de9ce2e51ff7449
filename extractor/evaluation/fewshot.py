"""Few-shot examples drawn from the golden sets, leave-one-out: an article never sees its own labels.

An article is also never shown an example that reports one of its events (the Bamako attack is labelled in
three articles), since that would hand it the answer.

Two pools:
- `seed_examples()` (prompts with an `{{examples}}` placeholder, one-call): the shortest eligible seed articles that
  report at least one incident (an empty answer teaches little), then the rest. The same examples for every article.
- `similar_examples()` (the `+similar` strategies): the development pool (the seed set and news-dev, the labelled
  sets shipped with the package; never a test split) ranked for each article by the TF-IDF cosine of title and
  text (scikit-learn, imported only when this pool is used). The k most similar eligible examples, each at most
  EXAMPLE_CHARS long so the prompt stays small; an article with nothing similar still gets the nearest ones,
  including labelled articles that report no incident (what to leave out is taught too).
"""

from __future__ import annotations

import hashlib
import json

from ..feeds import load_feed
from ..llm.examples import Example
from ..models import GOLD_ONLY_FIELDS, Article, GoldArticle, Incident
from .golden import DEFAULT_PATH, GOLDEN_FEED, load_golden, named_sets

SIMILAR_K = 2  # examples per article for the +similar strategies
EXAMPLE_CHARS = 2500  # longest article text shown as a similar example (the local model reads ~80 tokens/s)
SIMILAR_SETS = ("seed", "news-dev")  # development data only


class ExamplePool:
    """Labelled golden articles, handed out k at a time without leaking the article being extracted."""

    def __init__(self, articles: list[Article], gold: dict[str, GoldArticle], k: int = 1) -> None:
        self.k = k
        examples = []
        for article in articles:
            label = gold.get(article.id)
            if label is None:
                continue
            examples.append(Example(article, _answer(label), frozenset(i.event_id for i in label.incidents)))
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

    def for_article(self, article: Article) -> list[Example]:
        """Up to k examples that are not this article and share none of its events."""
        return [e for e in self._examples if self._eligible(e, article)][: self.k]

    def _eligible(self, example: Example, article: Article) -> bool:
        own_events = self._events.get(article.id, frozenset())
        return example.article.id != article.id and example.article.text != article.text and not (
            example.event_ids & own_events
        )


def _answer(label: GoldArticle) -> str:
    incidents = [Incident.model_validate(i.model_dump(exclude=GOLD_ONLY_FIELDS)) for i in label.incidents]
    return json.dumps({"incidents": [i.model_dump(mode="json") for i in incidents]}, ensure_ascii=False)


class SimilarExamplePool(ExamplePool):
    """The k labelled articles most like the one being extracted (TF-IDF cosine of title and text)."""

    def __init__(self, articles: list[Article], gold: dict[str, GoldArticle], k: int = SIMILAR_K,
                 max_chars: int = EXAMPLE_CHARS) -> None:  # fmt: skip
        super().__init__(articles, gold, k)
        self.max_chars = max_chars
        self._pool = [e for e in self._examples if len(e.article.text) <= max_chars]
        self._vectorizer = None
        self._matrix = None

    @property
    def hash(self) -> str:
        return hashlib.sha256(f"similar:{self.max_chars}:{super().hash}".encode()).hexdigest()[:16]

    def _fit(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1)
        self._matrix = self._vectorizer.fit_transform([_document(e.article) for e in self._pool])

    def for_article(self, article: Article) -> list[Example]:
        """The k most similar eligible examples, most similar first (ties: the shorter first)."""
        if not self._pool:
            return []
        if self._vectorizer is None:
            self._fit()
        scores = (self._matrix @ self._vectorizer.transform([_document(article)]).T).toarray().ravel()
        ranked = sorted(range(len(self._pool)), key=lambda n: (-scores[n], len(self._pool[n].article.text)))
        return [self._pool[n] for n in ranked if self._eligible(self._pool[n], article)][: self.k]


def _document(article: Article) -> str:
    return f"{article.title}\n{article.text}"


def seed_examples() -> ExamplePool:
    """Few-shot examples come from the seed set (development data), leave-one-out for its own articles."""
    return ExamplePool.from_golden(str(GOLDEN_FEED), str(DEFAULT_PATH))


def similar_examples() -> SimilarExamplePool:
    """The development pool (seed and news-dev), ranked by similarity for each article."""
    articles: list[Article] = []
    gold: dict[str, GoldArticle] = {}
    for name in SIMILAR_SETS:
        set_articles, set_gold = named_sets()[name].load()
        articles += [a for a in set_articles if a.id not in gold]
        gold.update(set_gold)
    return SimilarExamplePool(articles, gold)


def examples_for(strategy: str, uses_examples: bool) -> ExamplePool | None:
    """The example pool a run uses: similar examples for the `+similar` strategies, the seed's fixed examples for a
    prompt with an `{{examples}}` placeholder, none otherwise."""
    if strategy.endswith("similar"):
        return similar_examples()
    return seed_examples() if uses_examples else None
