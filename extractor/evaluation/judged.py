"""Reviewers' judgements -> a golden set in the codebook's format (`extract golden export`).

Every article with a judgement on its current content becomes one GoldArticle: its run's incidents, less those
marked wrong, with the corrected fields applied (the latest correction of a field wins; the latest of correct /
wrong wins), plus one incident per flagged miss (its sentence as evidence and summary, its fields from the flag's
`value`, the others unknown). An incident the reviewer did not mark is kept as the run extracted it: judging an
article means reading all of it. Gold event ids are the run's event ids (else `article#n`). The halves follow the
project's split rule (`stratified_split`, strata: outlet and whether the article reports an incident).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import GoldenError, OutputError
from ..models import GoldArticle, GoldIncident, Incident
from ..outputs import ARTICLES_JSONL, GOLDEN_LABELS, AtomicFile, check_output
from ..store.database import IncidentDB
from ..store.judgements import judged_articles
from .golden import stratified_split

CORRECTABLE = tuple(name for name in Incident.model_fields if name != "evidence")
_INCIDENT_FIELDS = tuple(Incident.model_fields)


def corrected(incident: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    """The incident (its Incident fields) with `field` set to `value`; GoldenError when that is not a valid value."""
    if field not in CORRECTABLE:
        raise GoldenError(f"cannot correct {field!r}: choose one of {', '.join(CORRECTABLE)}")
    updated = {k: incident.get(k) for k in _INCIDENT_FIELDS} | {field: value}
    try:
        return Incident.model_validate(updated).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        raise GoldenError(f"{field}: {first['msg']}") from None


def missed(sentence: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """An incident flagged as missed: the sentence that reports it, and whatever fields the reviewer gave."""
    base: dict[str, Any] = {
        "summary": sentence, "date": None, "date_text": None, "country": None, "region": None, "location": None,
        "attack_type": "unknown", "suicide": False, "perpetrators": [], "targets": [], "weapons": [], "killed": None,
        "wounded": None, "perpetrators_killed": None, "kidnapped": None, "claims": [], "evidence": [sentence],
        "primary": True,
    }  # fmt: skip
    unknown = set(fields or {}) - set(CORRECTABLE)
    if unknown:
        raise GoldenError(f"cannot set {', '.join(sorted(unknown))} on a missed incident")
    try:
        return Incident.model_validate(base | (fields or {})).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        raise GoldenError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def golden_from_judgements(db: IncidentDB, run_id: str | None = None) -> list[GoldArticle]:
    """The judged articles of a run (the current one by default) as gold labels, split in dev and test."""
    chosen = run_id or db.current_run()
    if chosen is None:
        return []
    labels: dict[str, tuple[str, list[GoldIncident], str]] = {}
    strata: dict[str, str] = {}
    for article_id, judgements in judged_articles(db, chosen).items():
        rows = db.query(
            "SELECT i.incident_id, i.n, i.json, ei.event_id, a.title, a.outlet FROM articles a "
            "LEFT JOIN incidents i ON i.article_id = a.article_id AND i.run_id = ? "
            "LEFT JOIN event_incidents ei ON ei.incident_id = i.incident_id AND ei.run_id = i.run_id "
            "WHERE a.article_id = ? ORDER BY i.n", [chosen, article_id],
        )  # fmt: skip
        verdicts: dict[str, str] = {}
        fixes: dict[str, dict[str, Any]] = {}
        for j in judgements:
            if j["verdict"] in ("correct", "wrong"):
                verdicts[j["incident_id"]] = j["verdict"]
            elif j["verdict"] == "corrected":
                fixes.setdefault(j["incident_id"], {})[j["field"]] = j["value"]
        incidents: list[GoldIncident] = []
        for row in rows:
            if row["incident_id"] is None or verdicts.get(row["incident_id"]) == "wrong":
                continue
            incident = json.loads(row["json"])
            for field, value in fixes.get(row["incident_id"], {}).items():
                incident = corrected(incident, field, value)
            event_id = row["event_id"] or f"{article_id}#{row['n']}"
            incidents.append(GoldIncident.model_validate({k: incident.get(k) for k in _INCIDENT_FIELDS}
                                                         | {"event_id": event_id}))  # fmt: skip
        for k, j in enumerate(x for x in judgements if x["verdict"] == "missed"):
            incidents.append(GoldIncident.model_validate(missed(j["sentence"], j["value"])
                                                         | {"event_id": f"{article_id}#missed-{k}"}))  # fmt: skip
        reviewers = sorted({j["reviewer"] for j in judgements})
        note = f"from {len(judgements)} judgement(s) by {', '.join(reviewers)} on run {chosen}"
        labels[article_id] = (rows[0]["title"] or "", incidents, note)
        strata[article_id] = f"{rows[0]['outlet'] or ''}|{bool(incidents)}"
    halves = stratified_split(strata)
    return [GoldArticle(article_id=aid, title=title, incidents=incidents, notes=note, split=halves[aid])
            for aid, (title, incidents, note) in labels.items()]  # fmt: skip


def write_labels(labels: list[GoldArticle], path: str | Path) -> int:
    """Write gold labels as JSONL (a temporary file renamed into place); the number of lines."""
    with AtomicFile(path) as stream:
        for label in labels:
            stream.write(label.model_dump_json(exclude_none=False) + "\n")
    return len(labels)


def write_articles(db: IncidentDB, labels: list[GoldArticle], path: str | Path) -> int:
    """The judged articles as a JSONL input file (id, title, text, published, url): the feed of the golden set, for
    `extract eval --golden LABELS --feed ARTICLES`."""
    with AtomicFile(path) as stream:
        for label in labels:
            row = db.query("SELECT article_id, title, text, published, link FROM articles WHERE article_id = ?",
                           [label.article_id])[0]  # fmt: skip
            stream.write(json.dumps({"id": row["article_id"], "title": row["title"], "text": row["text"],
                                     "published": row["published"], "url": row["link"]},
                                    ensure_ascii=False) + "\n")  # fmt: skip
    return len(labels)


def export_golden(db_path: str | Path, labels_path: str | Path, articles_path: str | Path | None = None,
                  run_id: str | None = None, *, force: bool = False) -> tuple[int, int, Path]:  # fmt: skip
    """`extract golden export`: the judged articles of a database's run as gold labels (and their articles, by
    default beside the labels as NAME.articles.jsonl); (articles, incidents, articles file)."""
    from ..store.database import open_db

    labels_path = Path(labels_path)
    articles = Path(articles_path) if articles_path else labels_path.with_name(labels_path.stem + ".articles.jsonl")
    if articles.resolve() == labels_path.resolve():
        raise OutputError("the labels and the articles must go to two different files")
    check_output(labels_path, GOLDEN_LABELS, inputs=[db_path], force=force)
    check_output(articles, ARTICLES_JSONL, inputs=[db_path], force=force, option="--articles")
    with open_db(db_path, create=False) as db:
        labels = golden_from_judgements(db, run_id)
        if not labels:
            raise GoldenError(f"{db_path}: no judged article in run {run_id or db.current_run() or '(none)'}")
        write_labels(labels, labels_path)
        write_articles(db, labels, articles)
    return len(labels), sum(len(label.incidents) for label in labels), articles
