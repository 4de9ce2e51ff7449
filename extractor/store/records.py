"""Reading a run output (JSONL of ArticleRecords): the one reader, used by resume and by the scorer alike."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..errors import OutputError
from ..models import ArticleRecord


def read_records(path: str | Path) -> tuple[list[ArticleRecord], int]:
    """The valid records of a JSONL output in file order, and the number of unreadable lines (a line cut by a
    crash, a line of another schema). Bytes that are not UTF-8 (a multi-byte character cut in half) make their
    line unreadable, never the whole file."""
    records, bad = [], 0
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    records.append(ArticleRecord.model_validate_json(line))
                except ValidationError:
                    bad += 1
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return records, bad


def records_by_id(records: list[ArticleRecord]) -> dict[str, ArticleRecord]:
    """Records keyed by article_id; a later line for the same article wins."""
    return {record.article_id: record for record in records}
