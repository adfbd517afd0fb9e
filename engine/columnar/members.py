"""Groups on the columnar engine: an entity judged from its members' records (a county from
its teachers, a teaching-research group from its members) as one query.

The member entity's plan runs over the member records, with each grouping field and each
aggregate's ``where`` and ``over`` as further columns; a GROUP BY on the grouping fields
computes the aggregates (counts and sums as whole numbers, shares and means as exact
numerator/denominator pairs); the group entity's plan runs over that table of groups.

A group is decided by the query only when every one of its members is a record the plan
decided and every aggregate is defined (no share of nobody, no mean of nothing). Every other
group is the row engine's: its members are judged by the row engine and the group by
:meth:`Policy.group_outcome`, so a refused member, a rejected-member rule, a group named
by no record and every error are exactly the row engine's. Groups come in order of their
first member, as the row engine gives them.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from ..language.model import Entity, PolicySpec
from ..runtime.policy import Policy
from ..runtime.result import Failure, Result
from .facts import ItemFacts
from .plan import (
    BIGINT,
    HUGE_T,
    SMALL,
    Bool,
    Date,
    Num,
    Plan,
    Provided,
    Str,
    Unsupported,
    and_,
    build_plan,
    case,
    check_bounds,
    col,
    compile_plan,
    lit,
    not_null,
    paren,
    remembered,
)
from .run import decoder, table_kinds, thread_connection, with_rows

__all__ = ["GroupPlan", "build_group_plan", "group_outcomes", "members_table", "run_group_plan"]

#: a group of this many members or more is left to the row engine (the bounds of its sums)
MEMBER_LIMIT = 10**7


@dataclass
class GroupPlan:
    """A group entity's plan: ``members`` over the member records (a table ``records`` with
    ``__row``), ``groups`` over the table of groups it makes (``__groups``), and the whole
    as one query (``sql``)."""

    entity: Entity
    members: Plan
    groups: Plan
    grouped: exp.Select  # the GROUP BY over "__members" (the members plan's result)
    keys: tuple  # the members plan's columns of the grouping fields
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def query(self) -> exp.Select:
        """The whole plan as one query over ``records``."""
        inner = self.members.query.copy()
        inner.set("order", None)
        return self.groups.query.copy().with_("__members", as_=inner).with_("__groups", as_=self.grouped.copy())

    def sql(self, dialect: str = "duckdb", pretty: bool = True) -> str:
        key = (dialect, pretty)
        if key not in self.cache:
            self.cache[key] = self.query().sql(dialect=dialect, pretty=pretty)
        return self.cache[key]


@dataclass(frozen=True)
class _Aggregate:
    name: str
    value: Any  # model.Value of kind aggregate (a member input's from_members, or a value)
    where: str | None  # the members plan's extra columns
    over: str | None


def build_group_plan(
    spec: PolicySpec,
    entity: Entity,
    kinds: dict,
    as_of: dt.date,
    facts: dict[str, ItemFacts] | None = None,
    table: str = "records",
) -> GroupPlan:
    """The plan of group ``entity`` over its member records (the table ``table``), whose
    columns have ``kinds`` (as :func:`engine.columnar.plan.build_plan` takes them);
    Unsupported when the plan cannot express the members, the aggregates or the group."""
    decl = entity.members
    if decl is None:
        raise Unsupported("columnar.members")
    key = (
        id(spec),
        id(entity),
        "members",
        tuple(sorted(kinds.items())),
        as_of,
        tuple(sorted((facts or {}).items())),
        table,
    )
    return remembered(key, spec, entity, lambda: _build(spec, entity, kinds, as_of, facts, table))


def _build(spec, entity, kinds, as_of, facts, table) -> GroupPlan:
    decl = entity.members
    member = spec.entities[decl.entity]
    aggregates = [(name, value) for name, value in entity.member_inputs.items()]
    aggregates += [(name, value) for name, value in entity.values.items() if value.kind == "aggregate"]
    extras: list = []
    for j, name in enumerate(decl.by):
        extras.append((f"__b{j}", name, ast.Expression(body=ast.Name(id=name, ctx=ast.Load()))))
    planned = []
    for i, (name, value) in enumerate(aggregates):
        where = over = None
        if value.where is not None:
            where = f"__w{i}"
            extras.append((where, value.where.text, value.where.tree))
        if value.over is not None:
            over = f"__o{i}"
            extras.append((over, value.over.text, value.over.tree))
        planned.append(_Aggregate(name, value, where, over))
    mplan = build_plan(spec, member, kinds, as_of, table=table, facts=facts, extras=tuple(extras))
    keys = []
    for j in range(len(decl.by)):
        part = mplan.extras[f"__b{j}"]
        if not isinstance(part, Str):
            raise Unsupported("columnar.members-key", name=decl.by[j])
        keys.append(part.e)
    select: dict = {"__row": exp.Min(this=col("__row"))}
    for j, k in enumerate(keys):
        select[f"__g{j}"] = k.copy()
    if len(keys) == 1:
        group_id: exp.Expression = keys[0].copy()
    else:  # the row engine's id of a group of several fields: "school / group"
        group_id = exp.ConcatWs(expressions=[exp.Literal.string(" / "), *[k.copy() for k in keys]])
    select[entity.key] = group_id
    group_kinds = {entity.key: "str"}
    for j, name in enumerate(decl.by):
        if name != entity.key and name in entity.inputs:
            select[name] = keys[j].copy()
            group_kinds[name] = "str"
    select["__n"] = exp.Count(this=exp.Star())
    valid = [col("__ok")]  # every member decided, every aggregate's where and over computed
    checks = [exp.LT(this=exp.Count(this=exp.Star()), expression=lit(MEMBER_LIMIT))]
    inputs: dict = {}
    values: dict = {}
    for i, agg in enumerate(planned):
        where = mplan.extras[agg.where] if agg.where else None
        over = mplan.extras[agg.over] if agg.over else None
        if where is not None and not isinstance(where, Bool):
            raise Unsupported("columnar.members")
        w = where.e if where is not None else exp.true()
        if where is not None:
            valid.append(not_null(where.e))
        if over is not None:
            o = over.n if isinstance(over, Num) else over.e
            valid.append(
                exp.Or(
                    this=exp.Not(this=exp.Coalesce(this=w.copy(), expressions=[exp.false()])), expression=not_null(o)
                )
            )
        typed, columns, needs = _aggregate(agg, f"__a{i}", w, over)
        select.update(columns)
        checks += needs
        (inputs if agg.name in entity.member_inputs else values)[agg.name] = typed
    count_invalid = exp.Sum(this=case((and_(*valid), lit(0)), default=lit(1)))
    select["__agg_ok"] = and_(exp.EQ(this=count_invalid, expression=lit(0)), *checks)
    grouped = (
        exp.select(*[e.as_(n, quoted=True) for n, e in select.items()])
        .from_(exp.to_table("__members"))
        .where(and_(*[not_null(k.copy()) for k in keys]))
        .group_by(*[k.copy() for k in keys])
    )
    names = tuple(n for n in select if n.startswith("__a"))  # the aggregates and __agg_ok
    provided = Provided(
        inputs, values, names, col("__agg_ok"), carry=tuple(f"__g{j}" for j in range(len(keys))) + ("__n",)
    )
    gplan = compile_plan(spec, entity, group_kinds, as_of, "__groups", {}, (), provided)
    return GroupPlan(entity, mplan, gplan, grouped, tuple(k.name for k in keys))  # the members plan's columns


def _aggregate(agg: _Aggregate, prefix: str, w: exp.Expression, over: Any) -> tuple:
    """(typed value over the groups' columns, {column: aggregate expression}, conditions the
    group needs for the value to be defined) for one aggregate, as the row engine's
    EntityRuntime.aggregate computes it over the members ``where`` keeps."""
    fn = agg.value.aggregate
    one = lambda cond: exp.Sum(this=case((cond, lit(1)), default=lit(0)))  # noqa: E731
    picked = one(w.copy())
    if fn == "count" and over is None:
        return Num(col(prefix), lit(1), MEMBER_LIMIT, 1, 1), {prefix: picked}, []
    if over is None:
        raise Unsupported("columnar.members")
    if fn in ("count", "share", "all", "any"):
        if not isinstance(over, Bool):
            raise Unsupported("columnar.members")
        yes = one(and_(w.copy(), over.e.copy()))
        if fn == "count":
            return Num(col(prefix), lit(1), MEMBER_LIMIT, 1, 1), {prefix: yes}, []
        if fn == "share":  # among the members where keeps; none: the row engine's error
            cols: dict = {prefix: yes, prefix + "__d": picked}
            den = col(prefix + "__d")
            value = Num(
                col(prefix),
                case((exp.EQ(this=den, expression=lit(0)), lit(1)), default=den.copy()),
                MEMBER_LIMIT,
                MEMBER_LIMIT,
            )
            return value, cols, [exp.GT(this=picked.copy(), expression=lit(0))]
        if fn == "all":
            no = one(and_(w.copy(), exp.Not(this=over.e.copy())))
            return Bool(col(prefix)), {prefix: exp.EQ(this=no, expression=lit(0))}, []
        return Bool(col(prefix)), {prefix: exp.GT(this=yes, expression=lit(0))}, []
    if fn == "distinct":
        if isinstance(over, Num):
            if over.dc is None:
                raise Unsupported("columnar.members")
            item = over.n
        elif isinstance(over, (Str, Bool, Date)):
            item = over.e
        else:
            raise Unsupported("columnar.members")
        counted = exp.Count(this=exp.Distinct(expressions=[case((w.copy(), item.copy()))]))
        return Num(col(prefix), lit(1), MEMBER_LIMIT, 1, 1), {prefix: counted}, []
    if not isinstance(over, Num) or over.dc is None:
        raise Unsupported("columnar.members")
    dc = over.dc
    bound = over.nb * MEMBER_LIMIT
    check_bounds(bound, dc * MEMBER_LIMIT)
    big = HUGE_T if bound >= SMALL else BIGINT
    total = exp.Cast(this=exp.Sum(this=case((w.copy(), over.n.copy()), default=lit(0))), to=big)
    if fn == "sum":
        return Num(col(prefix), lit(dc), bound, dc, dc), {prefix: total}, []
    nonempty = exp.GT(this=picked.copy(), expression=lit(0))  # of nothing: missing, the row engine's
    if fn == "mean":
        cols = {
            prefix: total,
            prefix + "__d": exp.Cast(this=paren(exp.Mul(this=picked.copy(), expression=lit(dc))), to=BIGINT),
        }
        den = col(prefix + "__d")
        value = Num(
            col(prefix),
            case((exp.GT(this=den, expression=lit(0)), den.copy()), default=lit(1)),
            bound,
            dc * MEMBER_LIMIT,
        )
        return value, cols, [nonempty]
    if fn in ("min", "max"):
        pick = case((w.copy(), over.n.copy()))
        agg_e = exp.Min(this=pick) if fn == "min" else exp.Max(this=pick)
        return Num(col(prefix), lit(dc), over.nb, dc, dc), {prefix: agg_e}, [nonempty]
    raise Unsupported("columnar.members")


def members_table(
    policy: Policy,
    table: Any,
    entity: str,
    *,
    as_of: dt.date | None = None,
    allow_outside: bool = False,
    failures: dict | None = None,
) -> Any:
    """The result table of group ``entity`` from the member records in ``table`` (Arrow):
    a row per group (``policy.evaluate_table(table, entity, members=True)``)."""
    from .table import outcomes_table

    day = policy.check_period(as_of, allow_outside)
    outs = group_outcomes(policy, entity, table, day, failures=failures)
    return outcomes_table(outs, policy.runtime(entity).entity, policy.spec)


# -- running it on DuckDB --------------------------------------------------------------------------


def group_outcomes(
    policy: Policy,
    entity: str,
    table: Any,
    as_of: dt.date,
    *,
    originals: list | None = None,
    forced: set | None = None,
    kinds: dict | None = None,
    failures: dict | None = None,
    start: int = 1,
    runner: Callable[[GroupPlan, Any], tuple] | None = None,
) -> Iterator[Result | Failure]:
    """One outcome per group of the member records in ``table`` (Arrow), in order of each
    group's first member, exactly as ``policy.evaluate_members`` gives them (with their
    ``members`` accounts). ``originals`` are the member records as read (the row engine is
    given these), ``forced`` rows go to the row engine, ``failures`` (index from 0 -> Failure)
    are member records a reader refused. ``runner`` runs the plan (default
    :func:`run_group_plan`, DuckDB; engine.columnar.spark gives Spark's)."""
    ent = policy.runtime(entity).entity
    if ent.members is None:
        raise Unsupported("columnar.members")
    kinds = table_kinds(table, policy.spec.entities[ent.members.entity], kinds)

    def record(i: int) -> Any:
        if failures and i in failures:
            return failures[i]
        if originals is not None:
            return originals[i]
        return table.slice(i, 1).to_pylist()[0]

    try:
        plan = build_group_plan(policy.spec, ent, kinds, as_of)
    except Unsupported:
        results: dict = {}
        order: dict = {}
        for i in range(table.num_rows):
            key, outcome = policy.member_outcome(entity, record(i), i + start, as_of)
            results.setdefault(key, []).append(outcome)
            order.setdefault(key, i)
        for key in sorted(results, key=order.__getitem__):
            yield policy.group_outcome(entity, key, results[key], as_of)
        return
    mem, out = (runner or run_group_plan)(plan, table)
    yield from _merge(policy, entity, plan, mem, out, record, set(forced or ()) | set(failures or ()), as_of, start)


def run_group_plan(plan: GroupPlan, table: Any) -> tuple:
    """(the members plan's output, the groups plan's output) over the member records
    ``table`` (Arrow), on DuckDB."""
    con = thread_connection()
    if "members" not in plan.cache:
        inner = plan.members.query.copy()
        inner.set("order", None)
        plan.cache["members"] = inner.sql("duckdb")
        plan.cache["groups"] = plan.groups.query.copy().with_("__groups", as_=plan.grouped.copy()).sql("duckdb")
    con.register("records", with_rows(table))
    try:
        mem = con.sql(plan.cache["members"]).to_arrow_table()
        con.register("__members", mem)
        return mem, con.sql(plan.cache["groups"]).to_arrow_table()
    finally:
        con.unregister("records")
        con.unregister("__members")


def _merge(policy, entity, plan, mem, out, record: Callable[[int], Any], forced: set, day, start):
    """The groups the query decided and, for every other group, the row engine's."""
    import pyarrow as pa
    import pyarrow.compute as pc

    decl = plan.entity.members
    parts = [mem.column(k) for k in plan.keys]
    nokey = pc.is_null(parts[0])
    for part in parts[1:]:
        nokey = pc.or_(nokey, pc.is_null(part))
    decided_member = pc.fill_null(mem.column("__ok"), False)
    if forced:
        decided_member = pc.and_(decided_member, pc.invert(pc.is_in(mem.column("__row"), pa.array(sorted(forced)))))
    # members named by no group: the row engine's "no group" failure, at the first of them
    first: dict = {}
    homeless = pc.filter(mem.column("__row"), pc.and_(decided_member, nokey))
    if len(homeless):
        first[None] = pc.min(homeless).as_py()
    # the members the query did not decide: judged by the row engine, each in the group its
    # own record names (which may differ from the one the query read)
    members: dict = {}
    undecided = mem.select(["__row", *plan.keys]).filter(pc.invert(decided_member)).sort_by("__row")
    counted = set()  # the query's groups that counted an undecided member: not the query's to decide
    for row, *read in zip(*(c.to_pylist() for c in undecided.columns), strict=True):
        counted.add(tuple(read))
        key, outcome = policy.member_outcome(entity, record(row), row + start, day)
        members.setdefault(key, []).append((row, outcome))
        first[key] = min(row, first.get(key, row))
    tainted = set(first) | counted
    decided = decoder(policy.spec, plan.groups, out)
    gok = out.column("__ok").to_pylist()
    gfirst = out.column("__row").to_pylist()
    gkeys = list(zip(*(out.column(f"__g{j}").to_pylist() for j in range(len(plan.keys))), strict=True))
    counts = out.column("__n").to_pylist()
    outcomes: list = []
    for g, key in enumerate(gkeys):
        if gok[g] and key not in tainted:
            result = decided(g)
            result.members = {"used": counts[g], "rejected": 0, "rejected_ids": [], "rejected_rule": decl.rejected}
            outcomes.append((gfirst[g], result))
        else:
            tainted.add(key)
    named = [k for k in tainted if k is not None]
    if named:
        # the decided members of the groups left to the row engine, by the query's key (the
        # row engine reads the same one from a record the plan decided)
        wanted = pa.table({f"k{j}": [k[j] for k in named] for j in range(len(plan.keys))})
        rows = mem.select(["__row", *plan.keys]).filter(decided_member)
        rows = rows.rename_columns(["__row", *[f"k{j}" for j in range(len(plan.keys))]])
        joined = rows.join(wanted, [f"k{j}" for j in range(len(plan.keys))], join_type="inner")
        cols = [joined.column(f"k{j}").to_pylist() for j in range(len(plan.keys))]
        for row, *key in zip(joined.column("__row").to_pylist(), *cols, strict=True):
            members.setdefault(tuple(key), []).append((row, None))
    for key in tainted:
        if key is not None and not members.get(key):
            continue  # only members the row engine puts elsewhere had the query's key
        results = []
        listed = sorted(members.get(key, []), key=lambda pair: pair[0])
        if key is not None:
            first[key] = listed[0][0]
        for row, outcome in listed:
            if outcome is None:
                _, outcome = policy.member_outcome(entity, record(row), row + start, day)
            results.append(outcome)
        outcomes.append((first[key], policy.group_outcome(entity, key, results, day)))
    outcomes.sort(key=lambda pair: pair[0])
    for _, outcome in outcomes:
        yield outcome
