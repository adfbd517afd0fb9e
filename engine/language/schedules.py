"""Rollout schedules: which implementation unit is in which year's batch, checked against
the yearly targets, and a unit's status as of a day."""

from __future__ import annotations

from fractions import Fraction

from ..base.errors import Diagnostic
from ..base.numbers import format_number
from .model import PolicySpec, Schedule

__all__ = ["check_schedules", "cumulative_shares"]


def cumulative_shares(schedule: Schedule) -> dict[int, Fraction]:
    """Year -> share of the schedule's units whose batch year is that year or earlier."""
    units = list(schedule.units)
    if not units:
        return {}
    years = sorted(set(schedule.batches) | {t.year for t in schedule.targets})
    batch = {u: schedule.year_of(u) for u in units}
    return {
        year: Fraction(sum(1 for u in units if batch[u] is not None and batch[u] <= year), len(units)) for year in years
    }


def check_schedules(spec: PolicySpec) -> list[Diagnostic]:
    """A diagnostic for every target a schedule misses (the cumulative share each year)."""
    found = []
    for schedule in spec.schedules.values():
        shares = cumulative_shares(schedule)
        for target in schedule.targets:
            share = shares.get(target.year, Fraction(0))
            if share < target.share:
                found.append(
                    Diagnostic.of(
                        "schedule.target",
                        target.location,
                        rule=target.rule,
                        schedule=schedule.name,
                        year=target.year,
                        share=format_number(share * 100),
                        target=format_number(target.share * 100),
                    )
                )
    return found
