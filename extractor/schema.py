"""The JSON schema the LLM must follow: generated from `models.Extraction`, exported to `schemas/`, hashed."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from openai.lib._pydantic import to_strict_json_schema

from .models import Extraction

SCHEMA_NAME = "incident_extraction"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "extraction.schema.json"


@lru_cache(maxsize=1)
def extraction_schema() -> dict[str, Any]:
    """The strict JSON schema of `Extraction` (OpenAI structured-outputs rules)."""
    return to_strict_json_schema(Extraction)


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
    """Short content hash of the schema, recorded in provenance and cache keys (computed once: it is called
    several times per article, and serialising the schema costs about a millisecond)."""
    return hashlib.sha256(schema_json().encode()).hexdigest()[:16]


def write_schema(path: Path = SCHEMA_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_json(), encoding="utf-8")
    return path
