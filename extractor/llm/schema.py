"""The JSON schema the LLM must follow: generated from `models.Extraction`, shipped in `schemas/`, hashed."""

from __future__ import annotations

import copy
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..models import Extraction
from ..outputs import AtomicFile
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


@lru_cache(maxsize=1)
def schema_for_prompt() -> str:
    """The schema as compact JSON without titles, to describe it inside a prompt at small token cost (computed
    once: it is part of every prompt's static prefix)."""

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
    """Write the schema to `path` (a temporary file renamed into place)."""
    with AtomicFile(path) as target:
        target.write(schema_json())
    return path


# Bounds on what a reply may hold, added to the schema where the mode enforces it, so that a model that starts
# copying the article into a field is stopped by the grammar instead of running on to max_tokens. Strict
# `json_schema` (OpenAI structured outputs) documents `minItems`/`maxItems` among its supported keywords but not
# `maxLength` (strings: `pattern` and `format` only), so that mode gets the list bounds only; grammar-enforced
# `json_object` + schema (llama.cpp, llama-cpp-python: `minLength`/`maxLength` and `minItems`/`maxItems` become
# grammar repetitions) gets both. Validation does not apply them: a long summary in `prompt` mode is not re-asked.
STRING_BOUNDS = {
    "summary": 300,
    "date": 10,
    "date_text": 80,
    "country": 60,
    "region": 80,
    "location": 120,
    "name": 120,  # a perpetrator
    "description": 200,  # a target
    "by": 120,  # a claim
    "text": 300,  # a claim
}
QUOTE_CHARS = 400  # each evidence quote
ITEM_BOUNDS = {"incidents": 20, "perpetrators": 6, "targets": 6, "weapons": 8, "claims": 3, "evidence": 3}


def request_schema(mode: str) -> dict[str, Any]:
    """The schema sent in `mode`: the shipped schema with the list bounds, and the string bounds where enforced."""
    return _bounded(lengths=mode != "json_schema")


@lru_cache(maxsize=2)
def _bounded(*, lengths: bool) -> dict[str, Any]:
    schema = copy.deepcopy(extraction_schema())

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for name, prop in (node.get("properties") or {}).items():
                for branch in prop.get("anyOf", [prop]):
                    _bound(name, branch, lengths)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return schema


def _bound(name: str, branch: dict[str, Any], lengths: bool) -> None:
    if branch.get("type") == "string" and lengths and name in STRING_BOUNDS and "enum" not in branch:
        branch["maxLength"] = STRING_BOUNDS[name]
    if branch.get("type") == "array" and name in ITEM_BOUNDS:
        branch["maxItems"] = min(branch.get("maxItems", ITEM_BOUNDS[name]), ITEM_BOUNDS[name])
        if name == "evidence" and lengths:
            branch["items"]["maxLength"] = QUOTE_CHARS


def bounds_hash() -> str:
    """Short hash of the bounds, part of the LLM backend's cache identity (they change the answer)."""
    bounds = {"strings": STRING_BOUNDS, "quote": QUOTE_CHARS, "items": ITEM_BOUNDS}
    return hashlib.sha256(json.dumps(bounds, sort_keys=True).encode()).hexdigest()[:12]
