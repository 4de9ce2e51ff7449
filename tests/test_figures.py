"""Figures are grounded like quotes: a casualty range must be stated as such in the article, or it is set to null."""

from __future__ import annotations

import pytest

from extractor.evaluation.golden import named_sets
from extractor.models import Count, Incident
from extractor.pipeline.figures import check_figures

from .conftest import incident as incident_dict


def make(**counts: Count | None) -> Incident:
    values = {"killed": None, "wounded": None, "perpetrators_killed": None, "kidnapped": None} | counts
    return Incident.model_validate(incident_dict("quote of twelve characters", **values))


@pytest.mark.parametrize(
    ("text", "counts", "kept"),
    [
        ("Gunmen killed five soldiers and wounded 25 more.", {"killed": Count(min=5, max=5)}, True),
        ("Gunmen killed five soldiers and wounded 25 more.", {"wounded": Count(min=25, max=25)}, True),
        ("The new 10% tariff hit exporters hard; two people died in unrelated floods.", {"killed": Count(min=10, max=10)}, False),
        ("Police recorded 818 crimes last year. A man was killed on Sunday.", {"killed": Count(min=818, max=818)}, False),
        ("At least 81 people were killed in the blast.", {"killed": Count(min=81, max=None)}, True),
        ("Officials spoke of a purported 70 casualties.", {"killed": Count(min=70, max=70)}, False),
        ("Five soldiers and two civilians were killed.", {"killed": Count(min=7, max=7)}, True),
        ("The strike killed several terrorists, the army said.", {"perpetrators_killed": Count(min=3, max=None)}, True),
        ("The attack caused some loss of human lives.", {"killed": Count(min=2, max=None)}, True),
        ("Mayor Juan Perez was shot dead outside his home.", {"killed": Count(min=1, max=1)}, True),
        ("Gunmen killed five soldiers.", {"wounded": Count(min=0, max=None)}, False),
        ("The bomb went off at night and no one was hurt.", {"wounded": Count(min=0, max=0)}, True),
        ("The bomb went off at night.", {"killed": Count(min=0, max=0)}, False),
        ("Dozens of villagers were abducted from the market.", {"kidnapped": Count(min=12, max=None)}, True),
        ("Between 6 and 8 people were injured.", {"wounded": Count(min=6, max=8)}, True),
    ],
)
def test_a_range_is_kept_only_when_the_article_states_it(text: str, counts: dict, kept: bool) -> None:
    (checked,), (notes,) = check_figures([make(**counts)], text)
    field = next(iter(counts))
    assert (getattr(checked, field) is not None) is kept
    assert bool(notes) is not kept
    if not kept:
        assert notes[0].startswith(f"{field} ") and "set to null" in notes[0]


def test_the_headline_counts_as_a_sentence() -> None:
    (checked,), _ = check_figures([make(killed=Count(min=9, max=9))], "A gunman opened fire at a school.", "Gunman kills 9")
    assert checked.killed == Count(min=9, max=9)


def test_gold_figures_of_the_seed_set_are_all_supported() -> None:
    """On development data the check corrects nothing a careful annotator wrote."""
    articles, gold = named_sets()["seed"].load()
    texts = {a.id: a for a in articles}
    corrections = [
        note
        for aid, label in gold.items()
        for notes in check_figures(label.incidents, texts[aid].text, texts[aid].title)[1]
        for note in notes
    ]
    assert corrections == []
