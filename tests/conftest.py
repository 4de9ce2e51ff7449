"""Shared fixtures: an isolated environment, the golden feed, and builders for mocked LLM replies."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from extractor.feeds import load_feed
from extractor.models import Article

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_FEED = ROOT / "golden" / "feed.xml"
BASE_URL = "http://llm.test/v1"
COMPLETIONS = f"{BASE_URL}/chat/completions"
SECRET = "sk-test-SECRET-do-not-leak-0123456789"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real credentials, endpoints or config leak in; the cache lives in tmp; cwd is tmp."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "EXTRACT_MODEL", "EXTRACT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXTRACT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def golden_articles() -> list[Article]:
    return load_feed(str(GOLDEN_FEED)).articles


def incident(quote: str, **overrides: object) -> dict:
    """A schema-valid incident dict quoting `quote`."""
    value = {
        "summary": "An attack.",
        "date": "2024-09-15",
        "date_text": "on Sunday",
        "country": "Niger",
        "region": "Tillaberi",
        "location": None,
        "attack_type": "armed_assault",
        "suicide": False,
        "perpetrators": [],
        "targets": [{"type": "military", "description": "soldiers"}],
        "weapons": ["firearms"],
        "killed": {"min": 5, "max": 5},
        "wounded": {"min": 25, "max": 25},
        "perpetrators_killed": None,
        "kidnapped": None,
        "claims": [],
        "evidence": [quote],
        "primary": True,
    }
    value.update(overrides)
    return value


def completion(
    content: str, prompt_tokens: int = 100, completion_tokens: int = 20, finish_reason: str = "stop"
) -> httpx.Response:
    """A chat completion whose message content is `content` (`finish_reason` "length": cut at max_tokens)."""
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "test-model",
            "choices": [
                {"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        },
    )


def extraction_reply(article_text: str, **overrides: object) -> httpx.Response:
    """A valid reply whose single incident quotes the article's first paragraph."""
    first_paragraph = article_text.split("\n\n")[0]
    return completion(json.dumps({"incidents": [incident(first_paragraph, **overrides)]}))


def request_json(call) -> dict:
    return json.loads(call.request.content)


def article_of(request: httpx.Request) -> str:
    """The article text a chat request carries (between <article> markers)."""
    user = json.loads(request.content)["messages"][1]["content"]
    return user.split("<article>\n", 1)[1].rsplit("\n</article>", 1)[0]


# A three-article feed for the mocked-endpoint tests, and its fixtures.
FEED = """<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>t</title>
<item><title>Ambush in Tillaberi</title><guid>a1</guid><pubDate>Thu, 19 Sep 2024 08:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>Gunmen killed five soldiers in Tillaberi on Sunday, the army said.</p><p>It was the third attack.</p>]]></content:encoded></item>
<item><title>Bomb in Diffa</title><guid>a2</guid><pubDate>Thu, 19 Sep 2024 08:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>An improvised explosive device killed five patrolling soldiers in Diffa on Monday.</p>]]></content:encoded></item>
<item><title>Raid in Agadez</title><guid>a3</guid><pubDate>Thu, 19 Sep 2024 08:00:00 +0000</pubDate>
<content:encoded><![CDATA[<p>Militants attacked a military outpost in Agadez on Tuesday, killing two soldiers.</p>]]></content:encoded></item>
</channel></rss>"""


@pytest.fixture
def feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    (tmp_path / "extract.toml").write_text("retry_initial_wait = 0.001\nretry_max_wait = 0.01\n")
    path = tmp_path / "feed.xml"
    path.write_text(FEED)
    return str(path)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Waits between retries, recorded instead of slept."""
    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(seconds)

    from extractor.llm.client import OpenAICompatBackend

    monkeypatch.setattr(OpenAICompatBackend, "_sleep", staticmethod(record))
    return recorded
