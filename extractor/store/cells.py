"""CSV cells that a spreadsheet would run as formulas, made inert.

OWASP's rule for CSV injection: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
prefixed with a single quote, so Excel, LibreOffice and Google Sheets show it as text instead of evaluating it
(`=HYPERLINK(...)`, `@SUM(...)`, `-2+3`). Numbers are written as numbers (a negative longitude stays -3.5);
only text is touched, and a reader wanting the original drops one leading `'` from such a cell. Every CSV
writer of the project writes through `SafeDictWriter`.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value, with a leading `'` if it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeDictWriter:
    """csv.DictWriter whose text cells (and header) are neutralised."""

    def __init__(self, stream: IO[str], fieldnames: list[str], **options: Any) -> None:
        self._writer = csv.DictWriter(stream, fieldnames=fieldnames, **options)
        self.fieldnames = fieldnames

    def writeheader(self) -> None:
        self._writer.writerow({name: safe_cell(name) for name in self.fieldnames})

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({key: safe_cell(value) for key, value in row.items()})
