"""The exported JSON schema: current with the models, and valid for OpenAI strict structured outputs."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from extractor.cli import app
from extractor.llm.schema import extraction_schema, schema_json, shipped_schema

from .conftest import schema_objects as _objects


def test_exported_schema_matches_the_models() -> None:
    assert shipped_schema().read_text(encoding="utf-8") == schema_json(), "run `extract schema` and commit schemas/"
    result = CliRunner().invoke(app, ["schema", "--check"])
    assert result.exit_code == 0, result.output


def test_schema_follows_strict_mode_rules() -> None:
    schema = extraction_schema()
    assert schema["type"] == "object"
    objects = list(_objects(schema))
    assert len(objects) >= 6
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert set(obj["required"]) == set(obj["properties"]), "every field required (nullable instead of optional)"
    text = json.dumps(schema)
    assert '"default"' not in text
    assert "patternProperties" not in text
