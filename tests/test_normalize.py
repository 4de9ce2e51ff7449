"""Relative dates re-derived from date_text against the publication date (the codebook's rule)."""

from __future__ import annotations

import datetime as dt

import pytest

from extractor.models import Incident
from extractor.pipeline.dates import resolve_relative_dates

from .conftest import incident

PUBLISHED = dt.datetime(2024, 9, 3, 10, 56, tzinfo=dt.timezone.utc)  # a Tuesday


@pytest.mark.parametrize(
    ("date_text", "date", "expected"),
    [
        ("Monday", "2024-09-03", "2024-09-02"),
        ("on Monday afternoon", "2024-09-02", "2024-09-02"),
        ("Sunday's attack", None, "2024-09-01"),
        ("yesterday", "2024-09-03", "2024-09-02"),
        ("on August 23", "2024-09-03", "2024-08-23"),
        ("told AFP on Tuesday", "2024-09-01", "2024-09-01"),
        ("last week", None, None),
        (None, "2024-08-30", "2024-08-30"),
    ],
)
def test_date_follows_date_text(date_text: str | None, date: str | None, expected: str | None) -> None:
    (fixed,), notes = resolve_relative_dates([Incident.model_validate(incident("x", date=date, date_text=date_text))], PUBLISHED)
    assert fixed.date == expected
    assert len(notes) == (date != expected)


def test_without_a_publication_date_nothing_changes() -> None:
    original = Incident.model_validate(incident("x", date="2024-09-03", date_text="Monday"))
    assert resolve_relative_dates([original], None) == ([original], [])
