"""Reviewers' judgements in the incident database (schema version 5): what a reviewer said about a run's incidents
of one article, and what they flagged as missed. `evaluation/judged.py` turns them into a golden set."""

from __future__ import annotations

import json
from typing import Any

from .database import IncidentDB
from .work import now_iso

VERDICTS = ("correct", "wrong", "corrected", "missed")
REASONS = ("not_an_incident", "not_in_article", "duplicate", "out_of_scope", "wrong_fields", "other")


def add_judgement(db: IncidentDB, run_id: str, article_id: str, content_hash: str, *, verdict: str, reviewer: str,
                  incident_id: str | None = None, reason: str | None = None, field: str | None = None,
                  value: Any = None, sentence: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Store one judgement (checked by the caller); the stored row."""
    with db.transaction():
        cursor = db.db.execute(
            "INSERT INTO judgements (run_id, article_id, content_hash, incident_id, verdict, reason, field, value, "
            "sentence, reviewer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, article_id, content_hash, incident_id, verdict, reason, field,
             None if value is None else json.dumps(value, ensure_ascii=False), sentence, reviewer, now_iso()],
        )  # fmt: skip
        judgement_id = cursor.lastrowid
    return list_judgements(db, run_id, after=judgement_id - 1, limit=1)[0]


def list_judgements(db: IncidentDB, run_id: str, *, article_id: str | None = None, after: int = 0,
                    limit: int = 100) -> list[dict[str, Any]]:  # fmt: skip
    """A run's judgements in the order they were made (of one article when given)."""
    sql = "SELECT * FROM judgements WHERE run_id = ? AND judgement_id > ?"
    params: list[Any] = [run_id, after]
    if article_id is not None:
        sql += " AND article_id = ?"
        params.append(article_id)
    rows = db.query(sql + " ORDER BY judgement_id LIMIT ?", [*params, limit])
    return [{**r, "value": json.loads(r["value"]) if r["value"] is not None else None} for r in rows]


def judged_articles(db: IncidentDB, run_id: str) -> dict[str, list[dict[str, Any]]]:
    """Article id -> its judgements that still apply (made on the article's current content), oldest first."""
    rows = db.query("SELECT j.* FROM judgements j JOIN articles a USING (article_id) WHERE j.run_id = ? "
                    "AND j.content_hash = a.content_hash ORDER BY j.judgement_id", [run_id])  # fmt: skip
    found: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        found.setdefault(r["article_id"], []).append({**r, "value": json.loads(r["value"]) if r["value"] else None})
    return found
