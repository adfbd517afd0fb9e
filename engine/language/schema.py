"""Validation of a policy document against ``schemas/policy.schema.json``.

Every violation is reported at once, with the line and column of the offending node and
a message in plain words (unknown keys get a did-you-mean).
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from pathlib import Path

import jsonschema

from ..base.errors import Diagnostic
from .loader import Document

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


def _message(error, doc: Document):
    path = tuple(error.absolute_path)
    validator = error.validator
    hint = None
    if validator == "additionalProperties":
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        if extra and error.schema.get("properties"):
            diagnostics = []
            for key in extra:
                close = difflib.get_close_matches(key, _allowed_keys(error), n=1)
                diagnostics.append(
                    Diagnostic(
                        "schema.unknown-key",
                        f"unknown key '{key}'",
                        doc.key_loc(path + (key,)),
                        hint=f"did you mean '{close[0]}'?"
                        if close
                        else "allowed here: " + ", ".join(_allowed_keys(error)),
                        params={"key": key, **({"suggestion": close[0]} if close else {})},
                    )
                )
            return diagnostics
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        where = "/".join(str(p) for p in path) or "the top level"
        return [
            Diagnostic(
                "schema.missing-key",
                f"'{missing}' is required in {where}",
                doc.loc(path),
                params={"key": missing, "where": "/".join(str(p) for p in path) + " " if path else "顶层"},
            )
        ]
    if validator == "type":
        expected = error.validator_value
        got = error.instance
        message = f"expected {expected if isinstance(expected, str) else ' or '.join(expected)}, got {got!r}"
        if isinstance(got, str):
            from .loader import fullwidth_hint

            hint = fullwidth_hint(got)
            if hint is None and got in ("yes", "no", "on", "off", "y", "n"):
                hint = "write true or false for a yes/no value"
            elif hint is None and got.endswith("%"):
                hint = "write a percentage as a ratio: 40% is 0.40"
        return [
            Diagnostic(
                "schema.type",
                message,
                doc.loc(path),
                hint=hint,
                params={"expected": expected if isinstance(expected, str) else "/".join(expected), "got": repr(got)},
            )
        ]
    if validator in ("enum", "const"):
        allowed = error.validator_value if validator == "enum" else [error.validator_value]
        close = difflib.get_close_matches(str(error.instance), [str(a) for a in allowed], n=1)
        return [
            Diagnostic(
                "schema.value",
                f"{error.instance!r} is not allowed here; use one of: {', '.join(map(str, allowed))}",
                doc.loc(path),
                hint=f"did you mean '{close[0]}'?" if close else None,
                params={
                    "value": repr(error.instance),
                    "allowed": ", ".join(map(str, allowed)),
                    **({"suggestion": close[0]} if close else {}),
                },
            )
        ]
    if validator == "pattern":
        description = error.schema.get("description") or f"must match {error.validator_value}"
        return [
            Diagnostic(
                "schema.format",
                f"{error.instance!r}: {description}",
                doc.loc(path),
                params={"value": repr(error.instance), "description": description},
            )
        ]
    if validator == "oneOf" and path and isinstance(error.instance, dict):
        keys = ", ".join(sorted(error.instance))
        if {"credit", "sanction", "obligation", "award"} & set(error.schema.get("properties", {})):
            message = "a consequence needs exactly one of: credit, sanction, obligation, award"
        elif "tiers" in error.schema.get("properties", {}):
            message = "a value needs exactly one of: expr; of with tiers; aggregate"
        else:
            message = f"this does not match any allowed form (keys: {keys})"
        return [Diagnostic("schema.form", message + f" (has: {keys})", doc.loc(path))]
    return [Diagnostic("schema.invalid", error.message, doc.loc(path))]


def check_document(doc: Document) -> list[Diagnostic]:
    """Every schema violation of ``doc``, located and worded for an officer."""
    found: list[Diagnostic] = []
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else f"a single value ({doc.data!r})"
        return [
            Diagnostic(
                "schema.top",
                f"a policy file must be a mapping of keys, but this file is {kind}",
                doc.loc(()),
                hint="start the file with 'kaohe: 1' and the keys id, version, title, ...",
            )
        ]
    for error in _validator().iter_errors(doc.data):  # Decimal numbers are numbers.Number: accepted
        found.extend(_message(error, doc))
    return found
