"""Every incident dated: the day, week or month the article's words give (time_precision 1, 2, 3, date_source
"text"), else the publication date (precision 2, or 3 when the words are vaguer than a week; date_source
"published"); never null when the article has a publication date. The scorer reads dates within their precision."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from extractor.baseline import BaselineBackend
from extractor.evaluation.align import date_in_range, similarity
from extractor.evaluation.metrics import field_counts
from extractor.models import Article, GoldIncident, GroundedIncident
from extractor.pipeline.article import extract_one
from extractor.pipeline.dates import date_incidents
from extractor.text.dates import resolve_date

from .conftest import COMPLETIONS, article_of, extraction_reply, incident, records, request_json, run_cli

TUESDAY = dt.date(2026, 2, 17)
PUBLISHED = dt.datetime(2026, 2, 17, 9, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("words", "day", "precision"),
    [
        ("on Sunday", "2026-02-15", 1),
        ("Monday night", "2026-02-16", 1),
        ("12 February", "2026-02-12", 1),
        ("last week", "2026-02-12", 2),  # Monday 9 .. Sunday 15: its middle
        ("this week", "2026-02-16", 2),  # Monday 16 .. Tuesday 17 (never after publication)
        ("in recent days", "2026-02-14", 2),
        ("last weekend", "2026-02-14", 2),
        ("last month", "2026-01-16", 3),
        ("earlier this month", "2026-02-09", 3),
        ("in August", "2025-08-16", 3),  # the latest August not after publication
        ("late January", "2026-01-26", 3),
    ],
)
def test_words_give_a_day_a_week_or_a_month(words: str, day: str, precision: int) -> None:
    assert resolve_date(words, TUESDAY) == (dt.date.fromisoformat(day), precision)


def test_words_that_date_nothing_give_nothing() -> None:
    assert resolve_date("earlier this year", TUESDAY) is None
    assert resolve_date("it may be", TUESDAY) is None, "the verb is no month"
    assert resolve_date(None, TUESDAY) is None
    assert resolve_date("on Sunday", None) is None, "a weekday needs the publication date"
    assert resolve_date("On 27 August 1975", None) == (dt.date(1975, 8, 27), 1), "a full date needs nothing"


def _grounded(**fields: object) -> GroundedIncident:
    return GroundedIncident(**incident("Gunmen attacked the town.", **fields), grounded=True)


def test_an_undated_report_gets_the_publication_date_with_week_precision() -> None:
    (got,), notes = date_incidents([_grounded(date=None, date_text=None)], PUBLISHED)
    assert (got.date, got.time_precision, got.date_source) == ("2026-02-17", 2, "published")
    assert notes == []


def test_words_vaguer_than_a_week_give_the_publication_date_with_month_precision() -> None:
    (got,), _ = date_incidents([_grounded(date=None, date_text="earlier this year")], PUBLISHED)
    assert (got.date, got.time_precision, got.date_source) == ("2026-02-17", 3, "published")


def test_a_day_from_the_text_has_precision_1_and_a_span_its_own_precision() -> None:
    sunday, week, month = date_incidents(
        [_grounded(date="2026-02-15", date_text="on Sunday"), _grounded(date=None, date_text="last week"),
         _grounded(date=None, date_text="last month")], PUBLISHED,
    )[0]  # fmt: skip
    assert (sunday.date, sunday.time_precision, sunday.date_source) == ("2026-02-15", 1, "text")
    assert (week.date, week.time_precision, week.date_source) == ("2026-02-12", 2, "text")
    assert (month.date, month.time_precision, month.date_source) == ("2026-01-16", 3, "text")


def test_a_model_day_inside_the_span_stands_and_one_outside_is_moved_with_a_note() -> None:
    (inside, outside), notes = date_incidents(
        [_grounded(date="2026-02-10", date_text="last week"), _grounded(date="2025-11-02", date_text="last week")],
        PUBLISHED,
    )
    assert (inside.date, inside.time_precision) == ("2026-02-10", 2)
    assert (outside.date, outside.time_precision) == ("2026-02-12", 2)
    assert notes == ["incident 1: date 2025-11-02 set to 2026-02-12 from date_text 'last week' (time precision 2)"]


def test_a_model_date_that_is_the_publication_day_with_no_date_words_is_the_publication_date() -> None:
    (guess, read), _ = date_incidents(
        [_grounded(date="2026-02-17", date_text=None), _grounded(date="2026-02-11", date_text=None)], PUBLISHED
    )
    assert (guess.time_precision, guess.date_source) == (2, "published")
    assert (read.date, read.time_precision, read.date_source) == ("2026-02-11", 1, "text")


def test_without_a_publication_date_a_relative_day_stays_undated() -> None:
    (got,), _ = date_incidents([_grounded(date=None, date_text="on Sunday")], None)
    assert (got.date, got.time_precision, got.date_source) == (None, None, None)


def test_the_baseline_dates_every_incident_of_a_dated_article() -> None:
    article = Article(
        id="b1", title="Attack in Maiduguri", published=PUBLISHED,
        text="Gunmen killed five soldiers in Maiduguri last week, the army said.\n\n"
             "Separately, suspected Boko Haram fighters killed three farmers in Gwoza.",
    )  # fmt: skip
    record = asyncio.run(extract_one(article, BaselineBackend()))
    assert record.incidents, record
    assert all(i.date is not None and i.time_precision in (1, 2, 3) and i.date_source for i in record.incidents)
    first = record.incidents[0]
    assert (first.date, first.time_precision, first.date_source) == ("2026-02-12", 2, "text")


def test_an_llm_reply_without_a_date_gets_the_publication_date_on_the_record(feed: str, httpx2_mock) -> None:
    def reply(request):
        return extraction_reply(article_of(request), date=None, date_text=None)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=reply)

    result = run_cli(feed, "--concurrency", "1")

    assert result.exit_code == 0, result.output
    assert route.call_count == 3
    assert "time_precision" not in str(request_json(route.calls[0])), "the model is never asked for the precision"
    got = records()["a1"].incidents[0]
    assert (got.date, got.time_precision, got.date_source) == ("2024-09-19", 2, "published")


def _gold(**fields: object) -> GoldIncident:
    return GoldIncident(**incident("Gunmen attacked the town.", **fields), event_id="e")


def test_the_scorer_reads_a_date_within_its_precision() -> None:
    gold = _gold(date="2026-02-11")
    assert date_in_range("2026-02-17", gold, 2), "a week's date 6 days off meets the gold day"
    assert not date_in_range("2026-02-17", gold, 1) and not date_in_range("2026-02-17", gold)
    assert not date_in_range("2026-02-20", gold, 2) and date_in_range("2026-02-20", gold, 3)
    week = _grounded(date="2026-02-17", date_text=None).model_copy(update={"time_precision": 2})
    counts = field_counts(week, gold)
    assert (counts["date_in_range"].tp, counts["date"].fp, counts["date"].fn) == (1, 0, 1), (
        "a week is no claim of the exact day"
    )
    within = _gold(date="2026-02-11", time_precision=2)
    assert date_in_range("2026-02-17", within), "a gold date with its own precision"


def test_a_publication_date_is_no_evidence_for_alignment() -> None:
    gold = _gold(date="2026-01-01")
    undated = _grounded(date=None, date_text=None)
    published = undated.model_copy(update={"date": "2026-02-17", "time_precision": 2, "date_source": "published"})
    assert similarity(published, gold) == similarity(undated, gold)


# Summaries (baseline): one sentence from the act sentence, never "Unknown in an unidentified place".


def _baseline(text: str, title: str = "Attack", published: dt.datetime | None = PUBLISHED) -> list[GroundedIncident]:
    article = Article(id="s1", title=title, published=published, text=text)
    return asyncio.run(extract_one(article, BaselineBackend())).incidents


def test_the_baseline_summary_is_the_act_sentence_with_the_place_and_day_it_leaves_out() -> None:
    (got,) = _baseline("MAIDUGURI, Nigeria (AP) — Gunmen killed five soldiers in Maiduguri on Sunday, the army said.\n\n"
                       "The army gave no other details.")  # fmt: skip
    assert got.summary == "Gunmen killed five soldiers in Maiduguri on Sunday, the army said (Nigeria; 2026-02-15)."


def test_a_summary_without_place_or_date_is_still_the_sentence_never_unknown() -> None:
    (got,) = _baseline("[TEXT] Gunmen killed three villagers, police said.", published=None)
    assert got.summary == "Gunmen killed three villagers, police said."
    assert "Unknown" not in got.summary and "unidentified place" not in got.summary


def test_a_publication_date_is_neither_right_nor_wrong_where_the_gold_knows_no_date() -> None:
    undated_gold = _gold(date=None)
    published = _grounded(date="2026-02-17", date_text=None).model_copy(
        update={"time_precision": 2, "date_source": "published"}
    )
    assert field_counts(published, undated_gold)["date_in_range"].model_dump(include={"tp", "fp", "fn"}) == {
        "tp": 0, "fp": 0, "fn": 0,
    }  # fmt: skip
    read = published.model_copy(update={"date_source": "text"})
    assert field_counts(read, undated_gold)["date_in_range"].fp == 1, "a date read from the text is a claim"
