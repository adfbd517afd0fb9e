"""From a checked YAML document to an immutable :class:`~engine.model.PolicySpec`.

The compiler runs a named, ordered list of checks. Each check adds diagnostics instead of
stopping, so an officer sees every problem of a file in one run. A check that needs the
output of an earlier one says so and is skipped when that one failed.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
from pathlib import Path

from ..base.errors import Diagnostic, Location, PolicyError, Problem
from ..base.numbers import exact, format_number, parse_interval
from ..base.suggest import did_you_mean, excerpt
from .expressions import ExpressionProblem, parse_expression
from .kinds import FALSE_WORDS, TRUE_WORDS, build_coercer
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
    PassThrough,
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


def _text(raw) -> Text:
    if isinstance(raw, dict):
        return Text(raw["zh"], raw.get("en"))
    return Text(str(raw))


#: YAML's one-letter escapes in a double-quoted scalar, and the character each stands for
_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}


def _scalar_characters(lines: list, row: int, col: int, style: str):
    """The characters of a YAML scalar that starts at ``lines[row][col]`` (after its opening
    quote when ``style`` is one), each with the row and column where it is written: an escape
    is one character at its backslash; the scalar ends at its closing quote."""
    while row < len(lines):
        line = lines[row]
        while col < len(line):
            ch = line[col]
            if style == "'" and ch == "'":
                if line[col + 1 : col + 2] != "'":
                    return
                yield row, col, "'"
                col += 2
                continue
            if style == '"' and ch == '"':
                return
            if style == '"' and ch == "\\":
                code = line[col + 1 : col + 2]
                if not code:  # an escaped line break: joins the lines
                    break
                if code in _HEX_DIGITS:
                    size = _HEX_DIGITS[code]
                    try:
                        decoded = chr(int(line[col + 2 : col + 2 + size], 16))
                    except ValueError:
                        decoded = "?"
                    yield row, col, decoded
                    col += 2 + size
                    continue
                yield row, col, _ESCAPES.get(code, code)
                col += 2
                continue
            yield row, col, ch
            col += 1
        row, col = row + 1, 0


def _leading_space(raw) -> int:
    text = str(raw)
    return len(text) - len(text.lstrip())


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

    def error(self, code, path, /, rule=None, advice=None, col_offset=0, key=False, **params):
        """Report catalogue entry ``code`` (engine/base/catalogue.py) at ``path``."""
        loc = self.doc.key_loc(path) if key else self.doc.loc(path)
        if col_offset and loc.line:
            loc = Location(loc.file, loc.line, loc.col + col_offset)
        self.diagnostics.append(Diagnostic.of(code, loc, rule=rule, advice=advice, **params))

    def lines_of(self, file) -> list | None:
        if file not in self.file_lines:
            try:
                self.file_lines[file] = Path(file).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeError, ValueError):
                self.file_lines[file] = None
        return self.file_lines[file]

    def place(self, loc: Location, text: str, offset: int) -> Location:
        """The file location of character ``offset`` of an expression whose YAML scalar
        starts at ``loc``: after the quote of a quoted scalar (reading its escapes: ``''``,
        ``\\"``, ``\\t``, ``\\x41`` are one character each), on the lines of a block
        scalar (| or >) or of a plain scalar folded over several lines. YAML only changes
        the whitespace of an expression, so the n-th other character of the expression is
        the n-th other character of the scalar."""
        lines = self.lines_of(loc.file) if loc.line else None
        if not lines or loc.line > len(lines):
            return Location(loc.file, loc.line, loc.col + offset) if loc.line else loc
        count = sum(1 for ch in text[:offset] if not ch.isspace())
        row, col = loc.line - 1, loc.col - 1
        first = lines[row][col : col + 1]
        style = ""
        if first in ("'", '"'):
            style, col = first, col + 1
        elif first in ("|", ">"):
            row, col = row + 1, 0
        last = None
        for at_row, at_col, ch in _scalar_characters(lines, row, col, style):
            if not ch.isspace():
                if count == 0:
                    return Location(loc.file, at_row + 1, at_col + 1)
                count -= 1
                last = at_row, at_col
        if last is not None:  # Python stopped at the end of the expression: just after it
            return Location(loc.file, last[0] + 1, last[1] + 2)
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
        else:
            offset = 0
        self.diagnostics.append(
            Diagnostic.of(
                problem.key,
                loc,
                rule=rule,
                advice=problem.advice,
                what=Problem("word." + what.replace(" ", "-")),
                text=excerpt(expression.text, offset + 1 if node is not None else 0),
                **problem.params,
            )
        )

    def expression(self, raw, path, names, rule=None, what="expression"):
        loc = self.doc.loc(path)
        try:
            expression = parse_expression(raw, loc, names)
            self.expr_paths[id(expression)] = (path, what)
            return expression
        except ExpressionProblem as problem:
            # the place in the file of the column inside the scalar (quoted, block or folded)
            where = self.place(loc, str(raw).strip(), max(problem.col - 1, 0)) if problem.col else loc
            self.diagnostics.append(
                Diagnostic.of(
                    problem.key,
                    where,
                    rule=rule,
                    advice=problem.advice,
                    what=Problem("word." + what.replace(" ", "-")),
                    text=excerpt(raw, problem.col + _leading_space(raw) if problem.col else 0),
                    **problem.params,
                )
            )
            return None

    def rule_ref(self, raw_rule, path):
        if raw_rule not in self.rules:
            self.error(
                "rule.unknown",
                path,
                advice=did_you_mean(raw_rule, self.rules, Problem("hint.add-rule")),
                rule_id=raw_rule,
            )
        return raw_rule

    def interval(self, raw, path, rule=None):
        try:
            return parse_interval(raw)
        except Problem as exc:
            self.error("interval.invalid", path, rule=rule, detail=exc)
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
                    Diagnostic.of(
                        "yaml.fullwidth-comma",
                        Location(loc.file, loc.line, loc.col + item.index("，")),
                        item=item,
                        count=len(parts),
                        fixed=", ".join(parts),
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
                self.error("date.invalid", ("effective", key), value=repr(eff[key]))
                continue
            setattr(self, f"effective_{key}", day)
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            self.error("date.order", ("effective", "to"))
        try:
            dt.date.fromisoformat(self.data["source"]["date"])
        except ValueError:
            self.error("date.invalid/source", ("source", "date"))

    def compile_input(self, name, raw, path) -> Input | None:
        kind = raw["type"]
        interval = self.interval(raw["range"], path + ("range",)) if "range" in raw else None
        if "range" in raw and kind not in ("integer", "number"):
            self.error("input.range", path + ("range",), type=kind)
        values = tuple(raw.get("values", ()))
        aliases = dict(raw.get("aliases", {}))
        if kind == "enum":
            if not values:
                self.error("input.enum", path, name=name)
            for alias, target in aliases.items():
                if target not in values:
                    self.error(
                        "input.alias", path + ("aliases", alias), alias=alias, target=target, values=list(values)
                    )
        elif values or aliases:
            self.error("input.enum/not-enum", path)
        yes_words = tuple(str(w) for w in raw.get("yes_words", ()))
        no_words = tuple(str(w) for w in raw.get("no_words", ()))
        if (yes_words or no_words) and kind != "boolean":
            self.error("input.yes-no/not-boolean", path + ("yes_words" if yes_words else "no_words",), type=kind)
        both = {w.lower() for w in yes_words} & {w.lower() for w in no_words}
        clash = sorted(
            both | ({w.lower() for w in yes_words} & FALSE_WORDS) | ({w.lower() for w in no_words} & TRUE_WORDS)
        )
        if clash:
            self.error("input.yes-no/clash", path + ("no_words",), words=clash)
        items = None
        if kind == "list":
            if "items" not in raw:
                self.error("input.items", path, name=name)
                return None
            items = self.compile_input(name + "[]", raw["items"], path + ("items",))
            if items is None:
                return None
        elif "items" in raw:
            self.error("input.items/not-list", path + ("items",))
        fields = None
        if kind == "record":
            if not name.endswith("[]"):
                self.error("input.record", path + ("type",), name=name)
                return None
            if "fields" not in raw:
                self.error("input.fields", path, name=name[:-2])
                return None
            fields = {}
            for fname, fraw in raw["fields"].items():
                field = self.compile_input(fname, fraw, path + ("fields", fname))
                if field is None:
                    return None
                if field.type in ("list", "record"):
                    self.error("input.fields/one-value", path + ("fields", fname, "type"), name=fname, type=field.type)
                    return None
                fields[fname] = field
        elif "fields" in raw:
            self.error("input.fields/not-record", path + ("fields",))
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
            yes_words=yes_words,
            no_words=no_words,
        )
        if "default" in raw and raw["default"] is not None:
            try:
                default = build_coercer(spec)(
                    raw["default"] if not isinstance(raw["default"], list) else list(raw["default"])
                )
            except Problem as exc:
                self.error("input.default", path + ("default",), name=name, reason=exc)
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
                self.error("tiers.overlap", where, rule=rule, a=str(a.interval), b=str(b.interval), at=shared)
            elif blo.lo is None or ahi.hi < blo.lo or (ahi.hi == blo.lo and not ahi.hi_closed and not blo.lo_closed):
                gap = format_number(ahi.hi)
                self.error("tiers.gap", where, rule=rule, a=str(a.interval), b=str(b.interval), at=gap)
        if domain is not None and ordered:
            first, last = ordered[0][1].interval, ordered[-1][1].interval
            if domain.lo is not None and (
                first.lo is None
                or first.lo > domain.lo
                or (first.lo == domain.lo and domain.lo_closed and not first.lo_closed)
            ):
                self.error("tiers.gap/domain-low", path + ("tiers",), rule=rule, domain=str(domain))
            if (
                domain.hi is not None
                and last.hi is not None
                and (last.hi < domain.hi or (last.hi == domain.hi and domain.hi_closed and not last.hi_closed))
            ):
                self.error("tiers.gap/domain-high", path + ("tiers",), rule=rule, domain=str(domain))
            if domain.hi is None and last.hi is not None:
                self.error(
                    "tiers.gap/open-high", path + ("tiers",), rule=rule, at=format_number(last.hi), domain=str(domain)
                )
            if domain.lo is None and first.lo is not None:
                self.error(
                    "tiers.gap/open-low", path + ("tiers",), rule=rule, at=format_number(first.lo), domain=str(domain)
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
            self.error("entity.key", path, entity=ename, key_input=key)
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
            self.error("name.clash", path + ("values", clash), key=True, name=clash)
        names = {**{n: "input" for n in raw["inputs"]}, **{n: "value" for n in raw_values}, **BUILTIN_NAMES}
        schedule = raw.get("schedule")
        if schedule is not None:
            if schedule not in self.data.get("schedules", {}):
                self.error(
                    "schedule.unknown",
                    path + ("schedule",),
                    advice=did_you_mean(schedule, self.data.get("schedules", {})),
                    schedule=schedule,
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
                    self.error("grade.duplicate", lpath + ("code",), code=lraw["code"])
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
                self.error("grade.duplicate", gpath + ("otherwise", "code"), code=oraw["code"])
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
                self.error("consequence.duplicate", cpath + ("id",), id=craw["id"])
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
            unique_key=bool(raw.get("unique_key", True)),
            pass_through=self.compile_pass_through(raw.get("pass_through") or [], inputs, path + ("pass_through",)),
            inputs=inputs,
            values=ordered,
            grade=grade,
            consequences=tuple(consequences),
            members=members,
            location=self.doc.key_loc(path),
            member_inputs=member_inputs,
            schedule=schedule,
        )

    def compile_pass_through(self, items, inputs, path) -> tuple:
        """``pass_through:``: columns carried from record to result. A header that is one of
        the entity's inputs (by its name, a label or a declared column, as input files are
        read) is an error, and so is a header named twice."""
        headers: dict[str, tuple[str, Input]] = {}
        for name, inp in inputs.items():
            for header in (name, inp.label.zh, inp.label.en, *inp.columns):
                if header:
                    headers.setdefault(header.strip().lower(), (name, inp))
        seen: dict[str, tuple] = {}
        carried = []
        for i, item in enumerate(items):
            column = item if isinstance(item, str) else item["column"]
            others = () if isinstance(item, str) else tuple(item.get("columns", ()))
            spellings = tuple(dict.fromkeys(h.strip() for h in (column, *others) if h.strip()))
            ok = bool(spellings)
            for j, header in enumerate(spellings):
                if isinstance(item, str):
                    where = path + (i,)
                elif j == 0 and header == column.strip():
                    where = path + (i, "column")
                else:
                    where = path + (i, "columns", [h.strip() for h in others].index(header))
                found = headers.get(header.lower())
                if found is not None:
                    name, inp = found
                    self.error("pass-through.input", where, column=header, input=name, label=inp.label.zh)
                    ok = False
                elif header.lower() in seen:
                    self.error(
                        "pass-through.duplicate", where, column=header, line=self.doc.loc(seen[header.lower()]).line
                    )
                    ok = False
                else:
                    seen[header.lower()] = where
            if ok:
                carried.append(PassThrough(spellings[0], spellings, self.doc.loc(path + (i,))))
        return tuple(carried)

    def order_values(self, ename, values, path) -> dict:
        """Values in dependency order; a cycle is an error naming its members."""
        order: list = []
        state: dict = {}

        def visit(name, trail):
            if state.get(name) == "done":
                return
            if state.get(name) == "active":
                cycle = trail[trail.index(name) :] + [name]
                self.error(
                    "values.cycle", path + ("values", name), rule=values[name].rule, key=True, cycle=" -> ".join(cycle)
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
                self.error("aggregate.members", vpath, rule=rule, key=True, name=vname, entity=ename)
                continue
            member = self.entities.get(entity.members.entity)
            if member is None:
                self.error(
                    "members.unknown",
                    ("entities", ename, "members", "entity"),
                    advice=did_you_mean(entity.members.entity, self.entities),
                    entity=entity.members.entity,
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
                self.error("aggregate.over", vpath, rule=rule, key=True, aggregate=fn)
            if "where" in vraw:
                where = self.expression(vraw["where"], vpath + ("where",), mnames, rule, "aggregate filter")
            if entity.members.rejected == "fail" and fn not in FAILING_AGGREGATES:
                self.error(
                    "members.rejected",
                    vpath + ("aggregate",),
                    rule=rule,
                    name=vname,
                    aggregate=fn,
                    failing=list(FAILING_AGGREGATES),
                )
            value = holder[vname]
            object.__setattr__(value, "over", over)
            object.__setattr__(value, "where", where)
        for ename, entity in self.entities.items():
            if entity.members is not None and entity.members.entity in self.entities:
                member = self.entities[entity.members.entity]
                for i, by in enumerate(entity.members.by):
                    if by not in member.inputs:
                        where = ("entities", ename, "members", "by")
                        self.error(
                            "members.by",
                            where if len(entity.members.by) == 1 else where + (i,),
                            advice=did_you_mean(by, member.inputs),
                            entity=member.name,
                            by=by,
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
                self.diagnostics.append(
                    Diagnostic.of(
                        "type.mismatch/member-input",
                        value.location,
                        rule=value.rule,
                        name=iname,
                        aggregate=value.aggregate,
                        expected=declared.word(),
                        found=found.word(),
                    )
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
                self.infer(level.when, names, level.rule, condition=Problem("word.part.grade", code=level.code))
            names = {**names, "grade": code_type(lv.code for lv in entity.grade.all_levels)}
        for cons in entity.consequences:
            self.infer(cons.when, names, cons.rule, condition=Problem("word.part.consequence", id=cons.id))
            if cons.amount is not None:
                amount = self.infer(cons.amount, names, cons.rule)
                if amount is not None and not amount.numeric and amount.kind not in ("any",):
                    path, _what = self.expr_paths.get(id(cons.amount), ((), ""))
                    self.error(
                        "type.mismatch/amount",
                        path,
                        rule=cons.rule,
                        text=excerpt(cons.amount.text),
                        found=amount.word(),
                    )
        return names

    def type_tiers(self, value, names):
        of = self.infer(value.expr, names, value.rule)
        path, _what = self.expr_paths.get(id(value.expr), ((), ""))
        if of is not None and not of.numeric and of.kind != "any":
            self.error("type.mismatch/tiers-of", path, rule=value.rule, text=excerpt(value.expr.text), found=of.word())
        elif of is not None and of.nullable:
            self.error("type.maybe-empty", path, rule=value.rule, text=excerpt(value.expr.text), found=of.word())
        found = tier_value_type([t.value for t in value.tiers])
        if found is None:
            self.error(
                "type.mismatch/tier-values",
                path[:-1] + ("tiers",) if path else (),
                rule=value.rule,
                name=value.name,
                values=", ".join(repr(t.value) for t in value.tiers),
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
            self.infer(value.where, members, rule, condition=Problem("word.part.where"))
            # the members 'where' keeps have the inputs it tests with given(x)
            proven = given_names(value.where.tree)
            names = {n: (t.or_empty(False) if n in proven else t) for n, t in members.items()}
        if value.over is None:
            return INTEGER if fn == "count" else None
        if fn in ("count", "share", "all", "any"):
            self.infer(value.over, names, rule, condition=Problem("word.part.over", aggregate=fn))
            return {"count": INTEGER, "share": RATIO}.get(fn, BOOLEAN)
        over = self.infer(value.over, names, rule)
        if over is None or over.kind == "any":
            return None
        path, _what = self.expr_paths.get(id(value.over), ((), ""))
        if fn in ("sum", "mean", "min", "max"):
            if not (over.numeric or (fn in ("min", "max") and over.kind == "date")):
                self.error(
                    "type.mismatch/aggregate",
                    path,
                    rule=rule,
                    aggregate=fn,
                    text=excerpt(value.over.text),
                    found=over.word(),
                )
                return None
            if over.nullable:
                self.error(
                    "type.maybe-empty/aggregate",
                    path,
                    rule=rule,
                    advice=Problem("hint.where-given", name=value.over.text)
                    if isinstance(
                        value.over.tree.body if isinstance(value.over.tree, ast.Expression) else value.over.tree,
                        ast.Name,
                    )
                    else None,
                    aggregate=fn,
                    text=excerpt(value.over.text),
                    found=over.word(),
                )
            if fn == "sum":
                return Type(over.kind)
            return (RATIO if fn == "mean" else Type(over.kind, over.codes)).or_empty()
        if fn == "distinct":
            if over.kind in ("list", "record"):
                self.error(
                    "type.mismatch/distinct-aggregate",
                    path,
                    rule=rule,
                    text=excerpt(value.over.text),
                    found=over.word(),
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
                        self.error(
                            "schedule.unit",
                            upath,
                            rule=rule,
                            advice=did_you_mean(unit, units, Problem("hint.declare-unit")),
                            unit=unit,
                        )
                    if unit in seen:
                        self.error("schedule.twice", upath, rule=rule, unit=unit, first=seen[unit], year=year)
                    seen[unit] = year
                batches[year] = tuple(listed)
            for unit, info in units.items():
                through = info.get("through")
                if unit not in seen and (through is None or through not in seen):
                    self.error("schedule.missing", path + ("units", unit), rule=rule, key=True, unit=unit)
                if through is not None and through not in units:
                    self.error(
                        "schedule.unit/through",
                        path + ("units", unit, "through"),
                        rule=rule,
                        unit=unit,
                        through=through,
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
                self.error(
                    "property.entity",
                    path + ("entity",),
                    advice=did_you_mean(prop["entity"], self.entities),
                    entity=prop["entity"],
                )
                continue
            if prop["kind"] == "monotonic":
                name = prop.get("input")
                inp = entity.inputs.get(name)
                if inp is None:
                    self.error(
                        "property.input",
                        path + ("input",),
                        advice=did_you_mean(name, entity.inputs),
                        entity=entity.name,
                        name=name,
                    )
                elif inp.type not in ("integer", "number") and not (
                    inp.type == "list" and inp.items.type in ("integer", "number")
                ):
                    self.error("property.input/numeric", path + ("input",), name=name, type=inp.type)
                if "direction" not in prop:
                    self.error("property.direction", path)

    def run(self) -> PolicySpec:
        self.pending_aggregates: list = []
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
            layers=self.doc.chain or (str(data["id"]),),
        )


def compile_document(doc: Document) -> PolicySpec:
    """Check and compile a parsed policy document (merging what it extends); raise PolicyError
    with every problem. Warnings (e.g. an override that changes nothing) are kept on the spec."""
    try:
        merged, layers, warnings = resolve_layers(doc)
        compiler = _Compiler(merged, layers, warnings)
        if doc.text:  # the text read: columns inside quoted scalars, also for a policy never saved
            compiler.file_lines.setdefault(doc.file, doc.text.splitlines())
        spec = compiler.run()
        # the last stage needs the whole model: each schedule's cumulative share against its targets
        missed = check_schedules(spec)
        if missed:
            raise PolicyError(missed)
    except PolicyError as exc:
        language = doc.data.get("language") if isinstance(doc.data, dict) else None
        exc.language = language if language in ("zh", "en") else None
        raise
    object.__setattr__(spec, "warnings", tuple(d for d in compiler.diagnostics if d.severity == "warning"))
    return spec


def compile_file(path: str | Path) -> PolicySpec:
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
        if found.kind != "code":
            return False
        assert found.codes is not None and declared.codes is not None  # every code type lists its values
        return found.codes <= declared.codes
    return True
