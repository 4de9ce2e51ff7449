"""One spending value: results and failures carry a Spend, and spends add up with `+`."""

from __future__ import annotations

from extractor import ExtractionFailed, RateLimited, Spend, SpendingFailure
from extractor.models import Usage


def test_spends_add_field_by_field_and_keep_warnings_in_order():
    a = Spend(attempts=1, reasks=1, usage=Usage(prompt_tokens=10, total_tokens=12, completion_tokens=2),
              cut_replies=1, cut_completion_tokens=2, warnings=["first"])  # fmt: skip
    b = Spend(attempts=2, usage=Usage(prompt_tokens=5, total_tokens=5, cached_tokens=4), warnings=["second"])
    total = a + b
    assert (total.attempts, total.reasks, total.cut_replies, total.cut_completion_tokens) == (3, 1, 1, 2)
    assert total.usage == Usage(prompt_tokens=15, completion_tokens=2, total_tokens=17, cached_tokens=4)
    assert total.warnings == ["first", "second"]
    assert a.warnings == ["first"] and a.attempts == 1, "adding does not change either side"


def test_labelled_names_each_warning_and_leaves_the_original():
    spent = Spend(attempts=2, warnings=["cut"])
    assert spent.labelled("part 2 of 3") == Spend(attempts=2, warnings=["part 2 of 3: cut"])
    assert spent.warnings == ["cut"]


def test_failures_carry_a_spend():
    assert isinstance(RateLimited("slow down").spent, Spend) and RateLimited("x").spent == Spend()
    failed = ExtractionFailed("bad", last_output="{", spent=Spend(attempts=3))
    assert isinstance(failed, SpendingFailure) and failed.spent.attempts == 3 and failed.last_output == "{"
