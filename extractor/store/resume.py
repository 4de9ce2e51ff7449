"""Resuming a JSONL run output: keep what finished, run the rest."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import OutputError
from .records import read_records


def prepare_resume(path: str, model: str, prompt_hash: str | None) -> set[str]:
    """Keep the finished (ok) records of an existing JSONL output, drop failed and cut lines; their ids.

    The file is rewritten atomically, so the articles that failed before are simply run again. An output
    made with another model or prompt is refused rather than silently mixed.
    """
    if path == "-" or not Path(path).exists():
        return set()
    records, _ = read_records(path)
    other = {(r.provenance.model, r.provenance.prompt_hash) for r in records} - {(model, prompt_hash)}
    if other:
        found = ", ".join(f"model {m} prompt {p or '-'}" for m, p in sorted(other, key=str))
        raise OutputError(f"{path} holds results of another configuration ({found}); use another -o or drop --resume")
    kept = {r.article_id: r for r in records if r.status == "ok"}
    temporary = f"{path}.resume-tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.writelines(record.model_dump_json() + "\n" for record in kept.values())
    os.replace(temporary, path)
    return set(kept)
