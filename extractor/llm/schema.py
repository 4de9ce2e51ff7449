"""The JSON schema the LLM must follow: generated from `models.Extraction`, shipped in `schemas/`, hashed."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..models import Extraction
from ..resources import checkout_dir, data_path

SCHEMA_NAME = "incident_extraction"
SCHEMA_FILENAME = "extraction.schema.json"


@lru_cache(maxsize=1)
def extraction_schema() -> dict[str, Any]:
    """The strict JSON schema of `Extraction` (OpenAI structured-outputs rules, through the SDK's public helper)."""
    import openai  # only when a schema is generated: the offline path never needs it

    return openai.pydantic_function_tool(Extraction)["function"]["parameters"]  # type: ignore[return-value]


def schema_json() -> str:
    """The schema as the stable, pretty-printed text written to `schemas/`."""
    return json.dumps(extraction_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def schema_for_prompt() -> str:
    """The schema as compact JSON without titles, to describe it inside a prompt at small token cost."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "title"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return json.dumps(strip(extraction_schema()), ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=1)
def schema_hash() -> str:
    """Short content hash of the schema, recorded in provenance and cache keys. It hashes the shipped file, which
    `extract schema --check` (run by CI) and a test keep equal to the generated schema, so that a run that never
    calls an LLM (the offline baseline) never imports openai."""
    return hashlib.sha256(shipped_schema().read_bytes()).hexdigest()[:16]


def shipped_schema() -> Path:
    """The schema file shipped with the package (`schemas/extraction.schema.json`)."""
    return data_path("schemas", SCHEMA_FILENAME)


def default_schema_target() -> Path | None:
    """Where `extract schema` writes: the checkout's `schemas/`, or None in an installed package."""
    folder = checkout_dir("schemas")
    return folder / SCHEMA_FILENAME if folder else None


def write_schema(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_json(), encoding="utf-8")
    return path
