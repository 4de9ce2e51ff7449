"""Events across articles: a table of merging cases, reconciled figures and claims, stable ids (in memory and through
the database), and the `extract events` command."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.events import Rules, build_events
from extractor.events.figures import conservative
from extractor.events.rules import Member, compatible, distance_km
from extractor.models import Count, GroundedIncident

from .conftest import GOLDEN_FEED, incident

runner = CliRunner()


class Located(GroundedIncident):
    """An incident with the optional coordinates the gazetteer adds."""

    latitude: float | None = None
    longitude: float | None = None


def member(article: str, n: int = 0, published: str = "2024-09-19", **fields) -> Member:
    values = incident("quote", **{"country": "Mali", "region": "Bamako", "location": None, "date": "2024-09-17",
                                  "killed": None, "wounded": None, **fields})  # fmt: skip
    inc = Located(**values, grounded=True) if "latitude" in fields else GroundedIncident(**values, grounded=True)
    return Member(key=f"{article}#{n}", article_id=article, incident=inc, outlet=f"{article}.test",
                  published=dt.datetime.fromisoformat(published).replace(tzinfo=dt.timezone.utc))  # fmt: skip


SCHOOL = {"location": "Faladié", "targets": [{"type": "police", "description": "gendarmerie school"}]}
AIRPORT = {"location": "Air Base 101", "targets": [{"type": "military", "description": "air base"},
                                                   {"type": "aviation", "description": "planes"}]}  # fmt: skip
JNIM = [{"name": "Jama'at Nusrat al-Islam wal-Muslimin", "attribution": "claimed"}]

CASES = {
    "same event in three articles, its date worded three ways": (
        [member("a", date="2024-09-17", date_text="on Tuesday"),
         member("b", date="2024-09-18", date_text="yesterday", published="2024-09-19"),  # resolved a day off
         member("c", date=None, date_text="this week", published="2024-09-20")],
        [["a", "b", "c"]],
    ),
    "two attacks on one day in one city stay apart, each joined by its own reports": (
        [member("a", 0, **SCHOOL), member("a", 1, **AIRPORT),
         member("b", 0, **{**AIRPORT, "location": "Bamako airport"}),
         member("c", 0, **{**SCHOOL, "location": "Bamako"})],  # a city-level report of the school
        [["a#0", "c#0"], ["a#1", "b#0"]],
    ),
    "a bombing and an assault on one day in one city are two events": (
        [member("a", attack_type="bombing", location="Grand Marché"),
         member("b", attack_type="armed_assault", location="Kati road")],
        [["a"], ["b"]],
    ),
    "different perpetrators are different events": (
        [member("a", perpetrators=JNIM), member("b", perpetrators=[{"name": "ISWAP", "attribution": "claimed"}])],
        [["a"], ["b"]],
    ),
    "an acronym names the same group": (
        [member("a", perpetrators=JNIM), member("b", perpetrators=[{"name": "JNIM", "attribution": "claimed"}])],
        [["a", "b"]],
    ),
    "a week apart is another event": (
        [member("a", date="2024-09-10", published="2024-09-11"), member("b", date="2024-09-17")],
        [["a"], ["b"]],
    ),
    "coordinates decide over names: 5 km apart is one place, 300 km another": (
        [member("a", location="Sénou", latitude=12.53, longitude=-7.95),
         member("b", location="Bamako airport", latitude=12.55, longitude=-7.99),
         member("c", location="Ségou", latitude=13.43, longitude=-6.26)],
        [["a", "b"], ["c"]],
    ),
    "two incidents of one article never merge unless duplicates": (
        [member("a", 0, location="Gao"), member("a", 1, location="Gao", attack_type="bombing"),
         member("a", 2, location="Gao")],  # a#2 repeats a#0
        [["a#0", "a#2"], ["a#1"]],
    ),
}  # fmt: skip


def _groups(events) -> list[list[str]]:
    keys = [sorted(s.incident_key for s in e.sources) for e in events]
    return sorted(keys)


def _expand(expected: list[list[str]]) -> list[list[str]]:
    return sorted(sorted(k if "#" in k else f"{k}#0" for k in group) for group in expected)


@pytest.mark.parametrize("case", list(CASES))
def test_merging(case: str) -> None:
    members, expected = CASES[case]
    assert _groups(build_events(members)) == _expand(expected)


def test_distance_is_none_without_coordinates_on_both_sides() -> None:
    located = member("a", latitude=12.53, longitude=-7.95).incident
    assert distance_km(located, member("b").incident) is None
    assert distance_km(located, member("c", latitude=13.43, longitude=-6.26).incident) == pytest.approx(209, abs=5)


def test_rules_are_tunable() -> None:
    a, b = member("a", date="2024-09-15"), member("b", date="2024-09-17")
    assert not compatible(a, b) and compatible(a, b, Rules(date_slack_days=2))


def test_a_claim_versus_an_official_toll() -> None:
    claim = {"by": "JNIM", "killed": {"min": 100, "max": None}, "wounded": None,
             "text": "JNIM reported having killed or wounded over 100 personnel"}  # fmt: skip
    members = [
        member("a", killed={"min": 2, "max": None}, claims=[claim]),  # the army's "some" deaths
        member("b", killed={"min": 5, "max": 5}),
        member("c", killed=None),  # no figure: says nothing
    ]

    (event,) = build_events(members)

    assert event.killed == Count(min=2, max=None), "the most conservative range every source supports"
    assert [(s.article_id, s.killed) for s in event.sources] == [
        ("a", Count(min=2, max=None)), ("b", Count(min=5, max=5)), ("c", None)]  # fmt: skip
    assert [(c.by, c.article_id, c.outlet, c.killed) for c in event.claims] == [
        ("JNIM", "a", "a.test", Count(min=100, max=None))]  # fmt: skip
    assert event.n_sources == 3 and event.outlets == ["a.test", "b.test", "c.test"]


def test_sources_that_agree_give_their_range() -> None:
    assert conservative([Count(min=5, max=5), None, Count(min=5, max=5)]) == Count(min=5, max=5)
    assert conservative([None, None]) is None


def test_ids_are_stable_across_reruns_and_when_a_new_article_joins() -> None:
    first = build_events([member("b", published="2024-09-19"), member("c", published="2024-09-20")])
    again = build_events([member("c", published="2024-09-20"), member("b", published="2024-09-19")])
    assert [e.event_id for e in first] == [e.event_id for e in again]

    previous = {s.incident_key: e.event_id for e in first for s in e.sources}
    joined = build_events([member("a", published="2024-09-18"), member("b", published="2024-09-19"),
                           member("c", published="2024-09-20")], previous=previous)  # fmt: skip

    assert [e.event_id for e in joined] == [first[0].event_id], "an earlier article joining keeps the id"
    assert build_events([member("a", published="2024-09-18")])[0].event_id != first[0].event_id


def test_extract_events_keeps_ids_when_run_again_and_tunes_the_rules() -> None:
    assert runner.invoke(app, ["run", str(GOLDEN_FEED), "--model", "baseline", "--db", "x.db", "-q",
                               "--no-events"]).exit_code == 0  # fmt: skip

    first = runner.invoke(app, ["events", "--db", "x.db"])
    again = runner.invoke(app, ["events", "--db", "x.db"])
    strict = runner.invoke(app, ["events", "--db", "x.db", "--min-affinity", "1", "--show", "0"])

    assert first.exit_code == again.exit_code == strict.exit_code == 0, first.output
    assert "12 events from 15 incidents (2 reported by more than one article)" in first.stderr
    assert first.stdout == again.stdout and "Bamako" in first.stdout
    assert "15 events from 15 incidents (0 reported" in strict.stderr


def _borderline_db() -> None:
    """Two reports the rules allow but do not merge: same day and region, a bombing and a suicide attack on
    different targets (affinity 0.40, just under 0.45), whose texts share little (cosine under 0.2)."""
    from extractor.models import Article, ArticleRecord, Provenance
    from extractor.store.database import open_db
    from extractor.store.dbsink import DatabaseSink

    db = open_db("x.db")
    sink = DatabaseSink(db, db.register_run({"model": "m", "config_hash": "c"}))
    texts = ["A blast hit a gendarmerie post in Bamako on Tuesday, destroying two vehicles.",
             "A suicide bomber struck civilians queueing at a crowded market near the river."]
    for n, (kind, target) in enumerate([("bombing", "police"), ("suicide_attack", "civilians")]):
        text = texts[n]
        art = Article(id=f"r{n}", title=f"Report {n}", text=text, link=f"https://o{n}.test/x")
        inc = GroundedIncident(**incident(text, country="Mali", region="Bamako", date="2024-09-17", attack_type=kind,
                                          targets=[{"type": target, "description": target}]), grounded=True)  # fmt: skip
        for _ in sink.select([art]):
            sink.write(ArticleRecord(article_id=art.id, title=art.title, status="ok", incidents=[inc],
                                     provenance=Provenance(backend="t", model="m", schema_hash="s")))  # fmt: skip
    sink.close()


def test_adjudicate_asks_the_llm_about_a_borderline_pair_once(httpx2_mock, monkeypatch) -> None:
    import json

    from .conftest import BASE_URL, COMPLETIONS, SECRET, completion, request_json

    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    _borderline_db()
    route = httpx2_mock.post(COMPLETIONS).mock(
        return_value=completion(json.dumps({"same_event": True, "reason": "the same blast"}))
    )
    ask = ["events", "--db", "x.db", "--adjudicate", "--model", "judge-model", "--base-url", BASE_URL]

    plain = runner.invoke(app, ["events", "--db", "x.db"])
    first = runner.invoke(app, ask)
    again = runner.invoke(app, ask)

    assert "2 events from 2 incidents" in plain.stderr
    assert first.exit_code == again.exit_code == 0, first.output
    assert "1 events from 2 incidents (1 reported by more than one article)" in first.stderr
    assert "1 events from 2 incidents" in again.stderr and route.call_count == 1, "the answer is cached"
    body = request_json(route.calls[0])
    assert body["model"] == "judge-model" and body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["same_event", "reason"]
    user = body["messages"][1]["content"]
    assert "gendarmerie post" in user and "crowded market" in user, "both articles' evidence"
    from extractor.store.database import open_db

    with open_db("x.db") as db:
        assert db.query("SELECT same_event, reason, model FROM adjudications") == [
            {"same_event": 1, "reason": "the same blast", "model": "judge-model"}]  # fmt: skip
    from pathlib import Path

    assert all(SECRET.encode() not in f.read_bytes() for f in Path().glob("x.db*")), "no key in the database"


def test_a_no_keeps_the_pair_apart_and_adjudicate_needs_an_llm(httpx2_mock, monkeypatch) -> None:
    import json

    from .conftest import BASE_URL, COMPLETIONS, completion

    _borderline_db()
    offline = runner.invoke(app, ["events", "--db", "x.db", "--adjudicate"])
    assert offline.exit_code == 2 and "--adjudicate needs an LLM" in offline.output

    monkeypatch.setenv("OPENAI_API_KEY", "k-1234")
    route = httpx2_mock.post(COMPLETIONS).mock(return_value=completion(json.dumps({"same_event": False, "reason": "no"})))
    result = runner.invoke(app, ["events", "--db", "x.db", "--adjudicate", "--model", "j", "--base-url", BASE_URL])
    assert result.exit_code == 0 and route.call_count == 1 and "2 events from 2 incidents" in result.stderr


def test_the_events_view_lists_newest_first_and_counts_what_it_left_out() -> None:
    assert runner.invoke(app, ["run", str(GOLDEN_FEED), "--model", "baseline", "--db", "v.db", "-q"]).exit_code == 0
    result = runner.invoke(app, ["events", "--db", "v.db", "--show", "3"])
    assert result.exit_code == 0, result.output
    assert "12 events from 15 incidents" in result.stderr and "9 older events not shown" in result.stderr
    dates = [line.split("│")[2].strip() for line in result.stdout.splitlines() if line.startswith("│ ev-")]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2024-09-17" and len(dates) == 3
    every = runner.invoke(app, ["events", "--db", "v.db", "--show", "50"])
    assert "not shown" not in every.stderr


def test_events_help_lists_only_its_own_options() -> None:
    text = runner.invoke(app, ["events", "--help"], env={"COLUMNS": "200"}).stdout
    for own in ("--db", "--run", "--min-affinity", "--show", "--adjudicate", "--model", "--base-url", "--config"):
        assert own in text
    for foreign in ("--prompt", "--concurrency", "--max-windows", "--prefilter", "--no-cache", "--structured-output"):
        assert foreign not in text, foreign


def report(article: str, text: str, title: str, published: str = "2026-02-17", **fields) -> Member:
    """A report with its own words (headline, summary, evidence) and no structured date or place by default."""
    values = incident(text, **{"country": None, "region": None, "location": None, "date": None, "date_text": None,
                               "summary": text, **fields})  # fmt: skip
    return Member(key=f"{article}#0", article_id=article, incident=GroundedIncident(**values, grounded=True),
                  outlet=f"{article}.test", title=title,
                  published=dt.datetime.fromisoformat(published).replace(tzinfo=dt.timezone.utc))  # fmt: skip


BOATS = dict(attack_type="air_or_drone_strike", targets=[{"type": "other", "description": "alleged drug boats"}])
SHOOTING = dict(attack_type="armed_assault", targets=[{"type": "civilians", "description": "people"},
                                                      {"type": "education", "description": "school"}])  # fmt: skip


def test_the_reports_text_merges_what_the_fields_cannot() -> None:
    members = [
        report("elpais", "The United States killed 11 people in three new strikes on alleged drug-running boats in the "
               "Caribbean and the Pacific, Southern Command said.", "US kills 11 in three new strikes on drug boats",
               perpetrators=[{"name": "United States", "attribution": "reported_as_fact"}], **BOATS),
        report("japantoday", "Strikes on three more alleged drug boats in the Caribbean and eastern Pacific killed 11 "
               "people, the U.S. military says.", "Strikes on 3 more alleged drug boats kill 11 people",
               perpetrators=[{"name": "U.S. military", "attribution": "reported_as_fact"}], **BOATS),
        report("wapo", "The Pentagon announced strikes on three alleged drug boats that killed 11 people in the "
               "Caribbean and the Pacific.", "Drug boat strikes continue",
               perpetrators=[{"name": "Pentagon", "attribution": "reported_as_fact"}], **BOATS),
    ]  # fmt: skip
    (event,) = build_events(members)
    assert event.n_sources == 3 and event.confidence is not None and 0.45 <= event.confidence <= 1


def test_little_shared_text_keeps_two_undated_shootings_apart() -> None:
    canada = report("media", "The Tumbler Ridge shooter built a mall shooting simulator in Roblox before killing people "
                    "at the secondary school.", "Tumbler Ridge shooter created a mall shooting simulator",
                    published="2026-02-12", country="Canada", **SHOOTING)  # fmt: skip
    rink = report("bbc", "Police identified the suspect in the Pawtucket ice rink shooting that wounded people during a "
                  "school hockey game.", "Police identify suspect in Rhode Island ice rink shooting", **SHOOTING)
    assert compatible(canada, rink), "the fields alone do not tell them apart (no country on one side)"
    events = build_events([canada, rink])
    assert len(events) == 2 and all(e.confidence is None for e in events)


def test_state_forces_named_by_their_institutions_are_one_actor() -> None:
    from extractor.events.rules import names_match

    assert names_match("United States", "the Pentagon") and names_match("U.S. military", "US forces")
    assert names_match("Israel's army", "IDF") and not names_match("Mali army", "Niger army")
    assert not names_match("Boko Haram", "ISWAP")


def test_a_date_known_to_the_month_is_compatible_within_its_month() -> None:
    month = member("a", date="2024-09-01", time_precision=3)
    assert compatible(month, member("b", date="2024-09-25")) and not compatible(month, member("c", date="2024-10-05"))
    week = member("d", date="2024-09-10", time_precision=2)
    assert compatible(week, member("e", date="2024-09-13")) and not compatible(week, member("f", date="2024-09-20"))


def test_candidate_pairs_are_blocked_not_every_pair() -> None:
    from extractor.events.cluster import candidate_pairs, text_vectors

    countries = ["Mali", "Niger", "Chad", "Sudan", "Iraq", "Syria", "Peru", "Chile", "Nepal", "Laos"]
    members = [
        member(f"x{k}", country=countries[k % 10], region=None,
               date=(dt.date(2024, 1, 1) + dt.timedelta(days=k // 10 * 3)).isoformat(), evidence=[f"word{k} happened"])
        for k in range(300)
    ]  # fmt: skip
    pairs = candidate_pairs(members, Rules(), text_vectors(members))
    assert len(pairs) < 300, f"{len(pairs)} of {300 * 299 // 2} pairs: only those sharing a block"
    twin = member("twin", country="Mali", region=None, date=members[0].incident.date, evidence=["another"])
    assert (0, 300) in candidate_pairs([*members, twin], Rules(), None), "same country, same day: a candidate"


def test_reports_that_say_nothing_of_when_never_merge_on_text() -> None:
    words = "Militants killed five soldiers in an attack on a military outpost, the army said."
    undated = [report(k, words, "Attack on outpost", date=None, **SHOOTING) for k in ("a", "b")]
    unpublished = [m.__class__(**{**m.__dict__, "published": None}) for m in undated]
    assert len(build_events(undated)) == 1, "published the same week, the same words: one event"
    assert len(build_events(unpublished)) == 2, "no date and no publication date: the text alone cannot merge them"


def test_reports_dated_by_their_publication_meet_through_shared_terms() -> None:
    from extractor.events.cluster import candidate_pairs, text_vectors

    texts = [("media", "The Tumbler Ridge shooter built a mall game before the secondary school attack.", "2026-02-12"),
             ("boston", "Police said 25 were wounded after the shooting at Tumbler Ridge Secondary School.", "2026-02-11")]
    members = [report(k, t, t, published=day, country="Canada", date=day, time_precision=2, date_source="published",
                      **SHOOTING) for k, t, day in texts]  # fmt: skip
    others = [report(f"o{k}", f"Unrelated report number {k} about markets and {k} weather", "News", country="Canada")
              for k in range(5)]  # fmt: skip
    pairs = candidate_pairs([*members, *others], Rules(), text_vectors([*members, *others]))
    assert (0, 1) in pairs, "dated only by publication: no day block, but 'tumbler', 'ridge' are shared terms"
    assert len(build_events(members)) == 1
