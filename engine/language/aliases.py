"""The names a record's fields may go by: an input's own name, its declared ``columns``, and
its Chinese and English labels (工号 for ``id``). The file readers map headers with them, and
:class:`~engine.runtime.policy.Policy` maps the keys of in-memory rows (from
``csv.DictReader``, ``DataFrame.to_dict("records")``) the same way."""

from __future__ import annotations

from ..base.errors import Diagnostic, RecordError, SourcedRecord
from .model import Entity

__all__ = ["column_map", "rename_fields"]


def column_map(entity: Entity) -> dict:
    """Header text -> input name: the input's own name, its declared columns and its labels."""
    mapping: dict[str, str] = {}
    for name, inp in entity.inputs.items():
        for header in (name, inp.label.zh, inp.label.en, *inp.columns):
            if header:
                mapping.setdefault(header.strip(), name)
                mapping.setdefault(header.strip().lower(), name)
    return mapping


def rename_fields(record: dict, mapping: dict) -> dict:
    """``record`` with its keys as input names; a key no input goes by is kept as it is. Two
    keys that give one input different values are refused: kaohe cannot tell which to use."""
    out: dict = {}
    given: dict = {}
    for key, value in record.items():
        text = key.strip() if isinstance(key, str) else key
        field = mapping.get(text) or (mapping.get(text.lower()) if isinstance(text, str) else None) or key
        if field in out and out[field] != value:
            raise RecordError(
                Diagnostic.of(
                    "record.ambiguous", evidence={"field": field}, first=given[field], second=key, field=field
                )
            )
        out[field] = value
        given.setdefault(field, key)
    if type(record) is SourcedRecord:  # still knows the cells its fields came from
        sourced = SourcedRecord(out)
        sourced.source = record.source
        return sourced
    return out
