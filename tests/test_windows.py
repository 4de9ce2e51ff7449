"""Long articles split into overlapping windows instead of cut: split points, the cap, merging across windows,
grounding against the whole text, the record's window count, and what every window request carries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from extractor.cli import app
from extractor.llm.prompts import part_note
from extractor.models import Count, Incident
from extractor.pipeline.merge import merge_windows
from extractor.pipeline.windows import split_windows

from .conftest import BASE_URL, COMPLETIONS, SECRET, article_of, completion, incident, records, request_json, runner

FILLER = "Observers in the capital discussed the economy, the price of bread and the coming elections at length. "
AMBUSH = "Gunmen killed five soldiers near Tillaberi on Sunday, the army said."
BOMB = "A car bomb killed twelve people at the market in Gao on Monday, officials said."
RAID = "Militants stormed a police post in Menaka on Tuesday, killing two officers."
CONTEXT = "The region has seen a surge of violence since the coup of July last year."


def paragraph(n: int, lead: str = "") -> str:
    text = f"{lead} " if lead else ""
    while len(text) < 230:
        text += FILLER
    return f"Part {n}. " + text.strip()


# Eight paragraphs of 290-320 characters: windows of 700 hold two, overlapping by one.
PARAGRAPHS = [
    paragraph(0, AMBUSH),
    paragraph(1, CONTEXT),
    paragraph(2),
    paragraph(3, BOMB),
    paragraph(4),
    paragraph(5),
    paragraph(6),
    paragraph(7, RAID),
]
LONG_TEXT = "\n\n".join(PARAGRAPHS)
ATTACKS = {
    AMBUSH: {"location": "Tillaberi", "attack_type": "armed_assault", "killed": {"min": 5, "max": 5}},
    BOMB: {"location": "Gao", "attack_type": "bombing", "killed": {"min": 12, "max": 12}, "country": "Mali"},
    RAID: {"location": "Menaka", "attack_type": "armed_assault", "killed": {"min": 2, "max": 2}, "country": "Mali"},
}


# --- splitting -------------------------------------------------------------------------------------------------


def test_windows_end_at_paragraphs_overlap_by_one_and_cover_the_text() -> None:
    split = split_windows(LONG_TEXT, 700, 8)

    assert split.needed == len(split.windows) == 7 and not split.capped and split.unread is None
    starts = {LONG_TEXT.index(p) for p in PARAGRAPHS}
    ends = {LONG_TEXT.index(p) + len(p) for p in PARAGRAPHS}
    for window in split.windows:
        assert window.text == LONG_TEXT[window.start : window.end] and len(window.text) <= 700
        assert window.start in starts and window.end in ends
    for before, after in zip(split.windows, split.windows[1:]):
        shared = LONG_TEXT[after.start : before.end]
        assert shared in PARAGRAPHS, "consecutive windows share exactly one paragraph"
    assert split.windows[0].start == 0 and split.windows[-1].end == len(LONG_TEXT)


def test_a_short_article_is_one_window_holding_it_whole() -> None:
    split = split_windows("Short text.\n\nTwo paragraphs.", 700, 8)

    assert [(w.index, w.text) for w in split.windows] == [(1, "Short text.\n\nTwo paragraphs.")]


def test_a_giant_paragraph_is_split_at_sentences_and_a_giant_sentence_at_spaces() -> None:
    sentence = "The committee met again to discuss the report in detail. "
    text = (sentence * 30).strip()
    split = split_windows(text, 500, 20)

    assert len(split.windows) > 3
    for window in split.windows:
        assert window.text.startswith("The committee") and window.text.endswith("detail.") and len(window.text) <= 500
    words = " ".join(["word"] * 400)  # one 2,000-character sentence
    pieces = split_windows(words, 500, 20).windows
    assert all(len(w.text) <= 500 and w.text.startswith("word") and w.text.endswith("word") for w in pieces)
    assert " ".join(w.text for w in pieces).count("word") >= 400


def test_the_window_cap_reads_the_first_windows_and_reports_the_rest() -> None:
    split = split_windows(LONG_TEXT, 700, 3)

    assert len(split.windows) == 3 and split.needed == 7 and split.capped
    assert split.unread == (split.windows[-1].end, len(LONG_TEXT))
    assert RAID not in "".join(w.text for w in split.windows)


# --- merging ---------------------------------------------------------------------------------------------------


def make(quote: str, **overrides: object) -> Incident:
    return Incident.model_validate(incident(quote, **overrides))


def test_the_same_attack_seen_in_two_windows_is_merged_with_the_most_specific_fields() -> None:
    first = make(BOMB, location="Gao", date=None, killed={"min": 12, "max": None}, attack_type="unknown",
                 perpetrators=[], primary=False)  # fmt: skip
    second = make(BOMB, location="Gao", date="2024-09-16", killed={"min": 12, "max": 12}, attack_type="bombing",
                  perpetrators=[{"name": "JNIM", "attribution": "suspected"}])  # fmt: skip
    second = second.model_copy(update={"evidence": [BOMB, "officials said the market was crowded"]})

    merged = merge_windows([[first], [second]])

    assert len(merged) == 1
    one = merged[0]
    assert one.date == "2024-09-16" and one.attack_type == "bombing" and one.primary
    assert one.killed == Count(min=12, max=12)  # a closed range beats an open one
    assert [p.name for p in one.perpetrators] == ["JNIM"]
    assert one.evidence == [BOMB, "officials said the market was crowded"]  # the union, the shared quote once


def test_different_attacks_and_one_window_s_own_list_are_never_merged() -> None:
    ambush, bomb = make(AMBUSH, location="Tillaberi"), make(BOMB, location="Gao", attack_type="bombing")
    other_day = make(AMBUSH, location="Tillaberi", date="2024-09-01")
    same_window_twice = [make(RAID, location="Menaka"), make(RAID, location="Menaka")]

    assert len(merge_windows([[ambush], [bomb]])) == 2  # different places and types
    assert len(merge_windows([[ambush], [other_day]])) == 2  # the dates disagree
    assert len(merge_windows([same_window_twice])) == 2  # the model's own list is trusted
    assert len(merge_windows([same_window_twice[:1], same_window_twice[1:]])) == 1


# --- a run ------------------------------------------------------------------------------------------------------


def reply_for(request: httpx.Request) -> httpx.Response:
    """An incident for every known attack sentence in the window; the last window also quotes a sentence that only
    the first windows hold (it is in the article, so it is grounded)."""
    window = article_of(request)
    user = request_json_body(request)["messages"][1]["content"]
    found = []
    for sentence, fields in ATTACKS.items():
        if sentence in window:
            found.append(incident(sentence, **fields))
    if "part 7 of 7" in user and found:
        found[-1]["evidence"] = [found[-1]["evidence"][0], CONTEXT]
    return completion(json.dumps({"incidents": found}), prompt_tokens=150, completion_tokens=40)


def request_json_body(request: httpx.Request) -> dict:
    return json.loads(request.content)


@pytest.fixture
def long_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    path = tmp_path / "articles.jsonl"
    line = {"id": "long-1", "title": "Sahel: a long analysis", "text": LONG_TEXT, "published": "2024-09-19T08:00:00Z"}
    path.write_text(json.dumps(line) + "\n")
    return str(path)


def run(source: str, *args: str):
    return runner.invoke(
        app,
        ["run", source, "--model", "test-model", "--base-url", BASE_URL, "-o", "out.jsonl", "-q",
         "--max-input-chars", "700", "--concurrency", "1", *args],
    )  # fmt: skip


def test_a_long_article_is_read_window_by_window_and_its_incidents_merged(long_input: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=reply_for)

    result = run(long_input)

    assert result.exit_code == 0, result.output
    assert route.call_count == 7
    bodies = [request_json(call) for call in route.calls]
    windows = [article_of(call.request) for call in route.calls]
    assert "".join(windows).count(BOMB) == 2, "the bomb paragraph sits in two windows"
    for n, (body, window) in enumerate(zip(bodies, windows), start=1):
        user = body["messages"][1]["content"]
        assert user.startswith("Title: Sahel: a long analysis\nPublished: Thursday 2024-09-19")
        assert user.endswith(part_note(n, 7)) and f"part {n} of 7" in user
        assert window in LONG_TEXT and len(window) <= 700
        assert body["messages"][0] == bodies[0]["messages"][0], "the system prompt is the same for every window"
    record = records()["long-1"]
    assert record.status == "ok" and record.windows == 7 and not record.window_cap_hit
    assert sorted(i.location for i in record.incidents) == ["Gao", "Menaka", "Tillaberi"]  # 4 found, 3 kept
    raid = next(i for i in record.incidents if i.location == "Menaka")
    assert raid.evidence == [RAID, CONTEXT] and CONTEXT not in windows[-1]
    assert raid.grounded and raid.ungrounded_quotes == [], "quotes are grounded against the whole article"
    assert record.provenance.attempts == 7 and record.provenance.usage.total_tokens == 7 * 190
    assert not any("truncated" in w for w in record.warnings)
    assert "1 long articles read in 7 windows" in result.stderr


def test_the_window_cap_bounds_the_requests_and_is_reported(long_input: str, httpx2_mock) -> None:
    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=reply_for)

    result = run(long_input, "--max-windows", "3")

    assert result.exit_code == 0, result.output
    assert route.call_count == 3
    assert all("of 7 of a longer article" in request_json(c)["messages"][1]["content"] for c in route.calls)
    record = records()["long-1"]
    assert record.windows == 3 and record.window_cap_hit
    assert [i.location for i in record.incidents] == ["Tillaberi", "Gao"]  # the raid is past the cap
    warning = next(w for w in record.warnings if "max_windows" in w)
    start = re.search(r"characters (\d+)-(\d+)", warning)
    assert start and int(start[2]) == len(LONG_TEXT) and RAID in LONG_TEXT[int(start[1]) :]
    assert "1 with their end unread at the window cap" in result.stderr


def test_each_window_is_cached_apart_and_a_failed_window_fails_the_article(long_input: str, httpx2_mock) -> None:
    state = {"fail_raid": True}

    def server(request: httpx.Request) -> httpx.Response:
        if state["fail_raid"] and RAID in article_of(request):
            return completion("not json at all")
        return reply_for(request)

    route = httpx2_mock.post(COMPLETIONS).mock(side_effect=server)
    failed = run(long_input, "--config", str(write_config()))

    assert failed.exit_code == 1
    record = records()["long-1"]
    assert record.status == "failed" and record.error.startswith("part 7 of 7: output still invalid")
    assert record.provenance.attempts == route.call_count == 6 + 1  # six windows answered, the last failed once
    state["fail_raid"] = False
    again = run(long_input, "--config", str(write_config()))

    assert again.exit_code == 0, again.output
    assert route.call_count == 7 + 1, "only the failed window is asked again"
    assert "part 7 of 7" in request_json(route.calls[-1])["messages"][1]["content"]
    assert records()["long-1"].windows == 7 and len(records()["long-1"].incidents) == 3


def write_config() -> Path:
    path = Path("strict.toml")
    path.write_text("max_reasks = 0\nmax_attempts = 1\n")
    return path


def test_a_bad_max_windows_in_the_config_is_a_one_line_error(long_input: str) -> None:
    Path("extract.toml").write_text("max_windows = 0\n")

    result = run(long_input)

    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "setting max_windows" in result.stderr and "config file extract.toml" in result.stderr
    assert not Path("out.jsonl").exists() or not Path("out.jsonl").read_text()
