"""date_mentions skips a sentence with no date word before running its pattern: every form the pattern reads
must still be found, in any case."""

import datetime as dt

import pytest

from extractor.text.dates import date_mentions

PUBLISHED = dt.date(2024, 9, 18)

FORMS = [
    "on Monday",
    "Sunday night's",
    "12 March",
    "the 3rd of June",
    "Sept. 4, 2024",
    "Dec 1",
    "yesterday",
    "today",
    "tonight",
    "this morning",
    "this afternoon",
    "last night",
    "earlier today",
    "three days ago",
    "last week",
    "last month",
    "earlier this week",
    "earlier this month",
    "last weekend",
    "recently",
    "a day after",
    "two days later",
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("case", [str, str.upper])
def test_every_form_is_still_found(form, case):
    sentence = case(f"Gunmen attacked the village {form}, officials said.")
    assert date_mentions(sentence, PUBLISHED), sentence


def test_a_sentence_without_date_words_has_no_mentions():
    assert date_mentions("Gunmen attacked the village, killing 12 people, officials said.", PUBLISHED) == []
