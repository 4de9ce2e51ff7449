"""Parsing model replies leniently, the re-ask text, grounding quotes against the article, the input budget."""

from __future__ import annotations

import json

import pytest

from extractor.llm.prompts import fit_budget
from extractor.llm.replies import InvalidOutput, parse_extraction, reask_message
from extractor.models import Incident
from extractor.pipeline.grounding import ground

from .conftest import incident

ARTICLE = "Gunmen killed “five soldiers” in Tillabéri on Sunday — the army said.\n\nIt was the third attack this month."


def test_fenced_and_chatty_replies_parse() -> None:
    payload = json.dumps({"incidents": [incident("Gunmen killed five soldiers")]})
    assert len(parse_extraction(f"```json\n{payload}\n```").incidents) == 1
    assert len(parse_extraction(f"Sure! Here is the JSON:\n{payload}\nHope it helps.").incidents) == 1
    assert parse_extraction("[]").incidents == []


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("no json here", "no JSON object"),
        ('{"incidents": [', "not valid JSON"),
        (json.dumps({"incidents": [incident("x", date="Sept 15")]}), "incidents.0.date"),
        (json.dumps({"incidents": [incident("x", killed={"min": 5, "max": 2})]}), "max (2) is below min (5)"),
        (json.dumps({"incidents": [incident("x", evidence=[])]}), "incidents.0.evidence"),
        (json.dumps({"incidents": [incident("x", attack_type="riot")]}), "incidents.0.attack_type"),
    ],
)
def test_invalid_replies_name_the_problem(reply: str, expected: str) -> None:
    with pytest.raises(InvalidOutput) as caught:
        parse_extraction(reply)
    assert expected in str(caught.value)
    assert expected in reask_message(caught.value)


@pytest.mark.parametrize(
    ("quote", "grounded"),
    [
        ('Gunmen killed "five soldiers" in Tillabéri on Sunday - the army said.', True),
        ("gunmen killed  five soldiers", True),
        ("Gunmen killed … on Sunday", True),
        ("on Sunday ... Gunmen killed", False),
        ("Gunmen killed six soldiers", False),
        ("the army", False),
    ],
)
def test_grounding_normalises_quotes_dashes_and_space(quote: str, grounded: bool) -> None:
    (checked,) = ground([Incident.model_validate(incident(quote))], ARTICLE)
    assert checked.grounded is grounded
    assert checked.ungrounded_quotes == ([] if grounded else [quote])


def test_one_grounded_quote_grounds_the_incident() -> None:
    (checked,) = ground([Incident.model_validate(incident("x", evidence=["Invented words.", "the third attack"]))], ARTICLE)
    assert checked.grounded is True
    assert checked.ungrounded_quotes == ["Invented words."]


def test_budget_cuts_at_a_paragraph_boundary() -> None:
    text, warning = fit_budget(ARTICLE, 80)
    assert text == ARTICLE.split("\n\n")[0]
    assert "truncated" in warning
    assert fit_budget(ARTICLE, 10_000) == (ARTICLE, None)


def test_a_quote_from_the_headline_is_grounded():
    title = "Strikes on three boats kill 11 people, U.S. military says"
    text = "The U.S. military said Tuesday that it carried out strikes on three boats."
    quoted = Incident(**incident(title))
    (with_title,) = ground([quoted], text, title)
    (without,) = ground([quoted], text)
    assert with_title.grounded and not with_title.ungrounded_quotes
    assert not without.grounded and without.ungrounded_quotes == [title]
