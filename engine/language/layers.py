"""Policies that build on other policies: ``extends`` and ``changes``.

A county's policy can adapt its province's, and any regional policy a national base::

    extends: national.yaml
    changes:
      - override: entities/teacher/values/hours_ok      # must exist
        with: {rule: XX-1, expr: total_hours >= 50 and practice_share >= 0.5}
      - add: entities/teacher/consequences              # a new element
        with: {id: hours-short, rule: XX-1, when: not hours_ok, obligation: {...}}
      - remove: entities/teacher/grade/levels/excellent

Element paths name elements by key, id or code: ``rules/ID``, ``entities/E``,
``entities/E/inputs/NAME``, ``entities/E/values/NAME``, ``entities/E/values/NAME/tiers/[a, b)``,
``entities/E/grade/levels/CODE``, ``entities/E/grade/otherwise``, ``entities/E/consequences/ID``.
An override merges the given keys into the element. The child's own ``rules`` and
``entities`` add to the base's; the child's metadata (id, title, source, ...) replaces it.

The merged document keeps, for every node, the file and line it came from, and for every
element the layer (policy id) that last defined it: results and traces name that layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import yaml

from ..base.errors import Diagnostic, KaoheError, Location, PolicyError, Problem
from ..base.suggest import did_you_mean
from .loader import Document, load_yaml, parse_yaml
from .registry import PolicyNotFound, find_policy

__all__ = ["MAX_LAYERS", "base_loader", "document_from", "resolve_layers"]

MAX_LAYERS = 8
_LISTS = {"levels": "code", "consequences": "id", "tiers": "range"}
_META = ("kaohe", "id", "version", "language", "title", "region", "source", "effective", "properties", "schedules")


class _Origins:
    """Where each container of the merged data came from: (document, path, layer)."""

    def __init__(self) -> None:
        self.of: dict[int, tuple] = {}
        self.keys: dict[int, dict] = {}  # for merged dicts: key -> (doc, path, layer)
        self.keep: list = []  # keeps merged objects alive so ids stay unique

    def register(self, doc: Document, node, path, layer, known: dict | None = None, at: tuple | None = None):
        """Record ``node`` (found at ``path`` in ``doc``) and everything inside it; ``known``
        gives the layers of a base that was itself merged, by path (``at``)."""
        at = path if at is None else at
        if known:
            layer = known.get(at, layer)
        if isinstance(node, (dict, list)):
            self.of[id(node)] = (doc, path, layer)
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in items:
                self.register(doc, value, path + (key,), layer, known, at + (key,))


def _find(data, parts, file):
    """The container and key/index that an element path names; KeyError with a suggestion."""
    node = data
    trail = []
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        if isinstance(node, list):
            key_field = _LISTS.get(trail[-1] if trail else "")
            index = next(
                (i for i, item in enumerate(node) if isinstance(item, dict) and str(item.get(key_field)) == part), None
            )
            if index is None:
                names = [str(item.get(key_field)) for item in node if isinstance(item, dict)]
                raise KeyError((part, names))
            if last:
                return node, index
            node = node[index]
        elif isinstance(node, dict):
            if part not in node:
                raise KeyError((part, [str(k) for k in node]))
            if last:
                return node, part
            node = node[part]
        else:
            raise KeyError((part, []))
        trail.append(part)
    raise KeyError(("", []))


def _container(data, parts):
    node = data
    for part in parts:
        if isinstance(node, list):
            raise KeyError((part, []))
        if part not in node:
            raise KeyError((part, [str(k) for k in node]))
        node = node[part]
    return node


#: the callback that gives the base policies of a policy loaded from text or a mapping
_LOADER: ContextVar[Callable | None] = ContextVar("kaohe_base_loader", default=None)


def document_from(source: str | Mapping, name: str) -> Document:
    """A policy document from YAML text or from a mapping (a mapping is written out as YAML
    first, so every problem still has a line and a column)."""
    if isinstance(source, Mapping):
        try:
            source = yaml.safe_dump(dict(source), allow_unicode=True, sort_keys=False)
        except yaml.YAMLError as exc:
            raise PolicyError(Diagnostic.of("policy.mapping", Location(name), parser=str(exc))) from None
    if not isinstance(source, str):
        raise KaoheError(Diagnostic.of("usage.policy-source", Location(name), kind=type(source).__name__))
    return parse_yaml(source, name)


@contextmanager
def base_loader(loader: Callable | None) -> Iterator[None]:
    """While the block runs, ``extends: REF`` asks ``loader(REF)`` first: it returns the base
    policy's YAML text or mapping, or None to look for a file or an installed policy."""
    token = _LOADER.set(loader)
    try:
        yield
    finally:
        _LOADER.reset(token)


