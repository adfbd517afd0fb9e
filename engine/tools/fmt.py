"""``kaohe fmt``: a policy or case file in canonical key order and indentation, comments kept.

The file is read and written with ruamel.yaml's round-trip mode, which keeps comments,
quoting, flow-style mappings such as ``{zh: …, en: …}`` and the text of every scalar.
Only two things change:

* **Key order.** The canonical order of a mapping's keys is the order in which
  ``schemas/policy.schema.json`` declares them: the top-level keys (``kaohe``, ``id``,
  ``version``, ``language``, ``extends``, ``changes``, ``title``, ``region``, ``source``,
  ``effective``, ``rules``, ``entities``, ``schedules``, ``properties``), an entity's
  (``label``, ``key``, ``members``, ``schedule``, ``inputs``, ``values``, ``grade``,
  ``consequences``), an input's, a value's, a tier's, a level's, a consequence's and so on.
  Case files (``*.tests.yaml``) follow :data:`CASE_ORDER`. Keys a schema does not declare keep
  their relative order after the declared ones; names chosen by the author (rule IDs,
  entity, input and value names, record fields) are never reordered.
* **Indentation.** Mappings by 2 spaces, sequences by 4 with the dash at 2
  (``tiers:`` / ``  - {range: …}``); lines are not re-wrapped.

A comment stays with its key: one at the end of a line stays on that line, full-line comments
above a key move with the key (the comments at the top of the file stay on top).

Formatting never changes meaning: the result is parsed again with kaohe's own loader and
must give exactly the data the original gave, else :class:`FormatError` is raised and nothing
is written.
"""

from __future__ import annotations

import io
from pathlib import Path

from ..base.errors import Diagnostic, KaoheError, Location, unreadable_key
from ..language.loader import parse_yaml
from ..language.schema import load_schema

__all__ = ["CASE_ORDER", "FormatError", "format_file", "format_text"]

#: The canonical order of a case file (see engine.tools.cases), a small schema of its own.
CASE_ORDER: dict = {
    "properties": {
        "policy": {},
        "cases": {
            "items": {
                "properties": {
                    "name": {},
                    "rule": {},
                    "entity": {},
                    "as_of": {},
                    "group": {},
                    "record": {},
                    "members": {},
                    "expect": {
                        "properties": {
                            "error": {},
                            "grade": {},
                            "credit_total": {},
                            "values": {},
                            "sanctions": {},
                            "awards": {},
                            "members": {},
                        }
                    },
                }
            }
        },
    }
}


class FormatError(KaoheError):
    """A file that cannot be formatted (unreadable, not YAML, or formatting would change it)."""


def _policy_schema() -> dict:
    return load_schema("policy.schema.json")


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a line
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    yaml.representer.add_representer(type(None), _represent_null)
    return yaml


def _represent_null(representer, _data):
    """``null`` written out (ruamel's default leaves the value empty)."""
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


# --- which schema describes a node ------------------------------------------------------------


def _resolve(schema: dict, root: dict) -> dict:
    """``schema`` with its ``$ref`` followed and its combinators merged (properties in order)."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 32:
        ref = schema["$ref"]
        target = root
        for part in ref.lstrip("#/").split("/"):
            target = target.get(part, {}) if part else target
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    if not isinstance(schema, dict):
        return {}
    merged = dict(schema)
    for combinator in ("allOf", "anyOf", "oneOf"):
        for option in schema.get(combinator, ()):
            option = _resolve(option, root)
            if option.get("properties"):
                props = dict(merged.get("properties", {}))
                for key, sub in option["properties"].items():
                    props.setdefault(key, sub)
                merged["properties"] = props
            if "items" in option and "items" not in merged:
                merged["items"] = option["items"]
    return merged


def _child(schema: dict, key) -> dict:
    if key in schema.get("properties", {}):
        return schema["properties"][key]
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else {}


# --- reordering with comments -----------------------------------------------------------------


def _is_block(node) -> bool:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    return isinstance(node, (CommentedMap, CommentedSeq)) and len(node) > 0 and not node.fa.flow_style()


def _tail(mapping, key):
    """Where the comment after ``mapping[key]``'s last line is kept: (ca.items, its key, slot)."""
    from ruamel.yaml.comments import CommentedMap

    holder, hkey, value = mapping, key, mapping[key]
    while _is_block(value):
        holder = value
        hkey = list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1
        value = value[hkey]
    return holder.ca.items, hkey, (2 if isinstance(holder, CommentedMap) else 0)


def _split(token) -> tuple[str | None, str]:
    """A trailing comment token: (the end-of-line comment, the full lines after it)."""
    if token is None:
        return None, ""
    text = token.value
    if text.startswith("#"):
        first, _, rest = text.partition("\n")
        return first, rest
    return None, text[1:] if text.startswith("\n") else text


