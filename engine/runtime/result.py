"""Results and failures as plain data, and the trace of how a result was decided.

A :class:`Result` converts to a JSON-ready dict whose shape is published as
``schemas/result.schema.json``. The trace is what a :class:`FullTracer` recorded while the
entity's generated function evaluated the record: nothing is evaluated again to show it.
"""

from __future__ import annotations

import datetime as dt
import os
from fractions import Fraction
from typing import Any

from ..base.errors import Diagnostic, KaoheError, RecordError
from ..base.numbers import ratio, to_json_number
from ..language.model import Entity, Level, PolicySpec
from .tracers import FullTracer

__all__ = ["LANGUAGES", "Failure", "Result", "check_language", "plain"]

#: the languages results can be written in
LANGUAGES = ("zh", "en")


def check_language(lang: object) -> str:
    """``lang`` if kaohe writes that language; otherwise a :class:`KaoheError`, never a silent
    fallback to Chinese."""
    if lang in LANGUAGES:
        return lang
    raise KaoheError(Diagnostic.of("usage.lang", lang=repr(lang)))


def _relative_file(problem: dict) -> dict:
    """A problem with its policy file named from the policy's folder, never as an absolute
    path of the machine that evaluated it."""
    file = problem.get("file")
    if isinstance(file, str) and os.path.isabs(file):
        problem["file"] = os.path.basename(file)
    return problem


