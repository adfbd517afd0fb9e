"""The compiled policy as immutable data.

Every element that encodes part of a document keeps its rule ID and its location in the
policy file, so results, traces and errors can cite both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..base.errors import Location
from ..base.numbers import Interval
from .expressions import Expression

__all__ = [
    "FAILING_AGGREGATES",
    "Consequence",
    "Entity",
    "Grade",
    "Input",
    "Level",
    "Members",
    "PassThrough",
    "PolicySpec",
    "Rule",
    "Schedule",
    "Target",
    "Text",
    "Tier",
    "Value",
]


@dataclass(frozen=True)
class Text:
    """A label in Chinese, with an optional English version."""

    zh: str
    en: str | None = None

    def get(self, lang: str = "zh") -> str:
        return (self.en or self.zh) if lang == "en" else self.zh

    def __str__(self) -> str:
        return self.zh


@dataclass(frozen=True)
class Rule:
    """One rule of the source document: its ID, where it stands, its clause, our reading."""

    id: str
    ref: str
    clause: str
    note: str | None
    location: Location


@dataclass(frozen=True)
class Input:
    """A typed input declaration of an entity."""

    name: str
    type: str  # string | integer | number | boolean | enum | date | list | record
    label: Text
    location: Location
    unit: str | None = None
    description: str | None = None
    range: Interval | None = None
    values: tuple = ()
    aliases: dict = field(default_factory=dict)
    columns: tuple = ()
    items: Input | None = None
    fields: dict | None = None  # record (an activity, as an item of a list): name -> Input
    max_items: int | None = None
    required: bool = False
    changeable: bool = False  # the person assessed can change it: explain's hints may propose it
    has_default: bool = False
    default: Any = None
    yes_words: tuple = ()  # a boolean's words for yes beyond the documented list
    no_words: tuple = ()


@dataclass(frozen=True)
class Tier:
    """One row of a tier table: the interval it covers and the value it gives."""

    interval: Interval
    value: Any
    clause: str | None
    rule: str
    location: Location
    layer: str = ""


@dataclass(frozen=True)
class Value:
    """A derived value: an expression, a tier lookup, or an aggregate over members."""

    name: str
    rule: str
    label: Text
    kind: str  # expr | tiers | aggregate
    location: Location
    expr: Expression | None = None
    tiers: tuple = ()
    domain: Interval | None = None
    aggregate: str | None = None
    over: Expression | None = None
    where: Expression | None = None
    report: bool = False
    clause: str | None = None
    layer: str = ""
    type: Any = None  # its static type (engine.language.types.Type), set when the policy loads

    @property
    def reads(self) -> frozenset:
        """Names of this entity's inputs and values this value reads."""
        if self.kind == "aggregate":
            return frozenset()
        assert self.expr is not None  # every entity but an aggregate has an expression
        return self.expr.names


@dataclass(frozen=True)
class Level:
    """A grade level: code, label, and the condition that gives it (None: the fallback)."""

    code: str
    label: Text
    when: Expression | None
    rule: str
    location: Location
    rank: int | None = None
    layer: str = ""
    status: bool = False  # rank: null: a status (in progress, finished late), never better or worse


@dataclass(frozen=True)
class Grade:
    """Ordered levels, first match wins, then the explicit fallback."""

    rule: str
    levels: tuple
    otherwise: Level
    location: Location

    @property
    def all_levels(self) -> tuple:
        return self.levels + (self.otherwise,)


@dataclass(frozen=True)
class Consequence:
    """A credit, sanction, obligation or award that follows when a condition holds."""

    id: str
    rule: str
    kind: str  # credit | sanction | obligation | award
    when: Expression
    location: Location
    code: str | None = None
    label: Text | None = None
    amount: Expression | None = None
    credit_kind: str | None = None
    periods: tuple = (None,)
    clause: str | None = None
    layer: str = ""


