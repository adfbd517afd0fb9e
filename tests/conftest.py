"""Shared fixtures: the shipped policies and record builders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import engine

# property tests are about correctness, never speed: no deadlines, no "too slow" failures on a
# loaded machine, and the same examples in every run (CI is reproducible)
settings.register_profile(
    "kaohe",
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("kaohe")

# the suite checks kaohe's messages in English (the CLI's own Chinese messages, the default
# for Chinese policies, are checked with --lang zh in test_cli.py); subprocesses inherit this
os.environ["KAOHE_LANG"] = "en"

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"


@pytest.fixture(scope="session")
def jiangxi():
    return engine.load_policy(POLICIES / "jiangxi.yaml")


def usage_for(ratio_num: int, ratio_den: int, class_hours: int = 600) -> list[int]:
    """Daily usage (4 a day at most counts) whose capped total is class_hours * ratio exactly."""
    total = class_hours * ratio_num // ratio_den
    assert total * ratio_den == class_hours * ratio_num, "choose class hours that make the ratio exact"
    days = [4] * (total // 4)
    if total % 4:
        days.append(total % 4)
    return days


def teacher(**fields) -> dict:
    record = {
        "id": "T",
        "gender": "F",
        "age": 35,
        "daily_usage": usage_for(1, 2),
        "class_hours": 600,
        "lesson_scores": [60] * 6,
    }
    record.update(fields)
    return record
