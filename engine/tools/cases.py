"""Policy test cases as data, the runner shared by pytest and ``kaohe test``, and rule coverage.

A case file (``policies/<region>.tests.yaml``) names its policy and lists cases::

    policy: region.yaml
    cases:
      - name: 使用率恰好40%得18分
        rule: XX-A2
        entity: teacher
        as_of: 2020-06-30
        record: {id: T1, gender: F, age: 35, daily_usage: [4, 4], class_hours: 20, lesson_scores: [60, 60, 60, 60, 60, 60]}
        expect: {grade: pass, values: {usage_points: 18}, credit_total: 1, sanctions: []}

``members:`` (a list of member records) evaluates a group from its members instead of
``record:``; ``group:`` names the group to check when the members form several (its id,
``白塔小学 / 语文组`` for ``by: [school, group]``), else the first is checked. ``expect`` may give ``grade``, ``credit_total``, ``sanctions`` (codes of
sanctions and obligations, in order), ``awards``, ``values`` (any computed value) or
``error`` (an expected error code), ``members`` (the group's member accounting, e.g.
``{used: 6, rejected: 1, rejected_rule: fail}``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..base.errors import Diagnostic, KaoheError, Location, PolicyError, Problem, RecordError
from ..base.messages import cli_text
from ..base.numbers import exact, format_number
from ..language.kinds import parse_date
from ..language.loader import load_yaml
from ..runtime.policy import Policy, load_policy
from ..runtime.result import Result, plain

__all__ = ["Case", "CaseOutcome", "Coverage", "find_case_files", "load_cases", "run_cases"]

_EXPECT_KEYS = {"grade", "credit_total", "sanctions", "awards", "values", "error", "members"}


@dataclass
class Case:
    """One scenario: an entity, a record (or members), an optional day, what must come out."""

    name: str
    entity: str
    expect: dict
    location: Location
    record: dict | None = None
    members: list | None = None
    as_of: dt.date | None = None
    rule: str | None = None
    group: str | None = None


@dataclass
class CaseOutcome:
    case: Case
    ok: bool
    problems: list = field(default_factory=list)  # (what, expected, got)
    explanation: str = ""


def find_case_files(paths: Iterable[str | Path]) -> list[Path]:
    """Case files named by ``paths`` (files, policy files or folders); default: policies/."""
    found = []
    for raw in paths or ["policies"]:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(path.glob("*.tests.yaml")))
        elif path.name.endswith(".tests.yaml"):
            found.append(path)
        elif path.suffix in (".yaml", ".yml"):
            sibling = path.with_name(path.stem + ".tests.yaml")
            if sibling.exists():
                found.append(sibling)
    return found


def load_cases(path: str | Path) -> tuple[Policy, list[Case]]:
    """The policy a case file names and its cases; PolicyError for a malformed file."""
    doc = load_yaml(path)
    data = doc.data
    problems = []
    if not isinstance(data, dict) or "policy" not in data or not isinstance(data.get("cases"), list):
        raise PolicyError(Diagnostic.of("cases.shape", doc.loc(())))
    policy = load_policy(Path(path).parent / data["policy"])
    cases = []
    for i, raw in enumerate(data["cases"]):
        where = doc.loc(("cases", i))
        if not isinstance(raw, dict) or "name" not in raw or "entity" not in raw or "expect" not in raw:
            problems.append(Diagnostic.of("cases.case", where))
            continue
        if ("record" in raw) == ("members" in raw):
            problems.append(Diagnostic.of("cases.case/record-or-members", where, name=raw["name"]))
            continue
        unknown = set(raw["expect"]) - _EXPECT_KEYS
        if unknown:
            problems.append(
                Diagnostic.of(
                    "cases.expect",
                    doc.loc(("cases", i, "expect")),
                    name=raw["name"],
                    unknown=", ".join(map(str, sorted(unknown))),
                    known=", ".join(sorted(_EXPECT_KEYS)),
                )
            )
            continue
        if raw["entity"] not in policy.spec.entities:
            problems.append(
                Diagnostic.of("cases.entity", doc.loc(("cases", i, "entity")), name=raw["name"], entity=raw["entity"])
            )
            continue
        as_of = None
        if raw.get("as_of") is not None:
            try:
                as_of = parse_date(str(raw["as_of"]))
            except ValueError as exc:
                problems.append(Diagnostic.of("cases.as-of", doc.loc(("cases", i, "as_of")), reason=exc))
                continue
        cases.append(
            Case(
                str(raw["name"]),
                raw["entity"],
                raw["expect"],
                where,
                raw.get("record"),
                raw.get("members"),
                as_of,
                raw.get("rule"),
                None if raw.get("group") is None else str(raw["group"]),
            )
        )
    if problems:
        raise PolicyError(problems)
    return policy, cases


def _same(expected, got) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected == got
    if (isinstance(got, (int, Fraction)) and not isinstance(expected, (list, dict, str))) or (
        isinstance(got, (int, Fraction)) and isinstance(expected, str)
    ):
        try:
            return exact(expected) == got
        except ValueError:
            return False
    if isinstance(got, dt.date):
        return str(expected) == got.isoformat()
    return expected == got


def _show(value):
    return plain(value)


class Coverage:
    """Which elements of a policy the cases exercised: rules, tier rows, grade levels, consequences."""

    def __init__(self, policy: Policy):
        self.policy = policy
        spec = policy.spec
        self.items: dict[str, set] = {"rules": set(), "tiers": set(), "levels": set(), "consequences": set()}
        self.hit: dict[str, set] = {k: set() for k in self.items}
        self.cited: dict[str, set] = {}
        for ename, entity in spec.entities.items():
            for vname, value in entity.values.items():
                self._cite(value.rule, ("value", ename, vname))
                for i, tier in enumerate(value.tiers):
                    self.items["tiers"].add((ename, vname, i))
                    self._cite(tier.rule, ("tier", ename, vname, i))
            for iname, value in entity.member_inputs.items():
                self._cite(value.rule, ("member_input", ename, iname))
            if entity.grade is not None:
                for level in entity.grade.all_levels:
                    self.items["levels"].add((ename, level.code))
                    self._cite(level.rule, ("level", ename, level.code))
            for cons in entity.consequences:
                self.items["consequences"].add((ename, cons.id))
                self._cite(cons.rule, ("consequence", ename, cons.id))
        for schedule in spec.schedules.values():
            self._cite(schedule.rule, ("schedule", schedule.name))
            for target in schedule.targets:
                self._cite(target.rule, ("schedule", schedule.name))
            for info in schedule.units.values():
                if info.get("rule"):
                    self._cite(info["rule"], ("schedule", schedule.name))
        self.items["rules"] = set(self.cited)

    def _cite(self, rule, element):
        self.cited.setdefault(rule, set()).add(element)

    @property
    def descriptive(self) -> list[str]:
        """Catalogue rules no element encodes (statements of fact, not checkable)."""
        return sorted(set(self.policy.spec.rules) - set(self.cited))

    def record(self, result: Result, entity: str | None = None) -> None:
        """Mark what one evaluation (with trace) exercised."""
        spec_entity = result.entity
        ename = spec_entity.name
        env = result.env or {}
        elements: set[tuple] = set()
        for vname, value in spec_entity.values.items():
            if vname in env:
                elements.add(("value", ename, vname))
                if value.kind == "tiers":
                    try:
                        x = value.expr.fast(env)
                    except Exception:
                        continue
                    for i, tier in enumerate(value.tiers):
                        if x in tier.interval:
                            self.hit["tiers"].add((ename, vname, i))
                            elements.add(("tier", ename, vname, i))
        for iname in spec_entity.member_inputs:
            if iname in env:
                elements.add(("member_input", ename, iname))
        if result.level is not None:
            self.hit["levels"].add((ename, result.level.code))
            elements.add(("level", ename, result.level.code))
        for cons, _ in result.fired:
            self.hit["consequences"].add((ename, cons.id))
            elements.add(("consequence", ename, cons.id))
        if spec_entity.schedule:
            elements.add(("schedule", spec_entity.schedule))
        for rule, cited in self.cited.items():
            if cited & elements:
                self.hit["rules"].add(rule)

    def missing(self) -> dict[str, list]:
        return {kind: sorted(self.items[kind] - self.hit[kind], key=str) for kind in self.items}

    def percent(self) -> Fraction:
        total = sum(len(v) for v in self.items.values())
        hit = sum(len(self.items[k] & self.hit[k]) for k in self.items)
        return Fraction(hit * 100, total) if total else Fraction(100)

    def report(self, lang: str = "en") -> str:
        """What the cases exercise, kind by kind, and what they leave out, in ``lang``."""
        spec = self.policy.spec
        percent = format_number(round(self.percent(), 1))
        lines = [cli_text("coverage.head", lang, policy=spec.id, percent=percent)]
        for kind, items in self.items.items():
            lines.append(f"  {cli_text('coverage.' + kind, lang):<13} {len(items & self.hit[kind])}/{len(items)}")
        for kind, missing in self.missing().items():
            for item in missing:
                shown = " / ".join(map(str, item))
                lines.append(
                    cli_text("coverage.missing", lang, kind=cli_text("coverage." + kind[:-1], lang), item=shown)
                )
        if self.descriptive:
            lines.append(cli_text("coverage.descriptive", lang, rules=", ".join(self.descriptive)))
        return "\n".join(lines)


def run_case(policy: Policy, case: Case, coverage: Coverage | None = None, lang: str = "en") -> CaseOutcome:
    """Evaluate one case and compare with its expectations."""
    from .explain import explain_text

    expect = case.expect
    accounting = None
    problems: list[tuple]
    try:
        if case.members is not None:
            groups = policy.evaluate_members(
                case.members, case.entity, as_of=case.as_of, trace=True, allow_outside=case.as_of is None
            )
            found = [(g, m) for g, m in groups if case.group is None or str(g.id) == case.group]
            if not found:
                return CaseOutcome(case, False, [("group", case.group, Problem("cli.test.no-group"))])
            group, members = found[0]
            accounting = group.members
            if coverage is not None:
                for member in members:
                    if member.ok:
                        coverage.record(member)
            if not group.ok:
                raise group.error
            result = group
        else:
            assert case.record is not None  # a case gives a record or members
            result = policy.evaluate(
                case.record, case.entity, as_of=case.as_of, trace=True, allow_outside=case.as_of is None
            )
    except RecordError as exc:
        if "error" in expect:
            problems = (
                []
                if any(d.code == expect["error"] for d in exc.diagnostics)
                else [("error", expect["error"], exc.first.code)]
            )
            problems += _members_problems(expect, accounting)
            return CaseOutcome(case, not problems, problems, str(exc))
        return CaseOutcome(case, False, [(Problem("cli.test.result"), Problem("cli.test.a-result"), _error(exc))])
    except KaoheError as exc:
        return CaseOutcome(case, False, [(Problem("cli.test.result"), Problem("cli.test.a-result"), _error(exc))])
    if coverage is not None:
        coverage.record(result)
    problems = []
    if "error" in expect:
        problems.append(("error", expect["error"], Problem("cli.test.a-result")))
    if "grade" in expect and expect["grade"] != result.grade:
        problems.append(("grade", expect["grade"], result.grade))
    if "credit_total" in expect and not _same(expect["credit_total"], result.credit_total):
        problems.append(("credit_total", expect["credit_total"], _show(result.credit_total)))
    if "sanctions" in expect and list(expect["sanctions"] or []) != result.sanctions:
        problems.append(("sanctions", list(expect["sanctions"] or []), result.sanctions))
    if "awards" in expect and list(expect["awards"] or []) != result.awards:
        problems.append(("awards", list(expect["awards"] or []), result.awards))
    problems += _members_problems(expect, accounting)
    for name, wanted in (expect.get("values") or {}).items():
        got = result.env.get(name) if result.env is not None and name in result.env else result.value(name)
        if got is None and result.env is not None and name not in result.env:
            try:
                got = result.env[name]
            except (RecordError, KeyError):
                got = None
        if not _same(wanted, got):
            problems.append((f"values.{name}", wanted, _show(got)))
    explanation = explain_text(result, lang) if problems else ""
    return CaseOutcome(case, not problems, problems, explanation)


def _members_problems(expect, accounting) -> list:
    """Differences between the expected and the actual member accounting of a group."""
    if "members" not in expect:
        return []
    if accounting is None:
        return [("members", expect["members"], Problem("cli.test.no-accounting"))]
    return [
        (f"members.{key}", wanted, accounting.get(key))
        for key, wanted in (expect["members"] or {}).items()
        if accounting.get(key) != wanted
    ]


def _error(exc: KaoheError) -> Problem:
    """The first problem of ``exc`` as a sentence for either language: ``error CODE: message``."""
    first = exc.first
    message = Problem(first.key, **first.params) if first.key else first.message
    return Problem("cli.test.error", code=first.code, message=message)


def run_cases(
    path: str | Path, coverage: bool = True, lang: str = "en"
) -> tuple[Policy, list[CaseOutcome], Coverage | None]:
    """Run a case file: (policy, outcomes, Coverage); explanations of failures in ``lang``."""
    policy, cases = load_cases(path)
    cov = Coverage(policy) if coverage else None
    return policy, [run_case(policy, case, cov, lang) for case in cases], cov
