"""Validation of a policy document against ``schemas/policy.schema.json``.

Every violation is reported at once, with the line and column of the offending node and
a message in plain words (unknown keys get a did-you-mean).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema

from ..base.errors import Diagnostic, Problem
from ..base.suggest import did_you_mean, excerpt, invisible_hint
from .loader import Document, fullwidth_hint

__all__ = ["check_document", "load_schema", "schema_path"]

_PACKAGE = Path(__file__).resolve().parent.parent


def schema_path(name: str) -> Path:
    """Where a published schema is: inside the installed package or the source tree."""
    for folder in (_PACKAGE / "schemas", _PACKAGE.parent / "schemas"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"schema {name} is not installed")


@cache
def load_schema(name: str = "policy.schema.json") -> dict:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


@cache
def _validator(name: str = "policy.schema.json"):
    schema = load_schema(name)
    # the schema itself is checked against the 2020-12 meta-schema by the test suite, not at
    # every start (that costs about 100 ms)
    return jsonschema.validators.validator_for(schema)(schema)


def _allowed_keys(error) -> list[str]:
    props = error.schema.get("properties", {})
    return list(props)


#: the schema's patterns, by the catalogue variant that says what they mean
_PATTERNS = {
    "^[a-z][a-z0-9_-]*$": "schema.format/identifier",
    "^[a-z][a-z0-9_]*$": "schema.format/name",
    "^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$": "schema.format/rule-id",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "schema.format/date",
    "^\\s*[\\[(].*,.*[\\])]\\s*$": "schema.format/interval",
    "^[0-9]{4}$": "schema.format/year",
    "^[0-9]{2}-[0-9]{2}$": "schema.format/month-day",
}
#: JSON types, as the catalogue words them
_TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")
#: schema keywords whose violation has its own text; the others fall back to schema.invalid
_LIMITED = {
    "minLength": "schema.invalid/min-length",
    "minItems": "schema.invalid/min-items",
    "minProperties": "schema.invalid/min-properties",
    "minimum": "schema.invalid/minimum",
    "maximum": "schema.invalid/maximum",
}


def _type_words(expected) -> list[Problem]:
    names = [expected] if isinstance(expected, str) else list(expected)
    return [Problem("word.type." + name) for name in names if name in _TYPES]


def _message(error, doc: Document) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    validator = error.validator
    if validator == "additionalProperties":
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        if extra and error.schema.get("properties"):
            allowed = _allowed_keys(error)
            return [
                Diagnostic.of(
                    "schema.unknown-key",
                    doc.key_loc(path + (key,)),
                    advice=did_you_mean(key, allowed, Problem("hint.allowed-keys", keys=allowed)),
                    key=key,
                )
                for key in extra
            ]
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        if not path:
            return [Diagnostic.of("schema.missing-key/top", doc.loc(path), key=missing)]
        return [Diagnostic.of("schema.missing-key", doc.loc(path), key=missing, where="/".join(map(str, path)))]
    if validator == "type":
        got = error.instance
        advice = None
        if isinstance(got, str):
            advice = invisible_hint(got) or fullwidth_hint(got)
            if advice is None and got in ("yes", "no", "on", "off", "y", "n"):
                advice = Problem("hint.yes-no")
            elif advice is None and got.endswith("%"):
                advice = Problem("hint.percent")
        return [
            Diagnostic.of(
                "schema.type",
                doc.loc(path),
                advice=advice,
                expected=_type_words(error.validator_value),
                got=excerpt(repr(got)),
            )
        ]
    if validator in ("enum", "const"):
        allowed = error.validator_value if validator == "enum" else [error.validator_value]
        allowed = [str(a) for a in allowed]
        return [
            Diagnostic.of(
                "schema.value",
                doc.loc(path),
                advice=did_you_mean(error.instance, allowed),
                value=excerpt(repr(error.instance)),
                allowed=allowed,
            )
        ]
    if validator == "pattern":
        key = _PATTERNS.get(error.validator_value, "schema.format")
        instance = error.instance
        advice = (invisible_hint(instance) or fullwidth_hint(instance)) if isinstance(instance, str) else None
        return [
            Diagnostic.of(
                key, doc.loc(path), advice=advice, value=excerpt(repr(instance)), pattern=error.validator_value
            )
        ]
    if validator == "oneOf" and path and isinstance(error.instance, dict):
        keys = sorted(map(str, error.instance))
        if {"credit", "sanction", "obligation", "award"} & set(error.schema.get("properties", {})):
            key = "schema.form/consequence"
        elif "tiers" in error.schema.get("properties", {}):
            key = "schema.form/value"
        else:
            key = "schema.form"
        return [Diagnostic.of(key, doc.loc(path), keys=keys)]
    if validator in _LIMITED:
        return [Diagnostic.of(_LIMITED[validator], doc.loc(path), limit=error.validator_value)]
    return [Diagnostic.of("schema.invalid", doc.loc(path), keyword=validator)]


def check_document(doc: Document) -> list[Diagnostic]:
    """Every schema violation of ``doc``, located and worded for an officer."""
    found: list[Diagnostic] = []
    if not isinstance(doc.data, dict):
        if isinstance(doc.data, list):
            return [Diagnostic.of("schema.top/list", doc.loc(()))]
        return [Diagnostic.of("schema.top", doc.loc(()), value=excerpt(repr(doc.data)))]
    for error in _validator().iter_errors(doc.data):  # Decimal numbers are numbers.Number: accepted
        found.extend(_message(error, doc))
    return found
