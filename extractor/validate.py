"""Checking what a backend returns: lenient JSON parsing, schema validation, the re-ask message, grounding."""

from __future__ import annotations

import json
import re
import unicodedata

from pydantic import ValidationError

from .models import Extraction, GroundedIncident, Incident

_FENCE = re.compile(r"^\s*```(?:json|JSON)?\s*\n?(.*?)\n?\s*```\s*$", re.S)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
                         "\u2212": "-", "\u00a0": " "})
MIN_QUOTE_CHARS = 12  # shorter "quotes" (a name, a number) prove nothing
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026|\[\.\.\.\])\s*")


class InvalidOutput(ValueError):
    """The model's reply is not valid JSON or does not match the schema; `str()` is the re-ask text."""


def parse_extraction(raw: str) -> Extraction:
    """Validate a model reply, tolerating Markdown fences and prose around the JSON object."""
    text = raw.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    if not text.startswith(("{", "[")):
        start, end = text.find("{"), text.rfind("}")
        if start == -1 or end < start:
            raise InvalidOutput("the reply holds no JSON object")
        text = text[start : end + 1]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidOutput(f"the reply is not valid JSON: {exc}") from None
    if isinstance(data, list):
        data = {"incidents": data}
    try:
        return Extraction.model_validate(data)
    except ValidationError as exc:
        raise InvalidOutput(_describe(exc)) from None


def _describe(exc: ValidationError, limit: int = 12) -> str:
    lines = [f"- {'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()[:limit]]
    more = exc.error_count() - limit
    return "the reply does not match the schema:\n" + "\n".join(lines) + (f"\n- … and {more} more" if more > 0 else "")


def reask_message(error: InvalidOutput) -> str:
    """The user message appended after an invalid reply."""
    return (
        f"Your previous reply was invalid: {error}\n"
        "Reply again with only the corrected JSON object, following the schema exactly."
    )


def normalize_for_grounding(text: str) -> str:
    """Case, whitespace, dash differences and quotation marks removed, so a copied quote matches its source."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).replace('"', "")
    return re.sub(r"\s+", " ", text).strip().casefold()


def quote_in_text(quote: str, normalized_text: str) -> bool:
    """True when every fragment of the quote (split at ellipses) occurs, in order, in the normalized text."""
    fragments = [normalize_for_grounding(f).strip(" .,;:'") for f in _ELLIPSIS.split(quote)]
    fragments = [f for f in fragments if f]
    if sum(len(f) for f in fragments) < MIN_QUOTE_CHARS:
        return False
    position = 0
    for fragment in fragments:
        found = normalized_text.find(fragment, position)
        if found == -1:
            return False
        position = found + len(fragment)
    return True


def ground(incidents: list[Incident], article_text: str) -> list[GroundedIncident]:
    """Each incident with `grounded` (at least one quote found in the article) and its ungrounded quotes."""
    normalized = normalize_for_grounding(article_text)
    result = []
    for incident in incidents:
        missing = [q for q in incident.evidence if not quote_in_text(q, normalized)]
        result.append(
            GroundedIncident(
                **incident.model_dump(), grounded=len(missing) < len(incident.evidence), ungrounded_quotes=missing
            )
        )
    return result
