"""Few-shot by similarity (`--strategy similar`, `hybrid+similar`, `enumerate+similar`): the pool ranks labelled
development articles by TF-IDF similarity, never hands an article itself or an article of its own event, and the
request carries the most similar example after the static prompt prefix."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.evaluation.fewshot import SimilarExamplePool, similar_examples
from extractor.llm.prompts import EXAMPLES_LEAD
from extractor.models import Article, GoldArticle

from .conftest import BASE_URL, COMPLETIONS, completion, incident

runner = CliRunner()
WHEN = dt.datetime(2024, 9, 19, tzinfo=dt.timezone.utc)


def article(aid: str, title: str, text: str) -> Article:
    return Article(id=aid, title=title, text=text, published=WHEN)


def gold(aid: str, *events: str) -> GoldArticle:
    incidents = [{**incident("Gunmen attacked."), "event_id": e} for e in events]
    return GoldArticle.model_validate({"article_id": aid, "title": aid, "relevant": bool(events), "incidents": incidents})


AMBUSH = article("ambush", "Gunmen ambush army convoy near Tillaberi", "Gunmen ambushed an army convoy near "
                 "Tillaberi, killing soldiers. The army said jihadists attacked the convoy.")
AMBUSH_AGAIN = article("ambush-2", "Soldiers killed in Tillaberi convoy ambush", "Jihadists ambushed a convoy "
                       "of soldiers near Tillaberi. The army said the convoy was attacked.")
FLOOD = article("flood", "Floods displace thousands in Maradi", "Heavy rains flooded farmland in Maradi and "
                "displaced thousands of families, the civil protection agency said.")
MARKET = article("market", "Bomb hits market in Diffa", "A bomb exploded in a crowded market in Diffa and "
                 "wounded traders, police said.")
LONG = article("long", "Convoy ambush near Tillaberi: a long read", "Gunmen ambushed a convoy near Tillaberi. "
               + "The army said soldiers were attacked. " * 200)


def pool(*articles: Article, labels: dict[str, GoldArticle], k: int = 1) -> SimilarExamplePool:
    return SimilarExamplePool(list(articles), labels, k=k, max_chars=2500)


LABELS = {"ambush": gold("ambush", "e-ambush"), "ambush-2": gold("ambush-2", "e-ambush"),
          "flood": gold("flood"), "market": gold("market", "e-market"), "long": gold("long", "e-long")}  # fmt: skip


def test_the_most_similar_labelled_article_is_chosen():
    examples = pool(FLOOD, MARKET, AMBUSH_AGAIN, labels=LABELS, k=2)
    new = article("new", "Army convoy ambushed in Tillaberi region", "Gunmen ambushed a convoy of soldiers.")
    assert [e.article.id for e in examples.for_article(new)] == ["ambush-2", "market"]


def test_never_the_article_itself_nor_a_report_of_its_own_event():
    examples = pool(AMBUSH, AMBUSH_AGAIN, FLOOD, MARKET, labels=LABELS, k=3)
    chosen = [e.article.id for e in examples.for_article(AMBUSH)]
    assert "ambush" not in chosen and "ambush-2" not in chosen  # itself, and the other outlet's report of it
    assert set(chosen) == {"flood", "market"}
    copy = article("same-text-other-id", AMBUSH.title, AMBUSH.text)  # the same text under another id
    assert "ambush" not in [e.article.id for e in examples.for_article(copy)]


def test_long_articles_are_not_examples_and_the_pool_hash_says_what_it_holds():
    with_long = pool(LONG, FLOOD, labels=LABELS)
    assert [e.article.id for e in with_long.for_article(AMBUSH)] == ["flood"]  # LONG is more similar but too long
    assert pool(FLOOD, labels=LABELS).hash != pool(FLOOD, MARKET, labels=LABELS).hash


def test_the_shipped_pool_is_development_data_only():
    shipped = similar_examples()
    ids = {e.article.id for e in shipped._examples}
    from extractor.evaluation.golden import named_sets

    test_ids = set(named_sets()["news-test"].gold())
    assert ids and not ids & test_ids
    assert set(named_sets()["seed"].gold()) <= ids


@pytest.fixture
def articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-similar-test")
    (tmp_path / "extract.toml").write_text("retry_initial_wait = 0.001\nretry_max_wait = 0.01\n")
    path = tmp_path / "articles.jsonl"
    text = "Gunmen killed five soldiers in Tillaberi on Sunday, the army said."
    path.write_text(json.dumps({"id": "tillaberi", "title": "Soldiers killed in Niger attack",
                                "published": "2024-09-19T08:00:00Z", "text": text}) + "\n")  # fmt: skip
    return str(path)


def test_similar_sends_the_examples_after_the_static_prefix_and_is_its_own_cache_identity(articles, httpx2_mock):
    reply = incident("Gunmen killed five soldiers in Tillaberi on Sunday, the army said.", location="Tillaberi")
    route = httpx2_mock.post(COMPLETIONS).mock(return_value=completion(json.dumps({"incidents": [reply]})))
    base = ["run", articles, "--model", "m", "--base-url", BASE_URL, "--structured-output", "json_object",
            "--concurrency", "1", "-o", "out.jsonl", "-q"]  # fmt: skip

    def config_hash() -> str:
        (record,) = [json.loads(line) for line in Path("out.jsonl").read_text().splitlines()]
        assert record["status"] == "ok"
        return record["provenance"]["config_hash"]

    assert runner.invoke(app, [*base, "--strategy", "one-call"]).exit_code == 0
    one_call = config_hash()
    assert runner.invoke(app, [*base, "--strategy", "similar"]).exit_code == 0
    assert config_hash() != one_call

    assert route.call_count == 2, "similar is not served the one-call answer from the cache"
    plain, similar = (json.loads(c.request.content)["messages"] for c in route.calls)
    assert plain[0] == similar[0], "the system prompt (the static prefix) is unchanged"
    assert EXAMPLES_LEAD not in plain[1]["content"]
    user = similar[1]["content"]
    assert user.startswith(EXAMPLES_LEAD) and user.count("Answer:\n{\"incidents\"") == 2
    assert user.rindex("Gunmen killed five soldiers in Tillaberi") > user.index("Now the article to extract.")
