"""The project's shipped data: `prompts/`, `schemas/` and `golden/` at the top of the repository.

A wheel carries them inside the package (`extractor/_data/<name>/`, mapped in pyproject.toml) and they are
read with importlib.resources; in a source checkout or an editable install they are read where they are.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

NAMES = ("prompts", "schemas", "golden")
_CHECKOUT = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The shipped folder `name` (one of NAMES), wherever the package is installed."""
    if name not in NAMES:
        raise ValueError(f"unknown data folder {name!r}")
    bundled = Path(str(resources.files(__package__).joinpath("_data", name)))  # installs are unzipped
    return bundled if bundled.is_dir() else _CHECKOUT / name


def data_path(name: str, *parts: str) -> Path:
    """A shipped file, e.g. data_path("golden", "labels.jsonl")."""
    return data_dir(name).joinpath(*parts)


def checkout_dir(name: str) -> Path | None:
    """The folder in a source checkout (where `extract schema` may write), or None in an installed wheel."""
    path = _CHECKOUT / name
    return path if path.is_dir() and (_CHECKOUT / "pyproject.toml").is_file() else None