# Aggregates that can count a rejected member as failing (members rejected: fail): it is a
# member (count, share's denominator) that meets no condition (count over, share, all, any).
FAILING_AGGREGATES = ("count", "share", "all", "any")


@dataclass(frozen=True)
class Members:
    """An entity judged from the records of another entity, grouped by one or more of their
    inputs (``by: group`` or ``by: [school, group]``: a group is one value of each).

    ``rejected`` says what a member record that cannot be judged does to its group:
    ``refuse`` (the default) refuses the group, naming the member; ``fail`` counts it as a
    member that meets no condition; ``exclude`` leaves it out. Every group result counts
    the member records used and rejected either way.
    """

    entity: str
    by: tuple[str, ...]
    location: Location
    rejected: str = "refuse"


@dataclass(frozen=True)
class PassThrough:
    """A column carried from each input record to its result unchanged (姓名, 学校): its
    output header and the headers an input file may give it (the header itself first)."""

    column: str
    headers: tuple[str, ...]
    location: Location


@dataclass(frozen=True)
class Entity:
    """Something graded: a teacher, a group, a school, a contractor ..."""

    name: str
    label: Text
    key: str
    inputs: dict  # name -> Input, in file order
    values: dict  # name -> Value, in dependency order
    grade: Grade | None
    consequences: tuple
    members: Members | None
    location: Location
    member_inputs: dict = field(default_factory=dict)  # input name -> aggregate Value
    schedule: str | None = None  # a rollout schedule whose unit is the record's key
    unique_key: bool = True  # a key given twice in one input refuses the later record
    pass_through: tuple[PassThrough, ...] = ()  # columns carried from record to result

    @property
    def reported(self) -> tuple:
        return tuple(name for name, value in self.values.items() if value.report)


@dataclass(frozen=True)
class Target:
    year: int
    share: Any
    rule: str
    note: str | None
    location: Location


@dataclass(frozen=True)
class Schedule:
    """A multi-year rollout: which unit is in which year's batch, and the targets."""

    name: str
    rule: str
    label: Text
    units: dict  # unit -> dict(stage, demonstration, through, rule)
    batches: dict  # year -> tuple of units
    targets: tuple
    year_ends: tuple  # (month, day)
    location: Location

    def year_of(self, unit: str) -> int | None:
        """The unit's batch year: its own, else that of the unit it acts through."""
        return self.place(unit)["batch_year"]

    def batch_of(self, unit: str) -> int | None:
        for year, units in self.batches.items():
            if unit in units:
                return year
        return None

    def deadline(self, year: int) -> dt.date:
        return dt.date(year, *self.year_ends)

    def place(self, unit: str) -> dict:
        """The names an entity with this schedule reads for a unit (see SCHEDULE_NAMES)."""
        info = self.units.get(unit)
        if info is None:
            return {
                "in_schedule": False,
                "batch_year": None,
                "batch_deadline": None,
                "demonstration": False,
                "acting_unit": None,
            }
        acting = info.get("through") or unit
        year = self.batch_of(unit)
        if year is None and info.get("through"):
            year = self.batch_of(info["through"])
        return {
            "in_schedule": True,
            "batch_year": year,
            "batch_deadline": self.deadline(year) if year is not None else None,
            "demonstration": bool(info.get("demonstration")),
            "acting_unit": acting,
        }


@dataclass(frozen=True)
class PolicySpec:
    """A whole checked policy file."""

    id: str
    version: str
    language: str
    title: Text
    region: Text
    source: dict
    effective_from: dt.date
    effective_to: dt.date | None
    rules: dict  # id -> Rule
    entities: dict  # name -> Entity
    schedules: dict  # name -> Schedule
    properties: tuple
    path: str
    layers: tuple = ()  # ids of the policies this one is built from, base first, itself last
    warnings: tuple = ()  # non-fatal diagnostics found while loading

    def clause(self, rule_id: str) -> str | None:
        rule = self.rules.get(rule_id)
        return rule.clause if rule else None
