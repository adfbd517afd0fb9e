"""Rollout schedules: which implementation unit is in which year's batch, checked against
the yearly targets, and a unit's status as of a day."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from .errors import Diagnostic
from .model import PolicySpec, Schedule
from .numbers import format_number

__all__ = ["check_schedules", "cumulative_shares", "unit_status"]


def _acting_units(schedule: Schedule) -> list[str]:
    """Units that carry out the rollout themselves (not through a central school)."""
    return [u for u, info in schedule.units.items() if not info.get("through")]


def cumulative_shares(schedule: Schedule) -> dict[int, Fraction]:
    """Year -> share of acting units whose batch year is that year or earlier."""
    units = _acting_units(schedule)
    if not units:
        return {}
    years = sorted(set(schedule.batches) | {t.year for t in schedule.targets})
    return {
        year: Fraction(sum(1 for u in units if (schedule.batch_of(u) or 10**6) <= year), len(units))
        for year in years
    }


def check_schedules(spec: PolicySpec) -> list[Diagnostic]:
    """A diagnostic for every target a schedule misses (the cumulative share each year)."""
    found = []
    for schedule in spec.schedules.values():
        shares = cumulative_shares(schedule)
        for target in schedule.targets:
            share = shares.get(target.year, Fraction(0))
            if share < target.share:
                found.append(Diagnostic(
                    "schedule.target",
                    f"schedule '{schedule.name}' reaches {format_number(share * 100)}% of its units by "
                    f"{target.year}, below the target of {format_number(target.share * 100)}%",
                    target.location, rule=target.rule,
                    hint="move units to an earlier batch, or check the target's reading in the rule's note",
                ))
    return found


def unit_status(schedule: Schedule, unit: str, as_of: dt.date, completed: dt.date | None = None) -> dict:
    """Batch year, demonstration status and whether the unit is done, on track or overdue."""
    info = schedule.units.get(unit)
    if info is None:
        return {"unit": unit, "known": False}
    acting = info.get("through") or unit
    year = schedule.batch_of(acting)
    deadline = schedule.deadline(year) if year is not None else None
    if completed is not None:
        status = "done_late" if deadline and completed > deadline else "done"
    elif deadline is not None and as_of > deadline:
        status = "overdue"
    else:
        status = "on_track"
    return {
        "unit": unit, "known": True, "acting_unit": acting, "batch_year": year,
        "deadline": deadline, "demonstration": bool(info.get("demonstration")), "status": status,
    }