def _given_base(reference: str, here: Location) -> Document | None:
    loader = _LOADER.get()
    if loader is None:
        return None
    try:
        source = loader(reference)
    except KaoheError:
        raise
    except Exception as exc:  # the caller's callback failed: say where, not a traceback
        raise PolicyError(
            Diagnostic.of("extends.loader", here, reference=reference, kind=type(exc).__name__, error=str(exc))
        ) from None
    return None if source is None else document_from(source, reference)


def resolve_layers(doc: Document, _seen: tuple = ()) -> tuple[Document, dict, list]:
    """The document with its ``extends`` chain merged in; (merged doc, layers, warnings).

    ``layers`` maps element paths of the merged data to the policy id that defined them.
    """
    data = doc.data
    if not isinstance(data, dict) or "extends" not in data:
        return doc, {}, []
    here = Location(doc.file, *(lambda loc: (loc.line, loc.col))(doc.loc(("extends",))))
    if not isinstance(data["extends"], str):
        raise PolicyError(Diagnostic.of("extends.invalid", here))
    reference = data["extends"]
    given = _given_base(reference, here)
    base_path: Path | None = None
    if given is None:
        try:  # a path relative to this policy, else an installed policy's file name, short name or id
            base_path = find_policy(reference, relative_to=Path(doc.file).parent).resolve()
        except PolicyNotFound:
            base_path = None
    key = str(base_path) if given is None else f"loader:{reference}"
    if ((given is not None or base_path is not None) and key in _seen) or len(_seen) >= MAX_LAYERS:
        raise PolicyError(Diagnostic.of("extends.cycle", here, limit=MAX_LAYERS, path=reference))
    if given is None and base_path is None:
        raise PolicyError(Diagnostic.of("extends.missing", here, path=reference))
    own = str(Path(doc.file).resolve()) if _LOADER.get() is None else f"loader:{doc.file}"
    source = given if given is not None else load_yaml(base_path) if base_path is not None else None
    assert source is not None  # one of the two, or extends.missing was raised above
    base_doc, base_layers, warnings = resolve_layers(source, _seen + (own,))
    base = base_doc.data
    if not isinstance(base, dict):
        raise PolicyError(Diagnostic.of("extends.invalid/base", here))
    base_id, child_id = str(base.get("id", "base")), str(data.get("id", "policy"))
    origins = _Origins()
    origins.register(base_doc, base, (), base_id, base_layers)
    origins.register(doc, data, (), child_id)
    layer_of_base = dict(base_layers)

    merged = {k: v for k, v in base.items() if k not in ("extends", "changes")}
    key_origin: dict[str, tuple[Document | None, tuple, str]] = {k: (base_doc, (k,), base_id) for k in merged}
    problems: list[Diagnostic] = []
    for key, value in data.items():
        if key in ("extends", "changes"):
            continue
        if key in ("rules", "entities") and key in merged:
            section = dict(merged[key])
            origins.keys[id(section)] = {k: (base_doc, (key, k), layer_of_base.get((key, k), base_id)) for k in section}
            origins.keep.append(section)
            for name, item in (value or {}).items():
                if name in section:
                    problems.append(
                        Diagnostic.of("extends.collision", doc.key_loc((key, name)), path=f"{key}/{name}", base=base_id)
                    )
                    continue
                section[name] = item
                origins.keys[id(section)][name] = (doc, (key, name), child_id)
            merged[key] = section
            key_origin[key] = (None, (key,), child_id)
        else:
            merged[key] = value
            key_origin[key] = (doc, (key,), child_id)
    merged["extends"] = data["extends"]
    key_origin["extends"] = (doc, ("extends",), child_id)
    overridden: dict[tuple, str] = {}

    for i, change in enumerate(data.get("changes") or []):
        where = doc.loc(("changes", i))
        if not isinstance(change, dict):
            problems.append(Diagnostic.of("extends.change", where))
            continue
        verbs = [v for v in ("override", "add", "remove") if v in change]
        if len(verbs) != 1 or set(change) - {"override", "add", "remove", "with", "note"}:
            problems.append(Diagnostic.of("extends.change/verbs", where))
            continue
        verb = verbs[0]
        parts = [p.strip() for p in str(change[verb]).split("/") if p.strip()]
        body = change.get("with")
        if verb != "remove" and not isinstance(body, dict):
            problems.append(Diagnostic.of("extends.change/with", where, verb=verb))
            continue
        try:
            if verb == "add":
                assert isinstance(body, dict)  # refused above for every verb but remove
                try:
                    holder = _container(merged, parts)
                except KeyError:
                    holder = None
                if isinstance(holder, list):
                    key_field = _LISTS.get(parts[-1])
                    if any(isinstance(item, dict) and item.get(key_field) == body.get(key_field) for item in holder):
                        raise Problem("extends.change/has", path="/".join(parts), item=body.get(key_field))
                    _replace(merged, parts, list(holder) + [body], origins, holder)
                elif holder is not None:
                    raise Problem("extends.change/exists", path="/".join(parts))
                else:
                    parent = _container(merged, parts[:-1])
                    if not isinstance(parent, dict):
                        raise Problem("extends.change/add", path="/".join(parts))
                    parent[parts[-1]] = body
                origins.register(doc, body, ("changes", i, "with"), child_id)
            else:
                holder, key = _find(merged, parts, doc.file)
                if verb == "remove":
                    if isinstance(holder, list):
                        _replace(merged, parts[:-1], [x for j, x in enumerate(holder) if j != key], origins, holder)
                    else:
                        del holder[key]
                else:
                    assert isinstance(body, dict)  # refused above for every verb but remove
                    current = holder[key]
                    if not isinstance(current, dict):
                        raise Problem("extends.change/override", path="/".join(parts))
                    new = {**current, **body}
                    if new == current:
                        warnings.append(
                            Diagnostic.of("extends.no-change", where, severity="warning", path="/".join(parts))
                        )
                    origin = origins.of.get(id(current), (base_doc, (), base_id))
                    origins.keys[id(new)] = {
                        k: (
                            (doc, ("changes", i, "with", k), child_id)
                            if k in body
                            else (origin[0], origin[1] + (k,), origin[2])
                        )
                        for k in new
                    }
                    origins.keep.append(new)
                    origins.register(doc, body, ("changes", i, "with"), child_id)
                    origins.of[id(new)] = (doc, ("changes", i, "with"), child_id)
                    holder[key] = new
                    overridden[tuple(parts)] = child_id
        except KeyError as exc:
            part, names = exc.args[0]
            problems.append(
                Diagnostic.of(
                    "extends.not-found",
                    doc.loc(("changes", i, verb)),
                    advice=did_you_mean(part, names),
                    verb=verb,
                    path="/".join(parts),
                    part=part,
                )
            )
        except Problem as exc:
            problems.append(Diagnostic.of(exc.key, doc.loc(("changes", i, verb)), **exc.params))
    if problems:
        raise PolicyError(problems)

    positions: dict = {}
    key_positions: dict = {}
    layers: dict = {}
    _place(merged, (), (doc, (), child_id), origins, positions, key_positions, layers, key_origin)
    merged_doc = Document(doc.file, merged, positions, key_positions)
    merged_doc.chain = (base_doc.chain or (base_id,)) + (child_id,)
    return merged_doc, layers, warnings


