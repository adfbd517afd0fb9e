"""The published schemas are valid JSON Schema 2020-12 documents."""

from __future__ import annotations

import json

import jsonschema
import pytest

from ..conftest import ROOT


@pytest.mark.parametrize("name", ["policy.schema.json", "result.schema.json"])
def test_schema_is_valid_2020_12(name):
    schema = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_shipped_policy_is_valid_against_the_published_schema():
    import yaml

    schema = json.loads((ROOT / "schemas" / "policy.schema.json").read_text(encoding="utf-8"))
    for path in sorted((ROOT / "policies").glob("*.yaml")):
        if path.name.endswith(".tests.yaml"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = json.loads(json.dumps(data, default=str))  # dates as text, as an editor sees them
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
        assert not errors, (path.name, [e.message for e in errors[:3]])