def plain(value: object, short: bool = False) -> Any:
    """A computed value as JSON-ready data."""
    if type(value) is Fraction or type(value) is int:
        return to_json_number(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        if short and len(value) > 12:
            numeric = all(isinstance(v, (int, Fraction)) and not isinstance(v, bool) for v in value)
            summary = f"{len(value)} items"
            if numeric:
                summary += f", sum {to_json_number(sum(value))}"
            return summary
        return [plain(v, short) for v in value]
    if isinstance(value, dict):
        return {k: plain(v, short) for k, v in value.items()}
    return value


class Result:
    """The outcome of evaluating one record: grade, scores, credits, sanctions, awards."""

    __slots__ = ("entity", "fired", "id", "level", "members", "scores", "spec", "tracer")

    def __init__(
        self,
        spec: PolicySpec,
        entity: Entity,
        id_: str | None,
        level: Level | None,
        fired: list,
        scores: dict,
        tracer: FullTracer | None = None,
    ) -> None:
        self.spec, self.entity, self.id, self.level = spec, entity, id_, level
        self.fired, self.scores, self.tracer = fired, scores, tracer
        self.members: dict | None = None  # for a group judged from members: the member accounting

    ok = True

    @property
    def env(self) -> dict | None:
        """The record's names and computed values (a dict), when it was evaluated with a
        tracer (``trace=True``); None otherwise. Reading a value that could not be
        computed raises the :class:`RecordError` that stopped it."""
        tracer = self.tracer
        return tracer.env if tracer is not None else None

    @property
    def grade(self) -> str | None:
        """The grade code, or None for an entity without grades."""
        return self.level.code if self.level is not None else None

    @property
    def credits(self) -> list[dict]:
        out = []
        for cons, amount in self.fired:
            if cons.kind == "credit":
                for period in cons.periods:
                    out.append({"amount": amount, "kind": cons.credit_kind, "period": period, "cons": cons})
        return out

    @property
    def credit_total(self) -> int | Fraction:
        """All credits added up, exactly: 0.5 in each of two terms is 1."""
        num, den = 0, 1  # the total is num / den, added as whole numbers
        for cons, amount in self.fired:
            if amount is not None:
                times = len(cons.periods)
                if type(amount) is int:
                    num += amount * times * den
                else:
                    a_num, a_den = amount.numerator, amount.denominator
                    num, den = num * a_den + a_num * times * den, den * a_den
        return ratio(num, den)

    def codes(self, kind: str | None = None) -> list[str]:
        """Codes of the sanctions (and obligations) or awards that followed."""
        kinds = ("sanction", "obligation") if kind is None else (kind,)
        return [cons.code for cons, _ in self.fired if cons.kind in kinds]

    @property
    def sanctions(self) -> list[str]:
        return self.codes()

    @property
    def awards(self) -> list[str]:
        return self.codes("award")

    def value(self, name: str) -> Any:
        """A reported or computed value by name (None if it was not computed)."""
        if name in self.scores:
            return self.scores[name]
        return self.env.get(name) if self.env is not None else None

    def __repr__(self) -> str:
        sanctions = f" sanctions={self.sanctions}" if self.sanctions else ""
        awards = f" awards={self.awards}" if self.awards else ""
        return f"<Result {self.entity.name} {self.id!r} grade={self.grade!r}{sanctions}{awards} policy={self.spec.id}>"

    def to_dict(self, lang: str | None = None, trace: bool = False) -> dict:
        """The result as JSON-ready data (``schemas/result.schema.json``): numbers as int or
        float, dates as ISO strings; labels in ``lang``, by default the policy's language."""
        spec = self.spec
        lang = check_language(spec.language if lang is None else lang)
        out: dict[str, Any] = {
            "id": self.id if self.id is None or isinstance(self.id, str) else str(self.id),
            "entity": self.entity.name,
            "policy": {"id": spec.id, "version": spec.version},
            "grade": None,
            "scores": {k: plain(v) for k, v in self.scores.items()},
            "credits": [],
            "credit_total": 0,
            "sanctions": [],
            "awards": [],
        }
        layered = len(spec.layers) > 1
        if self.level is not None:
            out["grade"] = {"code": self.level.code, "label": self.level.label.get(lang), "rule": self.level.rule}
            if layered:
                out["grade"]["layer"] = self.level.layer
        for credit in self.credits:
            cons = credit["cons"]
            out["credits"].append(
                {
                    "amount": plain(credit["amount"]),
                    "kind": cons.credit_kind,
                    "label": cons.label.get(lang),
                    "period": credit["period"],
                    "rule": cons.rule,
                }
            )
            if layered:
                out["credits"][-1]["layer"] = cons.layer
        out["credit_total"] = plain(self.credit_total)
        for cons, _ in self.fired:
            if cons.kind in ("sanction", "obligation", "award"):
                item = {
                    "code": cons.code,
                    "label": cons.label.get(lang),
                    "kind": cons.kind,
                    "rule": cons.rule,
                    "clause": cons.clause or spec.clause(cons.rule),
                }
                if layered:
                    item["layer"] = cons.layer
                out["awards" if cons.kind == "award" else "sanctions"].append(item)
        if self.members is not None:
            out["members"] = self.members
        if trace:
            out["trace"] = self.trace()
        return out

    # -- trace ------------------------------------------------------------------------------
    def trace(self) -> list[dict]:
        """Which rules fired, with the values they saw, as the evaluation's
        :class:`FullTracer` recorded them (empty without one: evaluate with trace=True)."""
        tracer = self.tracer
        if not isinstance(tracer, FullTracer) or tracer.env is None:
            return []
        env = tracer.env
        spec, entity = self.spec, self.entity
        steps = []

        def reads(expr):
            return {n: plain(env[n], short=True) for n in sorted(expr.names) if n in env}

        for name, value in entity.values.items():
            if name not in env:
                continue
            step = {
                "step": "value",
                "name": name,
                "label": value.label.zh,
                "rule": value.rule,
                "layer": value.layer,
                "clause": value.clause or spec.clause(value.rule),
                "value": plain(env[name], short=True),
            }
            if value.kind == "expr":
                step.update(expr=value.expr.text, reads=reads(value.expr))
            elif value.kind == "tiers":
                x, tier = tracer.tiers[name]
                step.update(step="tier", of=value.expr.text, input=plain(x), reads=reads(value.expr))
                step.update(tier=str(tier.interval), tier_clause=tier.clause, rule=tier.rule)
            else:
                step.update(
                    step="aggregate",
                    aggregate=value.aggregate,
                    over=value.over.text if value.over else None,
                    where=value.where.text if value.where else None,
                )
            steps.append(step)
        if entity.grade is not None and self.level is not None:
            tried = [
                {
                    "code": level.code,
                    "when": level.when.text,
                    "held": held,
                    "rule": level.rule,
                    "reads": reads(level.when),
                }
                for kind, level, held in tracer.conditions
                if kind == "grade"
            ]
            steps.append(
                {
                    "step": "grade",
                    "rule": self.level.rule,
                    "layer": self.level.layer,
                    "clause": spec.clause(self.level.rule),
                    "grade": self.level.code,
                    "label": self.level.label.zh,
                    "tried": tried,
                    "fallback": self.level.when is None,
                }
            )
        for cons, amount in self.fired:
            step = {
                "step": "consequence",
                "id": cons.id,
                "kind": cons.kind,
                "code": cons.code,
                "layer": cons.layer,
                "label": cons.label.zh,
                "rule": cons.rule,
                "clause": cons.clause or spec.clause(cons.rule),
                "when": cons.when.text,
                "reads": reads(cons.when),
            }
            if amount is not None:
                step["amount"] = plain(amount)
            steps.append(step)
        return steps


class Failure:
    """A record that could not be evaluated: its id and the reasons."""

    __slots__ = ("entity", "error", "id", "index", "members")

    ok = False

    def __init__(self, entity: str, id_: str | None, error: RecordError, index: int | None = None) -> None:
        self.entity, self.id, self.error, self.index = entity, id_, error, index
        self.members: dict | None = None  # for a group judged from members: the member accounting

    grade = None

    def __repr__(self) -> str:
        return f"<Failure {self.entity} {self.id!r} {self.error.first.code}>"

    def to_dict(self, lang: str | None = None, trace: bool = False) -> dict:
        """The failure as JSON-ready data; texts in ``lang`` (default Chinese: a failure does
        not carry its policy)."""
        lang = check_language("zh" if lang is None else lang)
        first = self.error.first
        out: dict[str, Any] = {
            "id": self.id if self.id is None or isinstance(self.id, str) else str(self.id),
            "entity": self.entity,
            "error": {
                "code": first.code,
                "message": "; ".join(d.message for d in self.error.diagnostics),
                "text": ("；" if lang == "zh" else "; ").join(d.message_in(lang) for d in self.error.diagnostics),
                "field": first.evidence.get("field"),
                "rule": first.rule,
                "problems": [_relative_file(plain(d.as_dict())) for d in self.error.diagnostics],
            },
        }
        if self.index is not None:
            out["error"]["record"] = self.index
        if self.members is not None:
            out["members"] = self.members
        return out