def _replace(merged, parts, new_list, origins, old):
    """Put a new list where ``parts`` points, keeping the old list's origin."""
    holder = _container(merged, parts[:-1]) if len(parts) > 1 else merged
    if id(old) in origins.of:
        origins.of[id(new_list)] = origins.of[id(old)]
    origins.keep.append(new_list)
    holder[parts[-1]] = new_list


def _place(node, path, origin, origins, positions, key_positions, layers, key_origin=None):
    """Give every node of the merged data the location (and layer) it came from."""
    doc, src, layer = origin
    if doc is not None:
        loc = doc.positions.get(src)
        if loc is not None:
            positions[path] = loc
    per_key = key_origin or origins.keys.get(id(node))
    if len(path) in (2, 4, 6) or (len(path) >= 3 and path[-2] in ("levels", "consequences", "tiers", "otherwise")):
        layers[path] = layer
    if isinstance(node, dict):
        for key, value in node.items():
            k_origin = per_key.get(key) if per_key else (doc, src + (key,), layer)
            k_doc, k_src, k_layer = k_origin if k_origin else (doc, src + (key,), layer)
            if k_doc is not None and k_doc.key_positions.get(k_src) is not None:
                key_positions[path + (key,)] = k_doc.key_positions[k_src]
            if isinstance(value, (dict, list)):
                own = origins.of.get(id(value)) or (k_doc, k_src, k_layer)
                _place(value, path + (key,), own, origins, positions, key_positions, layers, None)
            elif k_doc is not None:
                loc = k_doc.positions.get(k_src)
                if loc is not None:
                    positions[path + (key,)] = loc
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, (dict, list)):
                _place(
                    value,
                    path + (index,),
                    origins.of.get(id(value), (doc, src + (index,), layer)),
                    origins,
                    positions,
                    key_positions,
                    layers,
                    None,
                )
            elif doc is not None and doc.positions.get(src + (index,)) is not None:
                positions[path + (index,)] = doc.positions[src + (index,)]