def _reorder(mapping, order: list, parent=None, pkey=None) -> None:
    """Put ``mapping``'s keys in ``order``, each key's comments moving with it. ``parent[pkey]``
    is ``mapping`` (None at the top of the document, whose header comment stays on top)."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    keys = list(mapping)
    if keys == order:
        return
    eol: dict = {}
    before: dict = {}
    if isinstance(parent, CommentedMap):  # full-line comments above the first key belong to it
        entry = parent.ca.items.get(pkey)
        if entry is not None and len(entry) > 3 and entry[3]:
            text = "".join(
                (" " * token.column if token.value.startswith("#") else "") + token.value for token in entry[3]
            )
            entry[3] = None
            if mapping.ca.comment is not None and len(mapping.ca.comment) > 1:
                mapping.ca.comment[1] = None
            before[keys[0]] = text
    trailer = ""
    columns: dict = {}
    for index, key in enumerate(keys):
        items, hkey, slot = _tail(mapping, key)
        entry = items.get(hkey)
        token = entry[slot] if entry is not None and len(entry) > slot else None
        first, rest = _split(token)
        eol[key] = (first, token.column if token is not None else 0)
        if index + 1 < len(keys):
            before[keys[index + 1]] = rest
        else:
            trailer = rest
        if entry is not None and len(entry) > slot:
            entry[slot] = None
        columns[key] = token
    for index, key in enumerate(order):
        items, hkey, slot = _tail(mapping, key)
        first, column = eol[key]
        text = (first + "\n") if first is not None else ""
        if index + 1 == len(order) and trailer:
            text = (text or "\n") + trailer
        if text:
            entry = items.setdefault(hkey, [None, None, None, None])
            while len(entry) <= slot:
                entry.append(None)
            entry[slot] = CommentToken(text, CommentMark(column), None)
        lines = before.get(key, "")
        if lines:
            entry = mapping.ca.items.setdefault(key, [None, None, None, None])
            entry[1] = [CommentToken(lines, CommentMark(0), None)]
    for key in order:
        mapping.move_to_end(key)


def _canonical(node, schema: dict, root: dict, parent=None, pkey=None) -> None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    schema = _resolve(schema, root)
    if isinstance(node, CommentedMap):
        declared = list(schema.get("properties", {}))
        if declared:
            rank = {key: i for i, key in enumerate(declared)}
            keys = list(node)
            order = sorted(keys, key=lambda k: (0, rank[k]) if k in rank else (1, keys.index(k)))
            _reorder(node, order, parent, pkey)
        for key in list(node):
            _canonical(node[key], _child(schema, key), root, node, key)
    elif isinstance(node, CommentedSeq):
        items = schema.get("items")
        if isinstance(items, dict):
            for value in node:
                _canonical(value, items, root)


# --- the command ------------------------------------------------------------------------------


def _is_case_file(name: str) -> bool:
    return name.endswith((".tests.yaml", ".tests.yml"))


def format_text(text: str, file: str = "<string>") -> str:
    """``text`` (a policy, or a case file when ``file`` ends in .tests.yaml) in canonical form."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    original = parse_yaml(text, file)  # kaohe's own reading: refuses what kaohe would refuse
    yaml = _yaml()
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        raise FormatError(Diagnostic.of("fmt.yaml", where, parser=str(exc.problem or exc))) from None
    except YAMLError as exc:
        raise FormatError(Diagnostic.of("fmt.yaml", Location(file, 1, 1), parser=str(exc))) from None
    root = CASE_ORDER if _is_case_file(file) else _policy_schema()
    _canonical(data, root, root)
    out = io.StringIO()
    yaml.dump(data, out)
    result = out.getvalue()
    if parse_yaml(result, file).data != original.data:
        raise FormatError(Diagnostic.of("fmt.meaning", Location(file, 1, 1)))
    return result


def format_file(path: str | Path, check: bool = False) -> bool:
    """Format ``path`` in place (unless ``check``); True if its text was not canonical."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise FormatError(Diagnostic.of(unreadable_key(exc, "file.unreadable"), Location(str(path), 1, 1))) from None
    except UnicodeDecodeError:
        raise FormatError(Diagnostic.of("file.encoding", Location(str(path), 1, 1))) from None
    formatted = format_text(text, str(path))
    if formatted == text:
        return False
    if not check:
        tmp = path.with_name(path.name + ".kaohe-fmt.tmp")
        tmp.write_text(formatted, encoding="utf-8", newline="")
        tmp.replace(path)
    return True
