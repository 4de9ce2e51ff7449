"""The text normalisers, one per kind of text: names and places (`fold`, `normalize_name`) and verbatim quotes
(`normalize_quote`). Every stage that compares text uses these, so predictor and judge see the same forms."""

from __future__ import annotations

import functools
import re
import unicodedata

APOSTROPHES = "'’‘`´ʼʹ′"
_ASCII_OTHER = re.compile(r"[^a-z0-9]+")
_NAME_PREFIX = re.compile(r"^(?:(?:the|suspected|alleged)\s+)+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
                         "\u2212": "-", "\u00a0": " "})  # fmt: skip


@functools.cache
def fold_char(ch: str) -> str:
    """One character folded: accents stripped, lower case, '' for apostrophes, ' ' for other punctuation."""
    if ch in APOSTROPHES:
        return ""
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
    return base if base.isalnum() else " "


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Comparable form of a name or place: 'Saint-Étienne' -> 'saint etienne', 'N’Djamena' -> 'ndjamena'."""
    if text.isascii():  # the same result, without a call per character (the gazetteer folds a million names)
        return " ".join(_ASCII_OTHER.sub(" ", text.lower().replace("'", "").replace("`", "")).split())
    return " ".join("".join(fold_char(ch) for ch in text).split())


def normalize_name(name: str) -> str:
    """A folded actor name without a leading 'the', 'suspected' or 'alleged':
    'The Kurdistan Workers’ Party' -> 'kurdistan workers party'."""
    return _NAME_PREFIX.sub("", fold(name))


def normalize_quote(text: str) -> str:
    """Case, whitespace, dash variants and quotation marks removed, so a copied quote matches its source."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).replace('"', "")
    return re.sub(r"\s+", " ", text).strip().casefold()
