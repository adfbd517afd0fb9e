"""Safe YAML loading that keeps the line and column of every node.

kaohe reads policy files with its own small YAML profile:

* only plain data: mappings, lists, strings, integers, decimals, booleans and null;
* YAML 1.2 scalars: ``true``/``false`` are booleans, ``no``/``on``/``off`` stay strings,
  ``1:30`` stays a string, ``2021-06-30`` stays a string (the schema says what it is);
* decimals are read as :class:`decimal.Decimal`, exactly as written (``0.40`` is 0.40);
* duplicate keys, tab or ideographic-space indentation, unknown tags, files that are
  not UTF-8 and alias bombs are refused with ``file:line:col``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import yaml

from ..base.errors import Diagnostic, Location, PolicyError, Problem, unreadable_key
from ..base.limits import MAX_DIGITS, decimal_fits

__all__ = ["LIMITS", "Document", "fullwidth_hint", "load_yaml", "parse_yaml"]

#: Limits on a policy file; stated in the README.
LIMITS = {
    "max_bytes": 2 * 1024 * 1024,
    "max_nodes": 200_000,
    "max_depth": 64,
}

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Composes nodes only; every plain scalar is resolved by kaohe itself."""

    yaml_implicit_resolvers: ClassVar[dict] = {}


_STR = "tag:yaml.org,2002:str"
_KNOWN_TAGS = {
    _STR,
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
# YAML 1.2's infinities and not-a-number (core schema); kaohe refuses them
_NOT_FINITE = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")
# A policy number must stay within engine.base.limits (below 10**154, at most 154 decimal
# places); larger ones are refused before they are converted, so ``1e999999999`` cannot
# stall the compiler.


@dataclass
class Document:
    """Plain data read from a YAML file, with the location of every value and key."""

    file: str
    data: Any
    positions: dict  # path tuple -> Location of the value
    key_positions: dict  # path tuple -> Location of the key that holds it
    chain: tuple[str, ...] = field(default=(), repr=False, compare=False)  # ids of the merged layers, base first
    text: str = field(default="", repr=False, compare=False)  # the text read, for columns inside scalars

    def loc(self, path: Iterable = ()) -> Location:
        """The location of the value at ``path``, or of its nearest ancestor."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), Location(self.file, 1, 1))

    def key_loc(self, path: Iterable) -> Location:
        path = tuple(path)
        return self.key_positions.get(path) or self.loc(path)


def fullwidth_hint(text: str) -> Problem | None:
    """The hint for the first full-width character in ``text`` (typed by a Chinese input
    method where YAML needs ASCII), or None."""
    match = _FULLWIDTH.search(text)
    if not match:
        return None
    ch = match.group()
    if ch == "\u3000":
        return Problem("hint.fullwidth-space")
    return Problem("hint.fullwidth-char", char=ch, ascii=chr(ord(ch) - 0xFEE0))


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.positions: dict = {}
        self.key_positions: dict = {}
        self.nodes = 0
        self.errors: list[Diagnostic] = []

    def loc(self, node) -> Location:
        mark = node.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)

    def fail(self, key, node, **params):
        raise PolicyError(Diagnostic.of(key, self.loc(node), **params))

    def build(self, node, path=(), depth=0):
        self.nodes += 1
        if self.nodes > LIMITS["max_nodes"]:
            self.fail("yaml.too-large", node, limit=LIMITS["max_nodes"])
        if depth > LIMITS["max_depth"]:
            self.fail("yaml.too-deep", node, limit=LIMITS["max_depth"])
        self.positions[path] = self.loc(node)
        if node.tag not in _KNOWN_TAGS:
            self.fail("yaml.tag", node, tag=node.tag)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node, path, depth):
        out: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or (
                isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<" and not key_node.style
            ):
                self.fail("yaml.merge", key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail("yaml.key", key_node)
            key = self._scalar(key_node)
            if not isinstance(key, str):
                key = str(key_node.value)
            if key in out:
                first = self.key_positions[path + (key,)]
                self.errors.append(Diagnostic.of("yaml.duplicate-key", self.loc(key_node), key=key, first=first.line))
                continue
            self.key_positions[path + (key,)] = self.loc(key_node)
            out[key] = self.build(value_node, path + (key,), depth + 1)
        return out

    def _int(self, value, node):
        if len(value.lstrip("+-")) > MAX_DIGITS:
            self.too_big(node)
        return int(value)

    def _decimal(self, value, node):
        number = Decimal(value)
        if not number.is_finite():
            self.not_finite(node)
        if not decimal_fits(number):
            self.too_big(node)
        return number

    def not_finite(self, node):
        """``.inf``, ``-.inf`` and ``.nan`` (YAML's infinities and not-a-number): no policy
        number may be one, so each is refused where it stands, never handed on."""
        self.fail("yaml.number/not-finite", node, value=node.value)

    def too_big(self, node):
        shown = node.value[:40] + ("..." if len(node.value) > 40 else "")
        self.fail("yaml.number", node, value=shown, digits=MAX_DIGITS)

    def _scalar(self, node):
        value = node.value
        tag = node.tag
        if tag == _STR and node.style:
            return value  # quoted or block scalar: always a string
        if tag != _STR:  # explicit standard tag such as !!int
            tag = tag.rsplit(":", 1)[-1]
            try:
                if tag == "int":
                    return self._int(value, node)
                if tag == "float":
                    return self._decimal(value, node)
                if tag == "bool":
                    return _BOOL[value]
                if tag == "null":
                    return None
            except (ValueError, KeyError, ArithmeticError):  # InvalidOperation is an ArithmeticError
                self.fail("yaml.tag/value", node, value=value, tag=tag)
            return value
        if _NULL.match(value):
            return None
        if value in _BOOL:
            return _BOOL[value]
        if _INT.match(value):
            return self._int(value, node)
        if _FLOAT.match(value):
            return self._decimal(value, node)
        if _NOT_FINITE.match(value):
            self.not_finite(node)
        return value


def _check_flow_depth(text: str, file: str) -> None:
    """Refuse deep '[' / '{' nesting from the text itself, before any YAML parser sees it.

    Parsers fail on deep flow nesting in ways that change between PyYAML versions (a C stack
    overflow in one, a "maximum nesting depth" syntax error in the next), so kaohe enforces its
    own limit first. Brackets inside quoted scalars and comments are not counted."""
    limit = LIMITS["max_depth"]
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    quote = ""
    line, line_start = 1, 0
    previous = "\n"
    index, size = 0, len(text)
    while index < size:
        ch = text[index]
        if ch == "\n":
            line, line_start = line + 1, index + 1
        if quote:
            if ch == quote and not (quote == '"' and previous == "\\"):
                quote = ""
        elif ch in "'\"" and previous in " \t\n[{,:":
            quote = ch
        elif ch == "#" and previous in " \t\n":
            end = text.find("\n", index)
            if end < 0:
                return
            index, previous = end, " "
            continue
        elif ch in "[{":
            depth += 1
            if depth > limit:
                raise PolicyError(
                    Diagnostic.of("yaml.too-deep/flow", Location(file, line, index - line_start + 1), limit=limit)
                )
        elif ch in "]}":
            depth = max(depth - 1, 0)
        previous = ch
        index += 1


def _check_nesting(text: str, file: str) -> None:
    """Refuse deep nesting from the parser's event stream, before the (recursive) composer
    sees it: 100,000 nested '[' would otherwise overflow the C stack and crash Python."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > LIMITS["max_depth"]:
                    mark = event.start_mark
                    where = Location(file, mark.line + 1, mark.column + 1) if mark is not None else Location(file)
                    raise PolicyError(Diagnostic.of("yaml.too-deep", where, limit=LIMITS["max_depth"]))
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # a syntax error: compose() below reports it with its location


def _prescan(text: str, file: str) -> list[Diagnostic]:
    """Problems a YAML parser reports badly or not at all: indentation characters."""
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        indent = line[: len(line) - len(line.lstrip(" \t\u3000"))]
        if "\t" in indent:
            found.append(Diagnostic.of("yaml.tab", Location(file, n, indent.index("\t") + 1)))
        elif "\u3000" in indent:
            found.append(Diagnostic.of("yaml.fullwidth-space", Location(file, n, indent.index("\u3000") + 1)))
    return found


def _decode(raw: bytes, file: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        advice = None
        try:
            raw.decode("gbk")
            advice = Problem("hint.gbk")
        except UnicodeDecodeError:
            pass
        raise PolicyError(Diagnostic.of("yaml.encoding", Location(file, line, col), advice=advice)) from None


def parse_yaml(text: str, file: str = "<string>") -> Document:
    """Parse policy YAML text into a :class:`Document`; raise :class:`PolicyError`."""
    if len(text.encode("utf-8", "surrogatepass")) > LIMITS["max_bytes"]:
        raise PolicyError(
            Diagnostic.of("yaml.too-large/bytes", Location(file, 1, 1), mib=LIMITS["max_bytes"] // (1024 * 1024))
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        col = exc.start - (text.rfind("\n", 0, exc.start) + 1) + 1
        raise PolicyError(Diagnostic.of("yaml.encoding/unicode", Location(file, line, col))) from None
    problems = _prescan(text, file)
    if problems:
        raise PolicyError(problems)
    _check_flow_depth(text, file)
    _check_nesting(text, file)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        lines = text.splitlines()
        first = min(m.line for m in (exc.context_mark, exc.problem_mark) if m) if mark else 0
        last = mark.line if mark else 0
        line_text = "\n".join(lines[max(first - 1, 0) : last + 1])
        where = Location(file, (mark.line + 1) if mark else 1, (mark.column + 1) if mark else 1)
        for n in range(max(first - 1, 0), min(last + 1, len(lines))):
            # the parser stumbles a line late over a full-width '：'; point at the character
            col = lines[n].find("：")
            if col >= 0:
                where = Location(file, n + 1, col + 1)
                break
        # the parser's own words are quoted as they are: PyYAML has no codes to render
        parser = (exc.problem or "invalid YAML") + (f" ({exc.context})" if exc.context else "")
        raise PolicyError(
            Diagnostic.of("yaml.syntax", where, advice=fullwidth_hint(line_text), parser=parser)
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError(Diagnostic.of("yaml.syntax", Location(file, 1, 1), parser=str(exc))) from None
    if node is None:
        raise PolicyError(Diagnostic.of("yaml.empty", Location(file, 1, 1)))
    builder = _Builder(file)
    data = builder.build(node)
    if builder.errors:
        raise PolicyError(builder.errors)
    return Document(file, data, builder.positions, builder.key_positions, text=text)


def load_yaml(path: str | Path) -> Document:
    """Read and parse a policy file; every failure is a :class:`PolicyError`."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PolicyError(Diagnostic.of(unreadable_key(exc, "file.unreadable"), Location(name))) from None
    return parse_yaml(_decode(raw, name), name)
