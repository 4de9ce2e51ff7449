"""Golden labels: read a labels file (one GoldArticle per line, e.g. golden/labels.jsonl) and validate every line."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from ..errors import GoldenError
from ..models import GoldArticle
from ..resources import data_path

DEFAULT_PATH = data_path("golden", "labels.jsonl")
GOLDEN_FEED = data_path("golden", "feed.xml")


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
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "<root>"
        parts.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")
