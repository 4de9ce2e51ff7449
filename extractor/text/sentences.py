"""Sentence spans of plain text: abbreviations, initials and headings handled, whitespace trimmed."""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "col",
    "lt",
    "maj",
    "capt",
    "sgt",
    "gov",
    "sen",
    "rep",
    "st",
    "no",
    "jan",
    "feb",
    "aug",
    "sept",
    "sep",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.n",
    "u.k",
    "vs",
    "approx",
    "inc",
    "co",
}
_BOUNDARY = re.compile(r"[.!?][”\"’')]*\s+(?=[“\"‘(]?[A-Z0-9])|(?<=[a-z]\.)(?=[“\"]?[A-Z][a-z])|\n+")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences and headings of `text`, whitespace trimmed."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        found = match.group()
        if found[:1] == ".":
            word = re.search(r"([\w.]+)\.$", text[start : match.start() + 1])
            if word and (word.group(1).lower() in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word.group(1))):
                continue
        end = match.end() if found[:1] in ".!?" else match.start()
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out
