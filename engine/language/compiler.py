"""From a checked YAML document to an immutable :class:`~engine.model.PolicySpec`.

The compiler runs a named, ordered list of checks. Each check adds diagnostics instead of
stopping, so an officer sees every problem of a file in one run. A check that needs the
output of an earlier one says so and is skipped when that one failed.
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import itertools
from pathlib import Path

from ..base.errors import Diagnostic, Location, PolicyError
from ..base.numbers import exact, format_number, parse_interval
from .expressions import ExpressionProblem, parse_expression
from .kinds import build_coercer
from .layers import resolve_layers
from .loader import Document, load_yaml
from .model import (
    FAILING_AGGREGATES,
    Consequence,
    Entity,
    Grade,
    Input,
    Level,
    Members,
    PolicySpec,
    Rule,
    Schedule,
    Target,
    Text,
    Tier,
    Value,
)
from .schedules import check_schedules
from .schema import check_document
from .types import (
    BOOLEAN,
    DATE,
    INTEGER,
    RATIO,
    TEXT,
    Type,
    TypeProblem,
    check_condition,
    code_type,
    given_names,
    infer,
    input_type,
    list_of,
    tier_value_type,
    unify,
)

__all__ = ["compile_document", "compile_file"]

#: Names every expression may read besides the entity's own inputs and values.
BUILTIN_NAMES = {"as_of": "the day the evaluation is judged at (--as-of)"}
#: The types of the builtin and schedule names.
NAME_TYPES = {
    "as_of": DATE,
    "in_schedule": BOOLEAN,
    "batch_year": INTEGER.or_empty(),
    "batch_deadline": DATE.or_empty(),
    "demonstration": BOOLEAN,
    "acting_unit": TEXT.or_empty(),
}
#: Names an entity with a ``schedule`` may read: its unit's place in the rollout.
SCHEDULE_NAMES = {
    "in_schedule": "the record's key is an implementation unit of the schedule",
    "batch_year": "the year of the unit's batch (through its central school if it acts through one)",
    "batch_deadline": "the last day of that batch year",
    "demonstration": "the unit is a demonstration school",
    "acting_unit": "the unit that carries out the rollout (itself or its central school)",
}


_WHAT_ZH = {
    "expression": "表达式",
    "grade condition": "等级条件",
    "consequence condition": "后果条件",
    "credit amount": "学分数额",
    "aggregate": "汇总表达式",
    "aggregate filter": "汇总筛选条件",
    "tier lookup": "分档依据",
}


def _text(raw) -> Text:
    if isinstance(raw, dict):
        return Text(raw["zh"], raw.get("en"))
    return Text(str(raw))


class _Compiler:
    def __init__(self, doc: Document, layers: dict | None = None, warnings: list | None = None):
        self.doc = doc
        self.layers = layers or {}
        self.own_layer = str(doc.data.get("id", "")) if isinstance(doc.data, dict) else ""
        self.data = doc.data
        self.diagnostics: list[Diagnostic] = list(warnings or [])
        self.rules: dict[str, Rule] = {}
        self.entities: dict[str, Entity] = {}
        self.schedules: dict[str, Schedule] = {}
        self.expr_paths: dict = {}  # id(Expression) -> (path, what)
        self.file_lines: dict = {}

    # -- helpers --------------------------------------------------------------------------
    def layer(self, path) -> str:
        """The policy (layer) that defined the element at ``path``."""
        path = tuple(path)
        while path:
            if path in self.layers:
                return self.layers[path]
            path = path[:-1]
        return self.own_layer

    def error(self, code, message, path, rule=None, hint=None, col_offset=0, key=False, **params):
        loc = self.doc.key_loc(path) if key else self.doc.loc(path)
        if col_offset and loc.line:
            loc = Location(loc.file, loc.line, loc.col + col_offset)
        self.diagnostics.append(Diagnostic(code, message, loc, rule=rule, hint=hint, params=params))

    def lines_of(self, file) -> list | None:
        if file not in self.file_lines:
            try:
                self.file_lines[file] = Path(file).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeError, ValueError):
                self.file_lines[file] = None
        return self.file_lines[file]

    def place(self, loc: Location, text: str, offset: int) -> Location:
        """The file location of character ``offset`` of an expression whose YAML scalar
        starts at ``loc``: after the quote of a quoted scalar, on the lines of a block
        scalar (| or >) or of a plain scalar folded over several lines. YAML only changes
        the whitespace of an expression, so the n-th other character of the expression is
        the n-th other character of the scalar."""
        lines = self.lines_of(loc.file) if loc.line else None
        if not lines or loc.line > len(lines):
            return Location(loc.file, loc.line, loc.col + offset) if loc.line else loc
        count = sum(1 for ch in text[:offset] if not ch.isspace())
        row, col = loc.line - 1, loc.col - 1
        first = lines[row][col : col + 1]
        if first in ("'", '"'):
            col += 1
        elif first in ("|", ">"):
            row, col = row + 1, 0
        while row < len(lines):
            line = lines[row]
            while col < len(line):
                if not line[col].isspace():
                    if count == 0:
                        return Location(loc.file, row + 1, col + 1)
                    count -= 1
                col += 1
            row, col = row + 1, 0
        return loc

    def type_error(self, expression, problem: TypeProblem, rule=None):
        """A :class:`TypeProblem` of an expression as a located diagnostic."""
        _path, what = self.expr_paths.get(id(expression), ((), "expression"))
        loc = expression.location
        node = problem.node
        if node is not None and hasattr(node, "lineno"):
            lines = expression.text.split("\n")
            line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
            chars = len(line.encode("utf-8")[: node.col_offset].decode("utf-8", errors="ignore"))
            offset = sum(len(x) + 1 for x in lines[: node.lineno - 1]) + chars
            loc = self.place(loc, expression.text, offset)
        self.diagnostics.append(
            Diagnostic(
                problem.code,
                f"{what}: {problem.message} in `{expression.text}`",
                loc,
                rule=rule,
                hint=problem.hint,
                params=dict(
                    what=_WHAT_ZH.get(what, what), text=expression.text, detail=problem.message, **problem.params
                ),
            )
        )

    def expression(self, raw, path, names, rule=None, what="expression"):
        loc = self.doc.loc(path)
        try:
            expression = parse_expression(raw, loc, names)
            self.expr_paths[id(expression)] = (path, what)
            return expression
        except ExpressionProblem as problem:
            where = self.place(loc, str(raw).strip(), max(problem.col - 1, 0)) if problem.col else loc
            self.diagnostics.append(
                Diagnostic(
                    problem.code,
                    f"{what}: {problem.message} in `{raw}`",
                    where,
                    rule=rule,
                    hint=problem.hint,
                    params=dict(what=_WHAT_ZH.get(what, what), text=raw, detail=problem.message, **problem.params),
                )
            )
            return None

    def rule_ref(self, raw_rule, path):
        if raw_rule not in self.rules:
            close = difflib.get_close_matches(raw_rule, list(self.rules), n=1)
            self.error(
                "rule.unknown",
                f"rule '{raw_rule}' is not in this policy's rules catalogue",
                path,
                hint=f"did you mean '{close[0]}'?" if close else "add it under rules:",
                rule_id=raw_rule,
                **({"suggestion": close[0]} if close else {}),
            )
        return raw_rule

    def interval(self, raw, path, rule=None):
        try:
            return parse_interval(raw)
        except ValueError as exc:
            self.error("interval.invalid", str(exc), path, rule=rule, detail=str(exc))
            return None

    # -- checks ---------------------------------------------------------------------------
    def check_schema(self):
        found = check_document(self.doc)
        self.diagnostics.extend(found)
        return not found

    def check_flow_commas(self):
        """``periods: [上学期，下学期]``: YAML splits a flow list at ASCII commas only, so a
        full-width comma silently makes one item. An unquoted item of a [ ] list with one
        is refused where it stands."""
        stack = [((), self.data)]
        while stack:
            path, node = stack.pop()
            if isinstance(node, dict):
                stack.extend((path + (k,), v) for k, v in node.items())
                continue
            if not isinstance(node, list):
                continue
            for i, item in enumerate(node):
                if not isinstance(item, str):
                    stack.append((path + (i,), item))
                    continue
                if "，" not in item:
                    continue
                loc = self.doc.loc(path + (i,))
                lines = self.lines_of(loc.file) if loc.line else None
                if not lines or loc.line > len(lines):
                    continue
                line = lines[loc.line - 1]
                before = line[: loc.col - 1].rstrip()
                if line[loc.col - 1 : loc.col] in ("'", '"') or not before.endswith(("[", ",")):
                    continue  # a quoted item, or an item of a block list: the comma is meant
                parts = [p.strip() for p in item.split("，")]
                self.diagnostics.append(
                    Diagnostic(
                        "yaml.fullwidth-comma",
                        f"a full-width comma '，' does not separate the items of a [ ] list: "
                        f"'{item}' is one item, not {len(parts)}",
                        Location(loc.file, loc.line, loc.col + item.index("，")),
                        hint=f"use ASCII commas: [{', '.join(parts)}]; quote the item if the comma belongs to it",
                        params={"item": item, "count": len(parts), "fixed": ", ".join(parts)},
                    )
                )

    def check_rules(self):
        for rid, raw in self.data["rules"].items():
            self.rules[rid] = Rule(rid, raw["ref"], raw["clause"], raw.get("note"), self.doc.key_loc(("rules", rid)))

    def check_effective(self):
        eff = self.data["effective"]
        self.effective_from = self.effective_to = None
        for key in ("from", "to"):
            if eff.get(key) is None:
                continue
            try:
                day = dt.date.fromisoformat(eff[key])
            except ValueError:
                self.error("date.invalid", f"{eff[key]!r} is not a real date", ("effective", key))
                continue
            setattr(self, f"effective_{key}", day)
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            self.error("date.order", "the effective period ends before it starts", ("effective", "to"))
        try:
            dt.date.fromisoformat(self.data["source"]["date"])
        except ValueError:
            self.error("date.invalid", "the source date is not a real date", ("source", "date"))

    def compile_input(self, name, raw, path) -> Input | None:
        kind = raw["type"]
        interval = self.interval(raw["range"], path + ("range",)) if "range" in raw else None
        if "range" in raw and kind not in ("integer", "number"):
            self.error("input.range", f"'range' applies to numbers, not to type {kind}", path + ("range",))
        values = tuple(raw.get("values", ()))
        aliases = dict(raw.get("aliases", {}))
        if kind == "enum":
            if not values:
                self.error("input.enum", f"input '{name}' of type enum needs 'values'", path)
            for alias, target in aliases.items():
                if target not in values:
                    self.error(
                        "input.alias",
                        f"alias '{alias}' points to '{target}', which is not one of {list(values)}",
                        path + ("aliases", alias),
                    )
        elif values or aliases:
            self.error("input.enum", "'values' and 'aliases' apply to type enum only", path)
        items = None
        if kind == "list":
            if "items" not in raw:
                self.error("input.items", f"input '{name}' of type list needs 'items'", path)
                return None
            items = self.compile_input(name + "[]", raw["items"], path + ("items",))
            if items is None:
                return None
        elif "items" in raw:
            self.error("input.items", "'items' applies to type list only", path + ("items",))
        fields = None
        if kind == "record":
            if not name.endswith("[]"):
                self.error(
                    "input.record",
                    f"input '{name}' of type record must be the items of a list",
                    path + ("type",),
                    hint="declare type: list with items: {type: record, fields: {...}}",
                    name=name,
                )
                return None
            if "fields" not in raw:
                self.error("input.fields", f"the records of '{name[:-2]}' need 'fields'", path, name=name[:-2])
                return None
            fields = {}
            for fname, fraw in raw["fields"].items():
                field = self.compile_input(fname, fraw, path + ("fields", fname))
                if field is None:
                    return None
                if field.type in ("list", "record"):
                    self.error(
                        "input.fields",
                        f"field '{fname}' of a record is {field.type}; a field holds one value",
                        path + ("fields", fname, "type"),
                        name=fname,
                    )
                    return None
                fields[fname] = field
        elif "fields" in raw:
            self.error("input.fields", "'fields' applies to type record only", path + ("fields",))
        spec = Input(
            name=name,
            type=kind,
            label=_text(raw.get("label", name)),
            location=self.doc.key_loc(path),
            unit=raw.get("unit"),
            description=raw.get("description"),
            range=interval,
            values=values,
            aliases=aliases,
            columns=tuple(raw.get("columns", ())),
            items=items,
            fields=fields,
            max_items=raw.get("max_items"),
            required=bool(raw.get("required", False)),
            changeable=bool(raw.get("changeable", False)),
            has_default="default" in raw,
            default=None,
        )
        if "default" in raw and raw["default"] is not None:
            try:
                default = build_coercer(spec)(
                    raw["default"] if not isinstance(raw["default"], list) else list(raw["default"])
                )
            except ValueError as exc:
                self.error("input.default", f"the default of '{name}' is not valid: {exc}", path + ("default",))
                return None
            object.__setattr__(spec, "default", default)
        return spec

    def compile_tiers(self, ename, vname, raw, path, rule):
        domain = self.interval(raw["domain"], path + ("domain",), rule) if "domain" in raw else None
        tiers = []
        for i, row in enumerate(raw["tiers"]):
            interval = self.interval(row["range"], path + ("tiers", i, "range"), rule)
            if interval is None:
                continue
            value = row["value"]
            if not isinstance(value, (str, bool)):
                value = exact(value)
            row_rule = self.rule_ref(row["rule"], path + ("tiers", i, "rule")) if "rule" in row else rule
            tiers.append(
                Tier(
                    interval,
                    value,
                    row.get("clause"),
                    row_rule,
                    self.doc.loc(path + ("tiers", i)),
                    self.layer(path + ("tiers", i)),
                )
            )
        if len(tiers) == len(raw["tiers"]):
            self.check_partition(tiers, domain, path, rule)
        tiers.sort(
            key=lambda t: (
                t.interval.lo is not None,
                t.interval.lo if t.interval.lo is not None else 0,
                not t.interval.lo_closed,
            )
        )
        return tuple(tiers), domain

    def check_partition(self, tiers, domain, path, rule):
        """Tiers must cover the domain exactly once: no gap, no overlap."""

        def lo_key(t):
            iv = t.interval
            return (iv.lo is not None, iv.lo if iv.lo is not None else 0, not iv.lo_closed)

        ordered = sorted(enumerate(tiers), key=lambda pair: lo_key(pair[1]))
        for (_ia, a), (ib, b) in itertools.pairwise(ordered):
            ahi, blo = a.interval, b.interval
            where = path + ("tiers", ib)
            if (
                ahi.hi is None
                or (blo.lo is not None and ahi.hi > blo.lo)
                or (blo.lo is not None and ahi.hi == blo.lo and ahi.hi_closed and blo.lo_closed)
            ):
                shared = format_number(blo.lo) if blo.lo is not None else "-inf"
                self.error(
                    "tiers.overlap",
                    f"tiers {a.interval} and {b.interval} overlap at {shared}: a value there would match both",
                    where,
                    rule=rule,
                    a=str(a.interval),
                    b=str(b.interval),
                    at=shared,
                    hint="decide which tier the bound belongs to: ')' leaves it out, '[' takes it in "
                    "(Chinese 以上/以下 both include the number; the higher level usually wins)",
                )
            elif blo.lo is None or ahi.hi < blo.lo or (ahi.hi == blo.lo and not ahi.hi_closed and not blo.lo_closed):
                gap = format_number(ahi.hi)
                self.error(
                    "tiers.gap",
                    f"tiers {a.interval} and {b.interval} leave a gap at {gap}: a value there matches no tier",
                    where,
                    rule=rule,
                    a=str(a.interval),
                    b=str(b.interval),
                    at=gap,
                    hint="close the gap: make one of the two ends include the number",
                )
        if domain is not None and ordered:
            first, last = ordered[0][1].interval, ordered[-1][1].interval
            if domain.lo is not None and (
                first.lo is None
                or first.lo > domain.lo
                or (first.lo == domain.lo and domain.lo_closed and not first.lo_closed)
            ):
                self.error(
                    "tiers.gap",
                    f"the tiers do not cover the low end of the domain {domain}",
                    path + ("tiers",),
                    rule=rule,
                )
            if (
                domain.hi is not None
                and last.hi is not None
                and (last.hi < domain.hi or (last.hi == domain.hi and domain.hi_closed and not last.hi_closed))
            ):
                self.error(
                    "tiers.gap",
                    f"the tiers do not cover the high end of the domain {domain}",
                    path + ("tiers",),
                    rule=rule,
                )
            if domain.hi is None and last.hi is not None:
                self.error(
                    "tiers.gap",
                    f"the tiers stop at {format_number(last.hi)} but the domain {domain} goes on",
                    path + ("tiers",),
                    rule=rule,
                )
            if domain.lo is None and first.lo is not None:
                self.error(
                    "tiers.gap",
                    f"the tiers start at {format_number(first.lo)} but the domain {domain} has no lower bound",
                    path + ("tiers",),
                    rule=rule,
                )

    def compile_entity(self, ename, raw):
        path = ("entities", ename)
        inputs = {}
        for iname, iraw in raw["inputs"].items():
            spec = self.compile_input(iname, iraw, path + ("inputs", iname))
            if spec is not None:
                inputs[iname] = spec
        key = raw.get("key", "id")
        if key not in raw["inputs"]:
            self.error(
                "entity.key",
                f"entity '{ename}' has no input '{key}' to identify its records",
                path,
                hint="declare an input 'id' or name the key input with key:",
            )
        members = None
        if "members" in raw:
            by = raw["members"]["by"]
            members = Members(
                raw["members"]["entity"],
                (by,) if isinstance(by, str) else tuple(by),
                self.doc.loc(path + ("members",)),
                raw["members"].get("rejected", "refuse"),
            )
        raw_values = raw.get("values", {})
        value_names = set(raw_values)
        for clash in value_names & set(inputs):
            self.error("name.clash", f"'{clash}' is both an input and a value", path + ("values", clash), key=True)
        names = {**{n: "input" for n in raw["inputs"]}, **{n: "value" for n in raw_values}, **BUILTIN_NAMES}
        schedule = raw.get("schedule")
        if schedule is not None:
            if schedule not in self.data.get("schedules", {}):
                close = difflib.get_close_matches(schedule, list(self.data.get("schedules", {})), n=1)
                self.error(
                    "schedule.unknown",
                    f"schedule '{schedule}' is not defined under schedules:",
                    path + ("schedule",),
                    hint=f"did you mean '{close[0]}'?" if close else None,
                )
            names.update(SCHEDULE_NAMES)
        values = {}
        for vname, vraw in raw_values.items():
            vpath = path + ("values", vname)
            rule = self.rule_ref(vraw["rule"], vpath + ("rule",))
            common = dict(
                name=vname,
                rule=rule,
                label=_text(vraw.get("label", vname)),
                location=self.doc.key_loc(vpath),
                report=bool(vraw.get("report", False)),
                clause=vraw.get("clause"),
                layer=self.layer(vpath),
            )
            if "expr" in vraw:
                expr = self.expression(vraw["expr"], vpath + ("expr",), names, rule)
                if expr is not None:
                    values[vname] = Value(kind="expr", expr=expr, **common)
            elif "tiers" in vraw:
                expr = self.expression(vraw["of"], vpath + ("of",), names, rule)
                tiers, domain = self.compile_tiers(ename, vname, vraw, vpath, rule)
                if expr is not None:
                    values[vname] = Value(kind="tiers", expr=expr, tiers=tiers, domain=domain, **common)
            else:
                values[vname] = Value(kind="aggregate", aggregate=vraw["aggregate"], **common)
                self.pending_aggregates.append((ename, vname, vraw, vpath, values))
        member_inputs = {}
        for iname, iraw in raw["inputs"].items():
            if "from_members" in iraw:
                fpath = path + ("inputs", iname, "from_members")
                fraw = iraw["from_members"]
                frule = self.rule_ref(fraw["rule"], fpath + ("rule",))
                member_inputs[iname] = Value(
                    name=iname,
                    rule=frule,
                    label=_text(iraw.get("label", iname)),
                    kind="aggregate",
                    aggregate=fraw["aggregate"],
                    location=self.doc.loc(fpath),
                )
                self.pending_aggregates.append((ename, iname, fraw, fpath, member_inputs))
        ordered = self.order_values(ename, values, path)

        grade = None
        if "grade" in raw:
            graw = raw["grade"]
            gpath = path + ("grade",)
            grule = self.rule_ref(graw["rule"], gpath + ("rule",))
            levels, codes = [], set()
            for i, lraw in enumerate(graw["levels"]):
                lpath = gpath + ("levels", i)
                if lraw["code"] in codes:
                    self.error("grade.duplicate", f"grade code '{lraw['code']}' is used twice", lpath + ("code",))
                codes.add(lraw["code"])
                lrule = self.rule_ref(lraw["rule"], lpath + ("rule",)) if "rule" in lraw else grule
                when = self.expression(lraw["when"], lpath + ("when",), names, lrule, "grade condition")
                if when is not None:
                    levels.append(
                        Level(
                            lraw["code"],
                            _text(lraw["label"]),
                            when,
                            lrule,
                            self.doc.loc(lpath),
                            lraw.get("rank"),
                            self.layer(lpath),
                            "rank" in lraw and lraw["rank"] is None,
                        )
                    )
            oraw = graw["otherwise"]
            if oraw["code"] in codes:
                self.error(
                    "grade.duplicate", f"grade code '{oraw['code']}' is used twice", gpath + ("otherwise", "code")
                )
            codes.add(oraw["code"])
            orule = self.rule_ref(oraw["rule"], gpath + ("otherwise", "rule")) if "rule" in oraw else grule
            otherwise = Level(
                oraw["code"],
                _text(oraw["label"]),
                None,
                orule,
                self.doc.loc(gpath + ("otherwise",)),
                oraw.get("rank"),
                self.layer(gpath + ("otherwise",)),
                "rank" in oraw and oraw["rank"] is None,
            )
            grade = Grade(grule, tuple(levels), otherwise, self.doc.loc(gpath))
        cnames = dict(names)
        if grade is not None:
            cnames["grade"] = "the grade code"
        consequences, ids = [], set()
        for i, craw in enumerate(raw.get("consequences", [])):
            cpath = path + ("consequences", i)
            if craw["id"] in ids:
                self.error("consequence.duplicate", f"consequence id '{craw['id']}' is used twice", cpath + ("id",))
            ids.add(craw["id"])
            rule = self.rule_ref(craw["rule"], cpath + ("rule",))
            when = self.expression(craw["when"], cpath + ("when",), cnames, rule, "consequence condition")
            if when is None:
                continue
            kind = next(k for k in ("credit", "sanction", "obligation", "award") if k in craw)
            body = craw[kind]
            common = dict(
                id=craw["id"],
                rule=rule,
                kind=kind,
                when=when,
                location=self.doc.loc(cpath),
                clause=craw.get("clause"),
                layer=self.layer(cpath),
            )
            if kind == "credit":
                amount = self.expression(body["amount"], cpath + ("credit", "amount"), cnames, rule, "credit amount")
                if amount is None:
                    continue
                consequences.append(
                    Consequence(
                        code=body["kind"],
                        label=_text(body.get("kind_label", body["kind"])),
                        amount=amount,
                        credit_kind=body["kind"],
                        periods=tuple(body.get("periods", (None,))),
                        **common,
                    )
                )
            else:
                consequences.append(Consequence(code=body["code"], label=_text(body["label"]), **common))
        self.entities[ename] = Entity(
            name=ename,
            label=_text(raw["label"]),
            key=key,
            inputs=inputs,
            values=ordered,
            grade=grade,
            consequences=tuple(consequences),
            members=members,
            location=self.doc.key_loc(path),
            member_inputs=member_inputs,
            schedule=schedule,
        )

    def order_values(self, ename, values, path) -> dict:
        """Values in dependency order; a cycle is an error naming its members."""
        order, state = [], {}

        def visit(name, trail):
            if state.get(name) == "done":
                return
            if state.get(name) == "active":
                cycle = trail[trail.index(name) :] + [name]
                self.error(
                    "values.cycle",
                    "values depend on each other in a circle: " + " -> ".join(cycle),
                    path + ("values", name),
                    rule=values[name].rule,
                    key=True,
                    cycle=" -> ".join(cycle),
                )
                return
            state[name] = "active"
            for dep in sorted(values[name].reads):
                if dep in values:
                    visit(dep, trail + [name])
            state[name] = "done"
            order.append(name)

        for name in values:
            visit(name, [])
        return {name: values[name] for name in order}

    def check_aggregates(self):
        """Aggregate values need a members declaration; their expressions read the member."""
        for ename, vname, vraw, vpath, holder in self.pending_aggregates:
            entity = self.entities.get(ename)
            if entity is None:
                continue
            rule = vraw["rule"]
            if entity.members is None:
                self.error(
                    "aggregate.members",
                    f"'{vname}' aggregates over members, but entity '{ename}' declares no members:",
                    vpath,
                    rule=rule,
                    key=True,
                )
                continue
            member = self.entities.get(entity.members.entity)
            if member is None:
                close = difflib.get_close_matches(entity.members.entity, list(self.entities), n=1)
                self.error(
                    "members.unknown",
                    f"members entity '{entity.members.entity}' is not defined",
                    ("entities", ename, "members", "entity"),
                    hint=f"did you mean '{close[0]}'?" if close else None,
                )
                continue
            mnames = {**{n: "input" for n in member.inputs}, **{n: "value" for n in member.values}, **BUILTIN_NAMES}
            if member.grade is not None:
                mnames["grade"] = "the member's grade code"
            fn = vraw["aggregate"]
            over = where = None
            if "over" in vraw:
                over = self.expression(vraw["over"], vpath + ("over",), mnames, rule, "aggregate")
            elif fn not in ("count",):
                self.error(
                    "aggregate.over",
                    f"aggregate '{fn}' needs 'over': the member expression it works on",
                    vpath,
                    rule=rule,
                    key=True,
                )
            if "where" in vraw:
                where = self.expression(vraw["where"], vpath + ("where",), mnames, rule, "aggregate filter")
            if entity.members.rejected == "fail" and fn not in FAILING_AGGREGATES:
                self.error(
                    "members.rejected",
                    f"'{vname}': with members rejected: fail, a rejected member counts as meeting no condition,"
                    f" which says nothing about its '{fn}'",
                    vpath + ("aggregate",),
                    rule=rule,
                    hint="use rejected: refuse or exclude, or aggregate with " + ", ".join(FAILING_AGGREGATES),
                )
            value = holder[vname]
            object.__setattr__(value, "over", over)
            object.__setattr__(value, "where", where)
        for ename, entity in self.entities.items():
            if entity.members is not None and entity.members.entity in self.entities:
                member = self.entities[entity.members.entity]
                for i, by in enumerate(entity.members.by):
                    if by not in member.inputs:
                        close = difflib.get_close_matches(by, list(member.inputs), n=1)
                        where = ("entities", ename, "members", "by")
                        self.error(
                            "members.by",
                            f"entity '{member.name}' has no input '{by}' to group by",
                            where if len(entity.members.by) == 1 else where + (i,),
                            hint=f"did you mean '{close[0]}'?" if close else None,
                        )

    # -- types ----------------------------------------------------------------------------
    def infer(self, expression, names, rule, condition=None):
        """The type of an expression, or None after reporting why it has none."""
        if expression is None:
            return None
        try:
            if condition is not None:
                return check_condition(expression.tree, names, condition)
            return infer(expression.tree, names)
        except TypeProblem as problem:
            self.type_error(expression, problem, rule)
            return None

    def check_types(self):
        """Give every input, value and aggregate its type and check every expression:
        operators, functions, comparisons, tier lookups, conditions and amounts."""
        self.types: dict[str, dict] = {}
        visiting: set = set()

        def visit(ename):
            if ename in self.types or ename in visiting or ename not in self.entities:
                return
            visiting.add(ename)
            entity = self.entities[ename]
            if entity.members is not None:
                visit(entity.members.entity)
            self.types[ename] = self.type_entity(entity)

        for ename in self.entities:
            visit(ename)

    def member_names(self, entity) -> dict | None:
        if entity.members is None or entity.members.entity not in self.types:
            return None
        member = self.entities[entity.members.entity]
        names = dict(self.types[member.name])
        if member.grade is not None:
            names["grade"] = code_type(lv.code for lv in member.grade.all_levels)
        return names

    def type_entity(self, entity) -> dict:
        names = {n: input_type(inp) for n, inp in entity.inputs.items()}
        names["as_of"] = NAME_TYPES["as_of"]
        if entity.schedule is not None:
            names.update({n: NAME_TYPES[n] for n in SCHEDULE_NAMES})
        members = self.member_names(entity)
        for iname, value in entity.member_inputs.items():
            found = self.type_aggregate(value, members)
            declared = names[iname]
            if found is not None and not _fits(found, declared):
                message = f"'{iname}' is declared {declared}, but its aggregate '{value.aggregate}' gives {found}"
                params = {"name": iname, "expected": str(declared), "found": str(found)}
                self.diagnostics.append(
                    Diagnostic("type.mismatch", message, value.location, rule=value.rule, params=params)
                )
        for vname, value in entity.values.items():
            found = None
            if value.kind == "expr":
                found = self.infer(value.expr, names, value.rule)
            elif value.kind == "tiers":
                found = self.type_tiers(value, names)
            else:
                found = self.type_aggregate(value, members)
            if found is None:
                found = Type("any")  # already reported; do not report its uses again
            object.__setattr__(value, "type", found)
            names[vname] = found
        if entity.grade is not None:
            for level in entity.grade.levels:
                self.infer(level.when, names, level.rule, condition=f"the condition of grade '{level.code}'")
            names = {**names, "grade": code_type(lv.code for lv in entity.grade.all_levels)}
        for cons in entity.consequences:
            self.infer(cons.when, names, cons.rule, condition=f"the condition of '{cons.id}'")
            if cons.amount is not None:
                amount = self.infer(cons.amount, names, cons.rule)
                if amount is not None and not amount.numeric and amount.kind not in ("any",):
                    path, _what = self.expr_paths.get(id(cons.amount), ((), ""))
                    self.error(
                        "type.mismatch",
                        f"a credit amount must be a number, but `{cons.amount.text}` is {amount}",
                        path,
                        rule=cons.rule,
                        expected="number",
                        found=str(amount),
                    )
        return names

    def type_tiers(self, value, names):
        of = self.infer(value.expr, names, value.rule)
        path, _what = self.expr_paths.get(id(value.expr), ((), ""))
        if of is not None and not of.numeric and of.kind != "any":
            self.error(
                "type.mismatch",
                f"a tier table looks up a number, but `{value.expr.text}` is {of}",
                path,
                rule=value.rule,
                expected="number",
                found=str(of),
                hint="tiers cover ranges of numbers; compute a number in 'of' (days_between() for dates)",
            )
        elif of is not None and of.nullable:
            self.error(
                "type.maybe-empty",
                f"a tier table needs a value, but `{value.expr.text}` may be empty ({of})",
                path,
                rule=value.rule,
                found=str(of),
                hint="give the input a default, or compute 'of' as `x if given(x) else 0`",
            )
        found = tier_value_type([t.value for t in value.tiers])
        if found is None:
            self.error(
                "type.mismatch",
                f"the tiers of '{value.name}' give values of different kinds: "
                + ", ".join(repr(t.value) for t in value.tiers),
                path[:-1] + ("tiers",) if path else (),
                rule=value.rule,
                name=value.name,
                hint="every tier gives a code, or every tier a number, or every tier true/false",
            )
        return found

    def type_aggregate(self, value, members) -> Type | None:
        """The type of an aggregate over members; its 'over' and 'where' checked against
        the member's names."""
        if members is None:
            return None
        fn, rule = value.aggregate, value.rule
        names = members
        if value.where is not None:
            self.infer(value.where, members, rule, condition="an aggregate's 'where'")
            # the members 'where' keeps have the inputs it tests with given(x)
            proven = given_names(value.where.tree)
            names = {n: (t.or_empty(False) if n in proven else t) for n, t in members.items()}
        if value.over is None:
            return INTEGER if fn == "count" else None
        if fn in ("count", "share", "all", "any"):
            self.infer(value.over, names, rule, condition=f"'over' of aggregate '{fn}'")
            return {"count": INTEGER, "share": RATIO}.get(fn, BOOLEAN)
        over = self.infer(value.over, names, rule)
        if over is None or over.kind == "any":
            return None
        path, _what = self.expr_paths.get(id(value.over), ((), ""))
        if fn in ("sum", "mean", "min", "max"):
            if not (over.numeric or (fn in ("min", "max") and over.kind == "date")):
                self.error(
                    "type.mismatch",
                    f"aggregate '{fn}' needs numbers, but `{value.over.text}` is {over}",
                    path,
                    rule=rule,
                    expected="number",
                    found=str(over),
                )
                return None
            if over.nullable:
                self.error(
                    "type.maybe-empty",
                    f"aggregate '{fn}' needs a value from every member, but `{value.over.text}` may be empty",
                    path,
                    rule=rule,
                    found=str(over),
                    hint=f"keep only the members that give it: where: given({value.over.text})"
                    if isinstance(value.over.tree, ast.Name)
                    else "keep only the members that give it with where: given(x)",
                )
            if fn == "sum":
                return Type(over.kind)
            return (RATIO if fn == "mean" else Type(over.kind, over.codes)).or_empty()
        if fn == "distinct":
            if over.kind in ("list", "record"):
                self.error(
                    "type.mismatch",
                    f"aggregate 'distinct' counts single values, but `{value.over.text}` is {over}",
                    path,
                    rule=rule,
                    found=str(over),
                )
            return INTEGER
        return list_of(over)

    def compile_schedules(self):
        for sname, raw in self.data.get("schedules", {}).items():
            path = ("schedules", sname)
            rule = self.rule_ref(raw["rule"], path + ("rule",))
            units = {u: dict(v or {}) for u, v in raw["units"].items()}
            batches, seen = {}, {}
            for year_text, listed in raw["batches"].items():
                year = int(year_text)
                for i, unit in enumerate(listed):
                    upath = path + ("batches", year_text, i)
                    if unit not in units:
                        close = difflib.get_close_matches(unit, list(units), n=1)
                        self.error(
                            "schedule.unit",
                            f"'{unit}' is not a declared implementation unit",
                            upath,
                            rule=rule,
                            hint=f"did you mean '{close[0]}'?" if close else "declare it under units:",
                        )
                    if unit in seen:
                        self.error(
                            "schedule.twice",
                            f"'{unit}' is in the {seen[unit]} batch and again in {year}",
                            upath,
                            rule=rule,
                        )
                    seen[unit] = year
                batches[year] = tuple(listed)
            for unit, info in units.items():
                through = info.get("through")
                if unit not in seen and (through is None or through not in seen):
                    self.error(
                        "schedule.missing",
                        f"implementation unit '{unit}' is in no year's batch",
                        path + ("units", unit),
                        rule=rule,
                        key=True,
                    )
                if through is not None and through not in units:
                    self.error(
                        "schedule.unit",
                        f"'{unit}' acts through '{through}', which is not a declared unit",
                        path + ("units", unit, "through"),
                        rule=rule,
                    )
            targets = []
            for i, traw in enumerate(raw["targets"]):
                trule = self.rule_ref(traw["rule"], path + ("targets", i, "rule"))
                targets.append(
                    Target(
                        traw["year"], exact(traw["share"]), trule, traw.get("note"), self.doc.loc(path + ("targets", i))
                    )
                )
            month, day = map(int, raw.get("year_ends", "12-31").split("-"))
            self.schedules[sname] = Schedule(
                sname,
                rule,
                _text(raw.get("label", sname)),
                units,
                batches,
                tuple(targets),
                (month, day),
                self.doc.key_loc(path),
            )

    def check_properties(self):
        """Each promised relation names an entity and a numeric input (or list of numbers)."""
        for i, prop in enumerate(self.data.get("properties", ())):
            path = ("properties", i)
            entity = self.entities.get(prop["entity"])
            if entity is None:
                close = difflib.get_close_matches(prop["entity"], list(self.entities), n=1)
                self.error(
                    "property.entity",
                    f"no entity '{prop['entity']}'",
                    path + ("entity",),
                    hint=f"did you mean '{close[0]}'?" if close else None,
                )
                continue
            if prop["kind"] == "monotonic":
                name = prop.get("input")
                inp = entity.inputs.get(name)
                if inp is None:
                    close = difflib.get_close_matches(str(name), list(entity.inputs), n=1)
                    self.error(
                        "property.input",
                        f"entity '{entity.name}' has no input '{name}'",
                        path + ("input",),
                        hint=f"did you mean '{close[0]}'?" if close else None,
                    )
                elif inp.type not in ("integer", "number") and not (
                    inp.type == "list" and inp.items.type in ("integer", "number")
                ):
                    self.error(
                        "property.input",
                        f"a monotonic relation needs a numeric input; '{name}' is {inp.type}",
                        path + ("input",),
                    )
                if "direction" not in prop:
                    self.error(
                        "property.direction", "a monotonic relation needs direction: increasing or decreasing", path
                    )

    def run(self) -> PolicySpec:
        self.pending_aggregates = []
        # 1. schema first: every later check assumes the document's shape
        self.check_flow_commas()
        if not self.check_schema() or any(d.severity == "error" for d in self.diagnostics):
            raise PolicyError(self.diagnostics)
        # 2. the rules catalogue: every later element refers to it
        self.check_rules()
        self.check_effective()
        # 3. entities (inputs, values in dependency order, grades, consequences)
        for ename, raw in self.data["entities"].items():
            self.compile_entity(ename, raw)
        # 4. aggregates and members: need every entity compiled
        self.check_aggregates()
        # 5. types: every expression, members' first
        if not any(d.severity == "error" for d in self.diagnostics):
            self.check_types()
        # 6. schedules: need the rules catalogue
        self.compile_schedules()
        # 7. promised properties: need every entity's inputs
        self.check_properties()
        if any(d.severity == "error" for d in self.diagnostics):
            raise PolicyError(self.diagnostics)
        data = self.data
        return PolicySpec(
            id=data["id"],
            version=str(data["version"]),
            language=data.get("language", "zh"),
            title=_text(data["title"]),
            region=_text(data["region"]),
            source=dict(data["source"]),
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            rules=self.rules,
            entities=self.entities,
            schedules=self.schedules,
            properties=tuple(data.get("properties", ())),
            path=self.doc.file,
            layers=getattr(self.doc, "chain", (str(data["id"]),)),
        )


def compile_document(doc: Document) -> PolicySpec:
    """Check and compile a parsed policy document (merging what it extends); raise PolicyError
    with every problem. Warnings (e.g. an override that changes nothing) are kept on the spec."""
    merged, layers, warnings = resolve_layers(doc)
    compiler = _Compiler(merged, layers, warnings)
    spec = compiler.run()
    # the last stage needs the whole model: each schedule's cumulative share against its targets
    missed = check_schedules(spec)
    if missed:
        raise PolicyError(missed)
    object.__setattr__(spec, "warnings", tuple(d for d in compiler.diagnostics if d.severity == "warning"))
    return spec


def compile_file(path) -> PolicySpec:
    """Load, check and compile a policy file."""
    return compile_document(load_yaml(Path(path)))


def _fits(found: Type, declared: Type) -> bool:
    """A value of type ``found`` may stand where ``declared`` is expected."""
    merged = unify(found, declared)
    if merged is None:
        return False
    if declared.numeric:
        return found.numeric and (declared.kind != "integer" or found.kind in ("integer", "days"))
    if declared.kind == "code":
        return found.kind == "code" and found.codes <= declared.codes
    return True
